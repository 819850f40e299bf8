"""The markets the synthetic shop can be drawn in: the UK shop (the course's) and a Chinese one.

A :class:`Market` holds everything in :func:`helpers.synthetic.make_synthetic` that depends on
where the shop sells: its currency, its calendar (a seasonal factor on the purchase rate for
every day), its regions and acquisition channels (with their costs), its catalogue (categories,
words for product descriptions, median prices and the price points prices are set on), its
service-contact channels, the incomes of its customers and whether they give the Chinese
consent flags. The personas (:mod:`helpers.synthetic_customers`) are the same in every market:
a market's channels and categories are listed in the order of the UK shop's, and a persona's
channel weights and favourite categories apply position by position.

- ``"uk"`` (:data:`UK`): pounds (£); a busy Christmas season by month (:data:`UK_SEASON`);
  five UK regions; the catalogue in Online Retail's upper-case English.
- ``"cn"`` (:data:`CN`): yuan (¥); a daily calendar (:func:`cn_season`) with the Spring
  Festival (春节: the New Year shopping festival 年货节 in the three weeks before it, a deep dip
  in the holiday week, when couriers stop), 618 (building through 1-18 June), 双11 (a presale
  from 20 October, the year's peak on 11 November) and a smaller 双12; twelve provinces and
  municipalities; acquisition by search, Douyin, referral, WeChat and store; a catalogue in
  Chinese on Chinese price points (9.9, 19.9, 59, 129, ...); service by SMS, WeChat, phone and
  in-app chat; customers who sign up (place a first order) following the season, with SMS
  and WeChat consent and a birthday calendar (gregorian or lunar); a gift box club at ¥199 a
  month (the UK shop's: £25).

The Spring Festival's Gregorian date comes from :mod:`borax`'s lunar calendar (1900-2100).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

__all__ = ["CN", "MARKETS", "UK", "UK_SEASON", "Market", "cn_season", "get_market"]

#: The UK shop's seasonal factor on the purchase rate by month (January first): a busy
#: Christmas season.
UK_SEASON = np.array([0.7, 0.75, 0.9, 0.9, 0.95, 0.9, 0.85, 0.9, 1.0, 1.15, 1.6, 1.8])


@dataclass(frozen=True)
class Market:
    """Where the synthetic shop sells (see the module notes).

    Attributes
    ----------
    name : str
        ``"uk"`` or ``"cn"``.
    currency : str
        The currency symbol of every amount ("£", "¥").
    season : callable
        Times (array-like of datetimes) -> the seasonal factor on the purchase rate at each.
    peak : float
        The largest factor ``season`` gives (the purchase process thins a process at it).
    regions : tuple of str
        The customers' regions, drawn with ``region_shares``.
    region_shares : tuple of float
    channels : tuple of str
        The acquisition channels, in the order of the personas' channel weights.
    channel_cost : tuple of float
        Mean acquisition cost per channel, in the currency.
    categories : tuple of str
        The product categories, in the order of the personas' favourites.
    nouns : dict
        Category -> product nouns.
    styles : tuple of str
        Words put before a noun to name a product.
    joiner : str
        What goes between the style and the noun (a space in English, nothing in Chinese).
    median_price : tuple of float
        Median unit price per category; prices are log-normal around it.
    price_points : tuple of float
        The prices a product is set on (the nearest in log terms), or empty for any price
        rounded to the penny.
    min_price : float
        The lowest unit price (without price points).
    contact_cost : dict
        Service-contact channel -> base cost in the currency.
    contact_shares : tuple of float
        Share of contacts per channel of ``contact_cost``.
    income_scale : float
        The personas' median incomes (pounds) are multiplied by this.
    age_mean : float
        Mean age at signup.
    chinese_consent : bool
        Customers get ``sms_opt_in``, ``wechat_opt_in`` and ``birthday_calendar``.
    seasonal_signups : bool
        Customers sign up (place their first order) on days drawn with the season's weights
        rather than evenly.
    box_price, box_margin : float
        What a box of the gift box club (:mod:`helpers.synthetic_subscriptions`) costs the
        subscriber each month, and the shop's margin on it, in the currency.
    """

    name: str
    currency: str
    season: Callable[[pd.DatetimeIndex | np.ndarray], np.ndarray]
    peak: float
    regions: tuple[str, ...]
    region_shares: tuple[float, ...]
    channels: tuple[str, ...]
    channel_cost: tuple[float, ...]
    categories: tuple[str, ...]
    nouns: dict[str, tuple[str, ...]]
    styles: tuple[str, ...]
    joiner: str
    median_price: tuple[float, ...]
    price_points: tuple[float, ...]
    min_price: float
    contact_cost: dict[str, float]
    contact_shares: tuple[float, ...]
    income_scale: float
    age_mean: float
    chinese_consent: bool
    seasonal_signups: bool
    box_price: float
    box_margin: float


def uk_season(times: pd.DatetimeIndex | np.ndarray) -> np.ndarray:
    """Return the UK shop's seasonal factor at each time: :data:`UK_SEASON` by month.

    Parameters
    ----------
    times : array-like of datetimes

    Returns
    -------
    numpy.ndarray
    """
    return UK_SEASON[pd.DatetimeIndex(times).month.to_numpy() - 1]


@lru_cache(maxsize=256)
def spring_festival(year: int) -> pd.Timestamp:
    """Return the Gregorian date of the Spring Festival (农历正月初一) of ``year``.

    Parameters
    ----------
    year : int
        A Gregorian year in 1901-2100 (:mod:`borax`'s range).

    Returns
    -------
    pandas.Timestamp

    Examples
    --------
    >>> spring_festival(2024)
    Timestamp('2024-02-10 00:00:00')
    """
    from borax.calendars.lunardate import LunarDate

    return pd.Timestamp(LunarDate(int(year), 1, 1).to_solar_date())


#: The largest daily factor of :func:`cn_season` (11 November).
CN_PEAK = 6.0


def _spring_factor(days: pd.DatetimeIndex) -> np.ndarray:
    """Return the Spring Festival's factor on each day (NaN away from it)."""
    factor = np.full(len(days), np.nan)
    # A day in December or January may belong to the next year's festival.
    for shift in (0, 1):
        festival = pd.DatetimeIndex([spring_festival(y + shift) for y in days.year])
        k = ((days - festival) / pd.Timedelta(days=1)).to_numpy()
        value = np.select(
            [
                (k >= -21) & (k <= -6),  # 年货节: the New Year shopping builds up
                (k >= -5) & (k <= -1),  # last orders before couriers stop
                (k >= 0) & (k <= 6),  # the holiday week
                (k >= 7) & (k <= 14),  # back to normal by 元宵 (the 15th)
            ],
            [1.4 + 0.4 * (k + 21) / 15, 0.8, 0.25, 0.5 + 0.5 * (k - 7) / 7],
            np.nan,
        )
        factor = np.where(np.isnan(factor), value, factor)
    return factor


def cn_season(times: pd.DatetimeIndex | np.ndarray) -> np.ndarray:
    """Return the Chinese shop's seasonal factor on the purchase rate on each day.

    1 on an ordinary day; the Spring Festival (see the module notes: 1.4 rising to 1.8 from
    21 to 6 days before it, 0.8 in the last five days, 0.25 in the holiday week, back to 1
    over the week after); 618 (1.2 from 25 May, 1.2 rising to 1.8 over 1-17 June, 3.5 on
    18 June); 双11 (a presale at 1.5 from 20 October to 10 November, 6 on 11 November, 1.3
    on the two days after); 双12 (1.3 on 10-11 December, 2.5 on 12 December).

    Parameters
    ----------
    times : array-like of datetimes

    Returns
    -------
    numpy.ndarray
        One factor per time (the factor of its day).
    """
    days, inverse = np.unique(
        np.asarray(pd.DatetimeIndex(times).normalize(), dtype="datetime64[D]"),
        return_inverse=True,
    )
    day = pd.DatetimeIndex(days.astype("datetime64[ns]"))
    m, d = day.month.to_numpy(), day.day.to_numpy()
    factor = np.select(
        [
            (m == 5) & (d >= 25),
            (m == 6) & (d <= 17),
            (m == 6) & (d == 18),
            ((m == 10) & (d >= 20)) | ((m == 11) & (d <= 10)),
            (m == 11) & (d == 11),
            (m == 11) & ((d == 12) | (d == 13)),
            (m == 12) & ((d == 10) | (d == 11)),
            (m == 12) & (d == 12),
        ],
        [1.2, 1.2 + 0.6 * (d - 1) / 16, 3.5, 1.5, CN_PEAK, 1.3, 1.3, 2.5],
        1.0,
    )
    spring = _spring_factor(day)
    factor = np.where(np.isnan(spring), factor, spring)
    return factor[inverse.reshape(-1)]


UK = Market(
    name="uk",
    currency="£",
    season=uk_season,
    peak=float(UK_SEASON.max()),
    regions=("North", "South", "East", "West", "London"),
    region_shares=(0.22, 0.25, 0.15, 0.18, 0.20),
    channels=("search", "social", "referral", "email", "store"),
    channel_cost=(42.0, 30.0, 15.0, 8.0, 22.0),
    categories=(
        "Kitchen",
        "Home decor",
        "Lighting",
        "Textiles",
        "Garden",
        "Stationery",
        "Toys",
        "Gifts",
    ),
    nouns={
        "Kitchen": ("MUG", "TEAPOT", "CAKE TIN", "APRON", "JAM JAR", "LUNCH BOX", "TEA TOWEL"),
        "Home decor": ("PHOTO FRAME", "WALL CLOCK", "MIRROR", "VASE", "DOORSTOP", "COAT HOOK"),
        "Lighting": ("LANTERN", "T-LIGHT HOLDER", "LAMP", "FAIRY LIGHTS", "CANDLE"),
        "Textiles": ("CUSHION COVER", "THROW", "TOTE BAG", "DOORMAT", "HOT WATER BOTTLE"),
        "Garden": ("WATERING CAN", "PLANT POT", "BIRD HOUSE", "GARDEN SIGN", "SEED TIN"),
        "Stationery": ("NOTEBOOK", "PENCIL SET", "GIFT WRAP", "CARD SET", "STICKER SHEET"),
        "Toys": ("SPINNING TOP", "JIGSAW", "SKITTLES", "DOLLY", "PLAYING CARDS"),
        "Gifts": ("GIFT BOX", "KEYRING", "TRINKET BOX", "PARTY BUNTING", "CHRISTMAS BAUBLE"),
    },
    styles=("RED", "BLUE", "PINK", "GREEN", "IVORY", "VINTAGE", "RETRO SPOT", "HEART", "STAR"),
    joiner=" ",
    median_price=(3.5, 6.0, 4.5, 5.5, 4.0, 1.5, 2.5, 2.0),
    price_points=(),
    min_price=0.19,
    contact_cost={"phone": 6.0, "email": 2.5, "chat": 1.5, "store": 4.0},
    contact_shares=(0.4, 0.3, 0.2, 0.1),
    income_scale=1.0,
    age_mean=42.0,
    chinese_consent=False,
    seasonal_signups=False,
    box_price=25.0,
    box_margin=10.0,
)

#: Chinese retail price points, in yuan: x.9 below 20, then whole yuan ending in 9.
CN_PRICE_POINTS: tuple[float, ...] = (
    *(1.9, 2.9, 3.9, 4.9, 5.9, 6.9, 7.9, 8.9, 9.9, 12.9, 14.9, 16.9, 19.9),
    *(29.0, 39.0, 49.0, 59.0, 69.0, 79.0, 89.0, 99.0, 119.0, 129.0, 149.0, 169.0),
    *(199.0, 229.0, 259.0, 299.0, 349.0, 399.0, 499.0, 599.0, 799.0, 999.0),
)

CN = Market(
    name="cn",
    currency="¥",
    season=cn_season,
    peak=CN_PEAK,
    regions=(
        "广东",
        "浙江",
        "江苏",
        "上海",
        "北京",
        "山东",
        "四川",
        "福建",
        "河南",
        "湖北",
        "湖南",
        "陕西",
    ),
    region_shares=(0.15, 0.11, 0.11, 0.08, 0.07, 0.08, 0.07, 0.06, 0.07, 0.07, 0.06, 0.07),
    # in the order of the UK shop's search, social, referral, email, store
    channels=("search", "douyin", "referral", "wechat", "store"),
    channel_cost=(260.0, 200.0, 80.0, 50.0, 120.0),
    categories=("厨房用品", "家居装饰", "灯具照明", "家纺", "园艺", "文具", "玩具", "礼品"),
    nouns={
        "厨房用品": ("马克杯", "茶壶", "保鲜盒", "围裙", "饭盒", "砧板", "调料瓶"),
        "家居装饰": ("相框", "挂钟", "镜子", "花瓶", "门挡", "挂钩"),
        "灯具照明": ("台灯", "落地灯", "小夜灯", "灯串", "香薰蜡烛"),
        "家纺": ("抱枕套", "毛毯", "帆布包", "地垫", "四件套", "暖水袋"),
        "园艺": ("浇水壶", "花盆", "鸟屋", "多肉组合", "种子礼盒"),
        "文具": ("笔记本", "铅笔套装", "包装纸", "贺卡", "贴纸"),
        "玩具": ("陀螺", "拼图", "积木", "布娃娃", "扑克牌"),
        "礼品": ("礼盒", "钥匙扣", "首饰盒", "红包", "福字挂件"),
    },
    styles=("北欧风", "日式", "简约", "复古", "国潮", "INS风", "卡通", "加厚", "大号"),
    joiner="",
    median_price=(29.0, 59.0, 49.0, 69.0, 35.0, 12.9, 25.0, 19.9),
    price_points=CN_PRICE_POINTS,
    min_price=1.9,
    contact_cost={"wechat": 4.0, "app_chat": 3.0, "phone": 15.0, "sms": 0.5},
    contact_shares=(0.4, 0.3, 0.2, 0.1),
    income_scale=3.0,
    age_mean=36.0,
    chinese_consent=True,
    seasonal_signups=True,
    # a monthly box on a price point, with the UK box's 40% margin
    box_price=199.0,
    box_margin=80.0,
)

#: The markets by name.
MARKETS: dict[str, Market] = {"uk": UK, "cn": CN}


def get_market(market: str | Market) -> Market:
    """Return the :class:`Market` named ``market`` ("uk" or "cn"), or ``market`` itself.

    Parameters
    ----------
    market : str or Market

    Returns
    -------
    Market

    Raises
    ------
    ValueError
        For an unknown name.
    """
    if isinstance(market, Market):
        return market
    if market not in MARKETS:
        raise ValueError(f"market must be one of {sorted(MARKETS)}; got {market!r}")
    return MARKETS[market]

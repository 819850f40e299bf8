"""Tables and prose for the report: headers in words, numbers formatted, nothing truncated.

The customer value report is read by people who never see a DataFrame. :func:`report_table`
turns one into an HTML table a manager can read: headers in words (:data:`LABELS`), counts
with thousands separators, money with its currency, shares as percentages, no index column
(a meaningful index, such as the tier, becomes the first column), full text, and a dash for
a missing value instead of ``nan``. :class:`Prose` shows sentences as paragraphs or a list.
Both render as HTML in a notebook and as plain text elsewhere; every text is escaped.

    >>> import pandas as pd
    >>> tiers = pd.DataFrame(
    ...     {"customers": [120, 880], "value": [5400.0, 3100.0], "value_share": [0.635, 0.365]},
    ...     index=pd.Index([1, 2], name="tier"),
    ... )
    >>> print(report_table(tiers, {"value": "money", "value_share": "share"}, currency="£"))
    tier customers  value value share
       1       120 £5,400       63.5%
       2       880 £3,100       36.5%
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence

import pandas as pd

from helpers.translation import N_, get_language
from helpers.translation import gettext as _

__all__ = [
    "HEADER_WORDS",
    "KINDS",
    "KIND_BY_NAME",
    "LABELS",
    "MISSING",
    "Prose",
    "TRANSLATED_COLUMNS",
    "Table",
    "format_value",
    "join_sentences",
    "label",
    "report_table",
]

#: Shown for a missing value.
MISSING = "–"

#: How a column can be shown (see :func:`format_value`).
KINDS: tuple[str, ...] = ("count", "money", "share", "probability", "number", "date", "text")

#: Column names in words; a name not listed has its underscores replaced by spaces.
LABELS: dict[str, str] = {
    "customer_id": N_("customer"),
    "product_id": N_("product"),
    "product_ids": N_("product codes"),
    "customer_share": N_("share of customers"),
    "revenue_share": N_("share of revenue"),
    "mean_monetary": N_("mean revenue"),
    "mean_recency": N_("days since last order, mean"),
    "mean_frequency": N_("orders, mean"),
    "clv": N_("expected value"),
    "clv_share": N_("share of expected value"),
    "mean_clv": N_("expected value per customer"),
    "mean_p_churn": N_("P(churn), mean"),
    "mean_p_alive": N_("P(alive), mean"),
    "p_churn": N_("P(churn)"),
    "p_alive": N_("P(alive)"),
    "expected_value": N_("expected value"),
    "value_at_risk": N_("value at risk"),
    "lookalike_score": N_("look-alike score"),
    "best_score": N_("recommendation score"),
    "send_date": N_("send on"),
    "duration_days": N_("days"),
    "profit_effect": N_("profit effect"),
    "products_paying": N_("products that pay"),
    "extra_units": N_("extra units"),
    "break_even_lift": N_("break-even lift"),
    "expected_lift": N_("expected lift"),
    "rows": N_("order lines"),
}

#: Headers the report shows as the column's own name (underscores as spaces), marked so that
#: they are translated (:func:`report_table` translates every header through ``_``).
HEADER_WORDS: tuple[str, ...] = (
    N_("index"),
    N_("tier"),
    N_("segment"),
    N_("strategy"),
    N_("campaign"),
    N_("customers"),
    N_("share"),
    N_("revenue"),
    N_("reason"),
    N_("action"),
    N_("rule"),
    N_("offer"),
    N_("channel"),
    N_("measure"),
    N_("value"),
    N_("discount"),
    N_("depth"),
    N_("listed"),
    N_("contacted"),
    N_("held out"),
    N_("held out (control)"),
    N_("base rate"),
    N_("expected uplift (points)"),
    N_("detectable uplift (points)"),
    N_("enough to prove it"),
    N_("one order share"),
    N_("customer id"),
)

#: Cell values of campaign lists defined where they are not translated (a birthday list's
#: channels and its offer without a voucher), marked here so that the report shows them
#: translated.
VALUE_WORDS: tuple[str, ...] = (N_("e-mail"), N_("SMS"), N_("birthday greeting, no voucher"))

#: Columns whose cells are names or codes of the analysis (a cleaning reason, an RFM segment,
#: a strategy): shown translated through ``_``; the data keep the English codes.
TRANSLATED_COLUMNS: frozenset[str] = frozenset(
    {
        "reason",
        "action",
        "strategy",
        "segment",
        "campaign",
        "channel",
        "measure",
        "rule",
        "offer",
        "enough to prove it",
    }
)


def label(name: object) -> str:
    """Return a column name in words.

    Parameters
    ----------
    name : object
        A column name.

    Returns
    -------
    str
        :data:`LABELS`'s words for it, else the name with underscores as spaces.

    Examples
    --------
    >>> label("mean_p_churn"), label("held_out")
    ('P(churn), mean', 'held out')
    """
    text = str(name)
    return _(LABELS.get(text, text.replace("_", " ")))


def _missing(value: object) -> bool:
    if value is None or value is pd.NaT:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # lists, arrays
        return False


def format_value(value: object, kind: str, *, currency: str = "£", decimals: int = 2) -> str:
    """Format one value for a reader.

    Parameters
    ----------
    value : object
        The value; missing (None, NaN, NaT) gives :data:`MISSING`.
    kind : {"count", "money", "share", "probability", "number", "date", "text"}
        ``count``: a whole number with thousands separators (1,234); ``money``: the currency,
        whole units from 1,000 on and ``decimals`` decimals below (£1,235, -£3.20);
        ``share``: a percentage with one decimal (0.256 -> 25.6%); ``probability``: two
        decimals (0.84); ``number``: ``decimals`` decimals with separators; ``date``:
        YYYY-MM-DD; ``text``: as is.
    currency : str, default "£"
        The currency symbol, for money.
    decimals : int, default 2
        Decimals for money and numbers.

    Returns
    -------
    str

    Raises
    ------
    ValueError
        For an unknown kind.

    Examples
    --------
    >>> format_value(474.0, "count"), format_value(-3.2, "money"), format_value(0.256, "share")
    ('474', '-£3.20', '25.6%')
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}; got {kind!r}")
    if _missing(value):
        return MISSING
    if kind == "text":
        return str(value)
    if kind == "date":
        return f"{pd.Timestamp(value):%Y-%m-%d}"
    number = float(value)
    if kind == "count":
        return f"{round(number):,}"
    if kind == "money":
        sign = "-" if number < 0 else ""
        places = 0 if abs(number) >= 1000 else decimals
        return f"{sign}{currency}{abs(number):,.{places}f}"
    if kind == "share":
        return f"{number:.1%}"
    if kind == "probability":
        return f"{number:.2f}"
    return f"{number:,.{decimals}f}"


#: How the report's usual numeric columns are shown, by name (:func:`report_table`).
KIND_BY_NAME: dict[str, str] = {
    **dict.fromkeys(
        ["rows", "customers", "purchases", "duration_days", "products_paying", "extra_units"],
        "count",
    ),
    "mean_recency": "count",  # days
    **dict.fromkeys(
        [
            "revenue",
            "value",
            "mean_value",
            "median_value",
            "mean_monetary",
            "revenue_pace",
            "clv",
            "mean_clv",
            "expected_value",
            "value_at_risk",
            "profit_effect",
        ],
        "money",
    ),
    **dict.fromkeys(["share", "depth", "break_even_lift", "expected_lift"], "share"),
    **dict.fromkeys(
        ["p_churn", "p_alive", "mean_p_churn", "mean_p_alive", "lookalike_score"], "probability"
    ),
}


def _guess(name: object, values: pd.Series) -> str:
    """Choose the kind of a column not given one: by name when numeric, else by type."""
    if pd.api.types.is_bool_dtype(values):
        return "text"
    numeric = pd.api.types.is_numeric_dtype(values)
    text = str(name)
    if numeric and text in KIND_BY_NAME:
        return KIND_BY_NAME[text]
    if numeric and text.endswith("_share"):
        return "share"
    if pd.api.types.is_integer_dtype(values):
        return "count"
    if pd.api.types.is_float_dtype(values):
        return "number"
    if pd.api.types.is_datetime64_any_dtype(values):
        return "date"
    return "text"


class Table:
    """A formatted table: :attr:`frame` holds the text shown, headers in words.

    Parameters
    ----------
    frame : pandas.DataFrame
        Text cells, headers in words (what :func:`report_table` makes).
    numeric : sequence of str
        The headers of the columns to align right (numbers).
    caption : str, optional
        A line above the table.
    """

    def __init__(self, frame: pd.DataFrame, numeric: Sequence[str] = (), caption: str = ""):
        self.frame = frame
        self.numeric = set(numeric)
        self.caption = caption

    def to_html(self) -> str:
        """Return the table as HTML (``class="report-table"``), every text escaped."""

        def cell(tag: str, text: object, column: str) -> str:
            align = ' class="num"' if column in self.numeric else ""
            return f"<{tag}{align}>{html.escape(str(text))}</{tag}>"

        columns = list(self.frame.columns)
        head = "".join(cell("th", c, c) for c in columns)
        body = "".join(
            "<tr>" + "".join(cell("td", v, c) for c, v in zip(columns, row, strict=True)) + "</tr>"
            for row in self.frame.itertuples(index=False)
        )
        caption = f"<caption>{html.escape(self.caption)}</caption>" if self.caption else ""
        return (
            f'<table class="report-table">{caption}<thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>"
        )

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        text = self.frame.to_string(index=False)
        return f"{self.caption}\n{text}" if self.caption else text


def report_table(
    frame: pd.DataFrame | pd.Series,
    kinds: Mapping[str, str] | None = None,
    *,
    currency: str = "£",
    labels: Mapping[str, str] | None = None,
    columns: Sequence[str] | None = None,
    caption: str = "",
) -> Table:
    """Format a table for the report.

    Parameters
    ----------
    frame : pandas.DataFrame or pandas.Series
        The table. A default (0, 1, 2, ...) index is dropped; any other index becomes the
        first column (under its name).
    kinds : mapping, optional
        Column -> kind (:func:`format_value`). Other numeric columns: by name
        (:data:`KIND_BY_NAME`; ``*_share`` is a share), else integers are counts and floats
        numbers with two decimals; dates are dates, the rest text.
    currency : str, default "£"
        The currency symbol, for money.
    labels : mapping, optional
        Column -> header, over :data:`LABELS`. Every header is shown in the current language
        (:func:`helpers.translation.gettext`), and so are the text cells of the columns in
        :data:`TRANSLATED_COLUMNS` (names and codes such as a strategy or a cleaning reason).
    columns : sequence of str, optional
        The columns to show, in order (after the index became a column); default all.
    caption : str, optional
        A line above the table.

    Returns
    -------
    Table

    Raises
    ------
    ValueError
        If ``kinds`` or ``columns`` name a column the table does not have, or a kind is
        unknown.
    """
    if isinstance(frame, pd.Series):
        frame = frame.to_frame()
    data = frame.copy()
    if not isinstance(data.index, pd.RangeIndex):
        data = data.reset_index()
    kinds = dict(kinds or {})
    for name in [*kinds, *(columns or [])]:
        if name not in data.columns:
            raise ValueError(
                f"report_table: no column {name!r}; the table has {', '.join(map(str, data))}"
            )
    if columns is not None:
        data = data[list(columns)]
    words = {**LABELS, **(labels or {})}
    shown, numeric = {}, []
    for name in data.columns:
        kind = kinds.get(name) or _guess(name, data[name])
        header = _(words.get(str(name), str(name).replace("_", " ")))
        cells = [format_value(v, kind, currency=currency) for v in data[name]]
        if kind == "text" and str(name) in TRANSLATED_COLUMNS:
            cells = [_(cell) for cell in cells]
        shown[header] = cells
        if kind not in ("text", "date"):
            numeric.append(header)
    return Table(pd.DataFrame(shown, columns=list(shown)), numeric, caption)


def join_sentences(sentences: Iterable[str]) -> str:
    """Join whole sentences into one paragraph: with a space in English, none in Chinese.

    Examples
    --------
    >>> join_sentences(["One.", "Two."])
    'One. Two.'
    """
    return ("" if get_language() == "zh" else " ").join(s for s in sentences if s)


class Prose:
    """Sentences shown as paragraphs, or as a bulleted list; text escaped.

    Parameters
    ----------
    sentences : iterable of str
        The sentences (empty ones are skipped).
    bullets : bool, default False
        Show them as a list rather than paragraphs.
    heading : str, optional
        A heading above them.
    level : int, default 2
        The heading's level (1 for the document's title).
    css_class : str, optional
        A class on the enclosing ``div``.
    """

    def __init__(
        self,
        sentences: Iterable[str] | str,
        *,
        bullets: bool = False,
        heading: str = "",
        level: int = 2,
        css_class: str = "",
    ):
        if isinstance(sentences, str):
            sentences = [sentences]
        self.sentences = [s for s in sentences if s]
        self.bullets, self.heading, self.level, self.css_class = bullets, heading, level, css_class

    def to_html(self, extra: str = "") -> str:
        """Return the HTML; ``extra`` (already HTML) is appended inside the block."""
        parts = []
        if self.heading:
            parts.append(f"<h{self.level}>{html.escape(self.heading)}</h{self.level}>")
        items = [html.escape(s) for s in self.sentences]
        if self.bullets and items:
            parts.append("<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>")
        else:
            parts.extend(f"<p>{i}</p>" for i in items)
        css = f' class="{html.escape(self.css_class)}"' if self.css_class else ""
        return f"<div{css}>{''.join(parts)}{extra}</div>"

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        mark = "- " if self.bullets else ""
        lines = [f"{mark}{s}" for s in self.sentences]
        return "\n".join([self.heading, *lines] if self.heading else lines)

"""Plots for chapter 09: profiling and market baskets."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from helpers.plots._common import figure_axes

__all__ = ["plot_persona_cards", "plot_profile_heatmap", "plot_rules"]


def _wrap(text: str, width: int) -> str:
    """Break ``text`` into lines of at most ``width`` characters, at spaces."""
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "\n".join([*lines, line])


def _short(label: str, width: int = 28) -> str:
    return label if len(label) <= width else label[: width - 1] + "…"


_PERSONA_BEHAVIOUR = (
    ("recency mean", "days since last order", "{:,.0f}"),
    ("frequency mean", "frequency (orders)", "{:,.1f}"),
    ("monetary mean", "monetary (revenue)", "{:,.0f}"),
    ("order value mean", "order value", "{:,.0f}"),
    ("tenure mean", "days since first order", "{:,.0f}"),
)


def _index_bars(ax: Axes, labels: list[str], index: np.ndarray, texts: list[str]) -> None:
    """Horizontal bars from 100 to each index on a log scale, labelled with ``texts``."""
    y = np.arange(len(labels))[::-1]
    clipped = np.clip(np.nan_to_num(index, nan=100.0), 10, 1000)
    colours = np.where(clipped >= 100, "#4C72B0", "#DD8452")
    ax.barh(y, clipped - 100, left=100, color=colours, height=0.6)
    ax.axvline(100, color="black", linewidth=0.8)
    ax.set_xscale("log")
    low, high = min(clipped.min(), 50) / 1.6, max(clipped.max(), 200) * 2.2
    ax.set_xlim(low, high)
    ticks = [t for t in (10, 25, 50, 100, 200, 400, 1000) if low <= t <= high]
    ax.set_xticks(ticks, [str(t) for t in ticks])
    ax.minorticks_off()
    for yi, value, text in zip(y, clipped, texts, strict=True):
        # right of the bar's end, or right of the 100 line for a bar going left
        ax.text(max(value, 100.0) * 1.06, yi, text, va="center", ha="left", fontsize=7.5)
    ax.set_yticks(y, labels, fontsize=8)


def plot_persona_cards(
    profile: pd.DataFrame,
    segments: list[str] | None = None,
    *,
    n_items: int = 5,
    width: float = 16.0,
    height: float = 3.3,
) -> plt.Figure:
    """Persona cards: one row of four small panels per segment, with a one-line description.

    For each segment: (1) its share of customers, revenue and profit; (2) its mean recency,
    frequency, monetary value, order value and tenure as an index against all customers
    (100 = the base; log scale, blue above, orange below, each bar labelled with the segment's
    value and the base's); (3) what it buys: its revenue share per category against the base
    (or, without categories, the share of its customers buying each of its top products);
    (4) who they are: the attributes it has most over the base (demographics, country;
    index 110 or more), as indices. The card's title is the segment and
    :func:`helpers.profiling.describe_segment`.

    Parameters
    ----------
    profile : pandas.DataFrame
        The output of :func:`helpers.profiling.segment_profile`.
    segments : list of str, optional
        Which segments, in order; default all.
    n_items : int, default 5
        Categories, products and attributes shown per panel.
    width, height : float
        Figure width, and height per card, in inches.

    Returns
    -------
    matplotlib.figure.Figure
        One subfigure per segment.
    """
    from helpers.profiling import BASE, describe_segment, distinctive_features, profile_index

    if BASE not in profile.columns:
        raise ValueError(f"plot_persona_cards: profile needs the base column {BASE!r}")
    names = [c for c in profile.columns if c != BASE] if segments is None else list(segments)
    unknown = [c for c in names if c not in profile.columns or c == BASE]
    if unknown or not names:
        raise ValueError(f"plot_persona_cards: segment(s) {unknown} not in the profile")
    index = profile_index(profile)
    sections = set(profile.index.get_level_values(0))
    fig = plt.figure(figsize=(width, height * len(names)), layout="constrained")
    cards = np.atleast_1d(fig.subfigures(len(names), 1, hspace=0.04))
    for card, name in zip(cards, names, strict=True):
        value, base, idx = profile[name], profile[BASE], index[name]
        card.set_facecolor("#F7F7F7")
        bold = "$\\bf{" + str(name).replace(" ", "\\ ").replace("'", "\\prime") + "}$"
        card.suptitle(
            f"{bold}  " + _wrap(describe_segment(profile, name), int(width * 11)),
            fontsize=9.5,
            ha="left",
            x=0.01,
        )
        ax_size, ax_rfm, ax_buy, ax_who = card.subplots(
            1, 4, gridspec_kw={"width_ratios": [0.8, 1.25, 1.15, 1.1]}
        )
        # 1. size and value
        shares = [
            m
            for m in ("share of customers", "share of revenue", "share of profit")
            if ("size", m) in profile.index
        ]
        numbers = [float(value["size", m]) for m in shares]
        y = np.arange(len(shares))[::-1]
        bars = ax_size.barh(y, numbers, color=["#8C8C8C", "#4C72B0", "#55A868"][: len(shares)])
        ax_size.bar_label(bars, [f"{v:.0%}" for v in numbers], padding=2, fontsize=8)
        ax_size.set_yticks(y, [m.replace("share of ", "") for m in shares], fontsize=8)
        ax_size.set_xlim(0, max(max(numbers), 0.05) * 1.35)
        ax_size.xaxis.set_major_formatter("{x:.0%}")
        ax_size.set_xlabel("share of the whole base", fontsize=8)
        ax_size.set_title("Size and value", fontsize=9)
        # 2. behaviour against the base
        rows = [r for r in _PERSONA_BEHAVIOUR if ("behaviour", r[0]) in profile.index]
        _index_bars(
            ax_rfm,
            [label for _, label, _ in rows],
            np.array([idx["behaviour", m] for m, _, _ in rows], dtype=float),
            [
                f"{fmt.format(value['behaviour', m])} vs {fmt.format(base['behaviour', m])}"
                for m, _, fmt in rows
            ],
        )
        ax_rfm.set_xlabel("index, all customers = 100 (log scale)", fontsize=8)
        ax_rfm.set_title("Behaviour vs all customers", fontsize=9)
        # 3. what they buy
        if "category" in sections:
            buy = profile.loc["category"]
            what, how = "revenue share by category", "share of the segment's revenue"
            n_shown = max(n_items, 8)
        else:
            buy = profile.loc["product"] if "product" in sections else profile.iloc[:0]
            what, how = "top products", "share of its customers who bought it"
            n_shown = n_items
        buy = buy.sort_values(name, ascending=False, kind="stable").head(n_shown)
        y = np.arange(len(buy))[::-1]
        ax_buy.barh(y, buy[name], height=0.6, color="#4C72B0", label="segment")
        ax_buy.scatter(
            buy[BASE], y, marker="|", s=250, color="black", zorder=3, label="all customers"
        )
        ax_buy.set_yticks(y, [_short(str(m)) for m in buy.index], fontsize=8)
        ax_buy.xaxis.set_major_formatter("{x:.0%}")
        ax_buy.set_xlim(0, max(float(buy[[name, BASE]].max().max()) if len(buy) else 0, 0.05) * 1.5)
        ax_buy.set_xlabel(how, fontsize=8)
        ax_buy.legend(fontsize=7, loc="lower right")
        ax_buy.set_title(f"What they buy: {what}", fontsize=9)
        # 4. who they are
        looked = [
            x for x in ("age", "gender", "income", "region", "channel", "country") if x in sections
        ]
        who = distinctive_features(profile, name, n=n_items, sections=looked) if looked else None
        if who is not None:
            who = who[who["index"] >= 110]
        if who is not None and len(who):
            _index_bars(
                ax_who,
                [_short(f"{f.section}: {f.measure}") for f in who.itertuples()],
                who["index"].to_numpy(dtype=float),
                [f"{f.share:.0%} vs {f.base_share:.0%}" for f in who.itertuples()],
            )
            ax_who.set_xlabel("index, all customers = 100 (log scale)", fontsize=8)
        else:
            ax_who.set_axis_off()
            reason = "no attribute 10% over the base" if looked else "no demographics in the data"
            ax_who.text(
                0.5, 0.5, reason, ha="center", va="center", fontsize=8, transform=ax_who.transAxes
            )
        ax_who.set_title("Who they are: most over-represented", fontsize=9)
        for ax in (ax_size, ax_rfm, ax_buy, ax_who):
            ax.tick_params(axis="x", labelsize=7.5)
    return fig


def plot_profile_heatmap(
    index: pd.DataFrame,
    sections: list[str] | None = None,
    *,
    segments: list[str] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Heatmap of a profile's indices: segments across, measures down, 100 = all customers.

    Colours are on a log scale centred on 100 (blue above the base, red below; 25 and 400 are
    the ends of the scale), and every cell shows its index.

    Parameters
    ----------
    index : pandas.DataFrame
        The output of :func:`helpers.profiling.profile_index`.
    sections : list of str, optional
        Sections to show (e.g. ``["behaviour", "income"]``); default all but ``size``.
    segments : list of str, optional
        Columns to show; default every segment (not the base).
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from helpers.profiling import BASE

    level = index.index.get_level_values(0)
    keep = [x for x in dict.fromkeys(level) if x != "size"] if sections is None else sections
    unknown = [x for x in keep if x not in set(level)]
    if unknown:
        raise ValueError(f"plot_profile_heatmap: section(s) {unknown} not in the index")
    cols = [c for c in index.columns if c != BASE] if segments is None else list(segments)
    table = index.loc[level.isin(keep), cols]
    table = table[table.notna().any(axis=1)]
    with np.errstate(divide="ignore"):  # an index of 0 is coloured as the lowest
        values = np.log2(table.to_numpy(dtype=float) / 100)
    ax = figure_axes(ax, (0.85 * len(cols) + 4.0, 0.28 * len(table) + 1.8))
    image = ax.imshow(
        np.ma.masked_invalid(np.clip(values, -2, 2)), cmap="RdBu", vmin=-2, vmax=2, aspect="auto"
    )
    texts = np.where(
        ~np.isnan(values), np.char.mod("%.0f", np.nan_to_num(table.to_numpy(dtype=float))), ""
    )
    for (i, j), text in np.ndenumerate(texts):
        if text:
            dark = abs(max(values[i, j], -2.0)) > 1.2
            ax.text(
                j, i, text, ha="center", va="center", fontsize=7, color="white" if dark else "black"
            )
    ax.set_xticks(range(len(cols)), [str(c) for c in cols], rotation=35, ha="right")
    ax.set_yticks(range(len(table)), [_short(f"{a}: {b}", 40) for a, b in table.index], fontsize=8)
    bar = ax.figure.colorbar(image, ax=ax, ticks=[-2, -1, 0, 1, 2], shrink=0.6)
    bar.ax.set_yticklabels(["25", "50", "100", "200", "400"])
    bar.set_label("index (all customers = 100)")
    ax.set_xlabel("segment")
    ax.set_ylabel("measure")
    ax.set_title("Profile indices: where each segment differs from the base")
    return ax


def plot_rules(
    rules: pd.DataFrame,
    descriptions: pd.Series | None = None,
    *,
    n_labels: int = 5,
    ax: Axes | None = None,
) -> Axes:
    """Association rules as points: support across, confidence up, coloured by lift.

    Parameters
    ----------
    rules : pandas.DataFrame
        The output of :func:`helpers.baskets.association_rules`.
    descriptions : pandas.Series, optional
        Product descriptions by id, to label the top rules; default the ids.
    n_labels : int, default 5
        Number the rules with the highest lift (one direction of each product set) and list
        them in a key.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.

    Returns
    -------
    matplotlib.axes.Axes
    """
    for column in ("antecedent", "consequent", "support", "confidence", "lift"):
        if column not in rules.columns:
            raise ValueError(f"plot_rules: missing column {column!r}")
    if rules.empty:
        raise ValueError("plot_rules: no rules to plot (lower the thresholds)")
    ax = figure_axes(ax, (8.0, 5.0))
    points = ax.scatter(
        rules["support"],
        rules["confidence"],
        c=rules["lift"],
        cmap="viridis",
        s=18,
        alpha=0.8,
        norm="log",
    )
    ax.figure.colorbar(points, ax=ax, label="lift (log scale)")
    ax.xaxis.set_major_formatter("{x:.1%}")

    def name(items: tuple) -> str:
        named = [str(descriptions.get(i, i)) if descriptions is not None else str(i) for i in items]
        return " + ".join(_short(x, 22) for x in named)

    seen: set = set()
    key_lines = []
    for r in rules.itertuples(index=False):
        items = frozenset(r.antecedent) | frozenset(r.consequent)
        if len(key_lines) >= n_labels:
            break
        if items in seen:
            continue
        seen.add(items)
        number = len(key_lines) + 1
        ax.annotate(
            str(number),
            (r.support, r.confidence),
            xytext=(4, 4),
            textcoords="offset points",
            fontsize=8,
            fontweight="bold",
        )
        key_lines.append(
            f"{number}. {name(r.antecedent)} → {name(r.consequent)}, lift {r.lift:.1f}"
        )
    if key_lines:
        ax.text(
            0.99,
            0.02,
            "\n".join(key_lines),
            transform=ax.transAxes,
            ha="right",
            va="bottom",
            multialignment="left",
            fontsize=7,
            bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "grey"},
        )
    ax.set_xlabel("support (share of baskets holding both sides)")
    ax.set_ylabel("confidence (share of antecedent baskets with the consequent)")
    ax.set_title(f"{len(rules):,} association rules")
    return ax

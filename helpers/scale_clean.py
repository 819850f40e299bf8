r"""Cleaning raw order lines in DuckDB or Spark, as :func:`helpers.cleaning.clean_transactions`.

:func:`clean_lines` applies the rules of :mod:`helpers.cleaning` (rules 1-10, same order, a
removed line counted under the first reason that applies) to a table of raw order lines held
by an SQL engine (:class:`helpers.scale_sql.Engine`), leaves the clean lines in the engine (a
table, computed once, or a view) and returns the cleaning report as a pandas frame equal to
``clean_transactions``' one: same rows in the same order, same counts, the same revenue
(summed exactly in millionths, as :mod:`helpers.scale_sql` does) and the same ``attrs``.

Input
-----
A table or view of raw canonical order lines (the columns :func:`clean_transactions` takes:
``invoice_id``, ``invoice_date``, ``customer_id``, ``product_id``, ``quantity``,
``unit_price``, optional ``description``, ``country`` and any others), already typed: ids and
text as strings, the date a timestamp (NULL where it did not parse), quantity and price
numbers (a NaN price counts as missing). A column ``line_col`` numbers the lines in file
order (unique): it decides which copy of a duplicate is first, and the order of lines at
equal dates when returns and manual credits are matched. :func:`register_frame` makes such a
table from a pandas frame.

Where each rule runs
--------------------
Everything that grows with the lines runs in the engine, from one set of SQL for both (the
numbers are those of the rules in :mod:`helpers.cleaning`):

- rule 1, text normalisation (ids as :mod:`helpers.identifiers` says, descriptions stripped
  and upper-cased, countries stripped), and the ``whitespace/case normalised`` flag;
- rules 2-5, unparseable date, missing customer id, test account, exact duplicate (the copy
  with the smallest line number is kept: ``min()`` of the line numbers over every column);
- rules 7-8, non-product code (:data:`helpers.non_products.NON_PRODUCT_CODES` and the
  pattern, run by the engine's regular expressions) and zero or negative price;
- rule 10, extreme quantity: the engine counts the lines of each distinct kept quantity;
  :func:`helpers.extreme_quantities.extreme_quantities` takes the median and MAD of log
  quantity exactly from those counts (the same doubles as :func:`numpy.median` on every line,
  no approximate quantile), and the lines at or above the smallest extreme quantity are
  flagged in the engine.

The two sequential rules run in Python, with the existing functions, on the lines that can be
involved only:

- rule 6, manual credits (:func:`helpers.adjustments.match_manual_credits`): the credits,
  and the purchases of their customers that a credit may reverse: the whole invoices whose
  total, and the lines whose amount, is a credit's amount of the same customer to the penny;
- rule 9, returns (:func:`helpers.returns.net_returns`): the lines of the (customer,
  product, unit price) groups that hold a return line.

Each comes back to the engine as a small table (line number, netted quantity, reason) joined
on the line number. :attr:`EngineCleaning.python_lines` says how many lines each step sent.

Text and Unicode
----------------
SQL's ``trim`` strips spaces only and DuckDB's ``upper`` keeps ``'ß'`` (Spark's gives
``'SS'``, as Python does), while Python strips every Unicode space (a non-breaking space
too) and upper-cases with the full mapping. So the engine normalises the values that are pure
ASCII (stripping the characters Python strips in ASCII: tab, line feed, vertical tab, form
feed, carriage return, ``\x1c``-``\x1f`` and space; upper-casing ASCII letters, as Python
does), and the distinct values holding any other character (a few, per product or customer,
not per line) are normalised in Python by :func:`helpers.identifiers.normalise_ids` and
``str.strip``/``str.upper``, and joined back; the same goes for the flags read from the
text (a cancellation's invoice prefix, a test account compared with ``str.casefold``, and
whether every customer id is a whole float such as ``"17850.0"``, Python's ``\d`` taking
other scripts' digits). The results are those of pandas. The non-product pattern is run by
the engine's regular expressions (RE2 in DuckDB, Java in Spark): the default ``^GIFT_`` means
the same in both and in Python; another pattern must keep to their common subset.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from helpers.adjustments import match_manual_credits
from helpers.cleaning import FIXES, REASONS, clean_transactions
from helpers.extreme_quantities import extreme_quantities
from helpers.identifiers import drop_float_suffix, normalise_ids
from helpers.raw_lines import LineColumns
from helpers.returns import net_returns
from helpers.scale_sql import DIALECTS, Engine, for_duckdb

__all__ = ["EngineCleaning", "clean_lines", "line_reasons", "register_frame"]

#: ASCII characters Python's ``str.strip`` removes (``str.isspace``), as a regex class.
_SPACE = r"[\x09-\x0d\x1c-\x20]"
_STRIP = r"(?s)^" + _SPACE + r"*(.*?)" + _SPACE + r"*$"
_NOT_ASCII = r"[^\x00-\x7f]"
_WHOLE_FLOAT = r"^[0-9]+\.0$"  # helpers.identifiers.drop_float_suffix, in ASCII digits
_MAX_DOUBLE = "1.7976931348623157e308"


def _units(value: str) -> str:
    """Write an amount in whole millionths (exact sums, see :mod:`helpers.scale_sql`)."""
    return f"CAST(round(({value}) * 1e6) AS BIGINT)"


def _money(value: str) -> str:
    """Sum an amount exactly, as a double."""
    return f"CAST(sum({_units(value)}) AS DOUBLE) / 1e6"


@dataclass
class EngineCleaning:
    """What :func:`clean_lines` returns.

    Attributes
    ----------
    report : pandas.DataFrame
        The cleaning report, as :func:`helpers.cleaning.clean_transactions` returns it.
    view : str
        The engine's view of the clean lines.
    python_lines : dict
        Lines sent to Python: ``"manual credits"``, ``"returns"``, and ``"lines"`` (all lines).
    reasons : str
        The engine's view of every line with its reason (what :func:`line_reasons` reads).
    """

    report: pd.DataFrame
    view: str
    python_lines: dict[str, int] = field(default_factory=dict)
    reasons: str = "cvl_clean__reasons"


@dataclass
class _Text:
    """A text column to normalise: its kind and the Python rule for non-ASCII values."""

    column: str
    kind: str  # "invoice", "customer", "product", "description", "country"
    flag: str | None = None  # the column of the map with a per-value flag, if any


def register_frame(
    engine: Any, frame: pd.DataFrame, name: str = "cvl_raw", line_col: str = "line_number"
) -> Engine:
    """Put a pandas frame of raw order lines in the engine, numbered in file order.

    Parameters
    ----------
    engine : Engine, str, DuckDB connection or SparkSession
        Where to put it (Spark gets it through ``createDataFrame``: fine for tests and
        samples; read large files with the engine itself).
    frame : pandas.DataFrame
        Raw order lines, as :func:`helpers.cleaning.clean_transactions` takes them.
    name : str, default "cvl_raw"
        The view's name.
    line_col : str, default "line_number"
        The column added: 0, 1, 2, ... in the frame's row order.

    Returns
    -------
    Engine
    """
    engine = Engine.of(engine)
    if line_col in frame.columns:
        raise ValueError(f"line_col {line_col!r} is already a column of the frame")
    numbered = frame.reset_index(drop=True).assign(**{line_col: np.arange(len(frame))})
    _register(engine, name, numbered)
    return engine


def _register(engine: Engine, name: str, frame: pd.DataFrame) -> None:
    """Make a small pandas frame a view of the engine."""
    if engine.name == "duckdb":
        engine.handle.register(f"{name}_frame", for_duckdb(frame))
        engine.handle.sql(f"CREATE OR REPLACE TEMPORARY VIEW {name} AS SELECT * FROM {name}_frame")
        return
    import warnings

    with warnings.catch_warnings():  # PySpark warns that it does not fully support pandas 3
        warnings.simplefilter("ignore")
        text = [c for c in frame.columns if frame[c].dtype.kind in "OTU" or frame[c].dtype == "str"]
        frame = frame.astype(dict.fromkeys(text, object))
        for column in text:  # a missing text is NULL, not the text "NaN"
            frame[column] = frame[column].where(frame[column].notna(), None)
        engine.handle.createDataFrame(frame).createOrReplaceTempView(name)


def _regexp(engine: Engine) -> str:
    """Name the engine's regular-expression search (``{regexp}`` of :data:`DIALECTS`)."""
    return DIALECTS[engine.name]["regexp"]


def _escaped(text: str) -> str:
    """Make SQL text a template of :func:`helpers.scale_sql.render` (braces doubled)."""
    return text.replace("{", "{{").replace("}", "}}")


def _view(engine: Engine, name: str, text: str) -> None:
    """Make a finished SQL text a view."""
    engine.view(name, _escaped(text))


def _drop(engine: Engine, name: str) -> None:
    """Free a DuckDB table :func:`_materialise` made (Spark's later views still read it)."""
    if engine.name == "duckdb":
        engine.handle.sql(f"DROP TABLE IF EXISTS {name}")


def _stem(view: str) -> str:
    """Check the clean view's name; it prefixes the names of the cleaning's own views."""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", view):
        raise ValueError(
            f"view must be a plain SQL name (letters, digits, underscores); got {view!r}"
        )
    return view


def _forget(engine: Engine, name: str) -> None:
    """Drop a temporary view or table ``name`` if there is one (a view may replace a table)."""
    if engine.name == "spark":
        engine.handle.catalog.dropTempView(name)  # (uncached with it)
        return
    kinds = engine.handle.sql(
        "SELECT 'VIEW' AS kind FROM duckdb_views() WHERE temporary AND view_name = ? "
        "UNION ALL SELECT 'TABLE' FROM duckdb_tables() WHERE temporary AND table_name = ?",
        params=[name, name],
    ).fetchall()
    for (kind,) in kinds:
        engine.handle.sql(f"DROP {kind} IF EXISTS {name}")


def _materialise(engine: Engine, name: str, text: str) -> None:
    """Compute a query once and keep it as a table (DuckDB spills it; Spark caches it)."""
    if engine.name == "duckdb":
        engine.handle.sql(f"CREATE OR REPLACE TEMPORARY TABLE {name} AS {text}")
    else:
        engine.handle.sql(f"DROP VIEW IF EXISTS {name}")
        engine.handle.sql(f"CACHE TABLE {name} AS {text}")


def clean_lines(
    engine: Any,
    lines: str = "cvl_raw",
    *,
    line_col: str = "line_number",
    view: str = "cvl_clean",
    materialise: bool = True,
    subset_of: EngineCleaning | None = None,
    **settings: object,
) -> EngineCleaning:
    """Clean raw order lines in the engine, as :func:`helpers.cleaning.clean_transactions` does.

    See the module docstring for what runs where.

    Parameters
    ----------
    engine : Engine, str, DuckDB connection or SparkSession
        The engine holding ``lines``.
    lines : str, default "cvl_raw"
        The table or view of raw order lines (see the module docstring).
    line_col : str, default "line_number"
        Its column of line numbers in file order (unique).
    view : str, default "cvl_clean"
        The view made of the clean lines: the columns of ``lines`` in their order (text
        normalised, quantity net of returns, ``line_col`` last) and ``amount_col``. Its
        intermediate tables and views are named ``<view>__rules``, ``<view>__reasons``, ...:
        cleanings with different ``view`` names (at two cutoffs, say) coexist in one engine.
    materialise : bool, default True
        Save the clean lines once as a table (DuckDB: a temporary table, spilled past the
        memory limit; Spark: a cached table) rather than a view that every later query
        computes again from the rules' table and the rules 6, 9 and 10 joined to it.
    subset_of : EngineCleaning, optional
        A cleaning, with the same settings, of lines that hold all of ``lines`` (the same line
        numbers), ``lines`` being cut from them by date (every copy of a line on the same
        side, as copies share their date): the rules that look at one line at a time (1-5, 7,
        8) are read from its table instead of worked out again. The rules that look across
        lines (6, 9, 10) run on ``lines``. The report cleans the lines before its churn
        model's training cutoff this way.
    **settings
        Any keyword of :func:`helpers.cleaning.clean_transactions` (``drop_outliers``,
        ``test_accounts``, ``non_product_codes``, ..., the ``*_col`` column names), with its
        defaults.

    Returns
    -------
    EngineCleaning
        The report (equal to ``clean_transactions``' one), the clean view's name, and the
        number of lines each sequential rule sent to Python.

    Raises
    ------
    ValueError
        When ``view`` is no plain SQL name, a required column is missing, there are no lines,
        an invoice id, product id or quantity is missing, or a quantity is not whole (naming
        the column and a line).
    TypeError
        For a keyword :func:`helpers.cleaning.clean_transactions` does not take.
    """
    engine = Engine.of(engine)
    stem = _stem(view)
    # first: a former clean view of this name reads the views replaced below (Spark checks)
    _forget(engine, view)
    bound = inspect.signature(clean_transactions).bind(None, **settings)
    bound.apply_defaults()
    given = bound.arguments
    cols = LineColumns(**{name: given[name] for name in LineColumns.__dataclass_fields__})
    drop_outliers = bool(given["drop_outliers"])
    cancellation_prefix = given["cancellation_prefix"]
    columns = [c for c in engine.columns(lines) if c != line_col]
    if subset_of is None:
        n_lines = _check(engine, lines, columns, cols, line_col)
        texts = _text_columns(columns, cols)
        prefix = cancellation_prefix.upper() if cancellation_prefix else None
        tests = {str(t).strip().casefold() for t in given["test_accounts"]}
        maps = _maps(engine, stem, lines, texts, prefix, tests)
        has_description = cols.description_col in columns
        codes = _code_sql(
            engine, cols, given["non_product_codes"], given["non_product_pattern"], has_description
        )
        manual = _code_sql(engine, cols, given["manual_adjustment_codes"], None, has_description)
        normalised, rules = _rules_sql(
            engine, stem, lines, line_col, columns, cols, texts, maps, prefix, tests, codes, manual
        )
        _materialise(engine, f"{stem}__text", normalised)
        _materialise(engine, f"{stem}__rules", rules)
        _drop(engine, f"{stem}__text")
    else:
        n_lines = _subset_rules(engine, stem, lines, line_col, subset_of)
    credit_lines = _manual_credits(engine, stem, cols)
    return_lines, excess = _returns(engine, stem, cols)
    threshold = _extreme_threshold(engine, stem, given["outlier_z"], given["outlier_min_quantity"])
    _view(
        engine,
        f"{stem}__reasons",
        f"""
        SELECT *, coalesce(cvl_reason_9, CASE WHEN cvl_netted >= {threshold}
            THEN 'extreme quantity' END) AS cvl_reason
        FROM {stem}__netted
        """,
    )
    kept = "cvl_reason IS NULL" + ("" if drop_outliers else " OR cvl_reason = 'extreme quantity'")
    q = engine.quote
    out = [
        f"cvl_netted AS {q(c)}" if c == cols.quantity_col else q(c)
        for c in columns
        if c != cols.price_col
    ]
    out.insert(columns.index(cols.price_col), f"cvl_price AS {q(cols.price_col)}")
    clean = f"""
        SELECT {", ".join(out)}, cvl_line AS {q(line_col)},
            CAST(cvl_netted AS DOUBLE) * cvl_price AS {q(cols.amount_col)}
        FROM {stem}__reasons WHERE {kept}
        """
    if materialise:
        _materialise(engine, view, clean)
    else:
        _view(engine, view, clean)
    report = _report(
        engine, stem, engine.quote(cols.quantity_col), kept, drop_outliers, n_lines, excess
    )
    sent = {"manual credits": credit_lines, "returns": return_lines, "lines": n_lines}
    return EngineCleaning(report=report, view=view, python_lines=sent, reasons=f"{stem}__reasons")


def _subset_rules(
    engine: Engine, stem: str, lines: str, line_col: str, subset_of: EngineCleaning
) -> int:
    """Make ``<stem>__rules`` of the lines from another cleaning's; return the lines' number."""
    whole = f"{_stem(subset_of.view)}__rules"
    _materialise(
        engine,
        f"{stem}__rules",
        f"SELECT r.* FROM {whole} r WHERE r.cvl_line IN "
        f"(SELECT {engine.quote(line_col)} FROM {lines})",
    )
    found = engine.run_text(
        f"SELECT (SELECT count(*) FROM {stem}__rules) AS found, (SELECT count(*) FROM {lines}) AS n"
    ).iloc[0]
    if int(found["found"]) != int(found["n"]):
        raise ValueError(
            f"subset_of: {int(found['n']) - int(found['found']):,} of the {int(found['n']):,} "
            f"lines of {lines} were not cleaned by it ({subset_of.view}); give the cleaning of "
            "lines that hold them all"
        )
    return int(found["n"])


def line_reasons(
    engine: Any,
    cleaning: EngineCleaning,
    view: str = "cvl_line_reasons",
    reason_col: str = "reason",
) -> str:
    """Make a view of the raw lines and their cleaning reasons (as ``flag_transactions``).

    The engine's counterpart of ``helpers.cleaning.flag_transactions(raw)`` next to the raw
    lines: one row per raw line, the raw columns (text normalised by rule 1, the quantity as
    given, not netted), the line number and the reason the line is removed for (NULL for a
    kept line; ``"extreme quantity"`` whatever ``drop_outliers`` was, as
    :func:`helpers.cleaning.flag_transactions` does). It reads the views of that cleaning
    only (``<view>__reasons``): other cleanings in the same engine leave it as it is.

    Parameters
    ----------
    engine : Engine, str, DuckDB connection or SparkSession
        The engine that ran :func:`clean_lines`.
    cleaning : EngineCleaning
        What :func:`clean_lines` returned (its clean view names the columns).
    view : str, default "cvl_line_reasons"
        The view made.
    reason_col : str, default "reason"
        The column of reasons.

    Returns
    -------
    str
        The view's name.

    Raises
    ------
    ValueError
        If ``reason_col`` is already a column of the lines.
    """
    engine = Engine.of(engine)
    *columns, line_col, _ = engine.columns(cleaning.view)  # the raw columns, line_col, amount
    if reason_col in columns:
        raise ValueError(f"reason_col {reason_col!r} is already a column of the lines")
    q = engine.quote
    selected = ", ".join(q(c) for c in columns)
    _view(
        engine,
        view,
        f"SELECT {selected}, cvl_line AS {q(line_col)}, cvl_reason AS {q(reason_col)} "
        f"FROM {cleaning.reasons}",
    )
    return view


def _check(engine: Engine, lines: str, columns: list[str], cols: LineColumns, line_col: str) -> int:
    """Check the raw lines as :func:`helpers.raw_lines.check_lines` does; return their number."""
    missing = [c for c in cols.required if c not in columns]
    if missing:
        raise ValueError(f"required column(s) {missing} missing; columns present: {columns}")
    q = engine.quote
    rules = {
        f"column {cols.invoice_col!r} must not be missing": f"{q(cols.invoice_col)} IS NULL",
        f"column {cols.product_col!r} must not be missing": f"{q(cols.product_col)} IS NULL",
        f"column {cols.quantity_col!r} must not be missing": f"{q(cols.quantity_col)} IS NULL",
        f"column {cols.quantity_col!r} must hold whole numbers": (
            f"{q(cols.quantity_col)} <> floor({q(cols.quantity_col)})"
        ),
    }
    parts = [f"count(*) AS n, count(DISTINCT {q(line_col)}) AS distinct_lines"]
    for i, bad in enumerate(rules.values()):
        parts.append(f"sum(CASE WHEN {bad} THEN 1 ELSE 0 END) AS bad_{i}")
        parts.append(f"min(CASE WHEN {bad} THEN {q(line_col)} END) AS first_{i}")
    found = engine.run_text(f"SELECT {', '.join(parts)} FROM {lines}").iloc[0]
    if int(found["n"]) == 0:
        raise ValueError("the order lines are empty (0 rows): nothing to clean")
    if int(found["distinct_lines"]) != int(found["n"]):
        raise ValueError(f"column {line_col!r} must number the lines uniquely; it repeats values")
    for i, rule in enumerate(rules):
        if int(found[f"bad_{i}"]):
            first = found[f"first_{i}"]
            if isinstance(first, float | np.floating) and float(first).is_integer():
                first = int(first)  # a row of counts and line numbers comes back as floats
            raise ValueError(
                f"{rule}; {int(found[f'bad_{i}'])} line(s) break it, e.g. line {line_col}={first}"
            )
    return int(found["n"])


def _text_columns(columns: list[str], cols: LineColumns) -> list[_Text]:
    texts = [
        _Text(cols.invoice_col, "invoice", "cvl_cancel"),
        _Text(cols.customer_col, "customer", "cvl_test"),
        _Text(cols.product_col, "product"),
    ]
    texts += [
        _Text(c, kind)
        for c, kind in ((cols.description_col, "description"), (cols.country_col, "country"))
        if c in columns
    ]
    return texts


def _python_text(values: pd.Series, kind: str, whole_floats: bool) -> pd.Series:
    """Normalise text as :func:`helpers.raw_lines.normalise_lines` does (the non-ASCII values)."""
    if kind in ("invoice", "product"):
        return normalise_ids(values, kind)
    if kind == "customer":
        # one more id that is no whole float unless every id of the column is one
        extra = pd.Series([] if whole_floats else ["x"], dtype="str")
        return normalise_ids(pd.concat([values, extra], ignore_index=True), kind)[: len(values)]
    values = values.str.strip()
    return values.str.upper() if kind == "description" else values


def _maps(
    engine: Engine,
    stem: str,
    lines: str,
    texts: list[_Text],
    prefix: str | None,
    tests: set[str],
) -> dict[str, object]:
    """Normalise the non-ASCII text values in Python; make them views ``<stem>__map_<kind>``."""
    q, lit, rx = engine.quote, engine.literal, _regexp(engine)
    maps: dict[str, object] = {}
    raw: dict[str, pd.Series] = {}
    for text in texts:
        found = engine.run_text(
            f"SELECT DISTINCT {q(text.column)} AS raw FROM {lines} "
            f"WHERE {rx}({q(text.column)}, {lit(_NOT_ASCII)})",
        )
        raw[text.kind] = found["raw"].astype("str").reset_index(drop=True)
    # The ".0" of customer ids is dropped when every present id is a whole float.
    customer = next(t.column for t in texts if t.kind == "customer")
    stripped = f"nullif(regexp_extract({q(customer)}, {lit(_STRIP)}, 1), '')"
    counts = engine.run_text(
        f"SELECT sum(CASE WHEN c IS NOT NULL THEN 1 ELSE 0 END) AS present, "
        f"sum(CASE WHEN c IS NOT NULL AND NOT {rx}(c, {lit(_WHOLE_FLOAT)}) THEN 1 "
        f"ELSE 0 END) AS other FROM (SELECT {stripped} AS c FROM {lines} "
        f"WHERE NOT {rx}({q(customer)}, {lit(_NOT_ASCII)})) t",
    ).iloc[0]
    present_other = _python_text(raw["customer"], "customer", False).dropna()
    python_floats = len(present_other) == 0 or not drop_float_suffix(present_other).equals(
        present_other
    )
    whole_floats = (
        (int(counts["present"] or 0) + len(present_other)) > 0
        and int(counts["other"] or 0) == 0
        and python_floats
    )
    maps["whole_floats"] = whole_floats
    for text in texts:
        values = raw[text.kind]
        if values.empty:
            continue
        value = _python_text(values, text.kind, whole_floats)
        table = pd.DataFrame({"raw": values, "value": value.astype(object)})
        if text.kind == "invoice":
            table["flag"] = [
                bool(prefix) and str(v).upper().startswith(prefix) for v in value.astype("str")
            ]
        if text.kind == "customer":
            table["flag"] = [pd.notna(v) and str(v).casefold() in tests for v in value]
        table["value"] = table["value"].where(table["value"].notna(), None)
        _register(engine, f"{stem}__map_{text.kind}", table)
        maps[text.kind] = True
    return maps


def _normalised(engine: Engine, text: _Text, whole_floats: bool) -> str:
    """Write the SQL of an ASCII value's normalised text."""
    value = f"regexp_extract(l.{engine.quote(text.column)}, {engine.literal(_STRIP)}, 1)"
    if text.kind in ("product", "description"):
        value = f"upper({value})"
    if text.kind == "customer":
        value = f"nullif({value}, '')"
        if whole_floats:
            value = f"substring({value}, 1, length({value}) - 2)"
    return value


def _rules_sql(
    engine: Engine,
    stem: str,
    lines: str,
    line_col: str,
    columns: list[str],
    cols: LineColumns,
    texts: list[_Text],
    maps: dict[str, object],
    prefix: str | None,
    tests: set[str],
    codes: str,
    manual: str,
) -> tuple[str, str]:
    """Write rule 1's normalised lines, then rules 2-5 and the other rules' flags on them.

    Returns the SQL of the normalised lines (stored as ``<stem>__text``) and the SQL, over
    them, of rules 2-5, the return and credit flags, rules 7-8's flags and the raw revenue.
    """
    q, lit = engine.quote, engine.literal
    by_column = {t.column: t for t in texts}
    select, joins, changed, kept = [], [], [], ["cvl_line"]
    for column in columns:
        text = by_column.get(column)
        raw = f"l.{q(column)}"
        kept.append(q(column))
        if text is None:
            if column == cols.quantity_col:
                raw = f"CAST({raw} AS BIGINT)"
            elif column == cols.price_col:
                raw = f"CASE WHEN isnan({raw}) THEN NULL ELSE CAST({raw} AS DOUBLE) END"
            select.append(f"{raw} AS {q(column)}")
            continue
        value = _normalised(engine, text, bool(maps["whole_floats"]))
        if text.kind in maps:
            alias = f"m_{text.kind}"
            joins.append(f"LEFT JOIN {stem}__map_{text.kind} {alias} ON {alias}.raw = {raw}")
            value = f"CASE WHEN {alias}.raw IS NULL THEN {value} ELSE {alias}.value END"
            if text.flag:
                select.append(f"{alias}.raw IS NOT NULL AS {text.flag}_mapped")
                select.append(f"{alias}.flag AS {text.flag}_map")
                kept += [f"{text.flag}_mapped", f"{text.flag}_map"]
        select.append(f"{value} AS {q(column)}")
        select.append(f"{raw} AS cvl_raw_{len(changed)}")
        new = q(column)
        changed.append(
            f"(CASE WHEN cvl_raw_{len(changed)} IS NULL THEN FALSE WHEN {new} IS NULL THEN TRUE "
            f"ELSE {new} <> cvl_raw_{len(changed)} END)"
        )
    invoice, customer = q(cols.invoice_col), q(cols.customer_col)
    cancel = "FALSE"
    if prefix:
        cancel = f"substring(upper({invoice}), 1, {len(prefix)}) = {lit(prefix)}"
    test_list = ", ".join(lit(t) for t in sorted(tests)) or "NULL"
    test = f"coalesce(lower({customer}) IN ({test_list}), FALSE)"
    if "invoice" in maps:
        cancel = f"CASE WHEN cvl_cancel_mapped THEN cvl_cancel_map ELSE {cancel} END"
    if "customer" in maps:
        test = f"CASE WHEN cvl_test_mapped THEN cvl_test_map ELSE {test} END"
    every = ", ".join(q(c) for c in columns)
    qty, price, date = q(cols.quantity_col), q(cols.price_col), q(cols.date_col)
    revenue = f"CAST({qty} AS DOUBLE) * {price}"
    positive = f"coalesce({price} > 0, FALSE)"
    join_text = "\n        ".join(joins)
    # the raw text is compared with the normalised one here, and not kept: the stored lines
    # hold one copy of each text (a 50M-line log's two copies filled the spill disk)
    normalised = f"""
        SELECT {", ".join(kept)}, {" OR ".join(changed) or "FALSE"} AS cvl_changed
        FROM (
            SELECT l.{q(line_col)} AS cvl_line, {", ".join(select)}
            FROM {lines} l
            {join_text}
        ) t
    """
    # the first copy of a line: min() over the copies (no sort within them), on the stored
    # normalised text (a window over text just computed is several times slower in DuckDB)
    rules = f"""
    WITH flagged AS (
        SELECT n.*,
            ({qty} <= 0 OR {cancel}) AS cvl_return,
            {test} AS cvl_test,
            min(cvl_line) OVER (PARTITION BY {every}) AS cvl_first,
            CASE WHEN abs({revenue}) <= {_MAX_DOUBLE} THEN {revenue} ELSE 0 END AS cvl_revenue
        FROM {stem}__text n
    ), early AS (
        SELECT flagged.*,
            CASE
                WHEN {date} IS NULL THEN 'unparseable date'
                WHEN {customer} IS NULL THEN 'missing customer id'
                WHEN cvl_test THEN 'test account'
                WHEN cvl_line > cvl_first THEN 'exact duplicate'
            END AS cvl_reason_5
        FROM flagged
    )
    SELECT early.*,
        cvl_reason_5 IS NULL AND cvl_return AND {manual} AS cvl_credit,
        cvl_reason_5 IS NULL AND NOT cvl_return AND {positive} AS cvl_purchase,
        {codes} AS cvl_non_product,
        {positive} AS cvl_positive_price,
        {price} AS cvl_price
    FROM early
    """
    return normalised, rules


def _code_sql(
    engine: Engine,
    cols: LineColumns,
    codes: Mapping[str, str | None] | Iterable[str],
    pattern: str | None,
    has_description: bool,
) -> str:
    """Write :func:`helpers.non_products.non_product_lines` in SQL, on normalised text."""
    q, lit = engine.quote, engine.literal
    if not isinstance(codes, Mapping):
        codes = dict.fromkeys(codes)
    product = q(cols.product_col)
    description = f"coalesce({q(cols.description_col)}, '')" if has_description else "''"
    terms = []
    for code, wanted in codes.items():
        term = f"{product} = {lit(str(code).strip().upper())}"
        if wanted is not None:
            term += f" AND {description} = {lit(str(wanted).strip().upper())}"
        terms.append(f"({term})")
    if pattern:
        terms.append(f"coalesce({_regexp(engine)}({product}, {lit(pattern)}), FALSE)")
    return "(" + (" OR ".join(terms) or "FALSE") + ")"


def _ordered(engine: Engine, text: str) -> pd.DataFrame:
    """Run a query and sort its lines by line number (the file order)."""
    found = engine.run_text(text)
    return found.sort_values("cvl_line", kind="stable").reset_index(drop=True)


def _nanoseconds(values: pd.Series) -> np.ndarray:
    return pd.to_datetime(values).to_numpy(dtype="datetime64[ns]").view(np.int64)


def _manual_credits(engine: Engine, stem: str, cols: LineColumns) -> int:
    """Rule 6 in Python on the lines it can involve; make ``<stem>__credited``."""
    q = engine.quote
    customer, invoice = q(cols.customer_col), q(cols.invoice_col)
    # A credit can only reverse a line or a whole invoice of its customer whose amount is its
    # own to the penny. Sent: the credits, the whole invoices whose total is a credit's amount,
    # and the other lines whose own amount is (each as an invoice of its own, so that no part
    # of an invoice passes for the whole). A margin of a penny covers the engine's rounding
    # and order of summation: the Python function decides.
    found = _ordered(
        engine,
        f"""
        WITH credits AS (
            SELECT DISTINCT {customer} AS customer, round(abs(cvl_revenue) * 100) AS pence
            FROM {stem}__rules WHERE cvl_credit
        ), purchases AS (
            SELECT cvl_line, {customer} AS customer, round(cvl_revenue * 100) AS pence,
                round(sum(cvl_revenue) OVER (PARTITION BY {customer}, {invoice}) * 100)
                    AS invoice_pence
            FROM {stem}__rules
            WHERE cvl_purchase AND {customer} IN (SELECT customer FROM credits)
        ), matched AS (
            SELECT p.cvl_line,
                max(CASE WHEN abs(p.invoice_pence - c.pence) <= 1 THEN 1 ELSE 0 END) AS whole,
                max(CASE WHEN abs(p.pence - c.pence) <= 1 THEN 1 ELSE 0 END) AS line
            FROM purchases p JOIN credits c ON c.customer = p.customer
            GROUP BY p.cvl_line
        )
        SELECT r.cvl_line, r.{customer} AS customer, r.{invoice} AS invoice,
            r.{q(cols.date_col)} AS date, r.cvl_revenue AS revenue, r.cvl_credit AS credit,
            coalesce(m.whole, 1) AS whole
        FROM {stem}__rules r LEFT JOIN matched m ON m.cvl_line = r.cvl_line
        WHERE r.cvl_credit OR m.whole = 1 OR m.line = 1
        """,
    )
    alone = found["whole"].to_numpy() == 0
    # keys only (grouped in order of appearance): "\x02" + the invoice, "\x01" + the line for
    # a line sent alone; two prefixes so that they never meet, and no NUL (pandas 3.0.0 hashes
    # text up to its first NUL, which made every line sent alone one invoice)
    invoices = np.array(["\x02" + str(i) for i in found["invoice"]], dtype=object)
    invoices[alone] = ["\x01" + str(line) for line in found["cvl_line"][alone]]
    reason = np.full(len(found), None, dtype=object)
    if len(found):
        credit = found["credit"].to_numpy(dtype=bool)
        netted, reversed_ = match_manual_credits(
            found["customer"].to_numpy(dtype=object),
            invoices,
            _nanoseconds(found["date"]),
            found["revenue"].to_numpy(dtype=float),
            credit,
            ~credit,
        )
        reason[credit] = "unmatched manual credit"
        reason[reversed_] = "purchase reversed by manual credit"
        reason[netted] = "manual credit netted"
    outcome = pd.DataFrame({"cvl_line": found["cvl_line"], "cvl_reason_6": reason})
    outcome = outcome[outcome["cvl_reason_6"].notna()]
    if len(outcome):
        _register(engine, f"{stem}__credit_outcome", outcome)
        rules = (
            f"(SELECT r.*, o.cvl_reason_6 FROM {stem}__rules r "
            f"LEFT JOIN {stem}__credit_outcome o ON o.cvl_line = r.cvl_line)"
        )
    else:
        rules = f"(SELECT r.*, CAST(NULL AS {{string}}) AS cvl_reason_6 FROM {stem}__rules r)"
    engine.view(
        f"{stem}__credited",
        f"""
        SELECT t.*, coalesce(cvl_reason_5, cvl_reason_6,
            CASE
                WHEN cvl_non_product THEN 'non-product code'
                WHEN NOT cvl_positive_price THEN 'zero or negative price'
            END) AS cvl_reason_8
        FROM {rules} t
        """,
    )
    return len(found)


def _returns(engine: Engine, stem: str, cols: LineColumns) -> tuple[int, int]:
    """Rule 9 in Python on the groups holding a return; make ``<stem>__netted``."""
    q = engine.quote
    keys = [q(cols.customer_col), q(cols.product_col), "cvl_price"]
    on = " AND ".join(f"g.{k} = c.{k}" for k in keys)
    found = _ordered(
        engine,
        f"""
        WITH g AS (
            SELECT DISTINCT {", ".join(keys)} FROM {stem}__credited
            WHERE cvl_reason_8 IS NULL AND cvl_return
        )
        SELECT c.cvl_line, c.{keys[0]} AS customer, c.{keys[1]} AS product,
            c.cvl_price AS price, c.{q(cols.date_col)} AS date,
            c.{q(cols.quantity_col)} AS quantity, c.cvl_return AS is_return
        FROM {stem}__credited c JOIN g ON {on}
        WHERE c.cvl_reason_8 IS NULL
        """,
    )
    excess = 0
    if len(found):
        netted, reason, excess = net_returns(
            found[["customer", "product", "price"]],
            pd.to_datetime(found["date"]),
            found["quantity"].to_numpy(dtype=np.int64),
            found["is_return"].to_numpy(dtype=bool),
        )
        outcome = pd.DataFrame(
            {"cvl_line": found["cvl_line"], "cvl_netted_o": netted, "cvl_reason_o": reason}
        )
        _register(engine, f"{stem}__return_outcome", outcome)
        source = (
            f"(SELECT c.*, o.cvl_netted_o, o.cvl_reason_o FROM {stem}__credited c "
            f"LEFT JOIN {stem}__return_outcome o ON o.cvl_line = c.cvl_line)"
        )
    else:
        source = (
            "(SELECT c.*, CAST(NULL AS BIGINT) AS cvl_netted_o, "
            f"CAST(NULL AS {{string}}) AS cvl_reason_o FROM {stem}__credited c)"
        )
    # a view: the joins with the small tables cost less than a copy of every line
    engine.view(
        f"{stem}__netted",
        f"""
        SELECT t.*, coalesce(cvl_netted_o, {q(cols.quantity_col)}) AS cvl_netted,
            coalesce(cvl_reason_8, cvl_reason_o) AS cvl_reason_9
        FROM {source} t
        """,
    )
    return len(found), int(excess)


def _extreme_threshold(
    engine: Engine, stem: str, outlier_z: float, outlier_min_quantity: float
) -> str:
    """Rule 10: the smallest extreme quantity, from the counts of each kept quantity (SQL)."""
    counts = engine.run_text(
        f"SELECT cvl_netted AS quantity, count(*) AS n FROM {stem}__netted "
        "WHERE cvl_reason_9 IS NULL GROUP BY cvl_netted",
    ).sort_values("quantity")
    if counts.empty:
        return "NULL"
    quantity = counts["quantity"].to_numpy(dtype=np.int64)
    n = counts["n"].to_numpy(dtype=np.int64)
    extreme = extreme_quantities(quantity, outlier_z, outlier_min_quantity, counts=n)
    return str(int(quantity[extreme].min())) if extreme.any() else "NULL"


def _report(
    engine: Engine,
    stem: str,
    quantity: str,
    kept: str,
    drop_outliers: bool,
    n_lines: int,
    excess: int,
) -> pd.DataFrame:
    """Write the report of :func:`helpers.cleaning.clean_transactions` from one query."""
    reduced = "cvl_netted < quantity_raw"
    per = engine.run_text(
        f"""
        WITH t AS (
            SELECT cvl_reason, cvl_changed, cvl_netted, cvl_revenue,
                CAST(cvl_netted AS DOUBLE) * cvl_price AS kept_amount,
                CAST(cvl_netted - quantity_raw AS DOUBLE) * coalesce(cvl_price, 0) AS change,
                quantity_raw, ({kept}) AS kept
            FROM (SELECT *, {quantity} AS quantity_raw FROM {stem}__reasons) r
        )
        SELECT cvl_reason AS reason, count(*) AS n_rows, {_money("cvl_revenue")} AS revenue,
            {_money("CASE WHEN kept THEN kept_amount ELSE 0 END")} AS revenue_kept,
            sum(CASE WHEN kept AND cvl_changed THEN 1 ELSE 0 END) AS changed,
            sum(CASE WHEN kept AND {reduced} THEN 1 ELSE 0 END) AS reduced,
            {_money(f"CASE WHEN kept AND {reduced} THEN change ELSE 0 END")} AS change,
            sum(CASE WHEN kept THEN 1 ELSE 0 END) AS n_kept
        FROM t GROUP BY cvl_reason
        """,
    )
    per["reason"] = per["reason"].astype(object).where(per["reason"].notna(), "")
    per = per.sort_values("reason").reset_index(drop=True)  # one order of the sums below
    by_reason = per.set_index("reason")
    rows: list[dict[str, object]] = []
    for label in REASONS:
        found = label in by_reason.index
        action, revenue = "removed", float(by_reason.loc[label, "revenue"]) if found else 0.0
        if label == "extreme quantity" and not drop_outliers:
            action = "flagged"
            revenue = float(by_reason.loc[label, "revenue_kept"]) if found else 0.0
        count = int(by_reason.loc[label, "n_rows"]) if found else 0
        rows.append({"reason": label, "action": action, "rows": count, "revenue": revenue})
    rows.append(
        {
            "reason": FIXES[0],
            "action": "fixed",
            "rows": int(per["changed"].sum()),
            "revenue": 0.0,
        }
    )
    rows.append(
        {
            "reason": FIXES[1],
            "action": "fixed",
            "rows": int(per["reduced"].sum()),
            "revenue": float(per["change"].sum()),
        }
    )
    report = pd.DataFrame(rows)
    report["rows"] = report["rows"].astype(np.int64)
    report["revenue"] = report["revenue"].astype(float)
    report.attrs.update(
        rows_in=n_lines,
        rows_out=int(per["n_kept"].sum()),
        revenue_in=float(per["revenue"].sum()),
        revenue_out=float(per["revenue_kept"].sum()),
        unmatched_return_quantity=excess,
    )
    return report

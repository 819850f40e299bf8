"""The report's bad-input catalogue: every kind of file and option an analyst may hand it.

Each :class:`Case` writes its input files into a folder, names the command's arguments and
states the outcome: the exit code, a fragment of the message (stderr for a refusal or an
error, the command's output for a run that goes through) and, for runs, what else must hold.
``tests/test_report_catalogue_errors.py`` and ``tests/test_report_catalogue_runs.py`` run
every case through ``python -m helpers.report``; README's "What the report accepts" table is
made from the same list (``python tests/report_catalogue.py --readme`` rewrites it, a test
checks it is current).

The input files are small shops drawn by :func:`helpers.synthetic.make_synthetic` (80
customers, two years, about 2,900 order lines), written in each case's format.
"""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pandas as pd

from helpers.examples import CHINESE_COLUMNS

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
START, END = "<!-- catalogue:start -->", "<!-- catalogue:end -->"

#: The --map arguments of a file written with the course's own column names but renamed.
SHOP_MAP = [
    "Order=invoice_id",
    "When=invoice_date",
    "Client=customer_id",
    "SKU=product_id",
    "Qty=quantity",
    "Price=unit_price",
]
SHOP_NAMES = {m.split("=")[1]: m.split("=")[0] for m in SHOP_MAP}


@dataclass(frozen=True)
class Case:
    """One input and its expected outcome."""

    id: str
    kind: str  # the README group: output folder, options, files, data
    accepts: str  # what the README says about it
    make: Callable[[Path], list[str]]  # writes files into the folder, returns the arguments
    exit: int
    message: str  # expected in stderr (errors) or in stdout + stderr (runs)
    check: Callable[[Path, Path], None] | None = None  # (folder, out) after a run
    out: Callable[[Path], Path] | None = None  # the --out to use; default folder/"report"
    keep: list[str] = field(default_factory=list)  # files under folder that must survive

    @property
    def runs(self) -> bool:
        """Whether the case executes the report notebook."""
        return self.exit == 0


# --- the data ------------------------------------------------------------------------------------


@cache
def _shop(seed: int = 7, n: int = 80, dirt: bool = False) -> tuple[pd.DataFrame, ...]:
    from helpers.synthetic import make_synthetic

    data = make_synthetic(seed, n, dirt=dirt)
    return data.order_lines, data.customers, data.products


def shop(dirt: bool = False) -> pd.DataFrame:
    """The order lines of the catalogue's shop (canonical names, dates as ISO text)."""
    return _shop(dirt=dirt)[0].copy()


def write(frame: pd.DataFrame, path: Path, **options) -> Path:
    """Write a CSV (parents made); ``options`` go to :meth:`pandas.DataFrame.to_csv`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, **options)
    return path


def orders(folder: Path, frame: pd.DataFrame | None = None, name="orders.csv", **kw) -> Path:
    """Write the shop's order lines (or ``frame``) as ``folder/in/name``."""
    return write(shop() if frame is None else frame, folder / "in" / name, **kw)


#: The arguments README shows for the example exports of :mod:`helpers.examples`.
README_COMMANDS: dict[str, list[str]] = {
    "order_totals.csv": ["--map", "Customer=customer_id", "Date=invoice_date", "Total=amount"],
    "chinese_orders.csv": [
        "--map",
        *(f"{k}={v}" for k, v in CHINESE_COLUMNS.items()),
        "--date-format",
        "%d/%m/%Y %H:%M",
    ],
}


def example(folder: Path, name: str) -> Path:
    """Copy a committed example export (datasets/examples) into ``folder/in``."""
    target = folder / "in" / name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ROOT / "datasets" / "examples" / name, target)
    return target


def _tx(path: Path, *more: str) -> list[str]:
    return ["--transactions", str(path), *more]


def _cut_lines(frame: pd.DataFrame, **changes) -> pd.DataFrame:
    frame = frame.copy()
    for column, value in changes.items():
        frame[column] = value
    return frame


# --- checks on a finished run --------------------------------------------------------------------


def results(out: Path) -> dict:
    """What the report notebook recorded."""
    from helpers.notebook import read_results

    return read_results(out / "report.ipynb")


def reconciles(out: Path) -> dict:
    """Assert rows in = kept + removed and revenue in - removed + fixed = revenue out."""
    done = results(out)
    assert done["rows_in"] == done["rows_kept"] + done["rows_removed"], done
    revenue = done["revenue_in"] - done["revenue_removed"] + done["revenue_fixed"]
    assert abs(revenue - done["revenue_out"]) < 0.01 * max(1.0, abs(done["revenue_out"])), done
    return done


def strategies(out: Path) -> pd.DataFrame:
    """The strategies.csv of a report, ids as text."""
    return pd.read_csv(out / "strategies.csv", dtype={"customer_id": str}, keep_default_na=False)


def html(out: Path) -> str:
    """The report's HTML."""
    return (out / "report.html").read_text(encoding="utf-8")


# --- output folder -------------------------------------------------------------------------------


def _users_folder(folder: Path) -> Path:
    target = folder / "mine"
    (target / "sub").mkdir(parents=True)
    (target / "orders_backup.csv").write_text("invoice_id,amount\n1,2\n")
    (target / "notes.txt").write_text("my notes")
    (target / "sub" / "deep.txt").write_text("deep")
    return target


def _earlier_report(folder: Path) -> Path:
    from helpers.report_folder import MARKER, marker_text

    target = folder / "old_report"
    (target / "campaigns").mkdir(parents=True)
    (target / MARKER).write_text(marker_text(["campaigns/", "report.html"]))
    (target / "report.html").write_text("the previous report")
    return target


def _replaced(folder: Path, out: Path) -> None:
    assert "the previous report" not in html(out)
    reconciles(out)


# --- the cases -----------------------------------------------------------------------------------


def _cases() -> list[Case]:
    cases: list[Case] = []
    add = cases.append

    # Output folder: only a new path, an empty folder or an earlier report may be replaced.
    add(
        Case(
            "out-is-cwd",
            "output folder",
            "`--out .` (the current folder) is refused",
            lambda f: _tx(orders(f)),
            2,
            "current",
            out=lambda f: Path("."),
        )
    )
    add(
        Case(
            "out-holds-users-files",
            "output folder",
            "a folder holding files the tool did not write is refused; they stay untouched",
            lambda f: _tx(orders(f)),
            2,
            "did not write",
            out=_users_folder,
            keep=["mine/orders_backup.csv", "mine/notes.txt", "mine/sub/deep.txt"],
        )
    )
    add(
        Case(
            "out-is-a-file",
            "output folder",
            "an existing file as `--out` is refused",
            lambda f: _tx(orders(f)),
            2,
            "file",
            out=lambda f: write(pd.DataFrame({"a": [1]}), f / "table.csv"),
            keep=["table.csv"],
        )
    )
    add(
        Case(
            "out-holds-the-input",
            "output folder",
            "a folder that holds the input file is refused",
            lambda f: _tx(orders(f)),
            2,
            "input",
            out=lambda f: f / "in",
            keep=["in/orders.csv"],
        )
    )
    add(
        Case(
            "out-is-home",
            "output folder",
            "the home folder is refused",
            lambda f: _tx(orders(f)),
            2,
            "home",
            out=lambda f: Path.home(),
        )
    )
    add(
        Case(
            "out-earlier-report",
            "output folder",
            "an earlier report of the command is replaced when the new one has succeeded",
            lambda f: _tx(orders(f)),
            0,
            "report written to",
            out=_earlier_report,
            check=_replaced,
        )
    )

    # Options: checked before any data are read (exit 2).
    bad_options = [
        (
            "date-format-unknown",
            ["--date-format", "%Q"],
            "--date-format",
            "an unknown date directive",
        ),
        ("encoding-unknown", ["--encoding", "klingon"], "--encoding", "an unknown encoding"),
        (
            "map-not-canonical",
            ["--map", "Qty=qty"],
            "not a canonical column",
            "a mapping onto a name that is not canonical",
        ),
        (
            "map-two-to-one",
            ["--map", "A=quantity", "B=quantity"],
            "already mapped",
            "a mapping of two columns onto one name",
        ),
        ("margin-above-one", ["--margin", "1.5"], "MARGIN must be a share", "a margin above 100%"),
        ("unknown-option", ["--colour", "red"], "unrecognized arguments", "an unknown option"),
        ("timezone-unknown", ["--timezone", "Mars/Olympus"], "--timezone", "an unknown time zone"),
        (
            "max-bad-dates-above-one",
            ["--max-bad-dates", "2"],
            "--max-bad-dates",
            "a bad-date share above 1",
        ),
        ("sep-two-chars", ["--sep", "ab"], "--sep", "a separator of two characters"),
        (
            "as-of-not-a-date",
            ["--as-of", "someday"],
            "--as-of",
            "an analysis date that is not a date",
        ),
    ]
    for case_id, args, message, accepts in bad_options:
        add(
            Case(
                case_id,
                "options",
                f"{accepts} is refused before the file is read",
                lambda f, args=args: _tx(orders(f), *args),
                2,
                message,
            )
        )

    # Files that cannot be read as an order log (exit 1, nothing written).
    def empty(f: Path) -> list[str]:
        path = f / "in" / "orders.csv"
        path.parent.mkdir(parents=True)
        path.write_text("")
        return _tx(path)

    def header_only(f: Path) -> list[str]:
        return _tx(orders(f, shop().head(0)))

    def missing_column(f: Path) -> list[str]:
        return _tx(orders(f, shop().drop(columns=["customer_id"])))

    def mostly_other_dates(f: Path) -> list[str]:
        frame = shop()
        dates = pd.to_datetime(frame["invoice_date"])
        other = frame.index % 10 < 3  # 30% written day-first
        frame["invoice_date"] = dates.dt.strftime("%Y-%m-%d %H:%M:%S")
        frame.loc[other, "invoice_date"] = dates[other].dt.strftime("%d/%m/%Y %H:%M")
        return _tx(orders(f, frame))

    def mapped_onto_existing(f: Path) -> list[str]:
        frame = shop()
        frame["Client"] = frame["customer_id"]
        return _tx(orders(f, frame), "--map", "Client=customer_id")

    def duplicate_columns(f: Path) -> list[str]:
        path = f / "in" / "orders.csv"
        text = write(shop(), path).read_text()
        header, rest = text.split("\n", 1)
        path.write_text(header.replace("description", "quantity") + "\n" + rest)
        return _tx(path)

    def text_quantity(f: Path) -> list[str]:
        frame = shop()
        frame["quantity"] = frame["quantity"].astype(str)
        frame.loc[5, "quantity"] = "two"
        return _tx(orders(f, frame))

    def one_customer(f: Path) -> list[str]:
        return _tx(orders(f, shop().assign(customer_id="10001")))

    def one_day(f: Path) -> list[str]:
        return _tx(orders(f, shop().assign(invoice_date="2024-05-01 10:00:00")))

    def all_returns(f: Path) -> list[str]:
        frame = shop()
        return _tx(orders(f, frame.assign(quantity=-frame["quantity"].abs())))

    def zero_prices(f: Path) -> list[str]:
        return _tx(orders(f, shop().assign(unit_price=0.0)))

    def as_of_too_early(f: Path) -> list[str]:
        return _tx(orders(f), "--as-of", "2020-01-01")

    def as_of_no_history(f: Path) -> list[str]:
        return _tx(orders(f), "--as-of", "2023-02-01")

    def wrong_encoding(f: Path) -> list[str]:
        frame = shop()
        frame.loc[0, "description"] = "CAFÉ MUG £"
        return _tx(orders(f, frame, encoding="cp1252"), "--encoding", "utf-8")

    bad_data = [
        ("empty-file", empty, "empty", "an empty file"),
        ("header-only", header_only, "no rows", "a header without rows"),
        (
            "missing-customer-column",
            missing_column,
            "customer_id",
            "a file without a customer column (the message proposes `--map`)",
        ),
        (
            "dates-in-two-formats",
            mostly_other_dates,
            "--date-format",
            "30% of the dates in another format (counted, with the format that parses them)",
        ),
        (
            "map-onto-existing-name",
            mapped_onto_existing,
            "customer_id",
            "a mapping onto a name the file already has",
        ),
        ("duplicate-column-names", duplicate_columns, "quantity", "two columns with one name"),
        ("text-in-quantity", text_quantity, "quantity", "text in a number column"),
        ("one-customer", one_customer, "hold one customer", "a single customer"),
        ("one-day", one_day, "churn window", "every line on one day"),
        ("all-returns", all_returns, "no order line survives cleaning", "only returns"),
        ("all-zero-prices", zero_prices, "no order line survives cleaning", "every price zero"),
        (
            "as-of-before-data",
            as_of_too_early,
            "no order line is dated before the analysis date",
            "`--as-of` before the first line",
        ),
        (
            "as-of-no-history",
            as_of_no_history,
            "churn window",
            "`--as-of` within one churn window of the start",
        ),
        (
            "wrong-encoding",
            wrong_encoding,
            "--encoding",
            "a cp1252 file read as `--encoding utf-8`",
        ),
    ]
    for case_id, make, message, accepts in bad_data:
        add(Case(case_id, "data", f"{accepts}: stopped, nothing written", make, 1, message))

    # Files and data that run (exit 0): rows and revenue reconcile in every one.
    def renamed(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.rename(columns=SHOP_NAMES)

    def gb18030(f: Path) -> list[str]:
        return _tx(example(f, "chinese_orders.csv"), *README_COMMANDS["chinese_orders.csv"])

    def gb18030_check(folder: Path, out: Path) -> None:
        assert "gb18030" in html(out).lower()
        reconciles(out)

    def order_level(f: Path) -> list[str]:
        return _tx(example(f, "order_totals.csv"), *README_COMMANDS["order_totals.csv"])

    def order_level_check(folder: Path, out: Path) -> None:
        page = html(out).lower()
        assert "cross-sell skipped" in page and "promotion skipped" in page
        assert not (out / "campaigns" / "cross_sell.csv").exists()
        reconciles(out)

    def semicolon_comma(f: Path) -> list[str]:
        frame = renamed(shop())
        frame["Price"] = frame["Price"].map(
            lambda p: f"{p:,.2f} €".replace(".", "#").replace(",", ".").replace("#", ",")
        )
        return _tx(orders(f, frame, sep=";"), "--map", *SHOP_MAP)

    def price_check(folder: Path, out: Path) -> None:
        done = reconciles(out)
        expected = shop()
        assert done["rows_in"] == len(expected)

    def offsets(f: Path) -> list[str]:
        frame = shop()
        local = pd.to_datetime(frame["invoice_date"]).dt.tz_localize(
            "Europe/Paris", ambiguous="NaT", nonexistent="shift_forward"
        )
        frame["invoice_date"] = local.map(lambda t: t.isoformat() if pd.notna(t) else "")
        return _tx(orders(f, frame), "--timezone", "Europe/Paris")

    def few_bad_dates(f: Path) -> list[str]:
        frame = shop()
        frame.loc[[3, 50, 900], "invoice_date"] = ["not recorded", "31/13/2024", "2023-02-30"]
        return _tx(orders(f, frame))

    def no_returns_one_product(f: Path) -> list[str]:
        frame = shop()
        frame = frame[frame["quantity"] > 0].assign(product_id="P1", description="MUG")
        return _tx(orders(f, frame))

    def future_typo(f: Path) -> list[str]:
        frame = shop()
        frame.loc[10, "invoice_date"] = "2204-06-01 10:00:00"
        return _tx(orders(f, frame))

    def future_check(folder: Path, out: Path) -> None:
        last = pd.to_datetime(shop()["invoice_date"]).max()  # the typo is not in shop()
        expected = (last.normalize() + pd.Timedelta(days=1)).isoformat()
        assert results(out)["as_of"] == expected
        assert "typing errors" in html(out)
        reconciles(out)

    def xlsx(f: Path) -> list[str]:
        path = f / "in" / "orders.xlsx"
        path.parent.mkdir(parents=True)
        renamed(shop()).to_excel(path, index=False)
        return _tx(path, "--map", *SHOP_MAP)

    def parquet(f: Path) -> list[str]:
        import fastparquet

        path = f / "in" / "orders.parquet"
        path.parent.mkdir(parents=True)
        fastparquet.write(str(path), shop())
        return _tx(path)

    def hostile_ids(f: Path) -> list[str]:
        frame = shop()
        first = frame["customer_id"] == frame["customer_id"].iloc[0]
        frame.loc[first, "customer_id"] = 'C,"1"\nX'
        frame["description"] = "<script>alert(1)</script> " + frame["description"]
        frame["product_id"] = "<i>" + frame["product_id"]
        frame.loc[frame.index % 11 == 0, "description"] = '=HYPERLINK("x")'
        return _tx(orders(f, frame))

    def hostile_check(folder: Path, out: Path) -> None:
        import csv

        page = html(out).lower()  # cleaning upper-cases descriptions
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # shown, as text
        assert "<script>alert(1)</script>" not in page
        assert "&lt;i&gt;p" in page and "<i>p" not in page  # product ids, escaped
        ids = set(strategies(out)["customer_id"])
        assert 'C,"1"\nX' in ids
        for path in [out / "strategies.csv", *(out / "campaigns").glob("*.csv")]:
            with path.open(newline="", encoding="utf-8") as stream:
                for row in csv.reader(stream):
                    for value in row:
                        assert not value.startswith(("=", "+", "@", "\t", "\r")), (path, value)
            for line in re.split(r"\r\n|\n|\r", path.read_text(encoding="utf-8")):
                assert not line.startswith(("=", "+", "@", "\t")), (path, line)
        reconciles(out)

    def leading_zeros(f: Path) -> list[str]:
        frame = shop()
        ids = sorted(frame["customer_id"].unique())
        frame.loc[frame["customer_id"] == ids[0], "customer_id"] = "007"
        frame.loc[frame["customer_id"] == ids[1], "customer_id"] = "7"
        return _tx(orders(f, frame))

    def zeros_check(folder: Path, out: Path) -> None:
        assert {"007", "7"} <= set(strategies(out)["customer_id"])
        reconciles(out)

    def excel_serial(f: Path) -> list[str]:
        frame = shop()
        dates = pd.to_datetime(frame["invoice_date"])
        frame["invoice_date"] = (dates - pd.Timestamp("1899-12-30")) / pd.Timedelta(days=1)
        return _tx(orders(f, frame), "--date-format", "excel")

    def utf16(f: Path) -> list[str]:
        frame = shop()
        frame.loc[0, "description"] = "CAFÉ MUG"
        return _tx(orders(f, frame, encoding="utf-16", sep="\t"))

    def padded_tables(f: Path) -> list[str]:
        lines, customers, products = (t.copy() for t in _shop())
        customers["customer_id"] = "  " + customers["customer_id"] + " "
        products["product_id"] = products["product_id"].str.lower()
        cpath = write(customers, f / "in" / "customers.csv")
        ppath = write(products, f / "in" / "products.csv")
        return _tx(orders(f, lines), "--customers", str(cpath), "--products", str(ppath))

    def padded_check(folder: Path, out: Path) -> None:
        assert (out / "campaigns" / "birthday.csv").exists()
        assert (out / "campaigns" / "promotion.csv").exists() or (
            "no depth and duration" in html(out).lower()
        )
        reconciles(out)

    def dirty(f: Path) -> list[str]:
        return _tx(orders(f, shop(dirt=True)))

    def currency_thousands(f: Path) -> list[str]:
        frame = renamed(shop())
        frame["Price"] = frame["Price"].map(lambda p: f"£{p * 1000:,.2f}")
        return _tx(orders(f, frame), "--map", *SHOP_MAP)

    good = [
        (
            "gb18030-chinese-day-first",
            gb18030,
            "gb18030",
            "a GB18030 file with Chinese headers, day-first dates, one line per invoice",
            gb18030_check,
        ),
        (
            "order-level-totals",
            order_level,
            "report written to",
            "one line per order (customer, date, total): product sections skipped with a note",
            order_level_check,
        ),
        (
            "semicolon-decimal-comma",
            semicolon_comma,
            "report written to",
            "`;`-separated with decimal commas and `€` in prices",
            price_check,
        ),
        (
            "currency-thousands",
            currency_thousands,
            "report written to",
            "prices like `£1,234.50` (symbols and separators removed, counted)",
            None,
        ),
        (
            "utc-offsets-dst",
            offsets,
            "report written to",
            "dates with UTC offsets across a daylight-saving change (`--timezone`)",
            None,
        ),
        (
            "few-bad-dates",
            few_bad_dates,
            "did not parse",
            "a few unparseable dates (under `--max-bad-dates`): counted and said",
            None,
        ),
        (
            "no-returns-one-product",
            no_returns_one_product,
            "report written to",
            "no returns and a single product (constant features dropped with a note)",
            None,
        ),
        (
            "future-typo-date",
            future_typo,
            "typing errors",
            "a date typed far in the future: ignored for the analysis date, said",
            future_check,
        ),
        ("xlsx", xlsx, "report written to", "an Excel workbook (`.xlsx`)", None),
        ("parquet", parquet, "report written to", "a Parquet file", None),
        (
            "hostile-ids",
            hostile_ids,
            "report written to",
            "ids with quotes, commas and newlines; HTML in product ids and descriptions, formulas "
            "in descriptions (escaped, neutralised)",
            hostile_check,
        ),
        (
            "leading-zeros",
            leading_zeros,
            "report written to",
            "ids `007` and `7` kept as two customers",
            zeros_check,
        ),
        (
            "excel-serial-dates",
            excel_serial,
            "report written to",
            "Excel serial dates (`--date-format excel`)",
            None,
        ),
        ("utf16-tabs", utf16, "report written to", "a UTF-16 tab-separated export", None),
        (
            "padded-ids-in-tables",
            padded_tables,
            "report written to",
            "customers and products tables with padded or lower-case ids",
            padded_check,
        ),
        (
            "dirty-shop",
            dirty,
            "report written to",
            "the course's dirty shop (duplicates, returns, test account, bad dates)",
            None,
        ),
    ]
    for case_id, make, message, accepts, check in good:
        add(Case(case_id, "files", accepts, make, 0, message, check=check or _reconciled))
    return cases


def _reconciled(folder: Path, out: Path) -> None:
    reconciles(out)


CASES: list[Case] = _cases()


def readme_table() -> str:
    """The README's table of what the report accepts, made from :data:`CASES`."""
    outcome = {0: "runs", 1: "stops (exit 1)", 2: "refused (exit 2)"}
    rows = ["| input | outcome |", "|---|---|"]
    for kind in ("files", "data", "options", "output folder"):
        for case in CASES:
            if case.kind == kind:
                rows.append(f"| {case.accepts} | {outcome[case.exit]} |")
    return "\n".join(rows)


def write_readme() -> None:
    """Replace the table between the catalogue markers of README.md."""
    text = README.read_text(encoding="utf-8")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    README.write_text(f"{head}{START}\n{readme_table()}\n{END}{tail}", encoding="utf-8")


if __name__ == "__main__":
    if sys.argv[1:] == ["--readme"]:
        write_readme()
    else:
        print(readme_table())

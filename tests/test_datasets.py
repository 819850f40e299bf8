import gzip
import hashlib

import pandas as pd
import pytest
from conftest import ROOT, real_file

from helpers import public_data, schema
from helpers.datasets import (
    load_cdnow,
    load_clean_transactions,
    load_donations,
    load_online_retail,
    load_synthetic,
    load_telco,
    load_transactions,
)

# --- real files: expected values are the published/known facts of each file (SOURCES.md) ----


@pytest.fixture(scope="module")
def online_retail():
    return load_online_retail(real_file("online_retail_2010_2011.csv.gz"))


@pytest.mark.realdata
def test_online_retail_known_facts(online_retail):
    df = online_retail
    assert len(df) == 541_909
    assert list(df.columns) == [
        "invoice_id",
        "product_id",
        "description",
        "quantity",
        "invoice_date",
        "unit_price",
        "customer_id",
        "country",
    ]
    assert df["customer_id"].isna().sum() == 135_080
    assert df["invoice_id"].str.startswith("C").sum() == 9_288
    assert df.duplicated().sum() == 5_268
    assert df["customer_id"].nunique() == 4_372
    assert df["country"].nunique() == 38
    assert not df["customer_id"].dropna().str.endswith(".0").any()  # "17850.0" -> "17850"
    assert df["invoice_date"].min() == pd.Timestamp("2010-12-01 08:26")
    assert df["invoice_date"].max() == pd.Timestamp("2011-12-09 12:50")
    schema.validate(df, "raw_transactions")


@pytest.mark.realdata
def test_online_retail_xlsx_reads_like_the_csv(online_retail, tmp_path):
    # The UCI original is an .xlsx whose InvoiceDate is a datetime and CustomerID a number.
    head = online_retail.head(50)
    sheet = pd.DataFrame(
        {
            "InvoiceNo": head["invoice_id"],
            "StockCode": head["product_id"],
            "Description": head["description"],
            "Quantity": head["quantity"],
            "InvoiceDate": head["invoice_date"],
            "UnitPrice": head["unit_price"],
            "CustomerID": head["customer_id"].astype(float),
            "Country": head["country"],
        }
    )
    path = tmp_path / "Online Retail.xlsx"
    sheet.to_excel(path, index=False)
    loaded = load_online_retail(path)
    pd.testing.assert_frame_equal(loaded, head.reset_index(drop=True), check_dtype=False)


@pytest.mark.realdata
def test_cdnow_sample():
    df = load_cdnow(real_file("cdnow_sample.txt"))
    assert len(df) == 6_919
    assert df["customer_id"].nunique() == 2_357
    first = df.groupby("customer_id")["invoice_date"].min()
    assert first.between("1997-01-01", "1997-03-31").all()  # the Q1 1997 cohort
    assert df["quantity"].dtype.kind == "i" and df["amount"].dtype.kind == "f"


def test_customer_ids_saved_as_floats_lose_the_trailing_zero(tmp_path):
    header = "invoice_id,invoice_date,customer_id,product_id,quantity,unit_price\n"
    floats = tmp_path / "floats.csv"
    floats.write_text(header + "1,2024-01-02,17850.0,A,1,2.5\n2,2024-01-03,,A,1,2.5\n")
    ids = load_transactions(floats)["customer_id"]
    assert ids.iloc[0] == "17850" and ids.isna().iloc[1]
    mixed = tmp_path / "mixed.csv"  # not every id is a float: all are kept as written
    mixed.write_text(header + "1,2024-01-02,17850.0,A,1,2.5\n2,2024-01-03,C7,A,1,2.5\n")
    assert load_transactions(mixed)["customer_id"].tolist() == ["17850.0", "C7"]


def test_cdnow_master_layout_and_wrong_layouts(tmp_path):
    # the master file's four columns: id, date, CDs, dollars (no id within the cohort)
    master = tmp_path / "CDNOW_master.txt"
    master.write_text(" 00001 19970101  1  11.77\n 00002 19970112  1  12.00\n")
    df = load_cdnow(master)
    assert df["customer_id"].tolist() == ["00001", "00002"]
    assert df["invoice_date"].tolist() == [pd.Timestamp("1997-01-01"), pd.Timestamp("1997-01-12")]
    assert df["quantity"].tolist() == [1, 1] and df["amount"].tolist() == [11.77, 12.0]
    three = tmp_path / "three.txt"
    three.write_text("00001 19970101 1\n")
    with pytest.raises(ValueError, match="expected 5 columns.*or 4.*got 3.*00001"):
        load_cdnow(three)


@pytest.mark.realdata
def test_telco_blank_total_charges_are_kept_as_missing():
    df = load_telco(real_file("telco_customer_churn.csv"))
    assert df.shape == (7_043, 21)
    assert df["churn"].sum() == 1_869
    blanks = df["total_charges"].isna()
    assert blanks.sum() == 11
    assert (df.loc[blanks, "tenure_months"] == 0).all()


# SHA-256 of each file's data (decompressed), computed with sha256sum on the copies as
# distributed (SOURCES.md), and stated in datasets/README.md
COMMITTED = {
    "online_retail_2010_2011.csv.gz": (
        "c35975c40d0e1e105090fbb11188a409393055f873841bd012915475fc84e69f"
    ),
    "cdnow_sample.txt.gz": "6fae10155c0b0ba363c2c386e30f77990d22328220efd862a5edd1443420d94a",
    "donations.csv": "82c25f26a201ff047e1cd5fe3d7967a45db92a025ecedee72ff8940e50104544",
    "telco_customer_churn.csv.gz": (
        "16320c9c1ec72448db59aa0a26a0b95401046bef5d02fd3aeb906448e3055e91"
    ),
}


def test_committed_real_datasets_are_the_published_files():
    readme = (ROOT / "datasets" / "README.md").read_text(encoding="utf-8")
    for name, digest in COMMITTED.items():
        path = ROOT / "datasets" / name
        assert path.stat().st_size < 10_000_000, name
        data = path.read_bytes()
        data = gzip.decompress(data) if name.endswith(".gz") else data
        assert hashlib.sha256(data).hexdigest() == digest, name
        assert f"`{name}`" in readme and digest in readme, name


def test_committed_copies_are_found_without_cvl_data_dir(monkeypatch, tmp_path):
    monkeypatch.delenv("CVL_DATA_DIR", raising=False)
    committed = {"online_retail": "online_retail_2010_2011.csv.gz", "cdnow": "cdnow_sample.txt.gz"}
    committed |= {"donations": "donations.csv", "telco": "telco_customer_churn.csv.gz"}
    for dataset, name in committed.items():
        assert public_data._locate(dataset, None) == ROOT / "datasets" / name
    # the committed copy comes before CVL_DATA_DIR; an explicit path before both
    other = tmp_path / "donations.csv"
    other.write_text("frequency,recency,periods,weights\n0,0,6,5\n")
    monkeypatch.setenv("CVL_DATA_DIR", str(tmp_path))
    assert load_donations()["weights"].sum() == 11_104  # the published table (SOURCES.md)
    assert load_donations(other)["weights"].tolist() == [5]
    assert len(load_cdnow()) == 6_919  # read from the gzip-compressed sample


def test_missing_real_file_says_where_to_get_it(monkeypatch, tmp_path):
    monkeypatch.setattr(public_data, "PROJECT_DATA_DIR", tmp_path / "no_committed_copies")
    monkeypatch.setenv("CVL_DATA_DIR", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="UCI Machine Learning Repository"):
        load_online_retail()
    monkeypatch.delenv("CVL_DATA_DIR")
    with pytest.raises(FileNotFoundError, match="CVL_DATA_DIR is not set"):
        load_cdnow()


# --- any user CSV -------------------------------------------------------------------------


def write(tmp_path, text, name="orders.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


CSV = (
    "Order,Date,Client,SKU,Qty,Price\n"
    "A1,2024-01-05 10:00:00,c1,p1,2,3.50\n"
    "A1,2024-01-05 10:00:00,c1,p2,1,10\n"
    "A2,2024-02-01 09:30:00,,p1,1,3.50\n"
)
MAPPING = {
    "Order": "invoice_id",
    "Date": "invoice_date",
    "Client": "customer_id",
    "SKU": "product_id",
    "Qty": "quantity",
    "Price": "unit_price",
}


def test_load_transactions_maps_columns(tmp_path):
    df = load_transactions(write(tmp_path, CSV), MAPPING)
    assert list(df.columns) == list(MAPPING.values())
    assert df["invoice_date"].tolist() == [
        pd.Timestamp("2024-01-05 10:00"),
        pd.Timestamp("2024-01-05 10:00"),
        pd.Timestamp("2024-02-01 09:30"),
    ]
    assert df["quantity"].tolist() == [2, 1, 1]
    assert df["customer_id"].isna().tolist() == [False, False, True]  # kept, not dropped
    schema.validate(df, "raw_transactions")


def test_missing_column_is_named(tmp_path):
    mapping = {k: v for k, v in MAPPING.items() if k != "Price"}
    with pytest.raises(ValueError, match=r"\['unit_price'\] missing.*Price"):
        load_transactions(write(tmp_path, CSV), mapping)


def test_mapping_of_an_absent_column_is_named(tmp_path):
    with pytest.raises(ValueError, match=r"\['Cost'\] named in `columns`"):
        load_transactions(write(tmp_path, CSV), {**MAPPING, "Cost": "unit_price"})


def test_empty_file(tmp_path):
    with pytest.raises(ValueError, match="empty"):
        load_transactions(write(tmp_path, ""), MAPPING)
    with pytest.raises(ValueError, match="no rows"):
        load_transactions(write(tmp_path, CSV.splitlines()[0] + "\n"), MAPPING)


def test_non_utf8_file(tmp_path):
    text = CSV.replace("p2", "café")
    path = write(tmp_path, text, encoding="latin-1")
    # given the wrong encoding: the byte, where it is (é is byte 0xe9, on the file's line 3)
    offset = len(text[: text.index("é")].encode("latin-1"))
    with pytest.raises(
        ValueError, match=rf"not valid utf-8: byte e9 at offset {offset} \(line 3\).*encoding="
    ):
        load_transactions(path, MAPPING, encoding="utf-8")
    # by default the encoding is detected (é is the same byte in latin-1 and cp1252)
    df = load_transactions(path, MAPPING)
    assert df.attrs["loading"]["encoding"] == "cp1252"
    assert df.attrs["loading"]["encoding_detected"] is True
    assert "CAFÉ" in df["product_id"].tolist()  # product codes are upper-cased
    given = load_transactions(path, MAPPING, encoding="latin-1")
    assert given.attrs["loading"]["encoding_detected"] is False
    assert "CAFÉ" in given["product_id"].tolist()


def test_unparseable_dates_are_kept_as_missing_for_cleaning_to_count(tmp_path):
    text = CSV.replace("2024-02-01 09:30:00", "31/02/2024")
    # one date in three is over the default limit (1%) ...
    with pytest.raises(ValueError, match=r"1 of 3 non-empty dates \(33.3%\).*'31/02/2024'"):
        load_transactions(write(tmp_path, text), MAPPING)
    # ... and within a limit of one half: kept as NaT, counted
    df = load_transactions(write(tmp_path, text), MAPPING, max_bad_dates=0.5)
    assert len(df) == 3 and df["invoice_date"].isna().tolist() == [False, False, True]
    assert df.attrs["loading"]["bad_dates"] == 1
    assert df.attrs["loading"]["bad_date_examples"] == ["31/02/2024"]
    assert len(load_transactions(write(tmp_path, text), MAPPING, max_bad_dates=None)) == 3


def test_mostly_unparseable_dates_ask_for_a_format(tmp_path):
    text = CSV.replace("2024-01-05 10:00:00", "05/01/2024 10:00").replace(
        "2024-02-01 09:30:00", "01/02/2024 09:30"
    )
    with pytest.raises(ValueError, match=r"do not parse.*'05/01/2024 10:00'.*date_format="):
        load_transactions(write(tmp_path, text), MAPPING)
    df = load_transactions(write(tmp_path, text), MAPPING, date_format="%d/%m/%Y %H:%M")
    assert df["invoice_date"].iloc[2] == pd.Timestamp("2024-02-01 09:30")


def test_non_numeric_quantity_is_named_with_its_row(tmp_path):
    text = CSV.replace(",1,10\n", ",one,10\n")
    with pytest.raises(
        ValueError,
        match=r"'quantity' \(file column 'Qty'\) must be numeric; 1 row.*row 2 \('one'\)",
    ):
        load_transactions(write(tmp_path, text), MAPPING)


def test_a_file_with_one_customer(tmp_path):
    text = "\n".join(CSV.splitlines()[:3]) + "\n"
    df = load_transactions(write(tmp_path, text), MAPPING)
    assert df["customer_id"].unique().tolist() == ["c1"]


# --- the embedded synthetic dataset -------------------------------------------------------


def test_load_synthetic_keeps_bad_dates_as_missing():
    data = load_synthetic()
    lines, dirt = data.order_lines, data.dirt
    bad_dates = dirt.loc[dirt["kind"] == "bad_date", "row"]
    assert len(bad_dates) > 0
    assert lines["invoice_date"].isna().sum() == len(bad_dates)
    assert lines["invoice_date"].iloc[bad_dates.to_numpy()].isna().all()
    raw = load_synthetic(parse_dates=False).order_lines
    assert len(raw) == len(lines)
    schema.validate(lines, "raw_transactions")
    schema.validate(data.customers, "customers")
    schema.validate(data.contacts, "contacts")


def test_without_the_committed_files_the_same_data_is_generated(monkeypatch, tmp_path):
    from helpers import datasets

    committed = load_synthetic()
    monkeypatch.setattr(datasets, "SYNTHETIC_DIR", tmp_path / "absent")
    generated = load_synthetic()
    pd.testing.assert_frame_equal(generated.order_lines, committed.order_lines)
    pd.testing.assert_frame_equal(generated.customers, committed.customers)


def test_load_clean_transactions_of_each_kind(tmp_path):
    clean, report = load_clean_transactions()
    assert report.attrs["rows_in"] == len(load_synthetic().order_lines)
    assert len(clean) == report.attrs["rows_out"]
    schema.validate(clean, "transactions")
    own, _ = load_clean_transactions(
        "csv", write(tmp_path, CSV), columns=MAPPING, drop_outliers=False
    )
    assert own["customer_id"].nunique() >= 1
    # the reading settings reach load_transactions: the same lines, semicolon-separated with
    # decimal commas and day-first dates
    european = CSV.replace(",", ";").replace("3.50", "3,50").replace("2024-01-05", "05/01/2024")
    european = european.replace("2024-02-01", "01/02/2024")
    theirs, _ = load_clean_transactions(
        "csv",
        write(tmp_path, european, name="eu.csv"),
        columns=MAPPING,
        sep=";",
        decimal=",",
        date_format="%d/%m/%Y %H:%M:%S",
        drop_outliers=False,
    )
    pd.testing.assert_frame_equal(theirs, own)
    with pytest.raises(ValueError, match="needs path"):
        load_clean_transactions("csv")
    with pytest.raises(ValueError, match="unknown dataset 'cdnow'"):
        load_clean_transactions("cdnow")


def test_load_donations_reads_the_table_and_names_a_bad_value(tmp_path):
    path = tmp_path / "donations.csv"
    path.write_text("frequency,recency,periods,weights\n0,0,6,3464\n1,1,6,1091\n")
    table = load_donations(path)
    assert table.to_dict("list") == {
        "frequency": [0, 1],
        "recency": [0, 1],
        "periods": [6, 6],
        "weights": [3464, 1091],
    }
    path.write_text("frequency,recency,periods,weights\n0,0,6,3464\n1.5,1,6,1091\n")
    with pytest.raises(ValueError, match=r"'frequency' must be a whole number >= 0; e\.g\. row 1"):
        load_donations(path)
    path.write_text("frequency,recency,weights\n0,0,1\n")
    with pytest.raises(ValueError, match=r"missing column\(s\) \['periods'\]"):
        load_donations(path)

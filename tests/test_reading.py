"""Reading real exports: encodings, separators, numbers for people, dates, order-level files.

Every file is written here, in the test, and every expected value is worked out by hand from
the file's text.
"""

import datetime as dt
import gzip
import json

import numpy as np
import openpyxl
import pandas as pd
import pytest

from helpers import schema
from helpers.cleaning import clean_transactions
from helpers.datasets import MONEY_FIX, load_transactions
from helpers.options import command_line_words
from helpers.parsing import detect_decimal, parse_numbers, propose_date_formats
from helpers.reading import detect_encoding, sniff_separator

HEADER = "invoice_id,invoice_date,customer_id,product_id,quantity,unit_price\n"
T = pd.Timestamp


def write(tmp_path, text, name="orders.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def info(df):
    return df.attrs["loading"]


# --- encodings ----------------------------------------------------------------------------------

GB_FILE = (
    "客户编号,订单日期,金额,备注\n"
    'C001,05/01/2024,"￥1,200.00",首次购买\n'
    "C002,13/01/2024,88.50,老客户\n"
    'C001,20/02/2024,"-￥1,200.00",退货\n'
    "张三,01/03/2024,¥35.00,微信支付\n"
)
GB_MAPPING = {"客户编号": "customer_id", "订单日期": "invoice_date", "金额": "amount"}


def test_gb18030_file_with_chinese_headers_and_day_first_dates(tmp_path):
    path = write(tmp_path, GB_FILE, encoding="gb18030")
    df = load_transactions(path, GB_MAPPING, date_format="%d/%m/%Y")
    loading = info(df)
    assert loading["encoding"] == "gb18030" and loading["encoding_detected"] is True
    assert df["customer_id"].tolist() == ["C001", "C002", "C001", "张三"]
    assert df["invoice_date"].tolist() == [
        T("2024-01-05"),
        T("2024-01-13"),
        T("2024-02-20"),
        T("2024-03-01"),
    ]
    # one line per order: quantity 1 at the amount, a refund is quantity -1 at |amount|
    assert df["quantity"].tolist() == [1, 1, -1, 1]
    assert df["unit_price"].tolist() == [1200.0, 88.5, 1200.0, 35.0]
    assert loading["fixes"][MONEY_FIX] == 3  # "￥1,200.00", "-￥1,200.00", "¥35.00"
    assert df["备注"].tolist() == ["首次购买", "老客户", "退货", "微信支付"]  # kept
    assert loading["derived"] == ["invoice_id", "product_id", "quantity", "unit_price"]
    assert df["product_id"].eq(schema.NO_PRODUCT).all() and loading["has_products"] is False
    assert df["invoice_id"].tolist() == ["D1", "D2", "D3", "D4"]  # four dates, in order
    json.dumps(loading)  # plain values only

    # the refund nets against C001's purchase of the same amount
    clean, report = clean_transactions(df)
    rows = report.set_index("reason")["rows"]
    assert rows["cancellation netted"] == 1 and rows["fully returned purchase"] == 1
    assert sorted(clean["customer_id"]) == ["C002", "张三"]
    assert report.attrs["revenue_out"] == pytest.approx(88.5 + 35.0)


def test_gb18030_file_errors_advise_the_mapping_and_the_date_format(tmp_path):
    path = write(tmp_path, GB_FILE, encoding="gb18030")
    with pytest.raises(ValueError) as caught:
        load_transactions(path)
    message = str(caught.value)
    assert "['customer_id', 'invoice_date', 'quantity', 'unit_price'] missing" in message
    for source, target in GB_MAPPING.items():
        assert f"columns={{{source!r}: {target!r}}}" in message
    # 13/01 and 20/02 cannot be month-first: only day-first reads every date
    with pytest.raises(ValueError, match=r"4 of 4 non-empty dates \(100.0%\)") as caught:
        load_transactions(path, GB_MAPPING)
    assert "date_format='%d/%m/%Y'" in str(caught.value)
    assert "%m/%d/%Y" not in str(caught.value)


def test_utf16_files_with_and_without_a_byte_order_mark(tmp_path):
    text = HEADER + "1,2024-01-05,Zoë,p1,1,2.5\n2,2024-01-06,李,p2,2,3\n"
    for encoding, expected in (("utf-16", "utf-16"), ("utf-16-le", "utf-16-le")):
        df = load_transactions(write(tmp_path, text, encoding=encoding))
        assert info(df)["encoding"] == expected
        assert df["customer_id"].tolist() == ["Zoë", "李"]
        assert df["quantity"].tolist() == [1, 2] and df["unit_price"].tolist() == [2.5, 3.0]


def test_utf8_byte_order_mark_is_not_part_of_the_first_column_name(tmp_path):
    df = load_transactions(
        write(tmp_path, HEADER + "1,2024-01-05,c1,p1,1,2\n", encoding="utf-8-sig")
    )
    assert info(df)["encoding"] == "utf-8-sig"
    assert list(df.columns)[0] == "invoice_id"


def test_cp1252_pound_signs(tmp_path):
    text = (
        "Order,Date,Client,SKU,Qty,Price\n"
        "1,2024-01-05,Zoë,p1,2,£12.50\n"
        '2,2024-01-06,Renée,p2,1,"£1,050.00"\n'
    )
    mapping = {
        "Order": "invoice_id",
        "Date": "invoice_date",
        "Client": "customer_id",
        "SKU": "product_id",
        "Qty": "quantity",
        "Price": "unit_price",
    }
    df = load_transactions(write(tmp_path, text, encoding="cp1252"), mapping)
    assert info(df)["encoding"] == "cp1252" and info(df)["encoding_detected"]
    assert df["customer_id"].tolist() == ["Zoë", "Renée"]
    assert df["unit_price"].tolist() == [12.5, 1050.0]
    assert info(df)["fixes"][MONEY_FIX] == 2


def test_detect_encoding_order_of_evidence():
    assert detect_encoding("a,b\n".encode("utf-8-sig")) == ("utf-8-sig", "from its byte-order mark")
    assert detect_encoding("a,b\n".encode("utf-16"))[0] == "utf-16"
    assert detect_encoding("a,b\n".encode("utf-16-be"))[0] == "utf-16-be"
    assert detect_encoding("é,b\n".encode())[0] == "utf-8"
    assert detect_encoding("客户,金额\n".encode("gb18030"))[0] == "gb18030"
    # a multi-byte character cut by the end of the sample is still UTF-8
    assert detect_encoding("a,é".encode()[:-1])[0] == "utf-8"


def test_wrong_encoding_names_the_byte_its_offset_and_line_and_the_option(tmp_path):
    text = "a,b\nx,1\ny,£1\n"
    path = write(tmp_path, text, encoding="cp1252")
    # "a,b\n" (4 bytes) + "x,1\n" (4) + "y," (2): the pound sign is byte 10, on line 3
    with pytest.raises(ValueError, match=r"byte a3 at offset 10 \(line 3\).*encoding='cp1252'"):
        load_transactions(path, encoding="utf-8")
    with command_line_words(), pytest.raises(ValueError, match="--encoding cp1252"):
        load_transactions(path, encoding="utf-8")
    with pytest.raises(ValueError, match=r"unknown encoding 'utf-9'.*encoding='utf-8'"):
        load_transactions(path, encoding="utf-9")


def test_decode_error_past_the_detection_sample_in_a_gzip_file(tmp_path, monkeypatch):
    from helpers import reading

    monkeypatch.setattr(reading, "SAMPLE_BYTES", 128)  # detection sees only ASCII
    body = HEADER + "1,2024-01-05,c1,p1,1,2\n" * 10
    path = tmp_path / "late.csv.gz"
    path.write_bytes(gzip.compress((body + "2,2024-01-05,Zoë,p1,1,2\n").encode("cp1252")))
    offset = len(body) + len("2,2024-01-05,Zo")
    with pytest.raises(
        ValueError,
        match=rf"not valid utf-8 \(detected from the first megabyte\): byte eb at offset "
        rf"{offset} \(line 12\) of the uncompressed text",
    ):
        load_transactions(path)


# --- separators and numbers ---------------------------------------------------------------------


def test_sniff_separator():
    assert sniff_separator("a,b,c\n1,2,3\n") == ","
    assert sniff_separator("Order;Item;Price\n1;Mug, blue;12,50\n") == ";"
    assert sniff_separator("id\tdesc\n1\tmug, blue\n") == "\t"
    assert sniff_separator("a|b|c\n1|2,5|3\n") == "|"
    # "," splits this header into 3 fields too, but not the rows: ";" is consistent
    text = "Kunde;Name, Vorname, Titel;Betrag\nk1;Muster Max;12,50\nk2;Doe Jane;3,00\n"
    assert sniff_separator(text) == ";"
    assert sniff_separator('id,"a;b;c;d"\n1,2\n') == ","  # a quoted header name
    assert sniff_separator("just one column\n1\n") is None


def test_pipe_and_tab_separated_files(tmp_path):
    text = HEADER + "1,2024-01-05,c1,p1,1,2.5\n"
    for sep, name in (("|", "orders.txt"), ("\t", "orders.tsv")):
        df = load_transactions(write(tmp_path, text.replace(",", sep), name=name))
        assert info(df)["sep"] == sep and info(df)["sep_detected"]
        assert df["unit_price"].tolist() == [2.5]


def test_semicolon_file_with_decimal_commas_and_euros(tmp_path):
    text = (
        "Rechnung;Datum;Kunde;Artikel;Menge;Preis\n"
        "R1;05.01.2024;k1;a1;2;1.234,56 €\n"
        "R2;06.01.2024;k2;a2;1;12,50\n"
        "R3;07.01.2024;k3;a2;3;(3,00)\n"
    )
    mapping = {
        "Rechnung": "invoice_id",
        "Datum": "invoice_date",
        "Kunde": "customer_id",
        "Artikel": "product_id",
        "Menge": "quantity",
        "Preis": "unit_price",
    }
    path = write(tmp_path, text)
    df = load_transactions(path, mapping, date_format="%d.%m.%Y")
    loading = info(df)
    assert (loading["sep"], loading["decimal"]) == (";", ",")
    assert loading["sep_detected"] and loading["decimal_detected"]
    assert any("decimal comma" in note for note in loading["notes"])
    assert df["unit_price"].tolist() == [1234.56, 12.5, -3.0]
    assert loading["fixes"][MONEY_FIX] == 2  # "1.234,56 €" and "(3,00)"; "12,50" is plain
    assert df["invoice_date"].tolist() == [T("2024-01-05"), T("2024-01-06"), T("2024-01-07")]
    given = load_transactions(path, mapping, date_format="%d.%m.%Y", sep=";", decimal=",")
    assert given["unit_price"].tolist() == [1234.56, 12.5, -3.0]
    assert not info(given)["decimal_detected"] and not info(given)["sep_detected"]


def test_detect_decimal():
    assert detect_decimal(["1.234,56 €", "12,50", "3"]) == ","
    assert detect_decimal(["1,234.50", "3.5"]) == "."
    assert detect_decimal(["1,234", "12"]) is None  # three digits: may be a thousand
    assert detect_decimal(["12,50", "3.25"]) is None  # both: not told


def test_parse_numbers_for_people():
    values = pd.Series(
        ["£12.50", "$1,234.00", "€ 3", "EUR 4.50", "(12.00)", "¥1,000", "￥88", "7", "", " 5 "]
    )
    numbers, fixed = parse_numbers(values)
    expected = [12.5, 1234.0, 3.0, 4.5, -12.0, 1000.0, 88.0, 7.0, np.nan, 5.0]
    np.testing.assert_array_equal(numbers.to_numpy(), expected)
    assert fixed.tolist() == [True] * 7 + [False] * 3
    comma, fixed = parse_numbers(pd.Series(["12,5", "1.234,5", "1 234,5"]), decimal=",")
    assert comma.tolist() == [12.5, 1234.5, 1234.5] and fixed.tolist() == [False, True, True]
    whole, _ = parse_numbers(pd.Series(["1", "2", "-3"]), whole=True)
    assert whole.dtype == "int64" and whole.tolist() == [1, 2, -3]


def test_numbers_that_do_not_read_are_named_with_the_first_row():
    with pytest.raises(ValueError, match=r"'unit_price' must be numeric; 2 row.*row 2 \('abc'\)"):
        parse_numbers(pd.Series(["1", "abc", "2", "x"], name="unit_price"))
    # "12,50" with a decimal point would be 1250 if the comma were taken as thousands
    with pytest.raises(ValueError, match=r"'12,50'.*decimal comma.*decimal=','"):
        parse_numbers(pd.Series(["12,50"], name="unit_price"))


# --- dates --------------------------------------------------------------------------------------


def test_excel_serial_dates(tmp_path):
    # 45292 is 2024-01-01 (1899-12-30 + 45292 days); .25 of a day is 06:00
    path = write(tmp_path, HEADER + "1,45292,c1,p1,1,2\n2,45292.25,c1,p1,1,2\n")
    with pytest.raises(ValueError, match=r"date_format='excel'"):
        load_transactions(path)
    df = load_transactions(path, date_format="excel")
    assert df["invoice_date"].tolist() == [T("2024-01-01"), T("2024-01-01 06:00")]


TZ_FILE = HEADER + (
    "1,2024-03-30T10:00:00+01:00,c1,p1,1,2\n"  # Paris winter time: 09:00 UTC
    "2,2024-03-31T10:00:00+02:00,c1,p1,1,2\n"  # after the change to summer time: 08:00 UTC
    "3,2024-04-01T08:00:00Z,c2,p1,1,2\n"  # 08:00 UTC
)


def test_utc_offsets_become_the_first_rows_offset_by_default(tmp_path):
    df = load_transactions(write(tmp_path, TZ_FILE))
    # at UTC+01:00: 09:00 UTC -> 10:00, 08:00 UTC -> 09:00
    assert df["invoice_date"].tolist() == [
        T("2024-03-30 10:00"),
        T("2024-03-31 09:00"),
        T("2024-04-01 09:00"),
    ]
    assert df["invoice_date"].dt.tz is None
    sentence = info(df)["timezone"]
    assert "+01:00, +02:00, Z" in sentence and "UTC+01:00, the first row's offset" in sentence


def test_utc_offsets_to_a_named_time_zone(tmp_path):
    df = load_transactions(write(tmp_path, TZ_FILE), timezone="Europe/Paris")
    # Paris local time: 10:00 in winter and 10:00 in summer time; 08:00 UTC on 1 April is 10:00
    assert df["invoice_date"].tolist() == [
        T("2024-03-30 10:00"),
        T("2024-03-31 10:00"),
        T("2024-04-01 10:00"),
    ]
    assert "Europe/Paris" in info(df)["timezone"]
    with pytest.raises(ValueError, match=r"unknown time zone 'Paris'.*timezone='Europe/Paris'"):
        load_transactions(write(tmp_path, TZ_FILE), timezone="Paris")


def test_thirty_percent_of_dates_in_another_format(tmp_path):
    rows = [f"{i},2024-01-{i + 1:02d} 10:00:00,c1,p1,1,2\n" for i in range(7)]
    rows += [f"{i},{i + 6:02d}/02/2024 10:00,c1,p1,1,2\n" for i in range(7, 10)]  # 13-15 Feb
    with pytest.raises(ValueError) as caught:
        load_transactions(write(tmp_path, HEADER + "".join(rows)))
    message = str(caught.value)
    assert "3 of 10 non-empty dates (30.0%) do not parse as ISO 8601" in message
    assert "'13/02/2024 10:00', '14/02/2024 10:00', '15/02/2024 10:00'" in message
    assert "date_format='%d/%m/%Y %H:%M'" in message and "mixes two formats" in message


def test_a_few_bad_and_empty_dates_are_kept_as_missing(tmp_path):
    rows = [f"{i},2024-01-01 10:00:00,c1,p1,1,2\n" for i in range(199)]
    rows += ["199,31/02/2024,c1,p1,1,2\n", "200,,c1,p1,1,2\n"]  # 1 bad of 200 (0.5%), 1 empty
    df = load_transactions(write(tmp_path, HEADER + "".join(rows)))
    assert len(df) == 201 and df["invoice_date"].isna().sum() == 2
    loading = info(df)
    assert loading["bad_dates"] == 1 and loading["bad_date_examples"] == ["31/02/2024"]
    assert loading["empty_dates"] == 1
    assert any("1 of 200 non-empty dates (0.5%)" in note for note in loading["notes"])


def test_ambiguous_day_and_month(tmp_path):
    rows = [f"{i},{i + 1:02d}/02/2024,c1,p1,1,2\n" for i in range(10)]  # days 1-10: both read
    with pytest.raises(ValueError, match="ambiguous") as caught:
        load_transactions(write(tmp_path, HEADER + "".join(rows)))
    message = str(caught.value)
    assert "date_format='%d/%m/%Y' if '01/02/2024' is 1 February 2024" in message
    assert "date_format='%m/%d/%Y' if it is 2 January 2024" in message
    with command_line_words(), pytest.raises(ValueError, match="--date-format %d/%m/%Y if"):
        load_transactions(write(tmp_path, HEADER + "".join(rows)))


def test_propose_date_formats():
    assert propose_date_formats(["31/01/2024", "01/02/2024"]) == ["%d/%m/%Y"]
    assert propose_date_formats(["01/31/2024 10:00"]) == ["%m/%d/%Y %H:%M"]
    assert propose_date_formats(["20240131", "20240201"]) == ["%Y%m%d"]
    assert propose_date_formats(["45292", "45300.5"]) == ["excel"]
    assert propose_date_formats(["not a date"]) == []


# --- order-level files --------------------------------------------------------------------------


def test_order_level_file_with_a_refund(tmp_path):
    text = (
        "customer,date,total\n"
        "c1,2024-01-05 10:00,50.00\n"
        "c1,2024-01-20 12:00,-50.00\n"  # c1's refund of the 5 January order
        "c2,2024-01-07 09:00,20.00\n"
        "c1,2024-02-01 15:00,30.00\n"
    )
    path = write(tmp_path, text)
    with pytest.raises(ValueError) as caught:
        load_transactions(path)
    message = str(caught.value)
    assert "The file has ['customer', 'date', 'total']" in message
    for guess in ("{'customer': 'customer_id'}", "{'date': 'invoice_date'}", "{'total': 'amount'}"):
        assert guess in message
    df = load_transactions(
        path, {"customer": "customer_id", "date": "invoice_date", "total": "amount"}
    )
    assert df["quantity"].tolist() == [1, -1, 1, 1]
    assert df["unit_price"].tolist() == [50.0, 50.0, 20.0, 30.0]
    assert "amount" not in df.columns
    # one invoice per customer and time, numbered in date order: 5 Jan c1, 7 Jan c2, 20 Jan c1,
    # 1 Feb c1
    assert df["invoice_id"].tolist() == ["D1", "D3", "D2", "D4"]
    assert info(df)["has_products"] is False
    schema.validate(df, "raw_transactions")
    clean, report = clean_transactions(df)
    assert clean["unit_price"].tolist() == [20.0, 30.0]  # the refunded order is gone
    assert report.attrs["revenue_out"] == 50.0


def test_columns_that_look_like_canonical_ones_are_named_in_the_advice(tmp_path):
    path = write(tmp_path, "OrderNo,CustomerID,Order Date,Amount,Item\n1,c1,2024-01-05,10,x\n")
    with pytest.raises(ValueError) as caught:
        load_transactions(path)
    assert (
        "Map them: columns={'CustomerID': 'customer_id'}, columns={'Order Date': "
        "'invoice_date'}, columns={'Amount': 'amount'}, columns={'OrderNo': 'invoice_id'}, "
        "columns={'Item': 'product_id'}"
    ) in str(caught.value)
    with command_line_words(), pytest.raises(ValueError, match="--map CustomerID=customer_id"):
        load_transactions(path)
    # mapped enough to load: the columns left unmapped are named where ids are made up
    df = load_transactions(
        path, {"CustomerID": "customer_id", "Order Date": "invoice_date", "Amount": "amount"}
    )
    notes = " ".join(info(df)["notes"])
    assert "map it with columns={'OrderNo': 'invoice_id'}" in notes
    assert "map it with columns={'Item': 'product_id'}" in notes
    one_column = write(tmp_path, "a b c\n1 2 3\n", name="spaces.txt")
    with pytest.raises(ValueError, match=r"single column.*sep=';'"):
        load_transactions(one_column)


def test_order_lines_without_products(tmp_path):
    text = "invoice_id,invoice_date,customer_id,quantity,unit_price\n1,2024-01-05,c1,2,3.5\n"
    df = load_transactions(write(tmp_path, text))
    assert df["product_id"].tolist() == [schema.NO_PRODUCT]
    assert info(df)["derived"] == ["product_id"] and info(df)["has_products"] is False


def test_amount_with_quantity_and_price_is_dropped(tmp_path):
    text = HEADER.strip() + ",amount\n1,2024-01-05,c1,p1,2,3.5,7.00\n2,2024-01-05,c1,p2,1,4,5\n"
    df = load_transactions(write(tmp_path, text))
    assert "amount" not in df.columns and info(df)["dropped_columns"] == ["amount"]
    assert any("1 row(s)" in note for note in info(df)["notes"])  # 1 x 4 is not 5
    assert info(df)["derived"] == []


def test_amount_and_quantity_give_the_unit_price(tmp_path):
    text = "customer_id,invoice_date,quantity,amount\nc1,2024-01-05,4,10\nc1,2024-01-06,-2,-5\n"
    df = load_transactions(write(tmp_path, text))
    assert df["unit_price"].tolist() == [2.5, 2.5]
    assert info(df)["derived"] == ["invoice_id", "product_id", "unit_price"]


# --- columns and ids ----------------------------------------------------------------------------


def test_mapping_onto_a_name_the_file_has(tmp_path):
    path = write(tmp_path, "customer_id,Client,invoice_date,amount\nA,B,2024-01-01,3\n")
    with pytest.raises(ValueError, match=r"maps 'Client' to 'customer_id', but the file already"):
        load_transactions(path, {"Client": "customer_id"})
    # moving the file's own column out of the way works
    df = load_transactions(path, {"Client": "customer_id", "customer_id": "old_id"})
    assert df["customer_id"].tolist() == ["B"] and df["old_id"].tolist() == ["A"]
    with pytest.raises(ValueError, match=r"maps \['Client', 'amount'\] all to 'invoice_id'"):
        load_transactions(path, {"Client": "invoice_id", "amount": "invoice_id"})
    with pytest.raises(ValueError, match=r"\['Cliant'\].*not in the file.*'Client'"):
        load_transactions(path, {"Cliant": "customer_id"})


def test_duplicate_header_names(tmp_path):
    path = write(tmp_path, "customer_id,Price,invoice_date,Price,amount\nA,1,2024-01-01,2,3\n")
    with pytest.raises(ValueError, match=r"'Price' \(columns \[2, 4\]\) more than once"):
        load_transactions(path)


def test_leading_zeros_and_quoted_fields_survive(tmp_path):
    text = HEADER + (
        '1,2024-01-05,"A ""quoted"", id",p1,1,2\n'
        '2,2024-01-06,"multi\nline",p1,1,2\n'
        "3,2024-01-07,007,p1,1,2\n"
        "4,2024-01-07,7,p1,1,2\n"
        "5,2024-01-07,07,p1,1,2\n"
    )
    for path in (write(tmp_path, text), tmp_path / "orders.csv.gz"):
        if path.suffix == ".gz":
            path.write_bytes(gzip.compress(text.encode()))
        df = load_transactions(path)
        assert df["customer_id"].tolist() == ['A "quoted", id', "multi\nline", "007", "7", "07"]
        assert info(df)["compression"] == ("gzip" if path.suffix == ".gz" else None)


def test_xlsx_first_sheet_with_real_dates_numbers_and_text_ids(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Orders"
    sheet.append(["Order", "When", "Client", "SKU", "Qty", "Price"])
    sheet.append(["A1", dt.datetime(2024, 1, 5, 10, 30), "007", "p1", 2, 3.5])
    sheet.append(["A1", dt.datetime(2024, 1, 5, 10, 30), 7, "p2", 1, "£1,200.00"])
    sheet.append([1002, "2024-02-01 09:00", 17850, "p1", 1, 2])
    book.create_sheet("Notes")
    path = tmp_path / "orders.xlsx"
    book.save(path)
    mapping = {
        "Order": "invoice_id",
        "When": "invoice_date",
        "Client": "customer_id",
        "SKU": "product_id",
        "Qty": "quantity",
        "Price": "unit_price",
    }
    df = load_transactions(path, mapping)
    assert info(df)["format"] == "xlsx" and info(df)["sheet"] == "Orders"
    assert df["invoice_id"].tolist() == ["A1", "A1", "1002"]
    assert df["customer_id"].tolist() == ["007", "7", "17850"]
    assert df["invoice_date"].tolist() == [T("2024-01-05 10:30")] * 2 + [T("2024-02-01 09:00")]
    assert df["unit_price"].tolist() == [3.5, 1200.0, 2.0]
    assert df["quantity"].tolist() == [2, 1, 1]


def test_xlsx_excel_serials(tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["customer_id", "invoice_date", "amount"])
    book.active.append(["c1", 45292, 10])
    book.active.append(["c2", 45292.75, 4])
    path = tmp_path / "serials.xlsx"
    book.save(path)
    df = load_transactions(path, date_format="excel")
    assert df["invoice_date"].tolist() == [T("2024-01-01"), T("2024-01-01 18:00")]


# fastparquet's own warnings under pandas 3.1, when imported and when writing a zoned column
@pytest.mark.filterwarnings("ignore:.*infer_string")
@pytest.mark.filterwarnings("ignore:Series.values returning an ndarray")
def test_parquet(tmp_path):
    import fastparquet

    frame = pd.DataFrame(
        {
            "invoice_id": ["1", "2", "3"],
            "invoice_date": pd.to_datetime(
                ["2024-01-01 10:00", "2024-01-02 00:00", "2024-06-03 12:00"]
            ),
            "customer_id": pd.array([17850, 7, None], dtype="Int64"),
            "product_id": ["a", "b", "a"],
            "quantity": [1, 2, 3],
            "unit_price": [1.5, 2.0, 3.0],
        }
    )
    path = tmp_path / "orders.parquet"
    fastparquet.write(str(path), frame)
    df = load_transactions(path)
    assert info(df)["format"] == "parquet"
    assert df["customer_id"].iloc[:2].tolist() == ["17850", "7"] and pd.isna(df["customer_id"][2])
    assert df["product_id"].tolist() == ["A", "B", "A"]
    assert df["invoice_date"].tolist() == [
        T("2024-01-01 10:00"),
        T("2024-01-02"),
        T("2024-06-03 12:00"),
    ]
    zoned = tmp_path / "zoned.parquet"
    fastparquet.write(
        str(zoned), frame.assign(invoice_date=frame["invoice_date"].dt.tz_localize("Europe/Paris"))
    )
    utc = load_transactions(zoned, timezone="UTC")
    # Paris is UTC+1 in January and UTC+2 in June
    assert utc["invoice_date"].tolist() == [
        T("2024-01-01 09:00"),
        T("2024-01-01 23:00"),
        T("2024-06-03 10:00"),
    ]


def test_loading_info_keys(tmp_path):
    df = load_transactions(write(tmp_path, HEADER + "1,2024-01-05,c1,p1,1,2\n"))
    assert set(info(df)) == {
        "path",
        "format",
        "compression",
        "sheet",
        "encoding",
        "encoding_detected",
        "sep",
        "sep_detected",
        "decimal",
        "decimal_detected",
        "thousands",
        "columns",
        "rows",
        "fixes",
        "derived",
        "has_products",
        "dropped_columns",
        "date_format",
        "timezone",
        "bad_dates",
        "bad_date_examples",
        "empty_dates",
        "notes",
    }
    assert info(df)["rows"] == 1 and info(df)["format"] == "csv"
    json.dumps(info(df))


def test_empty_rows_are_skipped_and_counted(tmp_path):
    text = HEADER + "1,2024-01-05,c1,p1,1,2\n,,,,,\n\n2,2024-01-06,c1,p1,1,2\n"
    df = load_transactions(write(tmp_path, text))
    assert df["invoice_id"].tolist() == ["1", "2"]
    assert "1 empty row(s) (no value in any column) were skipped." in info(df)["notes"]


def test_unreadable_files(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_transactions(tmp_path / "absent.csv")
    with pytest.raises(ValueError, match=r"\.xls is not read"):
        load_transactions(write(tmp_path, "x", name="orders.xls"))
    with pytest.raises(ValueError, match="empty"):
        load_transactions(write(tmp_path, "\n\n"))
    with pytest.raises(ValueError, match="header but no rows"):
        load_transactions(write(tmp_path, HEADER))
    with pytest.raises(ValueError, match=r"Expected 6 fields in line 3, saw 7.*sep="):
        load_transactions(write(tmp_path, HEADER + "1,2024-01-05,c1,p1,1,2\n2,x,c1,p1,1,2,9\n"))

"""Quick-order parsing: pasted blocks and uploaded CSV/XLSX files become numbered rows."""

# Russian and Ukrainian headers and codes are meant to be Cyrillic next to Latin ones.
# ruff: noqa: RUF001

from __future__ import annotations

import io
import re
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dealerdesk.ordering.parsing import (
    FILE_ERRORS,
    MAX_QUANTITY,
    MAX_ROWS,
    MAX_TEXT_LENGTH,
    MAX_UPLOAD_BYTES,
    ROW_ERRORS,
    ParsedRow,
    ParseResult,
    neutralise_cell,
    parse_pasted,
    parse_upload,
)

FORMULA = '=HYPERLINK("http://evil","CAB-001")'


def only_row(result: ParseResult) -> ParsedRow:
    assert result.error == ""
    assert len(result.rows) == 1
    return result.rows[0]


def pairs(result: ParseResult) -> list[tuple[str, Decimal | None]]:
    return [(row.code, row.quantity) for row in result.rows]


def xlsx_bytes(*rows: tuple[object, ...], blank_rows_before: int = 0) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for index, row in enumerate(rows, start=1 + blank_rows_before):
        for column, value in enumerate(row, start=1):
            if value is not None:
                sheet.cell(row=index, column=column, value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- separators ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "code", "quantity"),
    [
        ("CAB-001\t5", "CAB-001", "5"),
        ("CAB-001;5", "CAB-001", "5"),
        ("CAB-001,5", "CAB-001", "5"),
        ("CAB-001 5", "CAB-001", "5"),
        ("CAB-001     5", "CAB-001", "5"),
        ("  CAB-001 \t 5  ", "CAB-001", "5"),
        ("CAB-001; 5", "CAB-001", "5"),
        ("CAB-001\u00a05", "CAB-001", "5"),  # NBSP from an HTML e-mail
        ("CAB-001\t5\tpcs", "CAB-001", "5"),
        ("CAB-001 5 pcs", "CAB-001", "5"),
        ('"CAB-001";"5"', "CAB-001", "5"),
        ('"CAB-001, red",5', "CAB-001, red", "5"),
        ('"CAB ""X"" 1";5', 'CAB "X" 1', "5"),
    ],
)
def test_each_separator(line, code, quantity):
    row = only_row(parse_pasted(line))

    assert (row.code, row.quantity, row.error) == (code, Decimal(quantity), "")
    assert row.number == 1
    assert row.text == line


@pytest.mark.parametrize(
    ("line", "quantity"),
    [
        ("CAB-001,5", "5"),  # the comma separates
        ("CAB-001 2,5", "2.5"),  # the comma is a decimal comma
        ("CAB-001\t2,5", "2.5"),
        ("CAB-001;2,5", "2.5"),
        ("CAB-001, 2,5", "2.5"),  # ", " separates, the other comma is decimal
        ("CAB-001 1 000,5", "1000.5"),
    ],
)
def test_decimal_comma_or_separator(line, quantity):
    row = only_row(parse_pasted(line))

    assert (row.code, row.quantity, row.error) == ("CAB-001", Decimal(quantity), "")


def test_three_columns_take_the_first_as_code_and_the_last_number_as_quantity():
    result = parse_pasted(
        "CAB-001\tCable 2m, red\t3\nCAB-002\tCable\t4\tpcs\nCAB-003\tCable\t\nCAB-004\tCable"
    )

    assert pairs(result) == [
        ("CAB-001", Decimal(3)),
        ("CAB-002", Decimal(4)),
        ("CAB-003", None),
        ("CAB-004", None),
    ]
    assert [row.error for row in result.rows] == ["", "", "", "bad_quantity"]


def test_a_line_with_only_a_code_has_no_quantity():
    row = only_row(parse_pasted("CAB-001"))

    assert (row.code, row.quantity, row.error) == ("CAB-001", None, "")


def test_lines_may_mix_separators_and_line_endings():
    result = parse_pasted("CAB-001\t1\r\nCAB-002;2\rCAB-003,3\nCAB-004 4")

    assert pairs(result) == [(f"CAB-00{n}", Decimal(n)) for n in range(1, 5)]
    assert [row.number for row in result.rows] == [1, 2, 3, 4]


# --- quantities ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "quantity"),
    [
        ("10", "10"),
        ("10.5", "10.5"),
        ("10,5", "10.5"),
        ("0.25", "0.25"),
        (".5", "0.5"),
        ("0,500", "0.5"),
        ("5.0", "5"),
        ("2.50", "2.5"),
        ("+4", "4"),
        ("1 000", "1000"),
        ("1\u00a0000", "1000"),  # NBSP
        ("1\u202f000", "1000"),  # narrow NBSP (French Excel)
        ("1\u2009000", "1000"),  # thin space
        ("1'000", "1000"),  # Swiss
        ("1 234 567", "1234567"),
        ("1\u00a0000,5", "1000.5"),
        ("1,000.5", "1000.5"),
        ("1.000,5", "1000.5"),
        ("1,234,567", "1234567"),
        ("1.234.567", "1234567"),
        ("1,234,567.25", "1234567.25"),
        ("1.234.567,25", "1234567.25"),
        ("1234,567", "1234.567"),  # four digits before the mark: not a thousands group
        ('"7"', "7"),
        ("100000000", "100000000"),
    ],
)
def test_quantity_formats(written, quantity):
    row = only_row(parse_pasted(f"CAB-001\t{written}"))

    assert row.error == ""
    assert row.quantity == Decimal(quantity)
    assert str(row.quantity) == quantity  # 5.0 reads back as 5, 2.50 as 2.5


@pytest.mark.parametrize(
    ("written", "error"),
    [
        ("0", "negative_quantity"),
        ("0.0", "negative_quantity"),
        ("-0", "negative_quantity"),
        ("-3", "negative_quantity"),
        ("- 3", "negative_quantity"),
        ("\u22123", "negative_quantity"),  # the typographic minus
        ("-1,000", "negative_quantity"),
        ("100000001", "quantity_too_large"),
        ("1 000 000 000 000", "quantity_too_large"),
        ("abc", "bad_quantity"),
        ("five", "bad_quantity"),
        ("1e5", "bad_quantity"),
        ("1E5", "bad_quantity"),
        ("NaN", "bad_quantity"),
        ("nan", "bad_quantity"),
        ("Infinity", "bad_quantity"),
        ("inf", "bad_quantity"),
        ("5.", "bad_quantity"),
        ("1.2.3", "bad_quantity"),
        ("1,2,3", "bad_quantity"),
        ("1 00", "bad_quantity"),
        ("12 345,6,7", "bad_quantity"),
        ("--5", "bad_quantity"),
        ("0x10", "bad_quantity"),
        ("\u0665", "bad_quantity"),  # an Arabic-Indic digit
        ("1,000", "ambiguous_quantity"),
        ("1.000", "ambiguous_quantity"),
        ("250,500", "ambiguous_quantity"),
    ],
)
def test_quantity_errors(written, error):
    row = only_row(parse_pasted(f"CAB-001\t{written}"))

    assert (row.code, row.quantity, row.error) == ("CAB-001", None, error)
    assert error in ROW_ERRORS


def test_quantity_limit_is_inclusive():
    assert only_row(parse_pasted(f"CAB-001\t{MAX_QUANTITY}")).quantity == MAX_QUANTITY


@given(
    st.decimals(min_value=Decimal("0.01"), max_value=MAX_QUANTITY, places=2),
    st.sampled_from(["plain", "comma", "en", "de", "spaces", "nbsp"]),
)
def test_quantities_read_back_in_every_style(value, style):
    english = f"{value:,.2f}"
    written = {
        "plain": f"{value:f}",
        "comma": f"{value:f}".replace(".", ","),
        "en": english,
        "de": english.replace(",", "_").replace(".", ",").replace("_", "."),
        "spaces": english.replace(",", " "),
        "nbsp": english.replace(",", "\u00a0").replace(".", ","),
    }[style]

    row = only_row(parse_pasted(f"CAB-001\t{written}"))

    assert row.error == ""
    assert row.quantity == value


# --- codes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "code"),
    [
        ("  cab-001\t1", "cab-001"),  # case kept as typed
        ("\u00a0CAB-001\u00a0\t1", "CAB-001"),
        ("\u200bCAB\u200b-001\ufeff\t1", "CAB-001"),  # zero-width characters
        ('"CAB-001"\t1', "CAB-001"),
        ("'CAB-001'\t1", "CAB-001"),
        ("'0123\t1", "0123"),  # Excel's "this is text" apostrophe
        ("\u201eCAB-001\u201c\t1", "CAB-001"),
        ("\u00abCAB-001\u00bb\t1", "CAB-001"),
        ("4006381333931 1", "4006381333931"),
        ("КАБ-001;1", "КАБ-001"),
    ],
)
def test_codes_are_cleaned_but_keep_their_case(line, code):
    assert only_row(parse_pasted(line)).code == code


def test_a_missing_code_is_a_row_error():
    row = only_row(parse_pasted("\t5"))

    assert (row.code, row.quantity, row.error) == ("", None, "no_code")


def test_a_code_longer_than_64_characters_is_a_row_error():
    result = parse_pasted(f"{'A' * 64}\t1\n{'A' * 65}\t1")

    assert [row.error for row in result.rows] == ["", "code_too_long"]
    assert result.rows[1].quantity is None


def test_a_formula_in_the_input_is_kept_as_text_and_not_evaluated():
    result = parse_pasted(f"{FORMULA}\t5\n{FORMULA}\n{FORMULA};2\n{FORMULA},3")

    assert pairs(result) == [
        (FORMULA, Decimal(5)),
        (FORMULA, None),
        (FORMULA, Decimal(2)),
        (FORMULA, Decimal(3)),
    ]
    assert all(row.error == "" for row in result.rows)


def test_unbalanced_quotes_and_brackets_do_not_swallow_the_line():
    result = parse_pasted('Cable 2"\t5\n"CAB-001;5\n=SUM(A1;3')

    assert [row.quantity for row in result.rows] == [Decimal(5), Decimal(5), Decimal(3)]


def test_a_very_long_line_is_shortened_in_the_echoed_text():
    row = only_row(parse_pasted("CAB-001\t" + "x" * 10_000))

    assert row.error == "bad_quantity"
    assert len(row.text) == MAX_TEXT_LENGTH
    assert row.text.startswith("CAB-001\tx")


# --- header --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "columns"),
    [
        ("SKU\tQty", 2),
        ("sku;quantity", 2),
        ("Article,Quantity", 2),
        ("Code\tName\tQty.", 3),
        ("Barcode;Qty", 2),
        ("EAN-13\tMenge", 2),
        ("GTIN;Description;Quantity", 3),
        ("Item\tDescription\tQty", 3),
        ("Artikel;Bezeichnung;Menge", 3),
        ("Art.-Nr.\tAnzahl", 2),
        ("Artikelnummer;Menge, Stk.", 2),
        ("Position;Bezeichnung;Menge", 3),  # no code word: the quantity word is enough
        ("Артикул;Количество", 2),
        ("Код\tНаименование\tКол-во", 3),
        ("Штрихкод;Количество, шт", 2),
        ("Артикул\tКількість", 2),
        ("Код товару;К-сть", 2),
        ("SKU", 2),
    ],
)
def test_a_header_row_is_recognised_and_skipped(header, columns):
    data = "\t".join(["CAB-001", *["Cable"] * (columns - 2), "2"])

    result = parse_pasted(f"{header}\n{data}")

    assert result.header_skipped is True
    assert pairs(result) == [("CAB-001", Decimal(2))]
    assert result.rows[0].number == 2


def test_a_row_shorter_than_the_header_has_no_quantity():
    """CSV writers leave out trailing empty cells: a missing quantity cell is not an error."""
    result = parse_pasted("SKU;Name;Qty\nCAB-001;Cable")

    assert pairs(result) == [("CAB-001", None)]
    assert result.rows[0].error == ""


def test_the_header_is_the_first_non_blank_line_and_blank_lines_keep_numbering():
    result = parse_pasted("\n  \nSKU;Qty\n\nCAB-001;1\n\t\n;;\nCAB-002;2\n")

    assert result.header_skipped is True
    assert [(row.number, row.code) for row in result.rows] == [(5, "CAB-001"), (8, "CAB-002")]


def test_a_header_says_which_column_is_which():
    result = parse_pasted(
        "Name;SKU;Qty;Price\nCable;CAB-001;3;12.50\nPlug;CAB-002;;9.90\nTool;CAB-003;x;1"
    )

    assert pairs(result) == [
        ("CAB-001", Decimal(3)),
        ("CAB-002", None),  # not the price
        ("CAB-003", None),
    ]
    assert [row.error for row in result.rows] == ["", "", "bad_quantity"]


def test_a_quantity_first_header_is_followed():
    result = parse_pasted("Menge;Artikel\n4;CAB-001")

    assert pairs(result) == [("CAB-001", Decimal(4))]


def test_a_header_written_with_spaces_does_not_move_the_columns():
    result = parse_pasted("Item code  Qty\nCAB-001  5\nCAB-002 Cable 2")

    assert result.header_skipped is True
    assert pairs(result) == [("CAB-001", Decimal(5)), ("CAB-002", Decimal(2))]


def test_without_a_header_the_last_number_is_the_quantity():
    """Documented limitation: with no header, a price column after the quantity wins."""
    row = only_row(parse_pasted("CAB-001\t5\t12.50"))

    assert row.quantity == Decimal("12.5")


@pytest.mark.parametrize(
    "first_line",
    [
        "SKU 5",  # five of the product called "SKU"
        "CAB-001 pcs",  # a unit is not a header
        "Code\t3",
        "CAB-001\tQty\t3",
    ],
)
def test_a_line_with_a_number_is_never_a_header(first_line):
    result = parse_pasted(f"{first_line}\nCAB-002\t1")

    assert result.header_skipped is False
    assert len(result.rows) == 2


def test_a_non_numeric_quantity_after_the_first_line_is_a_row_error_not_a_header():
    result = parse_pasted("CAB-001\t1\nSKU\tQty\nCAB-002\t2")

    assert result.header_skipped is False
    assert [(row.number, row.code, row.error) for row in result.rows] == [
        (1, "CAB-001", ""),
        (2, "SKU", "bad_quantity"),
        (3, "CAB-002", ""),
    ]


# --- whole pastes --------------------------------------------------------------------------


def test_twenty_lines_with_three_bad_ones():
    lines = [f"CAB-{n:03}\t{n}" for n in range(1, 21)]
    lines[4] = "CAB-005\tfive"
    lines[11] = "\t12"
    lines[17] = "CAB-018\t-18"

    result = parse_pasted("\n".join(lines))

    assert result.error == ""
    assert len(result.rows) == 20
    good = [row for row in result.rows if not row.error]
    bad = [(row.number, row.error) for row in result.rows if row.error]
    assert len(good) == 17
    assert all(row.quantity == Decimal(row.number) for row in good)
    assert bad == [(5, "bad_quantity"), (12, "no_code"), (18, "negative_quantity")]


@pytest.mark.parametrize("text", ["", "   ", "\n\n\t\n", ";;;\n,,\n\t\t"])
def test_an_empty_paste(text):
    result = parse_pasted(text)

    assert (result.rows, result.error) == ((), "empty")
    assert result.error in FILE_ERRORS


def test_a_header_alone_is_empty():
    result = parse_pasted("SKU;Qty\n\n")

    assert (result.rows, result.header_skipped, result.error) == ((), True, "empty")


def test_ten_thousand_lines_are_parsed():
    result = parse_pasted("\n".join(f"CAB-{n:05}\t{n}" for n in range(MAX_ROWS)))

    assert result.error == ""
    assert len(result.rows) == MAX_ROWS
    assert result.rows[-1] == ParsedRow(
        number=MAX_ROWS,
        code=f"CAB-{MAX_ROWS - 1:05}",
        quantity=Decimal(MAX_ROWS - 1),
        text=f"CAB-{MAX_ROWS - 1:05}\t{MAX_ROWS - 1}",
    )


def test_a_header_does_not_count_towards_the_row_limit():
    result = parse_pasted("SKU\tQty\n" + "\n".join(f"CAB-{n}\t1" for n in range(MAX_ROWS)))

    assert len(result.rows) == MAX_ROWS


def test_more_than_the_row_limit_is_a_file_error():
    result = parse_pasted("\n".join(f"CAB-{n}\t1" for n in range(MAX_ROWS + 1)))

    assert (result.rows, result.error) == ((), "too_many_rows")
    assert f"{MAX_ROWS:,}" in result.detail


# Arbitrary Unicode: the first run builds Hypothesis' character tables, which is slow.
@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.text())
def test_any_text_parses_into_valid_rows(text):
    check_invariants(parse_pasted(text))


@settings(deadline=None)
@given(st.text(alphabet="0123456789.,;: \t\n\r-+\u2212eE\"'=()ABC\u00a0\u202f\u200bКод"))
def test_number_like_text_parses_into_valid_rows(text):
    check_invariants(parse_pasted(text))


def check_invariants(result: ParseResult) -> None:
    assert result.error in {"", *FILE_ERRORS}
    if result.error:
        assert result.rows == ()
        return
    assert result.rows
    numbers = [row.number for row in result.rows]
    assert numbers == sorted(set(numbers))
    assert all(number >= 1 for number in numbers)
    for row in result.rows:
        assert row.error in {"", *ROW_ERRORS}
        if row.error:
            assert row.quantity is None
        else:
            assert row.code
            assert len(row.code) <= 64
            assert row.quantity is None or 0 < row.quantity <= MAX_QUANTITY


# --- uploads: CSV and text -----------------------------------------------------------------


def test_a_utf8_csv_with_bom():
    data = '\ufeffSKU,Qty\r\nCAB-001,5\r\nCAB-002,"2,5"\r\n'.encode()

    result = parse_upload("order.csv", data)

    assert result.header_skipped is True
    assert pairs(result) == [("CAB-001", Decimal(5)), ("CAB-002", Decimal("2.5"))]
    assert [row.number for row in result.rows] == [2, 3]


def test_a_utf8_csv_without_bom_and_without_header():
    result = parse_upload("order.csv", "КАБ-001;3\nCAB-002;4\n".encode())

    assert pairs(result) == [("КАБ-001", Decimal(3)), ("CAB-002", Decimal(4))]


def test_a_windows_1251_csv_with_a_cyrillic_header():
    text = "Артикул;Наименование;Количество\r\nКАБ-001;Кабель медный;5\r\nCAB-002;Вилка;2,5\r\n"

    result = parse_upload("заказ.csv", text.encode("cp1251"))

    assert result.header_skipped is True
    assert pairs(result) == [("КАБ-001", Decimal(5)), ("CAB-002", Decimal("2.5"))]
    assert result.rows[0].text == "КАБ-001;Кабель медный;5"


def test_a_windows_1252_csv_with_a_western_name_column():
    text = "SKU;Name;Menge\r\nCAB-001;Größe M, weiß;5\r\nCAB-002;Stück für Bäder;1,5\r\n"

    result = parse_upload("bestellung.csv", text.encode("cp1252"))

    assert result.header_skipped is True
    assert pairs(result) == [("CAB-001", Decimal(5)), ("CAB-002", Decimal("1.5"))]
    assert "Größe M, weiß" in result.rows[0].text


def test_a_utf16_text_file_as_excel_saves_unicode_text():
    data = "SKU\tQty\r\nКАБ-001\t7\r\n".encode("utf-16")

    assert pairs(parse_upload("order.txt", data)) == [("КАБ-001", Decimal(7))]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("CAB-001,5\nCAB-002,6\n", [("CAB-001", "5"), ("CAB-002", "6")]),
        ("CAB-001;2,5\nCAB-002;3,5\n", [("CAB-001", "2.5"), ("CAB-002", "3.5")]),
        ("CAB-001\t2,5\nCAB-002\t3\n", [("CAB-001", "2.5"), ("CAB-002", "3")]),
        ("CAB-001|5\nCAB-002|6\n", [("CAB-001", "5"), ("CAB-002", "6")]),
        (
            'CAB-001,"Cable, red",5\nCAB-002,"Plug, 2"" long",6\n',
            [("CAB-001", "5"), ("CAB-002", "6")],
        ),
        ("CAB-001 5\nCAB-002 2,5\n", [("CAB-001", "5"), ("CAB-002", "2.5")]),  # per line
        ("CAB-001\nCAB-002\n", [("CAB-001", None), ("CAB-002", None)]),
    ],
)
def test_csv_delimiters(content, expected):
    result = parse_upload("order.csv", content.encode())

    assert pairs(result) == [
        (code, None if quantity is None else Decimal(quantity)) for code, quantity in expected
    ]


def test_an_excel_separator_hint_names_the_delimiter():
    result = parse_upload("order.csv", b"sep=,\r\nSKU,Qty\r\nCAB-001,5\r\nCAB-002,1\r\n")

    assert pairs(result) == [("CAB-001", Decimal(5)), ("CAB-002", Decimal(1))]
    assert [row.number for row in result.rows] == [2, 3]  # Excel hides the hint line


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="CAB-0123456789.,;|\t \n\r\"'=()Qty\u00a0\u00e4\u0416", max_size=300))
def test_any_csv_text_gives_a_result_not_an_exception(text):
    for encoding in ("utf-8", "cp1251"):
        check_invariants(parse_upload("order.csv", text.encode(encoding, errors="replace")))


def test_csv_row_numbers_count_blank_lines():
    result = parse_upload("order.csv", b"SKU;Qty\n\nCAB-001;1\n;\nCAB-002;x\n")

    assert [(row.number, row.error) for row in result.rows] == [(3, ""), (5, "bad_quantity")]


def test_a_formula_in_a_csv_is_not_evaluated():
    result = parse_upload("order.csv", f"{FORMULA};5\nCAB-002;1\n".encode())

    assert pairs(result) == [(FORMULA, Decimal(5)), ("CAB-002", Decimal(1))]


def test_too_many_csv_rows():
    data = "\n".join(f"CAB-{n};1" for n in range(MAX_ROWS + 1)).encode()

    result = parse_upload("order.csv", data)

    assert (result.rows, result.error) == ((), "too_many_rows")


def test_a_binary_file_named_csv_is_unreadable():
    result = parse_upload("order.csv", b"\x00\x01\x02garbage\x00" * 100)

    assert (result.rows, result.error) == ((), "unreadable")
    assert result.detail


# --- uploads: XLSX -------------------------------------------------------------------------


def test_an_xlsx_with_numbers_stored_by_excel():
    data = xlsx_bytes(
        ("SKU", "Name", "Qty"),
        ("CAB-001", "Cable", 5),
        (4006381333931, "Barcode as int", 2.5),
        (4.006381333931e12, "Barcode as float", 5.0),
        (None, None, None),
        ("CAB-004", "Decimal", Decimal("1.50")),
        ("CAB-005", "No quantity", None),
        ("CAB-006", "Zero", 0),
        ("CAB-007", "Negative", -1.5),
        ("CAB-008", "Text", "1 000"),
        ("CAB-009", "Float noise", 0.1),
        ("CAB-010", "Three decimals", 100.125),  # a typed number is never "ambiguous"
    )

    result = parse_upload("order.xlsx", data)

    assert result.header_skipped is True
    assert [(row.number, row.code, row.quantity, row.error) for row in result.rows] == [
        (2, "CAB-001", Decimal(5), ""),
        (3, "4006381333931", Decimal("2.5"), ""),
        (4, "4006381333931", Decimal(5), ""),
        (6, "CAB-004", Decimal("1.5"), ""),
        (7, "CAB-005", None, ""),
        (8, "CAB-006", None, "negative_quantity"),
        (9, "CAB-007", None, "negative_quantity"),
        (10, "CAB-008", Decimal(1000), ""),
        (11, "CAB-009", Decimal("0.1"), ""),
        (12, "CAB-010", Decimal("100.125"), ""),
    ]
    assert str(result.rows[1].quantity) == "2.5"
    assert str(result.rows[2].quantity) == "5"
    assert result.rows[1].text == "4006381333931\tBarcode as int\t2.5"


def test_xlsx_row_numbers_are_the_sheet_rows():
    data = xlsx_bytes(("CAB-001", 1), (None, None), ("CAB-003", 3), blank_rows_before=2)

    result = parse_upload("order.xlsx", data)

    assert [(row.number, row.code) for row in result.rows] == [(3, "CAB-001"), (5, "CAB-003")]


def test_a_row_at_the_bottom_of_the_sheet_keeps_its_number():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["A1"], sheet["B1"] = "CAB-001", 1
    sheet["A1048576"], sheet["B1048576"] = "CAB-002", 2
    buffer = io.BytesIO()
    workbook.save(buffer)

    result = parse_upload("order.xlsx", buffer.getvalue())

    assert [(row.number, row.code) for row in result.rows] == [(1, "CAB-001"), (1048576, "CAB-002")]


def test_a_formula_stored_as_text_in_an_xlsx_is_just_a_code():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["A1"] = FORMULA
    sheet["A1"].data_type = "s"  # what Excel stores for a cell typed as text
    sheet["B1"] = 5
    buffer = io.BytesIO()
    workbook.save(buffer)

    assert pairs(parse_upload("order.xlsx", buffer.getvalue())) == [(FORMULA, Decimal(5))]


def test_a_formula_in_an_xlsx_is_not_evaluated():
    # A workbook openpyxl writes has no cached formula results: the code cell reads as empty.
    result = parse_upload("order.xlsx", xlsx_bytes((FORMULA, 5), ("CAB-002", 1)))

    assert [(row.code, row.error) for row in result.rows] == [("", "no_code"), ("CAB-002", "")]


def test_an_xlsx_whose_bytes_are_not_a_zip_is_unreadable():
    result = parse_upload("order.xlsx", b"SKU;Qty\nCAB-001;5\n")

    assert (result.rows, result.error) == ((), "unreadable")


def test_a_zip_that_is_not_a_workbook_is_unreadable():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")

    result = parse_upload("order.xlsx", buffer.getvalue())

    assert (result.rows, result.error) == ((), "unreadable")


def test_a_truncated_xlsx_is_unreadable():
    data = xlsx_bytes(("CAB-001", 5))

    assert parse_upload("order.xlsx", data[: len(data) // 2]).error == "unreadable"


def test_a_zip_bomb_is_refused_before_unpacking():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (60 * 1024 * 1024))
    data = buffer.getvalue()
    assert len(data) < MAX_UPLOAD_BYTES

    result = parse_upload("order.xlsx", data)

    assert (result.rows, result.error) == ((), "unreadable")
    assert "50 MB" in result.detail


def test_an_xlsx_renamed_to_csv_is_read_as_xlsx():
    result = parse_upload("order.csv", xlsx_bytes(("CAB-001", 5)))

    assert pairs(result) == [("CAB-001", Decimal(5))]


def test_too_many_xlsx_rows():
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    for n in range(MAX_ROWS + 1):
        sheet.append([f"CAB-{n}", 1])
    buffer = io.BytesIO()
    workbook.save(buffer)

    result = parse_upload("order.xlsx", buffer.getvalue())

    assert (result.rows, result.error) == ((), "too_many_rows")


# --- uploads: file-level errors ------------------------------------------------------------


def test_an_upload_over_the_size_limit_is_refused():
    result = parse_upload("order.csv", b"CAB-001;1\n" * (2 * 1024 * 1024))  # 20 MB

    assert (result.rows, result.error) == ((), "too_large")
    assert "5 MB" in result.detail


def test_an_upload_of_exactly_the_limit_is_read():
    line = b"CAB-001;1\n"
    data = line * (MAX_UPLOAD_BYTES // len(line))
    data += b" " * (MAX_UPLOAD_BYTES - len(data))

    assert parse_upload("order.csv", data).error == "too_many_rows"


@pytest.mark.parametrize("filename", ["order.pdf", "order", "order.xls", "order.csv.exe", ".csv"])
def test_unsupported_file_types(filename):
    result = parse_upload(filename, b"%PDF-1.7 whatever")

    assert (result.rows, result.error) == ((), "unsupported_type")


def test_an_old_xls_file_gets_a_hint():
    result = parse_upload("order.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)

    assert result.error == "unsupported_type"
    assert ".xlsx" in result.detail


@pytest.mark.parametrize("filename", ["ORDER.CSV", "order.TXT", "order.tsv", "C:\\Users\\x\\o.csv"])
def test_extensions_are_matched_case_insensitively(filename):
    assert pairs(parse_upload(filename, b"CAB-001\t1")) == [("CAB-001", Decimal(1))]


@pytest.mark.parametrize(
    ("filename", "data"), [("order.csv", b""), ("order.csv", b"\r\n \n"), ("order.xlsx", b"")]
)
def test_an_empty_upload(filename, data):
    assert parse_upload(filename, data).error == "empty"


def test_an_empty_workbook():
    assert parse_upload("order.xlsx", xlsx_bytes()).error == "empty"


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=2000), st.sampled_from(["order.csv", "order.xlsx"]))
def test_any_bytes_give_a_result_not_an_exception(data, filename):
    check_invariants(parse_upload(filename, data))


@settings(max_examples=25, deadline=None)
@given(st.binary(max_size=500))
def test_any_bytes_after_the_zip_magic_are_unreadable_not_an_exception(data):
    assert parse_upload("order.xlsx", b"PK\x03\x04" + data).error == "unreadable"


def test_every_error_has_a_message():
    assert set(FILE_ERRORS) == {
        "too_large",
        "too_many_rows",
        "unreadable",
        "empty",
        "unsupported_type",
    }
    assert {"no_code", "bad_quantity", "negative_quantity", "quantity_too_large"} <= set(ROW_ERRORS)
    assert all(message.endswith(".") for message in [*ROW_ERRORS.values(), *FILE_ERRORS.values()])


# --- exports -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "  =1", "-", "=", FORMULA, "\n=1", "\tplain"],
)
def test_neutralise_cell_quotes_formula_starts(value):
    assert neutralise_cell(value) == "'" + value


@pytest.mark.parametrize(
    "value", ["", "CAB-001", "Cable, 2 m", "1+1", "a=b", "'=1", "4006381333931", "Größe", " x-1"]
)
def test_neutralise_cell_leaves_ordinary_values_alone(value):
    assert neutralise_cell(value) == value


@given(st.text())
def test_neutralise_cell_never_leaves_a_formula_start(value):
    result = neutralise_cell(value)

    assert result in {value, "'" + value}
    assert not re.match(r"\s*[=+\-@\t\r]", result)
    assert neutralise_cell(result) == result

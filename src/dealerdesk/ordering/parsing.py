"""Reading a "quick order": lines of SKU-or-barcode and quantity, pasted or uploaded.

Dealers copy these blocks out of Excel, ERP exports and e-mails, so the input is messy: any
of tab, semicolon, comma or spaces between the columns, decimal commas, thousands separators,
a header row in one of four languages, Windows code pages instead of UTF-8. This module turns
all of that into plain ``ParsedRow`` values and never touches the database: matching codes to
products, minimum quantities and prices are the caller's business.

Every problem in one line is reported on that line (``ParsedRow.error``) so the dealer can fix
it and keep the rest; only a problem with the input as a whole (too big, unreadable, empty)
is reported on the ``ParseResult``, and then no rows are returned at all.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import PurePath
from typing import NamedTuple, TypeAlias

import openpyxl
from charset_normalizer import from_bytes

MAX_ROWS = 10_000
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
# An .xlsx is a ZIP: 5 MB of it can unpack to gigabytes. Real order lists stay far below this.
MAX_XLSX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_CODE_LENGTH = 64
MAX_QUANTITY = Decimal(10**8)
# Columns read from a spreadsheet row; order lists have a handful, a stray cell in column XFD
# must not make every row 16,384 cells wide.
MAX_COLUMNS = 64
# ParsedRow.text is shown back next to an error; a megabyte-long "line" must not be.
MAX_TEXT_LENGTH = 200
# csv.Sniffer gets slow on large samples and the first lines tell all there is to tell.
SNIFF_SAMPLE_LINES = 50
SNIFF_SAMPLE_CHARS = 32 * 1024

ROW_ERRORS: dict[str, str] = {
    "no_code": "No SKU or barcode in this line.",
    "code_too_long": "The SKU or barcode is too long.",
    "bad_quantity": "The quantity is not a number.",
    "ambiguous_quantity": (
        "The quantity can be read two ways (is 1,000 one thousand or one?). "
        "Write it without a thousands separator."
    ),
    "negative_quantity": "The quantity must be more than zero.",
    "quantity_too_large": "The quantity is too large.",
}

FILE_ERRORS: dict[str, str] = {
    "too_large": "The file is too large.",
    "too_many_rows": "There are too many lines.",
    "unreadable": "The file could not be read as CSV or Excel (.xlsx).",
    "empty": "There is nothing to order in it.",
    "unsupported_type": "This type of file is not supported; upload a .csv, .txt or .xlsx file.",
}

TEXT_EXTENSIONS = frozenset({".csv", ".txt", ".tsv"})
XLSX_EXTENSIONS = frozenset({".xlsx"})
ZIP_MAGIC = b"PK\x03\x04"
# The old binary Excel format (.xls) and other OLE2 files.
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True)
class ParsedRow:
    """One line of the order as read, good or bad; ``number`` is what the dealer sees."""

    number: int
    code: str
    quantity: Decimal | None
    text: str
    error: str = ""


@dataclass(frozen=True)
class ParseResult:
    """All data rows of one paste or file, or a file-level ``error`` and no rows at all."""

    rows: tuple[ParsedRow, ...]
    header_skipped: bool
    error: str = ""
    detail: str = ""


# A cell is text, or a number a spreadsheet already typed (and so is never ambiguous).
Cell: TypeAlias = str | Decimal


class _Record(NamedTuple):
    """One line or row of the input, split into cells."""

    number: int
    cells: Sequence[Cell]
    text: str
    # False for a line split at spaces: a header's column positions then mean nothing
    # ("Item code Qty" is three words but two columns).
    positional: bool = True


@dataclass(frozen=True)
class _Layout:
    """Which column holds the code and which the quantity, as a header row says."""

    code: int = 0
    quantity: int | None = None


# --- cleaning --------------------------------------------------------------------------------

# Zero-width characters come along with copies from web pages and e-mails and are invisible.
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
_QUOTES = "\"'\u2018\u2019\u201a\u201b\u201c\u201d\u201e\u201f\u00ab\u00bb"
# \s is Unicode-aware: it also covers NBSP, thin and the other Unicode spaces.
_EDGE = re.compile(f"[\\s{_QUOTES}]*")


def _clean(value: str) -> str:
    """The cell as meant: no surrounding space or quotes, no invisible characters.

    Both ends are matched from their own side (the right one on the reversed text): a
    pattern anchored at the end would take quadratic time on a long cell full of spaces.
    """
    text = _ZERO_WIDTH.sub("", value)
    start = _edge_length(text)
    if start == len(text):
        return ""
    return text[start : len(text) - _edge_length(text[::-1])]


def _edge_length(text: str) -> int:
    match = _EDGE.match(text)
    return match.end() if match else 0


def _cell_text(cell: Cell) -> str:
    """A cell as text; numbers Excel stored (EAN-13 as 4.006381333931e12) as plain digits."""
    if isinstance(cell, str):
        return cell
    if cell.is_nan() or cell.is_infinite():
        return str(cell)
    if cell == cell.to_integral_value():
        return format(cell.to_integral_value(), "f")
    return format(cell.normalize(), "f")


def _is_blank(cells: Sequence[Cell]) -> bool:
    """A line of nothing but spaces and separators: skipped, yet it still counts as a line."""
    return all(isinstance(cell, str) and not _clean(cell) for cell in cells)


def _shorten(text: str) -> str:
    if len(text) <= MAX_TEXT_LENGTH:
        return text
    return text[: MAX_TEXT_LENGTH - 1] + "\u2026"


# --- quantities ------------------------------------------------------------------------------

# Spaces people and spreadsheets put between thousands: space, NBSP, figure, thin and narrow
# NBSP, and the Swiss apostrophe.
_GROUP_SPACES = " \u00a0\u2007\u2009\u202f'\u2019"
_SIGNED = re.compile("([+\\-\u2212]?)\\s*(.*)", re.DOTALL)
_NUMBER_CHARS = re.compile(f"[0-9.,{_GROUP_SPACES}]+")
_SPACE_GROUPED = re.compile(f"[0-9]{{1,3}}(?:[{_GROUP_SPACES}][0-9]{{3}})+")
# "1,000" or "1.000": a thousands separator (one thousand) or a decimal one (one)?
_AMBIGUOUS = re.compile("[1-9][0-9]{0,2}[.,][0-9]{3}")


def _grouped(integer: str, separator: str) -> bool:
    """True when ``integer`` is digits grouped in threes by ``separator`` ("1,234,567")."""
    head, *groups = integer.split(separator)
    return (
        bool(groups)
        and 1 <= len(head) <= 3
        and head.isdigit()
        and all(len(group) == 3 and group.isdigit() for group in groups)
    )


def _plain_number(body: str) -> str | None:
    """``body`` (digits and separators) as "1234.5", "ambiguous", or None if not a number."""
    if not _NUMBER_CHARS.fullmatch(body) or not any(char.isdigit() for char in body):
        return None
    decimal_marks = [char for char in body if char in ".,"]
    if any(char in _GROUP_SPACES for char in body):
        # With spaces between the thousands, a dot or comma can only be the decimal mark.
        if len(decimal_marks) > 1:
            return None
        integer, _, fraction = body.replace(",", ".").partition(".")
        if not _SPACE_GROUPED.fullmatch(integer) or (decimal_marks and not fraction.isdigit()):
            return None
        digits = "".join(char for char in integer if char.isdigit())
        return f"{digits}.{fraction}" if fraction else digits
    if not decimal_marks:
        return body
    kinds = set(decimal_marks)
    if len(kinds) == 2:
        # "1,000.5" and "1.000,5": the last mark is the decimal one, the other groups thousands.
        mark = decimal_marks[-1]
        thousands = "," if mark == "." else "."
        integer, _, fraction = body.rpartition(mark)
        if not _grouped(integer, thousands) or not fraction.isdigit():
            return None
        return f"{integer.replace(thousands, '')}.{fraction}"
    (mark,) = kinds
    if len(decimal_marks) > 1:
        return body.replace(mark, "") if _grouped(body, mark) else None
    if _AMBIGUOUS.fullmatch(body):
        return "ambiguous"
    integer, _, fraction = body.partition(mark)
    if not fraction.isdigit() or not (integer == "" or integer.isdigit()):
        return None
    return f"{integer or '0'}.{fraction}"


def _tidy(value: Decimal) -> Decimal:
    """5.0 -> 5 and 2.50 -> 2.5, so the quantity reads back the way a person writes it."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def _check_range(value: Decimal) -> tuple[Decimal | None, str]:
    if value <= 0:
        return None, "negative_quantity"
    if value > MAX_QUANTITY:
        return None, "quantity_too_large"
    return _tidy(value), ""


def _read_quantity(cell: Cell) -> tuple[Decimal | None, str]:
    """(quantity, "") or (None, a ROW_ERRORS code); (None, "") for a blank cell.

    Exponents ("1e5"), NaN and Infinity are refused: nobody orders them on purpose, and they
    are what a spreadsheet shows for a broken formula or an over-long number.
    """
    if isinstance(cell, Decimal):
        if not cell.is_finite():
            return None, "bad_quantity"
        return _check_range(cell)
    text = _clean(cell)
    if not text:
        return None, ""
    match = _SIGNED.fullmatch(text)
    if match is None:  # pragma: no cover - the pattern matches any text
        return None, "bad_quantity"
    sign, body = match.groups()
    plain = _plain_number(body)
    if plain is None:
        return None, "bad_quantity"
    if sign in {"-", "\u2212"}:
        return None, "negative_quantity"
    if plain == "ambiguous":
        return None, "ambiguous_quantity"
    try:
        value = Decimal(plain)
    except InvalidOperation:  # pragma: no cover - _plain_number only lets digits through
        return None, "bad_quantity"
    return _check_range(value)


def read_quantity(text: str) -> tuple[Decimal | None, str]:
    """One quantity typed into a box, read by the same rules as a pasted row: (quantity,
    "") or (None, a ROW_ERRORS code); (None, "") when nothing was typed."""
    return _read_quantity(text[:64])


def _is_number(cell: Cell) -> bool:
    """True for a cell written as a number, even a wrong one ("-5", "0", "1,000").

    "1e5", "NaN" and words are not numbers: they do not pick the quantity column.
    """
    if isinstance(cell, Decimal):
        return True
    value, error = _read_quantity(cell)
    return value is not None or error not in {"", "bad_quantity"}


# --- header ----------------------------------------------------------------------------------


def _header_key(text: str) -> str:
    """ "Art.-Nr." -> "art nr", "Кол-во" -> "кол во": header words compared loosely."""
    return " ".join(re.sub(r"[\-._/#№:()\[\],*]", " ", _clean(text).casefold()).split())


def _keys(*words: str) -> frozenset[str]:
    return frozenset(_header_key(word) for word in words)


# Headers that name the code column for sure, in English, German, Russian and Ukrainian.
_CODE_WORDS = _keys(
    "sku",
    "article",
    "article no",
    "article number",
    "art",
    "art. no.",
    "art.-nr.",
    "artnr",
    "artikel",
    "artikelnummer",
    "artikel-nr",
    "artikelcode",
    "bestellnummer",
    "best.-nr.",
    "materialnummer",
    "code",
    "item code",
    "item no",
    "item number",
    "product code",
    "product no",
    "part no",
    "part number",
    "mpn",
    "p/n",
    "ref",
    "reference",
    "barcode",
    "bar code",
    "strichcode",
    "ean",
    "ean13",
    "ean-13",
    "gtin",
    "upc",
    "артикул",
    "артикул товара",
    "артикул товару",
    "код",
    "код товара",
    "код товару",
    "штрихкод",
    "штрих-код",
)
# Headers that usually name the code column but lose to a word above in the same row.
_WEAK_CODE_WORDS = _keys("item", "product", "produkt", "товар")
# Headers of the quantity column, also matched by their first word ("Menge, Stk."). Units
# alone ("pcs", "шт") are left out: "CAB-001 pcs" as a first line is an order, not a header.
_QUANTITY_WORDS = _keys(
    "qty",
    "quantity",
    "quant",
    "order qty",
    "order quantity",
    "menge",
    "bestellmenge",
    "anzahl",
    "stück",
    "stückzahl",
    "количество",
    "кол-во",
    "кол",
    "кількість",
    "к-сть",
)


def _is_quantity_word(key: str) -> bool:
    return key in _QUANTITY_WORDS or key.partition(" ")[0] in _QUANTITY_WORDS


def _find(keys: Sequence[str | None], words: frozenset[str]) -> int | None:
    return next((index for index, key in enumerate(keys) if key in words), None)


def _quantity_cell(cells: Sequence[Cell], layout: _Layout | None) -> Cell:
    """The cell that holds the quantity.

    A header names it; otherwise it is the last cell that is a number (so "SKU, name, qty"
    and "SKU, qty, unit" both work), or, with no number in the line, the last cell, so that
    "CAB-001;five" is a bad quantity and "CAB-001" alone simply has none.
    """
    if layout is not None and layout.quantity is not None:
        return cells[layout.quantity] if layout.quantity < len(cells) else ""
    code_index = layout.code if layout is not None else 0
    others = [cell for index, cell in enumerate(cells) if index != code_index]
    numbers = [cell for cell in others if _is_number(cell)]
    if numbers:
        return numbers[-1]
    return others[-1] if others else ""


def _read_header(cells: Sequence[Cell]) -> _Layout | None:
    """The layout a header row gives, or None when the row is data.

    A header names a column with a known word (SKU, Artikel, Количество, ...) and has no
    number in it: "SKU 5" is an order for five of the product "SKU".
    """
    if any(_is_number(cell) for cell in cells):
        return None
    keys = [_header_key(cell) if isinstance(cell, str) else None for cell in cells]
    code = _find(keys, _CODE_WORDS)
    if code is None:
        code = _find(keys, _WEAK_CODE_WORDS)
    quantity = next(
        (index for index, key in enumerate(keys) if key is not None and _is_quantity_word(key)),
        None,
    )
    if code is None and quantity is None:
        return None
    if code is None:
        code = 1 if quantity == 0 else 0
    return _Layout(code=code, quantity=quantity)


# --- rows ------------------------------------------------------------------------------------


def _parse_row(number: int, cells: Sequence[Cell], text: str, layout: _Layout | None) -> ParsedRow:
    """One data row: the code, the quantity and the first thing wrong with them, if any."""
    code_index = layout.code if layout is not None else 0
    code = _clean(_cell_text(cells[code_index])) if code_index < len(cells) else ""
    quantity, error = _read_quantity(_quantity_cell(cells, layout))
    if not code:
        error = "no_code"
    elif len(code) > MAX_CODE_LENGTH:
        error = "code_too_long"
    return ParsedRow(
        number=number,
        code=code,
        quantity=quantity if not error else None,
        text=_shorten(text),
        error=error,
    )


def _collect(records: Iterable[_Record]) -> ParseResult:
    """Rows out of numbered records: blanks and a leading header left out, the limit kept."""
    rows: list[ParsedRow] = []
    layout: _Layout | None = None
    header_skipped = False
    first = True
    for number, cells, text, positional in records:
        if _is_blank(cells):
            continue
        if first:
            first = False
            layout = _read_header(cells)
            if layout is not None:
                header_skipped = True
                layout = layout if positional else None
                continue
        rows.append(_parse_row(number, cells, text, layout))
        if len(rows) > MAX_ROWS:
            return ParseResult(
                rows=(),
                header_skipped=header_skipped,
                error="too_many_rows",
                detail=f"At most {MAX_ROWS:,} lines can be ordered at once.",
            )
    if not rows:
        detail = "There is only a header row." if header_skipped else ""
        return ParseResult(rows=(), header_skipped=header_skipped, error="empty", detail=detail)
    return ParseResult(rows=tuple(rows), header_skipped=header_skipped)


# --- splitting pasted lines ------------------------------------------------------------------

_LINE_BREAK = re.compile("\r\n|\r|\n")
_MAX_NUMBER_WORDS = 6


def _split_delimited(line: str, delimiter: str) -> list[str]:
    """Split on ``delimiter``, but not inside a quoted cell or a formula's brackets.

    Quotes only count at the start of a cell (as in CSV), so the inch mark in ``Cable 2"``
    does not swallow the rest of the line; inside a formula (``=HYPERLINK("a","b")``) quotes
    and brackets are tracked too, so that the formula stays one cell, never evaluated. An
    unbalanced quote or bracket falls back to a plain split.
    """
    cells: list[str] = []
    current: list[str] = []
    started = formula = in_quotes = just_closed = False
    depth = 0
    for char in line:
        if in_quotes:
            current.append(char)
            if char == '"':
                in_quotes, just_closed = False, True
            continue
        if char == '"' and (not started or formula or just_closed):
            in_quotes = True  # opens a quoted cell, a formula's string, or is a doubled ""
        elif formula and char == "(":
            depth += 1
        elif formula and char == ")":
            depth = max(depth - 1, 0)
        elif char == delimiter and depth == 0:
            cells.append("".join(current))
            current = []
            started = formula = just_closed = False
            continue
        just_closed = False
        if not started and not char.isspace():
            started, formula = True, char == "="
        current.append(char)
    if in_quotes or depth:
        return line.split(delimiter)
    cells.append("".join(current))
    return [_unquote(cell) for cell in cells]


def _unquote(cell: str) -> str:
    """Undo the quoting spreadsheets put around a cell that holds a separator or a quote.

    A quoted cell loses its outer quotes and each doubled quote inside becomes one.
    """
    stripped = cell.strip()
    if len(stripped) >= 2 and stripped[0] == stripped[-1] == '"':
        return stripped[1:-1].replace('""', '"')
    return cell


def _split_spaces(line: str) -> list[str]:
    """ "CAB-001 5", and "CAB-001 1 000" (one thousand, spaces between the thousands)."""
    words = line.split()
    # A number is at most a sign and a few groups of thousands: "- 1 000 000 000".
    for start in range(max(1, len(words) - _MAX_NUMBER_WORDS), len(words)):
        tail = " ".join(words[start:])
        if _is_number(tail):
            return [*words[:start], tail]
    return words


def _comma_is_decimal(line: str) -> bool:
    """True for "CAB-001 2,5": every comma sits in a number after the first word."""
    cells = _split_spaces(line)
    return (
        len(cells) >= 2
        and "," not in cells[0]
        and all(_is_number(cell) for cell in cells[1:] if "," in cell)
    )


def _split_line(line: str) -> list[str]:
    """Cells of one pasted line, choosing the separator the way the line was written.

    Tab first (what Excel copies), then semicolon (European CSV), then a comma that is not a
    decimal comma ("CAB-001,5" is five, "CAB-001 2,5" is two and a half), else runs of spaces.
    """
    if "\t" in line:
        return _split_delimited(line, "\t")
    if ";" in line:
        return _split_delimited(line, ";")
    if "," in line and not _comma_is_decimal(line):
        if '"' not in line and re.search(r",\s", line):
            # "CAB-001, 2,5": the comma followed by a space separates, the other is decimal.
            cells = re.split(r",\s+", line)
            if all("," not in cell or _is_number(cell) for cell in cells[1:]):
                return [_unquote(cell) for cell in cells]
        return _split_delimited(line, ",")
    return _split_spaces(line)


def _line_records(text: str) -> Iterator[_Record]:
    for number, line in enumerate(_LINE_BREAK.split(text), start=1):
        if line and not line.isspace():  # a cheap skip for the common blank line
            cells = _split_line(line)
            yield _Record(number, cells, line, positional=any(sep in line for sep in "\t;,"))


def parse_pasted(text: str) -> ParseResult:
    """Read a block pasted from Excel or an e-mail: one item a line, numbered as the dealer
    sees them (blank lines count). NUL characters, which no code contains and PostgreSQL
    refuses in text, are dropped."""
    return _collect(_line_records(text.replace("\x00", "")))


def parse_typed(code: str, quantity: str) -> ParsedRow:
    """One line typed into a code box and a quantity box, read by the rules of a pasted
    line (never as a header; no quantity takes the minimum). NUL characters are dropped."""
    code = code.replace("\x00", "")[:MAX_TEXT_LENGTH]
    quantity = quantity.replace("\x00", "")[:64]
    text = f"{_clean(code)} {_clean(quantity)}".strip()
    return _parse_row(1, [code, quantity], _shorten(text), _Layout(code=0, quantity=1))


# --- uploads ---------------------------------------------------------------------------------


def _file_error(code: str, detail: str = "") -> ParseResult:
    return ParseResult(rows=(), header_skipped=False, error=code, detail=detail)


def _decode(data: bytes) -> tuple[str, str]:
    """The text and the encoding it was read with.

    Strict UTF-8 first (with or without the BOM Excel writes): a Windows code page almost
    never decodes as valid UTF-8 by accident. Then UTF-16 with a BOM (Excel's "Unicode text").
    Then the two code pages our dealers' Excel writes, windows-1251 (Cyrillic) and -1252
    (Western), told apart by charset_normalizer; when it cannot say, windows-1252.
    """
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace"), "utf-16"
    best = from_bytes(data, cp_isolation=["cp1251", "cp1252"]).best()
    encoding = best.encoding if best is not None else "cp1252"
    if encoding not in {"cp1251", "cp1252"}:
        encoding = "cp1252"
    return data.decode(encoding, errors="replace"), encoding


def _sniff_delimiter(text: str) -> str | None:
    """The CSV delimiter, or None when the lines should be split one by one like a paste.

    csv.Sniffer prefers "," when several characters fit, which is wrong for the European
    "CAB-001;2,5": a semicolon or tab that is on every line wins over such a comma.
    """
    lines = [line for line in _LINE_BREAK.split(text[:SNIFF_SAMPLE_CHARS]) if line.strip()]
    sample = "\n".join(lines[:SNIFF_SAMPLE_LINES])
    if not sample:
        return None
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        return None
    if delimiter == ",":
        for stronger in ("\t", ";"):
            if all(stronger in line for line in lines[:SNIFF_SAMPLE_LINES]):
                return stronger
    return delimiter


# Excel writes and reads a first line "sep=;" that names the delimiter.
_SEPARATOR_HINT = re.compile("sep=([,;\t|])[ \t]*(?:\r\n|\r|\n)", re.IGNORECASE)


def _csv_records(text: str, delimiter: str) -> Iterator[_Record]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, skipinitialspace=True)
    for number, cells in enumerate(reader, start=1):
        if cells:  # the reader gives [] for an empty line; it still counts
            yield _Record(number, cells[:MAX_COLUMNS], delimiter.join(cells))


def _parse_text_file(data: bytes) -> ParseResult:
    text, encoding = _decode(data)
    if "\x00" in text:
        return _file_error("unreadable", f"It is not a text file (read as {encoding}).")
    hint = _SEPARATOR_HINT.match(text)
    if hint is not None:
        # Excel reads the hint and does not show it as a row: neither do the row numbers.
        text = text[hint.end() :]
        delimiter: str | None = hint.group(1)
    else:
        delimiter = _sniff_delimiter(text)
    if delimiter is None:
        return _collect(_line_records(text))
    try:
        return _collect(_csv_records(text, delimiter))
    except csv.Error as error:
        return _file_error("unreadable", f"{error} (read as {encoding}).")


def _xlsx_cell(value: object) -> Cell:
    """A spreadsheet value as a cell; a float goes through its shortest repr, so the 2.5 the
    dealer typed is 2.5 and not 2.5000000000000000001."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, Decimal):
        return value
    return str(value)


def _xlsx_records(data: bytes) -> list[_Record]:
    """The rows of the first worksheet, stopping soon after more than MAX_ROWS have data."""
    records: list[_Record] = []
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        # Some programs write a wrong size into the sheet; read what is really there.
        sheet.reset_dimensions()
        filled = 0
        rows = sheet.iter_rows(min_row=1, max_col=MAX_COLUMNS, values_only=True)
        for number, values in enumerate(rows, start=1):
            if values.count(None) == len(values):  # openpyxl's filler rows for gaps, fast
                continue
            cells = [_xlsx_cell(value) for value in values]
            while cells and cells[-1] == "":
                cells.pop()
            if _is_blank(cells):
                continue
            records.append(_Record(number, cells, "\t".join(_cell_text(cell) for cell in cells)))
            filled += 1
            if filled > MAX_ROWS + 1:  # one more for a header
                break
    finally:
        workbook.close()
    return records


def _parse_xlsx(data: bytes) -> ParseResult:
    if not data.startswith(ZIP_MAGIC):
        return _file_error("unreadable", "It is not an Excel .xlsx file.")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return _file_error("unreadable", "It is not an Excel .xlsx file.")
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        return _file_error(
            "unreadable",
            f"It unpacks to more than {MAX_XLSX_UNPACKED_BYTES // (1024 * 1024)} MB.",
        )
    try:
        records = _xlsx_records(data)
    # openpyxl reports a damaged file with whatever its parsers raise (KeyError, ValueError,
    # XML and ZIP errors, ...): any of them means "we cannot read this file".
    except Exception:
        return _file_error("unreadable", "The Excel file is damaged or not a workbook.")
    return _collect(records)


def parse_upload(filename: str, data: bytes) -> ParseResult:
    """Read an uploaded .csv/.txt/.tsv or .xlsx order list.

    The caller should refuse ``upload.size > MAX_UPLOAD_BYTES`` before reading the upload at
    all; the same check here only guards callers that did not. A text file that is really a
    ZIP is read as the .xlsx it is (people rename files); an .xlsx that is not a ZIP is not.
    """
    if len(data) > MAX_UPLOAD_BYTES:
        return _file_error(
            "too_large", f"Files up to {MAX_UPLOAD_BYTES // (1024 * 1024)} MB can be uploaded."
        )
    extension = PurePath(filename.replace("\\", "/")).suffix.lower()
    if extension not in TEXT_EXTENSIONS | XLSX_EXTENSIONS:
        detail = "Save it from Excel as .xlsx or .csv." if data.startswith(OLE_MAGIC) else ""
        return _file_error("unsupported_type", detail)
    if not data.strip():
        return _file_error("empty")
    if extension in XLSX_EXTENSIONS or data.startswith(ZIP_MAGIC):
        return _parse_xlsx(data)
    if data.startswith(OLE_MAGIC):
        return _file_error("unreadable", "It is an old Excel .xls file; save it as .xlsx or .csv.")
    return _parse_text_file(data)


# --- exports ---------------------------------------------------------------------------------

_FORMULA_START = re.compile(r"\s*[=+\-@\t\r]")


def neutralise_cell(value: str) -> str:
    """A text cell safe to write into a CSV/XLSX export ("CSV injection").

    Spreadsheet apps run a cell that starts with = + - @ (or a tab/CR before one) as a
    formula, and a product name or note is text the dealer or the ERP wrote. Such a cell gets
    a leading single quote, which the apps show as text. A lone "-" (an "empty" marker) is
    quoted too: the rule stays one simple rule. Numbers must be written as numeric cells, not
    through this function, or -5 would turn into the text '-5.
    """
    return "'" + value if _FORMULA_START.match(value) else value

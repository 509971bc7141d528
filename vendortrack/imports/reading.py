"""Turning an uploaded file into tables of cells, or refusing it in people's words.

``.xlsx`` is read with openpyxl in read-only (streaming) mode after the zip's declared sizes
are checked, so a zip bomb is refused before anything is unpacked; ``.csv`` is decoded from
UTF-8 (with or without BOM), UTF-16 or cp1252, with ``,`` ``;`` or tab as delimiter.
"""
from __future__ import annotations

import csv
import io
import warnings
import zipfile
from dataclasses import dataclass, field

from .columns import SHEETS_BY_NAME, normalise

MAX_BYTES = 20 * 1024 * 1024
MAX_REQUEST = MAX_BYTES + 64 * 1024  # an upload: the file and the form around it
MAX_UNPACKED = 250 * 1024 * 1024  # what all parts of a workbook may unpack to
MAX_RATIO = 200  # unpacked / packed size of one part; real sheets stay far below
MAX_PARTS = 5000
MAX_ROWS = 100_000
BINARY_MAGIC = (b"MZ", b"\x7fELF", b"%PDF", b"\xd0\xcf\x11\xe0", b"\xca\xfe\xba\xbe",
                b"\xcf\xfa\xed\xfe", b"Rar!", b"\x1f\x8b", b"7z\xbc\xaf")


class Refused(ValueError):
    """The file cannot be imported at all; the message says why and what to do."""


@dataclass
class Table:
    """One sheet: its headers and its non-empty rows as (row number, cells)."""

    name: str
    headers: list[str]
    rows: list[tuple[int, list]] = field(default_factory=list)
    formulas: set[tuple[int, int]] = field(default_factory=set)  # (row number, column)

    def column(self, position: int) -> list:
        return [cells[position] for _, cells in self.rows]


@dataclass
class Upload:
    kind: str  # "xlsx" or "csv"
    main: Table
    sheets: dict[str, Table] = field(default_factory=dict)  # section -> table
    notes: list[str] = field(default_factory=list)


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _table(name: str, rows, formulas: set | None = None) -> Table:
    """Headers from the first non-empty row; empty rows skipped, trailing blank columns cut.

    ``formulas`` holds the (row number, column) of cells that are formulas in the workbook.
    """
    table: Table | None = None
    width = 0
    for number, cells in enumerate(rows, start=1):
        cells = list(cells)
        if all(_blank(c) for c in cells):
            continue
        if table is None:
            while cells and _blank(cells[-1]):
                cells.pop()
            width = len(cells)
            headers = [str(c).strip() if not _blank(c) else "" for c in cells]
            table = Table(name, headers)
            continue
        if len(table.rows) >= MAX_ROWS:
            raise Refused(f"The sheet “{name}” has more than {MAX_ROWS:,} rows; "
                          "split it into several files.")
        extra = [c for c in cells[width:] if not _blank(c)]
        if extra:  # data beyond the last header: give those columns names
            while len(table.headers) < len(cells) and any(
                    not _blank(c) for c in cells[len(table.headers):]):
                table.headers.append("")
            width = len(table.headers)
        cells = (cells + [None] * width)[:width]
        table.rows.append((number, cells))
    if table is not None and formulas:
        table.formulas = {(r, c) for r, c in formulas if c < len(table.headers)}
    if table is None:
        return Table(name, [])
    table.headers = [h or f"Column {_letter(i)}" for i, h in enumerate(table.headers)]
    return table


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


# --- CSV -----------------------------------------------------------------------------------

def decode(data: bytes) -> tuple[str, str]:
    """The text and the encoding it was in."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            raise Refused("The file says it is UTF-16 text but is not; save it again as "
                          "CSV UTF-8.") from None
    if b"\x00" in data[:8192]:
        raise Refused("This is not a CSV text file (it contains binary data). Save the "
                      "register from your spreadsheet as .xlsx or as CSV.")
    for encoding, name in (("utf-8-sig", "UTF-8"), ("cp1252", "Windows-1252")):
        try:
            return data.decode(encoding), name
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), "Latin-1"


def delimiter(text: str) -> str:
    sample = text[:65536]
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        first = next((line for line in sample.splitlines() if line.strip()), "")
        return max(",;\t", key=first.count)


def read_csv(data: bytes) -> Upload:
    text, encoding = decode(data)
    sep = delimiter(text)
    try:
        rows = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
        table = _table("CSV", rows)
    except csv.Error as error:
        raise Refused(f"The CSV file could not be read ({error}).") from None
    names = {",": "commas", ";": "semicolons", "\t": "tabs"}
    return Upload("csv", table, notes=[f"Read as {encoding} text, columns separated by "
                                       f"{names[sep]}."])


# --- XLSX ----------------------------------------------------------------------------------

def check_zip(data: bytes) -> None:
    """Refuse a workbook whose parts would unpack to too much, before unpacking anything."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise Refused("This file is not a real .xlsx workbook. Open it in your spreadsheet "
                      "and save it as .xlsx or as CSV.") from None
    with archive:
        parts = archive.infolist()
        if len(parts) > MAX_PARTS:
            raise Refused("This workbook has too many parts to be a register.")
        total = 0
        for part in parts:
            total += part.file_size
            if total > MAX_UNPACKED or (part.file_size > 1024 * 1024 and part.file_size
                                        > MAX_RATIO * max(part.compress_size, 1)):
                raise Refused("This workbook would unpack to far more than its size "
                              "suggests, so it was refused unopened. Save the register "
                              "again from your spreadsheet.")
        if "[Content_Types].xml" not in archive.namelist():
            raise Refused("This file is not a real .xlsx workbook. Open it in your "
                          "spreadsheet and save it as .xlsx or as CSV.")


def read_xlsx(data: bytes) -> Upload:
    from openpyxl import load_workbook

    check_zip(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles it ignores
            values = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds on damaged files
        raise Refused("This workbook could not be opened. Open it in your spreadsheet and "
                      "save it again as .xlsx.") from None
    try:
        names = values.sheetnames
        if not names:
            raise Refused("This workbook has no sheets.")
        main_name = next((n for n in names if normalise(n) == "engagements"), names[0])
        main = _sheet(values, main_name)
        sheets = {}
        for name in names:
            sheet = SHEETS_BY_NAME.get(normalise(name))
            if sheet is not None and name != main_name:
                sheets[sheet.section] = _sheet(values, name)
        return Upload("xlsx", main, sheets)
    except Refused:
        raise
    except Exception:
        raise Refused("This workbook could not be read. Open it in your spreadsheet and "
                      "save it again as .xlsx.") from None
    finally:
        values.close()


def _sheet(values, name: str) -> Table:
    from .workbook_parser import SheetParser

    sheet = values[name]
    with values._archive.open(sheet._worksheet_path) as source:
        parser = SheetParser(
            source, sheet._shared_strings, data_only=True, epoch=values.epoch,
            date_formats=values._date_formats, timedelta_formats=values._timedelta_formats)
        # _table reads parser.formulas after the last row, when the parser has filled it
        return _table(name, _numbered(parser.parse()), parser.formulas)


def _numbered(parsed):
    """Each row's values from row 1 on (missing rows empty), as openpyxl's iter_rows gives."""
    expected = 1
    for number, cells in parsed:
        if number < expected:
            continue
        while expected < number:
            expected += 1
            yield []
        row = [None] * max((cell["column"] for cell in cells), default=0)
        for cell in cells:
            row[cell["column"] - 1] = cell["value"]
        expected += 1
        yield row


def read(data: bytes, filename: str) -> Upload:
    """The upload's tables, or :class:`Refused` with the reason."""
    if len(data) > MAX_BYTES:
        raise Refused(f"The file is {len(data) / 1024 / 1024:.1f} MB; files up to 20 MB can "
                      "be imported. Split the register into several files.")
    if not data.strip():
        raise Refused("The file is empty.")
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if suffix in ("xlsx", "xlsm"):
        if not data.startswith(b"PK\x03\x04"):
            raise Refused("This file is called .xlsx but is not an Excel workbook. Open it in "
                          "your spreadsheet and save it as .xlsx or as CSV.")
        return read_xlsx(data)
    if suffix in ("csv", "txt", "tsv"):
        if data.startswith(BINARY_MAGIC) or data.startswith(b"PK\x03\x04"):
            raise Refused("This file is called .csv but is not text (it looks like a program "
                          "or another binary file). Save the register from your spreadsheet "
                          "as CSV or .xlsx.")
        return read_csv(data)
    if suffix in ("xls", "ods", "numbers"):
        raise Refused(f"A .{suffix} file cannot be read; save it as .xlsx or CSV first.")
    raise Refused("Choose an Excel workbook (.xlsx) or a CSV file (.csv).")

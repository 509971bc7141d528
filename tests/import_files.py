"""Builders of real spreadsheet files for the import tests, written with openpyxl and csv."""
from __future__ import annotations

import csv
import io
import re
import zipfile

from openpyxl import Workbook

HEADERS = ["Contract reference", "Title", "Supplier", "Owner", "Owner e-mail", "Status",
           "Start date", "End date", "Go-live", "Contract value", "Currency"]


def row(ref="C-1", title="Automate triage", vendor="Northwind", owner="Anna Berg",
        email="anna@example.org", status="Active", start="2027-01-04", end="2027-12-31",
        handover="2027-10-01", value="250000", currency="EUR") -> list:
    return [ref, title, vendor, owner, email, status, start, end, handover, value, currency]


def csv_bytes(rows, headers=HEADERS, delimiter=",", encoding="utf-8") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows, headers=HEADERS, sheets: dict | None = None,
               main_title="Engagements") -> bytes:
    """A workbook; ``sheets`` maps an extra sheet's name to its rows (headers first)."""
    book = Workbook()
    main = book.active
    main.title = main_title
    main.append(headers)
    for values in rows:
        main.append(values)
    for name, sheet_rows in (sheets or {}).items():
        sheet = book.create_sheet(name)
        for values in sheet_rows:
            sheet.append(values)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def with_cached_values(data: bytes, cached: dict[str, str]) -> bytes:
    """The workbook with saved results for its formula cells (openpyxl writes none; Excel
    and LibreOffice do): ``cached`` maps a cell such as "J2" to its saved value."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = content.decode()
                for cell, value in cached.items():
                    text = re.sub(rf'(<c r="{cell}"[^>]*>)(<f>[^<]*</f>)<v\s*/?>(</v>)?',
                                  rf"\1\2<v>{value}</v>", text)
                content = text.encode()
            target.writestr(item, content)
    return out.getvalue()


def zip_bomb(unpacked_mb: int = 300) -> bytes:
    """A small .xlsx-looking zip whose one part unpacks to ``unpacked_mb`` MB of zeros."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as part:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(unpacked_mb):
                part.write(chunk)
    return out.getvalue()

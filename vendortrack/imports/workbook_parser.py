"""openpyxl's streaming sheet parser, adapted for imports in two ways.

* An inline string (what openpyxl writes, so our own XLSX export and template) is read as its
  plain text, without building openpyxl's rich-text object for every cell, which was most of
  the time a preview of a large workbook took.
* Formula cells are noted by (row, column) as they stream past: read with ``data_only``
  (the saved results), openpyxl would otherwise not say which values came from formulas.
"""
from __future__ import annotations

from openpyxl.worksheet._reader import WorkSheetParser  # openpyxl's own, not public
from openpyxl.xml.constants import SHEET_MAIN_NS

INLINE_STRING = f"{{{SHEET_MAIN_NS}}}is"
FORMULA = f"{{{SHEET_MAIN_NS}}}f"
TEXT = f"{{{SHEET_MAIN_NS}}}t"
RUN = f"{{{SHEET_MAIN_NS}}}r"


def inline_text(node) -> str:
    """The text of an ``<is>`` element: its ``<t>`` and the ``<t>`` of each run, without the
    phonetic ``<rPh>`` runs (as openpyxl's ``Text.content``)."""
    parts = []
    for child in node:
        if child.tag == TEXT:
            parts.append(child.text or "")
        elif child.tag == RUN:
            text = child.find(TEXT)
            if text is not None:
                parts.append(text.text or "")
    return "".join(parts)


class SheetParser(WorkSheetParser):
    """openpyxl's parser of one sheet's XML, with the two changes above."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.formulas: set[tuple[int, int]] = set()  # (row number, column index)

    def parse_cell(self, element):
        inline = element.find(INLINE_STRING) if element.get("t") == "inlineStr" else None
        if inline is not None:
            element.remove(inline)  # openpyxl then leaves the value empty; we read the text
        cell = super().parse_cell(element)
        if inline is not None:
            cell["value"], cell["data_type"] = inline_text(inline), "s"
        if element.find(FORMULA) is not None:
            self.formulas.add((cell["row"], cell["column"] - 1))
        return cell

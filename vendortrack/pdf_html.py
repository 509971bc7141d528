"""WeasyPrint's HTML document, minus the user-agent rules our printed pages never use.

WeasyPrint's user-agent stylesheet styles six pseudo-elements of *every* element
(``::marker``, ``::footnote-call``, ``::footnote-marker``, ``::note-call``,
``::note-marker``, ``::note-callback``), and its cascade computes all six styles for each
element of the page: for a typical annex about 1,200 styles, against about 100 for the
elements themselves (which share their styles), a twentieth of the whole render. Our pages
have no footnotes or notes and put markers on list items only, so :class:`PrintHTML` uses
WeasyPrint's own stylesheet with ``::marker`` narrowed to ``li::marker`` and the footnote and
note rules left out. A page that starts using ``float: footnote`` must bring those rules back.

Imported by the render processes (and tests) only: it imports WeasyPrint. Should a WeasyPrint
release word or name these rules otherwise, nothing is trimmed and pages render as before,
only slower; ``tests/test_pdf_html.py`` says so.
"""
from __future__ import annotations

import re

from weasyprint import CSS, HTML

try:
    from weasyprint.html import UA, UA_STYLESHEET
except ImportError:  # pragma: no cover - another WeasyPrint: its own stylesheet, untrimmed
    UA = UA_STYLESHEET = None

UNUSED = re.compile(r"^::(?:footnote-call|footnote-marker|note-call|note-marker|note-callback)"
                    r" \{[^}]*\}$\n?", re.M)
ANY_MARKER = re.compile(r"^::marker \{", re.M)


def trimmed(ua: str) -> str:
    """``ua`` without the footnote and note rules, its markers on list items only."""
    return ANY_MARKER.sub("li::marker {", UNUSED.sub("", ua))


# Its @counter-style rules are already WeasyPrint's (read with its own stylesheet): this
# copy registers them in a counter-style table of its own, which nothing reads.
TRIMMED_STYLESHEET = CSS(string=trimmed(UA), counter_style={}) if UA is not None else None


class PrintHTML(HTML):
    """:class:`weasyprint.HTML` with the trimmed user-agent stylesheet."""

    def _ua_stylesheets(self, *args, **kwargs):
        sheets = super()._ua_stylesheets(*args, **kwargs)
        if TRIMMED_STYLESHEET is None:
            return sheets
        return [TRIMMED_STYLESHEET if sheet is UA_STYLESHEET else sheet for sheet in sheets]

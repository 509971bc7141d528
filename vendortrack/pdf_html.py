"""WeasyPrint's HTML document, minus the user-agent rules our printed pages never use.

WeasyPrint's user-agent stylesheet styles six pseudo-elements of *every* element
(``::marker``, ``::footnote-call``, ``::footnote-marker``, ``::note-call``,
``::note-marker``, ``::note-callback``), and its cascade computes all six styles for each
element of the page: for a typical annex about 1,200 styles, against about 100 for the
elements themselves (which share their styles), a twentieth of the whole render. Our pages
have no footnotes or notes and put markers on list items only, so :class:`PrintHTML` uses
WeasyPrint's own stylesheet with ``::marker`` narrowed to ``li::marker`` and the footnote and
note rules left out. A page that starts using ``float: footnote`` must bring those rules back.

The render processes print the annex and the board pack with it; neither uses footnotes, notes
or a ``display: list-item`` other than ``li`` (a test reads their templates and stylesheet).

Imported by the render processes (and tests) only: it imports WeasyPrint. Should a WeasyPrint
release name, word or read these rules otherwise, or fail to read the trimmed copy, pages are
read with its own stylesheet as before, only slower; ``tests/test_pdf_html.py`` fails then, so
that someone looks again.
"""
from __future__ import annotations

import logging
import re

from weasyprint import CSS, HTML

log = logging.getLogger(__name__)

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


def _trimmed_stylesheet() -> CSS | None:
    if UA is None:
        return None
    try:
        # Its @counter-style rules are already WeasyPrint's (read with its own stylesheet):
        # this copy registers them in a counter-style table of its own, which nothing reads.
        return CSS(string=trimmed(UA), counter_style={})
    except Exception:  # pragma: no cover - a WeasyPrint we do not know: its own stylesheet
        log.exception("the trimmed user-agent stylesheet could not be read; using WeasyPrint's")
        return None


TRIMMED_STYLESHEET = _trimmed_stylesheet()


class PrintHTML(HTML):
    """:class:`weasyprint.HTML` with the trimmed user-agent stylesheet."""

    def _ua_stylesheets(self, *args, **kwargs):
        sheets = super()._ua_stylesheets(*args, **kwargs)
        if TRIMMED_STYLESHEET is None:
            return sheets
        return [TRIMMED_STYLESHEET if sheet is UA_STYLESHEET else sheet for sheet in sheets]

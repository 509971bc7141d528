"""The render processes read pages with WeasyPrint's user-agent stylesheet minus the
pseudo-element rules our pages never use (``vendortrack/pdf_html.py``), and the annex's print
copy without the whitespace between its tags: both lay an annex out exactly as before."""
from __future__ import annotations

import difflib
import re
from dataclasses import replace
from datetime import UTC, datetime

from vendortrack.domain import spec as specs
from vendortrack.pdf import AnnexDocument, annex_html, layout, load_stylesheet, static_root
from vendortrack.pdf_html import TRIMMED_STYLESHEET, PrintHTML, trimmed

from .conftest import complete_spec

LEFT_OUT = ("::footnote-call", "::footnote-marker", "::note-call", "::note-marker",
            "::note-callback")


def test_the_trimmed_stylesheet_leaves_out_the_rules_it_names_and_nothing_else():
    from weasyprint.html import UA

    ours = trimmed(UA)
    for rule in LEFT_OUT:  # WeasyPrint still words them so; if not, this says to look again
        assert f"\n{rule} {{" in UA and f"\n{rule} {{" not in ours
    assert "\n::marker {" in UA and "\nli::marker {" in ours and "\n::marker {" not in ours
    changed = [line for line in difflib.ndiff(UA.splitlines(), ours.splitlines())
               if line[:1] in "+-"]
    assert len([line for line in changed if line.startswith("-")]) == len(LEFT_OUT) + 1
    assert [line for line in changed if line.startswith("+")] == [
        "+ li::marker { font-variant-numeric: tabular-nums; white-space: pre; "
        "text-transform: none }"]


def test_print_html_reads_pages_with_the_trimmed_stylesheet():
    from weasyprint.html import UA_FORM_STYLESHEET

    assert TRIMMED_STYLESHEET is not None
    page = PrintHTML(string="<p>Hello</p>")
    assert page._ua_stylesheets() == [TRIMMED_STYLESHEET]
    assert page._ua_stylesheets(True) == [TRIMMED_STYLESHEET, UA_FORM_STYLESHEET]


def boxes(document) -> list[tuple]:
    """Every box of every page: its kind, place, size and text."""
    found = []
    for page in document.pages:
        stack = [page._page_box]
        while stack:
            box = stack.pop()
            found.append((type(box).__name__, box.element_tag, round(box.position_x, 3),
                          round(box.position_y, 3), round(box.width or 0, 3),
                          round(box.height or 0, 3), getattr(box, "text", None)))
            stack.extend(reversed(getattr(box, "children", [])))
    return found


def test_an_annex_lays_out_as_with_weasyprints_own_stylesheet_and_markup(app, monkeypatch):
    """Every box on every page in the same place, with the same text, as WeasyPrint's own
    HTML reading the template's output with its whitespace: tables, the numbered constraints
    (list markers), the running header and footer, the draft watermark."""
    from weasyprint import HTML

    from vendortrack import pdf
    from vendortrack.pdf import _options, make_fetcher

    spec = complete_spec(constraints=("Data stays in the EU.", "No new vendor lock-in.",
                                      "Runbooks in English and German."))
    document = AnnexDocument(specs.to_json(spec), 2, datetime.now(UTC), "Procurement", draft=True)
    asked = []
    real = PrintHTML._ua_stylesheets
    monkeypatch.setattr(PrintHTML, "_ua_stylesheets",
                        lambda self, *a, **k: asked.append(1) or real(self, *a, **k))
    ours = layout(document)
    assert asked, "WeasyPrint no longer asks the document for its user-agent stylesheets"

    root = static_root()
    stylesheet, fonts = load_stylesheet(root)
    monkeypatch.setattr(pdf, "BETWEEN_TAGS", re.compile(r"(?!)"))  # leaves the whitespace
    markup = annex_html(document, for_pdf=True)
    assert ">\n" in markup  # the template's own whitespace, as written
    theirs = HTML(string=markup, base_url=root.as_uri() + "/", url_fetcher=make_fetcher(root)
                  ).render(stylesheets=[stylesheet], font_config=fonts, **_options(document))

    assert len(ours.pages) >= 2
    assert any(text == "1. " for *_, text in boxes(ours))  # a list marker was laid out
    assert boxes(ours) == boxes(theirs)


def test_the_pages_printed_use_none_of_the_rules_left_out():
    """The annex and the board pack (the pages the render processes print) use no
    footnotes or notes and no list-item markers other than on ``li``."""
    from pathlib import Path

    root = Path(__file__).parents[1]
    for name in ("templates/annex/_document.html", "templates/annex/document.html",
                 "templates/dashboard/board_pack.html", "static/css/annex.css",
                 "templates/macros/spec_fields.html"):
        text = (root / name).read_text()
        for used in ("footnote", "note-call", "note-marker", "note-callback", "list-item",
                     "::marker"):
            assert used not in text, f"{name} uses {used}: see vendortrack/pdf_html.py"


def test_the_print_copy_drops_the_whitespace_between_tags_and_keeps_user_text(app):
    spec = complete_spec(problem_statement="First line\n\n    indented second line  ",
                         title="Two  spaces and <b>not a tag</b>", vendor="\u00a0")
    document = AnnexDocument(specs.to_json(spec), 1, datetime.now(UTC), "Procurement")
    preview, printed = annex_html(document, for_pdf=False), annex_html(document, for_pdf=True)
    assert ">\n" in preview and ">\n" not in printed and "> <" not in printed
    assert "First line\n\n    indented second line  " in printed
    assert "Two  spaces and &lt;b&gt;not a tag&lt;/b&gt;" in printed
    assert "<td>\u00a0</td>" in printed  # a value of a no-break space stays


def test_the_running_footer_says_the_version_issue_and_fingerprint(app):
    """The footer's words are named strings from the article's attributes (escaped)."""
    document = AnnexDocument(specs.to_json(complete_spec()), 3, datetime(2026, 11, 2, tzinfo=UTC),
                             'A "quoted" <issuer>')
    printed = annex_html(document, for_pdf=True)
    assert ('data-issued="Annex v3 · issued 2 November 2026 by A &#34;quoted&#34; &lt;issuer&gt;"'
            in printed)
    assert f'data-fingerprint="{document.fingerprint}"' in printed
    draft = annex_html(replace(document, draft=True), for_pdf=True)
    assert 'data-issued="DRAFT of annex v3, not issued · generated 2 November 2026"' in draft

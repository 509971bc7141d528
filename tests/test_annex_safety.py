"""Safe rendering: the fetcher serves only static files, user text is escaped and printed
literally, nothing overflows the page, and WeasyPrint is imported only to render."""
from __future__ import annotations

import io
import socket
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader

from vendortrack import services
from vendortrack.domain import spec as specs
from vendortrack.pdf import AnnexDocument, FetchRefused, layout, make_fetcher, render_pdf

from .conftest import complete_spec

IMG = '<img src="file:///etc/passwd">'
CSS_URL = "url(http://127.0.0.1:9/x)"
LONG_WORD = "Supercalifragilistic" * 15  # 300 characters, no break opportunity
LONG_URL = "https://intranet.example.org/" + "/".join(f"segment{i:03d}" for i in range(25))
RTL = "שלום עולם · مرحبا بالعالم"
CJK = "知识转移交付物"
EMOJI = "✅ 🚀"


def hostile_spec(listener_port: int) -> specs.Spec:
    trap = f"http://127.0.0.1:{listener_port}/steal"
    return complete_spec(
        title=f"{IMG} Support triage {CJK}",
        problem_statement=(f"{IMG} <link rel=\"stylesheet\" href=\"{trap}.css\"> "
                           f"<style>@import url({trap}.css); body {{ background: {CSS_URL} }}"
                           f"</style> {CSS_URL} {RTL} {EMOJI} {LONG_WORD} {LONG_URL}"),
        metrics=(specs.Metric(LONG_WORD[:180], "<b>6</b>", "2", "hours", f"{LONG_URL} {RTL}"),),
        constraints=(f"<script>fetch('{trap}')</script> {CSS_URL}", LONG_WORD[:200]),
        tradeoffs=(specs.Tradeoff(f"{RTL} {CJK} {EMOJI}", f"<iframe src=\"{trap}\">"),),
        deliverables=(specs.Deliverable("runbook", LONG_WORD[:190], None,
                                        f"![x]({trap}.png) {LONG_URL} {IMG}"),),
        internal_owner=specs.Person(f"Anna {EMOJI}", "anna@example.org"),
    )


def plain(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def listener():
    """A local TCP port that records whether anything connected to it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.setblocking(False)
    yield server
    server.close()


def nobody_connected(server: socket.socket) -> bool:
    try:
        server.accept()
    except BlockingIOError:
        return True
    return False


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:9/x",
    "https://example.org/annex.css",
    "ftp://example.org/x",
    "file:///etc/passwd",
    "file://otherhost/etc/passwd",
    "data:text/css,body{}",
    "file:///{static}/../vendortrack/config.py",
    "file:///{static}/fonts/missing.ttf",
    "file:///{static}/fonts",
])
def test_fetcher_refuses_everything_but_static_files(app, url):
    fetcher = make_fetcher()
    url = url.replace("/{static}", app.static_folder.rstrip("/"))
    with pytest.raises(FetchRefused):
        fetcher.fetch(url)
    assert fetcher.refused == [url] and fetcher.fetched == []


def test_fetcher_serves_static_files_and_never_follows_redirects(app):
    fetcher = make_fetcher()
    from pathlib import Path

    path = Path(app.static_folder, "css", "annex.css").resolve()
    response = fetcher.fetch(path.as_uri())
    assert response.read() == path.read_bytes()
    assert response.content_type == "text/css"
    assert not any(type(h).__name__ == "HTTPRedirectHandler" for h in fetcher.handlers)


def test_fetcher_serves_only_the_files_the_job_attached(app):
    fetcher = make_fetcher(attached={"chart.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>"})
    response = fetcher.fetch("attached:chart.svg")
    assert response.read() == b"<svg xmlns='http://www.w3.org/2000/svg'/>"
    assert response.content_type == "image/svg+xml"
    for url in ("attached:other.svg", "attached:", "attached:../css/annex.css"):
        with pytest.raises(FetchRefused):
            fetcher.fetch(url)
    with pytest.raises(FetchRefused):
        make_fetcher().fetch("attached:chart.svg")  # nothing attached: nothing served
    assert fetcher.fetched == ["attached:chart.svg"]


def test_hostile_text_is_printed_literally_and_fetches_nothing(app, listener):
    port = listener.getsockname()[1]
    snapshot = specs.to_json(hostile_spec(port))
    document = AnnexDocument(snapshot, 1, datetime.now(UTC), "Procurement")
    fetcher = make_fetcher()
    pdf = render_pdf(document, fetcher=fetcher)

    assert fetcher.refused == []  # the markup never became markup, so nothing was asked for
    assert all("/static/" in url for url in fetcher.fetched)
    assert nobody_connected(listener)

    text = plain("\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))
    for literal in (IMG, CSS_URL, f"<link rel=\"stylesheet\" href=\"http://127.0.0.1:{port}",
                    "<script>fetch(", "<b>6</b>", "<iframe src=", CJK, "🚀", "✅"):
        assert literal in text, literal
    assert "שלום" in text or "םולש" in text
    assert LONG_WORD[:40] in text.replace(" ", "")


def test_markup_that_did_get_in_still_fetches_nothing(app, listener):
    """Defence in depth: even raw HTML handed to WeasyPrint cannot reach out."""
    from weasyprint import HTML

    port = listener.getsockname()[1]
    fetcher = make_fetcher()
    HTML(string=f'<link rel="stylesheet" href="http://127.0.0.1:{port}/a.css">'
                f'<img src="file:///etc/passwd"><img src="http://127.0.0.1:{port}/b.png">'
                f'<p style="background: url(http://127.0.0.1:{port}/c.png)">x</p>',
         base_url="file:///etc/", url_fetcher=fetcher).write_pdf()
    assert sorted(fetcher.refused) == sorted([
        f"http://127.0.0.1:{port}/a.css", "file:///etc/passwd",
        f"http://127.0.0.1:{port}/b.png", f"http://127.0.0.1:{port}/c.png"])
    assert fetcher.fetched == []
    assert nobody_connected(listener)


def _overflowing_boxes(rendered) -> list[str]:
    """Boxes whose right edge passes the page's content area or, inside a margin box (the
    running header and footer), that margin box."""
    from weasyprint.formatting_structure.boxes import MarginBox, ParentBox

    found = []
    for number, page in enumerate(rendered.pages, start=1):
        page_box = page._page_box
        content_right = page_box.content_box_x() + page_box.width
        stack = [(c, (c.position_x + c.margin_width()) if isinstance(c, MarginBox)
                  else content_right) for c in page_box.children]
        while stack:
            box, right = stack.pop()
            if box.position_x + box.margin_width() > right + 0.5:
                found.append(f"page {number}: {type(box).__name__} "
                             f"{getattr(box, 'text', '')[:30]!r}")
            if isinstance(box, ParentBox):
                stack.extend((child, right) for child in box.children)
    return found


def test_long_words_urls_and_mixed_scripts_stay_inside_the_page(app, listener):
    snapshot = specs.to_json(hostile_spec(listener.getsockname()[1]))
    rendered = layout(AnnexDocument(snapshot, 1, datetime.now(UTC), "Procurement"))
    assert _overflowing_boxes(rendered) == []


def test_a_long_title_organisation_and_issuer_wrap_inside_the_running_header_and_footer(app):
    """The header's organisation and title and the footer's issuer are printed on every
    page, inside its margin boxes, however long and unbroken they are."""
    app.config["ORGANISATION_NAME"] = LONG_WORD[:120]
    title, issuer = LONG_WORD[:200], "Procurementofficer" * 8
    snapshot = specs.to_json(complete_spec(title=title, deliverables=complete_spec(
    ).deliverables * 6))
    rendered = layout(AnnexDocument(snapshot, 1, datetime.now(UTC), issuer))
    assert len(rendered.pages) >= 3
    assert _overflowing_boxes(rendered) == []
    pdf = rendered.write_pdf()
    for page in PdfReader(io.BytesIO(pdf)).pages[1:]:
        text = page.extract_text().replace("\n", "").replace(" ", "")
        assert LONG_WORD[:120] in text and title in text and issuer in text
        assert f"SnapshotSHA-256:{specs.fingerprint(snapshot)}" in text


def test_the_overflow_check_catches_overflow(app):
    from weasyprint import HTML

    rendered = HTML(string=f"<div style='width: 300mm'>{LONG_WORD}</div>").render()
    assert _overflowing_boxes(rendered)


def test_preview_page_escapes_user_text(app, make_client, users, listener):
    engagement = services.create_engagement(hostile_spec(listener.getsockname()[1]),
                                            users["product_owner"])
    client = make_client()
    client.login(users["procurement"])
    html = client.get(f"/engagements/{engagement.id}/annex").get_data(as_text=True)
    assert IMG not in html and "&lt;img src=&#34;file:///etc/passwd&#34;&gt;" in html
    assert "<script>fetch(" not in html and "<iframe" not in html


def test_weasyprint_is_imported_only_to_render():
    code = (
        "import sys\n"
        "from vendortrack import create_app\n"
        "import vendortrack.pdf, vendortrack.annex.views, vendortrack.cli\n"
        "app = create_app({'TESTING': True, 'SECRET_KEY': 'x',\n"
        "                  'SQLALCHEMY_DATABASE_URI': 'sqlite://'})\n"
        "with app.app_context():\n"
        "    from vendortrack.extensions import db\n"
        "    db.create_all()\n"
        "    assert app.test_client().get('/login').status_code in (200, 302)\n"
        "print('weasyprint' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, timeout=60)
    assert result.stdout.strip() == "False"

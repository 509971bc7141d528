"""The pieces under the dashboard: chart helpers, the PDF fetcher, indexes and migrations."""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from xml.etree import ElementTree

import pytest
from sqlalchemy import inspect

from vendortrack.dashboard import svg as charts
from vendortrack.pdf import make_fetcher, render_html_pdf

STATIC_DIR = (Path(__file__).resolve().parent.parent / "static").resolve()


@pytest.mark.parametrize("maximum, ticks", [
    (0, [0, 1]), (1, [0, 1]), (3, [0, 1, 2, 3]), (7, [0, 2, 4, 6, 8]),
    (4457, [0, 2000, 4000, 6000]), (95, [0, 25, 50, 75, 100]),
])
def test_nice_ticks(maximum, ticks):
    assert charts.nice_ticks(maximum) == ticks


def test_bars_chart_is_xml_with_title_axes_links_and_patterns():
    svg = charts.horizontal_bars(
        "c", 'Flags & "things"', "desc <b>",
        [charts.Bar("A <vendor>", "/l?a=1&b=2", (
            charts.Segment(30, "High", "/l?risk=high", "high"),
            charts.Segment(12, "Low", "/l?risk=low", "low"))),
         charts.Bar("Empty", "/l?x", (charts.Segment(0, "High", "/l?y", "high"),))],
        value_axis="Engagements", category_axis="Vendor",
        legend=[("high", "High"), ("low", "Low")])
    ns = "{http://www.w3.org/2000/svg}"
    root = ElementTree.fromstring(svg)
    assert root.find(f"{ns}title").text == 'Flags & "things"'
    texts = [t.text for t in root.iter(f"{ns}text")]
    assert {"Engagements", "Vendor", "A <vendor>", "42", "30", "12", "High", "Low"} <= set(texts)
    hrefs = [a.get("href") for a in root.iter(f"{ns}a")]
    assert "/l?a=1&b=2" in hrefs and "/l?risk=high" in hrefs
    assert "/l?y" not in hrefs  # an empty segment draws nothing to click
    fills = {r.get("fill") for r in root.iter(f"{ns}rect")}
    assert "url(#c-high)" in fills and "url(#c-low)" in fills


def test_columns_chart_marks_the_open_part():
    svg = charts.month_columns(
        "m", "Handovers", "d",
        [charts.Column("Nov 2026", 10, "/l?m=11", 4, "/l?m=11&open_kt=1"),
         charts.Column("Dec 2026", 0, "/l?m=12", 0, "/l?m=12&open_kt=1")],
        value_axis="Handovers", category_axis="Month", marked_label="Open",
        unmarked_label="Done")
    root = ElementTree.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    labels = [a.get("aria-label") for a in root.iter(f"{ns}a")]
    assert "Nov 2026: 10 handovers" in labels and "Nov 2026: 4 with open" in labels
    assert "Dec 2026: 0 handovers" in labels
    assert not any("Dec 2026: 0 with" in label for label in labels)


@pytest.mark.parametrize("url, allowed", [
    ((STATIC_DIR / "css" / "app.css").as_uri(), True),
    ((STATIC_DIR / "css" / ".." / ".." / "setup.cfg").as_uri(), False),
    ("file:///etc/passwd", False),
    ("http://127.0.0.1/static/css/app.css", False),
    ("data:text/plain,hello", False),
    ((STATIC_DIR / "css" / "missing.css").as_uri(), False),
])
def test_pdf_fetcher_allows_only_static_files(url, allowed):
    assert (make_fetcher(STATIC_DIR)._local_path(url) is not None) is allowed


def test_render_pdf_never_calls_out(app):
    requests = []

    class Recorder(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            requests.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        pdf = render_html_pdf(f'<link rel="stylesheet" href="http://127.0.0.1:{port}/x.css">'
                         f'<img src="http://127.0.0.1:{port}/y.png"><img src="file:///etc/passwd">'
                         '<img src="img/favicon.svg"><p>Board pack</p>')
    finally:
        server.shutdown()
    assert pdf.startswith(b"%PDF")
    assert requests == []


def test_dashboard_indexes_exist_after_migrations(app):
    from vendortrack.extensions import db

    names = {ix["name"] for ix in inspect(db.engine).get_indexes("engagement")}
    assert {"ix_engagement_dashboard", "ix_engagement_handover_cover",
            "ix_engagement_overdue_cover", "ix_engagement_updated_at"} <= names


def test_models_and_migrations_agree(app):
    from .conftest import schema_differences

    assert schema_differences() == []

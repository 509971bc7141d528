"""Annex PDFs with WeasyPrint: one template, a fetcher that only serves our static files.

Pages are rendered in separate, warm worker processes (:mod:`vendortrack.pdf_pool`) with a
time limit and a bounded queue, so no annex can stall the web workers. WeasyPrint is imported
there (and in :func:`layout`, for tests), never at module level of the web app.

Safety: user text reaches the template only through Jinja's autoescaping, and every URL the
document, its stylesheet or its metadata asks for goes through :class:`StaticOnlyFetcher`,
which serves files under ``static/`` and the files the render job attached itself (the board
pack's charts, as ``attached:NAME``), and refuses everything else (no network, no other file).
"""
from __future__ import annotations

import atexit
import logging
import mimetypes
import os
import re
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app

from .domain import spec as specs
from .domain.spec import fingerprint

log = logging.getLogger(__name__)

PDF_VARIANT = "pdf/a-3u"
ATTACHED = "attached:"  # the scheme of a file the render job carries (see render_html_pdf)
STYLESHEET = "css/annex.css"
TEMPLATE = "annex/document.html"
# HTML whitespace between two tags: the annex template's indentation. Every word the annex
# prints sits inside an element, so the print copy drops it (less for WeasyPrint to parse and
# lay out). User text is escaped (its ``>`` is ``&gt;``), so it matches only when a value is
# nothing but spaces and line breaks, which print nothing either way. Between two inline
# elements a space would show: the template has none there, and a test lays the annex out
# with and without this and finds the same pages.
BETWEEN_TAGS = re.compile(r">[ \t\n\r\f]+<")


class FetchRefused(ValueError):
    """A URL outside the app's static files; WeasyPrint logs it and renders without it."""


def static_root() -> Path:
    return Path(current_app.static_folder).resolve()


def static_url(root: Path, name: str) -> str:
    """The file:// URL of a static file (the form the fetcher accepts)."""
    return (root / name).as_uri()


def _fetcher_class():
    from weasyprint import URLFetcher
    from weasyprint.urls import URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        """Serves files under ``root`` and the job's ``attached`` files (``attached:NAME``)
        and refuses every other URL, without following redirects. ``fetched`` and ``refused``
        list what was asked for (tests read them)."""

        def __init__(self, root: Path, attached: dict[str, str] | None = None):
            super().__init__(allowed_protocols=("file",), allow_redirects=False,
                             fail_on_errors=False)
            self.root = root.resolve()
            self.attached = attached or {}
            self.fetched: list[str] = []
            self.refused: list[str] = []

        def fetch(self, url, headers=None):
            name = url[len(ATTACHED):] if url.startswith(ATTACHED) else None
            if name in self.attached:
                return self._served(url, name, self.attached[name].encode())
            path = self._local_path(url)
            if path is None:
                self.refused.append(url)
                log.warning("annex rendering refused to fetch %r", url[:200])
                raise FetchRefused(f"not an app static file: {url[:200]}")
            return self._served(url, path.name, path.read_bytes())

        def _served(self, url: str, name: str, body: bytes):
            self.fetched.append(url)
            mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, body, {"Content-Type": mime})

        def _local_path(self, url: str) -> Path | None:
            parts = urlsplit(url)
            if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
                return None
            path = Path(os.path.realpath(unquote(parts.path)))
            if not path.is_relative_to(self.root) or not path.is_file():
                return None
            return path

    return StaticOnlyFetcher


def make_fetcher(root: Path | None = None, attached: dict[str, str] | None = None):
    """A fresh :class:`StaticOnlyFetcher` over the app's static folder (or ``root``) and the
    ``attached`` files."""
    return _fetcher_class()(root or static_root(), attached)


@dataclass(frozen=True)
class AnnexDocument:
    """Everything the print template needs besides the snapshot itself."""

    snapshot: dict
    number: int
    issued_at: datetime
    issued_by: str
    draft: bool = False

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.snapshot)


def annex_html(document: AnnexDocument, *, for_pdf: bool) -> str:
    """The annex as HTML: the print template filled from the snapshot (user text escaped)."""
    template = current_app.jinja_env.get_template(TEMPLATE)
    html = template.render(
        doc=document, spec=document.snapshot,
        organisation=current_app.config["ORGANISATION_NAME"], for_pdf=for_pdf,
    )
    return BETWEEN_TAGS.sub("><", html) if for_pdf else html


_stylesheets: dict[Path, tuple] = {}
_layout_lock = threading.Lock()
# Drop the cached fonts before interpreter shutdown, while their cleanup can still run.
atexit.register(_stylesheets.clear)


def load_stylesheet(root: Path):
    """The parsed annex stylesheet and its fonts, loaded once per process: parsing the CSS
    and loading the @font-face files is a third of a typical render."""
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    if root not in _stylesheets:
        fonts = FontConfiguration()  # without it WeasyPrint ignores @font-face
        css = CSS(url=static_url(root, STYLESHEET), url_fetcher=make_fetcher(root),
                  font_config=fonts)
        _stylesheets[root] = (css, fonts)
    return _stylesheets[root]


def _options(document: AnnexDocument) -> dict:
    return {"pdf_variant": PDF_VARIANT, "pdf_identifier": document.fingerprint[:32].encode()}


def annex_job(document: AnnexDocument) -> dict:
    """The render job of an annex (see :mod:`.pdf_worker`)."""
    return {"html": annex_html(document, for_pdf=True), "annex_styles": True,
            "options": _options(document)}


def layout(document: AnnexDocument, *, fetcher=None):
    """The laid-out WeasyPrint document (pages and boxes), for checks on the layout: as a
    render process lays it out, but in this process (tests only; pages are served through
    :func:`render_pdf`)."""
    from .pdf_worker import laid_out

    root = static_root()
    with _layout_lock:  # the shared font configuration is not made for concurrent use
        stylesheet, fonts = load_stylesheet(root)
        return laid_out(annex_job(document), root, fetcher or make_fetcher(root), stylesheet,
                        fonts)


def _person() -> str:
    from flask import request
    from flask_login import current_user

    return f"user:{current_user.id}" if current_user.is_authenticated else request.remote_addr


def pdf_rate_limit(view):
    """At most ``PDF_RATE_LIMIT`` draft annex and board-pack PDFs per person (one budget)."""
    from .extensions import limiter

    return limiter.shared_limit(lambda: current_app.config["PDF_RATE_LIMIT"], scope="pdf",
                                key_func=_person)(view)


# A small annex with what real ones hold: bold, italic, the running header and footer, tables,
# lists, the draft watermark, a Chinese name and a symbol (the fallback fonts).
WARM_UP_SPEC = specs.Spec(
    title="Warm-up annex ✓", vendor="Northwind 北风", contract_reference="W-1",
    contract_value=Decimal("1000"), currency="EUR", status="active",
    start_date=date(2026, 1, 1), end_date=date(2026, 12, 31), handover_date=date(2026, 11, 1),
    problem_statement="Agents sort tickets by hand.", core_capability=True,
    internal_owner=specs.Person("Anna Berg", "anna.berg@example.org"),
    successors=(specs.Person("Ben Okafor", "ben.okafor@example.org"),),
    metrics=(specs.Metric("First response", "6", "2", "hours", "Helpdesk report"),),
    constraints=("Data stays in the EU.",),
    tradeoffs=(specs.Tradeoff("Accuracy beats speed.", "Product owner"),),
    deliverables=(specs.Deliverable("runbook", "Runbook", date(2026, 10, 1), "Ops restore"),))


def warm_up_job() -> dict:
    """The render job each render process does as it starts (see :mod:`.pdf_pool`), so that
    the first annex a person asks for finds the fonts and WeasyPrint's code paths loaded."""
    return annex_job(AnnexDocument(specs.to_json(WARM_UP_SPEC), 1,
                                   datetime(2026, 1, 1, tzinfo=UTC), "vendortrack", draft=True))


def render_pool():
    """This process's pool of render workers (see :mod:`vendortrack.pdf_pool`)."""
    from .pdf_pool import pool_for

    config = current_app.config
    return pool_for(static_root(), workers=config["PDF_WORKERS"], waiting=config["PDF_QUEUE"],
                    timeout=config["PDF_TIMEOUT"], warm_up=warm_up_job)


def _render(job: dict, fetcher) -> bytes:
    reply = render_pool().render(job)
    if fetcher is not None:  # tests read what the worker's fetcher served and refused
        fetcher.fetched.extend(reply["fetched"])
        fetcher.refused.extend(reply["refused"])
    return reply["pdf"]


def render_pdf(document: AnnexDocument, *, fetcher=None) -> bytes:
    """Render the annex to PDF/A bytes with title, author, subject and creation date, in a
    render worker (time-limited; raises :class:`~vendortrack.pdf_pool.RenderProblem`)."""
    return _render(annex_job(document), fetcher)


def render_html_pdf(html: str, *, attached: dict[str, str] | None = None,
                    fetcher=None) -> bytes:
    """Any other printable page (the board pack) to PDF, through the same static-only
    fetcher in a render worker; relative URLs resolve against the static folder, and
    ``attached:NAME`` to ``attached[NAME]``.

    An SVG drawn as ``<img src="attached:chart.svg">`` is read by the XML parser alone; an
    inline ``<svg>`` is read by the HTML parser first, which took a tenth of the board pack's
    render."""
    return _render({"html": html, "attached": attached or {}}, fetcher)

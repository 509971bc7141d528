"""Annex PDFs with WeasyPrint: one template, a fetcher that only serves our static files.

WeasyPrint is imported inside the functions that render, never at module level: importing it
costs about half a second, and the app and the CLI must start without paying for it.

Safety: user text reaches the template only through Jinja's autoescaping, and every URL the
document, its stylesheet or its metadata asks for goes through :class:`StaticOnlyFetcher`,
which serves files under ``static/`` and refuses everything else (no network, no other file).
"""
from __future__ import annotations

import atexit
import logging
import mimetypes
import os
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app

from .domain.spec import fingerprint

log = logging.getLogger(__name__)

PDF_VARIANT = "pdf/a-3u"
STYLESHEET = "css/annex.css"
TEMPLATE = "annex/document.html"


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
        """Serves files under ``root`` and refuses every other URL, without following
        redirects. ``fetched`` and ``refused`` list what was asked for (tests read them)."""

        def __init__(self, root: Path):
            super().__init__(allowed_protocols=("file",), allow_redirects=False,
                             fail_on_errors=False)
            self.root = root.resolve()
            self.fetched: list[str] = []
            self.refused: list[str] = []

        def fetch(self, url, headers=None):
            path = self._local_path(url)
            if path is None:
                self.refused.append(url)
                log.warning("annex rendering refused to fetch %r", url[:200])
                raise FetchRefused(f"not an app static file: {url[:200]}")
            self.fetched.append(url)
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime})

        def _local_path(self, url: str) -> Path | None:
            parts = urlsplit(url)
            if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
                return None
            path = Path(os.path.realpath(unquote(parts.path)))
            if not path.is_relative_to(self.root) or not path.is_file():
                return None
            return path

    return StaticOnlyFetcher


def make_fetcher(root: Path | None = None):
    """A fresh :class:`StaticOnlyFetcher` over the app's static folder (or ``root``)."""
    return _fetcher_class()(root or static_root())


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
    return template.render(
        doc=document, spec=document.snapshot,
        organisation=current_app.config["ORGANISATION_NAME"], for_pdf=for_pdf,
    )


_stylesheets: dict[Path, tuple] = {}
_render_lock = threading.Lock()
# Drop the cached fonts before interpreter shutdown, while their cleanup can still run.
atexit.register(_stylesheets.clear)


def _stylesheet(root: Path):
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


def _layout(document: AnnexDocument, fetcher):
    """Lay the annex out into pages (call with ``_render_lock`` held)."""
    from weasyprint import HTML

    root = static_root()
    html = HTML(string=annex_html(document, for_pdf=True), base_url=root.as_uri() + "/",
                url_fetcher=fetcher or make_fetcher(root))
    stylesheet, fonts = _stylesheet(root)
    return html.render(stylesheets=[stylesheet], font_config=fonts, **_options(document))


def layout(document: AnnexDocument, *, fetcher=None):
    """The laid-out WeasyPrint document (pages and boxes), for checks on the layout."""
    with _render_lock:
        return _layout(document, fetcher)


def render_pdf(document: AnnexDocument, *, fetcher=None) -> bytes:
    """Render the annex to PDF/A bytes with title, author, subject and creation date."""
    with _render_lock:  # the shared font configuration is not made for concurrent use
        return _layout(document, fetcher).write_pdf(**_options(document))


def render_html_pdf(html: str, *, fetcher=None) -> bytes:
    """Any other printable page (the board pack) to PDF, through the same static-only
    fetcher; relative URLs resolve against the static folder."""
    from weasyprint import HTML

    root = static_root()
    with _render_lock:
        return HTML(string=html, base_url=root.as_uri() + "/",
                    url_fetcher=fetcher or make_fetcher(root)).write_pdf()

"""PDF rendering with WeasyPrint, imported lazily (it takes half a second to import).

The renderer fetches nothing from the network or the disk except the app's own ``static/``
files: a document can never make the server read other files or call out.
"""
from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

STATIC_DIR = (Path(__file__).resolve().parent.parent / "static").resolve()


def is_static_file(url: str) -> bool:
    """True for a ``file:`` URL naming a file inside the app's static folder."""
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        return False
    path = Path(unquote(parts.path)).resolve()
    return path.is_file() and path.is_relative_to(STATIC_DIR)


def render_pdf(html: str, base_url: str | None = None) -> bytes:
    """The PDF bytes for ``html``; relative URLs resolve against ``base_url`` (default:
    the static folder)."""
    import weasyprint

    class StaticOnlyFetcher(weasyprint.urls.URLFetcher):
        def fetch(self, url, headers=None):
            if not is_static_file(url):
                raise ValueError(f"vendortrack does not fetch {url!r} into a PDF")
            return super().fetch(url, headers)

    return weasyprint.HTML(string=html, base_url=base_url or STATIC_DIR.as_uri() + "/",
                           url_fetcher=StaticOnlyFetcher()).write_pdf()

"""Links that leave the app (e-mails, the calendar feed, the API) at its public address.

``BASE_URL`` may hold a path (``https://example.org/vt`` behind a proxy). ``url_for`` already
starts its paths with the application root, so a path is joined to BASE_URL's scheme and host
only — adding it to the whole of BASE_URL would repeat the root.
"""
from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from flask import current_app
from flask.ctx import RequestContext


def base_url_context() -> RequestContext:
    """A request context at BASE_URL, for work outside a request (the reminder job): in it
    ``url_for`` gives paths under BASE_URL's application root."""
    return current_app.test_request_context(base_url=current_app.config["BASE_URL"] + "/")


def absolute_url(path: str) -> str:
    """``path`` as ``url_for`` gave it (application root included) at BASE_URL's address."""
    return urljoin(current_app.config["BASE_URL"] + "/", path)


def public_host() -> str:
    """BASE_URL's host (and port)."""
    return urlsplit(current_app.config["BASE_URL"]).netloc

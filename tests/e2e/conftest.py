"""Browser fixtures: the real app served on 127.0.0.1 by werkzeug, Debian's Chromium driven by
Playwright, one signed-in browser context per role, screenshots at laptop and phone width.

The server runs in a background thread of the test process against a migrated SQLite file, so
tests can check and seed data through ``server.app`` directly.
"""
from __future__ import annotations

import os
import re
import sqlite3
import threading
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from ..conftest import PASSWORD, TODAY, app_config, complete_spec

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
# A sticky bar would be painted over the middle of a full-page screenshot.
SCREENSHOT_STYLE = ".form-footer { position: static; }"
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
WIDTHS = ({"width": 1280, "height": 800}, {"width": 390, "height": 844})  # laptop, phone
ROLES = ("admin", "product_owner", "procurement", "leadership")
TIMEOUT_MS = 10_000



@dataclass
class Server:
    """The app served over HTTP; ``users`` maps a role to its account's e-mail."""

    app: object
    url: str
    password: str
    complete_spec: object = None
    users: dict[str, str] = field(default_factory=dict)
    sessions: dict[str, dict] = field(default_factory=dict)  # role -> signed-in cookies

    def create_engagement(self, creator_role: str = "product_owner", **overrides) -> int:
        """Save an engagement (a complete spec unless overridden) as if typed; its id."""
        from vendortrack import services

        with self.app.app_context():
            creator = services.find_user(self.users[creator_role])
            return services.create_engagement(self.complete_spec(**overrides), creator).id

    def has(self, endpoint_prefix: str) -> bool:
        return any(name == endpoint_prefix or name.startswith(endpoint_prefix + ".")
                   for name in self.app.view_functions)

    def skip_unless(self, endpoint_prefix: str, feature: str) -> None:
        """Skip while a feature still lives on another branch; runs once it is merged."""
        if not self.has(endpoint_prefix):
            pytest.skip(f"waiting for {feature}")


def _serve(app, url_holder: list):
    from werkzeug.serving import WSGIRequestHandler, make_server

    class QuietHandler(WSGIRequestHandler):
        def log_request(self, *args, **kwargs):  # keep the test output readable
            pass

    http = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=http.serve_forever, name="e2e-server", daemon=True)
    thread.start()
    url_holder.append(f"http://127.0.0.1:{http.server_port}")
    return http


def _start(template: str, tmp_dir: Path, **config):
    from vendortrack import create_app

    target = tmp_dir / "e2e.sqlite3"
    # The backup API reads through the template's write-ahead log; a file copy may miss it.
    with closing(sqlite3.connect(template)) as source, closing(sqlite3.connect(target)) as copy:
        source.backup(copy)
    app = create_app(app_config(f"sqlite:///{target}", VENDORTRACK_TODAY=TODAY, **config))
    with app.app_context():  # the PDF renderer starts with the server, as under gunicorn
        from vendortrack.pdf import render_pool

        render_pool()
    holder: list[str] = []
    http = _serve(app, holder)
    # Its public address, as a deployment sets BASE_URL (calendar and e-mail links use it).
    app.config["BASE_URL"] = holder[0]
    return app, http, holder[0]


def _stop(app, http) -> None:
    http.shutdown()
    http.server_close()
    with app.app_context():
        from vendortrack.extensions import db

        db.engine.dispose()


@pytest.fixture(scope="session")
def server(sqlite_template, tmp_path_factory):
    """One server for the session: a user per role and a few dozen demo engagements."""
    from vendortrack import demo, services

    app, http, url = _start(sqlite_template, tmp_path_factory.mktemp("e2e"))
    live = Server(app=app, url=url, password=PASSWORD, complete_spec=complete_spec)
    with app.app_context():
        for role in ROLES:
            email = f"{role.replace('_', '.')}@example.org"
            name = {"admin": "Ada Admin", "product_owner": "Priya Owner",
                    "procurement": "Paul Procurement", "leadership": "Lena Leader"}[role]
            services.create_user(email=email, name=name, role=role,
                                 password=PASSWORD, actor=None)
            live.users[role] = email
        demo.seed(40, TODAY)
    yield live
    _stop(app, http)


@pytest.fixture
def fresh_server(sqlite_template, tmp_path):
    """A server with an empty database: the first-run page."""
    app, http, url = _start(sqlite_template, tmp_path)
    yield Server(app=app, url=url, password=PASSWORD)
    _stop(app, http)


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"Chromium is not installed at {CHROMIUM}: run `sudo apt-get install -y "
                    "chromium` (`make test` does it when run as root)")
    sync_api = pytest.importorskip("playwright.sync_api")
    playwright = sync_api.sync_playwright().start()
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                          args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()
    playwright.stop()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.e2e_failed = report.failed
    return report


@pytest.fixture
def open_page(browser, server, request):
    """``open_page(role=None, javascript=True, bypass_csp=False, base=server)``: a new
    browser context (signed in as ``role`` when given) and its page."""
    contexts = []

    def make(role: str | None = None, *, javascript: bool = True, bypass_csp: bool = False,
             base: Server | None = None):
        base = base or server
        signed_in = base.sessions.get(role) if role else None
        context = browser.new_context(base_url=base.url, viewport=WIDTHS[0],
                                      java_script_enabled=javascript, bypass_csp=bypass_csp,
                                      accept_downloads=True, locale="en-GB",
                                      storage_state=signed_in)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        if role and signed_in is None:
            sign_in(page, base.users[role], base.password)
            base.sessions[role] = context.storage_state()  # later contexts skip the form
        elif role:
            page.goto("/")
        return page

    yield make
    for number, context in enumerate(contexts):
        if getattr(request.node, "e2e_failed", False):
            for page in context.pages:  # what the browser showed when the test failed
                folder = ARTIFACTS / "failures" / re.sub(r"[^\w.-]+", "_", request.node.name)
                folder.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(folder / f"context{number}.png"), full_page=True)
        context.close()


def sign_in(page, email: str, password: str) -> None:
    from playwright.sync_api import expect

    page.goto("/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Welcome,")).to_be_visible()


@pytest.fixture
def screenshot(request):
    """``screenshot(page, name)``: full-page PNGs at 1280 and 390 px under test-artifacts/."""
    folder = ARTIFACTS / re.sub(r"[^\w.-]+", "_", request.node.name)

    def take(page, name: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        original = page.viewport_size
        for size in WIDTHS:
            page.set_viewport_size(size)
            page.screenshot(path=str(folder / f"{name}-{size['width']}.png"), full_page=True,
                            animations="disabled", style=SCREENSHOT_STYLE)
        page.set_viewport_size(original)

    return take


@pytest.fixture
def axe_check():
    """``axe_check(page)``: run axe-core on the page; fail on serious or critical violations.

    The page must come from a context with ``bypass_csp=True``: the app's CSP rightly refuses
    the injected script."""

    def run(page) -> list[dict]:
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
        bad = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
        report = "\n".join(
            f"{v['impact']}: {v['id']} — {v['help']} at "
            + "; ".join(" ".join(n["target"]) + " (" + n["failureSummary"].replace("\n", " ")
                        + ")" for n in v["nodes"][:3])
            for v in bad)
        assert not bad, f"axe on {page.url}:\n{report}"
        return result["violations"]

    return run

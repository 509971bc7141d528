"""Load run: gunicorn with 2 workers, signed-in users reading and writing at once.

    python -m tests.load.loadrun --users 50 --seconds 60 --engagements 10000
    python -m tests.load.loadrun --users 300 --think 1-5 ...          # with pauses
    python -m tests.load.loadrun --servers 2 --database-url postgresql://... \
        --redis-url redis://127.0.0.1:6379/7                         # several servers

Builds a fresh database in a temporary folder (migrations, demo engagements, one account per
virtual user), serves it with gunicorn on 127.0.0.1 only, and runs the users as threads that
sign in through the real login form and then list, open, edit and change deliverables (without
pause unless ``--think``). Every response is checked; every acknowledged write is checked
against the database afterwards. With several servers, each request goes to any of them, and
what they must share is checked afterwards (see :func:`cluster_checks`). Exits 1 when any
request failed, an acknowledged write is missing or a check failed.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from html import unescape
from pathlib import Path
from urllib.parse import urlsplit

import requests

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"  # loopback only, by design
PASSWORD = "load-run password 1234"
ROLE_CYCLE = ("product_owner", "product_owner", "admin", "leadership")
SEARCH_WORDS = ("triage", "invoice", "forecast", "fraud", "migration", "platform", "review")
LIST_FILTERS = ({}, {"status": "active"}, {"risk": "high"}, {"trap": "1"}, {"sort": "risk"},
                {"sort": "handover"}, {"status": "open", "sort": "title"},
                {"flag": "KT_OVERDUE"}, {"handover_within": "90"}, {"page": "3"})
LOAD_SUFFIX = re.compile(r" \[u\d+ #\d+\]$")
FLASH = re.compile(r'<p class="flash flash-(\w+)">(.*?)</p>', re.S)
SUMMARY = re.compile(r'<li><a href="#[^"]*">(.*?)</a></li>')  # a form's list of problems
REQUEST_TIMEOUT = 30  # seconds; a slower answer counts as an error


# --- reading forms as a browser would -------------------------------------------------------

# The tags a form's values come from (others are skipped by the expression), and comments.
TAG = re.compile(r"""<!--.*?-->|<(/?)(form|input|select|option|textarea|script|style)(?=[\s/>])"""
                 r"""((?:[^>"']|"[^"]*"|'[^']*')*)>""", re.S | re.I)
ATTRIBUTE = re.compile(r"""([^\s=/>"']+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+)))?""")
RAW_TEXT = ("textarea", "script", "style")  # content up to the closing tag is text, not tags


def attributes(text: str) -> dict[str, str]:
    return {m[1].lower(): unescape(m[2] or m[3] or m[4] or "") for m in ATTRIBUTE.finditer(text)}


class Forms:
    """Every <form> on a page: its action and the name/value pairs a browser would submit
    (buttons excepted: the caller says which one was pressed).

    Tags are found with regular expressions rather than :class:`html.parser.HTMLParser`,
    which took 6.5 ms of the load client's CPU for each edit form (the client shares the
    machine with the server it measures); comments are skipped and the content of a
    textarea, script or style is read as text."""

    def __init__(self, html: str):
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: dict | None = None
        at = 0
        while (tag := TAG.search(html, at)) is not None:
            at = tag.end()
            if tag[2] is None:  # a comment
                continue
            name = tag[2].lower()
            if tag[1]:
                self._close(name)
            elif name in RAW_TEXT:
                close = re.compile(f"</{name}\\s*>", re.I).search(html, at)
                text = html[at:close.start() if close else len(html)]
                at = close.end() if close else len(html)
                if name == "textarea":
                    self._textarea(attributes(tag[3]), unescape(text))
            else:
                self._open(name, attributes(tag[3]))

    def _open(self, tag: str, a: dict[str, str]) -> None:
        if tag == "form":
            self._form = {"action": a.get("action") or "", "id": a.get("id") or "", "fields": []}
            self.forms.append(self._form)
        elif tag == "option" and self._select is not None:
            value = a.get("value") or ""
            if self._select["first"] is None:
                self._select["first"] = value
            if "selected" in a:
                self._select["chosen"] = value
        elif self._form is None or not a.get("name"):
            return
        elif tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self._form["fields"].append([a["name"], a.get("value") or ("y" if kind == "checkbox"
                                                                     else "")])
        elif tag == "select":
            self._select = {"name": a["name"], "first": None, "chosen": None}

    def _textarea(self, a: dict[str, str], text: str) -> None:
        if self._form is not None and a.get("name"):
            # Browsers drop the newline that starts a textarea's content.
            text = text[2:] if text.startswith("\r\n") else text[1:] if text.startswith(
                "\n") else text
            self._form["fields"].append([a["name"], text])

    def _close(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None and self._form is not None:
            s = self._select
            self._form["fields"].append([s["name"], s["chosen"] if s["chosen"] is not None
                                         else s["first"] or ""])
            self._select = None


FORM = re.compile(r"<form\b[^>]*>.*?</form>", re.S | re.I)


def forms_where(html: str, wanted) -> list[dict]:
    """The forms whose opening tag (its text) ``wanted`` accepts, each read by :class:`Forms`:
    only those are parsed, so the users spend less of the machine's CPU on pages they do not
    submit (the server shares the machine)."""
    found = []
    for match in FORM.finditer(html):
        form = match.group(0)
        if wanted(form[:form.index(">") + 1]):
            found += Forms(form).forms
    return found


def csrf_token(html: str) -> str:
    for form in Forms(html).forms:
        for name, value in form["fields"]:
            if name == "csrf_token":
                return value
    raise ValueError("no csrf_token on the page")


# --- what happened --------------------------------------------------------------------------

@dataclass
class Write:
    """An acknowledged write: what was set, and when the request was sent and answered."""

    key: tuple
    value: str
    sent: float
    done: float
    version: int | None = None  # the engagement version an edit produced


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    outcomes: Counter = field(default_factory=Counter)
    writes: list[Write] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def error(self, message: str) -> None:
        with self.lock:
            self.errors.append(message)


class Failed(Exception):
    """A request that counts as an error (already recorded); the user starts a new action."""


class VirtualUser:
    """One signed-in person. With several servers each request goes to any of them, as behind
    a load balancer without sticky sessions; ``think`` is the pause range between actions."""

    def __init__(self, number: int, bases: list[str], account: dict, everything: list[int],
                 hot: list[int], dashboard: bool, tally: Tally, rng: random.Random,
                 think: tuple[float, float] = (0.0, 0.0)):
        self.number, self.bases, self.account = number, bases, account
        self.everything, self.hot, self.dashboard = everything, hot, dashboard
        self.tally, self.rng, self.think = tally, rng, think
        self.http = requests.Session()
        self.http.trust_env = False  # no proxy, netrc or CA-bundle lookups on every request
        self.edits = 0

    # One request, timed and checked; ``expected`` are the statuses that are not errors.
    def request(self, kind: str, method: str, path: str, expected=(200,), **kwargs):
        sent = time.perf_counter()
        try:
            base = self.bases[0] if len(self.bases) == 1 else self.rng.choice(self.bases)
            response = self.http.request(method, base + path, allow_redirects=False,
                                         timeout=REQUEST_TIMEOUT, **kwargs)
        except requests.RequestException as problem:
            self.tally.error(f"{kind} {method} {path}: {type(problem).__name__}: {problem}")
            raise Failed from None
        done = time.perf_counter()
        with self.tally.lock:
            self.tally.latencies[kind].append(done - sent)
        if response.status_code not in expected:
            detail = " ".join(unescape(m[1]) for m in FLASH.findall(response.text))
            detail += " ".join(unescape(m) for m in SUMMARY.findall(response.text))
            self.tally.error(f"{kind} {method} {path}: HTTP {response.status_code} {detail}"[:300])
            raise Failed
        response.sent, response.done = sent, done
        return response

    def sign_in(self) -> None:
        page = self.request("login", "GET", "/login")
        response = self.request("login", "POST", "/login", expected=(302,), data={
            "csrf_token": csrf_token(page.text), "email": self.account["email"],
            "password": PASSWORD})
        if urlsplit(response.headers.get("Location", "")).path in ("/login", "/setup"):
            self.tally.error(f"login for {self.account['email']} went to "
                             f"{response.headers.get('Location')}")
            raise Failed

    def pick_editable(self) -> int:
        own = self.account["editable"]
        if self.account["role"] == "admin":
            return self.rng.choice(self.hot if self.rng.random() < 0.5 else self.everything)
        return self.rng.choice(own)

    def run(self, stop: threading.Event, delay: float = 0.0) -> None:
        if stop.wait(delay):  # users arrive at the spawn rate, not all in one instant
            return
        try:
            self.sign_in()
        except Failed:
            return
        except Exception as problem:
            self.tally.error(f"sign in: {type(problem).__name__}: {problem}")
            return
        writes = self.account["role"] in ("product_owner", "admin") and (
            self.account["role"] == "admin" or self.account["editable"])
        actions = [(self.list_page, 30), (self.engagement_page, 30)]
        if self.dashboard:
            actions.append((self.dashboard_page, 10))
        if writes:
            actions += [(self.edit, 15), (self.deliverable_status, 15)]
        choices, weights = zip(*actions, strict=True)
        while not stop.is_set():
            action = self.rng.choices(choices, weights)[0]
            try:
                action()
            except Failed:
                continue
            except Exception as problem:  # a page the user could not work with is an error too
                self.tally.error(f"{action.__name__}: {type(problem).__name__}: {problem}")
            if self.think[1]:
                stop.wait(self.rng.uniform(*self.think))

    def list_page(self) -> None:
        params = dict(self.rng.choice(LIST_FILTERS))
        if self.rng.random() < 0.4:
            params["q"] = self.rng.choice(SEARCH_WORDS)
        self.request("list", "GET", "/engagements", params=params)

    def engagement_page(self) -> None:
        self.request("engagement", "GET", f"/engagements/{self.rng.choice(self.everything)}")

    def dashboard_page(self) -> None:
        self.request("dashboard", "GET", "/dashboard")

    def edit(self) -> None:
        eid = self.pick_editable()
        page = self.request("edit form", "GET", f"/engagements/{eid}/edit")
        [form] = forms_where(page.text, lambda tag: 'id="spec-form"' in tag)
        fields = [(n, v) for n, v in form["fields"] if "__index__" not in n]
        values = dict(fields)
        self.edits += 1
        title = f"{LOAD_SUFFIX.sub('', values['title'])[:150]} [u{self.number} #{self.edits}]"
        problem = (f"Edited under load by virtual user {self.number} (edit {self.edits}). "
                   "The team spends too long on this work and needs a system it can run.")
        data = [(n, title if n == "title" else problem if n == "problem_statement" else v)
                for n, v in fields] + [("then", "show")]
        version = int(values["version"])
        response = self.request("edit", "POST", f"/engagements/{eid}/edit", data=data,
                                expected=(302, 409))
        if response.status_code == 409:
            with self.tally.lock:
                self.tally.outcomes["edit conflict (409)"] += 1
            return
        with self.tally.lock:
            self.tally.outcomes["edit saved"] += 1
            self.tally.writes.append(Write(("title", eid), title, response.sent, response.done,
                                           version + 1))
        self.request("engagement", "GET", f"/engagements/{eid}")

    def deliverable_status(self) -> None:
        eid = self.pick_editable()
        page = self.request("engagement", "GET", f"/engagements/{eid}")
        buttons = forms_where(page.text, lambda tag: '/status"' in tag)
        if not buttons:
            return
        form = self.rng.choice(buttons)
        values = dict(form["fields"])
        response = self.request("status", "POST", form["action"], data=form["fields"],
                                expected=(302,))
        shown = self.request("engagement", "GET", response.headers["Location"].split("#")[0])
        flashes = [(kind, unescape(text)) for kind, text in FLASH.findall(shown.text)]
        deliverable = int(form["action"].rsplit("/", 2)[-2])
        outcome = next(((k, t) for k, t in flashes if "is now" in t or "cannot be marked" in t
                        or "same moment" in t), None)
        with self.tally.lock:
            if outcome and outcome[0] == "success":
                self.tally.outcomes["status changed"] += 1
                self.tally.writes.append(Write(("status", deliverable), values["status"],
                                               response.sent, response.done))
            elif outcome and "cannot be marked" in outcome[1]:
                self.tally.outcomes["status refused: changed meanwhile"] += 1
            elif outcome:
                self.tally.outcomes["status conflict"] += 1
            else:
                self.tally.errors.append(f"status {form['action']}: no outcome shown {flashes}")


# --- the server and its data ----------------------------------------------------------------

def prepare(folder: Path, engagements: int, users: int, secret: str,
            database_url: str | None = None) -> dict:
    """Migrate and seed a fresh database (an SQLite file in ``folder``, or ``database_url``
    emptied first: it must be a database of its own); one account per virtual user."""
    from flask_migrate import upgrade
    from sqlalchemy import create_engine, func, select, text

    from vendortrack import create_app, demo, services
    from vendortrack.clock import today
    from vendortrack.extensions import db
    from vendortrack.models import Engagement

    url = database_url or f"sqlite:///{folder / 'vt.sqlite3'}"
    if database_url:
        engine = create_engine(database_url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secret})
    accounts = []
    with app.app_context():
        upgrade()
        demo.seed(engagements, today())
        roles = [ROLE_CYCLE[i % len(ROLE_CYCLE)] for i in range(users)]
        # Product owners are demo internal owners, so they may edit "their" engagements.
        owners = db.session.execute(
            select(Engagement.owner_email, Engagement.owner_name)
            .where(Engagement.owner_email != "")
            .group_by(Engagement.owner_email, Engagement.owner_name)
            .order_by(func.count().desc(), Engagement.owner_email)
            .limit(roles.count("product_owner"))).all()
        owners = iter(owners)
        for number, role in enumerate(roles, 1):
            email, name = (next(owners, None) if role == "product_owner" else None) or (
                f"{role.replace('_', '.')}{number}@load.example.org", f"Load {role} {number}")
            services.create_user(email=email, name=name, role=role, password=PASSWORD,
                                 actor=None)
            editable = db.session.scalars(select(Engagement.id).where(
                func.lower(Engagement.owner_email) == email.lower())).all()
            accounts.append({"email": email, "role": role, "editable": list(editable)})
        everything = db.session.scalars(select(Engagement.id)).all()
        db.engine.dispose()  # closing the last connection checkpoints SQLite's WAL
    return {"url": url, "accounts": accounts, "everything": list(everything)}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def gunicorn_settings(app: str = "wsgi:app") -> list[str]:
    """How every measured server runs: gunicorn as ``make run`` starts it (its config file),
    2 workers. Another app (the benchmark's floor) gets the same worker settings without
    vendortrack's start-up hook."""
    if app == "wsgi:app":
        return ["-c", "python:vendortrack.gunicorn_conf", "--workers", "2"]
    from vendortrack import gunicorn_conf

    return ["--worker-class", gunicorn_conf.worker_class, "--threads",
            str(gunicorn_conf.threads), "--timeout", str(gunicorn_conf.timeout), "--workers", "2"]


def start_gunicorn(folder: Path, url: str, secret: str, port: int, *, app: str = "wsgi:app",
                   log_name: str = "gunicorn.log", **settings: str) -> subprocess.Popen:
    """gunicorn serving ``app`` with ``settings`` in its environment."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SECRET_KEY": secret, "DATABASE_URL": url,
           "SESSION_COOKIE_SECURE": "0", "RATELIMIT_LOGIN": "100000 per minute", **settings}
    log = open(folder / log_name, "w")  # noqa: SIM115 (closed with the process)
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", *gunicorn_settings(app), "--bind", f"{HOST}:{port}",
         app],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def worker_cpu_seconds(server: subprocess.Popen) -> float:
    """CPU time (user + system) used so far by the gunicorn master's live workers."""
    ticks = os.sysconf("SC_CLK_TCK")
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    total = 0
    for pid in children:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def wait_until_serving(server: subprocess.Popen, base: str, limit: float = 60,
                       path: str = "/login") -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}")
        try:
            if requests.get(base + path, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer within {limit:.0f} s")


def stop_gunicorn(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)  # graceful: the master stops its workers
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(5)
    server.stdout and server.stdout.close()


# --- checking the writes --------------------------------------------------------------------

def lost_writes(database: Path | str, writes: list[Write]) -> list[str]:
    """Every acknowledged write must be stored, and the last one per field must be what is there.

    Edits carry the version they produced, so their order is exact. Status changes are ordered
    by time: a write answered before another was sent committed first; overlapping ones may
    have committed in either order, so the stored value may be any of them.
    """
    from sqlalchemy import create_engine, text

    problems = []
    url = database if isinstance(database, str) else f"sqlite:///{database}"
    engine = create_engine(url)

    def rows(sql: str, **params):
        return conn.execute(text(sql), params)

    with engine.connect() as conn:
        by_key = defaultdict(list)
        for w in writes:
            by_key[w.key].append(w)
        for (what, ident), group in sorted(by_key.items()):
            if what == "title":
                history = {tuple(row) for row in rows(
                    "SELECT engagement_version, subject FROM audit_event WHERE engagement_id = "
                    ":e AND action = 'engagement.update'", e=ident)}
                problems += [f"engagement {ident}: saved edit v{w.version} {w.value!r} "
                             "missing from its history" for w in group
                             if (w.version, w.value) not in history]
                stored = rows("SELECT title FROM engagement WHERE id = :e", e=ident).scalar()
                last = max(group, key=lambda w: w.version)
                if stored != last.value:
                    problems.append(f"engagement {ident}: title is {stored!r}, the last saved "
                                    f"edit (v{last.version}) set {last.value!r}")
            else:
                stored, engagement, title = rows(
                    "SELECT status, engagement_id, title FROM deliverable WHERE id = :d",
                    d=ident).one()
                recorded = Counter(
                    change["new"] for (changes,) in rows(
                        "SELECT changes FROM audit_event WHERE engagement_id = :e AND "
                        "action = 'deliverable.status' AND subject = :s", e=engagement, s=title)
                    for change in json.loads(changes))
                for status, count in Counter(w.value for w in group).items():
                    if recorded[status] < count:
                        problems.append(f"deliverable {ident}: {count} changes to {status} "
                                        f"acknowledged, {recorded[status]} in its history")
                latest = max(w.sent for w in group)
                possible = {w.value for w in group if w.done >= latest}
                if stored not in possible:
                    problems.append(f"deliverable {ident}: status is {stored!r}, the last "
                                    f"acknowledged change set {sorted(possible)}")
    engine.dispose()
    return problems


# --- the run --------------------------------------------------------------------------------

@dataclass
class Report:
    seconds: float
    requests: int
    latencies: dict[str, list[float]]
    errors: list[str]
    outcomes: Counter
    writes: int
    lost: list[str]
    dashboard: bool
    server_log_problems: list[str]
    cpu_seconds: dict[str, float] = field(default_factory=dict)
    checks: list[tuple[str, bool, str]] = field(default_factory=list)  # several servers

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def ok(self) -> bool:
        return not self.errors and not self.lost and all(passed for _, passed, _ in self.checks)

    def slower_than(self, limit: float) -> list[tuple[str, float]]:
        """(kind, p99) of every kind of request whose p99 is above ``limit`` seconds."""
        return [(kind, percentiles(values)[99]) for kind, values in sorted(self.latencies.items())
                if percentiles(values)[99] > limit]

    def text(self) -> str:
        lines = [f"{self.requests} requests in {self.seconds:.1f} s: {self.rate:.1f} requests/s",
                 f"{'kind':<12}{'count':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"]
        everything = [x for values in self.latencies.values() for x in values]
        for kind, values in sorted(self.latencies.items()) + [("all", everything)]:
            p = percentiles(values)
            lines.append(f"{kind:<12}{len(values):>8}" + "".join(f"{p[q] * 1000:>9.0f}"
                                                                 for q in (50, 95, 99)))
        if self.cpu_seconds:
            lines.append("CPU seconds used meanwhile: " + ", ".join(
                f"{who} {used:.1f}" for who, used in self.cpu_seconds.items()))
        if not self.dashboard:
            lines.append("/dashboard: not in this build (404), left out of the mix")
        lines += [f"{name}: {count}" for name, count in sorted(self.outcomes.items())]
        lines += [f"acknowledged writes: {self.writes}", f"errors: {len(self.errors)}",
                  f"lost writes: {len(self.lost)}"]
        lines += [f"  error: {e}" for e in self.errors[:10]]
        lines += [f"  lost: {e}" for e in self.lost[:10]]
        lines += [f"  server log: {e}" for e in self.server_log_problems[:10]]
        lines += [f"{'PASS' if passed else 'FAIL'} {check}: {detail}"
                  for check, passed, detail in self.checks]
        return "\n".join(lines)


def percentiles(values: list[float]) -> dict[int, float]:
    """Nearest-rank percentiles."""
    ordered = sorted(values) or [0.0]
    return {q: ordered[min(len(ordered) - 1, max(0, -(-q * len(ordered) // 100) - 1))]
            for q in (50, 95, 99)}


def _cpu_seconds() -> dict[str, float]:
    """CPU time of this process (the users) and of finished children (gunicorn and workers)."""
    own, children = (resource.getrusage(who) for who in (resource.RUSAGE_SELF,
                                                          resource.RUSAGE_CHILDREN))
    return {"load client": own.ru_utime + own.ru_stime,
            "gunicorn": children.ru_utime + children.ru_stime}


def start_servers(folder: Path, url: str, secret: str, count: int,
                  **env: str) -> list[tuple[subprocess.Popen, str]]:
    """``count`` gunicorn instances of the app on their own loopback ports, all serving."""
    servers = []
    try:
        for number in range(count):
            port = free_port()
            servers.append((start_gunicorn(folder, url, secret, port,
                                           log_name=f"gunicorn-{number + 1}.log", **env),
                            f"http://{HOST}:{port}"))
        for process, base in servers:
            wait_until_serving(process, base)
    except BaseException:
        for process, _ in servers:
            stop_gunicorn(process)
        raise
    return servers


def run(users: int, seconds: float, engagements: int, seed: int = 1, log=print, *,
        servers: int = 1, database_url: str | None = None, redis_url: str | None = None,
        think: tuple[float, float] = (0.0, 0.0), spawn_rate: float = 10.0) -> Report:
    """Set up, load, stop and check; the servers are always stopped and the folder removed.

    Users arrive ``spawn_rate`` a second (as a crowd does, and as load tools ramp up: fifty
    sign-ins in one instant would measure Argon2 queueing, not the pages); the run then lasts
    ``seconds`` with all of them at work. Every request counts, the sign-ins included.

    With ``servers`` > 1 every user's requests are spread over all of them, and the checks of
    :func:`cluster_checks` run afterwards on a fresh pair with the normal login limit.
    """
    secret = secrets.token_hex(32)
    env = {"RATELIMIT_STORAGE_URI": redis_url} if redis_url else {}
    with tempfile.TemporaryDirectory(prefix="vendortrack-load-") as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        data = prepare(folder, engagements, users, secret, database_url)
        log(f"prepared {engagements} engagements and {users} accounts in "
            f"{time.perf_counter() - started:.1f} s")
        cluster = start_servers(folder, data["url"], secret, servers, **env)
        bases = [base for _, base in cluster]
        tally = Tally()
        try:
            # Signed out, a missing route is a 404 and an existing one sends you to sign in.
            dashboard = requests.get(bases[0] + "/dashboard", allow_redirects=False,
                                     timeout=REQUEST_TIMEOUT).status_code != 404
            # Admins often edit a few of the product owners' engagements: edits meet there.
            hot = sorted({e for a in data["accounts"] for e in a["editable"][:3]})
            stop = threading.Event()
            rng = random.Random(seed)
            crowd = [VirtualUser(n, bases, account, data["everything"], hot or data["everything"],
                                 dashboard, tally, random.Random(rng.random()), think)
                     for n, account in enumerate(data["accounts"], 1)]
            threads = [threading.Thread(target=u.run, args=(stop, n / spawn_rate), daemon=True)
                       for n, u in enumerate(crowd)]
            ramp = (len(crowd) - 1) / spawn_rate
            pauses = f", {think[0]:g}-{think[1]:g} s between actions" if think[1] else ""
            log(f"{users} users arriving {spawn_rate:g} a second, then {seconds:g} s all at "
                f"work{pauses}, against {servers} gunicorn instance(s) (2 workers each) on "
                f"{', '.join(bases)}")
            began = time.perf_counter()
            cpu_before = _cpu_seconds()
            for thread in threads:
                thread.start()
            time.sleep(ramp + seconds)
            stop.set()
            hard_stop = time.monotonic() + REQUEST_TIMEOUT * 3  # a few requests at most
            for thread in threads:
                thread.join(max(0.0, hard_stop - time.monotonic()))
            elapsed = time.perf_counter() - began
            stuck = sum(thread.is_alive() for thread in threads)
            if stuck:
                tally.error(f"{stuck} users still waiting at the hard stop")
        finally:
            for process, _ in cluster:
                stop_gunicorn(process)
        # The server's share counts once gunicorn has exited (its workers are reaped by then).
        cpu = {who: after - cpu_before[who] for who, after in _cpu_seconds().items()}
        checks = []
        if servers > 1:
            checks = cluster_checks(folder, data, secret, redis_url, tally)
        server_log = [line for log_file in sorted(folder.glob("gunicorn*.log"))
                      for line in log_file.read_text(errors="replace").splitlines()]
        with tally.lock:
            lost = lost_writes(database_url or folder / "vt.sqlite3", list(tally.writes))
            return Report(
                seconds=elapsed, requests=sum(map(len, tally.latencies.values())),
                latencies=dict(tally.latencies), errors=list(tally.errors),
                outcomes=tally.outcomes, writes=len(tally.writes), lost=lost,
                dashboard=dashboard, cpu_seconds=cpu, checks=checks,
                server_log_problems=[line for line in server_log if re.search(
                    r"database is locked|Traceback|ERROR|WORKER TIMEOUT", line)])


# --- several servers: what must hold across them ------------------------------------------

def _signed_in(base: str, email: str, password: str = PASSWORD) -> requests.Session | None:
    """A session signed in through ``base``, or None when the sign-in was refused."""
    http = requests.Session()
    page = http.get(base + "/login", timeout=REQUEST_TIMEOUT)
    if page.status_code != 200:
        return None
    response = http.post(base + "/login", allow_redirects=False, timeout=REQUEST_TIMEOUT,
                         data={"csrf_token": csrf_token(page.text), "email": email,
                               "password": password})
    location = urlsplit(response.headers.get("Location", "")).path
    if response.status_code != 302 or location in ("/login", "/setup"):
        return None
    return http


def cluster_checks(folder: Path, data: dict, secret: str, redis_url: str | None,
                   tally: Tally) -> list[tuple[str, bool, str]]:
    """(check, passed, detail) for what several servers must share, on two fresh instances
    with the normal login limit: sessions, edit conflicts and the failed-login limit.

    The Redis database (the limit's storage) is emptied first: it must be one of its own.
    """
    from vendortrack.config import Defaults

    if redis_url:
        import redis

        redis.Redis.from_url(redis_url).flushdb()
    env = {"RATELIMIT_LOGIN": Defaults.RATELIMIT_LOGIN}
    if redis_url:
        env["RATELIMIT_STORAGE_URI"] = redis_url
    admin = next((acc["email"] for acc in data["accounts"] if acc["role"] == "admin"), None)
    if admin is None:
        return [("cross-server checks", False, "they need an admin account: run 3 users or more")]
    cluster = start_servers(folder, data["url"], secret, 2, **env)
    (_, a), (_, b) = cluster
    checks = []
    try:
        # 1. A session made on A is valid on B.
        first = _signed_in(a, admin)
        shown = first and first.get(b + "/engagements", allow_redirects=False,
                                    timeout=REQUEST_TIMEOUT)
        checks.append(("session made on A is valid on B", bool(shown)
                       and shown.status_code == 200,
                       f"B answered {shown.status_code if shown else 'no session'}"))
        # 2. The same engagement saved through both at once: one saved, one conflict page.
        second = _signed_in(b, admin)
        checks.append(_conflict_across(first, second, a, b, data["everything"][0], tally))
        # 3. Failed sign-ins through A count on B.
        refused_on_a = None
        for attempt in range(1, 21):
            http = requests.Session()
            page = http.get(a + "/login", timeout=REQUEST_TIMEOUT)
            response = http.post(a + "/login", allow_redirects=False, timeout=REQUEST_TIMEOUT,
                                 data={"csrf_token": csrf_token(page.text), "email": admin,
                                       "password": "not the password"})
            if response.status_code == 429:
                refused_on_a = attempt
                break
        on_b = _signed_in(b, admin)
        checks.append(("failed sign-ins through A count on B",
                       refused_on_a is not None and on_b is None,
                       f"A refused attempt {refused_on_a}; the right password through B was "
                       f"{'refused' if on_b is None else 'accepted'}"))
    finally:
        for process, _ in cluster:
            stop_gunicorn(process)
    checks.append(_reminders_twice_at_once(data["url"], secret))
    return checks


class _Mailbox:
    """An SMTP server's handler that keeps who each message went to."""

    def __init__(self):
        self.recipients: list[str] = []

    async def handle_DATA(self, server, session, envelope):
        self.recipients += envelope.rcpt_tos
        return "250 Message accepted"


def _reminders_due(url: str, secret: str) -> tuple[date, set[str]]:
    """Today, and whom one reminder run alone would e-mail today (a dry run).

    Reminders fall on exact days (7, 3 and 1 days before a due date, ...), so the demo data
    alone may have nothing due today for the load run's few accounts: each product owner's
    first open engagement gets one open deliverable due in 7 days, saved as the owner would.
    """
    from dataclasses import replace

    from sqlalchemy import func, select

    from vendortrack import create_app, services
    from vendortrack.clock import today
    from vendortrack.extensions import db
    from vendortrack.models import Deliverable, Engagement, User
    from vendortrack.reminders import job

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secret})
    with app.app_context():
        day = today()
        owners = db.session.scalars(select(User).where(
            User.role == "product_owner", User.active.is_(True)).order_by(User.id)).all()
        for owner in owners:
            engagement = db.session.scalars(select(Engagement).where(
                func.lower(Engagement.owner_email) == owner.email.lower(),
                Engagement.status != "closed",
                Engagement.deliverables.any(Deliverable.status != "accepted"))
                .order_by(Engagement.id).limit(1)).first()
            if engagement is None:
                continue
            spec = services.engagement_spec(engagement)
            deliverables = list(spec.deliverables)
            n = next(i for i, d in enumerate(deliverables) if d.status != "accepted")
            deliverables[n] = replace(deliverables[n], due_date=day + timedelta(days=7))
            services.update_engagement(engagement, replace(spec, deliverables=tuple(deliverables)),
                                       owner, expected_version=engagement.version)
        expected = {item.email for item in job.run(day, dry_run=True).planned}
        db.session.remove()
        db.engine.dispose()
    return day, expected


def _reminders_twice_at_once(url: str, secret: str) -> tuple[str, bool, str]:
    """``flask send-reminders`` started on two machines at once: together they send what one
    run alone would (a digest to everybody with reminders due), nobody twice."""
    from aiosmtpd.controller import Controller

    name = "reminder job run on both servers at once sends each digest once"
    day, expected = _reminders_due(url, secret)
    mailbox = _Mailbox()
    smtp = Controller(mailbox, hostname=HOST, port=free_port())
    smtp.start()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SECRET_KEY": secret, "DATABASE_URL": url,
           "MAIL_URL": f"smtp://{HOST}:{smtp.port}"}
    command = [sys.executable, "-m", "flask", "--app", "vendortrack", "send-reminders",
               "--today", day.isoformat()]  # both on one day, even across midnight
    try:
        jobs = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, text=True) for _ in range(2)]
        outputs = [job.communicate(timeout=300)[0] for job in jobs]
    finally:
        smtp.stop()
    if any(job.returncode for job in jobs):
        return name, False, " | ".join(o.strip().splitlines()[-1] for o in outputs if o.strip())
    received = Counter(mailbox.recipients)
    twice = sorted(r for r, n in received.items() if n > 1)
    missing, unexpected = sorted(expected - set(received)), sorted(set(received) - expected)
    detail = (f"{len(mailbox.recipients)} digests to {len(received)} people; one run alone "
              f"would send {len(expected)}")
    for label, people in (("sent twice to", twice), ("never sent to", missing),
                          ("not due, sent to", unexpected)):
        if people:
            detail += f"; {label} {people[:3]}"
    return name, bool(expected) and received == Counter(expected), detail


def _conflict_across(first, second, a: str, b: str, engagement: int,
                     tally: Tally) -> tuple[str, bool, str]:
    name = "one engagement saved through A and B at once: one saved, one conflict"
    if first is None or second is None:
        return name, False, "could not sign in"
    posts = []
    for http, base, who in ((first, a, "A"), (second, b, "B")):
        page = http.get(f"{base}/engagements/{engagement}/edit", timeout=REQUEST_TIMEOUT)
        form = next(f for f in Forms(page.text).forms if f["id"] == "spec-form")
        title = f"Saved through server {who}"
        fields = [(n, title if n == "title" else v) for n, v in form["fields"]
                  if "__index__" not in n] + [("then", "show")]
        posts.append((http, f"{base}/engagements/{engagement}/edit", fields, title,
                      int(dict(fields)["version"])))
    answers = {}
    barrier = threading.Barrier(2)

    def save(http, url, fields, title, version):
        barrier.wait()
        sent = time.perf_counter()
        response = http.post(url, data=fields, allow_redirects=False, timeout=REQUEST_TIMEOUT)
        answers[title] = (response.status_code, sent, time.perf_counter(), version)

    threads = [threading.Thread(target=save, args=post) for post in posts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(code for code, *_ in answers.values())
    for title, (code, sent, done, version) in answers.items():
        if code == 302:  # checked with the load run's writes: it must be what is stored
            with tally.lock:
                tally.writes.append(Write(("title", engagement), title, sent, done, version + 1))
    return name, statuses == [302, 409], f"answers {statuses}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--engagements", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--think", default="0-0", help="seconds between a user's actions, "
                        "e.g. 1-5 (default: no pauses)")
    parser.add_argument("--servers", type=int, default=1,
                        help="gunicorn instances; every user's requests go to any of them")
    parser.add_argument("--database-url", help="a PostgreSQL database of its own (emptied "
                        "and seeded); default: an SQLite file in a temporary folder")
    parser.add_argument("--redis-url", help="Redis database of its own for the login limit "
                        "(emptied), e.g. redis://127.0.0.1:6379/7")
    parser.add_argument("--spawn-rate", type=float, default=10,
                        help="users who arrive (sign in) per second (default 10)")
    parser.add_argument("--p99", type=float, help="fail when any kind's p99 is above this "
                        "many milliseconds")
    args = parser.parse_args(argv)
    if args.servers > 1 and not (args.database_url and args.redis_url):
        parser.error("several servers share one PostgreSQL database and Redis: give "
                     "--database-url and --redis-url")
    low, _, high = args.think.partition("-")
    report = run(args.users, args.seconds, args.engagements, args.seed, servers=args.servers,
                 database_url=args.database_url, redis_url=args.redis_url,
                 think=(float(low), float(high or low)), spawn_rate=args.spawn_rate)
    print(report.text())
    slow = report.slower_than(args.p99 / 1000) if args.p99 else []
    for kind, p99 in slow:
        print(f"p99 of {kind}: {p99 * 1000:.0f} ms, above {args.p99:.0f} ms")
    ok = report.ok and not slow
    print("PASS: no errors, no lost writes" + (", every cross-server check held"
                                               if report.checks else "")
          + (f", every p99 <= {args.p99:.0f} ms" if args.p99 else "") if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""Load run: gunicorn with 2 workers on SQLite, signed-in users reading and writing at once.

    python -m tests.load.loadrun --users 50 --seconds 60 --engagements 10000

Builds a fresh database in a temporary folder (migrations, demo engagements, one account per
virtual user), serves it with gunicorn on 127.0.0.1 only, and runs the users as threads that
sign in through the real login form and then list, open, edit and change deliverables without
pause. Every response is checked; every acknowledged write is checked against the database
afterwards. Exits 1 when any request failed or an acknowledged write is missing.
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
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser
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

class Forms(HTMLParser):
    """Every <form> on a page: its action and the name/value pairs a browser would submit
    (buttons excepted: the caller says which one was pressed)."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._textarea: str | None = None
        self._select: dict | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
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
        elif tag == "textarea":
            self._textarea = a["name"]
            self._form["fields"].append([a["name"], ""])
        elif tag == "select":
            self._select = {"name": a["name"], "first": None, "chosen": None}

    def handle_data(self, data):
        if self._textarea is not None:
            self._form["fields"][-1][1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea" and self._textarea is not None:
            # Browsers drop the newline that starts a textarea's content.
            value = self._form["fields"][-1][1]
            self._form["fields"][-1][1] = value[2:] if value.startswith("\r\n") else (
                value[1:] if value.startswith("\n") else value)
            self._textarea = None
        elif tag == "select" and self._select is not None and self._form is not None:
            s = self._select
            self._form["fields"].append([s["name"], s["chosen"] if s["chosen"] is not None
                                         else s["first"] or ""])
            self._select = None


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
    def __init__(self, number: int, base: str, account: dict, everything: list[int],
                 hot: list[int], dashboard: bool, tally: Tally, rng: random.Random):
        self.number, self.base, self.account = number, base, account
        self.everything, self.hot, self.dashboard = everything, hot, dashboard
        self.tally, self.rng = tally, rng
        self.http = requests.Session()
        self.edits = 0

    # One request, timed and checked; ``expected`` are the statuses that are not errors.
    def request(self, kind: str, method: str, path: str, expected=(200,), **kwargs):
        sent = time.perf_counter()
        try:
            response = self.http.request(method, self.base + path, allow_redirects=False,
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

    def run(self, stop: threading.Event) -> None:
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
        form = next(f for f in Forms(page.text).forms if f["id"] == "spec-form")
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
        buttons = [f for f in Forms(page.text).forms if f["action"].endswith("/status")]
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

def prepare(folder: Path, engagements: int, users: int, secret: str) -> dict:
    """Migrate and seed a fresh SQLite database; one account per virtual user."""
    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from vendortrack import create_app, demo, services
    from vendortrack.clock import today
    from vendortrack.extensions import db
    from vendortrack.models import Engagement

    url = f"sqlite:///{folder / 'vt.sqlite3'}"
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


# How every measured server runs (load runs and the throughput benchmark alike).
GUNICORN_SETTINGS = ["--workers", "2", "--timeout", "60"]


def start_gunicorn(folder: Path, url: str, secret: str, port: int, *, app: str = "wsgi:app",
                   log_name: str = "gunicorn.log", **env_overrides: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SECRET_KEY": secret, "DATABASE_URL": url,
           "SESSION_COOKIE_SECURE": "0", "RATELIMIT_LOGIN": "100000 per minute",
           **env_overrides}
    log = open(folder / log_name, "w")  # noqa: SIM115 (closed with the process)
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", *GUNICORN_SETTINGS, "--bind", f"{HOST}:{port}", app],
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

def lost_writes(database: Path, writes: list[Write]) -> list[str]:
    """Every acknowledged write must be stored, and the last one per field must be what is there.

    Edits carry the version they produced, so their order is exact. Status changes are ordered
    by time: a write answered before another was sent committed first; overlapping ones may
    have committed in either order, so the stored value may be any of them.
    """
    problems = []
    with sqlite3.connect(database) as conn:
        by_key = defaultdict(list)
        for w in writes:
            by_key[w.key].append(w)
        for (what, ident), group in sorted(by_key.items()):
            if what == "title":
                history = set(conn.execute(
                    "SELECT engagement_version, subject FROM audit_event WHERE engagement_id = ?"
                    " AND action = 'engagement.update'", (ident,)))
                problems += [f"engagement {ident}: saved edit v{w.version} {w.value!r} "
                             "missing from its history" for w in group
                             if (w.version, w.value) not in history]
                stored = conn.execute("SELECT title FROM engagement WHERE id = ?",
                                      (ident,)).fetchone()[0]
                last = max(group, key=lambda w: w.version)
                if stored != last.value:
                    problems.append(f"engagement {ident}: title is {stored!r}, the last saved "
                                    f"edit (v{last.version}) set {last.value!r}")
            else:
                stored, engagement, title = conn.execute(
                    "SELECT status, engagement_id, title FROM deliverable WHERE id = ?",
                    (ident,)).fetchone()
                recorded = Counter(
                    change["new"] for (changes,) in conn.execute(
                        "SELECT changes FROM audit_event WHERE engagement_id = ? AND "
                        "action = 'deliverable.status' AND subject = ?", (engagement, title))
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

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def ok(self) -> bool:
        return not self.errors and not self.lost

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


def run(users: int, seconds: float, engagements: int, seed: int = 1,
        log=print) -> Report:
    """Set up, load, stop and check; the server is always stopped and the folder removed."""
    secret = secrets.token_hex(32)
    with tempfile.TemporaryDirectory(prefix="vendortrack-load-") as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        data = prepare(folder, engagements, users, secret)
        log(f"prepared {engagements} engagements and {users} accounts in "
            f"{time.perf_counter() - started:.1f} s")
        port = free_port()
        base = f"http://{HOST}:{port}"
        server = start_gunicorn(folder, data["url"], secret, port)
        tally = Tally()
        try:
            wait_until_serving(server, base)
            # Signed out, a missing route is a 404 and an existing one sends you to sign in.
            dashboard = requests.get(base + "/dashboard", allow_redirects=False,
                                     timeout=REQUEST_TIMEOUT).status_code != 404
            # Admins often edit a few of the product owners' engagements: edits meet there.
            hot = sorted({e for a in data["accounts"] for e in a["editable"][:3]})
            stop = threading.Event()
            rng = random.Random(seed)
            crowd = [VirtualUser(n, base, account, data["everything"], hot or data["everything"],
                                 dashboard, tally, random.Random(rng.random()))
                     for n, account in enumerate(data["accounts"], 1)]
            threads = [threading.Thread(target=u.run, args=(stop,), daemon=True) for u in crowd]
            log(f"{users} users for {seconds:g} s against gunicorn (2 workers) on {base}")
            began = time.perf_counter()
            cpu_before = _cpu_seconds()
            for thread in threads:
                thread.start()
            time.sleep(seconds)
            stop.set()
            hard_stop = time.monotonic() + REQUEST_TIMEOUT * 3  # a few requests at most
            for thread in threads:
                thread.join(max(0.0, hard_stop - time.monotonic()))
            elapsed = time.perf_counter() - began
            stuck = sum(thread.is_alive() for thread in threads)
            if stuck:
                tally.error(f"{stuck} users still waiting at the hard stop")
        finally:
            stop_gunicorn(server)
        # The server's share counts once gunicorn has exited (its workers are reaped by then).
        cpu = {who: after - cpu_before[who] for who, after in _cpu_seconds().items()}
        server_log = (folder / "gunicorn.log").read_text(errors="replace").splitlines()
        with tally.lock:
            lost = lost_writes(folder / "vt.sqlite3", list(tally.writes))
            return Report(
                seconds=elapsed, requests=sum(map(len, tally.latencies.values())),
                latencies=dict(tally.latencies), errors=list(tally.errors),
                outcomes=tally.outcomes, writes=len(tally.writes), lost=lost,
                dashboard=dashboard, cpu_seconds=cpu,
                server_log_problems=[line for line in server_log if re.search(
                    r"database is locked|Traceback|ERROR|WORKER TIMEOUT", line)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--engagements", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    report = run(args.users, args.seconds, args.engagements, args.seed)
    print(report.text())
    print("PASS: no errors, no lost writes" if report.ok else "FAIL")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""The dashboard's figures kept per process while the database's data version is unchanged.

Migration 0013 gives the database one ``data_version`` row and triggers that bump it on every
write to the tables the figures read (engagements, their stored flags, vendors and business
functions; an engagement's update only when it sets one of :data:`ENGAGEMENT_COLUMNS`,
migration 0014), whoever writes: this app, another server, a script or a SQL console. A dashboard
view reads the version (one primary-key lookup) and serves what it computed earlier for the
same filters and day only while the version is the one it was computed under; a newer
version empties the cache. Deliverables, people and the rest are not watched: the figures
read them only through facts stored on the engagement row, which the same transaction
updates.

The version is read before the figures are computed, so a write committed in between can
only make the kept figures newer than their version, never older; a request that read an
older version than the newest seen computes for itself and keeps nothing. (A database restored
from a backup goes back to an older version: the cache then keeps nothing until writes pass
the newest version it saw, or the app restarts.) ``DASHBOARD_CACHE=0`` turns
the cache off. If the triggers are missing (a database not built by the migrations, or a
later migration that copied a table without re-creating them) the cache turns itself off and
says so in the log.
"""
from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import TypeVar

from flask import Flask, current_app
from sqlalchemy import select

from ..extensions import db, triggers_named
from ..models import DataVersion

log = logging.getLogger(__name__)

# The tables whose writes bump the version (migration 0013 holds the same list).
TABLES = ("engagement", "engagement_flag", "vendor", "business_function")
SQLITE_EVENTS = ("insert", "update", "delete")
# The engagement columns the figures, charts, menus and board pack read: an update bumps the
# version only when it sets one of them (migration 0014 holds the same list; a test checks
# every statement the dashboard runs against it).
ENGAGEMENT_COLUMNS = ("id", "vendor_id", "status", "owner_email", "currency", "contract_value",
                      "handover_date", "earliest_open_due", "open_deliverables",
                      "risk_undated_level", "risk_undated_trap", "supports_critical_function",
                      "substitutability", "reintegration", "reintegration_suggested",
                      "exit_plan_documented", "exit_plan_last_tested_on",
                      "exit_plan_next_review_on", "successor_ready")
MAX_ENTRIES = 64  # filter combinations kept per process (least recently used go first)
EXTENSION = "vendortrack_dashboard_cache"

T = TypeVar("T")


def expected_triggers(dialect: str) -> set[str]:
    """The names of the triggers that keep the data version, on ``dialect``."""
    if dialect == "postgresql":
        return {f"data_version_{t}{suffix}" for t in TABLES for suffix in ("", "_truncate")}
    return {f"data_version_{t}_{event}" for t in TABLES for event in SQLITE_EVENTS}


class FiguresCache:
    """What was computed under one data version, by key; emptied when the version moves."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.checked = False  # the triggers are looked for once, on first use
        self.version: int | None = None
        self.entries: OrderedDict[tuple, object] = OrderedDict()
        self.hits = self.misses = 0
        self._lock = threading.Lock()

    def check_triggers(self) -> None:
        missing = expected_triggers(db.engine.dialect.name) - triggers_named(
            db.session.connection(), "data_version_")
        if missing:
            self.enabled = False
            log.warning("dashboard cache off: the database lacks the data-version triggers %s "
                        "(run `flask db upgrade`)", ", ".join(sorted(missing)))
        self.checked = True

    def get(self, version: int, key: tuple, build: Callable[[], T]) -> T:
        with self._lock:
            if self.version is None or version > self.version:
                self.entries.clear()  # written since: everything kept is out of date
                self.version = version
            if version == self.version and key in self.entries:
                self.entries.move_to_end(key)
                self.hits += 1
                return self.entries[key]  # type: ignore[return-value]
            self.misses += 1
        value = build()
        with self._lock:
            # Kept only under the newest version seen: a request that read the version just
            # before another one's write computes for itself alone.
            if version == self.version:
                self.entries[key] = value
                while len(self.entries) > MAX_ENTRIES:
                    self.entries.popitem(last=False)
        return value


def scope_key(scope) -> tuple:
    """A hashable key for a dashboard's filters."""
    return tuple(sorted(scope.args().items()))


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = FiguresCache(bool(app.config["DASHBOARD_CACHE"]))


def of(app: Flask) -> FiguresCache:
    return app.extensions[EXTENSION]


def remember(key: tuple, build: Callable[[], T]) -> T:
    """``build()``, or what it gave for ``key`` in this process under the current data version."""
    cache = of(current_app)
    if cache.enabled and not cache.checked:
        cache.check_triggers()
    if not cache.enabled:
        return build()
    version = db.session.scalar(select(DataVersion.version).where(DataVersion.id == 1))
    if version is None:  # no row: nothing to tell writes apart by
        return build()
    return cache.get(version, key, build)

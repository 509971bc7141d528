"""Benchmark data: demo engagements seeded once and kept in a cached database file.

Seeding 100,000 engagements takes a few minutes, so each size is built once into
``$TMPDIR/vendortrack-bench/`` (or ``BENCH_CACHE_DIR``) and reused by later runs; the
migrations are applied on every run so a cached file picks up new indexes. PostgreSQL is
measured too when ``BENCH_DATABASE_URL`` names a database of its own (it is reseeded when its
engagement count differs); ``BENCH_BACKENDS=postgresql`` measures only that.
"""
from __future__ import annotations

import os
import sqlite3
import tempfile
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from tests.conftest import app_config, upgrade
from vendortrack import create_app

TODAY = date(2026, 11, 26)
SEED = 7
SIZES = [int(n) for n in os.environ.get("BENCH_SIZES", "1000,10000,100000").split(",")]
PG_URL = os.environ.get("BENCH_DATABASE_URL")
BACKENDS = os.environ.get("BENCH_BACKENDS", "sqlite,postgresql" if PG_URL else "sqlite").split(",")


@pytest.fixture
def leader_client(bench_app):
    """A test client signed in as leadership."""
    client = bench_app.test_client()
    login(bench_app, client)
    return client


LEADER = ("leader@example.org", "correct horse battery staple")  # hashed cheaply (app_config)


def login(app, client) -> None:
    """Sign ``client`` in through the login form (sessions are rows in the database)."""
    from tests.conftest import Client

    helper = Client(app)
    helper.http = client
    helper.login(*LEADER)


def cache_dir() -> Path:
    path = Path(os.environ.get("BENCH_CACHE_DIR")
                or Path(tempfile.gettempdir()) / "vendortrack-bench")
    path.mkdir(parents=True, exist_ok=True)
    return path


def seed_into(url: str, count: int) -> None:
    from vendortrack import demo, services
    from vendortrack.extensions import db

    app = create_app(app_config(url))
    with app.app_context():
        services.create_user(email=LEADER[0], name="Lee Leader", role="leadership",
                             password=LEADER[1], actor=None)
        demo.seed(count, TODAY, SEED)
        db.session.remove()
        db.engine.dispose()


def migration_head() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parents[2] / "migrations"))
    return "-".join(sorted(ScriptDirectory.from_config(config).get_heads()))


def sqlite_database(count: int) -> str:
    """A migrated SQLite file holding ``count`` demo engagements, built once and cached."""
    # Named by the migration head: a checkout with other (or re-chained) migrations, sharing
    # the cache folder, builds its own file instead of failing to upgrade another's.
    path = cache_dir() / f"bench-{count}-seed{SEED}-{TODAY.isoformat()}-{migration_head()}.sqlite3"
    if not path.exists():
        partial = path.with_name(path.stem + "-partial.sqlite3")
        for leftover in path.parent.glob(partial.name + "*"):
            leftover.unlink()
        upgrade(f"sqlite:///{partial}")
        seed_into(f"sqlite:///{partial}", count)
        # A backup copies the WAL too and leaves one self-contained file; then rename it whole.
        source, target = sqlite3.connect(partial), sqlite3.connect(f"{path}.tmp")
        source.backup(target)
        target.close()
        source.close()
        os.replace(f"{path}.tmp", path)
        for leftover in path.parent.glob(partial.name + "*"):
            leftover.unlink()
    upgrade(f"sqlite:///{path}")
    # Plans as a freshly seeded database gets them: without ANALYZE statistics.
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TABLE IF EXISTS sqlite_stat1")
    return f"sqlite:///{path}"


def postgres_database(count: int) -> str:
    from vendortrack.models import Engagement

    engine = create_engine(PG_URL)
    try:
        with engine.connect() as conn:
            have = conn.execute(select(func.count()).select_from(Engagement.__table__)).scalar()
    except Exception:
        have = None
    engine.dispose()
    if have != count:
        engine = create_engine(PG_URL)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        upgrade(PG_URL)
        seed_into(PG_URL, count)
    upgrade(PG_URL)
    # Steady state, as autovacuum leaves it: statistics, and a visibility map for index-only scans.
    engine = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("VACUUM (ANALYZE)"))
    engine.dispose()
    return PG_URL


@pytest.fixture(scope="session", params=[(b, n) for n in SIZES for b in BACKENDS],
                ids=lambda p: f"{p[0]}-{p[1]}")
def bench_app(request):
    backend, count = request.param
    url = sqlite_database(count) if backend == "sqlite" else postgres_database(count)
    app = create_app(app_config(url, BENCH_ENGAGEMENTS=count))
    yield app
    with app.app_context():
        from vendortrack.extensions import db

        db.engine.dispose()

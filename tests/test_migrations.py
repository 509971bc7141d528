"""Migrations build the schema from nothing, and the models match them."""
from sqlalchemy import inspect

from vendortrack.extensions import db

from .conftest import schema_differences


def test_upgraded_schema_matches_models(app):
    """The app fixture's database was built by `flask db upgrade` alone."""
    assert schema_differences({"compare_type": True}) == []


def test_all_tables_exist(app):
    tables = set(inspect(db.engine).get_table_names())
    assert {"user", "vendor", "engagement", "deliverable", "metric", "hard_constraint",
            "tradeoff_rule", "engagement_person", "engagement_flag", "annex", "audit_event",
            "api_token", "alembic_version"} <= tables


def test_a_first_release_database_with_data_upgrades_on_sqlite(tmp_path):
    """People upgrading keep their data: batch copies of tables that others point at (the
    user table, say) must not trip SQLite's foreign keys."""
    import sqlite3

    from flask_migrate import upgrade

    from vendortrack import create_app

    from .conftest import app_config

    path = tmp_path / "release-one.sqlite3"
    app = create_app(app_config(f"sqlite:///{path}"))
    with app.app_context():
        upgrade(revision="3c1f5e0d9a21")  # the first release's head
        db.engine.dispose()
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO user (id, email, name, role, password_hash, active, "
                     "session_generation, created_at) VALUES (1, 'pat@example.org', 'Pat', "
                     "'admin', 'x', 1, 0, '2026-01-01')")
        conn.execute("INSERT INTO engagement (id, title, contract_reference, currency, status, "
                     "problem_statement, core_capability, owner_name, owner_email, "
                     "created_by_id, created_at, updated_at, version, risk_undated_level, "
                     "risk_undated_trap, open_deliverables) VALUES (1, 'Kept', '', '', "
                     "'draft', '', 0, '', '', 1, '2026-01-01', '2026-01-01', 1, 3, 1, 0)")
        conn.execute("INSERT INTO audit_event (at, user_id, action, engagement_id, subject, "
                     "changes) VALUES ('2026-01-01', 1, 'engagement.create', 1, 'Kept', '[]')")
    with app.app_context():
        upgrade()
        db.engine.dispose()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT title, created_by_id FROM engagement").fetchall() == [
            ("Kept", 1)]
        assert conn.execute("SELECT email FROM user").fetchall() == [("pat@example.org",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []

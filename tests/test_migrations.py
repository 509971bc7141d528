"""Migrations build the schema from nothing, and the models match them."""
from sqlalchemy import inspect, text

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



def test_the_data_version_triggers_exist_at_head(app):
    """The tables the dashboard cache watches have their triggers: SQLite's batch copies of a
    table drop its triggers, so a later migration must create them again."""
    from vendortrack.dashboard import cache
    from vendortrack.extensions import triggers_named

    with db.engine.connect() as connection:
        assert triggers_named(connection, "data_version_") == cache.expected_triggers(
            connection.dialect.name)
        assert [row.id for row in connection.execute(text("SELECT id FROM data_version"))] == [1]


def test_every_kind_of_write_to_a_watched_table_bumps_the_data_version(app, make_engagement):
    """Inserts, updates and deletes on each watched table, in plain SQL as a script would."""
    def version() -> int:
        return db.session.scalar(text("SELECT version FROM data_version"))

    before = version()
    make_engagement(constraints=())  # a vendor, the engagement and one stored flag
    assert version() > before

    function = ("INSERT INTO business_function (name, name_key, criticality, "
                "criticality_reasons, number, licensed_activity, created_at, updated_at) "
                "VALUES ('Payments', 'payments', 'critical', '', 99, '', '2026-01-01', "
                "'2026-01-01')")
    vendor = ("INSERT INTO vendor (name, name_key, contact, notes, legal_name, lei, country, "
              "other_code, parent_code, created_at) VALUES ('Spare', 'spare', '', '', '', '', "
              "'', '', '', '2026-01-01')")
    writes = [function, "UPDATE business_function SET criticality = 'important'",
              "DELETE FROM business_function", vendor, "UPDATE vendor SET contact = 'x'",
              "DELETE FROM vendor WHERE name_key = 'spare'",
              "UPDATE engagement SET owner_email = 'someone@example.org'",
              "UPDATE engagement_flag SET code = 'SPEC_NO_METRICS'",
              "DELETE FROM engagement_flag"]
    for statement in writes:
        before = version()
        db.session.execute(text(statement))
        db.session.commit()
        assert version() > before, statement


def test_an_engagement_update_bumps_the_data_version_only_for_what_the_dashboard_reads(
        app, make_engagement):
    """Each column the dashboard reads moves the version when an UPDATE sets it, even to the
    value it had; the others (a title, the problem statement) do not."""
    from vendortrack.dashboard import cache

    def version() -> int:
        return db.session.scalar(text("SELECT version FROM data_version"))

    make_engagement()
    for column in cache.ENGAGEMENT_COLUMNS:
        before = version()
        db.session.execute(text(f"UPDATE engagement SET {column} = {column}"))
        db.session.commit()
        assert version() > before, column
    for column in ("title", "problem_statement", "contract_reference", "owner_name"):
        before = version()
        db.session.execute(text(f"UPDATE engagement SET {column} = {column} || ' (edited)'"))
        db.session.commit()
        assert version() == before, column

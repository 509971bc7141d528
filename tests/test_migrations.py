"""Migrations build the schema from nothing, and the models match them."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from vendortrack.extensions import db
from vendortrack.models import POSTGRESQL_SEARCH_INDEXES


def test_upgraded_schema_matches_models(app):
    """The app fixture's database was built by `flask db upgrade` alone."""
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    # PostgreSQL-only search indexes exist in the migration alone (see models).
    diff = [d for d in diff if not (d[0] == "remove_index"
                                    and d[1].name in POSTGRESQL_SEARCH_INDEXES)]
    assert diff == []


def test_all_tables_exist(app):
    tables = set(inspect(db.engine).get_table_names())
    assert {"user", "vendor", "engagement", "deliverable", "metric", "hard_constraint",
            "tradeoff_rule", "engagement_person", "engagement_flag", "annex", "audit_event",
            "api_token", "alembic_version"} <= tables

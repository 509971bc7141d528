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

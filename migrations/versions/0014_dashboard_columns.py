"""dashboard columns: an engagement's update moves the data version only when it changes a
column the dashboard reads

The dashboard's figures, charts, menus and board pack read these engagement columns and no
others (tests/test_dashboard_cache.py checks every statement they run against the list). An
edit of anything else (a title, the problem statement, a contract reference) no longer empties
every process's dashboard cache. Inserts and deletes still always move it, and so does any
write to the stored flags, vendors and business functions.

SQLite: ``AFTER UPDATE OF`` fires when one of the columns is in the statement's SET list (the
ORM sets only the columns whose value changed). PostgreSQL: the constraint trigger takes the
same ``UPDATE OF`` list.

Revision ID: 0014_dashboard_columns
Revises: 0013_dashboard_cache
Create Date: 2026-11-29 19:00:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0014_dashboard_columns'
down_revision = '0013_dashboard_cache'
branch_labels = None
depends_on = None

# Duplicated from vendortrack.dashboard.cache.ENGAGEMENT_COLUMNS: a migration stays as written.
COLUMNS = ('id', 'vendor_id', 'status', 'owner_email', 'currency', 'contract_value',
           'handover_date', 'earliest_open_due', 'open_deliverables', 'risk_undated_level',
           'risk_undated_trap', 'supports_critical_function', 'substitutability',
           'reintegration', 'reintegration_suggested', 'exit_plan_documented',
           'exit_plan_last_tested_on', 'exit_plan_next_review_on', 'successor_ready')
BUMP = 'UPDATE data_version SET version = version + 1 WHERE id = 1'


def _engagement_trigger(columns: tuple[str, ...] | None) -> None:
    """(Re)create the engagement's data-version trigger; with ``columns`` its updates bump
    only when one of them is set."""
    update = f'UPDATE OF {", ".join(columns)}' if columns else 'UPDATE'
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP TRIGGER IF EXISTS data_version_engagement ON engagement')
        op.execute(f'CREATE CONSTRAINT TRIGGER data_version_engagement '
                   f'AFTER INSERT OR {update} OR DELETE ON engagement '
                   f'DEFERRABLE INITIALLY DEFERRED FOR EACH ROW '
                   f'EXECUTE FUNCTION data_version_bump()')
    else:
        op.execute('DROP TRIGGER IF EXISTS data_version_engagement_update')
        op.execute(f'CREATE TRIGGER data_version_engagement_update AFTER {update} ON engagement '
                   f'BEGIN {BUMP}; END')


def upgrade():
    _engagement_trigger(COLUMNS)


def downgrade():
    _engagement_trigger(None)

"""more list and dashboard indexes (issue 17)

ix_engagement_status_updated lets ``status=…`` walk its engagements in the list's default
order (most recently updated first) to the page instead of sorting every engagement with that
status.

ix_engagement_dashboard (migration 0002) covered the dashboard's aggregates until the exit
rules added columns the risk level reads; it now covers those too (the exit facts after the
old columns), so PostgreSQL counts the dashboard and the ``risk=``/``trap=1`` list totals
with an index-only scan instead of reading every row. ix_engagement_critical_cover holds the
engagements supporting a critical function only (about one in seven) with what the exit panel
reads, so the panel no longer scans the table.

Revision ID: 0011_perf_more
Revises: 0010_organisation
Create Date: 2026-12-01 12:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0011_perf_more'
down_revision = '0010_organisation'
branch_labels = None
depends_on = None

# Duplicated from the models (and migration 0002): a migration stays as written.
DASHBOARD_0002 = ['vendor_id', 'status', 'risk_undated_level', 'risk_undated_trap',
                  'handover_date', 'earliest_open_due', 'open_deliverables', 'currency',
                  'contract_value', 'owner_email']
DASHBOARD = DASHBOARD_0002 + ['supports_critical_function', 'exit_plan_documented',
                              'exit_plan_last_tested_on', 'exit_plan_next_review_on',
                              'successor_ready']
CRITICAL = ['status', 'vendor_id', 'substitutability', 'reintegration',
            'reintegration_suggested', 'exit_plan_documented', 'exit_plan_last_tested_on',
            'handover_date', 'successor_ready', 'owner_email', 'supports_critical_function',
            'id']
# Booleans are true in PostgreSQL and 1 in SQLite; each planner matches its own spelling.
CRITICAL_ONLY = {'postgresql_where': sa.text('supports_critical_function'),
                 'sqlite_where': sa.text('supports_critical_function = 1')}


def upgrade():
    op.create_index('ix_engagement_status_updated', 'engagement',
                    ['status', 'updated_at', 'id'], unique=False)
    op.drop_index('ix_engagement_dashboard', table_name='engagement')
    op.create_index('ix_engagement_dashboard', 'engagement', DASHBOARD, unique=False)
    op.create_index('ix_engagement_critical_cover', 'engagement', CRITICAL, unique=False,
                    **CRITICAL_ONLY)


def downgrade():
    op.drop_index('ix_engagement_critical_cover', table_name='engagement')
    op.drop_index('ix_engagement_dashboard', table_name='engagement')
    op.create_index('ix_engagement_dashboard', 'engagement', DASHBOARD_0002, unique=False)
    op.drop_index('ix_engagement_status_updated', table_name='engagement')

"""list indexes for 100,000 engagements (issue 17)

ix_engagement_risk_order holds every column the risk level on a given day is computed from
(risk_queries.level) followed by the list's tie-breakers (updated_at, id). The list's
``sort=risk`` reads only ids from it (an index-only scan plus a top-N sort instead of a scan of
whole rows), and counting ``risk=…`` or ``trap=1`` matches needs no row either.
ix_engagement_title_order lets ``sort=title`` walk an index to its page.

Revision ID: 0004_perf_indexes
Revises: 0003_single_sign_on
Create Date: 2026-11-29 12:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0004_perf_indexes'
down_revision = '0003_single_sign_on'
branch_labels = None
depends_on = None

RISK_ORDER = ['status', 'risk_undated_level', 'handover_date', 'open_deliverables',
              'earliest_open_due', 'risk_undated_trap', 'updated_at', 'id']


def upgrade():
    with op.batch_alter_table('engagement', schema=None) as batch_op:
        batch_op.create_index('ix_engagement_risk_order', RISK_ORDER, unique=False)
        batch_op.create_index('ix_engagement_title_order', ['title', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('engagement', schema=None) as batch_op:
        batch_op.drop_index('ix_engagement_title_order')
        batch_op.drop_index('ix_engagement_risk_order')

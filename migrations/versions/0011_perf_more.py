"""more list indexes (issue 17)

ix_engagement_status_updated lets ``status=…`` walk its engagements in the list's default
order (most recently updated first) to the page instead of sorting every engagement with that
status.

Revision ID: 0011_perf_more
Revises: 0010_organisation
Create Date: 2026-12-01 12:00:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0011_perf_more'
down_revision = '0010_organisation'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_engagement_status_updated', 'engagement',
                    ['status', 'updated_at', 'id'], unique=False)


def downgrade():
    op.drop_index('ix_engagement_status_updated', table_name='engagement')

"""annex.engagement_version: the engagement's version an annex froze

An engagement still at the version its latest annex froze states that annex's terms, so
"spec changed since the annex" (My work, the reminder job) compares only the engagements saved
since. Issued annexes never change (migration 0006's triggers), so those issued before keep
NULL; their version is read from their "annex.issue" history event instead.

Plain ALTER TABLE on SQLite too: a batch copy of the table would drop those triggers.

Revision ID: 0012_annex_engagement_version
Revises: 0011_perf_more
Create Date: 2026-12-02 12:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0012_annex_engagement_version'
down_revision = '0011_perf_more'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('annex', sa.Column('engagement_version', sa.Integer(), nullable=True))


def downgrade():
    op.drop_column('annex', 'engagement_version')

"""reminder_run.weekly_mail_owed: the weekly mail was due on that run and did not all go out

When the SMTP server is unavailable on the run that sends the weekly mail (digests and the
leadership summary), the next run in the same ISO week sends it instead of waiting a week.

Revision ID: 0015_weekly_mail_owed
Revises: 0014_dashboard_columns
Create Date: 2026-11-29 21:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0015_weekly_mail_owed'
down_revision = '0014_dashboard_columns'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('reminder_run', sa.Column('weekly_mail_owed', sa.Boolean(), nullable=False,
                                            server_default=sa.false()))


def downgrade():
    op.drop_column('reminder_run', 'weekly_mail_owed')

"""sso session hint: the provider's ID token kept on the server-side session record

The hint for signing out at the identity provider moves from the signed cookie to the
user_session row of a single sign-on, and ends with it.

Revision ID: 0007_sso_session_hint
Revises: 0006_trust
Create Date: 2026-11-29 12:30:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0007_sso_session_hint'
down_revision = '0006_trust'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('id_token_hint', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.drop_column('id_token_hint')

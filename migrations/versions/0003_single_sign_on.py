"""single sign-on: break-glass accounts and how and when each person last signed in

break_glass marks the accounts that may still use a password when PASSWORD_LOGIN is off, so a
broken identity provider never locks everyone out. last_sign_in_at and last_sign_in_method
("password" or "oidc") feed the administrator's user list.

Revision ID: 0003_single_sign_on
Revises: 3c1f5e0d9a21
Create Date: 2026-11-29 11:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003_single_sign_on'
down_revision = '3c1f5e0d9a21'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('break_glass', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
        batch_op.add_column(sa.Column('last_sign_in_at', sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('last_sign_in_method', sa.String(length=20),
                                      nullable=True))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('last_sign_in_method')
        batch_op.drop_column('last_sign_in_at')
        batch_op.drop_column('break_glass')

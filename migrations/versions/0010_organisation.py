"""organisation: the filing organisation's LEI, country, scope and base currency

One row (id 1) that administrators edit on the admin page; every value may stay NULL, which
means "use the ORGANISATION_* setting". The register-of-information export reads it.

Revision ID: 0010_organisation
Revises: 0009_register_fields
Create Date: 2026-11-30 12:00:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0010_organisation'
down_revision = '0009_register_fields'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'organisation_settings',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('lei', sa.String(length=20), nullable=True),
        sa.Column('country', sa.String(length=2), nullable=True),
        sa.Column('consolidated', sa.Boolean(), nullable=True),
        sa.Column('base_currency', sa.String(length=3), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'],
                                name=op.f('fk_organisation_settings_updated_by_id_user'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation_settings')),
    )


def downgrade():
    op.drop_table('organisation_settings')

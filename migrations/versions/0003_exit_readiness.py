"""exit readiness: business functions and provider identity

Business functions become records with their criticality (critical or important under DORA
Art. 28 / EBA/GL/2019/02), recovery objectives and impact of discontinuing; vendors gain the
provider identity a register of information needs (legal name, LEI, head-office country).

Revision ID: 0003_exit_readiness
Revises: 3c1f5e0d9a21
Create Date: 2026-11-29 11:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003_exit_readiness'
down_revision = '3c1f5e0d9a21'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'business_function',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('name_key', sa.String(length=200), nullable=False),
        sa.Column('criticality', sa.String(length=20), nullable=False),
        sa.Column('criticality_reasons', sa.Text(), nullable=False),
        sa.Column('assessed_on', sa.Date(), nullable=True),
        sa.Column('rto_hours', sa.Integer(), nullable=True),
        sa.Column('rpo_hours', sa.Integer(), nullable=True),
        sa.Column('impact', sa.String(length=10), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_business_function')),
        sa.UniqueConstraint('name_key', name=op.f('uq_business_function_name_key')),
    )
    with op.batch_alter_table('business_function', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_business_function_criticality'), ['criticality'],
                              unique=False)

    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('business_function_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_audit_event_business_function_id'),
                              ['business_function_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_audit_event_business_function_id_business_function'),
                                    'business_function', ['business_function_id'], ['id'])

    with op.batch_alter_table('vendor', schema=None) as batch_op:
        batch_op.add_column(sa.Column('legal_name', sa.String(length=200), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('lei', sa.String(length=20), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('country', sa.String(length=2), nullable=False,
                                      server_default=''))
    # The server defaults only fill existing rows; the app always sets the values.
    with op.batch_alter_table('vendor', schema=None) as batch_op:
        batch_op.alter_column('legal_name', server_default=None)
        batch_op.alter_column('lei', server_default=None)
        batch_op.alter_column('country', server_default=None)


def downgrade():
    with op.batch_alter_table('vendor', schema=None) as batch_op:
        batch_op.drop_column('country')
        batch_op.drop_column('lei')
        batch_op.drop_column('legal_name')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_audit_event_business_function_id_business_function'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_audit_event_business_function_id'))
        batch_op.drop_column('business_function_id')
    with op.batch_alter_table('business_function', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_business_function_criticality'))
    op.drop_table('business_function')

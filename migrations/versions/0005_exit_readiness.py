"""exit readiness: business functions, provider identity, contract terms, exit plans

Business functions become records with their criticality (critical or important under DORA
Art. 28 / EBA/GL/2019/02), recovery objectives and impact of discontinuing; vendors gain the
provider identity a register of information needs (legal name, LEI, head-office country).
Engagements name the function they support and carry the contract terms, the exit plan and
the substitutability and reintegration assessments; each successor row carries their own
attestation of readiness. Stored facts (supports_critical_function, successor_ready,
reintegration_suggested) let the dated exit rules and the dashboard run in SQL, like
open_deliverables and earliest_open_due.

Revision ID: 0005_exit_readiness
Revises: 0004_reminders
Create Date: 2026-11-29 11:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005_exit_readiness'
down_revision = '0004_reminders'
branch_labels = None
depends_on = None


FALSE = sa.false()
EMPTY_LIST = sa.text("'[]'")
ENGAGEMENT_COLUMNS = [
    ('notice_period_days_organisation', sa.Integer(), None),
    ('notice_period_days_provider', sa.Integer(), None),
    ('transition_period_days', sa.Integer(), None),
    ('countries_service', sa.JSON(), EMPTY_LIST),
    ('countries_data_storage', sa.JSON(), EMPTY_LIST),
    ('countries_data_processing', sa.JSON(), EMPTY_LIST),
    ('annual_expense', sa.Numeric(precision=16, scale=2), None),
    ('exit_plan_documented', sa.Boolean(), FALSE),
    ('exit_plan_summary', sa.Text(), sa.text("''")),
    ('exit_plan_scenarios', sa.JSON(), EMPTY_LIST),
    ('exit_plan_last_tested_on', sa.Date(), None),
    ('exit_plan_last_test_result', sa.String(length=20), None),
    ('exit_plan_next_review_on', sa.Date(), None),
    ('exit_plan_alternatives', sa.String(length=20), None),
    ('exit_plan_alternative_providers', sa.JSON(), EMPTY_LIST),
    ('substitutability', sa.String(length=20), None),
    ('reintegration', sa.String(length=20), None),
    ('supports_critical_function', sa.Boolean(), FALSE),
    ('successor_ready', sa.Boolean(), FALSE),
    ('reintegration_suggested', sa.String(length=20), sa.text("'highly_complex'")),
]
PERSON_COLUMNS = [
    ('can_operate', sa.Boolean(), FALSE),
    ('can_maintain', sa.Boolean(), FALSE),
    ('can_extend', sa.Boolean(), FALSE),
    ('can_explain', sa.Boolean(), FALSE),
    ('attested_on', sa.Date(), None),
]


def _add_columns(batch_op, columns) -> None:
    for name, type_, default in columns:
        batch_op.add_column(sa.Column(name, type_, nullable=default is None,
                                      server_default=default))


def _drop_server_defaults(table: str, columns) -> None:
    # The server defaults only fill existing rows; the app always sets the values.
    with op.batch_alter_table(table, schema=None) as batch_op:
        for name, _type, default in columns:
            if default is not None:
                batch_op.alter_column(name, server_default=None)


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
    _drop_server_defaults('vendor', [('legal_name', None, ''), ('lei', None, ''),
                                     ('country', None, '')])

    with op.batch_alter_table('engagement', schema=None) as batch_op:
        batch_op.add_column(sa.Column('business_function_id', sa.Integer(), nullable=True))
        _add_columns(batch_op, ENGAGEMENT_COLUMNS)
        batch_op.create_index(batch_op.f('ix_engagement_business_function_id'),
                              ['business_function_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_engagement_business_function_id_business_function'),
            'business_function', ['business_function_id'], ['id'])
    _drop_server_defaults('engagement', ENGAGEMENT_COLUMNS)

    with op.batch_alter_table('engagement_person', schema=None) as batch_op:
        _add_columns(batch_op, PERSON_COLUMNS)
        batch_op.add_column(sa.Column('attested_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_engagement_person_attested_by_id_user'),
                                    'user', ['attested_by_id'], ['id'])
    _drop_server_defaults('engagement_person', PERSON_COLUMNS)


def downgrade():
    with op.batch_alter_table('engagement_person', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_engagement_person_attested_by_id_user'),
                                 type_='foreignkey')
        batch_op.drop_column('attested_by_id')
        for name, _type, _default in reversed(PERSON_COLUMNS):
            batch_op.drop_column(name)
    with op.batch_alter_table('engagement', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_engagement_business_function_id_business_function'),
            type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_engagement_business_function_id'))
        for name, _type, _default in reversed(ENGAGEMENT_COLUMNS):
            batch_op.drop_column(name)
        batch_op.drop_column('business_function_id')
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

"""register fields: what the DORA register of information needs beyond exit readiness

Engagements gain the type of contractual arrangement (and the overarching arrangement's
reference), the type of ICT service, the reason for termination, the governing-law country,
the date of the last audit, the impact of discontinuing the service and the reason it is hard
to substitute. Vendors gain the type of person, a code for a vendor without an LEI and its
ultimate parent's code, each with its type. Business functions gain the register number
(F<number>), given once and never reused, and an optional licensed activity (an EBA code).

Existing functions are numbered by their id; the one-row function_number table then holds
the last number handed out, so a deleted function's number is never given again (SQLite may
reuse a deleted row's id). Choices are stored as vendortrack's own codes; EBA codes are
written only at export (vendortrack.domain.eba_codes).

Revision ID: 0009_register_fields
Revises: 0008_perf_indexes
Create Date: 2026-11-30 09:00:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0009_register_fields'
down_revision = '0008_perf_indexes'
branch_labels = None
depends_on = None


EMPTY = sa.text("''")
ENGAGEMENT_COLUMNS = [
    ('arrangement_type', sa.String(length=20), None),
    ('overarching_reference', sa.String(length=100), EMPTY),
    ('ict_service_type', sa.String(length=30), None),
    ('termination_reason', sa.String(length=30), None),
    ('governing_law_country', sa.String(length=2), EMPTY),
    ('last_audit_on', sa.Date(), None),
    ('discontinuation_impact', sa.String(length=20), None),
    ('non_substitutability_reason', sa.String(length=20), None),
    ('stores_data', sa.String(length=3), None),
]
VENDOR_COLUMNS = [
    ('person_type', sa.String(length=20), None),
    ('other_code', sa.String(length=100), EMPTY),
    ('other_code_type', sa.String(length=20), None),
    ('parent_code', sa.String(length=100), EMPTY),
    ('parent_code_type', sa.String(length=20), None),
]


def _add_columns(table: str, columns) -> None:
    # Added with a server default that fills the existing rows, then dropped: the app always
    # sets the values (as in 0005_exit_readiness).
    with op.batch_alter_table(table, schema=None) as batch_op:
        for name, type_, default in columns:
            batch_op.add_column(sa.Column(name, type_, nullable=default is None,
                                          server_default=default))
    with op.batch_alter_table(table, schema=None) as batch_op:
        for name, _type, default in columns:
            if default is not None:
                batch_op.alter_column(name, server_default=None)


def upgrade():
    _add_columns('engagement', ENGAGEMENT_COLUMNS)
    _add_columns('vendor', VENDOR_COLUMNS)

    with op.batch_alter_table('business_function', schema=None) as batch_op:
        batch_op.add_column(sa.Column('number', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('licensed_activity', sa.String(length=20),
                                      nullable=False, server_default=EMPTY))
    op.execute("UPDATE business_function SET number = id")
    with op.batch_alter_table('business_function', schema=None) as batch_op:
        batch_op.alter_column('number', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('licensed_activity', server_default=None)
        batch_op.create_unique_constraint(batch_op.f('uq_business_function_number'), ['number'])

    op.create_table(
        'function_number',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('last', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_function_number')),
    )
    op.execute("INSERT INTO function_number (id, last) "
               "SELECT 1, COALESCE(MAX(number), 0) FROM business_function")


def downgrade():
    op.drop_table('function_number')
    with op.batch_alter_table('business_function', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_business_function_number'), type_='unique')
        batch_op.drop_column('licensed_activity')
        batch_op.drop_column('number')
    for table, columns in (('vendor', VENDOR_COLUMNS), ('engagement', ENGAGEMENT_COLUMNS)):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, _type, _default in reversed(columns):
                batch_op.drop_column(name)

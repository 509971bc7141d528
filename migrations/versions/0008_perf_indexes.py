"""list indexes for 100,000 engagements (issue 17)

ix_engagement_title_order lets ``sort=title`` walk an index to its page, and
ix_engagement_currency_order does the same for ``currency=…``; ix_engagement_open_deliverables
counts ``open_kt=1`` from the index.

On PostgreSQL the list's search (``q``: a substring of the title, contract reference, owner
name or e-mail) gets trigram indexes (pg_trgm, shipped with PostgreSQL), so ``ILIKE '%word%'``
reads matching rows instead of every row. They are not in the models: SQLite has no such index
(models.POSTGRESQL_SEARCH_INDEXES names them for the schema test).

Revision ID: 0008_perf_indexes
Revises: 0007_sso_session_hint
Create Date: 2026-11-29 12:00:00

"""
from alembic import op

# Duplicated from vendortrack.models.POSTGRESQL_SEARCH_INDEXES: a migration stays as written.
SEARCH_COLUMNS = ['title', 'contract_reference', 'owner_name', 'owner_email']


# revision identifiers, used by Alembic.
revision = '0008_perf_indexes'
down_revision = '0007_sso_session_hint'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('engagement', schema=None) as batch_op:
        batch_op.create_index('ix_engagement_title_order', ['title', 'id'], unique=False)
        batch_op.create_index('ix_engagement_currency_order', ['currency', 'updated_at'],
                              unique=False)
        batch_op.create_index('ix_engagement_open_deliverables', ['open_deliverables'],
                              unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
        for column in SEARCH_COLUMNS:
            op.create_index(f'ix_engagement_{column}_trgm', 'engagement', [column],
                            postgresql_using='gin', postgresql_ops={column: 'gin_trgm_ops'})


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        for column in SEARCH_COLUMNS:
            op.drop_index(f'ix_engagement_{column}_trgm', table_name='engagement')
    with op.batch_alter_table('engagement', schema=None) as batch_op:
        batch_op.drop_index('ix_engagement_open_deliverables')
        batch_op.drop_index('ix_engagement_currency_order')
        batch_op.drop_index('ix_engagement_title_order')

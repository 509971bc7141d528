"""dashboard cache: a database-wide data version, bumped by triggers on every write to the
tables the dashboard reads

``data_version`` holds one row whose ``version`` grows with every committed change to the
engagements, their stored flags, vendors and business functions (whatever the app, a script
or a SQL console changed). Each web process keeps the dashboard's figures while the version it
reads stays the same (vendortrack.dashboard.cache).

SQLite runs a row trigger per insert, update and delete (writers are serialised there anyway).
PostgreSQL runs one deferred constraint trigger per table: it bumps the version once per
transaction, at commit, after every other row lock is taken, so two writers never deadlock
on the counter; TRUNCATE has a statement trigger of its own.

ix_engagement_dashboard loses owner_email (the widest column): a dashboard filtered by owner
finds its few hundred rows through ix_engagement_owner_email, and the unfiltered one reads an
index 41 % smaller (PostgreSQL, 100,000 engagements: 13.8 MB to 8.1 MB).

SQLite's batch mode (``op.batch_alter_table`` when it copies a table) drops the triggers of
the table it copies: a later migration that batch-alters one of TABLES must create its
triggers again (tests/test_migrations.py checks they exist at head).

Revision ID: 0013_dashboard_cache
Revises: 0012_annex_engagement_version
Create Date: 2026-12-02 12:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0013_dashboard_cache'
down_revision = '0012_annex_engagement_version'
branch_labels = None
depends_on = None

# Duplicated from vendortrack.data_version: a migration stays as written.
TABLES = ('engagement', 'engagement_flag', 'vendor', 'business_function')
SQLITE_EVENTS = ('insert', 'update', 'delete')

PG_FUNCTION = """
CREATE FUNCTION data_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Once per transaction: later rows of the same transaction find the mark.
    IF current_setting('vendortrack.data_version_bumped', true) IS DISTINCT FROM 'yes' THEN
        UPDATE data_version SET version = version + 1 WHERE id = 1;
        PERFORM set_config('vendortrack.data_version_bumped', 'yes', true);
    END IF;
    RETURN NULL;
END
$$
"""
PG_TRUNCATE_FUNCTION = """
CREATE FUNCTION data_version_bump_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE data_version SET version = version + 1 WHERE id = 1;
    RETURN NULL;
END
$$
"""


# Duplicated from the models and migration 0011.
DASHBOARD_0011 = ['vendor_id', 'status', 'risk_undated_level', 'risk_undated_trap',
                  'handover_date', 'earliest_open_due', 'open_deliverables', 'currency',
                  'contract_value', 'owner_email', 'supports_critical_function',
                  'exit_plan_documented', 'exit_plan_last_tested_on', 'exit_plan_next_review_on',
                  'successor_ready']
DASHBOARD = [c for c in DASHBOARD_0011 if c != 'owner_email']


def create_triggers(table):
    """The triggers bumping the data version on writes to ``table``."""
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f'CREATE CONSTRAINT TRIGGER data_version_{table} '
                   f'AFTER INSERT OR UPDATE OR DELETE ON "{table}" '
                   f'DEFERRABLE INITIALLY DEFERRED FOR EACH ROW '
                   f'EXECUTE FUNCTION data_version_bump()')
        op.execute(f'CREATE TRIGGER data_version_{table}_truncate AFTER TRUNCATE ON "{table}" '
                   f'FOR EACH STATEMENT EXECUTE FUNCTION data_version_bump_truncate()')
    else:
        for event in SQLITE_EVENTS:
            op.execute(f'CREATE TRIGGER data_version_{table}_{event} '
                       f'AFTER {event.upper()} ON "{table}" '
                       f'BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END')


def drop_triggers(table):
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f'DROP TRIGGER IF EXISTS data_version_{table} ON "{table}"')
        op.execute(f'DROP TRIGGER IF EXISTS data_version_{table}_truncate ON "{table}"')
    else:
        for event in SQLITE_EVENTS:
            op.execute(f'DROP TRIGGER IF EXISTS data_version_{table}_{event}')


def upgrade():
    data_version = op.create_table(
        'data_version',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('version', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.bulk_insert(data_version, [{'id': 1, 'version': 1}])
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(PG_FUNCTION)
        op.execute(PG_TRUNCATE_FUNCTION)
    for table in TABLES:
        create_triggers(table)
    op.drop_index('ix_engagement_dashboard', table_name='engagement')
    op.create_index('ix_engagement_dashboard', 'engagement', DASHBOARD, unique=False)


def downgrade():
    op.drop_index('ix_engagement_dashboard', table_name='engagement')
    op.create_index('ix_engagement_dashboard', 'engagement', DASHBOARD_0011, unique=False)
    for table in TABLES:
        drop_triggers(table)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP FUNCTION IF EXISTS data_version_bump_truncate()')
        op.execute('DROP FUNCTION IF EXISTS data_version_bump()')
    op.drop_table('data_version')

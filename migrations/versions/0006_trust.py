"""trust: sessions, sign-in throttling, first run, token expiry, immutable history and annexes

Server-side session records (user_session), sign-in counts shared by every worker
(login_throttle), a one-row guard so racing first-run setups create one administrator
(first_run), API token expiry, and database triggers that refuse UPDATE and DELETE on
audit_event and annex (the ORM refuses them too; the triggers also stop raw SQL).

Revision ID: 0006_trust
Revises: 0005_exit_readiness
Create Date: 2026-11-29 11:00:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0006_trust'
down_revision = '0005_exit_readiness'
branch_labels = None
depends_on = None

# On SQLite a later batch migration that recreates audit_event or annex (adding a foreign
# key, say) drops these triggers with the old table: it must create them again.
IMMUTABLE = {'audit_event': 'history events are append-only',
             'annex': 'issued annexes cannot be changed or deleted'}


def upgrade():
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))

    op.create_table(
        'user_session',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('secret_hash', sa.String(length=64), nullable=False),
        sa.Column('method', sa.String(length=20), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('user_agent', sa.String(length=200), nullable=False),
        sa.Column('ip', sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'],
                                name=op.f('fk_user_session_user_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_user_session')),
        sa.UniqueConstraint('secret_hash', name=op.f('uq_user_session_secret_hash')),
    )
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_session_user_id'), ['user_id'], unique=False)

    op.create_table(
        'login_throttle',
        sa.Column('key', sa.String(length=300), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_login_throttle')),
    )
    with op.batch_alter_table('login_throttle', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_throttle_expires_at'), ['expires_at'],
                              unique=False)

    op.create_table(
        'first_run',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('done_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_first_run')),
    )
    # A database that already has accounts has had its first run.
    op.execute("INSERT INTO first_run (id, done_at) SELECT 1, CURRENT_TIMESTAMP "
               "WHERE EXISTS (SELECT 1 FROM \"user\")")

    for table, message in IMMUTABLE.items():
        if op.get_bind().dialect.name == 'postgresql':
            op.execute(f"""
                CREATE FUNCTION refuse_change_{table}() RETURNS trigger AS $$
                BEGIN
                    RAISE EXCEPTION '{message}' USING ERRCODE = 'insufficient_privilege';
                END;
                $$ LANGUAGE plpgsql""")
            op.execute(f"CREATE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE ON {table} "
                       f"FOR EACH ROW EXECUTE FUNCTION refuse_change_{table}()")
        else:
            for change in ('update', 'delete'):
                op.execute(f"CREATE TRIGGER {table}_no_{change} BEFORE {change.upper()} "
                           f"ON {table} BEGIN SELECT RAISE(ABORT, '{message}'); END")


def downgrade():
    for table in IMMUTABLE:
        if op.get_bind().dialect.name == 'postgresql':
            op.execute(f"DROP TRIGGER {table}_immutable ON {table}")
            op.execute(f"DROP FUNCTION refuse_change_{table}()")
        else:
            for change in ('update', 'delete'):
                op.execute(f"DROP TRIGGER {table}_no_{change}")
    op.drop_table('first_run')
    with op.batch_alter_table('login_throttle', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_throttle_expires_at'))
    op.drop_table('login_throttle')
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_session_user_id'))
    op.drop_table('user_session')
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_column('expires_at')

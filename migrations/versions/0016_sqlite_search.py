"""SQLite search: a trigram full-text index over the engagement columns the list searches

The list's search (``q``) matches text anywhere in the title, contract reference and internal
owner's name and e-mail, in any case. On SQLite that was a LIKE over every row (a search of
100,000 engagements took about 70 ms); an FTS5 table with the trigram tokenizer answers the same
question from an index for searches of three characters or more. It holds no copy of the text
(external content: the engagement table), and triggers keep it in step with every insert,
update of those columns and delete, whoever writes. PostgreSQL has its trigram GIN indexes
(migration 0008); nothing changes there.

Revision ID: 0016_sqlite_search
Revises: 0015_weekly_mail_owed
Create Date: 2026-11-29 22:00:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0016_sqlite_search'
down_revision = '0015_weekly_mail_owed'
branch_labels = None
depends_on = None

COLUMNS = "title, contract_reference, owner_name, owner_email"
NEW = "new.id, new.title, new.contract_reference, new.owner_name, new.owner_email"
OLD = "old.id, old.title, old.contract_reference, old.owner_name, old.owner_email"


def upgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(f"CREATE VIRTUAL TABLE engagement_search USING fts5({COLUMNS}, "
               "content='engagement', content_rowid='id', tokenize='trigram')")
    op.execute(f"""CREATE TRIGGER engagement_search_insert AFTER INSERT ON engagement BEGIN
        INSERT INTO engagement_search(rowid, {COLUMNS}) VALUES ({NEW});
    END""")
    op.execute(f"""CREATE TRIGGER engagement_search_delete AFTER DELETE ON engagement BEGIN
        INSERT INTO engagement_search(engagement_search, rowid, {COLUMNS})
        VALUES ('delete', {OLD});
    END""")
    op.execute(f"""CREATE TRIGGER engagement_search_update AFTER UPDATE OF {COLUMNS}
        ON engagement BEGIN
        INSERT INTO engagement_search(engagement_search, rowid, {COLUMNS})
        VALUES ('delete', {OLD});
        INSERT INTO engagement_search(rowid, {COLUMNS}) VALUES ({NEW});
    END""")
    op.execute("INSERT INTO engagement_search(engagement_search) VALUES ('rebuild')")


def downgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    for event in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER IF EXISTS engagement_search_{event}")
    op.execute("DROP TABLE IF EXISTS engagement_search")

"""Consistent online copies of the SQLite database."""
import os
import sqlite3


class BackupRefused(ValueError):
    """The backup would destroy what it should protect; the message says why."""


def backup_sqlite(source: str, target: str) -> int:
    """Copy ``source`` to ``target`` with SQLite's backup API; returns the page count.

    The copy is a consistent snapshot even while other processes write: the backup API
    restarts the copy if the source changes underneath it, and WAL readers never block.
    The copy is written beside ``target`` first and renamed, so a failed backup leaves no
    half-written file behind. It holds password and token hashes, so only its owner may
    read it (mode 0600), and it never replaces the live database.
    """
    if os.path.exists(target) and os.path.samefile(source, target):
        raise BackupRefused(f"{target} is the live database; choose another file")
    partial = target + ".partial"
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.close(descriptor)
    os.chmod(partial, 0o600)  # also when an old partial file had another mode
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(partial)
    try:
        src.backup(dst, pages=1024)
        pages = dst.execute("PRAGMA page_count").fetchone()[0]
        dst.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
    finally:
        dst.close()
        src.close()
    os.replace(partial, target)
    return pages

"""Consistent online copies of the SQLite database."""
import os
import sqlite3


def backup_sqlite(source: str, target: str) -> int:
    """Copy ``source`` to ``target`` with SQLite's backup API; returns the page count.

    The copy is a consistent snapshot even while other processes write: the backup API
    restarts the copy if the source changes underneath it, and WAL readers never block.
    The copy is written beside ``target`` first and renamed, so a failed backup leaves no
    half-written file behind.
    """
    partial = target + ".partial"
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

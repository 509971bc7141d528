"""Contract annexes: issue, store, compare and export."""

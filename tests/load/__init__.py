"""The load run (make load) and its helpers."""

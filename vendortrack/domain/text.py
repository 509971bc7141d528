"""Cleaning typed text before it is stored or searched."""
import re

# C0 control characters except tab, line feed and carriage return; DEL; lone surrogates
# (which cannot be stored as UTF-8). Nobody means to type them; PostgreSQL refuses NUL.
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def clean_text(value: str) -> str:
    """``value`` without control characters and lone surrogates, trimmed."""
    return _INVISIBLE.sub("", value).strip()

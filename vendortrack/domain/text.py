"""Cleaning typed text before it is stored or searched; a few words people read."""
import re

# C0 control characters except tab, line feed and carriage return; DEL; lone surrogates
# (which cannot be stored as UTF-8). Nobody means to type them; PostgreSQL refuses NUL.
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def clean_text(value: str) -> str:
    """``value`` without control characters and lone surrogates, trimmed."""
    if value.isprintable():  # none of them (the common case, and much faster to check)
        return value.strip()
    return _INVISIBLE.sub("", value).strip()


def name_key(name: str) -> str:
    """How vendor and business-function names are told apart: spacing collapsed, any case
    ("Acme  ltd" is "Acme Ltd"); their tables hold it as ``name_key``, unique."""
    return " ".join(name.split()).lower()


_WHOLE_NUMBER = re.compile(r"[0-9]{1,9}")


def whole_number(value: str | None, lo: int = 0, hi: int = 2**31 - 1) -> int | None:
    """``value`` as an int in [lo, hi] when it is plain ASCII digits, else None.

    ``str.isdigit`` also accepts "²" and other digits ``int()`` refuses, and very long digit
    strings overflow the database; this accepts neither.
    """
    if value is None or not _WHOLE_NUMBER.fullmatch(value.strip()):
        return None
    number = int(value.strip())
    return number if lo <= number <= hi else None


def days_away(days: int) -> str:
    """'in 5 days', 'today', 'tomorrow', '3 days ago' for a distance in days."""
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    if days == -1:
        return "yesterday"
    return f"in {days} days" if days > 0 else f"{-days} days ago"


def plural(count: int, noun: str, many: str | None = None) -> str:
    """'1 row', '3 rows'; ``many`` for nouns that do not just take an s."""
    return f"{count} {noun if count == 1 else (many or noun + 's')}"

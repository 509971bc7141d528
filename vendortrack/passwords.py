"""Password hashing with Argon2id at OWASP's recommended cost, rehashed when the cost rises."""
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

# OWASP Password Storage Cheat Sheet: Argon2id, m=19 MiB, t=2, p=1 (the minimum it recommends).
OWASP_ARGON2 = {"memory_cost": 19456, "time_cost": 2, "parallelism": 1}


def _hasher() -> PasswordHasher:
    return PasswordHasher(**current_app.config.get("PASSWORD_HASH_PARAMS", OWASP_ARGON2))


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def check_password(stored_hash: str, password: str) -> tuple[bool, str | None]:
    """(matches, new hash to store when the stored one was made at a lower cost)."""
    hasher = _hasher()
    try:
        hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False, None
    return True, hasher.hash(password) if hasher.check_needs_rehash(stored_hash) else None


_DUMMY_HASH: dict[str, str] = {}


def burn_time(password: str) -> None:
    """Verify against a dummy hash so that unknown e-mails take as long as wrong passwords."""
    key = repr(sorted(current_app.config.get("PASSWORD_HASH_PARAMS", OWASP_ARGON2).items()))
    if key not in _DUMMY_HASH:
        _DUMMY_HASH[key] = hash_password("not-a-real-password")
    check_password(_DUMMY_HASH[key], password)

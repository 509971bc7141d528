"""The one place a sign-in completes, whichever way the person proved who they are."""
from __future__ import annotations

from .. import services
from ..models import User
from . import sessions


def complete_sign_in(user: User, method: str) -> None:
    """Start the signed-in session and note how (a key of SIGN_IN_METHODS) and when."""
    services.record_sign_in(user, method)
    sessions.start(user, method)

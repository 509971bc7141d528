"""The one place a sign-in completes, whichever way the person proved who they are."""
from __future__ import annotations

from flask_login import login_user

from .. import services
from ..models import User


def complete_sign_in(user: User, method: str) -> None:
    """Start the signed-in session and note how (a key of SIGN_IN_METHODS) and when."""
    services.record_sign_in(user, method)
    login_user(user)

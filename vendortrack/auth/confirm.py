"""Confirming who is at the keyboard before an action a stolen session must not take
(creating an API token, changing the password).

A person confirms with their password when they have one they may sign in with, or with a
single sign-on: a session the provider started less than OIDC_FRESH_SIGN_IN_MINUTES ago
counts, and an older one is sent through the provider again (see ``oidc.confirm``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from flask import current_app

from ..models import User
from ..passwords import check_password
from ..services import NO_PASSWORD
from . import oidc, sessions


def password_usable(user: User) -> bool:
    """Whether ``user`` has a password they may sign in with (none for accounts made at a
    first single sign-on; off for all but break-glass accounts when PASSWORD_LOGIN is off)."""
    return user.password_hash != NO_PASSWORD and bool(
        current_app.config["PASSWORD_LOGIN"] or user.break_glass)


def provider_name(label: str) -> str:
    """The provider's name from the button's label: "Sign in with Okta" -> "Okta"."""
    return re.sub(r"^\s*sign\s+in\s+(with|through|using)\s+", "", label, flags=re.I) or label


@dataclass(frozen=True)
class Confirmation:
    """How this session may confirm who it is: ``fresh`` needs nothing more; else the
    password field when ``password``, the provider's button when ``sso_label`` (its name)."""

    fresh: bool
    password: bool
    sso_label: str | None


def how(user: User) -> Confirmation:
    sso = oidc.settings()
    return Confirmation(fresh=sessions.fresh_single_sign_on(sessions.current()),
                        password=password_usable(user),
                        sso_label=provider_name(sso.label) if sso is not None else None)


def password_matches(user: User, password: str | None) -> bool:
    if not password_usable(user):
        return False
    ok, _ = check_password(user.password_hash, password or "")
    return ok


def confirmed(user: User, password: str | None, action: str) -> str | None:
    """None when this session may go ahead, else what to tell the person."""
    way = how(user)
    if way.fresh or password_matches(user, password):
        return None
    if way.password:
        return (f"Enter your password to {action}." if not password
                else "That is not your current password.")
    if way.sso_label:
        return (f"Confirm who you are with “{way.sso_label}” first: your sign-in is older "
                f"than {current_app.config['OIDC_FRESH_SIGN_IN_MINUTES']} minutes.")
    return "Your account has no password to confirm with; ask an administrator."

"""Single sign-on rules: who the identity provider's answer lets in, and in which role.

Pure functions over plain values; the OIDC views feed them the verified ID-token claims.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .vocabulary import ROLES

WILDCARD = "*"
DEFAULT_ROLE = "product_owner"  # the narrowest role, for new accounts when no map is set

# Why a sign-in was refused, in the user's words: (title, what happened and what to do).
REFUSALS = {
    "email_missing": (
        "Your identity provider did not tell us your e-mail address",
        "vendortrack matches people by e-mail. Ask your administrator to release the "
        "“email” claim to vendortrack, then sign in again."),
    "email_unverified": (
        "Your e-mail address is not verified",
        "Your identity provider says your e-mail address has not been verified, so vendortrack "
        "cannot tell it is yours. Verify it with your identity provider, then sign in again."),
    "no_account": (
        "You do not have a vendortrack account yet",
        "Your identity provider signed you in, but nobody has created a vendortrack account "
        "for your e-mail address. Ask your vendortrack administrator to add you."),
    "deactivated": (
        "Your vendortrack account is deactivated",
        "Your identity provider signed you in, but your vendortrack account has been "
        "deactivated. Ask your vendortrack administrator if you need it again."),
    "no_role": (
        "None of your groups gives access to vendortrack",
        "Your identity provider signed you in, but none of your groups maps to a vendortrack "
        "role. Ask your administrator to add you to the right group, then sign in again."),
}


class RoleMapError(ValueError):
    """``OIDC_ROLE_MAP`` cannot be read; the message says which part and why."""


@dataclass(frozen=True)
class Identity:
    """What the verified ID token says about the person."""

    email: str
    email_verified: bool
    name: str
    groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class Account:
    """The facts about an existing vendortrack account that the decision needs."""

    active: bool
    role: str


@dataclass(frozen=True)
class Decision:
    """``refusal`` is a key of REFUSALS, else the person may sign in: ``create`` a new account,
    and ``role`` is the role to hold from now on (None keeps the one the administrator set)."""

    refusal: str | None = None
    create: bool = False
    role: str | None = None


def parse_role_map(text: str | None) -> tuple[tuple[str, str], ...]:
    """``"vt-admin=admin,vt-leadership=leadership,*=product_owner"`` as (group, role) pairs,
    in the order written. Raises RoleMapError on a part without ``=`` or an unknown role."""
    pairs = []
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        group, equals, role = (piece.strip() for piece in part.partition("="))
        if not equals or not group or not role:
            raise RoleMapError(f"“{part}” is not GROUP=ROLE")
        if role not in ROLES:
            raise RoleMapError(f"“{role}” in “{part}” is not a role; use one of "
                               + ", ".join(ROLES))
        pairs.append((group, role))
    return tuple(pairs)


def claim_groups(value: object) -> tuple[str, ...]:
    """The groups claim as a tuple, whether the provider sends a list or one string."""
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(value.replace(",", " ").split())
    if isinstance(value, Iterable):
        return tuple(str(item) for item in value)
    return (str(value),)


def role_for_groups(groups: Iterable[str], role_map: tuple[tuple[str, str], ...]) -> str | None:
    """The role of the first entry of the map (read left to right) that the person's groups
    match; ``*`` matches anyone. None when nothing matches."""
    held = set(groups)
    for group, role in role_map:
        if group == WILDCARD or group in held:
            return role
    return None


def decide(identity: Identity, account: Account | None, *, create_users: bool,
           role_map: tuple[tuple[str, str], ...]) -> Decision:
    """Whether the person the provider vouched for may sign in, and with which role."""
    if not identity.email:
        return Decision(refusal="email_missing")
    if not identity.email_verified:
        return Decision(refusal="email_unverified")
    if account is None and not create_users:
        return Decision(refusal="no_account")
    if account is not None and not account.active:
        return Decision(refusal="deactivated")
    role = role_for_groups(identity.groups, role_map) if role_map else None
    if role_map and role is None:
        return Decision(refusal="no_role")
    if account is None:
        return Decision(create=True, role=role or DEFAULT_ROLE)
    return Decision(role=role)

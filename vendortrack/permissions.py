"""Who may do what. Views call these; a refusal is a 403, never a 500."""
from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user

from .domain.vocabulary import ROLES
from .models import Engagement, EngagementPerson, User

EDITOR_ROLES = {"product_owner", "admin"}
ANNEX_ROLES = {"procurement", "admin"}
VENDOR_ROLES = {"product_owner", "procurement", "admin"}
IMPORT_ROLES = {"procurement", "admin"}
# Product owners mark the functions their engagements support as critical; procurement keeps
# the register of outsourcing arrangements; leadership reads.
FUNCTION_ROLES = {"product_owner", "procurement", "admin"}
# Procurement files the register of information (ROI); administrators set the organisation's
# LEI. Not the engagement register's CSV and Excel export (annex.views.REGISTER_ROLES).
ROI_ROLES = {"procurement", "admin"}


def can_create_engagement(user: User) -> bool:
    return user.is_authenticated and user.role in EDITOR_ROLES


def can_edit_engagement(user: User, engagement: Engagement) -> bool:
    """Admins edit all; product owners edit what they created or are internal owner of."""
    if not user.is_authenticated:
        return False
    if user.role == "admin":
        return True
    if user.role != "product_owner":
        return False
    return engagement.created_by_id == user.id or (
        bool(engagement.owner_email) and engagement.owner_email.lower() == user.email.lower()
    )


def can_view_engagement(user: User, engagement: Engagement) -> bool:
    """Every role reads every engagement; reminders, My work and calendar feeds ask here too."""
    return bool(user.is_active) and user.role in ROLES


def can_issue_annex(user: User) -> bool:
    return user.is_authenticated and user.role in ANNEX_ROLES


def can_manage_vendors(user: User) -> bool:
    return user.is_authenticated and user.role in VENDOR_ROLES


def can_import(user: User) -> bool:
    """Importing a register from a spreadsheet: procurement and administrators."""
    return user.is_authenticated and user.role in IMPORT_ROLES


def can_export_roi(user: User) -> bool:
    """The register of information: its page, pre-flight and export (web and API)."""
    return user.is_authenticated and user.role in ROI_ROLES


def can_manage_functions(user: User) -> bool:
    return user.is_authenticated and user.role in FUNCTION_ROLES


def _same_email(user: User, email: str) -> bool:
    return bool(email) and email.lower() == user.email.lower()


def can_attest_readiness(user: User, successor: EngagementPerson) -> bool:
    """A successor records their own readiness; the internal owner may record it for them.

    Nobody else may, administrators included: an attestation is a person's own word.
    """
    if not user.is_authenticated or successor.kind != "successor":
        return False
    return (_same_email(user, successor.email)
            or _same_email(user, successor.engagement.owner_email))


def roles_required(*roles: str):
    """Decorator: the logged-in user's role must be one of ``roles``."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator

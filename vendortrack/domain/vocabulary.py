"""The product's fixed vocabularies: codes stored and sent over the API, with their labels."""

ROLES = {
    "product_owner": "Product owner",
    "procurement": "Procurement",
    "leadership": "Leadership",
    "admin": "Administrator",
}

STATUSES = {
    "draft": "Draft",
    "active": "Active",
    "in_handover": "In handover",
    "closed": "Closed",
}

DELIVERABLE_KINDS = {
    "documentation": "Documentation",
    "runbook": "Runbook",
    "training": "Training session",
    "code_walkthrough": "Code walkthrough",
    "shadowing": "Shadowing",
    "recorded_demo": "Recorded demo",
    "other": "Other",
}

DELIVERABLE_STATUSES = {
    "planned": "Planned",
    "delivered": "Delivered",
    "accepted": "Accepted",
    "rejected": "Rejected",
}

# Which deliverable status may follow which; acceptance is recorded with who and when.
DELIVERABLE_TRANSITIONS = {
    "planned": ("delivered",),
    "delivered": ("accepted", "rejected", "planned"),
    "rejected": ("delivered",),
    "accepted": ("delivered",),
}

# ISO 4217 codes people are likely to use first; any three-letter code is accepted.
COMMON_CURRENCIES = ("EUR", "USD", "GBP", "CHF", "SEK", "NOK", "DKK", "PLN", "CZK", "JPY",
                     "CAD", "AUD", "INR", "SGD")


def can_move_deliverable(current: str, new: str) -> bool:
    """True when a deliverable in status ``current`` may be moved to ``new``."""
    return new in DELIVERABLE_TRANSITIONS.get(current, ())

SIGN_IN_METHODS = {
    "password": "Password",
    "oidc": "Single sign-on",
}

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


# --- exit readiness (DORA Art. 28(8), EBA/GL/2019/02 §§ 106–108) ---------------------------

CRITICALITY = {
    "critical": "Critical or important",
    "not_critical": "Not critical",
    "not_assessed": "Not assessed yet",
}

IMPACTS = {
    "low": "Low",
    "medium": "Medium",
    "high": "High",
}

SUBSTITUTABILITY = {
    "not_substitutable": "Not substitutable",
    "highly_complex": "Highly complex to substitute",
    "medium": "Medium complexity",
    "easy": "Easy to substitute",
}

# Ordered from easiest to hardest: the order the suggested rating compares in.
REINTEGRATION = {
    "easy": "Easy",
    "difficult": "Difficult",
    "highly_complex": "Highly complex",
}

EXIT_SCENARIOS = {
    "termination": "Termination of the contract",
    "provider_failure": "Failure of the provider",
    "quality_deterioration": "Deteriorating quality of service",
    "disruption": "Business disruption",
}

EXIT_TEST_RESULTS = {
    "passed": "Passed",
    "partly_passed": "Partly passed",
    "failed": "Failed",
}

ALTERNATIVES = {
    "yes": "Alternatives identified",
    "no": "No alternative identified",
    "not_assessed": "Not assessed yet",
}

# What a successor attests they can do without the vendor.
ABILITIES = {
    "operate": "Operate",
    "maintain": "Maintain",
    "extend": "Extend",
    "explain": "Explain",
}

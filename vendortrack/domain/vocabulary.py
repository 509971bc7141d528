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

# --- register of information (DORA Art. 28(3)); EBA codes only at export: domain/eba_codes.py

ARRANGEMENT_TYPES = {
    "standalone": "Standalone contract",
    "overarching": "Overarching (framework) agreement",
    "subsequent": "Subsequent agreement under an overarching one",
}

ICT_SERVICE_TYPES = {
    "project_management": "ICT project management",
    "development": "Software development",
    "help_desk": "Help desk and first-level support",
    "security_management": "ICT security management",
    "data_provision": "Provision of data",
    "data_analysis": "Data analysis",
    "hosting": "Facilities and hosting (not cloud)",
    "computation": "Computation",
    "data_storage": "Data storage (not cloud)",
    "telecom": "Telecom carrier",
    "network": "Network infrastructure",
    "hardware": "Hardware and physical devices",
    "software_licensing": "Software licences (not SaaS)",
    "operations": "ICT operations and maintenance",
    "consulting": "ICT consulting",
    "risk_management": "ICT risk management",
    "cloud_iaas": "Cloud infrastructure (IaaS)",
    "cloud_paas": "Cloud platform (PaaS)",
    "cloud_saas": "Cloud software (SaaS)",
}

TERMINATION_REASONS = {
    "expired": "Expired and not renewed",
    "provider_breach": "The provider broke the law, a regulation or the contract",
    "provider_impediment": "Problems at the provider that could change the supported function",
    "data_security_weakness": "The provider's weak handling or security of data",
    "authority_request": "Required by the supervisor",
    "other": "Another reason",
}

NON_SUBSTITUTABILITY_REASONS = {
    "no_alternatives": "No real alternative",
    "hard_to_migrate": "Hard to migrate or bring back in-house",
    "both": "No real alternative, and hard to migrate",
}

PERSON_TYPES = {
    "legal_person": "Company or other legal person",
    "individual": "Individual acting in a business capacity",
}

# How a provider (or its ultimate parent) is identified when it is not by its own LEI.
CODE_TYPES = {
    "lei": "LEI",
    "euid": "EUID (European Unique Identifier)",
    "crn": "Company registration number",
    "vat": "VAT number",
    "national": "National identity number",
    "passport": "Passport number",
}

SERVICE_IMPACTS = {
    "low": "Low",
    "medium": "Medium",
    "high": "High",
    "not_assessed": "Not assessed yet",
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

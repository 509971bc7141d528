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

STORES_DATA = {
    "yes": "Yes, it stores our data",
    "no": "No, it stores none of our data",
}

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

# ISO 4217 codes people are likely to use first (offered as suggestions on the form).
COMMON_CURRENCIES = ("EUR", "USD", "GBP", "CHF", "SEK", "NOK", "DKK", "PLN", "JPY", "CAD",
                     "AUD", "INR")

# What each field of the spec is called, wherever people read it: the form, the engagement's
# history, the annex comparison. A nested field's parts are labelled "<field>.<part>".
FIELD_LABELS = {
    "title": "Title",
    "vendor": "Vendor",
    "contract_reference": "Contract reference",
    "contract_value": "Contract value",
    "currency": "Currency",
    "status": "Status",
    "start_date": "Start date",
    "end_date": "End date",
    "handover_date": "Handover date",
    "problem_statement": "Problem statement",
    "core_capability": "Core capability",
    "internal_owner": "Internal owner",
    "business_function": "Business function",
    "notice_period_days": "Notice period (days)",
    "notice_period_days.organisation": "Notice we must give (days)",
    "notice_period_days.provider": "Notice the vendor must give (days)",
    "transition_period_days": "Transition period (days)",
    "countries": "Countries",
    "countries.service": "Where the service is provided",
    "countries.data_storage": "Where data is stored",
    "countries.data_processing": "Where data is processed",
    "annual_expense": "Annual expense",
    "exit_plan": "Exit plan",
    "exit_plan.documented": "An exit plan is documented",
    "exit_plan.summary": "Exit plan in summary",
    "exit_plan.scenarios": "Scenarios it covers",
    "exit_plan.last_tested_on": "Last tested on",
    "exit_plan.last_test_result": "Result of the last test",
    "exit_plan.next_review_on": "Next review on",
    "exit_plan.alternatives": "Alternative providers identified",
    "exit_plan.alternative_providers": "Alternative providers",
    "substitutability": "Substitutability",
    "reintegration": "Reintegration in-house",
    "arrangement_type": "Type of arrangement",
    "overarching_reference": "Overarching agreement's contract reference",
    "ict_service_type": "Type of ICT service",
    "termination_reason": "Why it ended",
    "governing_law_country": "Governing law",
    "last_audit_on": "Last audit of the vendor",
    "discontinuation_impact": "Impact of stopping the service",
    "stores_data": "Stores our data",
    "non_substitutability_reason": "Why it is hard to substitute",
}
# Where the form asks a question rather than naming the field.
FORM_LABELS = {
    "core_capability": "This is a core capability of the organisation",
}
# Repeatable sections: as a heading (plural) and one row of it (singular).
SECTION_LABELS = {
    "successors": "Successors",
    "upskilling": "Upskilling alongside",
    "metrics": "Success metrics",
    "constraints": "Hard constraints",
    "tradeoffs": "Trade-off rules",
    "deliverables": "Knowledge-transfer deliverables",
}
ROW_LABELS = {
    "successors": "Successor",
    "upskilling": "Upskilling",
    "metrics": "Metric",
    "constraints": "Constraint",
    "tradeoffs": "Trade-off rule",
    "deliverables": "Deliverable",
}
# The columns of a section's rows.
COLUMN_LABELS = {
    "name": "Name", "email": "E-mail", "baseline": "Baseline", "target": "Target",
    "unit": "Unit", "measurement": "How measured", "rule": "Rule", "decided_by": "Decided by",
    "kind": "Kind", "title": "Title", "due_date": "Due date",
    "acceptance_criteria": "Acceptance criteria",
}
# Everything else the history records: users, vendors, tokens, annexes.
OTHER_CHANGE_LABELS = {
    "name": "Name", "role": "Role", "active": "Active", "password": "Password",
    "contact": "Contact", "notes": "Notes", "annex": "Annex version",
    "pdf_sha256": "PDF SHA-256",
    "issued_with_dependency_trap": "Issued with dependency-trap flags open",
    "api_token": "API token",
    "legal_name": "Legal name", "lei": "LEI", "country": "Head-office country",
    "criticality": "Criticality", "criticality_reasons": "Reasons",
    "assessed_on": "Last assessed on", "rto_hours": "Recovery time objective (hours)",
    "rpo_hours": "Recovery point objective (hours)", "impact": "Impact of discontinuing",
    "readiness": "Readiness",
    "person_type": "Type of person", "other_code": "Other identification code",
    "other_code_type": "Type of the other code",
    "parent_code": "Ultimate parent's identification code",
    "parent_code_type": "Type of the ultimate parent's code",
    "licensed_activity": "Licensed activity",
}
HISTORY_LABELS = {**FIELD_LABELS, **ROW_LABELS, **OTHER_CHANGE_LABELS}


def can_move_deliverable(current: str, new: str) -> bool:
    """True when a deliverable in status ``current`` may be moved to ``new``."""
    return new in DELIVERABLE_TRANSITIONS.get(current, ())


SIGN_IN_METHODS = {
    "password": "Password",
    "oidc": "Single sign-on",
}

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

# The filing organisation (register of information), as the history shows its changes.
ORGANISATION_LABELS = {
    "organisation.lei": "Organisation LEI",
    "organisation.country": "Organisation country",
    "organisation.consolidated": "Consolidated register",
    "organisation.base_currency": "Base currency",
}
HISTORY_LABELS.update(ORGANISATION_LABELS)

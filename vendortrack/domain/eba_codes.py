"""EBA codes of the DORA register of information (taxonomy DORA 4.0), keyed by our own values.

vendortrack stores its own words (``cloud_saas``, ``not_substitutable``); a CSV cell of the
register holds the EBA code (``eba_TA:S19``, ``eba_ZZ:x959``). Each mapping below is one closed
list of ``shared/reference/dora-roi-exit-slice.md`` §8; nothing outside this module knows a code.
"""
from __future__ import annotations

# §8.1 Type of contractual arrangement — B_02.01.c0020
ARRANGEMENT_TYPE = {
    "standalone": "eba_CO:x1",
    "overarching": "eba_CO:x2",
    "subsequent": "eba_CO:x3",
}

# §8.2 Type of ICT services (S01–S19) — B_02.02.c0060, B_07.01.c0040
ICT_SERVICE_TYPE = {
    "project_management": "eba_TA:S01",
    "development": "eba_TA:S02",
    "help_desk": "eba_TA:S03",
    "security_management": "eba_TA:S04",
    "data_provision": "eba_TA:S05",
    "data_analysis": "eba_TA:S06",
    "hosting": "eba_TA:S07",
    "computation": "eba_TA:S08",
    "data_storage": "eba_TA:S09",
    "telecom": "eba_TA:S10",
    "network": "eba_TA:S11",
    "hardware": "eba_TA:S12",
    "software_licensing": "eba_TA:S13",
    "operations": "eba_TA:S14",
    "consulting": "eba_TA:S15",
    "risk_management": "eba_TA:S16",
    "cloud_iaas": "eba_TA:S17",
    "cloud_paas": "eba_TA:S18",
    "cloud_saas": "eba_TA:S19",
}

# §8.3 Reason of the termination or ending — B_02.02.c0090
TERMINATION_REASON = {
    "expired": "eba_CO:x4",
    "provider_breach": "eba_CO:x5",
    "provider_impediment": "eba_CO:x6",
    "data_security_weakness": "eba_CO:x7",
    "authority_request": "eba_CO:x8",
    "other": "eba_CO:x9",
}

# §8.4 Yes/No — B_02.02.c0140 (storage of data), B_07.01.c0080 (exit plan)
YES_NO = {True: "eba_BT:x28", False: "eba_BT:x29"}

# §8.5 Yes/No/Assessment not performed — B_06.01.c0050 (criticality)
CRITICALITY = {
    "critical": "eba_BT:x28",
    "not_critical": "eba_BT:x29",
    "not_assessed": "eba_BT:x21",
}

# §8.5 Yes/No/Assessment not performed — B_07.01.c0110 (alternatives identified)
ALTERNATIVES = {
    "yes": "eba_BT:x28",
    "no": "eba_BT:x29",
    "not_assessed": "eba_BT:x21",
}

# §8.10 Impact of discontinuing — B_06.01.c0100 (function), B_07.01.c0100 (the ICT service)
IMPACT = {
    "low": "eba_ZZ:x791",
    "medium": "eba_ZZ:x792",
    "high": "eba_ZZ:x793",
    "not_assessed": "eba_ZZ:x799",
}

# §8.11 Substitutability of the provider — B_07.01.c0050
SUBSTITUTABILITY = {
    "not_substitutable": "eba_ZZ:x959",
    "highly_complex": "eba_ZZ:x960",
    "medium": "eba_ZZ:x961",
    "easy": "eba_ZZ:x962",
}

# §8.12 Reason if not substitutable or difficult to substitute — B_07.01.c0060
NON_SUBSTITUTABILITY_REASON = {
    "no_alternatives": "eba_ZZ:x963",
    "hard_to_migrate": "eba_ZZ:x964",
    "both": "eba_ZZ:x965",
}

# §8.13 Possibility of reintegration — B_07.01.c0090
REINTEGRATION = {
    "easy": "eba_ZZ:x798",
    "difficult": "eba_ZZ:x966",
    "highly_complex": "eba_ZZ:x967",
    "not_applicable": "eba_ZZ:x0",
}

# §8.9 Type of person — B_05.01.c0070
PERSON_TYPE = {
    "legal_person": "eba_CT:x212",
    "individual": "eba_CT:x213",
}

# §8.8 Type of code identifying a provider — B_02.02.c0040, B_05.01.c0020/c0040/c0120,
# B_07.01.c0030. NIN → qx2001 and passport → qx2005 follow the EBA workbook's label pairing.
CODE_TYPE = {
    "lei": "eba_qCO:qx2000",
    "national": "eba_qCO:qx2001",
    "euid": "eba_qCO:qx2002",
    "crn": "eba_qCO:qx2003",
    "vat": "eba_qCO:qx2004",
    "passport": "eba_qCO:qx2005",
}

# §8.14 Countries and currencies: the ISO code behind a prefix.
COUNTRY_NOT_APPLICABLE = "eba_GA:qx2007"  # only in the B_02.02 key columns c0130, c0150, c0160


def country(code: str) -> str:
    """The register's code for an ISO 3166-1 alpha-2 country (``IE`` → ``eba_GA:IE``)."""
    return f"eba_GA:{code}"


def currency(code: str) -> str:
    """The register's code for an ISO 4217 currency (``EUR`` → ``eba_CU:EUR``)."""
    return f"eba_CU:{code}"


#: Every closed list we map, by the name the tests and the docs use.
CLOSED_LISTS = {
    "arrangement_type": ARRANGEMENT_TYPE,
    "ict_service_type": ICT_SERVICE_TYPE,
    "termination_reason": TERMINATION_REASON,
    "yes_no": YES_NO,
    "criticality": CRITICALITY,
    "alternatives": ALTERNATIVES,
    "impact": IMPACT,
    "substitutability": SUBSTITUTABILITY,
    "non_substitutability_reason": NON_SUBSTITUTABILITY_REASON,
    "reintegration": REINTEGRATION,
    "person_type": PERSON_TYPE,
    "code_type": CODE_TYPE,
}

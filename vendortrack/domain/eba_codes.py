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


# §8.15 Licenced activity — B_06.01.c0020: the 131 members of the DORA 4.0 taxonomy, with the
# EBA's labels (first letter capitalised). A function stores the code itself: the list is the
# EBA's own, with no words of ours to map from.
LICENSED_ACTIVITIES = {
    "eba_TA:x28": "Payment services",
    "eba_TA:x104": "Foreign exchange services",
    "eba_TA:x133": "Reception and transmission of orders",
    "eba_TA:x134": "Execution of orders on behalf of clients",
    "eba_TA:x136": "Portfolio management",
    "eba_TA:x137": "Investment advice",
    "eba_TA:x138": "Underwriting of financial instruments and/or placing of financial "
                   "instruments on a firm commitment basis",
    "eba_TA:x139": "Placing of financial instruments without a firm commitment basis",
    "eba_TA:x140": "Operation of an MTF",
    "eba_TA:x141": "Operation of an OTF",
    "eba_TA:x143": "Granting credits or loans to investors",
    "eba_TA:x144": "Advice to undertakings on capital structure, industrial strategy and "
                   "related matters and advice and services relating to mergers and the "
                   "purchase of undertakings",
    "eba_TA:x146": "Investment research and financial analysis",
    "eba_TA:x147": "Services related to underwriting",
    "eba_TA:x162": "Taking deposits and other repayable funds",
    "eba_TA:x163": "Lending activities",
    "eba_TA:x164": "Financial leasing",
    "eba_TA:x165": "Issuing and administering other means of payment",
    "eba_TA:x166": "Guarantees and commitments",
    "eba_TA:x167": "Guarantees and commitments related to securities lending and borrowing, "
                   "within the meaning of point 6 of Annex I to Directive 2013/36/EU",
    "eba_TA:x168": "Trading for own account or for account of customers",
    "eba_TA:x169": "Participation in securities issues and the provision of services relating "
                   "to such issues",
    "eba_TA:x170": "Advisory services",
    "eba_TA:x171": "Money broking",
    "eba_TA:x172": "Portfolio management and advice",
    "eba_TA:x173": "Dealing on own account",
    "eba_TA:x174": "Safekeeping and administration of securities",
    "eba_TA:x175": "Safekeeping and administration of financial instruments for the account "
                   "of clients",
    "eba_TA:x176": "Safe-keeping and administration in relation to shares or units of "
                   "collective investment undertakings",
    "eba_TA:x177": "Non-core services (safekeeping and administration in relation to units of "
                   "collective investment undertakings)",
    "eba_TA:x178": "Safe custody services",
    "eba_TA:x179": "Credit reference services",
    "eba_TA:x180": "Issuing electronic money",
    "eba_TA:x181": "Reception and transmission of orders for crypto-assets on behalf of clients",
    "eba_TA:x182": "Portfolio management on crypto-assets",
    "eba_TA:x183": "Management of portfolios of investments (AIFMD)",
    "eba_TA:x184": "Management of portfolios of investments (UCITSD)",
    "eba_TA:x185": "Non-Life Insurance: Classes 1 and 2: ‘Accident and Health Insurance’",
    "eba_TA:x186": "Non-Life Insurance: Classes 1 (fourth indent), 3, 7 and 10: "
                   "‘Motor Insurance’",
    "eba_TA:x187": "Non-Life Insurance: Classes 1 (fourth indent), 4, 6, 7 and 12: "
                   "‘Marine and Transport Insurance’",
    "eba_TA:x188": "Non-Life Insurance: Classes 1 (fourth indent), 5, 7 and 11: "
                   "‘Aviation Insurance’",
    "eba_TA:x189": "Non-Life Insurance: Classes 8 and 9: ‘Insurance against Fire and other "
                   "Damage to Property’",
    "eba_TA:x190": "Non-Life Insurance: Classes 10, 11, 12 and 13: ‘Liability Insurance’",
    "eba_TA:x191": "Non-Life Insurance: Classes 14 and 15: ‘Credit and Suretyship Insurance’",
    "eba_TA:x192": "Non-Life Insurance: All classes, at the choice of the Member States, which "
                   "shall notify the other Member States and the Commission of their choice",
    "eba_TA:x193": "Life Insurance: The life insurance referred to in points (a)(i), (ii) and "
                   "(iii) of Article 2(3) excluding those referred to in II and III",
    "eba_TA:x194": "Life Insurance: Marriage assurance, birth assurance",
    "eba_TA:x195": "Life Insurance: The insurance referred to in points (a)(i) and (ii) of "
                   "Article 2(3), which are linked to investment funds",
    "eba_TA:x196": "Life Insurance: Permanent health insurance, referred to in point (a)(iv) "
                   "of Article 2(3)",
    "eba_TA:x197": "Life Insurance: Tontines, referred to in point (b)(i) of Article 2(3)",
    "eba_TA:x198": "Life Insurance: Capital redemption operations, referred to in point "
                   "(b)(ii) of Article 2(3)",
    "eba_TA:x199": "Life Insurance: Management of group pension funds, referred to in point "
                   "(b)(iii) and (iv) of Article 2(3)",
    "eba_TA:x200": "Life Insurance: The operations referred to in point (b)(v) of Article 2(3)",
    "eba_TA:x201": "Life Insurance: The operations referred to in Article 2(3)(c)",
    "eba_TA:x202": "Insurance distribution",
    "eba_TA:x203": "Reinsurance distribution",
    "eba_TA:x204": "Investment services related to the underlying of the derivatives",
    "eba_TA:x205": "Retirement-benefit related operations and activities arising therefrom",
    "eba_TA:x206": "Issuance of credit ratings",
    "eba_TA:x207": "Administering the arrangements for determining a benchmark",
    "eba_TA:x208": "Collecting, analysing or processing input data for the purpose of "
                   "determining a benchmark",
    "eba_TA:x209": "Determining a benchmark through the application of a formula or other "
                   "method of calculation or by an assessment of input data provided for that "
                   "purpose",
    "eba_TA:x210": "Publication of benchmark",
    "eba_TA:x211": "Provision of crowdfunding services",
    "eba_TA:x212": "Ancillary non-securitisation services",
    "eba_TA:x213": "Ancillary securitisation services",
    "eba_TA:x214": "Collection and maintenance of the records of derivatives (non-SFTs)",
    "eba_TA:x215": "Collection and maintenance of the records of SFTs",
    "eba_TA:x216": "Collection and maintenance of the records of securitisations",
    "eba_TA:x217": "Activity as approved publication arrangement",
    "eba_TA:x218": "Activity as consolidated tape provider",
    "eba_TA:x219": "Activity as approved reporting mechanism",
    "eba_TA:x220": "Services enabling cash to be placed on a payment account as well as all "
                   "the operations required for operating a payment account",
    "eba_TA:x221": "Services enabling cash withdrawals from a payment account as well as all "
                   "the operations required for operating a payment account",
    "eba_TA:x222": "Execution of payment transactions, including transfers of funds on a "
                   "payment account with the user’s payment service provider or with another "
                   "payment service provider",
    "eba_TA:x223": "Execution of payment transactions where the funds are covered by a credit "
                   "line for a payment service user",
    "eba_TA:x224": "Issuing of payment instruments and/or acquiring of payment transactions",
    "eba_TA:x225": "Money remittance",
    "eba_TA:x226": "Payment initiation services",
    "eba_TA:x227": "Account information services",
    "eba_TA:x228": "Providing custody and administration of crypto-assets on behalf of clients",
    "eba_TA:x229": "Operation of a trading platform for crypto-assets",
    "eba_TA:x230": "Operation of a Regulated Market",
    "eba_TA:x231": "Exchange of crypto-assets for funds",
    "eba_TA:x232": "Exchange of crypto-assets for other crypto-assets",
    "eba_TA:x233": "Execution of orders for crypto-assets on behalf of clients",
    "eba_TA:x234": "Placing of crypto-assets",
    "eba_TA:x235": "Providing advice on crypto-assets",
    "eba_TA:x236": "Providing transfer services for crypto-assets on behalf of clients",
    "eba_TA:x237": "Issuance of asset-referenced tokens",
    "eba_TA:x238": "Notary service",
    "eba_TA:x239": "Central maintenance service",
    "eba_TA:x240": "Settlement service",
    "eba_TA:x241": "Organising a securities lending mechanism, as agent among participants of "
                   "a securities settlement system",
    "eba_TA:x242": "Collateral management services",
    "eba_TA:x243": "General collateral management services",
    "eba_TA:x244": "Establishing CSD links, providing, maintaining or operating securities "
                   "accounts in relation to the settlement service, collateral management, "
                   "other ancillary services",
    "eba_TA:x245": "Settlement matching, instruction routing, trade confirmation, trade "
                   "verification",
    "eba_TA:x246": "Services related to shareholders’ registers",
    "eba_TA:x247": "Supporting the processing of corporate actions, including tax, general "
                   "meetings and information services",
    "eba_TA:x248": "New issue services, including allocation and management of ISIN codes and "
                   "similar codes",
    "eba_TA:x249": "Instruction routing and processing, fee collection and processing and "
                   "related reporting",
    "eba_TA:x250": "Providing regulatory reporting",
    "eba_TA:x251": "Providing information, data and statistics to market/census bureaus or "
                   "other governmental or inter-governmental entities",
    "eba_TA:x252": "Providing IT services",
    "eba_TA:x253": "Providing cash accounts to, and accepting deposits from, participants in a "
                   "securities settlement system and holders of securities accounts, within "
                   "the meaning of point 1 of Annex I to Directive 2013/36/EU",
    "eba_TA:x254": "Providing cash credit for reimbursement no later than the following "
                   "business day, cash lending to pre-finance corporate actions and lending "
                   "securities to holders of securities accounts, within the meaning of point "
                   "2 of Annex I to Directive 2013/36/EU",
    "eba_TA:x255": "Payment services involving processing of cash and foreign exchange "
                   "transactions, within the meaning of point 4 of Annex I to Directive "
                   "2013/36/EU",
    "eba_TA:x256": "Treasury activities involving foreign exchange and transferable securities "
                   "related to managing participants’ long balances",
    "eba_TA:x257": "Any other NCA-permitted non-banking-type ancillary services not specified "
                   "in Annex of Regulation (EU) No 909/2014 (CSDR) - Section B",
    "eba_TA:x258": "Any other NCA-permitted Banking-type ancillary services not specified in "
                   "Annex of Regulation (EU) No 909/2014 (CSDR) - Section C",
    "eba_TA:x259": "Interposition between counterparties",
    "eba_TA:x260": "Risk management",
    "eba_TA:x261": "Legal and fund management accounting services",
    "eba_TA:x262": "Customer inquiries",
    "eba_TA:x263": "Valuation and pricing, including tax returns",
    "eba_TA:x264": "Regulatory compliance monitoring",
    "eba_TA:x265": "Maintenance of unit-/shareholder register",
    "eba_TA:x266": "Unit/shares issues and redemptions",
    "eba_TA:x267": "Maintenance of unit-holder register",
    "eba_TA:x268": "Unit issues and redemptions",
    "eba_TA:x269": "Contract settlements (including certificate dispatch)",
    "eba_TA:x270": "Distribution of income",
    "eba_TA:x271": "Record keeping",
    "eba_TA:x272": "Marketing",
    "eba_TA:x273": "Services necessary to meet the fiduciary duties of the AIFM",
    "eba_TA:x274": "Investment advice concerning one or more of the instruments listed in "
                   "Annex I, Section C to Directive 2004/39/EC",
    "eba_TA:x275": "Ancillary services",
    "eba_TA:x276": "Supporting function",
    "eba_TA:qx277": "Non-life reinsurance activities",
    "eba_TA:qx278": "Life-reinsurance activities",
}
LICENSED_ACTIVITY = {code: code for code in LICENSED_ACTIVITIES}  # stored as the code itself


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
    "licensed_activity": LICENSED_ACTIVITY,
}


"""Realistic, varied demo engagements, inserted in bulk like an import (10,000 in a few
seconds).

Some engagements are complete, others have the gaps that make risk flags fire; dates spread
around *today* so that handovers are due, passed and far away.

The register-of-information facts are filled so that an export of the demo data has no
problem a supervisor would reject (every engagement in force names its function, vendor and
type of ICT service; every vendor has an LEI or another code with its type; every subsequent
agreement's framework agreement is itself an engagement in force), while a share of them has
the gaps the pre-flight check lists as incomplete (no last audit, no governing law, no reason
for ending, ...).
"""
from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from .domain import spec as specs
from .domain.exit import Readiness
from .domain.identity import with_check_digits
from .domain.text import name_key
from .extensions import db
from .models import BusinessFunction, Engagement, Vendor, utcnow
from .services import commit, insert_engagements, next_function_number

VENDORS = [
    "Northwind Analytics", "Contoso Consulting", "Fabrikam Data Labs", "Tailspin Systems",
    "Adatum Engineering", "Litware AI", "Proseware Digital", "Wingtip Solutions",
    "Woodgrove Technology", "Alpine Ski Software", "Blue Yonder Partners", "Coho Automation",
    "Fourth Coffee Labs", "Lucerne Data", "Margie's Models", "Trey Research",
    "Humongous Insight", "Graphic Design Institute", "Relecloud Services", "VanArsdel Cloud",
]
FIRST = ["Anna", "Ben", "Chloé", "Dawit", "Elif", "Farid", "Greta", "Hiro", "Ines", "Jonas",
         "Kemi", "Lars", "Maya", "Nikolai", "Olu", "Priya", "Quentin", "Rosa", "Sven", "Tara"]
LAST = ["Berg", "Okafor", "Nakamura", "Schmidt", "Haddad", "Lindqvist", "Moreau", "Silva",
        "Kowalski", "Novak", "Patel", "Jensen", "Ferreira", "Andersen", "Yilmaz"]
SUBJECTS = ["customer support triage", "invoice matching", "demand forecasting",
            "fraud screening", "document search", "churn prediction", "contract review",
            "route planning", "claims intake", "product recommendations", "call summarisation",
            "supplier risk scoring", "data platform migration", "mobile app rebuild",
            "identity provider rollout", "warehouse slotting"]
VERBS = ["Automate", "Rebuild", "Pilot", "Scale", "Modernise", "Introduce"]
METRICS = [("First-response time", "hours", "6", "2"), ("Accuracy", "%", "81", "95"),
           ("Manual touches per case", "count", "4", "1"), ("Cost per transaction", "EUR",
           "3.10", "1.20"), ("Weekly active users", "users", "120", "600"),
           ("Availability", "%", "99.0", "99.9"), ("Lead time for changes", "days", "14", "3")]
CONSTRAINTS = ["Customer data stays in the EU.", "Must integrate with the existing SSO.",
               "No new licence costs above 20,000 a year.",
               "Code in our Git repositories from day one.",
               "Follow our accessibility standard (WCAG 2.2 AA).",
               "Models must be explainable to the compliance team."]
TRADEOFFS = [("When speed conflicts with accuracy, accuracy wins.", "Product owner"),
             ("When scope conflicts with the handover date, the date wins.", "Steering group"),
             ("When cost conflicts with security, security wins.", "CISO")]
KINDS = ["documentation", "runbook", "training", "code_walkthrough", "shadowing",
         "recorded_demo", "other"]
KT_TITLES = {"documentation": "Architecture and design documentation",
             "runbook": "Operations runbook", "training": "Training session for the team",
             "code_walkthrough": "Code walkthrough", "shadowing": "Shadowing week",
             "recorded_demo": "Recorded demo of the full workflow", "other": "Handover workshop"}
CURRENCIES = ["EUR"] * 6 + ["USD"] * 3 + ["GBP"] * 2 + ["CHF"]
# Business functions: about a fifth of the work supports a critical one.
FUNCTIONS = {
    "Customer payments": "critical", "Claims handling": "critical",
    "Customer support": "not_critical", "Finance and accounting": "not_critical",
    "Sales and marketing": "not_critical", "Supply chain": "not_critical",
    "Human resources": "not_critical", "Internal IT": "not_assessed",
    "Product development": "not_assessed", "Legal and compliance": "not_critical",
}
FUNCTION_WEIGHTS = [5, 5, 8, 8, 8, 6, 5, 6, 8, 4]
COUNTRIES = ["IE", "DE", "NL", "FR", "SE", "PL", "ES", "GB", "US", "CH"]
# Function facts beyond criticality: (assessed days ago, RTO h, RPO h, impact, licensed
# activity). "Product development" has not been assessed yet: the pre-flight check says so.
FUNCTION_FACTS = {
    "Customer payments": (40, 4, 1, "high", "eba_TA:x28"),
    "Claims handling": (75, 8, 4, "high", ""),
    "Customer support": (120, 24, 8, "medium", ""),
    "Finance and accounting": (200, 48, 24, "medium", ""),
    "Sales and marketing": (300, 72, 24, "low", ""),
    "Supply chain": (150, 48, 12, "medium", ""),
    "Human resources": (260, 72, 24, "low", ""),
    "Internal IT": (90, 24, 4, "medium", "eba_TA:x276"),
    "Legal and compliance": (180, 72, 24, "low", ""),
}
# Vendors without an LEI, identified by another code: (code, type).
OTHER_CODES = {
    "Litware AI": ("PL5260250995", "vat"),
    "Alpine Ski Software": ("CHE-116.281.710", "crn"),
    "Lucerne Data": ("SEBOLREG.5566778899", "euid"),
    "Relecloud Services": ("09876543", "crn"),
}
INDIVIDUALS = {"Margie's Models": "Margaret Travers"}  # a sole trader, named as in law
UNKNOWN_PERSON_TYPE = {"Trey Research"}  # a gap the pre-flight check reports
# Groups: each parent is a vendor of its own (the register lists it beside its subsidiaries).
PARENTS = {
    "Northwind Holdings": ("GB", ("Northwind Analytics",)),
    "Contoso Group": ("IE", ("Contoso Consulting", "Coho Automation")),
    "Fabrikam Holdings": ("DE", ("Fabrikam Data Labs",)),
}
# The vendors most work goes to hold a framework agreement that later contracts fall under.
FRAMEWORK_VENDORS = VENDORS[:3]
SERVICE_TYPES = {"development": 8, "consulting": 4, "data_analysis": 5, "cloud_saas": 5,
                 "operations": 3, "help_desk": 2, "project_management": 2,
                 "security_management": 1, "cloud_paas": 1, "hosting": 1}
GOVERNING_LAW = ["IE", "IE", "DE", "NL", "FR", "GB"]
ALTERNATIVE_PROVIDERS = ["Globex plc", "Initech GmbH", "Umbrella Services", "Hooli Cloud",
                         "Stark Digital", "Wayne Data"]


def _person(rng: random.Random) -> specs.Person:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    return specs.Person(f"{first} {last}", f"{first}.{last}@example.org".lower()
                        .replace("é", "e"))


def demo_spec(rng: random.Random, today: date, vendor: str, number: int,
              register_rng: random.Random | None = None,
              frameworks: dict[str, str] | None = None) -> specs.Spec:
    """One plausible engagement; ``rng`` decides which gaps it has, ``register_rng`` its
    register-of-information facts (a stream of its own, so adding those facts left the rest
    of the demo data as it was). ``frameworks`` maps a vendor to the contract reference of
    its framework agreement."""
    spec = _demo_spec(rng, today, vendor, number)
    return _with_register_facts(register_rng or random.Random(number), today, spec,
                                frameworks or {})


def _demo_spec(rng: random.Random, today: date, vendor: str, number: int) -> specs.Spec:
    complete = rng.random() < 0.45
    gap = (lambda p: False) if complete else (lambda p: rng.random() < p)
    subject = rng.choice(SUBJECTS)
    start = today + timedelta(days=rng.randint(-540, 120))
    end = start + timedelta(days=rng.randint(90, 540))
    handover = None if gap(0.1) else end - timedelta(days=rng.randint(-20 if gap(0.1) else 0, 60))
    status = _status(rng, today, start, end, handover)
    diligent = complete or rng.random() < 0.5  # accepts what arrives, in time
    deliverables = []
    if not gap(0.12):
        for k in range(rng.randint(2, 14)):
            kind = rng.choice(KINDS)
            base = handover or end
            due = None if gap(0.08) else base - timedelta(days=rng.randint(-10 if gap(0.3) else 0,
                                                                           200))
            if due and due < today:
                state = rng.choices(["accepted", "delivered", "planned", "rejected"],
                                    [40, 1, 1, 0] if diligent else [6, 2, 2, 1])[0]
            else:
                state = rng.choices(["planned", "delivered"], [5, 1])[0]
            deliverables.append(specs.Deliverable(
                kind, f"{KT_TITLES[kind]} {k + 1}", due,
                "Reviewed and signed off by the internal owner and one successor.", state))
    metrics = [] if gap(0.2) else [
        specs.Metric(name, base, "" if gap(0.1) else target, unit, "Monthly dashboard review")
        for name, unit, base, target in rng.sample(METRICS, rng.randint(1, 4))]
    function = rng.choices(list(FUNCTIONS), FUNCTION_WEIGHTS)[0] if rng.random() < 0.85 else ""
    return specs.Spec(
        **_exit_fields(rng, today, function),
        title=f"{rng.choice(VERBS)} {subject}",
        vendor=vendor,
        contract_reference=f"C-{today.year - rng.randint(0, 2)}-{number:05d}",
        contract_value=Decimal(rng.randrange(20_000, 2_500_000, 500)),
        currency=rng.choice(CURRENCIES),
        status=status,
        start_date=start, end_date=end, handover_date=handover,
        problem_statement="" if gap(0.2) else (
            f"Our team spends too long on {subject}: cases wait days, errors reach customers "
            "and the work does not scale with demand. We need a system the team can run and "
            "extend after the vendor leaves."),
        core_capability=rng.random() < 0.4,
        internal_owner=None if gap(0.1) else _person(rng),
        successors=() if gap(0.25) else tuple(_person(rng) for _ in range(rng.randint(1, 3))),
        upskilling=() if gap(0.4) else tuple(_person(rng) for _ in range(rng.randint(1, 3))),
        metrics=tuple(metrics),
        constraints=() if gap(0.25) else tuple(rng.sample(CONSTRAINTS, rng.randint(1, 3))),
        tradeoffs=() if gap(0.3) else tuple(specs.Tradeoff(*t) for t in
                                            rng.sample(TRADEOFFS, rng.randint(1, 2))),
        deliverables=tuple(deliverables),
    )


def _with_register_facts(rng: random.Random, today: date, spec: specs.Spec,
                         frameworks: dict[str, str]) -> specs.Spec:
    """``spec`` with the register-of-information facts: complete enough that nothing in force
    is rejected, with some facts missing, as in real records."""
    draft = spec.status == "draft"

    def gap(p: float) -> bool:
        return rng.random() < p

    if not spec.business_function and not draft:  # the register needs it of work in force
        function = rng.choices(list(FUNCTIONS), FUNCTION_WEIGHTS)[0]
        spec = replace(spec, **_exit_fields(rng, today, function))
    fields: dict = {
        "ict_service_type": None if draft and gap(0.4) else rng.choices(
            list(SERVICE_TYPES), list(SERVICE_TYPES.values()))[0],
        "governing_law_country": "" if gap(0.1) else rng.choice(GOVERNING_LAW),
        "last_audit_on": None if gap(0.35) or spec.start_date > today else max(
            spec.start_date, today - timedelta(days=rng.randint(20, 600))),
        "discontinuation_impact": None if gap(0.12) else rng.choices(
            ["low", "medium", "high", "not_assessed"],
            [1, 3, 4, 1] if FUNCTIONS.get(spec.business_function) == "critical"
            else [5, 3, 1, 1])[0],
        "stores_data": "yes" if (spec.countries or {}).get("data_storage") else None,
    }
    if spec.vendor in frameworks and rng.random() < 0.6:
        fields.update(arrangement_type="subsequent",
                      overarching_reference=frameworks[spec.vendor])
    else:
        fields["arrangement_type"] = None if gap(0.08) else "standalone"
    if spec.status == "closed" and not gap(0.15):
        fields["termination_reason"] = rng.choices(
            ["expired", "other", "provider_breach", "provider_impediment"], [12, 3, 1, 1])[0]
    hard = spec.substitutability in ("not_substitutable", "highly_complex")
    if (hard and not gap(0.2)) or (spec.substitutability == "medium" and gap(0.3)):
        fields["non_substitutability_reason"] = rng.choices(
            ["no_alternatives", "hard_to_migrate", "both"], [2, 5, 2])[0]
    return replace(spec, **fields)


def framework_spec(rng: random.Random, today: date, vendor: str, number: int) -> specs.Spec:
    """A framework agreement with ``vendor``, in force for years around ``today``: the later
    contracts with that vendor fall under it."""
    start, end = today - timedelta(days=1000), today + timedelta(days=800)
    owner = _person(rng)
    return specs.Spec(
        **_exit_fields(rng, today, "Internal IT"),
        title=f"Framework agreement with {vendor}",
        vendor=vendor,
        contract_reference=f"FA-{start.year}-{number:05d}",
        contract_value=Decimal(rng.randrange(1_000_000, 5_000_000, 50_000)),
        currency="EUR",
        status="active",
        start_date=start, end_date=end, handover_date=end,
        problem_statement=f"The terms every later contract with {vendor} works under: rates, "
                          "security, data protection, audit rights and exit.",
        internal_owner=owner,
        successors=(_person(rng),),
        constraints=("Every contract under this agreement names its own internal owner.",),
        deliverables=(specs.Deliverable(
            "documentation", "Service catalogue and rate card", today + timedelta(days=60),
            "Reviewed by procurement.", "planned"),),
        arrangement_type="overarching",
        ict_service_type="consulting",
        governing_law_country="IE",
        last_audit_on=today - timedelta(days=rng.randint(60, 300)),
        discontinuation_impact="medium",
    )


def _exit_fields(rng: random.Random, today: date, function: str) -> dict:
    """Contract terms and an exit plan: most critical work has a plan, not all of it tested."""
    if not function:
        return {}
    critical = FUNCTIONS[function] == "critical"
    fields: dict = {
        "business_function": function,
        "notice_period_days": {"organisation": rng.choice([30, 60, 90, 180]),
                               "provider": rng.choice([90, 180, 365])},
        "transition_period_days": rng.choice([None, 60, 90, 180]),
        "countries": {"service": tuple(rng.sample(COUNTRIES, rng.randint(1, 2))),
                      "data_storage": tuple(rng.sample(COUNTRIES[:7], 1)),
                      "data_processing": tuple(rng.sample(COUNTRIES, rng.randint(1, 2)))},
        "annual_expense": Decimal(rng.randrange(10_000, 800_000, 1000)),
        "substitutability": rng.choice([None, "not_substitutable", "highly_complex", "medium",
                                        "easy"]),
        "reintegration": rng.choice([None, None, None, "difficult", "highly_complex",
                                     "highly_complex", "easy"]),
    }
    if rng.random() < (0.85 if critical else 0.3):
        tested = rng.choices([None, 60, 300, 500], [2, 4, 3, 2])[0]
        last = None if tested is None else today - timedelta(days=rng.randint(tested // 2, tested))
        fields["exit_plan"] = {
            "documented": True,
            "summary": "Terminate with notice, run both services in parallel during the "
                       "transition, hand over data and runbooks to the successor team.",
            "scenarios": tuple(rng.sample(["termination", "provider_failure",
                                           "quality_deterioration", "disruption"],
                                          rng.randint(2, 4))),
            "last_tested_on": last,
            "last_test_result": rng.choice(["passed", "partly_passed"]) if last else None,
            "next_review_on": (last or today) + timedelta(days=rng.choice([180, 365])),
            "alternatives": rng.choices(["yes", "no", "not_assessed"], [7, 2, 1])[0],
            "alternative_providers": tuple(rng.sample(ALTERNATIVE_PROVIDERS, 2)),
        }
    return fields


def _status(rng: random.Random, today: date, start: date, end: date,
            handover: date | None) -> str:
    """A status that fits the dates, mostly: work ends, handovers happen, drafts start."""
    if end < today:
        return rng.choices(["closed", "in_handover", "active"], [8, 1, 1])[0]
    if handover and handover < today:
        return rng.choices(["in_handover", "active"], [3, 1])[0]
    if start > today:
        return rng.choices(["draft", "active"], [3, 2])[0]
    return rng.choices(["active", "draft"], [9, 1])[0]


def _demo_lei(number: int) -> str:
    return with_check_digits(f"5299{number:04d}VT{(number + 1) * 7919:08d}")


def _vendor_ids() -> dict[str, int]:
    """The demo vendors (and their groups' parents), added when missing."""
    existing = {name: vid for vid, name in db.session.execute(select(Vendor.id, Vendor.name))}
    parent_of = {child: (parent, number) for number, (parent, (_, children))
                 in enumerate(PARENTS.items(), start=len(VENDORS)) for child in children}
    for number, (name, (country, _)) in enumerate(PARENTS.items(), start=len(VENDORS)):
        if name not in existing:
            existing[name] = _add_vendor(name, f"{name} plc", _demo_lei(number), country,
                                         person_type="legal_person")
    for number, name in enumerate(VENDORS):
        if name in existing:
            continue
        other_code, other_code_type = OTHER_CODES.get(name, ("", None))
        parent = parent_of.get(name)
        existing[name] = _add_vendor(
            name, INDIVIDUALS.get(name, f"{name} Ltd"),
            "" if other_code else _demo_lei(number), COUNTRIES[number % len(COUNTRIES)],
            person_type=(None if name in UNKNOWN_PERSON_TYPE else
                         "individual" if name in INDIVIDUALS else "legal_person"),
            other_code=other_code, other_code_type=other_code_type,
            parent_code=_demo_lei(parent[1]) if parent else "",
            parent_code_type="lei" if parent else None)
    return existing


def _add_vendor(name: str, legal_name: str, lei: str, country: str, **register) -> int:
    vendor = Vendor(name=name, name_key=name_key(name), contact="", notes="",
                    legal_name=legal_name, lei=lei, country=country, **register)
    db.session.add(vendor)
    db.session.flush()
    return vendor.id


def _function_ids(today: date) -> dict[str, int]:
    existing = {name: fid for fid, name in
                db.session.execute(select(BusinessFunction.id, BusinessFunction.name))}
    for name, criticality in FUNCTIONS.items():
        if name not in existing:
            assessed, rto, rpo, impact, activity = FUNCTION_FACTS.get(
                name, (None, None, None, None, ""))
            function = BusinessFunction(
                name=name, name_key=name_key(name), criticality=criticality,
                number=next_function_number(),
                criticality_reasons="Its disruption would stop customers paying or being "
                                    "paid." if criticality == "critical" else "",
                assessed_on=None if assessed is None else today - timedelta(days=assessed),
                rto_hours=rto, rpo_hours=rpo, impact=impact, licensed_activity=activity)
            db.session.add(function)
            db.session.flush()
            existing[name] = function.id
    return existing


def _attestations(rng: random.Random, today: date, spec: specs.Spec) -> list[Readiness]:
    """Successors attest more often as the handover nears; some only partly."""
    near = spec.handover_date is not None and spec.handover_date <= today + timedelta(days=60)
    out = []
    for _ in spec.successors:
        roll = rng.random()
        attested_on = today - timedelta(days=rng.randint(1, 60))
        if roll < (0.7 if near else 0.25):
            out.append(Readiness(True, True, True, True, attested_on))
        elif roll < (0.85 if near else 0.45):
            out.append(Readiness(True, True, False, rng.random() < 0.5, attested_on))
        else:
            out.append(Readiness())
    return out


def seed(count: int, today: date, seed_value: int = 7, created_by_id: int | None = None,
         chunk: int = 2000) -> int:
    """Insert ``count`` demo engagements; returns how many were inserted."""
    rng = random.Random(seed_value)
    register_rng = random.Random(f"register-{seed_value}")
    vendor_ids = _vendor_ids()
    function_ids = _function_ids(today)
    frameworks = _frameworks()
    missing = [vendor for vendor in FRAMEWORK_VENDORS if vendor not in frameworks]
    first = (db.session.scalar(select(func.count(Engagement.id))) or 0) + 1  # new references
    weights = [1 / (i + 1) for i in range(len(VENDORS))]  # a few vendors hold most work
    done = 0
    while done < count:
        batch = []
        for number in range(first + done, first + done + min(chunk, count - done)):
            if missing:
                spec = framework_spec(register_rng, today, missing.pop(0), number)
                frameworks[spec.vendor] = spec.contract_reference
            else:
                spec = demo_spec(rng, today, rng.choices(VENDORS, weights)[0], number,
                                 register_rng, frameworks)
            batch.append(spec)
        readiness = [_attestations(rng, today, s) for s in batch]
        _insert(batch, readiness, vendor_ids, function_ids, created_by_id)
        done += len(batch)
    commit()
    return done


def _frameworks() -> dict[str, str]:
    """The framework agreements already recorded, by vendor name."""
    rows = db.session.execute(
        select(Vendor.name, Engagement.contract_reference)
        .join(Engagement, Engagement.vendor_id == Vendor.id)
        .where(Engagement.arrangement_type == "overarching",
               Vendor.name.in_(FRAMEWORK_VENDORS)))
    return {name: reference for name, reference in rows}


def _insert(batch: list[specs.Spec], readiness: list[list[Readiness]],
            vendor_ids: dict[str, int], function_ids: dict[str, int], created_by_id) -> None:
    insert_engagements(batch, [vendor_ids[s.vendor] for s in batch],
                       [function_ids.get(s.business_function) for s in batch],
                       [FUNCTIONS.get(s.business_function) == "critical" for s in batch],
                       created_by_id=created_by_id, now=utcnow(), readiness=readiness)

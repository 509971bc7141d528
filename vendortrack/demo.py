"""Realistic, varied demo engagements, inserted in bulk like an import (10,000 in a few
seconds).

Some engagements are complete, others have the gaps that make risk flags fire; dates spread
around *today* so that handovers are due, passed and far away.
"""
from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from .domain import spec as specs
from .extensions import db
from .models import Vendor, utcnow
from .services import commit, insert_engagements

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


def _person(rng: random.Random) -> specs.Person:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    return specs.Person(f"{first} {last}", f"{first}.{last}@example.org".lower()
                        .replace("é", "e"))


def demo_spec(rng: random.Random, today: date, vendor: str, number: int) -> specs.Spec:
    """One plausible engagement; ``rng`` decides which gaps it has."""
    complete = rng.random() < 0.35
    gap = (lambda p: False) if complete else (lambda p: rng.random() < p)
    subject = rng.choice(SUBJECTS)
    start = today + timedelta(days=rng.randint(-540, 120))
    end = start + timedelta(days=rng.randint(90, 540))
    handover = None if gap(0.25) else end - timedelta(days=rng.randint(-20 if gap(0.1) else 0, 60))
    status = rng.choices(["draft", "active", "in_handover", "closed"], [2, 6, 2, 1])[0]
    deliverables = []
    if not gap(0.2):
        for k in range(rng.randint(2, 14)):
            kind = rng.choice(KINDS)
            base = handover or end
            due = None if gap(0.08) else base - timedelta(days=rng.randint(-10 if gap(0.3) else 0,
                                                                           200))
            if due and due < today:
                state = rng.choices(["accepted", "delivered", "planned", "rejected"],
                                    [6, 2, 2, 1])[0]
            else:
                state = rng.choices(["planned", "delivered"], [5, 1])[0]
            deliverables.append(specs.Deliverable(
                kind, f"{KT_TITLES[kind]} {k + 1}", due,
                "Reviewed and signed off by the internal owner and one successor.", state))
    metrics = [] if gap(0.2) else [
        specs.Metric(name, base, "" if gap(0.1) else target, unit, "Monthly dashboard review")
        for name, unit, base, target in rng.sample(METRICS, rng.randint(1, 4))]
    return specs.Spec(
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
        internal_owner=None if gap(0.2) else _person(rng),
        successors=() if gap(0.25) else tuple(_person(rng) for _ in range(rng.randint(1, 3))),
        upskilling=() if gap(0.4) else tuple(_person(rng) for _ in range(rng.randint(1, 3))),
        metrics=tuple(metrics),
        constraints=() if gap(0.25) else tuple(rng.sample(CONSTRAINTS, rng.randint(1, 3))),
        tradeoffs=() if gap(0.3) else tuple(specs.Tradeoff(*t) for t in
                                            rng.sample(TRADEOFFS, rng.randint(1, 2))),
        deliverables=tuple(deliverables),
    )


def _vendor_ids() -> dict[str, int]:
    existing = {name: vid for vid, name in db.session.execute(select(Vendor.id, Vendor.name))}
    for name in VENDORS:
        if name not in existing:
            vendor = Vendor(name=name, name_key=name.lower(), contact="", notes="")
            db.session.add(vendor)
            db.session.flush()
            existing[name] = vendor.id
    return existing


def seed(count: int, today: date, seed_value: int = 7, created_by_id: int | None = None,
         chunk: int = 2000) -> int:
    """Insert ``count`` demo engagements; returns how many were inserted."""
    rng = random.Random(seed_value)
    vendor_ids = _vendor_ids()
    weights = [1 / (i + 1) for i in range(len(VENDORS))]  # a few vendors hold most work
    done = 0
    while done < count:
        batch = [demo_spec(rng, today, rng.choices(VENDORS, weights)[0], done + i + 1)
                 for i in range(min(chunk, count - done))]
        _insert(batch, vendor_ids, created_by_id)
        done += len(batch)
    commit()
    return done


def _insert(batch: list[specs.Spec], vendor_ids: dict[str, int], created_by_id) -> None:
    insert_engagements(batch, [vendor_ids[s.vendor] for s in batch],
                       created_by_id=created_by_id, now=utcnow())

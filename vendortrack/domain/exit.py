"""Exit readiness: the evidence that the organisation could leave the provider, as pure rules.

The six exit rules are small predicates with *today* as an input, so the risk rules in
:mod:`vendortrack.domain.risk` and their SQL forms in ``vendortrack.risk_queries`` share one
definition of each boundary. :func:`suggest_reintegration` turns the knowledge-transfer
evidence into a reintegration rating and says what is missing for the next better one.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from .vocabulary import ABILITIES, REINTEGRATION

# Judgement calls, in one place.
EXIT_TEST_VALID_DAYS = 365       # a test older than this no longer counts
SUCCESSORS_READY_WITHIN_DAYS = 30  # successors must be ready this long before the handover
MAX_DAYS = 3650                  # notice and transition periods above ten years are typos

_RANK = {code: rank for rank, code in enumerate(REINTEGRATION)}


@dataclass(frozen=True)
class Readiness:
    """A successor's own attestation of what they can do without the vendor."""

    operate: bool = False
    maintain: bool = False
    extend: bool = False
    explain: bool = False
    attested_on: date | None = None

    @property
    def complete(self) -> bool:
        """All four abilities attested."""
        return all(getattr(self, ability) for ability in ABILITIES)


@dataclass(frozen=True)
class ExitFacts:
    """What the exit rules need that the spec does not hold: the criticality of the business
    function (kept on the function's own record) and how many successors attested all four
    abilities (recorded by the successors themselves)."""

    critical: bool = False
    successors_ready: int = 0


NO_FACTS = ExitFacts()


@dataclass(frozen=True)
class Evidence:
    """What the suggested reintegration rating is computed from."""

    has_owner: bool
    successors: int
    successors_ready: int      # successors who attested all four abilities
    deliverables: int
    deliverables_accepted: int
    core_capability: bool
    upskilling: int


@dataclass(frozen=True)
class Suggestion:
    rating: str
    #: what is missing for the next better rating, in the user's words (empty for ``easy``)
    missing: tuple[str, ...]
    next_rating: str | None


def _difficult_gaps(e: Evidence) -> list[str]:
    gaps = []
    if not e.has_owner:
        gaps.append("an internal owner is named")
    if e.successors == 0:
        gaps.append("at least one successor is named")
    if e.deliverables == 0:
        gaps.append("knowledge-transfer deliverables are agreed and at least half accepted")
    elif 2 * e.deliverables_accepted < e.deliverables:
        gaps.append(f"at least half of the knowledge-transfer deliverables are accepted "
                    f"({e.deliverables_accepted} of {e.deliverables} so far)")
    return gaps


def _easy_gaps(e: Evidence) -> list[str]:
    gaps = []
    if not e.has_owner:
        gaps.append("an internal owner is named")
    if e.successors_ready == 0:
        gaps.append("a successor attests they can operate, maintain, extend and explain it")
    if e.deliverables == 0:
        gaps.append("knowledge-transfer deliverables are agreed and all accepted")
    elif e.deliverables_accepted < e.deliverables:
        gaps.append(f"every knowledge-transfer deliverable is accepted "
                    f"({e.deliverables_accepted} of {e.deliverables} so far)")
    if e.core_capability and e.upskilling == 0:
        gaps.append("someone is named as upskilling alongside the vendor (core capability)")
    return gaps


def suggest_reintegration(e: Evidence) -> Suggestion:
    """How hard bringing the service in-house looks from the evidence.

    ``easy``: an owner, a successor who attested all four abilities, every deliverable
    accepted and, for a core capability, someone upskilling. ``difficult``: an owner, a
    successor and at least half of the deliverables accepted. Else ``highly_complex``.
    No deliverables at all is not evidence of transfer, so it never counts as "all accepted".
    """
    easy_gaps = _easy_gaps(e)
    if not easy_gaps:
        return Suggestion("easy", (), None)
    difficult_gaps = _difficult_gaps(e)
    if not difficult_gaps:
        return Suggestion("difficult", tuple(easy_gaps), "easy")
    return Suggestion("highly_complex", tuple(difficult_gaps), "difficult")


def easier_than(rating: str, other: str) -> bool:
    """True when reintegration ``rating`` is easier than ``other``."""
    return _RANK[rating] < _RANK[other]


# --- the six rules, as predicates (see RULES in domain/risk.py for messages) ----------------

def exit_plan_missing(critical: bool, documented: bool) -> bool:
    """EXIT_PLAN_MISSING: a critical function with no documented exit plan."""
    return critical and not documented


def untested_before(today: date) -> date:
    """A test on or after this day still counts; one before it is stale."""
    return today - timedelta(days=EXIT_TEST_VALID_DAYS)


def exit_plan_untested(critical: bool, documented: bool, last_tested_on: date | None,
                       today: date) -> bool:
    """EXIT_PLAN_UNTESTED: critical, documented, never tested or tested over 365 days ago."""
    return critical and documented and (
        last_tested_on is None or last_tested_on < untested_before(today))


def exit_plan_review_overdue(next_review_on: date | None, today: date) -> bool:
    """EXIT_PLAN_REVIEW_OVERDUE: the plan's next review date is before today."""
    return next_review_on is not None and next_review_on < today


def no_alternatives(critical: bool, substitutability: str | None,
                    alternatives: str | None) -> bool:
    """NO_ALTERNATIVES: critical, not easily substitutable, alternatives not identified."""
    return critical and substitutability != "easy" and alternatives != "yes"


def successors_due_by(today: date) -> date:
    """A handover on or before this day needs a ready successor now."""
    return today + timedelta(days=SUCCESSORS_READY_WITHIN_DAYS)


def successors_not_ready(handover_date: date | None, any_successor_ready: bool,
                         today: date) -> bool:
    """SUCCESSORS_NOT_READY: handover at most 30 days away (or passed), nobody fully ready."""
    return (handover_date is not None and handover_date <= successors_due_by(today)
            and not any_successor_ready)


def reintegration_overstated(reintegration: str | None, suggested: str) -> bool:
    """REINTEGRATION_OVERSTATED: the people's rating is easier than the evidence suggests."""
    return reintegration is not None and easier_than(reintegration, suggested)


# --- checks on what people type --------------------------------------------------------------

def exit_test_problem(last_tested_on: date | None, next_review_on: date | None,
                      today: date) -> dict[str, str]:
    """Problems with the exit plan's dates, keyed by field: a test in the future, or a
    review planned before the test it follows."""
    problems = {}
    if last_tested_on is not None and last_tested_on > today:
        problems["last_tested_on"] = "The last test cannot be in the future."
    if last_tested_on and next_review_on and next_review_on < last_tested_on:
        problems["next_review_on"] = "The next review cannot be before the last test."
    return problems


def days_problem(days: int | None) -> str | None:
    """Why a period in days is not believable; None when it is fine or empty."""
    if days is None:
        return None
    if days < 0:
        return "Enter a number of days from 0 upwards."
    if days > MAX_DAYS:
        return f"Enter at most {MAX_DAYS} days (ten years)."
    return None


# --- what the six rules say (the Rule rows in domain/risk.py use these words) ---------------

MESSAGES = {
    "EXIT_PLAN_MISSING": (
        "The function this supports is critical, and there is no documented exit plan.",
        "Write down how the organisation would leave this vendor — on termination, vendor "
        "failure, falling quality or disruption — and mark the exit plan as documented."),
    "EXIT_PLAN_UNTESTED": (
        f"The exit plan has not been tested in the last {EXIT_TEST_VALID_DAYS} days.",
        "Test the exit plan (a walkthrough or a drill) and record the date and the result."),
    "EXIT_PLAN_REVIEW_OVERDUE": (
        "The exit plan's review date has passed.",
        "Review the exit plan and set the date of its next review."),
    "NO_ALTERNATIVES": (
        "The function is critical, the vendor is not easy to replace, and no alternative "
        "has been identified.",
        "Identify alternative providers (or how to bring the work in-house) and record them "
        "in the exit plan."),
    "SUCCESSORS_NOT_READY": (
        f"The handover is at most {SUCCESSORS_READY_WITHIN_DAYS} days away and no successor "
        "has said they can operate, maintain, extend and explain the result.",
        "Ask the successors to record their readiness on the engagement page, or close the "
        "gaps with the vendor before the handover."),
    "REINTEGRATION_OVERSTATED": (
        "The reintegration rating is more optimistic than the evidence suggests.",
        "Either gather the missing evidence shown beside the rating, or rate reintegration "
        "as the evidence suggests."),
}

# Short names for chart labels (see dashboard.figures.FLAG_LABELS).
SHORT_LABELS = {
    "EXIT_PLAN_MISSING": "Critical, no exit plan",
    "EXIT_PLAN_UNTESTED": "Exit plan untested for a year",
    "EXIT_PLAN_REVIEW_OVERDUE": "Exit plan review overdue",
    "NO_ALTERNATIVES": "Critical, no alternative identified",
    "SUCCESSORS_NOT_READY": "Successors not ready for handover",
    "REINTEGRATION_OVERSTATED": "Reintegration rated too easy",
}

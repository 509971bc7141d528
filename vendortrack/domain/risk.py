"""Risk flags: the dependency-trap and spec-vacuum rules of the product brief.

Every rule is a row of :data:`RULES`: a stable code, a severity, the form section that fixes
it, a sentence saying what is wrong, one saying how to fix it, and a small predicate over the
spec and *today*. :func:`assess` applies them. Closed engagements carry no flags.

Rules marked ``dated`` change with the calendar alone; every other rule changes only when the
spec changes. The web app stores the undated flags on save and evaluates the dated ones in SQL
(see ``vendortrack.risk_queries``), so that both stay right on the day they are read.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import IntEnum

from . import exit as ex
from .spec import Deliverable, Spec

# Judgement calls, in one place.
PROBLEM_STATEMENT_MIN_WORDS = 12


class Severity(IntEnum):
    NONE = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3

    @property
    def code(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Rule:
    code: str
    severity: Severity
    section: str
    message: str
    remedy: str
    applies: Callable[..., bool]  # (spec, today), or (spec, today, facts) with uses_facts
    dependency_trap: bool = False
    dated: bool = False
    uses_facts: bool = False  # needs ExitFacts: what is recorded outside the spec


@dataclass(frozen=True)
class Flag:
    code: str
    severity: Severity
    section: str
    message: str
    remedy: str
    dependency_trap: bool


@dataclass(frozen=True)
class Assessment:
    level: Severity
    flags: tuple[Flag, ...]

    @property
    def dependency_trap(self) -> bool:
        return any(f.dependency_trap for f in self.flags)

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(f.code for f in self.flags)


def has_owner(spec: Spec) -> bool:
    owner = spec.internal_owner
    return owner is not None and bool(owner.name.strip() or owner.email.strip())


def is_open(deliverable: Deliverable) -> bool:
    """Not yet accepted: planned, delivered and rejected deliverables are all still owed."""
    return deliverable.status != "accepted"


def open_facts(deliverables) -> tuple[int, date | None]:
    """How many deliverables are still open and the earliest due date among them: the facts
    stored on save from which the dated rules are answered (here and in SQL)."""
    open_rows = [d for d in deliverables if is_open(d)]
    return len(open_rows), min((d.due_date for d in open_rows if d.due_date is not None),
                               default=None)


def handover_passed_open_kt(handover_date: date | None, open_deliverables: int,
                            today: date) -> bool:
    """The handover date has passed while knowledge transfer is still open."""
    return bool(handover_date and handover_date < today and open_deliverables > 0)


def kt_overdue(earliest_open_due: date | None, today: date) -> bool:
    """Some open deliverable was due before today."""
    return bool(earliest_open_due and earliest_open_due < today)


@dataclass(frozen=True)
class StoredExit:
    """The stored facts the dated exit rules read (see ``risk_queries``)."""

    critical: bool = False
    documented: bool = False
    last_tested_on: date | None = None
    next_review_on: date | None = None
    successor_ready: bool = False


def dated_codes(status: str, handover_date: date | None, open_deliverables: int,
                earliest_open_due: date | None, today: date,
                stored: StoredExit | None = None) -> frozenset[str]:
    """The dated flags on ``today``, from the stored facts (``risk_queries`` is their SQL)."""
    if status == "closed":
        return frozenset()
    codes = set()
    if handover_passed_open_kt(handover_date, open_deliverables, today):
        codes.add("HANDOVER_PASSED_OPEN_KT")
    if kt_overdue(earliest_open_due, today):
        codes.add("KT_OVERDUE")
    if stored is not None:
        if ex.exit_plan_untested(stored.critical, stored.documented, stored.last_tested_on,
                                 today):
            codes.add("EXIT_PLAN_UNTESTED")
        if ex.exit_plan_review_overdue(stored.next_review_on, today):
            codes.add("EXIT_PLAN_REVIEW_OVERDUE")
        if ex.successors_not_ready(handover_date, stored.successor_ready, today):
            codes.add("SUCCESSORS_NOT_READY")
    return frozenset(codes)


def _plan(spec: Spec) -> dict:
    return spec.exit_plan or {}


def evidence(spec: Spec, facts: ex.ExitFacts) -> ex.Evidence:
    """What the suggested reintegration rating rests on."""
    return ex.Evidence(
        has_owner=has_owner(spec), successors=len(spec.successors),
        successors_ready=facts.successors_ready, deliverables=len(spec.deliverables),
        deliverables_accepted=sum(d.status == "accepted" for d in spec.deliverables),
        core_capability=spec.core_capability, upskilling=len(spec.upskilling))


def suggested_reintegration(spec: Spec, facts: ex.ExitFacts) -> ex.Suggestion:
    return ex.suggest_reintegration(evidence(spec, facts))


def is_overdue(deliverable, engagement_status: str, today: date) -> bool:
    """This deliverable is open and was due before ``today`` (closed engagements owe nothing)."""
    return (engagement_status != "closed" and is_open(deliverable)
            and kt_overdue(deliverable.due_date, today))


def _due_too_late(d: Deliverable, handover: date | None) -> bool:
    return d.due_date is None or (handover is not None and d.due_date >= handover)


def word_count(text: str) -> int:
    return len(text.split())


RULES: tuple[Rule, ...] = (
    Rule(
        "DEPENDENCY_TRAP_NO_OWNER", Severity.HIGH, "owner",
        "Nobody inside the organisation owns this engagement.",
        "Name an internal owner who stays close to the vendor's work for the whole engagement.",
        lambda s, today: not has_owner(s),
        dependency_trap=True,
    ),
    Rule(
        "DEPENDENCY_TRAP_NO_HANDOVER", Severity.HIGH, "handover",
        "There is no handover date.",
        "Fix a handover date before work begins.",
        lambda s, today: s.handover_date is None,
        dependency_trap=True,
    ),
    Rule(
        "HANDOVER_AFTER_END", Severity.HIGH, "handover",
        "The handover date is after the contract ends.",
        "Move the handover date on or before the contract end date, or extend the contract.",
        lambda s, today: bool(s.handover_date and s.end_date and s.handover_date > s.end_date),
        dependency_trap=True,
    ),
    Rule(
        "KT_NOT_A_DELIVERABLE", Severity.HIGH, "deliverables",
        "Knowledge transfer is not a contract deliverable.",
        "Add knowledge-transfer deliverables (documentation, runbooks, training, walkthroughs) "
        "with due dates and acceptance criteria.",
        lambda s, today: not s.deliverables,
        dependency_trap=True,
    ),
    Rule(
        "HANDOVER_PASSED_OPEN_KT", Severity.HIGH, "deliverables",
        "The handover date has passed and knowledge transfer is not complete.",
        "Get the open deliverables delivered and accepted, or agree a new handover date.",
        lambda s, today: handover_passed_open_kt(s.handover_date, open_facts(s.deliverables)[0],
                                                 today),
        dependency_trap=True,
        dated=True,
    ),
    Rule(
        "KT_BACKLOADED", Severity.MEDIUM, "deliverables",
        "All knowledge transfer is left until the handover or has no due date.",
        "Schedule some deliverables well before the handover date so gaps show while the "
        "vendor is still engaged.",
        lambda s, today: bool(s.deliverables) and all(
            _due_too_late(d, s.handover_date) for d in s.deliverables
        ),
    ),
    Rule(
        "KT_OVERDUE", Severity.MEDIUM, "deliverables",
        "A knowledge-transfer deliverable is overdue.",
        "Chase the vendor for the overdue deliverables, or accept them if they have arrived.",
        lambda s, today: kt_overdue(open_facts(s.deliverables)[1], today),
        dated=True,
    ),
    Rule(
        "SPEC_NO_PROBLEM", Severity.MEDIUM, "problem",
        "The problem statement is missing or too short to hold a vendor to.",
        f"Describe the problem in at least {PROBLEM_STATEMENT_MIN_WORDS} words: who has it, "
        "what it costs, what changes when it is solved.",
        lambda s, today: word_count(s.problem_statement) < PROBLEM_STATEMENT_MIN_WORDS,
    ),
    Rule(
        "SPEC_NO_METRICS", Severity.MEDIUM, "metrics",
        "Success is not measurable: there is no metric, or a metric has no target.",
        "Add success metrics, each with a target (and a baseline to compare against).",
        lambda s, today: not s.metrics or any(not m.target.strip() for m in s.metrics),
    ),
    Rule(
        "SPEC_NO_CONSTRAINTS", Severity.LOW, "constraints",
        "No hard constraints are written down.",
        "List the constraints the vendor must not break (security, data, budget, standards).",
        lambda s, today: not s.constraints,
    ),
    Rule(
        "SPEC_NO_TRADEOFFS", Severity.MEDIUM, "tradeoffs",
        "Nobody has said how trade-offs will be decided.",
        "Add trade-off rules: when A conflicts with B, which wins and who decides.",
        lambda s, today: not s.tradeoffs,
    ),
    Rule(
        "NO_SUCCESSORS", Severity.MEDIUM, "successors",
        "Nobody is named to run the result after handover.",
        "Name the internal people who will take over after the handover.",
        lambda s, today: not s.successors,
    ),
    Rule(
        "CORE_WITHOUT_UPSKILLING", Severity.MEDIUM, "upskilling",
        "A core capability is outsourced with nobody inside learning alongside the vendor.",
        "Name internal people who will work and learn alongside the vendor.",
        lambda s, today: s.core_capability and not s.upskilling,
    ),
    Rule(
        "EXIT_PLAN_MISSING", Severity.HIGH, "exit", *ex.MESSAGES["EXIT_PLAN_MISSING"],
        lambda s, today, f: ex.exit_plan_missing(f.critical, bool(_plan(s).get("documented"))),
        dependency_trap=True, uses_facts=True,
    ),
    Rule(
        "EXIT_PLAN_UNTESTED", Severity.MEDIUM, "exit", *ex.MESSAGES["EXIT_PLAN_UNTESTED"],
        lambda s, today, f: ex.exit_plan_untested(
            f.critical, bool(_plan(s).get("documented")), _plan(s).get("last_tested_on"),
            today),
        dated=True, uses_facts=True,
    ),
    Rule(
        "EXIT_PLAN_REVIEW_OVERDUE", Severity.LOW, "exit",
        *ex.MESSAGES["EXIT_PLAN_REVIEW_OVERDUE"],
        lambda s, today: ex.exit_plan_review_overdue(_plan(s).get("next_review_on"), today),
        dated=True,
    ),
    Rule(
        "NO_ALTERNATIVES", Severity.MEDIUM, "exit", *ex.MESSAGES["NO_ALTERNATIVES"],
        lambda s, today, f: ex.no_alternatives(f.critical, s.substitutability,
                                               _plan(s).get("alternatives")),
        uses_facts=True,
    ),
    Rule(
        "SUCCESSORS_NOT_READY", Severity.HIGH, "successors",
        *ex.MESSAGES["SUCCESSORS_NOT_READY"],
        lambda s, today, f: ex.successors_not_ready(s.handover_date, f.successors_ready > 0,
                                                    today),
        dependency_trap=True, dated=True, uses_facts=True,
    ),
    Rule(
        "REINTEGRATION_OVERSTATED", Severity.LOW, "exit",
        *ex.MESSAGES["REINTEGRATION_OVERSTATED"],
        lambda s, today, f: ex.reintegration_overstated(
            s.reintegration, suggested_reintegration(s, f).rating),
        uses_facts=True,
    ),
)

RULES_BY_CODE = {rule.code: rule for rule in RULES}
DEPENDENCY_TRAP_CODES = tuple(r.code for r in RULES if r.dependency_trap)
DATED_CODES = tuple(r.code for r in RULES if r.dated)
UNDATED_RULES = tuple(r for r in RULES if not r.dated)


def _flag(rule: Rule) -> Flag:
    return Flag(rule.code, rule.severity, rule.section, rule.message, rule.remedy,
                rule.dependency_trap)


def level_of(flags: tuple[Flag, ...] | list[Flag]) -> Severity:
    """The risk level: the highest severity among the flags, NONE when there are none."""
    return max((f.severity for f in flags), default=Severity.NONE)


def _applies(rule: Rule, spec: Spec, today: date, facts: ex.ExitFacts) -> bool:
    return rule.applies(spec, today, facts) if rule.uses_facts else rule.applies(spec, today)


def assess(spec: Spec, today: date, rules: tuple[Rule, ...] = RULES,
           facts: ex.ExitFacts = ex.NO_FACTS) -> Assessment:
    """Apply ``rules`` to ``spec`` as of ``today``, with ``facts`` recorded outside the spec
    (the function's criticality, successors' attestations). Closed engagements carry no
    flags."""
    if spec.status == "closed":
        return Assessment(Severity.NONE, ())
    flags = tuple(_flag(rule) for rule in rules if _applies(rule, spec, today, facts))
    return Assessment(level_of(flags), flags)


def assess_undated(spec: Spec, facts: ex.ExitFacts = ex.NO_FACTS) -> Assessment:
    """The flags that do not depend on the calendar (stored on save)."""
    return assess(spec, date.min, UNDATED_RULES, facts)


def flags_for_codes(codes) -> tuple[Flag, ...]:
    """Flags for stored codes, in rule order (unknown codes are ignored)."""
    wanted = set(codes)
    return tuple(_flag(r) for r in RULES if r.code in wanted)

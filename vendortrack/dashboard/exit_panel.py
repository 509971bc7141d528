"""The dashboard's exit-readiness panel: engagements supporting critical functions, how many
of them lack a plan, a recent test or a ready successor, and how substitutable and how hard to
bring back in-house they are — each number with the list filter behind it."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import and_, case, func, select

from ..domain.vocabulary import REINTEGRATION, SUBSTITUTABILITY
from ..extensions import db
from ..models import Engagement
from ..queries import EngagementFilter
from .figures import Count, drill

# The "of which" figures: a label and the flag whose list they link to.
OF_WHICH = (
    ("no_plan", "without a documented exit plan", "EXIT_PLAN_MISSING"),
    ("untested", "with a plan untested for over a year", "EXIT_PLAN_UNTESTED"),
    ("successors_not_ready", "with successors not ready within 30 days of handover",
     "SUCCESSORS_NOT_READY"),
)
NOT_ASSESSED = "none"


@dataclass(frozen=True)
class Figure:
    code: str
    label: str
    engagements: Count

    @property
    def value(self) -> int:
        return self.engagements.value

    def args(self) -> dict:
        return self.engagements.args()


@dataclass(frozen=True)
class ExitPanel:
    critical: Figure
    of_which: tuple[Figure, ...]
    substitutability: tuple[Figure, ...]  # one per assessment, "not assessed" last
    #: assessed reintegration (rows) against the suggested one (columns)
    reintegration: tuple[tuple[Figure, tuple[Figure, ...]], ...]

    def to_json(self, link=None) -> dict:
        def figure(f: Figure) -> dict:
            out = {"code": f.code, "label": f.label, "count": f.value, "filter": f.args()}
            if link is not None:
                out["list_url"] = link(f.args())
            return out

        return {
            "critical": figure(self.critical),
            "of_which": [figure(f) for f in self.of_which],
            "substitutability": [figure(f) for f in self.substitutability],
            "reintegration": [{**figure(row), "suggested": [figure(c) for c in cells]}
                              for row, cells in self.reintegration],
        }


def _sum_if(*conditions):
    return func.coalesce(func.sum(case((and_(*conditions), 1), else_=0)), 0)


def _figure(code: str, label: str, value: int, base: EngagementFilter, **changes) -> Figure:
    return Figure(code, label, Count(value, replace(base, **changes)))


def compute(scope: EngagementFilter, today: date) -> ExitPanel:
    """The panel for engagements in ``scope`` on ``today``."""
    critical_filter = drill(scope, criticality="critical")
    where = critical_filter.conditions(today)
    flagged = [EngagementFilter(flag=flag).conditions(today) for _, _, flag in OF_WHICH]
    # One pass: the groups the two tables need, each with how many carry each flag.
    groups = db.session.execute(
        select(Engagement.substitutability, Engagement.reintegration,
               Engagement.reintegration_suggested, func.count(),
               *(_sum_if(*conds) for conds in flagged))
        .where(*where)
        .group_by(Engagement.substitutability, Engagement.reintegration,
                  Engagement.reintegration_suggested)).all()
    critical = _figure("critical", "engagements supporting critical functions",
                       sum(row[3] for row in groups), critical_filter)
    of_which = tuple(_figure(code, label, sum(int(row[4 + n]) for row in groups),
                             critical_filter, flag=flag)
                     for n, (code, label, flag) in enumerate(OF_WHICH))

    by_substitutability: dict[str, int] = defaultdict(int)
    matrix: dict[tuple[str, str], int] = defaultdict(int)
    for substitutability, assessed, suggested, number, *_ in groups:
        by_substitutability[substitutability or NOT_ASSESSED] += number
        matrix[(assessed or NOT_ASSESSED, suggested)] += number
    not_assessed = {NOT_ASSESSED: "Not assessed"}
    substitutability = tuple(
        _figure(code, label, by_substitutability[code], critical_filter, substitutability=code)
        for code, label in {**SUBSTITUTABILITY, **not_assessed}.items())
    reintegration = tuple(
        (_figure(assessed, label, sum(matrix[(assessed, s)] for s in REINTEGRATION),
                 critical_filter, reintegration=assessed),
         tuple(_figure(suggested, suggested_label, matrix[(assessed, suggested)],
                       critical_filter, reintegration=assessed, suggested=suggested)
               for suggested, suggested_label in REINTEGRATION.items()))
        for assessed, label in {**REINTEGRATION, **not_assessed}.items())
    return ExitPanel(critical, of_which, substitutability, reintegration)

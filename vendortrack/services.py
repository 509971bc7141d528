"""The only code that writes: ORM <-> domain, one transaction per action.

The functions that change data (``create_*``, ``update_*``, ``save_*``, ``change_*``,
``store_*``) record the change in the history and commit through :func:`commit`; on any error
they roll back, so an action is saved whole or not at all. The rest read (``engagement_spec``,
``find_*``, ``count_users``, ``statuses_by_id``) or prepare a write without committing
(``carry_over``, ``refresh_risk``, ``record``, ``vendor_for_name``, ``scalar_columns``,
``stage_*``, ``insert_engagements``).
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import fields, replace
from datetime import date, datetime
from functools import partial

from sqlalchemy import delete, func, insert, inspect, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import ObjectDeletedError, StaleDataError

from .domain import spec as specs
from .domain.exit import ExitFacts, Readiness, Suggestion
from .domain.risk import (
    Assessment,
    assess,
    assess_undated,
    open_facts,
    suggested_reintegration,
)
from .domain.spec_diff import diff_specs
from .domain.text import name_key
from .domain.vocabulary import can_move_deliverable
from .extensions import db, dialect_insert
from .models import (
    AuditEvent,
    BusinessFunction,
    Deliverable,
    Engagement,
    EngagementFlag,
    EngagementPerson,
    FirstRun,
    FunctionNumber,
    HardConstraint,
    Metric,
    TradeoffRule,
    User,
    UserSession,
    Vendor,
    utcnow,
)
from .passwords import hash_password
from .permissions import can_attest_readiness, can_edit_engagement
from .queries import SPEC_ROW_LISTS, load_row_lists

NO_PASSWORD = ""  # not an Argon2 hash: no password matches it


class EditConflict(Exception):
    """Somebody else saved the engagement since the editor loaded it."""

    def __init__(self, engagement_id: int | None, expected_version: int | None):
        super().__init__(f"engagement {engagement_id} changed since version {expected_version}")
        self.engagement_id = engagement_id
        self.expected_version = expected_version


class AlreadySetUp(Exception):
    """Another first-run setup created the first administrator a moment ago."""


class VendorNameTaken(Exception):
    """Another vendor has this name (perhaps created a moment ago by someone else)."""


class NotAllowed(Exception):
    """A status change or action the rules do not allow; the message is for the user."""


class StatusRefused(NotAllowed):
    """Deliverable status changes in an edit that the workflow does not allow, by row."""

    def __init__(self, refused: dict[int, str]):
        super().__init__(" ".join(refused.values()))
        self.refused = refused  # row position -> message


# --- reading -----------------------------------------------------------------------------

def engagement_spec(engagement: Engagement) -> specs.Spec:
    """The engagement as a domain :class:`~vendortrack.domain.spec.Spec`."""
    scalars = {f.name: specs.value_from_columns(f, partial(getattr, engagement))
               for f in specs.SCALAR_FIELDS if f.kind not in specs.LINK_KINDS}
    return specs.Spec(
        **scalars,
        vendor=engagement.vendor.name if engagement.vendor else "",
        business_function=(engagement.business_function.name
                           if engagement.business_function else ""),
        successors=tuple(specs.Person(p.name, p.email) for p in engagement.successors),
        upskilling=tuple(specs.Person(p.name, p.email) for p in engagement.upskilling),
        metrics=tuple(
            specs.Metric(m.name, m.baseline, m.target, m.unit, m.measurement)
            for m in engagement.metrics
        ),
        constraints=tuple(c.text for c in engagement.constraints),
        tradeoffs=tuple(specs.Tradeoff(t.rule, t.decided_by) for t in engagement.tradeoffs),
        deliverables=tuple(
            specs.Deliverable(d.kind, d.title, d.due_date, d.acceptance_criteria, d.status)
            for d in engagement.deliverables
        ),
    )


def scalar_columns(spec: specs.Spec) -> dict:
    """The engagement table's columns for the spec's scalar fields (all but the vendor link)."""
    out: dict = {}
    for spec_field in specs.SCALAR_FIELDS:
        if spec_field.kind not in specs.LINK_KINDS:
            out.update(specs.columns_of(spec_field, getattr(spec, spec_field.name)))
    return out


def engagement_json(engagement: Engagement) -> dict:
    """The engagement's spec as the API's JSON object."""
    return specs.to_json(engagement_spec(engagement))


# Session.info key: vendors by name key that a bulk action (an import) has looked up already.
KNOWN_VENDORS = "known_vendors"


def find_vendor(name: str) -> Vendor | None:
    """The vendor called ``name`` (any case, spacing collapsed as stored), or None."""
    key = name_key(name)
    if not key:
        return None
    known = db.session.info.get(KNOWN_VENDORS)
    if known is not None and key in known:
        return known[key]
    return db.session.scalar(select(Vendor).where(Vendor.name_key == key))


# --- history -----------------------------------------------------------------------------

def record(action: str, user: User | None, *, engagement: Engagement | None = None,
           subject: str = "", changes: list | None = None,
           function: BusinessFunction | None = None,
           version: int | None = None) -> AuditEvent:
    """Append a history event to the current transaction (committed by the caller); about
    ``engagement`` as of ``version`` (default: its version now) or about ``function``."""
    if engagement is not None:
        version = version or engagement.version or 1
    event = AuditEvent(
        # the relationships: a new engagement or function may not have its id yet
        engagement=engagement,
        business_function=function,
        **history_values(action, user.id if user is not None else None, version, subject,
                         changes),
    )
    db.session.add(event)
    return event


def history_values(action: str, user_id: int | None, engagement_version: int | None,
                   subject: str, changes: list | None) -> dict:
    """The columns of one history event (:func:`record` and the bulk INSERT share them)."""
    return {"action": action, "user_id": user_id, "engagement_version": engagement_version,
            "subject": subject[:200], "changes": json.dumps(changes or [], default=str)}


def commit() -> None:
    """Commit the action; on failure roll it back whole and re-raise (every writer uses this)."""
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise


# --- vendors -----------------------------------------------------------------------------

def vendor_for_name(name: str) -> Vendor | None:
    """The vendor called ``name`` (any case), created when new; None for a blank name."""
    name = " ".join(name.split())
    if not name:
        return None
    vendor = find_vendor(name)
    if vendor is None:
        # Inserted at once unless the name is taken: when a parallel save creates the same
        # vendor first, the database waits for it and then we use theirs.
        db.session.execute(dialect_insert(Vendor.__table__).values(
            name=name, name_key=name_key(name), contact="", notes="", created_at=utcnow())
            .on_conflict_do_nothing(index_elements=["name_key"]))
        vendor = find_vendor(name)
    return vendor


def set_fields(record, values: dict) -> list[dict]:
    """Set ``values`` on ``record``; the history's field changes (old and new) for them."""
    changes = []
    for key, new in values.items():
        old = getattr(record, key)
        if old != new:
            changes.append({"field": key, "old": old, "new": new})
            setattr(record, key, new)
    return changes


VENDOR_REGISTER_FIELDS = ("person_type", "other_code", "other_code_type", "parent_code",
                          "parent_code_type")


def save_vendor(vendor: Vendor | None, *, name: str, contact: str, notes: str,
                legal_name: str, lei: str, country: str, user: User, **register) -> Vendor:
    """Create or update a vendor (the caller has checked that the name is free and that the
    LEI, country and codes are valid). ``register`` holds any of VENDOR_REGISTER_FIELDS (the
    type of person, other code and ultimate parent's code, with their types); those left out
    keep their value (a new vendor's: the columns' defaults, empty)."""
    name = " ".join(name.split())
    action = "vendor.create" if vendor is None else "vendor.update"
    if vendor is None:
        vendor = Vendor()
        db.session.add(vendor)
    renamed = vendor.id is not None and vendor.name != name
    vendor.name_key = name_key(name)
    unknown = set(register) - set(VENDOR_REGISTER_FIELDS)
    if unknown:
        raise TypeError(f"save_vendor() got unknown fields {sorted(unknown)}")
    changes = set_fields(vendor, {"name": name, "contact": contact, "notes": notes,
                                  "legal_name": legal_name, "lei": lei, "country": country,
                                  **register})
    if renamed:
        # Open edit forms and API clients hold the old name: make their saves conflict
        # instead of quietly re-creating the old vendor.
        db.session.execute(update(Engagement).where(Engagement.vendor_id == vendor.id)
                           .values(version=Engagement.version + 1,
                                   updated_at=utcnow()).execution_options(
                               synchronize_session=False))
    record(action, user, subject=name, changes=changes)
    try:
        commit()
    except IntegrityError:  # a parallel save took the name first
        raise VendorNameTaken(name) from None
    return vendor


def vendor_name_taken(name: str, exclude_id: int | None = None) -> bool:
    """True when another vendor than ``exclude_id`` is called ``name`` (any case)."""
    existing = find_vendor(name)
    return existing is not None and existing.id != exclude_id


# --- engagements -------------------------------------------------------------------------

def exit_facts(engagement: Engagement) -> ExitFacts:
    """What the exit rules need beyond the spec: the function's criticality and how many
    successors attested all four abilities."""
    function = engagement.business_function
    return ExitFacts(
        critical=function is not None and function.criticality == "critical",
        successors_ready=sum(readiness_of(p).complete for p in engagement.successors))


def assess_engagement(engagement: Engagement, today: date) -> Assessment:
    """The engagement's risk flags on ``today``."""
    return assess(engagement_spec(engagement), today, facts=exit_facts(engagement))


def risk_facts(spec: specs.Spec, facts: ExitFacts) -> tuple[dict, list[str]]:
    """The stored risk and exit columns of an engagement saved as ``spec`` with exit
    ``facts``, and its undated flag codes (sorted): the undated assessment and the facts the
    dated rules need (see risk_queries)."""
    assessment = assess_undated(spec, facts)
    open_count, earliest_open_due = open_facts(spec.deliverables)
    return {"supports_critical_function": facts.critical,
            "successor_ready": facts.successors_ready > 0,
            "reintegration_suggested": suggested_reintegration(spec, facts).rating,
            "risk_undated_level": int(assessment.level),
            "risk_undated_trap": assessment.dependency_trap,
            "open_deliverables": open_count,
            "earliest_open_due": earliest_open_due}, sorted({f.code for f in assessment.flags})


def refresh_risk(engagement: Engagement, spec: specs.Spec) -> None:
    """Store the undated assessment and the facts the dated rules need (see risk_queries)."""
    columns, codes = risk_facts(spec, exit_facts(engagement))
    _set_changed(engagement, columns)
    have = {f.code for f in engagement.flags}
    _replace_rows(engagement, "flags", [f for f in engagement.flags if f.code in codes] + [
        EngagementFlag(code=code) for code in codes if code not in have])


def _set_changed(row, values: dict) -> None:
    """Set the attributes whose loaded value differs (all of them on a new row). Setting one
    to the value it has still marks the row changed, and the flush then compares every
    attribute of every such row."""
    loaded = inspect(row).dict
    for key, value in values.items():
        if key not in loaded or loaded[key] != value:
            setattr(row, key, value)


def _replace_rows(owner, relationship: str, rows: list) -> None:
    """Give ``owner`` these rows unless it has exactly these already, in this order (a
    replaced collection is compared member by member at the flush)."""
    if getattr(owner, relationship) != rows:
        setattr(owner, relationship, rows)


def _row_values(row, skip: tuple[str, ...] = ()) -> dict:
    return {f.name: getattr(row, f.name) for f in fields(row) if f.name not in skip}


def section_values(spec: specs.Spec) -> dict[str, list[dict]]:
    """The columns of the spec's repeatable rows, in order, by relationship (successors and
    upskilling are both people; a deliverable's status is set by :func:`decision`, a
    successor's readiness by :func:`readiness_values`)."""
    return {
        "metrics": [_row_values(m) for m in spec.metrics],
        "constraints": [{"text": c} for c in spec.constraints],
        "tradeoffs": [_row_values(t) for t in spec.tradeoffs],
        "successors": [{"kind": "successor", **_row_values(p)} for p in spec.successors],
        "upskilling": [{"kind": "upskilling", **_row_values(p)} for p in spec.upskilling],
        "deliverables": [_row_values(d, ("status",)) for d in spec.deliverables],
    }


def decision(status: str, user_id: int | None, now: datetime) -> dict:
    """A deliverable's status columns: who accepted or rejected it, and when."""
    decided = status in ("accepted", "rejected")
    return {"status": status, "decided_by_id": user_id if decided else None,
            "decided_at": now if decided else None}


def _sync_rows(existing: list, values: list[dict], factory, ids: list | None = None, *,
               first: int = 0) -> list:
    """Update rows in place (matched by id when given, else by position), add and drop;
    positions are numbered from ``first``."""
    by_id = {row.id: row for row in existing} if ids is not None else {}
    result = []
    for position, attrs in enumerate(values):
        if ids is not None:
            row = by_id.pop(ids[position], None) if ids[position] else None
        else:
            row = existing[position] if position < len(existing) else None
        row = row or factory()
        _set_changed(row, {**attrs, "position": first + position})
        result.append(row)
    return result


def _set_deliverable_status(row: Deliverable, status: str, user: User | None,
                            now: datetime) -> None:
    if row.status == status and row.id is not None:
        return
    for column, value in decision(status, user.id if user is not None else None,
                                  now).items():
        setattr(row, column, value)


def _apply_spec(engagement: Engagement, spec: specs.Spec, user: User | None,
                deliverable_ids: list | None) -> None:
    with db.session.no_autoflush:  # nothing half-built reaches the database
        _apply_fields(engagement, spec, user, deliverable_ids)


def _kept_or(linked, name: str, for_name):
    """``linked`` (the engagement's vendor or function) when it is the one called ``name``,
    without looking it up again; else ``for_name(name)``. (Renaming a vendor or function
    moves its engagements' versions, so a save made against the old name conflicts.)"""
    if linked is not None and linked.name_key == name_key(name):
        return linked
    return for_name(name)


def _apply_fields(engagement: Engagement, spec: specs.Spec, user: User | None,
                  deliverable_ids: list | None) -> None:
    _set_changed(engagement, {
        "vendor": _kept_or(engagement.vendor, spec.vendor, vendor_for_name),
        "business_function": _kept_or(engagement.business_function, spec.business_function,
                                      function_for_name),
        **scalar_columns(spec)})
    engagement.updated_at = utcnow()  # also bumps the version when only rows changed

    values = section_values(spec)
    _replace_rows(engagement, "metrics",
                  _sync_rows(engagement.metrics, values["metrics"], Metric))
    _replace_rows(engagement, "constraints",
                  _sync_rows(engagement.constraints, values["constraints"], HardConstraint))
    _replace_rows(engagement, "tradeoffs",
                  _sync_rows(engagement.tradeoffs, values["tradeoffs"], TradeoffRule))
    attested_by = {p.email.lower(): p for p in engagement.successors if p.attested_on}
    successors = _sync_rows(engagement.successors, values["successors"], EngagementPerson)
    for row in successors:  # an attestation belongs to the person who made it
        _keep_attestation(row, attested_by.get((row.email or "").lower()))
    upskilling = _sync_rows(engagement.upskilling, values["upskilling"], EngagementPerson,
                            first=len(successors))
    _replace_rows(engagement, "people", successors + upskilling)

    now = utcnow()
    rows = _sync_rows(engagement.deliverables, values["deliverables"], Deliverable,
                      deliverable_ids)
    for row, wanted in zip(rows, spec.deliverables, strict=True):
        _set_deliverable_status(row, wanted.status, user, now)
    _replace_rows(engagement, "deliverables", rows)
    refresh_risk(engagement, spec)


def _keep_attestation(row: EngagementPerson, attested: EngagementPerson | None) -> None:
    columns = (*ABILITY_COLUMNS.values(), "attested_on", "attested_by_id")
    if attested is row:
        return
    for column in columns:
        value = getattr(attested, column) if attested is not None else None
        if column in ABILITY_COLUMNS.values():
            value = bool(value)
        if getattr(row, column, None) != value:
            setattr(row, column, value)


def create_engagement(spec: specs.Spec, user: User) -> Engagement:
    """Save a new engagement from ``spec``, created by ``user``."""
    engagement = stage_create_engagement(spec, user)
    commit()
    return engagement


def _as_new(spec: specs.Spec) -> specs.Spec:
    """A new engagement's spec: deliverables without a status are planned."""
    return replace(spec, deliverables=tuple(replace(d, status=d.status or "planned")
                                            for d in spec.deliverables))


def _created_changes(spec: specs.Spec) -> list:
    return diff_specs(None, specs.to_json(spec)).to_json()


def stage_create_engagement(spec: specs.Spec, user: User, *,
                            flush: bool = True) -> Engagement:
    """Add a new engagement and its history entry to the current transaction, uncommitted;
    rolls back on any error. (:func:`stage_create_engagements` adds many at once.)"""
    spec = _as_new(spec)
    engagement = Engagement(created_by_id=user.id)
    db.session.add(engagement)
    try:
        _apply_spec(engagement, spec, user, None)
        if flush:
            db.session.flush()
        record("engagement.create", user, engagement=engagement, subject=spec.title,
               changes=_created_changes(spec))
    except Exception:
        db.session.rollback()
        raise
    return engagement


def stage_create_engagements(new_specs: Sequence[specs.Spec], user: User) -> list[int]:
    """Add many new engagements and their history entries with one bulk INSERT per table,
    uncommitted (an import of thousands of rows); their ids, in order.

    The rows, stored risk and exit facts, flags and history entries are those
    :func:`stage_create_engagement` gives each: both build them with :func:`scalar_columns`
    (driven by ``SCALAR_FIELDS``), :func:`section_values`, :func:`decision`,
    :func:`readiness_values`, :func:`risk_facts` and :func:`history_values`. Vendors and
    business functions are found or created by name.
    """
    new_specs = [_as_new(spec) for spec in new_specs]
    vendors = [vendor_for_name(spec.vendor) for spec in new_specs]
    functions = [function_for_name(spec.business_function) for spec in new_specs]
    if any(row is not None and row.id is None for row in (*vendors, *functions)):
        db.session.flush()
    ids = insert_engagements(
        new_specs, [v.id if v is not None else None for v in vendors],
        [f.id if f is not None else None for f in functions],
        [f is not None and f.criticality == "critical" for f in functions],
        created_by_id=user.id, now=utcnow())
    db.session.execute(insert(AuditEvent.__table__), [
        {"engagement_id": engagement_id,
         **history_values("engagement.create", user.id, 1, spec.title,
                          _created_changes(spec))}
        for engagement_id, spec in zip(ids, new_specs, strict=True)])
    return ids


def readiness_values(readiness: Readiness) -> dict:
    """A successor row's attestation columns (who recorded it is not known here)."""
    return {**{column: getattr(readiness, ability)
               for ability, column in ABILITY_COLUMNS.items()},
            "attested_on": readiness.attested_on, "attested_by_id": None}


def insert_engagements(new_specs: Sequence[specs.Spec], vendor_ids: Sequence[int | None],
                       function_ids: Sequence[int | None], critical: Sequence[bool], *,
                       created_by_id: int | None, now: datetime,
                       readiness: Sequence[Sequence[Readiness]] | None = None) -> list[int]:
    """Bulk INSERT new engagements (deliverable statuses set), their rows, stored risk and
    exit facts and flags, without history (:func:`stage_create_engagements` adds it; demo
    data has none); their ids, in order. ``critical`` says whether each one's business
    function is critical; ``readiness`` holds each one's successors' attestations (default:
    none yet, as for a new engagement)."""
    if readiness is None:
        readiness = [[Readiness()] * len(spec.successors) for spec in new_specs]
    risks = [risk_facts(spec, ExitFacts(critical=is_critical,
                                        successors_ready=sum(r.complete for r in attested)))
             for spec, is_critical, attested in zip(new_specs, critical, readiness, strict=True)]
    ids = db.session.scalars(
        insert(Engagement.__table__).returning(Engagement.id, sort_by_parameter_order=True),
        [{**scalar_columns(spec), **columns, "vendor_id": vendor_id,
          "business_function_id": function_id,
          "created_by_id": created_by_id, "created_at": now, "updated_at": now, "version": 1}
         for spec, vendor_id, function_id, (columns, _)
         in zip(new_specs, vendor_ids, function_ids, risks, strict=True)]
    ).all()
    rows: dict = {model: [] for model in (Metric, HardConstraint, TradeoffRule,
                                          EngagementPerson, Deliverable, EngagementFlag)}
    for engagement_id, spec, attested, (_, codes) in zip(ids, new_specs, readiness, risks,
                                                         strict=True):
        values = section_values(spec)
        people = [{**row, **readiness_values(r)}
                  for row, r in zip(values["successors"], attested, strict=True)]
        people += [{**row, **readiness_values(Readiness())} for row in values["upskilling"]]
        for model, section in ((Metric, values["metrics"]),
                               (HardConstraint, values["constraints"]),
                               (TradeoffRule, values["tradeoffs"]),
                               (EngagementPerson, people)):
            rows[model] += [{**row, "engagement_id": engagement_id, "position": position}
                            for position, row in enumerate(section)]
        rows[Deliverable] += [
            {**row, **decision(wanted.status, created_by_id, now),
             "engagement_id": engagement_id, "position": position}
            for position, (row, wanted) in enumerate(zip(values["deliverables"],
                                                         spec.deliverables, strict=True))]
        rows[EngagementFlag] += [{"engagement_id": engagement_id, "code": code}
                                 for code in codes]
    for model, values in rows.items():
        if values:
            db.session.execute(insert(model.__table__), values)
    return ids


def carry_over(engagement: Engagement, spec: specs.Spec, deliverable_ids: list | None
               ) -> tuple[specs.Spec, list[int | None]]:
    """``spec`` with each deliverable's status settled, and the ids of the rows it edits.

    A row carrying the id of one of the engagement's deliverables (each id once) is that
    deliverable: with an empty status it keeps its own, and a new status must follow the
    workflow (:class:`StatusRefused` lists the rows that do not). Other rows are new, planned
    unless they say otherwise. Without ids, rows are matched by position.
    """
    current = statuses_by_id(engagement)
    if deliverable_ids is None:
        saved = [d.id for d in engagement.deliverables]
        deliverable_ids = [saved[i] if i < len(saved) else None
                           for i in range(len(spec.deliverables))]
    ids: list[int | None] = []
    rows, refused = [], {}
    for position, (row, row_id) in enumerate(zip(spec.deliverables, deliverable_ids,
                                                 strict=True)):
        known = row_id if row_id in current and row_id not in ids else None
        was = current.get(known)
        status = row.status or was or "planned"
        if was and status != was and not can_move_deliverable(was, status):
            refused[position] = f"A deliverable that is {was} cannot be marked {status}."
        ids.append(known)
        rows.append(replace(row, status=status))
    if refused:
        raise StatusRefused(refused)
    return replace(spec, deliverables=tuple(rows)), ids


def update_engagement(engagement: Engagement, spec: specs.Spec, user: User, *,
                      expected_version: int | None,
                      deliverable_ids: list | None = None) -> Engagement:
    """Save ``spec`` over ``engagement`` if nobody saved it since ``expected_version``.

    Deliverable rows are matched by ``deliverable_ids`` (see :func:`carry_over`), so that
    statuses and acceptance records stay with their deliverable when rows are removed or
    reordered.
    """
    stage_update_engagement(engagement, spec, user, expected_version=expected_version,
                            deliverable_ids=deliverable_ids)
    commit()
    return engagement


def stage_update_engagement(engagement: Engagement, spec: specs.Spec, user: User, *,
                            expected_version: int | None,
                            deliverable_ids: list | None = None,
                            flush: bool = True) -> Engagement:
    """:func:`update_engagement` without the commit (an import commits many at once).

    With ``flush=False`` (an import flushes a batch at a time) somebody else's save since
    ``expected_version`` surfaces as ``StaleDataError`` at the caller's flush instead."""
    if expected_version is not None and engagement.version != expected_version:
        raise EditConflict(engagement.id, expected_version)
    spec, deliverable_ids = carry_over(engagement, spec, deliverable_ids)
    before = engagement_json(engagement)
    engagement_id, saved_version = engagement.id, engagement.version
    try:
        _apply_spec(engagement, spec, user, deliverable_ids)
        # Every save bumps the version (updated_at always changes). The history event goes
        # into the same flush as the rows: one flush instead of a second at the commit.
        record("engagement.update", user, engagement=engagement, subject=spec.title,
               changes=diff_specs(before, specs.to_json(spec)).to_json(),
               version=saved_version + 1)
        if flush:
            db.session.flush()
    except StaleDataError:
        db.session.rollback()
        raise EditConflict(engagement_id, expected_version) from None
    except Exception:
        db.session.rollback()
        raise
    return engagement


def statuses_by_id(engagement: Engagement) -> dict[int, str]:
    """Each of the engagement's deliverables' status, by deliverable id."""
    return {d.id: d.status for d in engagement.deliverables}


ROW_CHANGE_ATTEMPTS = 3


def _commit_retrying(user: User, change, engagement_id: int | None = None) -> None:
    """Commit ``change()``, which changes rows the person did not edit against a version they
    read, with the history event it returns (:func:`record`'s keyword arguments but the
    user; None records nothing).

    Every attempt starts from the database as it is then (what the caller read and checked
    may be older, so the first one too): ``change()`` reads what it changes, checks that
    ``user`` may still change it (:class:`NotAllowed` otherwise, nothing written) and
    changes it. When a save of an engagement it changes commits first, the version check
    refuses this one; the change is then made again on the rows as they are now, and
    :class:`EditConflict` (about ``engagement_id``) only when that keeps happening or the
    rows are gone.
    """
    for _ in range(ROW_CHANGE_ATTEMPTS):
        db.session.expire_all()
        try:
            with db.session.no_autoflush:  # the version check happens in the flush below only
                event = change()
            db.session.flush()
        except StaleDataError:
            db.session.rollback()
            continue
        except ObjectDeletedError:  # the other save removed a row
            db.session.rollback()
            break
        except Exception:
            db.session.rollback()
            raise
        if event is not None:
            record(user=user, **event)
        commit()
        return
    raise EditConflict(engagement_id, None)


def _commit_row_change(engagement: Engagement, user: User, change) -> None:
    """Commit ``change()``, a change to one of ``engagement``'s rows (a deliverable's status,
    a successor's attestation), with the engagement's new version, its stored risk and the
    history event ``change()`` returns (action, subject, changes), through
    :func:`_commit_retrying`.

    The engagement's version is read before any of its rows, so a save of them after that
    read fails the version check. ``change()`` finds the rows it changes by what they are
    (never by a row id an edit may have given to another person) and checks that ``user``
    may still make the change. Nothing is flushed before the engagement's row, so every
    writer of an engagement locks that row first and two of them cannot deadlock.
    """
    engagement_id = engagement.id

    def attempt() -> dict:
        # Its version first: a save of the rows read after it then fails the version check.
        if db.session.get(Engagement, engagement_id) is None:
            raise EditConflict(engagement_id, None)  # the other save removed it
        # Then every list of its rows (the risk refresh reads them all), before anything is
        # changed, so that reading them flushes nothing ahead of the engagement's row.
        load_row_lists(engagement, SPEC_ROW_LISTS + ("flags",))
        action, subject, changes = change()
        engagement.updated_at = utcnow()
        refresh_risk(engagement, engagement_spec(engagement))
        return {"action": action, "engagement": engagement, "subject": subject,
                "changes": changes}

    _commit_retrying(user, attempt, engagement_id)


def change_deliverable_status(deliverable: Deliverable, new_status: str, user: User) -> None:
    """Move a deliverable along planned → delivered → accepted / rejected, recording who;
    :class:`NotAllowed` when the workflow does not allow the move or ``user`` may not edit
    the engagement (checked on the rows as they are when the change is made)."""
    engagement = deliverable.engagement

    def change():
        if not can_edit_engagement(user, engagement):
            raise NotAllowed("You can no longer edit this engagement, so the deliverable's "
                             "status was not changed.")
        old_status = deliverable.status  # the same deliverable: an edit keeps its row id
        if not can_move_deliverable(old_status, new_status):
            raise NotAllowed(f"A deliverable that is {old_status} cannot be marked "
                             f"{new_status}.")
        _set_deliverable_status(deliverable, new_status, user, utcnow())
        return ("deliverable.status", deliverable.title,
                [{"section": "deliverables", "change": "status", "old": old_status,
                  "new": new_status, "new_position": deliverable.position + 1}])

    _commit_row_change(engagement, user, change)


# --- users -------------------------------------------------------------------------------

def count_users() -> int:
    """How many accounts exist (none means first-run setup)."""
    return db.session.scalar(select(func.count(User.id))) or 0


def find_user(email: str) -> User | None:
    """The account with this e-mail address (any case), or None."""
    return db.session.scalar(select(User).where(User.email == email.strip().lower()))


def _add_user(*, email: str, name: str, role: str, password: str | None,
              actor: User | None, break_glass: bool = False) -> User:
    """Add an account to the transaction; without a password (accounts made at a first
    single sign-on) no password can match."""
    user = User(email=email.strip().lower(), name=name.strip(), role=role,
                password_hash=hash_password(password) if password else NO_PASSWORD,
                active=True, session_generation=0, break_glass=break_glass)
    db.session.add(user)
    db.session.flush()
    changes = [{"field": "role", "old": None, "new": role}]
    if break_glass:
        changes.append({"field": "break_glass", "old": None, "new": True})
    record("user.create", actor or user, subject=user.email, changes=changes)
    return user


def create_user(*, email: str, name: str, role: str, password: str | None,
                actor: User | None, break_glass: bool = False) -> User:
    """Create an account (the caller has validated the fields and that the e-mail is free)."""
    user = _add_user(email=email, name=name, role=role, password=password, actor=actor,
                     break_glass=break_glass)
    commit()
    return user


def create_first_admin(*, email: str, name: str, password: str) -> User:
    """The first administrator, created once: the ``first_run`` row (one primary key) makes
    racing setups fail in the database, and the losers get :class:`AlreadySetUp`."""
    try:
        db.session.add(FirstRun(id=1))
        db.session.flush()
        if count_users() > 0:  # accounts made on the command line before the first run
            raise AlreadySetUp()
        user = _add_user(email=email, name=name, role="admin", password=password, actor=None)
        db.session.commit()
    except (IntegrityError, AlreadySetUp):
        db.session.rollback()
        raise AlreadySetUp() from None
    return user


def change_own_password(user: User, password: str, *, keep: UserSession | None) -> int:
    """Set ``user``'s new password and end their other sessions; returns how many ended."""
    from .auth import sessions

    user.password_hash = hash_password(password)
    ended = sessions.end_others(user, keep)
    record("user.password", user, subject=user.email,
           changes=[{"field": "password", "old": "…", "new": "(changed)"},
                    {"field": "other_sessions", "old": None, "new": f"{ended} ended"}])
    commit()
    return ended


def end_other_sessions(user: User, keep: UserSession | None) -> int:
    """End every session of ``user`` but ``keep``."""
    from .auth import sessions

    ended = sessions.end_others(user, keep)
    if ended:
        record("user.sessions", user, subject=user.email,
               changes=[{"field": "other_sessions", "old": None, "new": f"{ended} ended"}])
    commit()
    return ended


def update_user(user: User, *, name: str, role: str, active: bool, password: str | None,
                actor: User, break_glass: bool | None = None) -> User:
    """Change name, role, active flag, break-glass mark and optionally the password; ends
    sessions on deactivation, role change or new password."""
    changes = []
    fields = [("name", name.strip()), ("role", role), ("active", active)]
    if break_glass is not None:
        fields.append(("break_glass", break_glass))
    for field_name, new in fields:
        old = getattr(user, field_name)
        if old != new:
            changes.append({"field": field_name, "old": old, "new": new})
            setattr(user, field_name, new)
    if password:
        user.password_hash = hash_password(password)
        changes.append({"field": "password", "old": "…", "new": "(changed)"})
    if any(c["field"] in ("role", "active", "password") for c in changes):
        user.session_generation = (user.session_generation or 0) + 1
        db.session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    if password or not active:  # a reset account keeps no door open for whoever had it
        for token in user.tokens:
            if token.revoked_at is None:
                token.revoked_at = utcnow()
                changes.append({"field": "api_token", "old": token.name, "new": "(revoked)"})
    if changes:
        record("user.update", actor, subject=user.email, changes=changes)
    commit()
    return user


def store_rehashed_password(user: User, new_hash: str) -> None:
    """Store a stronger hash of the password the user just signed in with."""
    user.password_hash = new_hash
    commit()


def record_sign_in(user: User, method: str) -> None:
    """Note how (a key of SIGN_IN_METHODS) and when the person signed in."""
    user.last_sign_in_method = method
    user.last_sign_in_at = utcnow()
    commit()


def account_from_provider(user: User | None, *, email: str, name: str, role: str | None,
                          create: bool) -> User:
    """The account a single sign-on lands in: created at the first sign-in when ``create``,
    its role set to ``role`` when the provider's groups decide it (None keeps it).

    A role change ends the person's other sessions, as when an administrator changes it."""
    if create:
        return create_user(email=email, name=name or email.split("@")[0], role=role,
                           password=None, actor=None)
    if role is not None and role != user.role:
        record("user.update", user, subject=user.email,
               changes=[{"field": "role", "old": user.role, "new": role,
                         "by": "identity provider"}])
        user.role = role
        user.session_generation = (user.session_generation or 0) + 1
        db.session.execute(delete(UserSession).where(UserSession.user_id == user.id))
        commit()
    return user


# --- business functions ------------------------------------------------------------------

FUNCTION_FIELDS = ("name", "criticality", "criticality_reasons", "assessed_on", "rto_hours",
                   "rpo_hours", "impact", "licensed_activity")


def find_function(name: str) -> BusinessFunction | None:
    key = name_key(name)
    if not key:
        return None
    return db.session.scalar(select(BusinessFunction).where(BusinessFunction.name_key == key))


def next_function_number() -> int:
    """The register number for a new function: one more than the last ever handed out, so a
    deleted function's number is never reused. The counter row's update holds a lock until
    the caller commits, so two creators never get the same number; it returns the number it
    set (UPDATE ... RETURNING: PostgreSQL, SQLite 3.35+)."""
    for _ in range(2):
        number = db.session.scalar(
            update(FunctionNumber).where(FunctionNumber.id == 1)
            .values(last=FunctionNumber.last + 1).returning(FunctionNumber.last))
        if number is not None:
            return number
        # An emptied database has no counter row: start after any number still in use.
        in_use = db.session.scalar(select(func.max(BusinessFunction.number))) or 0
        db.session.execute(dialect_insert(FunctionNumber.__table__).values(id=1, last=in_use)
                           .on_conflict_do_nothing(index_elements=["id"]))
    raise RuntimeError("the function-number counter row could not be created")


def function_for_name(name: str) -> BusinessFunction | None:
    """The business function called ``name`` (any case), created when new (its criticality
    not yet assessed); None for a blank name."""
    name = " ".join(name.split())
    if not name:
        return None
    function = find_function(name)
    if function is None:
        # As vendor_for_name: when a parallel save creates the same function first, the
        # database waits for it and then we use theirs (its number is left unused).
        db.session.execute(dialect_insert(BusinessFunction.__table__).values(
            name=name, name_key=name_key(name), criticality="not_assessed",
            criticality_reasons="", number=next_function_number())
            .on_conflict_do_nothing(index_elements=["name_key"]))
        function = find_function(name)
    return function


def function_name_taken(name: str, exclude_id: int | None = None) -> bool:
    existing = find_function(name)
    return existing is not None and existing.id != exclude_id


def save_function(function: BusinessFunction | None, values: dict,
                  user: User) -> BusinessFunction:
    """Create or update a business function from ``values`` (the keys of FUNCTION_FIELDS,
    the licensed activity optional: left out, it keeps its value; the caller has validated
    them and checked that the name is free). A new function takes the next register number."""
    values = {"licensed_activity": function.licensed_activity if function else "", **values,
              "name": " ".join(values["name"].split())}
    if function is None:
        function = BusinessFunction(number=next_function_number(),
                                    name_key=name_key(values["name"]))
        db.session.add(function)
        record("function.create", user, subject=values["name"], function=function,
               changes=set_fields(function, {key: values[key] for key in FUNCTION_FIELDS}))
        commit()
        return function
    # The supporting engagements' versions are checked when they are flushed: an engagement
    # saved meanwhile makes the refresh run again on the rows as they are now.
    def change() -> dict | None:
        function.name_key = name_key(values["name"])
        changes = set_fields(function, {key: values[key] for key in FUNCTION_FIELDS})
        if any(c["field"] in ("name", "criticality") for c in changes):
            _refresh_supporting(function)
        return ({"action": "function.update", "subject": function.name, "changes": changes,
                 "function": function} if changes else None)

    _commit_retrying(user, change)
    return function


def _refresh_supporting(function: BusinessFunction) -> None:
    """The exit rules of the engagements supporting ``function`` follow its criticality."""
    engagements = db.session.scalars(select(Engagement).where(
        Engagement.business_function_id == function.id)).all()
    for engagement in engagements:
        engagement.updated_at = utcnow()  # open edit forms hold the old function
        refresh_risk(engagement, engagement_spec(engagement))


# --- successor readiness -----------------------------------------------------------------

ABILITY_COLUMNS = {"operate": "can_operate", "maintain": "can_maintain",
                   "extend": "can_extend", "explain": "can_explain"}


def readiness_of(person: EngagementPerson) -> Readiness:
    """A successor row's attestation as the domain sees it."""
    return Readiness(**{ability: bool(getattr(person, column))
                        for ability, column in ABILITY_COLUMNS.items()},
                     attested_on=person.attested_on)


def readiness_json(person: EngagementPerson) -> dict | None:
    """A successor's attestation as the API sends it (None before any)."""
    if person.attested_on is None:
        return None
    return {**{a: bool(getattr(person, c)) for a, c in ABILITY_COLUMNS.items()},
            "attested_on": person.attested_on.isoformat(),
            "recorded_by": person.attested_by.name if person.attested_by else None}


def reintegration_suggestion(engagement: Engagement) -> Suggestion:
    """The reintegration rating the evidence suggests, and what is missing for a better one."""
    return suggested_reintegration(engagement_spec(engagement), exit_facts(engagement))


def record_readiness(successor: EngagementPerson, abilities: set[str], user: User,
                     on: date) -> EngagementPerson:
    """Record what ``successor`` can do without the vendor, as attested by ``user`` on ``on``;
    the row written, which is that person's row as it is then (see :func:`_successor_row`).

    :class:`NotAllowed` (nothing written) when the person is no longer a successor of the
    engagement or ``user`` may no longer attest for them
    (:func:`vendortrack.permissions.can_attest_readiness`, checked on every attempt)."""
    engagement = successor.engagement
    person = (successor.id, (successor.email or "").lower(), successor.name)
    written: list[EngagementPerson] = []

    def change():
        row = _successor_row(engagement, *person)
        if not can_attest_readiness(user, row):
            raise NotAllowed(f"You can no longer record {row.name}'s readiness, so nothing "
                             "was recorded.")
        before = readiness_of(row)
        for ability, column in ABILITY_COLUMNS.items():
            setattr(row, column, ability in abilities)
        row.attested_on = on
        row.attested_by_id = user.id
        written[:] = [row]
        on_behalf = ("" if user.email.lower() == (row.email or "").lower()
                     else " (recorded for them)")
        return ("successor.readiness", f"{row.name}{on_behalf}", [{
            "field": "readiness", "person": row.name,
            "old": [a for a in ABILITY_COLUMNS if getattr(before, a)],
            "new": [a for a in ABILITY_COLUMNS if a in abilities]}])

    _commit_row_change(engagement, user, change)
    return written[0]


def _successor_row(engagement: Engagement, row_id: int, email: str,
                   name: str) -> EngagementPerson:
    """The engagement's successor row of the person with ``email`` (by name when they have
    none) as the rows are now, preferring row ``row_id``; :class:`NotAllowed` when there is
    none. Edits match people's rows by position, so a row id alone may now be somebody
    else: an attestation is that person's word and must land on their row only."""
    def same_person(row: EngagementPerson) -> bool:
        if email:
            return (row.email or "").lower() == email
        return not row.email and row.name == name

    rows = [row for row in engagement.successors if same_person(row)]
    if not rows:
        raise NotAllowed(f"{name} is no longer a successor of this engagement, so nothing "
                         "was recorded.")
    return next((row for row in rows if row.id == row_id), rows[0])

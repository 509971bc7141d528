"""Issuing contract annexes: the only code that writes annexes, and nothing ever changes one.

An annex is issued once: the engagement's canonical spec JSON is frozen as the snapshot,
rendered to PDF once, and the bytes, their SHA-256, who issued it and when are stored.
The ORM refuses to update or delete a stored annex (see :func:`_refuse_change`).
"""
from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import bindparam, event, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer, joinedload

from .. import services
from ..clock import today
from ..cpu_slot import waiting
from ..domain.annex import load_snapshot, next_number, spec_changed
from ..domain.risk import Flag
from ..domain.spec import canonical_json
from ..extensions import db
from ..models import Annex, Engagement, User, utcnow
from ..pdf import AnnexDocument, render_pdf
from ..pdf_pool import RenderBusy, RenderTimeout
from ..permissions import can_issue_annex

log = logging.getLogger(__name__)


class AnnexRefused(Exception):
    """Issuing was refused; the message is for the user."""


class AnnexRenderFailed(AnnexRefused):
    """WeasyPrint could not render the PDF; nothing was stored."""


class AnnexConflict(AnnexRefused):
    """Another annex was issued meanwhile, so the number the user saw is taken."""


class AnnexUnchanged(AnnexConflict):
    """The latest annex already states the current spec's terms."""


@dataclass(frozen=True)
class TrapNotConfirmed(AnnexRefused):
    """Dependency-trap flags are open and the user has not confirmed issuing anyway."""

    flags: tuple[Flag, ...]

    def __str__(self) -> str:
        return ("This engagement is in a dependency trap. Confirm that you want to issue the "
                "annex with these flags open.")


@event.listens_for(Annex, "before_update")
@event.listens_for(Annex, "before_delete")
def _refuse_change(mapper, connection, annex: Annex) -> None:
    raise RuntimeError(f"annex v{annex.number} of engagement {annex.engagement_id} is issued "
                       "and cannot be changed or deleted")


# --- reading -----------------------------------------------------------------------------

_ISSUED = (select(Annex).where(Annex.engagement_id == bindparam("engagement_id"))
           .options(defer(Annex.pdf), defer(Annex.snapshot), joinedload(Annex.issued_by))
           .order_by(Annex.number.desc()))  # built once: every engagement page reads it


def list_annexes(engagement_id: int) -> list[Annex]:
    """The engagement's issued annexes, newest first, without their PDF bytes."""
    return list(db.session.scalars(_ISSUED, {"engagement_id": engagement_id}))


def get_annex(engagement_id: int, number: int, *, with_pdf: bool = False) -> Annex | None:
    stmt = select(Annex).where(Annex.engagement_id == engagement_id, Annex.number == number)
    if not with_pdf:
        stmt = stmt.options(defer(Annex.pdf))
    return db.session.scalar(stmt)


def stored_pdf(engagement_id: int, number: int):
    """(pdf, pdf_sha256, contract_reference) of an issued annex, or None; nothing else loaded."""
    return db.session.execute(
        select(Annex.pdf, Annex.pdf_sha256, Engagement.contract_reference)
        .join(Engagement, Engagement.id == Annex.engagement_id)
        .where(Annex.engagement_id == engagement_id, Annex.number == number)).first()


def latest_number(engagement_id: int) -> int | None:
    return db.session.scalar(
        select(func.max(Annex.number)).where(Annex.engagement_id == engagement_id))


@dataclass(frozen=True)
class AnnexStatus:
    """What the engagement page says about annexes."""

    latest: int | None
    changed: bool

    @property
    def next(self) -> int:
        return next_number(self.latest)


def latest_annex(engagement_id: int) -> Annex | None:
    """The engagement's latest issued annex (its snapshot, not its PDF), or None."""
    return db.session.scalar(select(Annex).where(Annex.engagement_id == engagement_id)
                             .options(defer(Annex.pdf)).order_by(Annex.number.desc()).limit(1))


def annex_status(latest: Annex | None, current: Callable[[], dict],
                 version: int | None = None) -> AnnexStatus:
    """The latest issued version and whether the spec states other terms since: ``latest``
    is the engagement's latest annex (None before the first; the first of
    :func:`list_annexes`), ``current()`` its spec's JSON now (:func:`services.engagement_json`).

    An engagement still at ``version``, the one its latest annex froze, states that annex's
    terms without comparing (as My work and the reminder job decide it).
    """
    if latest is None:
        return AnnexStatus(None, False)
    if version is not None and version == latest.engagement_version:
        return AnnexStatus(latest.number, False)
    return AnnexStatus(latest.number, spec_changed(load_snapshot(latest.snapshot), current()))


def open_trap_flags(engagement: Engagement) -> tuple[Flag, ...]:
    """The dependency-trap flags open on the engagement today."""
    assessment = services.assess_engagement(engagement, today())
    return tuple(f for f in assessment.flags if f.dependency_trap)


def draft_document(engagement: Engagement) -> AnnexDocument:
    """The annex the current spec would give, numbered as the next version, marked draft."""
    return AnnexDocument(services.engagement_json(engagement),
                         next_number(latest_number(engagement.id)), utcnow(), "", draft=True)


_drafts: OrderedDict[tuple, bytes] = OrderedDict()
_drafts_lock = threading.Lock()
_rendering: dict[tuple, threading.Lock] = {}
DRAFT_CACHE_BYTES = 64 * 1024 * 1024


def draft_pdf(engagement: Engagement) -> tuple[AnnexDocument, bytes]:
    """The draft annex and its PDF, rendered once per unchanged spec and reused.

    Kept in this process (most recently used first, at most ``DRAFT_CACHE_BYTES``); requests
    for the same draft that arrive while it renders wait for that one render.
    """
    document = draft_document(engagement)
    key = (str(db.engine.url), engagement.id, document.fingerprint, document.number,
           current_app.config["ORGANISATION_NAME"])
    with _drafts_lock:
        gate = _rendering.setdefault(key, threading.Lock())
    with waiting():  # the render it waits for must be able to finish meanwhile
        gate.acquire()
    try:
        with _drafts_lock:
            if key in _drafts:
                _drafts.move_to_end(key)
                return document, _drafts[key]
        try:
            pdf = render_pdf(document)
            with _drafts_lock:
                _drafts[key] = pdf
                while sum(map(len, _drafts.values())) > DRAFT_CACHE_BYTES and len(_drafts) > 1:
                    _drafts.popitem(last=False)
        finally:
            with _drafts_lock:
                _rendering.pop(key, None)
    finally:
        gate.release()
    return document, pdf


# --- writing -----------------------------------------------------------------------------

def issue_annex(engagement: Engagement, user: User, *, expected_number: int | None = None,
                expected_version: int | None = None,
                confirm_dependency_trap: bool = False) -> Annex:
    """Freeze the spec, render it once and store annex version N (the next number).

    ``expected_number`` is the number the user was shown: if another annex was issued
    meanwhile (or the form was sent twice) nothing is issued. Open dependency-trap flags
    need ``confirm_dependency_trap``.
    """
    if not can_issue_annex(user):
        raise AnnexRefused("Only procurement and administrators issue annexes.")
    snapshot = services.engagement_json(engagement)
    status = annex_status(latest_annex(engagement.id), lambda: snapshot)
    number = status.next
    if expected_number is not None and expected_number != number:
        raise AnnexConflict(f"Annex v{number - 1} has been issued meanwhile; nothing more was "
                            f"issued. Check the spec and issue v{number} if it is still needed.")
    if expected_version is not None and expected_version != engagement.version:
        raise AnnexConflict("The spec changed after you opened the preview; nothing was "
                            "issued. Read the updated preview, then issue again.")
    if status.latest is not None and not status.changed:
        # Also what a second, parallel issue of the same spec finds once the first is stored.
        raise AnnexUnchanged(f"Annex v{status.latest} already states these terms, so nothing "
                             "was issued. Change the spec first if the contract changed.")
    traps = open_trap_flags(engagement)
    if traps and not confirm_dependency_trap:
        raise TrapNotConfirmed(traps)

    engagement_id, version = engagement.id, engagement.version
    document = AnnexDocument(snapshot, number, utcnow(), user.name)
    # End the reading transaction while the PDF renders, so that nobody waits for it (on
    # SQLite it holds the write lock); what was read is checked again before storing.
    db.session.rollback()
    try:
        pdf = render_pdf(document)
    except (RenderBusy, RenderTimeout):
        raise  # answered as a calm 503 that says why
    except Exception:
        log.exception("rendering annex v%s of engagement %s failed", number, engagement_id)
        raise AnnexRenderFailed(
            f"The PDF of annex v{number} could not be rendered, so nothing was issued or "
            "stored. Please try again; if it keeps failing, tell your administrator.") from None
    if latest_number(engagement_id) != status.latest:
        raise AnnexConflict(f"Annex v{number} was issued by someone else a moment ago; "
                            "nothing more was issued.")
    if engagement.version != version:
        raise AnnexConflict("The spec changed while the annex was being rendered; nothing was "
                            "issued. Read the updated preview, then issue again.")
    annex = Annex(engagement_id=engagement.id, number=number,
                  snapshot=canonical_json(snapshot).decode(), snapshot_sha256=document.fingerprint,
                  pdf=pdf, pdf_sha256=hashlib.sha256(pdf).hexdigest(),
                  issued_by_id=user.id, issued_at=document.issued_at,
                  engagement_version=version)
    db.session.add(annex)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise AnnexConflict(f"Annex v{number} was issued by someone else a moment ago; "
                            "nothing more was issued.") from None
    changes = [{"field": "annex", "old": number - 1 or None, "new": number},
               {"field": "pdf_sha256", "old": None, "new": annex.pdf_sha256}]
    if traps:
        changes.append({"field": "issued_with_dependency_trap", "old": None,
                        "new": ", ".join(f.code for f in traps)})
    services.record("annex.issue", user, engagement=engagement, subject=f"Annex v{number}",
                    changes=changes)
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return annex

"""Imports: keep the uploaded file between preview and confirm, preview it, and import it in
one transaction (the only code in this package that writes)."""
from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import os
import secrets
import threading
import time
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from .. import services
from ..clock import today
from ..domain.text import plural
from ..extensions import db
from ..models import BusinessFunction, Engagement, User, Vendor
from ..queries import WITH_SPEC_ROWS
from .columns import guess_mapping
from .plan import Existing, Plan, plan
from .reading import Refused, Upload, read

EXPIRY_SECONDS = 24 * 3600
BATCH = 500


class Stale(Exception):
    """The file or the register changed since the preview; the person must preview again."""


# --- the stored upload ---------------------------------------------------------------------

@dataclass(frozen=True)
class Stored:
    token: str
    user_id: int
    filename: str
    sha256: str
    data: bytes


def _folder() -> str:
    folder = current_app.config.get("IMPORT_FOLDER") or os.path.join(
        current_app.instance_path, "imports")
    os.makedirs(folder, exist_ok=True)
    return folder


def _paths(token: str) -> tuple[str, str]:
    base = os.path.join(_folder(), token)
    return base + ".bin", base + ".json"


def clean_expired(now: float | None = None) -> None:
    """Delete uploads nobody confirmed within a day."""
    now = now or time.time()
    folder = _folder()
    for name in os.listdir(folder):
        path = os.path.join(folder, name)
        try:
            if now - os.path.getmtime(path) > EXPIRY_SECONDS:
                os.remove(path)
        except OSError:
            continue


def store(data: bytes, filename: str, user: User) -> Stored:
    """Keep the file server-side under an unguessable token (refused files are not kept)."""
    read(data, filename)  # refuse early, in people's words
    clean_expired()
    token = secrets.token_urlsafe(24)
    digest = hashlib.sha256(data).hexdigest()
    data_path, meta_path = _paths(token)
    with open(data_path, "wb") as handle:
        handle.write(data)
    with open(meta_path, "w", encoding="utf-8") as handle:
        json.dump({"user_id": user.id, "filename": filename, "sha256": digest}, handle)
    return Stored(token, user.id, filename, digest, data)


def load(token: str, user: User) -> Stored | None:
    """The upload ``token`` names, if it exists and belongs to ``user``."""
    if not token or not token.replace("-", "").replace("_", "").isalnum() or len(token) > 64:
        return None
    data_path, meta_path = _paths(token)
    try:
        with open(meta_path, encoding="utf-8") as handle:
            meta = json.load(handle)
        with open(data_path, "rb") as handle:
            data = handle.read()
    except (OSError, ValueError):
        return None
    if meta.get("user_id") != user.id:
        return None
    return Stored(token, meta["user_id"], meta["filename"], meta["sha256"], data)


def discard(token: str) -> None:
    for path in _paths(token):
        with contextlib.suppress(OSError):
            os.remove(path)


# --- fewer garbage collections while a file is read ----------------------------------------

_collector_lock = threading.Lock()
_collector = {"depth": 0, "thresholds": gc.get_threshold()}
FIRST_GENERATION = 100_000  # objects allocated between young-generation collections


@contextlib.contextmanager
def fewer_collections():
    """Run the cycle collector less often while a file is read, planned and imported.

    A large workbook becomes a million small objects that live until the import ends; with
    the default threshold (700) the collector scans them over and over, a quarter of a
    preview's time. Reference counting still frees everything else at once.
    """
    with _collector_lock:
        if _collector["depth"] == 0:
            _collector["thresholds"] = gc.get_threshold()
            gc.set_threshold(FIRST_GENERATION, *_collector["thresholds"][1:])
        _collector["depth"] += 1
    try:
        yield
    finally:
        with _collector_lock:
            _collector["depth"] -= 1
            if _collector["depth"] == 0:
                gc.set_threshold(*_collector["thresholds"])


# --- preview -------------------------------------------------------------------------------

def existing_for(references: set[str]) -> dict[str, list[Existing]]:
    """The engagements already in the register under these contract references."""
    found: dict[str, list[Existing]] = {}
    wanted = sorted(references)
    for start in range(0, len(wanted), BATCH):
        rows = db.session.scalars(
            select(Engagement).where(Engagement.contract_reference.in_(
                wanted[start:start + BATCH])).options(*WITH_SPEC_ROWS).order_by(Engagement.id))
        for engagement in rows:
            found.setdefault(engagement.contract_reference, []).append(
                Existing(engagement.id, engagement.version, services.engagement_spec(engagement)))
    return found


def _references(upload: Upload, mapping: list[str | None]) -> set[str]:
    if "contract_reference" not in mapping:
        return set()
    at = mapping.index("contract_reference")
    return {str(cells[at]).strip() for _, cells in upload.main.rows
            if cells[at] is not None and str(cells[at]).strip()}


def preview(data: bytes, filename: str, mapping: list[str | None] | None = None,
            orders: dict[str, str] | None = None) -> tuple[Upload, Plan]:
    """Read the file and plan the import (``mapping`` None: guessed from the headers)."""
    with fewer_collections():
        return _preview(data, filename, mapping, orders)


def _preview(data: bytes, filename: str, mapping: list[str | None] | None,
             orders: dict[str, str] | None) -> tuple[Upload, Plan]:
    upload = read(data, filename)
    width = len(upload.main.headers)
    if mapping is None:
        mapping = guess_mapping(upload.main.headers)
    mapping = (list(mapping) + [None] * width)[:width]
    vendor_keys = set(db.session.scalars(select(Vendor.name_key)))
    function_keys = set(db.session.scalars(select(BusinessFunction.name_key)))
    result = plan(upload, mapping, orders or {}, existing_for(_references(upload, mapping)),
                  vendor_keys, today(), function_keys)
    db.session.rollback()  # the preview read; it leaves nothing behind
    return upload, result


# --- confirm -------------------------------------------------------------------------------

def confirm(data: bytes, filename: str, user: User, *, mapping: list[str | None] | None,
            orders: dict[str, str] | None, skip_problems: bool,
            expected_sha256: str | None = None, expected_digest: str | None = None) -> Plan:
    """Import every planned row in one transaction, or nothing.

    Refuses with :class:`Stale` when the file is not the one previewed or the register changed
    since (the plan's digest differs), and with :class:`Refused` when rows have problems and
    ``skip_problems`` is off.
    """
    if expected_sha256 is not None and hashlib.sha256(data).hexdigest() != expected_sha256:
        raise Stale("The file is not the one you previewed.")
    with fewer_collections():
        return _confirm(data, filename, user, mapping, orders, skip_problems, expected_digest)


def _confirm(data: bytes, filename: str, user: User, mapping: list[str | None] | None,
             orders: dict[str, str] | None, skip_problems: bool,
             expected_digest: str | None) -> Plan:
    _, result = _preview(data, filename, mapping, orders)
    if expected_digest is not None and result.digest() != expected_digest:
        raise Stale("The register changed since the preview.")
    if result.blocked:
        raise Refused(result.problems[0])
    if result.count("problem") and not skip_problems:
        problems = result.count("problem")
        verb = "has a problem" if problems == 1 else "have problems"
        raise Refused(f"{plural(problems, 'row')} {verb}; "
                      "fix them in the file or tick “skip rows with problems”.")
    by_id = {}
    ids = [r.engagement_id for r in result.rows if r.action == "update"]
    for start in range(0, len(ids), BATCH):
        by_id.update((e.id, e) for e in db.session.scalars(
            select(Engagement).where(Engagement.id.in_(ids[start:start + BATCH]))
            .options(*WITH_SPEC_ROWS)))
    try:
        known = {}
        for name in {r.spec.vendor for r in result.rows if r.action in ("create", "update")}:
            vendor = services.vendor_for_name(name)  # once each, before rows that name them
            if vendor is not None:
                known[vendor.name_key] = vendor
        db.session.flush()
        db.session.info[services.KNOWN_VENDORS] = known
        creates = [row.spec for row in result.rows if row.action == "create"]
        for start in range(0, len(creates), BATCH):  # bulk INSERTs, a batch at a time
            services.stage_create_engagements(creates[start:start + BATCH], user)
        updates = [row for row in result.rows if row.action == "update"]
        for done, row in enumerate(updates, start=1):
            services.stage_update_engagement(by_id[row.engagement_id], row.spec, user,
                                             expected_version=row.version, flush=False)
            if done % BATCH == 0:
                db.session.flush()
        counts = result.counts
        services.record("import", user, subject=filename, changes=[
            {"field": "created", "old": None, "new": counts["create"]},
            {"field": "updated", "old": None, "new": counts["update"]},
            {"field": "unchanged", "old": None, "new": counts["unchanged"]},
            {"field": "skipped", "old": None, "new": counts["problem"]},
        ])
        db.session.commit()
    except (services.EditConflict, StaleDataError):
        db.session.rollback()
        raise Stale("An engagement in the file was edited while importing.") from None
    except Exception:
        db.session.rollback()
        raise
    finally:
        db.session.info.pop(services.KNOWN_VENDORS, None)
    return result

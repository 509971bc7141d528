"""Whether an engagement's register-of-information facts agree with each other.

Each rule returns a message in the user's words, keyed by the field that fixes it; the form
(and through it the API) shows them beside the fields.
"""
from __future__ import annotations

from .spec import Spec


def arrangement_problems(spec: Spec) -> dict[str, str]:
    """Contradictions between the type of arrangement, its overarching agreement and the
    substitutability facts of ``spec``; empty when they agree."""
    problems: dict[str, str] = {}
    overarching = spec.overarching_reference.strip()
    if overarching and spec.arrangement_type != "subsequent":
        problems["overarching_reference"] = (
            "Only an agreement made under a framework agreement names one: choose that type "
            "of arrangement, or clear this reference.")
    elif overarching and overarching.casefold() == spec.contract_reference.strip().casefold():
        problems["overarching_reference"] = (
            "An agreement cannot fall under itself: enter the framework agreement's own "
            "contract reference.")
    if spec.non_substitutability_reason and spec.substitutability == "easy":
        problems["non_substitutability_reason"] = (
            "An easily substitutable vendor needs no reason: clear it, or change the "
            "substitutability.")
    storage = (spec.countries or {}).get("data_storage") or ()
    if spec.stores_data == "no" and storage:
        problems["stores_data"] = (
            "Storage countries are listed above: choose “yes”, or clear the storage "
            "countries.")
    return problems

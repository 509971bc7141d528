"""The dashboard's figures drawn as the three charts (SVG built by :mod:`.svg`)."""
from __future__ import annotations

from collections.abc import Callable

from markupsafe import Markup

from ..domain.risk import Severity
from . import svg
from .figures import HANDOVER_WINDOW_DAYS, DashboardFigures

SEVERITY_LABELS = {Severity.HIGH: "High risk", Severity.MEDIUM: "Medium risk",
                   Severity.LOW: "Low risk", Severity.NONE: "No risk"}


def month_label(first_day) -> str:
    return first_day.strftime("%b %Y")


def build(figures: DashboardFigures, link: Callable[[dict], str], prefix: str = "chart"
          ) -> dict[str, Markup]:
    """The flags, vendor and handover charts as safe inline SVG; ``link(args)`` makes hrefs."""
    flag_bars = [
        svg.Bar(f.label, link(f.engagements.args()),
                (svg.Segment(f.engagements.value, f.severity.code,
                             link(f.engagements.args()), f.severity.code),),
                note=f"{f.code} · {f.severity.code}")
        for f in figures.flags]
    vendor_bars = [
        svg.Bar(v.name, link(v.engagements.args()), tuple(
            svg.Segment(lc.engagements.value, SEVERITY_LABELS[lc.level],
                        link(lc.engagements.args()), lc.level.code) for lc in v.levels))
        for v in figures.vendors]
    columns = [
        svg.Column(month_label(m.first_day), m.engagements.value, link(m.engagements.args()),
                   m.with_open_kt.value, link(m.with_open_kt.args()),
                   detail=f"{m.open_deliverables:,} deliverables not yet accepted")
        for m in figures.handover_months]
    shown = len(figures.vendors)
    return {
        "flags": Markup(svg.horizontal_bars(
            f"{prefix}-flags", "Risk flags by code",
            "How many engagements carry each risk flag, most common first. Bar colour and "
            "pattern show the flag's severity.",
            flag_bars, value_axis="Engagements", category_axis="Flag",
            legend=[("high", "High"), ("medium", "Medium"), ("low", "Low")])),
        "vendors": Markup(svg.horizontal_bars(
            f"{prefix}-vendors", f"Risk level by vendor (top {shown} of "
            f"{figures.vendor_count} by engagements)",
            "Engagements per vendor for the vendors holding the most, split by risk level.",
            vendor_bars, value_axis="Engagements", category_axis="Vendor",
            legend=[("high", "High"), ("medium", "Medium"), ("low", "Low"),
                    ("none", "No risk")], label_width=200)),
        "handovers": Markup(svg.month_columns(
            f"{prefix}-handovers", "Handovers per month, next 12 months",
            f"Engagements whose handover falls in each month; the patterned part still has "
            f"knowledge-transfer deliverables not accepted. {figures.handovers_due.value:,} "
            f"handovers are due in the next {HANDOVER_WINDOW_DAYS} days.",
            columns, value_axis="Handovers", category_axis="Month of handover",
            marked_label="Knowledge transfer still open",
            unmarked_label="All knowledge transfer accepted")),
    }

"""Charts as inline SVG strings: no JavaScript, no web fonts, readable in print and offline.

Pure Python: the caller passes the numbers, labels and link targets. Every text and attribute
is escaped here. Severity is shown by colour *and* pattern (hatching, dots, lines) *and* a
label, so the charts survive colour blindness and black-and-white printing. Every bar is a
link to the list behind it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from markupsafe import escape as _escape

# Colour-blind safe palette (Okabe–Ito based), each with a pattern drawn in white on top.
SEVERITY_STYLES = {
    "high": ("#a4262c", "hatch", "High"),
    "medium": ("#d08c00", "dots", "Medium"),
    "low": ("#3d7cc9", "lines", "Low"),
    "none": ("#9aa7b4", "solid", "No risk"),
}
PLAIN_FILL = "#0f5b63"
MARK_FILL = "#d08c00"
INK = "#1c2430"
INK_MUTED = "#4a5565"
GRID = "#dde2e8"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"


@dataclass(frozen=True)
class Segment:
    """One part of a bar: a count, what it is, where its engagements are listed."""

    value: int
    label: str
    href: str
    severity: str | None = None  # a key of SEVERITY_STYLES, or None for the plain colour


@dataclass(frozen=True)
class Bar:
    label: str
    href: str
    segments: tuple[Segment, ...]
    note: str = ""  # shown after the bar's label, e.g. a flag code

    @property
    def total(self) -> int:
        return sum(s.value for s in self.segments)


@dataclass(frozen=True)
class Column:
    """A month column: the whole, and a marked part of it (e.g. still open knowledge transfer)."""

    label: str
    value: int
    href: str
    marked: int
    marked_href: str
    detail: str = ""


def nice_ticks(maximum: int, count: int = 4) -> list[int]:
    """Round axis ticks from 0 covering ``maximum`` (at least [0, 1])."""
    if maximum <= 0:
        return [0, 1]
    raw = maximum / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    step = max(1, int(math.ceil(step)))
    top = int(math.ceil(maximum / step)) * step
    return list(range(0, top + 1, step))


def escape(text: str) -> str:
    """Text safe inside SVG/XML text or a quoted attribute (markupsafe: & < > " ')."""
    return str(_escape(text))


def _fmt(value: int) -> str:
    return f"{value:,}"


_SPECIAL = frozenset("&<>\"'")


def _attrs(**attributes) -> str:
    parts = []
    for name, value in attributes.items():
        if value is None:
            continue
        name = _ATTRIBUTE_NAMES.get(name) or _attribute_name(name)
        if isinstance(value, float):
            value = f"{value:.1f}".rstrip("0").rstrip(".")
        elif isinstance(value, int):
            value = str(value)
        elif not _SPECIAL.isdisjoint(value):  # most values are plain: skip escaping them
            value = _escape(value)
        parts.append(f'{name}="{value}"')
    return " ".join(parts)


_ATTRIBUTE_NAMES: dict[str, str] = {}


def _attribute_name(name: str) -> str:
    """Keyword to SVG attribute name: ``class_`` is ``class``, ``text_anchor`` ``text-anchor``."""
    _ATTRIBUTE_NAMES[name] = name.rstrip("_").replace("_", "-")
    return _ATTRIBUTE_NAMES[name]


def _el(tag: str, text: str | None = None, **attributes) -> str:
    attrs = _attrs(**attributes)
    opening = f"<{tag} {attrs}" if attrs else f"<{tag}"
    if text is None:
        return opening + "/>"
    return f"{opening}>{escape(text)}</{tag}>"


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _patterns(chart_id: str) -> str:
    """Pattern fills per severity, ids prefixed so several charts can share a page."""
    out = []
    for key, (colour, pattern, _) in SEVERITY_STYLES.items():
        pid = f"{chart_id}-{key}"
        marks = {
            "hatch": _el("path", d="M-1,1 l2,-2 M0,8 l8,-8 M7,9 l2,-2", stroke="#ffffff",
                         stroke_width="1.6", stroke_opacity="0.75"),
            "dots": _el("circle", cx="4", cy="4", r="1.4", fill="#ffffff", fill_opacity="0.8"),
            "lines": _el("path", d="M0,4 h8", stroke="#ffffff", stroke_width="1.5",
                         stroke_opacity="0.75"),
            "solid": "",
        }[pattern]
        out.append(f'<pattern {_attrs(id=pid, width="8", height="8")} '
                   f'patternUnits="userSpaceOnUse">'
                   f'{_el("rect", width="8", height="8", fill=colour)}{marks}</pattern>')
    mark = f"{chart_id}-mark"
    out.append(f'<pattern {_attrs(id=mark, width="8", height="8")} patternUnits="userSpaceOnUse">'
               f'{_el("rect", width="8", height="8", fill=MARK_FILL)}'
               f'{_el("path", d="M-1,1 l2,-2 M0,8 l8,-8 M7,9 l2,-2", stroke="#ffffff", stroke_width="1.6", stroke_opacity="0.75")}'  # noqa: E501
               f'</pattern>')
    return "<defs>" + "".join(out) + "</defs>"


def _fill(chart_id: str, severity: str | None) -> str:
    return f"url(#{chart_id}-{severity})" if severity else PLAIN_FILL


def _open_svg(chart_id: str, width: int, height: int, title: str, description: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" '
            f'{_attrs(id=chart_id, class_="chart-svg", viewBox=f"0 0 {width} {height}", width=str(width), height=str(height), role="group", aria_labelledby=f"{chart_id}-title {chart_id}-desc", font_family=FONT, font_size="13", fill=INK)}>'  # noqa: E501
            f'{_el("title", title, id=f"{chart_id}-title")}'
            f'{_el("desc", description, id=f"{chart_id}-desc")}'
            f'{_patterns(chart_id)}')


def _link(href: str, label: str, body: str) -> str:
    """A link with a tooltip (<title>) and an accessible name."""
    return f'<a {_attrs(href=href, aria_label=label)}>{_el("title", label)}{body}</a>'


def _legend(chart_id: str, x: float, y: float, items: list[tuple[str | None, str]]) -> str:
    out = []
    for key, label in items:
        fill = f"url(#{chart_id}-mark)" if key == "mark" else _fill(chart_id, key)
        out.append(_el("rect", x=x, y=y - 11, width="14", height="14", fill=fill,
                       stroke=INK_MUTED, stroke_width="0.5"))
        out.append(_el("text", label, x=x + 19, y=y))
        x += 19 + 7.5 * len(label) + 18
    return "".join(out)


def horizontal_bars(chart_id: str, title: str, description: str, bars: list[Bar], *,
                    value_axis: str, category_axis: str,
                    legend: list[tuple[str | None, str]] | None = None,
                    label_width: int = 250, width: int = 720) -> str:
    """Horizontal (optionally stacked) bars, one row per category, total written at the end."""
    row_h, bar_h, top = 30, 20, 56 if legend else 34
    plot_x = label_width + 10
    plot_w = width - plot_x - 60
    height = top + row_h * max(len(bars), 1) + 48
    ticks = nice_ticks(max((b.total for b in bars), default=0))
    scale = plot_w / ticks[-1]
    out = [_open_svg(chart_id, width, height, title, description)]
    if legend:
        out.append(_legend(chart_id, plot_x, 20, legend))
    out.append(_el("text", category_axis, x=label_width, y=top - 10, text_anchor="end",
                   font_weight="600", fill=INK_MUTED))
    axis_y = top + row_h * max(len(bars), 1)
    for tick in ticks:
        x = plot_x + tick * scale
        out.append(_el("line", x1=x, y1=top - 4, x2=x, y2=axis_y, stroke=GRID))
        out.append(_el("text", _fmt(tick), x=x, y=axis_y + 16, text_anchor="middle",
                       fill=INK_MUTED, font_size="12"))
    out.append(_el("text", value_axis, x=plot_x + plot_w / 2, y=axis_y + 38,
                   text_anchor="middle", font_weight="600", fill=INK_MUTED))
    if not bars:
        out.append(_el("text", "Nothing to show", x=plot_x + 8, y=top + 20, fill=INK_MUTED))
    for i, bar in enumerate(bars):
        y = top + i * row_h + (row_h - bar_h) / 2
        text_y = y + bar_h / 2 + 4.5
        name = _truncate(bar.label, 34)
        name_y = text_y - 5 if bar.note else text_y
        label_text = _el("text", name, x=label_width, y=name_y, text_anchor="end")
        # The accessible name starts with the visible text (WCAG 2.5.3, label in name).
        spoken = f"{name}: {_fmt(bar.total)} engagements"
        if name != bar.label:
            spoken += f" ({bar.label})"
        out.append(_link(bar.href, spoken, label_text))
        if bar.note:  # outside the link, so the link's visible text is the name alone
            out.append(_el("text", bar.note, x=label_width, y=text_y + 7, text_anchor="end",
                           font_size="9.5", fill=INK_MUTED))
        x = plot_x
        for segment in bar.segments:
            if segment.value <= 0:
                continue
            w = segment.value * scale
            body = _el("rect", x=x, y=y, width=max(w, 1.5), height=bar_h,
                       fill=_fill(chart_id, segment.severity), stroke="#ffffff",
                       stroke_width="0.75")
            if len(bar.segments) > 1 and w >= 34:
                digits = len(_fmt(segment.value))
                body += _el("rect", x=x + w / 2 - 4 - 3.6 * digits, y=y + 3,
                            width=8 + 7.2 * digits, height=bar_h - 6, rx="3", fill="#ffffff",
                            fill_opacity="0.92")
                body += _el("text", _fmt(segment.value), x=x + w / 2, y=text_y,
                            text_anchor="middle", font_size="12")
            out.append(_link(segment.href,
                             f"{bar.label}, {segment.label}: {_fmt(segment.value)} engagements",
                             body))
            x += w
        out.append(_link(bar.href, f"{bar.label}: {_fmt(bar.total)} engagements in all",
                         _el("text", _fmt(bar.total), x=x + 6, y=text_y, font_weight="700")))
    out.append(_el("line", x1=plot_x, y1=top - 4, x2=plot_x, y2=axis_y, stroke=INK_MUTED))
    out.append("</svg>")
    return "".join(out)


def month_columns(chart_id: str, title: str, description: str, columns: list[Column], *,
                  value_axis: str, category_axis: str, marked_label: str,
                  unmarked_label: str, width: int = 720, height: int = 300) -> str:
    """Vertical columns per month with a marked (patterned) part, numbers above each column."""
    left, right, top, bottom = 56, 12, 44, 62
    plot_w, plot_h = width - left - right, height - top - bottom
    ticks = nice_ticks(max((c.value for c in columns), default=0))
    scale = plot_h / ticks[-1]
    base = top + plot_h
    slot = plot_w / max(len(columns), 1)
    col_w = min(36.0, slot * 0.62)
    out = [_open_svg(chart_id, width, height, title, description)]
    out.append(_legend(chart_id, left, 18, [(None, unmarked_label), ("mark", marked_label)]))
    for tick in ticks:
        y = base - tick * scale
        out.append(_el("line", x1=left, y1=y, x2=width - right, y2=y, stroke=GRID))
        out.append(_el("text", _fmt(tick), x=left - 6, y=y + 4, text_anchor="end",
                       fill=INK_MUTED, font_size="12"))
    out.append(_el("text", value_axis, x="14", y=top + plot_h / 2, text_anchor="middle",
                   font_weight="600", fill=INK_MUTED,
                   transform=f"rotate(-90 14 {top + plot_h / 2:.1f})"))
    out.append(_el("text", category_axis, x=left + plot_w / 2, y=height - 8,
                   text_anchor="middle", font_weight="600", fill=INK_MUTED))
    for i, col in enumerate(columns):
        cx = left + slot * i + slot / 2
        h = col.value * scale
        body = _el("rect", x=cx - col_w / 2, y=base - h, width=col_w, height=max(h, 0),
                   fill=PLAIN_FILL)
        body += _el("text", _fmt(col.value), x=cx, y=base - h - 6, text_anchor="middle",
                    font_weight="700")
        detail = f" ({col.detail})" if col.detail else ""
        out.append(_link(col.href, f"{col.label}: {_fmt(col.value)} handovers{detail}", body))
        if col.marked > 0:
            mh = col.marked * scale
            out.append(_link(col.marked_href,
                             f"{col.label}: {_fmt(col.marked)} with {marked_label.lower()}",
                             _el("rect", x=cx - col_w / 2, y=base - mh, width=col_w, height=mh,
                                 fill=f"url(#{chart_id}-mark)", stroke="#ffffff",
                                 stroke_width="0.75")))
            if mh >= 18:
                digits = len(_fmt(col.marked))
                out.append(_el("rect", x=cx - 4 - 3.4 * digits, y=base - mh / 2 - 8,
                               width=8 + 6.8 * digits, height="15", rx="3", fill="#ffffff",
                               fill_opacity="0.92"))
                out.append(_el("text", _fmt(col.marked), x=cx, y=base - mh / 2 + 4,
                               text_anchor="middle", font_size="11"))
        month, _, year = col.label.partition(" ")
        out.append(_el("text", month, x=cx, y=base + 16, text_anchor="middle"))
        out.append(_el("text", year, x=cx, y=base + 30, text_anchor="middle", font_size="11",
                       fill=INK_MUTED))
    out.append(_el("line", x1=left, y1=base, x2=width - right, y2=base, stroke=INK_MUTED))
    out.append("</svg>")
    return "".join(out)

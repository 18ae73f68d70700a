"""Charts as inline SVG, drawn on the server: no JavaScript, nothing loaded from elsewhere.

Only presentation attributes and classes from ``static/style.css`` are used (no ``style``
attributes), so the pages' Content-Security-Policy (``style-src 'self'``) holds. Every label
is escaped here, because the result is inserted into the page as markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from html import escape

from markupsafe import Markup

FONT = 12  # px, labels
CHAR = 6.6  # px, average label character width at FONT


def _nice_max(value: int) -> int:
    """A round axis maximum at or above ``value`` (1, 2, 5 x 10^n)."""
    if value <= 0:
        return 1
    step = 1
    while True:
        for m in (1, 2, 5):
            if step * m >= value:
                return step * m
        step *= 10


def _empty(width: int, label: str) -> Markup:
    return Markup(
        f'<svg class="chart" width="{width}" height="40" viewBox="0 0 {width} 40" role="img" '
        f'aria-label="{escape(label)}: no data"><text x="0" y="24" class="muted">no data</text></svg>'
    )


def bar_chart(items: Sequence[tuple[str, int]], label: str, width: int = 720, height: int = 220) -> Markup:
    """Vertical bars, one per item in the order given (months: oldest first), with an axis."""
    if not items:
        return _empty(width, label)
    top = _nice_max(max(n for _, n in items))
    left, bottom, pad = 40, 48, 10
    plot_w, plot_h = width - left - pad, height - bottom - pad
    slot = plot_w / len(items)
    bar = max(2.0, slot * 0.7)
    every = max(1, -(-len(items) * 64 // plot_w))  # label every n-th bar: 64 px per label, no overlap
    parts = [
        f'<svg class="chart" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(label)}">',
        f"<title>{escape(label)}</title>",
    ]
    for tick in (0, top // 2, top) if top % 2 == 0 and top > 1 else (0, top):
        y = pad + plot_h - plot_h * tick / top
        parts.append(f'<line class="grid" x1="{left}" x2="{width - pad}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(f'<text class="axis" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{tick}</text>')
    for i, (name, n) in enumerate(items):
        h = plot_h * n / top
        x = left + i * slot + (slot - bar) / 2
        y = pad + plot_h - h
        parts.append(
            f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}">'
            f"<title>{escape(name)}: {n}</title></rect>"
        )
        if i % every == 0:
            cx = x + bar / 2
            parts.append(
                f'<text class="axis" x="{cx:.1f}" y="{pad + plot_h + 16}" text-anchor="middle">'
                f"{escape(name)}</text>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def hbar_chart(items: Sequence[tuple[str, int]], label: str, width: int = 720, row: int = 22) -> Markup:
    """Horizontal bars with the label on the left: for long names (provinces, sources)."""
    if not items:
        return _empty(width, label)
    top = max(n for _, n in items)
    left = min(260, int(max(len(name) for name, _ in items) * CHAR) + 12)
    pad = 40
    plot_w = width - left - pad
    height = row * len(items) + 8
    parts = [
        f'<svg class="chart" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(label)}">',
        f"<title>{escape(label)}</title>",
    ]
    for i, (name, n) in enumerate(items):
        y = 4 + i * row
        w = max(1.0, plot_w * n / top) if n else 0.0
        parts.append(
            f'<text class="label" x="{left - 8}" y="{y + row * 0.65:.1f}" text-anchor="end">{escape(name)}</text>'
        )
        parts.append(
            f'<rect class="bar" x="{left}" y="{y + 3}" width="{w:.1f}" height="{row - 6}">'
            f"<title>{escape(name)}: {n}</title></rect>"
        )
        parts.append(f'<text class="value" x="{left + w + 4:.1f}" y="{y + row * 0.65:.1f}">{n}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def spark_bars(values: Sequence[int], label: str, width: int = 160, height: int = 28) -> Markup:
    """A small bar per value (a source's articles per week, oldest first), to sit in a table."""
    if not values:
        return _empty(width, label)
    top = max(max(values), 1)
    slot = width / len(values)
    parts = [
        f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(label)}">'
    ]
    for i, n in enumerate(values):
        h = (height - 2) * n / top
        parts.append(
            f'<rect class="{"bar" if n else "bar zero"}" x="{i * slot + 1:.1f}" y="{height - max(h, 1):.1f}" '
            f'width="{slot - 2:.1f}" height="{max(h, 1):.1f}"><title>{escape(label)} #{i + 1}: {n}</title></rect>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def timeline(points: Sequence[tuple[datetime | date, str]], label: str, width: int = 720) -> Markup:
    """Dots on a date axis, one per report (its publication date), labelled by date."""

    def day(d: datetime | date) -> date:
        return d.date() if isinstance(d, datetime) else d

    dated = sorted(((d, name) for d, name in points if d), key=lambda p: (day(p[0]), p[1]))
    if not dated:
        return _empty(width, label)
    first, last = day(dated[0][0]), day(dated[-1][0])
    span = max((last - first).days, 1)
    left, right, height = 50, 50, 70
    plot_w = width - left - right
    parts = [
        f'<svg class="chart" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(label)}">',
        f"<title>{escape(label)}</title>",
        f'<line class="axisline" x1="{left}" x2="{width - right}" y1="30" y2="30"/>',
    ]
    stacked: dict[date, int] = {}
    for d, name in dated:
        x = left + plot_w * (day(d) - first).days / span if last != first else left + plot_w / 2
        k = stacked.get(day(d), 0)
        stacked[day(d)] = k + 1
        parts.append(
            f'<circle class="dot" cx="{x:.1f}" cy="{30 - k * 9}" r="4">'
            f"<title>{escape(day(d).strftime('%d/%m/%Y'))}: {escape(name)}</title></circle>"
        )
    for d in sorted({first, last}):
        x = left + plot_w * (d - first).days / span if last != first else left + plot_w / 2
        parts.append(
            f'<text class="axis" x="{x:.1f}" y="52" text-anchor="middle">{d.strftime("%d/%m/%Y")}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))

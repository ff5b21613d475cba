"""Server-rendered bar charts as inline SVG (the reports page, issue 12): no script, no CDN, nothing to vendor.

``bar_chart`` draws grouped bars of one or more series over categories (days, queues) with a title, a
description, axis labels and each bar's value in its own ``<title>`` (a tooltip; screen readers read it). The
page also shows every number in a table, so the chart is never the only way to read them. The SVG scales to its
container (``viewBox``, width 100 %) and uses classes and presentation attributes only: the Content-Security-Policy
forbids inline styles.
"""
from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.safestring import SafeString, mark_safe

_ids = itertools.count(1)


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]
    css_class: str = "s1"


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 × 10^k at or above ``value`` (1 for nothing): a step of the y axis."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power + 1e-9:
            return step * power
    return 10 * power


def _number(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def bar_chart(
    *, title: str, description: str, categories: Sequence[str], series: Sequence[Series], x_label: str, y_label: str,
    value_text: Callable[[float], str] = _number, width: int = 640, height: int = 260, max_labels: int = 10,
) -> SafeString:
    """An accessible grouped bar chart. ``categories`` label the x axis (at most ``max_labels`` shown, evenly
    spaced); a None value draws no bar ("no data", unlike 0)."""
    chart_id = f"chart-{next(_ids)}"
    left, right, top, bottom = 56, 12, 34, 48
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max((v for s in series for v in s.values if v is not None), default=0)
    y_max = 4 * nice_ceiling(peak / 4)  # four equal, round steps: 0 2 4 6 8, 0 25 50 75 100
    parts = [
        f'<svg class="chart" role="img" aria-labelledby="{chart_id}-t {chart_id}-d" viewBox="0 0 {width} {height}" '
        f'width="100%" preserveAspectRatio="xMidYMid meet" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-t">{escape(title)}</title><desc id="{chart_id}-d">{escape(description)}</desc>',
    ]
    # Horizontal grid lines and y ticks at quarters of the axis.
    for i in range(5):
        value = y_max * i / 4
        y = top + plot_h - plot_h * i / 4
        parts.append(f'<line class="grid" x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(f'<text class="tick" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{escape(value_text(value))}</text>')
    parts.append(
        f'<text class="axis-label" transform="translate(14 {top + plot_h / 2:.1f}) rotate(-90)" text-anchor="middle">{escape(y_label)}</text>'
    )
    count = max(len(categories), 1)
    slot = plot_w / count
    bar_w = max(slot * 0.8 / max(len(series), 1), 1.0)
    label_every = max(1, math.ceil(count / max_labels))
    for index, category in enumerate(categories):
        x0 = left + slot * index + slot * 0.1
        for number, one in enumerate(series):
            value = one.values[index]
            if value is None:
                continue
            bar_h = plot_h * value / y_max
            x = x0 + bar_w * number
            parts.append(
                f'<rect class="chart-bar {escape(one.css_class)}" x="{x:.1f}" y="{top + plot_h - bar_h:.1f}" width="{bar_w:.1f}" '
                f'height="{bar_h:.1f}"><title>{escape(category)}: {escape(one.name)} {escape(value_text(value))}</title></rect>'
            )
        if index % label_every == 0:
            parts.append(
                f'<text class="tick" x="{left + slot * (index + 0.5):.1f}" y="{top + plot_h + 16}" text-anchor="middle">{escape(category)}</text>'
            )
    parts.append(f'<text class="axis-label" x="{left + plot_w / 2:.1f}" y="{height - 8}" text-anchor="middle">{escape(x_label)}</text>')
    parts.append(f'<line class="axis" x1="{left}" x2="{left + plot_w}" y1="{top + plot_h}" y2="{top + plot_h}"/>')
    # The legend, top left, one swatch per series.
    x = left
    for one in series:
        parts.append(f'<rect class="chart-bar {escape(one.css_class)}" x="{x}" y="10" width="12" height="12"/>')
        parts.append(f'<text class="legend" x="{x + 16}" y="20">{escape(one.name)}</text>')
        x += 34 + 11 * len(one.name)  # room for the phone stylesheet's 17 px text (reports.css)
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text above went through escape()


def duration_text(seconds: float | None) -> str:
    """A duration as people read it, in the largest two units ("2 h 05 min", "3 d 4 h", "45 s"); "—" for none."""
    if seconds is None:
        return "—"
    seconds = round(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return _("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)d h %(minutes)02d min") % {"hours": hours, "minutes": minutes}
    if minutes:
        return _("%(minutes)d min") % {"minutes": minutes}
    return _("%(seconds)d s") % {"seconds": secs}

"""Template helpers of the reports page (issue 12): ``{% load reports %}`` then ``{{ seconds|duration }}``, ``{{ rate|percent }}``."""
from __future__ import annotations

from django import template
from django.utils import formats

from ..charts import duration_text

register = template.Library()


@register.filter
def duration(seconds) -> str:
    return duration_text(seconds)


@register.filter
def percent(rate) -> str:
    """0.1667 → "16.7 %" in the active language's number format; "—" for none."""
    if rate is None:
        return "—"
    return f"{formats.number_format(round(rate * 100, 1), 1)} %"  # number_format truncates: round first


@register.filter
def score(value) -> str:
    """An average rating, "4.25", or "—" without one."""
    return "—" if value is None else formats.number_format(round(value, 2), 2)

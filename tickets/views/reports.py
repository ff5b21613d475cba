"""The team lead's reports page and its CSV export (issue 12). Thin: selectors.report_summary computes the figures.

Who: every operator, for the queues they may see (``access.operator_queues``): admins and all-queue operators
(team leads) the whole desk, an operator of one queue that queue's figures. The figures name no student.
"""
from __future__ import annotations

import csv
from datetime import date

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from .. import selectors
from ..charts import Series, bar_chart
from ..selectors.reports import ALL, DAYS_DEFAULT, DAYS_MAX, DAYS_MIN, FIGURE_NAMES
from ..vocabulary import queue_name
from .operator import operator_required


class ReportDaysForm(forms.Form):
    days = forms.IntegerField(
        label=gettext_lazy("Days"), min_value=DAYS_MIN, max_value=DAYS_MAX, required=False,
        widget=forms.NumberInput(attrs={"class": "short"}),
    )


def _days(request: HttpRequest) -> tuple[ReportDaysForm, int | None]:
    """The validated ``days`` (DAYS_DEFAULT when absent), or None with the form's error."""
    form = ReportDaysForm(request.GET)
    if not form.is_valid():
        return form, None
    return form, form.cleaned_data.get("days") or DAYS_DEFAULT


def _day_label(day: date) -> str:
    return formats.date_format(day, "d.m")


def _charts(report: dict) -> list:
    days = [_day_label(row["date"]) for row in report["per_day"]]
    peak = max((row[key] or 0 for row in report["per_day"] for key in ("first_response_p50_s", "first_response_p90_s")), default=0)
    in_hours = peak >= 2 * 3600  # minutes read better below two hours
    unit, scale = (_("hours"), 3600) if in_hours else (_("minutes"), 60)

    def scaled(key: str) -> list[float | None]:
        return [None if row[key] is None else row[key] / scale for row in report["per_day"]]

    queues = [queue_name(row["queue"]) for row in report["per_queue"]]
    return [
        bar_chart(
            title=_("Tickets per day"), x_label=_("Day"), y_label=_("Tickets"), categories=days,
            description=_("Tickets that came in each day, and how many of them the automatic answer solved."),
            series=[Series(_("Tickets in"), [row["tickets"] for row in report["per_day"]], "s1"),
                    Series(_("Solved automatically"), [row["auto_answered"] for row in report["per_day"]], "s2")],
        ),
        bar_chart(
            title=_("First response time per day"), x_label=_("Day"), y_label=unit, categories=days,
            description=_("Median and 90th percentile of the time until a person first answered, by the day the ticket came in."),
            series=[Series(_("median (p50)"), scaled("first_response_p50_s"), "s1"),
                    Series(_("90th percentile (p90)"), scaled("first_response_p90_s"), "s3")],
        ),
        bar_chart(
            title=_("Queues"), x_label=_("Queue"), y_label=_("Tickets"), categories=queues, max_labels=12,
            description=_("Tickets that came in per queue, and how many of them missed a service-level target."),
            series=[Series(_("Tickets in"), [row["tickets"] for row in report["per_queue"]], "s1"),
                    Series(_("SLA breaches"), [row["sla_breaches"] for row in report["per_queue"]], "s4")],
        ),
    ]


@require_GET
@operator_required
def reports(request: HttpRequest) -> HttpResponse:
    form, days = _days(request)
    report = selectors.report_summary(request.user, days=days or DAYS_DEFAULT)
    context = {"form": form, "days": days or DAYS_DEFAULT, "report": report, "charts": _charts(report)}
    return render(request, "operator/reports.html", context, status=200 if days else 400)


def _cell(value) -> str:
    """One CSV cell; text a spreadsheet would run as a formula (=, +, -, @) is quoted with an apostrophe."""
    if value is None:
        return ""
    text = value.isoformat() if isinstance(value, date) else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") and not isinstance(value, (int, float)) else text


def report_csv_rows(report: dict):
    """Header, then one row per day and queue, per day (queue ``*``), per queue (date ``*``) and the total (``*``, ``*``)."""
    yield ["date", "queue", "queue_name", *FIGURE_NAMES]

    def row(day, queue, figures: dict):
        return [_cell(day), queue.slug if queue else ALL, _cell(queue_name(queue)) if queue else "", *(_cell(figures[name]) for name in FIGURE_NAMES)]

    for figures in report["per_day_queue"]:
        yield row(figures["date"], figures["queue"], figures)
    for figures in report["per_day"]:
        yield row(figures["date"], None, figures)
    for figures in report["per_queue"]:
        yield row(ALL, figures["queue"], figures)
    yield row(ALL, None, report)


@require_GET
@operator_required
def reports_csv(request: HttpRequest) -> HttpResponse:
    form, days = _days(request)
    if days is None:
        return HttpResponse("\n".join(form.errors["days"]), status=400, content_type="text/plain; charset=utf-8")
    report = selectors.report_summary(request.user, days=days)
    # UTF-8 with a byte-order mark: spreadsheets then read Cyrillic queue names right.
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="report-{report["until"]:%Y-%m-%d}-{days}d.csv"'
    response.write("\ufeff")
    csv.writer(response).writerows(report_csv_rows(report))
    return response

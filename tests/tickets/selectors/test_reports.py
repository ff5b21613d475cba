"""The team lead's reports (selectors.reports) on a desk with figures worked out by hand (reports_fixture)."""
from datetime import date

import pytest

from tests.factories import AdminFactory, operator
from tests.tickets.reports_fixture import (
    DAYS,
    EXPECTED_PER_DAY,
    EXPECTED_PER_QUEUE,
    EXPECTED_TOTAL,
    NOW,
    build_report_desk,
)
from tickets import selectors
from tickets.selectors.reports import percentile

pytestmark = pytest.mark.django_db


@pytest.fixture
def moscow(settings):
    settings.TIME_ZONE = "Europe/Moscow"


def _subset(row: dict, expected: dict) -> dict:
    return {key: row[key] for key in expected}


def test_totals_match_the_hand_worked_figures(moscow):
    build_report_desk()
    report = selectors.report_summary(AdminFactory(), days=DAYS, now=NOW)
    assert _subset(report, EXPECTED_TOTAL) == EXPECTED_TOTAL
    assert report["time_zone"] == "Europe/Moscow"
    assert report["since"].isoformat() == "2026-03-08T00:00:00+03:00"


def test_day_buckets_are_local_days_and_every_day_has_a_row(moscow):
    build_report_desk()
    report = selectors.report_summary(AdminFactory(), days=DAYS, now=NOW)
    assert [row["date"] for row in report["per_day"]] == [date(2026, 3, 8), date(2026, 3, 9), date(2026, 3, 10)]
    for row in report["per_day"]:
        expected = EXPECTED_PER_DAY[row["date"].isoformat()]
        assert _subset(row, expected) == expected, row["date"]


def test_per_queue_rows_for_every_visible_queue(moscow):
    build_report_desk()
    report = selectors.report_summary(AdminFactory(), days=DAYS, now=NOW)
    by_slug = {row["queue"].slug: row for row in report["per_queue"]}
    assert set(by_slug) == set(EXPECTED_PER_QUEUE)
    for slug, expected in EXPECTED_PER_QUEUE.items():
        assert _subset(by_slug[slug], expected) == expected, slug
    cells = {(row["date"].isoformat(), row["queue"].slug): row["tickets"] for row in report["per_day_queue"]}
    assert cells == {
        ("2026-03-08", "payment"): 2, ("2026-03-09", "payment"): 2, ("2026-03-09", "course"): 1,
        ("2026-03-09", "triage"): 1, ("2026-03-10", "payment"): 2, ("2026-03-10", "course"): 2,
    }


def test_utc_would_put_the_midnight_ticket_on_another_day(settings):
    """The same desk read in UTC: 8 March 00:30 MSK is 7 March 21:30 UTC, outside the 8–10 March UTC window."""
    settings.TIME_ZONE = "UTC"
    build_report_desk()
    report = selectors.report_summary(AdminFactory(), days=DAYS, now=NOW)
    assert report["tickets"] == EXPECTED_TOTAL["tickets"] - 1
    assert report["per_day"][0]["tickets"] == 1


def test_an_operator_sees_the_figures_of_their_queues_only(moscow):
    build_report_desk()
    report = selectors.report_summary(operator(queues=["course"]), days=DAYS, now=NOW)
    assert [row["queue"].slug for row in report["per_queue"]] == ["course"]
    assert report["tickets"] == 3 and report["label_corrections"] == 1 and report["sla_breaches"] == 0
    assert report["csat_avg"] is None and report["csat_count"] == 0


def test_one_day_is_today_so_far_and_an_empty_desk_has_zeros(moscow):
    report = selectors.report_summary(AdminFactory(), days=1, now=NOW)
    assert len(report["per_day"]) == 1 and report["tickets"] == 0
    assert report["deflection_rate"] == 0.0 and report["first_response_p50_s"] is None and report["csat_avg"] is None


@pytest.mark.parametrize("days", [0, 366])
def test_days_out_of_range_are_refused(days):
    with pytest.raises(ValueError):
        selectors.report_summary(AdminFactory(), days=days)


def test_percentile_interpolates_like_percentile_cont():
    assert percentile([], 0.5) is None
    assert percentile([7.0], 0.9) == 7.0
    assert percentile([600, 1200, 1800, 3000, 7200], 0.5) == 1800
    assert percentile([7200, 600, 3000, 1800, 1200], 0.9) == pytest.approx(5520)
    assert percentile([1, 2, 3, 4], 0.5) == 2.5

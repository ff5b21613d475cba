"""The reports page and its CSV export (issue 12) on the hand-worked desk (reports_fixture)."""
import csv
import io

import pytest

from tests.factories import AdminFactory, UserFactory, operator
from tests.tickets.reports_fixture import EXPECTED_PER_QUEUE, EXPECTED_TOTAL, build_report_desk, freeze_now
from tickets.selectors.reports import FIGURE_NAMES

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk_at_noon(settings, monkeypatch):
    settings.TIME_ZONE = "Europe/Moscow"
    build_report_desk()
    freeze_now(monkeypatch)


def _csv(response) -> list[dict]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")  # the BOM spreadsheets need for Cyrillic
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_page_shows_figures_charts_and_tables(client, desk_at_noon):
    client.force_login(AdminFactory())
    response = client.get("/desk/reports/", {"days": 3})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="r-tickets">10<' in body
    assert 'id="r-deflection">10,0 %<' in body  # Russian number format
    assert 'id="r-first">30 мин<' in body and "90%: 1 ч 32 мин" in body  # p50 1800 s, p90 5520 s
    assert 'id="r-csat">4,00<' in body and 'id="r-breaches">2<' in body and 'id="r-corrections">1<' in body
    assert body.count('<svg class="chart" role="img"') == 3 and "<title id=" in body and "http" not in body.split("<svg", 1)[1].split("</svg>")[0].replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert body.count('<tr data-date="') == 3 and body.count('<tr data-queue="') == len(EXPECTED_PER_QUEUE)
    assert 'href="/desk/reports/export.csv?days=3"' in body


def test_page_in_english(client, desk_at_noon):
    client.force_login(AdminFactory())
    client.cookies["django_language"] = "en"
    body = client.get("/desk/reports/", {"days": 3}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Tickets per day" in body and 'id="r-first">30 min<' in body and 'id="r-deflection">10.0 %<' in body


def test_bad_days_on_the_page_says_so_and_shows_the_default(client, desk_at_noon):
    client.force_login(AdminFactory())
    response = client.get("/desk/reports/", {"days": "400"})
    assert response.status_code == 400
    body = response.content.decode()
    assert 'id="days-error"' in body and 'value="400"' in body  # the input is kept
    assert 'id="r-tickets">11<' in body  # the last 30 days: the fixture plus the 7 March ticket


def test_links_to_the_reports_for_operators_only(client, desk_at_noon):
    client.force_login(operator(queues=["course"]))
    body = client.get("/desk/").content.decode()
    assert 'id="reports-link"' in body and 'id="dashboard-reports-link"' in body
    body = client.get("/desk/reports/", {"days": 3}).content.decode()
    assert 'data-queue="course"' in body and 'data-queue="payment"' not in body


def test_non_operators_are_refused(client, desk_at_noon):
    assert client.get("/desk/reports/").status_code == 302  # to the log-in page
    client.force_login(UserFactory())
    assert client.get("/desk/reports/").status_code == 403
    assert client.get("/desk/reports/export.csv").status_code == 403


def test_csv_export_has_every_group_with_the_api_figures(client, desk_at_noon):
    client.force_login(AdminFactory())
    response = client.get("/desk/reports/export.csv", {"days": 3})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert 'filename="report-2026-03-10-3d.csv"' in response["Content-Disposition"]
    rows = _csv(response)
    assert list(rows[0]) == ["date", "queue", "queue_name", *FIGURE_NAMES]
    total = [row for row in rows if row["date"] == "*" and row["queue"] == "*"]
    assert len(total) == 1
    assert {key: total[0][key] for key in EXPECTED_TOTAL} == {
        key: "" if value is None else str(value) for key, value in EXPECTED_TOTAL.items()
    }
    per_queue = {row["queue"]: row for row in rows if row["date"] == "*" and row["queue"] != "*"}
    assert per_queue["payment"]["first_response_p90_s"] == "5580" and per_queue["triage"]["first_response_p50_s"] == ""
    per_day = [row["date"] for row in rows if row["queue"] == "*" and row["date"] != "*"]
    assert per_day == ["2026-03-08", "2026-03-09", "2026-03-10"]
    cells = {(row["date"], row["queue"]): row["tickets"] for row in rows if "*" not in (row["date"], row["queue"])}
    assert cells[("2026-03-09", "triage")] == "1" and len(cells) == 6


def test_csv_refuses_bad_days(client, desk_at_noon):
    client.force_login(AdminFactory())
    response = client.get("/desk/reports/export.csv", {"days": "0"})
    assert response.status_code == 400 and response.content


def test_csv_quotes_what_a_spreadsheet_would_run(client, desk_at_noon):
    from tests.factories import queue

    triage = queue("triage")
    triage.name = "=HYPERLINK(\"http://evil\")"
    triage.save()
    client.force_login(AdminFactory())
    rows = _csv(client.get("/desk/reports/export.csv", {"days": 3}))
    names = {row["queue_name"] for row in rows}
    assert not any(name.startswith("=") for name in names)

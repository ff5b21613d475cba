"""GET /api/reports/summary/ (issue 12): the figures of the hand-worked desk, days validation, who may read it."""
import pytest
from rest_framework.test import APIClient

from tests.factories import AdminFactory, UserFactory, operator
from tests.tickets.reports_fixture import EXPECTED_PER_DAY, EXPECTED_PER_QUEUE, EXPECTED_TOTAL, build_report_desk, freeze_now

pytestmark = pytest.mark.django_db

URL = "/api/reports/summary/"


@pytest.fixture
def desk_at_noon(settings, monkeypatch):
    settings.TIME_ZONE = "Europe/Moscow"
    build_report_desk()
    freeze_now(monkeypatch)


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_summary_has_the_figures_of_the_brief(desk_at_noon):
    response = _client(AdminFactory()).get(URL, {"days": 3})
    assert response.status_code == 200
    data = response.json()
    assert {key: data[key] for key in EXPECTED_TOTAL} == EXPECTED_TOTAL
    assert data["days"] == 3 and data["time_zone"] == "Europe/Moscow"
    assert [row["date"] for row in data["per_day"]] == list(EXPECTED_PER_DAY)
    for row in data["per_day"]:
        expected = EXPECTED_PER_DAY[row["date"]]
        assert {key: row[key] for key in expected} == expected
    by_slug = {row["queue"]: row for row in data["per_queue"]}
    assert set(by_slug) == set(EXPECTED_PER_QUEUE)
    assert by_slug["payment"]["first_response_p90_s"] == 5580 and by_slug["payment"]["queue_name"]
    assert {(row["date"], row["queue"]) for row in data["per_day_queue"]} >= {("2026-03-08", "payment"), ("2026-03-10", "course")}


def test_days_defaults_to_thirty(desk_at_noon):
    data = _client(AdminFactory()).get(URL).json()
    assert data["days"] == 30 and len(data["per_day"]) == 30
    assert data["tickets"] == EXPECTED_TOTAL["tickets"] + 1  # the 7 March ticket is inside 30 days


@pytest.mark.parametrize("days", ["0", "366", "-5", "abc", "3.5", "1e3"])
def test_bad_days_is_a_400_in_json(desk_at_noon, days):
    response = _client(AdminFactory()).get(URL, {"days": days})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert "days" in response.json()


def test_an_operator_reads_the_figures_of_their_queues_only(desk_at_noon):
    data = _client(operator(queues=["course"])).get(URL, {"days": 3}).json()
    assert [row["queue"] for row in data["per_queue"]] == ["course"]
    assert data["tickets"] == 3 and data["sla_breaches"] == 0
    assert {row["queue"] for row in data["per_day_queue"]} == {"course"}


def test_people_outside_the_desk_are_refused(desk_at_noon):
    assert APIClient().get(URL).status_code in (401, 403)
    assert _client(UserFactory()).get(URL).status_code == 403


def test_the_schema_lists_the_endpoint(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/reports/summary/"]["get"]
    assert [p["name"] for p in operation["parameters"]] == ["days"]
    properties = schema["components"]["schemas"]["ReportSummary"]["properties"]
    assert {"tickets", "auto_answered", "deflection_rate", "first_response_p50_s", "first_response_p90_s",
            "resolution_p50_s", "sla_breaches", "csat_avg", "per_queue", "per_day"} <= set(properties)

"""The reports page (issue 12) in Chromium at desktop width and at 375 px: the hand-worked desk's figures, the
charts drawn without a script or a CDN, the days form (a bad value says so), the CSV download, the nav link."""
from __future__ import annotations

import csv
import io

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.factories import AdminFactory
from tests.tickets.reports_fixture import build_report_desk, freeze_now

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def report_desk(desk, settings, monkeypatch):
    settings.TIME_ZONE = "Europe/Moscow"
    build_report_desk()
    freeze_now(monkeypatch)


def test_reports_page(report_desk, page_watch, live_server, viewport):
    page, watch = page_watch
    log_in(page, live_server, AdminFactory(username="lead"))
    page.goto("/desk/")
    if viewport == "desktop":
        page.click("#reports-link")
    else:
        page.click("#dashboard-reports-link")
    expect(page).to_have_url(f"{live_server.url}/desk/reports/")
    expect(page.locator("h1")).to_have_text("Отчёты")

    page.fill("#id_days", "3")
    page.click("#report-filters button[type=submit]")
    expect(page.locator("#r-tickets")).to_have_text("10")
    expect(page.locator("#r-deflection")).to_have_text("10,0 %")
    expect(page.locator("#r-first")).to_have_text("30 мин")
    expect(page.locator("#r-resolution")).to_have_text("2 ч 00 мин")
    expect(page.locator("#r-breaches")).to_have_text("2")
    expect(page.locator("#r-csat")).to_have_text("4,00")
    charts = page.locator("svg.chart[role=img]")
    expect(charts).to_have_count(3)
    assert charts.first.locator("title").first.text_content() == "Обращения по дням"
    assert page.locator("svg.chart rect.chart-bar").count() > 6
    box = charts.first.bounding_box()
    assert box["width"] <= page.viewport_size["width"]
    expect(page.locator("#per-queue tr[data-queue=payment]")).to_contain_text("16,7 %")
    expect(page.locator("#per-day tr[data-date='2026-03-08']")).to_contain_text("15 мин")  # p50 900 s

    with page.expect_download() as download_info:
        page.click("#report-csv")
    rows = list(csv.DictReader(io.StringIO(download_info.value.path().read_text(encoding="utf-8-sig"))))
    total = next(row for row in rows if row["date"] == "*" and row["queue"] == "*")
    assert total["tickets"] == "10" and total["first_response_p90_s"] == "5520"
    watch.shot("reports")

    with watch.expect_status(400, r"/desk/reports/"):
        page.fill("#id_days", "500")
        page.click("#report-filters button[type=submit]")
        expect(page.locator("#days-error")).to_be_visible()
    expect(page.locator("#id_days")).to_have_value("500")

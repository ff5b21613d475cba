"""The school's FAQ calibrates the auto-answer rule when it is imported (knowledge.services)."""
from io import StringIO

import pytest
from django.core.management import call_command

from classifier import FaqDocument, FaqHealth, calibrate_faq, dump_faq_yaml, faq_health, held_out_queries
from knowledge.models import FaqCalibrationFit, FaqEntry
from knowledge.selectors import faq_entries_single_phrasing, faq_entries_with_confusion, faq_health_current
from knowledge.services import (
    faq_answer_decision, faq_calibration_current, faq_calibration_refit, faq_import, faq_index_get,
)
from tests.classifier.faq.sample import ENTRIES

pytestmark = pytest.mark.django_db


def test_importing_a_faq_fits_its_calibration(imported, fake_faq_encoder):
    row = FaqCalibrationFit.objects.get()
    expected = calibrate_faq(ENTRIES, fake_faq_encoder, faq_index_get().params)
    assert row.version == expected.version
    assert row.entries == len(ENTRIES)
    assert row.fitted["fitted"] is True and row.fitted["n_covered"] == expected.n_covered
    assert faq_calibration_current() == expected


def test_reimporting_the_same_faq_does_not_refit(imported):
    faq_import(imported.read_text(encoding="utf-8"))
    assert FaqCalibrationFit.objects.count() == 1


def test_importing_a_changed_faq_refits(imported):
    before = FaqCalibrationFit.objects.get().version
    changed = [*ENTRIES, FaqDocument("holidays", "general", "Есть ли занятия в праздники?", ("Учимся ли 9 мая?",),
                                     "В праздничные дни занятий нет.")]
    faq_import(dump_faq_yaml(changed))
    assert FaqCalibrationFit.objects.count() == 2
    assert faq_calibration_current().version != before
    assert FaqCalibrationFit.objects.order_by("-pk").first().entries == len(changed)


def test_refit_is_idempotent_and_none_for_an_empty_faq(imported):
    assert faq_calibration_refit() == FaqCalibrationFit.objects.get()
    FaqEntry.objects.update(is_active=False)
    assert faq_calibration_refit() is None


def test_decisions_carry_the_calibration_version(imported):
    decision = faq_answer_decision("Как восстановить пароль?")
    assert decision.calibration == FaqCalibrationFit.objects.get().version


def test_decisions_without_a_calibration_use_the_shipped_numbers(imported):
    FaqCalibrationFit.objects.all().delete()
    assert faq_answer_decision("Как восстановить пароль?").calibration == ""


def test_faq_calibrate_command(imported):
    FaqCalibrationFit.objects.all().delete()
    out = StringIO()
    call_command("faq_calibrate", stdout=out)
    assert FaqCalibrationFit.objects.get().version in out.getvalue()


def test_the_calibration_stores_each_entrys_held_out_check(imported, fake_faq_encoder):
    row = FaqCalibrationFit.objects.get()
    params = faq_index_get().params
    expected = faq_health(ENTRIES, held_out_queries(ENTRIES, fake_faq_encoder, params))
    assert FaqHealth.from_dict(row.health) == expected == faq_health_current()
    assert {e.entry_id for e in expected.entries} == {e.id for e in ENTRIES}  # every sample entry has 2+ phrasings
    assert set(faq_entries_with_confusion().values_list("external_id", flat=True)) == {
        e.entry_id for e in expected.confused}


def test_a_single_phrasing_entry_is_listed(imported):
    faq_import(dump_faq_yaml([*ENTRIES, FaqDocument("holidays", "general", "Есть ли занятия в праздники?", (),
                                                   "В праздничные дни занятий нет.")]))
    assert faq_health_current().single_phrasing == ("holidays",)
    assert list(faq_entries_single_phrasing().values_list("external_id", flat=True)) == ["holidays"]


def test_a_refit_fills_in_the_check_of_a_row_fitted_before_it_was_stored(imported):
    FaqCalibrationFit.objects.update(health={})
    assert faq_health_current() is None
    row = faq_calibration_refit()
    assert FaqCalibrationFit.objects.count() == 1 and FaqHealth.from_dict(row.health) == faq_health_current()


def _confused_health() -> dict:
    """A stored check in which two of pay_ways' three phrasings find money_back, and schedule has one phrasing."""
    return {"entries": [{"id": "pay_ways", "checked": 3, "found": 1, "instead": {"money_back": 2}},
                        {"id": "money_back", "checked": 2, "found": 2, "instead": {}}],
            "single_phrasing": ["schedule"]}


def test_faq_calibrate_command_prints_the_held_out_check(imported, monkeypatch):
    FaqCalibrationFit.objects.update(health=_confused_health())
    monkeypatch.setattr("knowledge.management.commands.faq_calibrate.faq_calibration_refit",
                        lambda: FaqCalibrationFit.objects.get())
    out = StringIO()
    call_command("faq_calibrate", stdout=out)
    text = out.getvalue()
    assert "pay_ways: 1 of 3 phrasings find it; found instead: money_back (2)" in text
    assert "one phrasing only" in text and "schedule" in text and "money_back: " not in text


def test_faq_import_command_prints_the_held_out_check(db, faq_file):
    out = StringIO()
    call_command("faq_import", str(faq_file), stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("created: 5")
    assert lines[1:] == ["  " + line for line in faq_health_current().report_lines()]

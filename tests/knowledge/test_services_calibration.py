"""The school's FAQ calibrates the auto-answer rule when it is imported (knowledge.services)."""
from io import StringIO

import pytest
from django.core.management import call_command

from classifier import FaqDocument, calibrate_faq, dump_faq_yaml
from knowledge.models import FaqCalibrationFit, FaqEntry
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

"""manage.py faq_import / faq_export: idempotent upsert by id, and a lossless round trip."""
import io

import pytest
from django.core.management import CommandError, call_command

from classifier import load_faq_document
from knowledge.models import FaqEntry
from knowledge.services import faq_export, faq_import
from tests.classifier.faq.sample import ENTRIES

pytestmark = pytest.mark.django_db


def _run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_import_creates_then_is_idempotent(faq_file):
    assert "created: 5" in _run("faq_import", str(faq_file))
    stamps = dict(FaqEntry.objects.values_list("external_id", "updated_at"))
    assert "unchanged: 5" in _run("faq_import", str(faq_file))
    assert dict(FaqEntry.objects.values_list("external_id", "updated_at")) == stamps
    e = FaqEntry.objects.get(external_id="forgot_pass")
    assert e.alt_questions == list(ENTRIES[3].alt_questions) and e.topic == "profile" and e.is_active


def test_import_updates_changed_entries_and_deactivates_missing(imported):
    _, records = load_faq_document(imported)
    text = imported.read_text(encoding="utf-8").replace("в течение 10 рабочих дней", "в течение 5 рабочих дней")
    counts = faq_import(text)
    assert counts == {"created": 0, "updated": 1, "unchanged": 4, "deactivated": 0}
    assert "5 рабочих" in FaqEntry.objects.get(external_id="money_back").answer
    only_two = "entries:\n" + "".join(
        f"  - {{id: {r.id}, topic: {r.topic}, question: '{r.question}', answer: '{r.answer}'}}\n"
        for r in records[:2])
    counts = faq_import(only_two, deactivate_missing=True)
    assert counts["deactivated"] == 3
    assert set(FaqEntry.objects.filter(is_active=True).values_list("external_id", flat=True)) == {"pay_ways", "money_back"}
    assert FaqEntry.objects.count() == 5  # nothing deleted: usage history stays


def test_export_round_trip(imported, tmp_path):
    out = tmp_path / "export.yaml"
    _run("faq_export", str(out), "--school", "Лингва", "--site", "lingva.example", "--updated", "2026-01-01")
    header, records = load_faq_document(out)
    assert records == sorted(ENTRIES, key=lambda e: [x.id for x in ENTRIES].index(e.id))
    assert header == {"school": "Лингва", "site": "lingva.example", "updated": "2026-01-01"}
    assert out.read_text(encoding="utf-8") == imported.read_text(encoding="utf-8")  # byte-identical
    # and back in: nothing changes
    assert faq_import(out.read_text(encoding="utf-8"))["unchanged"] == 5


def test_export_to_stdout_skips_inactive(imported):
    FaqEntry.objects.filter(external_id="schedule").update(is_active=False)
    text = _run("faq_export")
    assert "forgot_pass" in text and "schedule" not in text
    assert "schedule" in faq_export(include_inactive=True)


def test_import_rejects_bad_files(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("entries:\n  - {id: a, question: q}\n  - {id: a, question: r}\n", encoding="utf-8")
    with pytest.raises(CommandError, match="duplicate"):
        _run("faq_import", str(bad))
    with pytest.raises(CommandError):
        _run("faq_import", str(tmp_path / "missing.yaml"))

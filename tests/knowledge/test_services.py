"""The cached FAQ index, suggestions, the auto-answer decision, usage counters and statistics."""
import pytest

from classifier import FaqOutcome
from knowledge.models import FaqEntry, FaqUsage
from knowledge.selectors import faq_entry_stats, faq_suggestions
from knowledge.services import (
    faq_answer_decision, faq_index_get, faq_index_reset, faq_usage_record,
)
from tests.classifier.fake_encoders import TokenHashEncoder
from tests.knowledge import fakes

pytestmark = pytest.mark.django_db


def test_suggestions_top3(imported):
    hits = faq_suggestions("забыл пароль, как восстановить?")
    assert [h.entry_id for h in hits][:1] == ["forgot_pass"] and len(hits) == 3
    assert faq_suggestions("   ") == []


def test_inactive_entries_are_never_suggested(imported):
    e = FaqEntry.objects.get(external_id="forgot_pass")
    e.is_active = False
    e.save()
    assert "forgot_pass" not in [h.entry_id for h in faq_suggestions("забыл пароль", k=5)]


def test_index_is_cached_and_embeddings_stored(imported, fake_faq_encoder):
    index = faq_index_get()
    first_calls = len(fake_faq_encoder.calls)
    assert first_calls > 0
    assert faq_index_get() is index and len(fake_faq_encoder.calls) == first_calls  # cached
    e = FaqEntry.objects.get(external_id="schedule")
    assert e.embedding["hash"] == e.content_hash and len(e.embedding["questions"]) == 2
    assert e.embedding["rerank"]["encoder"] == "hash-test"  # the configured encoder re-ranks too
    # a fresh process reuses the stored vectors: nothing is embedded again
    faq_index_reset()
    fake_faq_encoder.calls.clear()
    faq_index_get()
    assert fake_faq_encoder.calls == []


def test_edited_entry_is_reembedded_alone(imported, fake_faq_encoder):
    faq_index_get()
    fake_faq_encoder.calls.clear()
    e = FaqEntry.objects.get(external_id="schedule")
    e.answer = "Уроки идут по будням и по субботам."
    e.save()
    assert e.embedding is None  # stale cache dropped on save
    index = faq_index_get()
    assert fake_faq_encoder.calls and all("суббот" in c or c in e.to_record().questions for c in fake_faq_encoder.calls)
    assert index.by_id["schedule"].answer.endswith("по субботам.")
    e.refresh_from_db()
    assert e.embedding["hash"] == e.content_hash


def _entry_rows(entry: FaqEntry) -> set[str]:
    doc = entry.to_record()
    return set(doc.dense_questions) | set(doc.answer_rows())


def test_an_edit_reencodes_only_the_edited_entry_for_the_reranking_too(imported, fake_faq_encoder):
    encoded = set(faq_index_get().reranker.embeddings())  # every entry's, from the rows or encoded on the build
    e = FaqEntry.objects.get(external_id="schedule")
    old_hash = e.to_record().content_hash()
    assert len(encoded) == FaqEntry.objects.filter(is_active=True).count() and old_hash in encoded
    e.answer = "Уроки идут по будням и по субботам."
    e.save()
    fake_faq_encoder.calls.clear()

    rebuilt = faq_index_get()

    new_hash = e.to_record().content_hash()
    assert set(rebuilt.reranker.embeddings()) == encoded - {old_hash} | {new_hash}  # the stale one dropped
    assert fake_faq_encoder.calls and set(fake_faq_encoder.calls) <= _entry_rows(e)


@pytest.fixture
def e5(settings, monkeypatch):
    """The desk's default set-up without models: the FAQ encoder (USE) and the re-ranking's e5 are two encoders;
    this one stands in for e5 and lists every text it encodes."""
    e5 = TokenHashEncoder()
    e5.name = "e5-test"
    monkeypatch.setattr("knowledge.services.shared_sentence_encoder", lambda threads=None: None)
    monkeypatch.setattr("knowledge.services.classifier_faq_encoder", lambda: fakes.ENCODER)
    monkeypatch.setattr("classifier.faq.rerank.shared_e5_encoder", lambda: e5)
    settings.SUPPORTDESK_FAQ_ENCODER = ""
    faq_index_reset()
    return e5


def test_the_rerankings_vectors_are_stored_and_a_new_worker_encodes_no_entry_with_e5(e5, imported):
    e = FaqEntry.objects.get(external_id="schedule")
    stored = e.embedding["rerank"]
    assert (stored["encoder"], stored["hash"]) == ("e5-test", e.content_hash)
    assert len(stored["questions"]) == len(e.to_record().dense_questions) and e.embedding["encoder"] == "hash-test"
    faq_index_reset()  # a new worker process
    e5.calls.clear()
    fakes.ENCODER.calls.clear()

    hits = faq_suggestions("как восстановить пароль и где расписание?")

    assert hits and e5.calls == ["как восстановить пароль и где расписание?"]  # the message; no entry
    assert len(faq_index_get().reranker.embeddings()) == FaqEntry.objects.filter(is_active=True).count()
    assert fakes.ENCODER.calls == ["как восстановить пароль и где расписание?"]


def test_an_edited_entrys_stale_rerank_vectors_are_replaced(e5, imported):
    # update() keeps the row's vectors: stale now
    FaqEntry.objects.filter(external_id="schedule").update(answer="Уроки идут и по воскресеньям.")
    faq_index_reset()
    e5.calls.clear()

    index = faq_index_get()

    e = FaqEntry.objects.get(external_id="schedule")
    assert e5.calls and set(e5.calls) <= _entry_rows(e)  # the edited entry alone, its new text
    assert (e.embedding["rerank"]["hash"], e.embedding["hash"]) == (e.content_hash, e.content_hash)
    assert e.content_hash == e.to_record().content_hash() and e.content_hash in index.reranker.embeddings()


def test_another_encoders_rerank_vectors_are_ignored(e5, imported):
    for row in FaqEntry.objects.all():
        row.embedding["rerank"]["encoder"] = "another-encoder"
        FaqEntry.objects.filter(pk=row.pk).update(embedding=row.embedding)
    faq_index_reset()
    e5.calls.clear()
    fakes.ENCODER.calls.clear()

    faq_index_get()

    every_row = set().union(*(_entry_rows(row) for row in FaqEntry.objects.filter(is_active=True)))
    assert set(e5.calls) == every_row and fakes.ENCODER.calls == []  # e5 again, the FAQ encoder's vectors kept
    assert {row.embedding["rerank"]["encoder"] for row in FaqEntry.objects.all()} == {"e5-test"}


def test_new_entry_is_found_after_change(imported):
    faq_index_get()
    FaqEntry.objects.create(external_id="discounts", topic="payment", question="Есть ли скидки для студентов?",
                            alt_questions=["Скидка студентам"], answer="Студентам скидка 10%.")
    assert faq_suggestions("скидки студентам", k=1)[0].entry_id == "discounts"


def test_answer_decision_service(imported):
    d = faq_answer_decision("Верните деньги!!! Иначе подам в суд и в Роспотребнадзор", "payment")
    assert d.needs_human and not d.auto_answer and d.suggestions
    d = faq_answer_decision("кто смотрел вчера футбол", "offtopic")
    assert not d.auto_answer and d.reason == "offtopic" and d.outcome is FaqOutcome.OFFTOPIC


def test_usage_record_and_stats(imported):
    entry = FaqEntry.objects.get(external_id="forgot_pass")
    faq_usage_record(entry, 11, FaqUsage.Kind.AUTO_SENT)
    faq_usage_record("forgot_pass", 11, "accepted")
    faq_usage_record(entry, 12, "operator_sent")
    faq_usage_record(entry, 12, "rejected")
    faq_usage_record("money_back", None, "auto_sent")
    with pytest.raises(ValueError):
        faq_usage_record(entry, 1, "liked")
    stats = {s["id"]: s for s in faq_entry_stats()}
    s = stats["forgot_pass"]
    assert (s["sent"], s["auto_sent"], s["accepted"], s["rejected"], s["acceptance_rate"]) == (2, 1, 1, 1, 0.5)
    assert stats["money_back"]["sent"] == 1 and stats["money_back"]["acceptance_rate"] is None
    assert stats["schedule"]["sent"] == 0


def test_admin_shows_counts_and_exports(imported, admin_user, client):
    faq_usage_record("forgot_pass", 5, "auto_sent")
    faq_usage_record("forgot_pass", 5, "accepted")
    client.force_login(admin_user)
    resp = client.get("/admin/knowledge/faqentry/")
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "forgot_pass" in html and 'class="field-sent">1<' in html and 'class="field-accepted">1<' in html
    pk = FaqEntry.objects.get(external_id="forgot_pass").pk
    resp = client.post("/admin/knowledge/faqentry/", {"action": "export_yaml", "_selected_action": [pk]})
    assert resp.status_code == 200 and "forgot_pass" in resp.content.decode()
    assert client.get(f"/admin/knowledge/faqentry/{pk}/change/").status_code == 200
    assert client.get("/admin/knowledge/faqusage/").status_code == 200


def test_queryset_update_is_seen_and_heals_the_stored_hash(imported, fake_faq_encoder):
    """The index's version is the entries' content: an update() that skips save() is picked up too."""
    index = faq_index_get()
    fake_faq_encoder.calls.clear()
    FaqEntry.objects.filter(external_id="schedule").update(answer="Уроки идут и по воскресеньям.")
    rebuilt = faq_index_get()
    assert rebuilt is not index and rebuilt.by_id["schedule"].answer == "Уроки идут и по воскресеньям."
    assert "Уроки идут и по воскресеньям." in fake_faq_encoder.calls  # only this entry was embedded again
    assert all("воскрес" in c or c in rebuilt.by_id["schedule"].questions for c in fake_faq_encoder.calls)
    e = FaqEntry.objects.get(external_id="schedule")
    assert e.content_hash == e.to_record().content_hash() == e.embedding["hash"]
    fake_faq_encoder.calls.clear()
    faq_index_reset()
    faq_index_get()
    assert fake_faq_encoder.calls == []  # a fresh process finds every stored vector valid


def test_deactivation_by_update_removes_the_entry(imported):
    faq_index_get()
    FaqEntry.objects.filter(external_id="forgot_pass").update(is_active=False)
    assert "forgot_pass" not in faq_index_get().by_id


def test_unchanged_content_keeps_the_index(imported):
    index = faq_index_get()
    FaqEntry.objects.filter(external_id="schedule").update(embedding=None)  # not content: no rebuild
    assert faq_index_get() is index

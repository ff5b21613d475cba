"""The knowledge base's admin: an FAQ entry's alternative questions are edited one per line (knowledge.forms),
like an intent's lists, and an edit re-embeds the entry."""
from __future__ import annotations

import re

import pytest

from knowledge.models import FaqCalibrationFit, FaqEntry
from tests.factories import AdminFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(client):
    client.force_login(AdminFactory())
    return client


def _form(entry: FaqEntry, **changes) -> dict:
    data = {
        "external_id": entry.external_id, "topic": entry.topic, "question": entry.question,
        "alt_questions": "\n".join(entry.alt_questions), "answer": entry.answer, "is_active": "on" if entry.is_active else "",
    }
    return {**data, **changes}


def _url(entry: FaqEntry) -> str:
    return f"/admin/knowledge/faqentry/{entry.pk}/change/"


def test_alternative_questions_are_shown_one_per_line(admin_client_, imported):
    entry = FaqEntry.objects.get(external_id="pay_ways")
    page = admin_client_.get(_url(entry)).content.decode()
    textarea = re.search(r'<textarea[^>]*name="alt_questions"[^>]*>(.*?)</textarea>', page, re.S).group(1)
    assert textarea.strip().splitlines() == ["Можно заплатить картой?", "Принимаете PayPal?"]
    assert "&quot;" not in textarea
    assert "Другие формулировки вопроса" in page and "по одной формулировке на строку" in page  # label and help, in Russian


def test_saving_lines_stores_a_list_and_re_embeds_the_entry(admin_client_, imported):
    entry = FaqEntry.objects.get(external_id="pay_ways")
    FaqEntry.objects.filter(pk=entry.pk).update(embedding={"stale": True})
    unchanged = admin_client_.post(_url(entry), _form(entry))
    assert unchanged.status_code == 302
    entry.refresh_from_db()
    assert entry.alt_questions == ["Можно заплатить картой?", "Принимаете PayPal?"] and entry.embedding == {"stale": True}

    old_hash = entry.content_hash
    edited = admin_client_.post(_url(entry), _form(entry, alt_questions="  Можно заплатить картой?\n\nОплата через СБП есть?\nМожно заплатить картой?\n"))
    assert edited.status_code == 302
    entry.refresh_from_db()
    assert entry.alt_questions == ["Можно заплатить картой?", "Оплата через СБП есть?"]
    assert entry.content_hash != old_hash and entry.embedding is None  # re-embedded on the next index build


def test_a_json_list_pasted_from_the_old_editor_is_read_as_that_list(admin_client_, imported):
    entry = FaqEntry.objects.get(external_id="money_back")
    response = admin_client_.post(_url(entry), _form(entry, alt_questions='["Условия возврата", "Верните деньги"]'))
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.alt_questions == ["Условия возврата", "Верните деньги"]


def test_an_over_long_line_is_refused_with_its_number(admin_client_, imported):
    entry = FaqEntry.objects.get(external_id="schedule")
    response = admin_client_.post(_url(entry), _form(entry, alt_questions="Какое расписание?\n" + "я" * 1001))
    assert response.status_code == 200 and "Строка 2 длиннее 1000 символов" in response.content.decode()
    entry.refresh_from_db()
    assert entry.alt_questions == ["Какое расписание занятий?"]


def test_a_new_entry_can_be_added_with_lines(admin_client_, db):
    response = admin_client_.post("/admin/knowledge/faqentry/add/", {
        "external_id": "certificates", "topic": "course", "question": "Выдаёте ли вы сертификат?",
        "alt_questions": "Будет ли сертификат?\nДокумент об окончании курса", "answer": "Да, после итогового теста.", "is_active": "on",
    })
    assert response.status_code == 302
    assert FaqEntry.objects.get(external_id="certificates").alt_questions == ["Будет ли сертификат?", "Документ об окончании курса"]


def test_the_school_profile_lists_aliases_and_domains_one_per_line(admin_client_):
    from knowledge.models import SchoolProfile

    profile = SchoolProfile.objects.create(name="Кодариум", site="kodarium.ru", aliases=["KODARIUM LLC"])
    url = f"/admin/knowledge/schoolprofile/{profile.pk}/change/"
    page = admin_client_.get(url).content.decode()
    assert re.search(r'<textarea[^>]*name="aliases"[^>]*>\s*KODARIUM LLC\s*</textarea>', page)
    answer = admin_client_.post(url, {"name": "Кодариум", "site": "kodarium.ru",
                                      "aliases": "KODARIUM LLC\n Kodarium \n\nKODARIUM LLC", "domains": "pay.kodarium.ru"})
    assert answer.status_code == 302
    profile.refresh_from_db()
    assert profile.aliases == ["KODARIUM LLC", "Kodarium"] and profile.domains == ["pay.kodarium.ru"]


def _stored_check() -> None:
    """The newest calibration's check: two of pay_ways' three phrasings find money_back; schedule has one phrasing."""
    FaqCalibrationFit.objects.update(health={
        "entries": [{"id": "pay_ways", "checked": 3, "found": 1, "instead": {"money_back": 2}},
                    {"id": "money_back", "checked": 2, "found": 2, "instead": {}}],
        "single_phrasing": ["schedule"]})


def test_the_change_page_shows_the_entrys_held_out_check(admin_client_, imported):
    _stored_check()
    confused = admin_client_.get(_url(FaqEntry.objects.get(external_id="pay_ways"))).content.decode()
    assert "эту запись находят 1 из 3" in confused and "Вместо неё находятся: money_back (2)" in confused
    assert "Добавьте формулировки вопроса словами студентов" in confused  # a one-way miss: more phrasings, no merge
    assert "объедините" not in confused
    clean = admin_client_.get(_url(FaqEntry.objects.get(external_id="money_back"))).content.decode()
    assert "эту запись находят 2 из 2" in clean and "Вместо неё" not in clean
    single = admin_client_.get(_url(FaqEntry.objects.get(external_id="schedule"))).content.decode()
    assert "Только одна формулировка" in single
    FaqCalibrationFit.objects.all().delete()
    never = admin_client_.get(_url(FaqEntry.objects.get(external_id="pay_ways"))).content.decode()
    assert "Ещё не проверено" in never


def test_the_entries_list_filters_the_entries_with_a_confusion(admin_client_, imported):
    _stored_check()
    listed = admin_client_.get("/admin/knowledge/faqentry/?held_out=confused").content.decode()
    assert "/admin/knowledge/faqentry/%d/change/" % FaqEntry.objects.get(external_id="pay_ways").pk in listed
    assert "/admin/knowledge/faqentry/%d/change/" % FaqEntry.objects.get(external_id="money_back").pk not in listed
    single = admin_client_.get("/admin/knowledge/faqentry/?held_out=single").content.decode()
    assert "/admin/knowledge/faqentry/%d/change/" % FaqEntry.objects.get(external_id="schedule").pk in single
    assert "чаще находится другая запись" in listed  # the filter's choices, in Russian


def test_the_change_page_advises_a_merge_only_for_entries_that_find_each_other(admin_client_, imported):
    FaqCalibrationFit.objects.update(health={
        "entries": [{"id": "pay_ways", "checked": 3, "found": 2, "instead": {"money_back": 1}},
                    {"id": "money_back", "checked": 2, "found": 1, "instead": {"pay_ways": 1}}],
        "single_phrasing": []})
    page = admin_client_.get(_url(FaqEntry.objects.get(external_id="money_back"))).content.decode()
    assert "Она и pay_ways находят друг друга" in page and "объедините записи" in page

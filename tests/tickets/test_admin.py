import re
from html.parser import HTMLParser

import pytest

from tests.factories import AdminFactory, ClassifiedTicketFactory, PredictionFactory
from tickets.models import Intent

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(client):
    client.force_login(AdminFactory())
    return client


@pytest.mark.parametrize("model", ["queue", "intent", "ticket", "prediction", "ticketevent", "override", "operatorprofile"])
def test_changelists_render(admin_client_, model):
    ClassifiedTicketFactory()
    PredictionFactory()
    assert admin_client_.get(f"/admin/tickets/{model}/").status_code == 200


def test_ticket_change_page_renders_with_inlines(admin_client_):
    ticket = ClassifiedTicketFactory()
    PredictionFactory(ticket=ticket)
    response = admin_client_.get(f"/admin/tickets/ticket/{ticket.pk}/change/")
    assert response.status_code == 200 and "payment-problem" in response.content.decode()


def test_prediction_change_page_shows_the_packed_scores_and_timings(admin_client_):
    prediction = PredictionFactory(scores={"payment-problem": 0.875}, timings={"total_task": 1.5})
    page = admin_client_.get(f"/admin/tickets/prediction/{prediction.pk}/change/").content.decode()
    assert "payment-problem" in page and "0.875" in page and "total_task" in page and "1.5" in page


def test_admin_adds_intent_without_code(admin_client_):
    from tickets.models import Queue

    response = admin_client_.post(
        "/admin/tickets/intent/add/",
        {
            "name": "certificate-problem", "title": "Сертификат", "queue": Queue.objects.get(slug="course").pk,
            "descriptions": '["certificate not issued"]', "prompts": '["a course certificate"]',
            "examples": "[]", "keywords": '["сертификат"]', "in_scope": "on", "is_active": "on",
        },
    )
    assert response.status_code == 302
    from tickets.classification import build_label_set

    assert "certificate-problem" in build_label_set().names
    assert Intent.objects.get(name="certificate-problem").descriptions == ["certificate not issued"]


def test_override_admin_lists_only_corrections(admin_client_):
    from tickets import services

    ticket = ClassifiedTicketFactory()
    services.ticket_set_status(ticket=ticket, status="open", actor=None)
    services.label_override(ticket=ticket, label="course-problem", actor=None, reason="про урок")
    body = admin_client_.get("/admin/tickets/override/").content.decode()
    assert "про урок" in body and body.count('class="field-new_value"') == 1


def test_reclassify_action_runs_the_classifier_again(admin_client_, django_capture_on_commit_callbacks):
    from tests.factories import TicketFactory
    from tickets.models import Ticket

    ticket = TicketFactory(description="оплата", classification_state="done")  # done, yet still in triage
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_.post("/admin/tickets/ticket/", {"action": "reclassify", "_selected_action": [ticket.pk]})
    assert response.status_code == 302
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert ticket.classification_state == "done" and ticket.queue.slug == "payment"
    assert ticket.predictions.count() == 1


# --- Issue 8: the admin speaks Russian: every column, filter, action and field label ------------------------

# Words that read the same in both languages.
NOT_WORDS = {"ID", "id", "#", "FAQ", "FAQ-", "URL", "E-mail", "e-mail", "sha256", "SHA256"}


class _Labels(HTMLParser):
    """Column headers, filter titles, action names and form labels of an admin page."""

    def __init__(self):
        super().__init__()
        self.texts: list[str] = []
        self._stack: list[str | None] = []
        self._in_action_select = False
        self._in_thead = False  # a changelist row's first cell is a <th> too: data, not a label

    def _watched(self, tag) -> bool:
        return (tag == "th" and self._in_thead) or tag in ("label", "h3") or (tag == "option" and self._in_action_select)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "select" and attrs.get("name") == "action":
            self._in_action_select = True
        self._in_thead = self._in_thead or tag == "thead"
        if self._watched(tag):
            self._stack.append("")

    def handle_endtag(self, tag):
        if tag == "select":
            self._in_action_select = False
        if tag == "thead":
            self._in_thead = False
        if self._stack and self._watched(tag):
            text = " ".join(self._stack.pop().split()).strip(" :")
            if text:
                self.texts.append(text)

    def handle_data(self, data):
        if self._stack:
            self._stack[-1] += data


def _english_labels(html: str) -> list[str]:
    parser = _Labels()
    parser.feed(html)
    return sorted({
        text for text in parser.texts
        if text not in NOT_WORDS and not re.search("[а-яё]", text, re.I) and re.search("[a-z]{3}", text, re.I)
    })


def test_every_admin_page_speaks_russian(admin_client_, faq, django_capture_on_commit_callbacks):
    """Issue 8 found "UPDATED AT", "CREATED BY", "Label examples", "Stop using the selected examples" in the
    Russian admin. Every changelist and change form of the desk's models: no English label left."""
    from django.contrib import admin
    from django.core.files.base import ContentFile

    from tests.factories import operator
    from tickets import services
    from tickets.models import Attachment

    with django_capture_on_commit_callbacks(execute=True):
        ticket = services.ticket_create(name="Анна", email="anna@example.org", description="Забыл пароль от личного кабинета, как восстановить?")
    services.label_override(ticket=ticket, label="course-problem", actor=None, reason="про урок")
    attachment = Attachment(ticket=ticket, content_type="image/png", width=1, height=1, sha256="ab" * 32)
    attachment.file.save("x.png", ContentFile(b"x"), save=True)
    operator("olga")
    found = {}
    for model in admin.site._registry:
        if model._meta.app_label not in ("tickets", "knowledge"):
            continue
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        urls = [base]
        obj = model._default_manager.first()
        if obj is not None:
            urls.append(f"{base}{obj.pk}/change/")
        for url in urls:
            response = admin_client_.get(url)
            assert response.status_code == 200, url
            english = _english_labels(response.content.decode())
            if english:
                found[url] = english
    assert not found, "\n".join(f"{url}: {labels}" for url, labels in found.items())


def _intent_form(intent, **changes):
    data = {
        "name": intent.name, "title": intent.title, "queue": intent.queue_id, "descriptions": "\n".join(intent.descriptions),
        "prompts": "\n".join(intent.prompts), "examples": "\n".join(intent.examples), "keywords": "\n".join(intent.keywords),
        "in_scope": "on" if intent.in_scope else "", "is_active": "on" if intent.is_active else "",
    }
    return {**data, **changes}


def test_intent_lists_are_edited_one_item_per_line(admin_client_):
    """Issue 8: the intent's lists were raw JSON in text areas."""
    intent = Intent.objects.get(name="payment-problem")
    url = f"/admin/tickets/intent/{intent.pk}/change/"
    page = admin_client_.get(url).content.decode()
    textarea = re.search(r'<textarea[^>]*name="keywords"[^>]*>(.*?)</textarea>', page, re.S).group(1)
    assert not textarea.strip().startswith("[") and "&quot;" not in textarea
    assert textarea.strip().splitlines()[0] == intent.keywords[0]
    keywords = list(intent.keywords)  # some are regular expressions: saving the form unchanged keeps them exactly
    assert admin_client_.post(url, _intent_form(intent)).status_code == 302
    intent.refresh_from_db()
    assert intent.keywords == keywords

    response = admin_client_.post(url, _intent_form(intent, examples="Деньги списали дважды\n\n  Чек не пришёл  \nДеньги списали дважды\n"))
    assert response.status_code == 302
    intent.refresh_from_db()
    assert intent.examples == ["Деньги списали дважды", "Чек не пришёл"]


def test_intent_lists_are_validated(admin_client_):
    intent = Intent.objects.get(name="payment-problem")
    url = f"/admin/tickets/intent/{intent.pk}/change/"
    too_long = admin_client_.post(url, _intent_form(intent, keywords="оплат\n" + "x" * 101))
    assert too_long.status_code == 200 and "Строка 2 длиннее 100 символов" in too_long.content.decode()
    empty = admin_client_.post(url, _intent_form(intent, descriptions="", prompts="\n", examples=""))
    assert empty.status_code == 200 and "хотя бы одно описание" in empty.content.decode()
    intent.refresh_from_db()
    assert intent.descriptions and len(intent.keywords) > 1

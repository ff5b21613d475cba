"""Canned answers: personal and shared, placeholders filled in for the ticket (never str.format), unknown ones refused;
only the owner (or a desk admin for shared ones) changes them; the ticket page offers them for the reply box."""
from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tests.factories import AdminFactory, ClassifiedTicketFactory, operator
from tickets import macros, selectors, services
from tickets.models import Macro

pytestmark = pytest.mark.django_db


def test_placeholders_are_filled_for_the_ticket_and_nothing_else():
    olga = operator("olga", queues=["payment"])
    ticket = ClassifiedTicketFactory(name="Пётр Волков")
    services.macro_save(actor=olga, title="Привет", body="Здравствуйте, {student_name}! Заявка №{ticket_number}. {operator_name}")
    [rendered] = selectors.macros_rendered(olga, ticket)
    assert rendered.text == f"Здравствуйте, Пётр Волков! Заявка №{ticket.pk}. olga"
    assert macros.render("{student_name.__class__} {nope}", {"student_name": "x"}) == "{student_name.__class__} {nope}"
    with pytest.raises(ValidationError, match="student_nmae"):
        services.macro_save(actor=olga, title="typo", body="Hi {student_nmae}")
    with pytest.raises(ValidationError):
        services.macro_save(actor=olga, title=" ", body="text")


def test_personal_answers_are_their_owners_and_shared_ones_everyones():
    olga, ivan, admin = operator("olga", queues=["payment"]), operator("ivan", queues=["course"]), AdminFactory()
    personal = services.macro_save(actor=olga, title="Мой ответ", body="личное")
    shared = services.macro_save(actor=olga, title="Общий ответ", body="для всех", is_shared=True)
    assert list(selectors.macros_for(ivan)) == [shared] and set(selectors.macros_for(olga)) == {personal, shared}
    with pytest.raises(selectors.MacroNotFound):
        selectors.macro_get(ivan, personal.pk)
    for who, macro in ((ivan, shared), (admin, personal)):
        with pytest.raises(PermissionDenied):
            services.macro_save(actor=who, macro=macro, title="x", body="y")
    services.macro_save(actor=admin, macro=shared, title="Общий", body="исправлено", is_shared=True)
    services.macro_delete(actor=olga, macro=personal)
    assert list(Macro.objects.values_list("title", flat=True)) == ["Общий"]


def test_manage_page_and_the_ticket_page(client):
    olga, ivan = operator("olga", queues=["payment"]), operator("ivan", queues=["payment"])
    ticket = ClassifiedTicketFactory(name="Анна")
    client.force_login(olga)
    response = client.post(reverse("operator:macros"), {"title": "Оплата", "body": "{student_name}, деньги вернутся за 3 дня", "is_shared": "on"})
    assert response.status_code == 302
    macro = Macro.objects.get()
    assert (macro.owner, macro.is_shared) == (olga, True)
    response = client.post(reverse("operator:macros"), {"title": "Плохой", "body": "{nope}"})
    assert response.status_code == 400 and "{nope}" in response.content.decode() and Macro.objects.count() == 1
    page = client.get(reverse("operator:ticket", kwargs={"ticket_id": ticket.pk})).content.decode()
    assert 'data-macro-insert' in page and 'data-macro-text="Анна, деньги вернутся за 3 дня"' in page
    # A colleague uses the shared answer but cannot change or delete it.
    client.force_login(ivan)
    assert client.get(reverse("operator:macro_edit", kwargs={"macro_id": macro.pk})).status_code == 403
    assert client.post(reverse("operator:macro_delete", kwargs={"macro_id": macro.pk})).status_code == 403
    client.force_login(olga)
    response = client.post(reverse("operator:macro_edit", kwargs={"macro_id": macro.pk}), {"title": "Оплата", "body": "Новый текст"})
    assert response.status_code == 302 and Macro.objects.get().body == "Новый текст" and not Macro.objects.get().is_shared
    assert client.post(reverse("operator:macro_delete", kwargs={"macro_id": macro.pk})).status_code == 302
    assert not Macro.objects.exists()

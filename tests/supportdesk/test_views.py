"""supportdesk.views.csrf_failure: a refused form gets the desk's page, translated, without inline styles
(Django's own page has a <style> block the Content-Security-Policy blocks), and a fresh token to retry with."""
from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.factories import operator

pytestmark = pytest.mark.django_db

FORM = {"name": "Анна", "email": "anna@example.org", "description": "Не проходит оплата"}


def _refused(client: Client, **extra):
    response = client.post(reverse("student:ticket_new"), FORM, **extra)
    assert response.status_code == 403
    return response


def test_a_form_without_its_token_gets_the_desks_page_in_russian():
    response = _refused(Client(enforce_csrf_checks=True))
    assert [t.name for t in response.templates][0] == "403_csrf.html"
    body = response.content.decode()
    assert "Форму не удалось отправить" in body and "обновите страницу и отправьте форму ещё раз" in body
    assert 'class="top"' in body  # the desk's layout: a way on from here
    assert "<style" not in body and not re.search(r"\sstyle=", body)
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]


def test_it_speaks_english_when_the_visitor_chose_english():
    client = Client(enforce_csrf_checks=True)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = _refused(client).content.decode()
    assert "The form could not be sent" in body and "reload the page and send the form again" in body


def test_back_leads_to_the_form_page_and_the_retry_goes_through():
    client = Client(enforce_csrf_checks=True)
    form_url = "http://testserver" + reverse("student:ticket_new")
    response = _refused(client, HTTP_REFERER=form_url)
    assert f'href="{form_url}"' in response.content.decode()
    # The page handed out a token (a fresh cookie): the reloaded form is accepted.
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    retry = client.post(reverse("student:ticket_new"), {**FORM, "csrfmiddlewaretoken": token})
    assert retry.status_code == 302


def test_another_sites_referer_is_not_a_link_back():
    response = _refused(Client(enforce_csrf_checks=True), HTTP_REFERER="https://evil.example/x")
    body = response.content.decode()
    assert "evil.example" not in body and f'href="{reverse("student:ticket_new")}"' in body


def test_an_operator_is_sent_back_to_the_queues():
    client = Client(enforce_csrf_checks=True)
    client.force_login(operator("csrf-page"))
    response = client.post(reverse("operator:logout"))
    assert response.status_code == 403 and f'href="{reverse("operator:dashboard")}"' in response.content.decode()

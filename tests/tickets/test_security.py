"""Security settings of the desk: tokens, CSRF, rate limits, login throttling, headers/CSP, check --deploy, offline API docs."""
from __future__ import annotations

import base64
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from tests.factories import AdminFactory, ClassifiedTicketFactory, TicketFactory, operator, upload
from tickets import selectors
from tickets.models import Ticket, new_public_token, public_token_digest

BASE_DIR = Path(django_settings.BASE_DIR)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


# --- Tokens -------------------------------------------------------------------------------------


def test_tokens_carry_32_bytes_of_secrets_randomness(monkeypatch, db):
    calls = []
    real = secrets.token_urlsafe
    monkeypatch.setattr(secrets, "token_urlsafe", lambda n=None: calls.append(n) or real(n))
    token = new_public_token()
    assert calls == [32]
    assert len(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))) == 32
    tokens = {TicketFactory().public_token for _ in range(20)}
    assert len(tokens) == 20 and all(len(t) >= 43 for t in tokens)


def test_lookup_is_by_digest_and_compared_in_constant_time(monkeypatch, db, django_assert_num_queries):
    ticket = TicketFactory()
    assert ticket.public_token_digest == public_token_digest(ticket.public_token) != ticket.public_token
    compared = []
    real = secrets.compare_digest
    monkeypatch.setattr(secrets, "compare_digest", lambda a, b: compared.append((a, b)) or real(a, b))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert selectors.ticket_for_student(ticket.public_token) == ticket
    # The raw token never reaches the database; the digest does.
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert ticket.public_token not in sql and ticket.public_token_digest in sql.lower()  # a bytes parameter: X'…' on SQLite
    assert compared == [(ticket.public_token_digest, ticket.public_token_digest)]


def test_token_digest_follows_the_token_and_survives_partial_saves(db):
    ticket = TicketFactory()
    ticket.status = Ticket.Status.OPEN
    ticket.save(update_fields=["status"])
    ticket.refresh_from_db()
    assert ticket.public_token_digest == public_token_digest(ticket.public_token)


def test_wrong_tokens_are_404_everywhere(client, db):
    ticket = TicketFactory()
    for token in (ticket.public_token[:-1], ticket.public_token + "A", ticket.public_token.swapcase(), "A" * 65, ticket.public_token_digest):
        assert client.get(reverse("student:ticket_status", args=[token])).status_code == 404
        assert client.get(reverse("api:public-ticket", args=[token])).status_code == 404


# --- CSRF ---------------------------------------------------------------------------------------


def _csrf_client(user=None) -> Client:
    client = Client(enforce_csrf_checks=True)
    if user is not None:
        client.force_login(user)
    return client


def _token_from(client, url) -> str:
    client.get(url)
    return client.cookies["csrftoken"].value


@pytest.fixture
def csrf_world(db):
    ticket = ClassifiedTicketFactory(description="x")
    return {"ticket": ticket, "operator": operator("csrf-op", queues=["payment"]), "admin": AdminFactory(username="csrf-admin")}


def _html_forms(world):
    """(who, page with the form, action, valid data) for every HTML form of the project."""
    ticket = world["ticket"]
    op_page = reverse("operator:ticket", args=[ticket.pk])
    status_page = reverse("student:ticket_status", args=[ticket.public_token])
    return [
        (None, reverse("student:ticket_new"), reverse("student:ticket_new"), {"name": "N", "email": "n@example.org", "description": "d"}),
        (None, status_page, status_page, {"body": "more"}),
        (None, status_page, reverse("student:ticket_feedback", args=[ticket.public_token]), {"solved": "1"}),
        (None, reverse("student:ticket_new"), reverse("set_language"), {"language": "en", "next": "/"}),
        (None, reverse("operator:login"), reverse("operator:login"), {"username": "csrf-op", "password": "pass12345!"}),
        (None, reverse("admin:login"), reverse("admin:login"), {"username": "csrf-admin", "password": "pass12345!"}),
        ("operator", op_page, reverse("operator:ticket_take", args=[ticket.pk]), {}),
        ("operator", op_page, reverse("operator:ticket_reply", args=[ticket.pk]), {"body": "hi"}),
        ("operator", op_page, reverse("operator:ticket_status", args=[ticket.pk]), {"status": "open"}),
        ("operator", op_page, reverse("operator:ticket_override", args=[ticket.pk]), {"label": "payment-problem"}),
        ("operator", op_page, reverse("operator:logout"), {}),
        ("admin", reverse("admin:tickets_queue_add"), reverse("admin:tickets_queue_add"), {"slug": "csrf", "name": "Csrf", "position": 1}),
    ]


def test_every_html_form_needs_the_csrf_token(csrf_world):
    for who, page, action, data in _html_forms(csrf_world):
        client = _csrf_client(csrf_world[who] if who else None)
        assert client.post(action, data).status_code == 403, f"{action} accepted a POST without CSRF token"


def test_every_html_form_works_with_the_csrf_token(csrf_world):
    for who, page, action, data in _html_forms(csrf_world):
        client = _csrf_client(csrf_world[who] if who else None)
        token = _token_from(client, page)
        response = client.post(action, {**data, "csrfmiddlewaretoken": token})
        assert response.status_code in (200, 302), f"{action} → {response.status_code}"


def test_public_api_posts_are_csrf_exempt_because_they_use_no_session(csrf_world):
    client = _csrf_client(csrf_world["operator"])  # even with a session cookie present, it is not used
    response = client.post(reverse("api:tickets"), {"name": "N", "email": "n@example.org", "description": "d"})
    assert response.status_code == 201
    token = csrf_world["ticket"].public_token
    assert client.post(reverse("api:public-ticket", args=[token]), {"body": "more"}).status_code == 201


def test_operator_api_with_a_session_needs_csrf_but_token_auth_does_not(csrf_world):
    from rest_framework.authtoken.models import Token

    ticket = csrf_world["ticket"]
    url = reverse("api:ticket-take", args=[ticket.pk])
    assert _csrf_client(csrf_world["operator"]).post(url).status_code == 403
    key = Token.objects.create(user=csrf_world["operator"]).key
    assert _csrf_client().post(url, HTTP_AUTHORIZATION=f"Token {key}").status_code == 200


# --- Rate limits --------------------------------------------------------------------------------

TICKET = {"name": "Аня", "email": "anya@example.org", "description": "Не проходит оплата, текст студента"}


def test_ticket_form_is_rate_limited_per_ip_with_a_friendly_error(client, db, settings):
    settings.SUPPORTDESK_RATE_LIMITS = {**settings.SUPPORTDESK_RATE_LIMITS, "ticket_create": "2/hour"}
    url = reverse("student:ticket_new")
    assert [client.post(url, TICKET).status_code for _ in range(2)] == [302, 302]
    response = client.post(url, {**TICKET, "screenshots": [upload()]})
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    body = response.content.decode()
    assert "Too many requests" in body or "Слишком много" in body
    assert "Не проходит оплата, текст студента" in body  # the student's text is kept
    assert Ticket.objects.count() == 2
    # Another address still gets through; the API shares the budget of the address.
    assert client.post(url, TICKET, REMOTE_ADDR="10.0.0.9").status_code == 302
    assert client.post(reverse("api:tickets"), TICKET).status_code == 429


def test_api_ticket_creation_is_rate_limited_with_429_json(api_client, db, settings):
    settings.SUPPORTDESK_RATE_LIMITS = {**settings.SUPPORTDESK_RATE_LIMITS, "ticket_create": "1/minute"}
    url = reverse("api:tickets")
    assert api_client.post(url, TICKET, format="multipart").status_code == 201
    response = api_client.post(url, TICKET, format="multipart")
    assert response.status_code == 429
    assert response["Content-Type"].startswith("application/json") and "detail" in response.json()
    assert 0 < int(response["Retry-After"]) <= 60


def test_status_page_replies_are_limited_per_token_and_ip(client, api_client, db, settings):
    settings.SUPPORTDESK_RATE_LIMITS = {**settings.SUPPORTDESK_RATE_LIMITS, "student_reply": "2/hour"}
    mine, other = ClassifiedTicketFactory(), ClassifiedTicketFactory()
    url = reverse("student:ticket_status", args=[mine.public_token])
    assert [client.post(url, {"body": f"m{i}"}).status_code for i in range(2)] == [302, 302]
    limited = client.post(url, {"body": "третье сообщение"})
    assert limited.status_code == 429 and "третье сообщение" in limited.content.decode()
    assert mine.messages.count() == 2
    # The API shares the token+IP budget; another ticket or another address is not affected.
    assert api_client.post(reverse("api:public-ticket", args=[mine.public_token]), {"body": "x"}).status_code == 429
    assert client.post(reverse("student:ticket_status", args=[other.public_token]), {"body": "x"}).status_code == 302
    assert client.post(url, {"body": "x"}, REMOTE_ADDR="10.0.0.8").status_code == 302


def test_rate_limiter_fails_open_when_the_cache_is_down(client, db, settings, monkeypatch):
    settings.SUPPORTDESK_RATE_LIMITS = {**settings.SUPPORTDESK_RATE_LIMITS, "ticket_create": "1/hour"}
    from tickets import ratelimit

    def down(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(ratelimit.cache, "add", down)
    url = reverse("student:ticket_new")
    assert [client.post(url, TICKET).status_code for _ in range(3)] == [302, 302, 302]


def test_rate_settings_come_from_the_environment():
    code = (
        "import os; os.environ['SUPPORTDESK_SUBMIT_RATE']='3/minute'; os.environ['SUPPORTDESK_REPLY_RATE']='4/hour';"
        "import supportdesk.settings.base as b; print(b.SUPPORTDESK_RATE_LIMITS)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=BASE_DIR, capture_output=True, text=True, timeout=60)
    assert "'ticket_create': '3/minute'" in out.stdout and "'student_reply': '4/hour'" in out.stdout, out.stderr


# --- Login throttling ---------------------------------------------------------------------------


@pytest.mark.parametrize("login_url", ["operator:login", "admin:login"])
def test_login_is_locked_after_repeated_failures(client, db, settings, login_url):
    settings.AXES_FAILURE_LIMIT = 3
    user = AdminFactory(username="victim")
    url = reverse(login_url)
    for _ in range(3):
        response = client.post(url, {"username": "victim", "password": "wrong"})
        assert response.status_code in (200, 429)
    # Locked now: even the right password is refused with 429, and no session is opened.
    response = client.post(url, {"username": "victim", "password": "pass12345!"})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    # Another address may still log in (lockout is per username + IP, so a guesser cannot lock operators out).
    other = Client(REMOTE_ADDR="10.1.2.3")
    assert other.post(url, {"username": "victim", "password": "pass12345!"}).status_code == 302
    assert other.session["_auth_user_id"] == str(user.pk)


# --- Headers and CSP ----------------------------------------------------------------------------


def _assert_security_headers(response, referrer="same-origin"):
    csp = response["Content-Security-Policy"]
    directives = dict((part.strip().split(" ", 1) + [""])[:2] for part in csp.split(";") if part.strip())
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == referrer
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_security_headers_on_a_student_page(client, db):
    _assert_security_headers(client.get(reverse("student:ticket_new")))
    ticket = TicketFactory()
    # The status link is the secret: no Referer to other sites (same-origin; see the next test for why not no-referrer).
    _assert_security_headers(client.get(reverse("student:ticket_status", args=[ticket.public_token])))


def test_no_page_makes_chromium_send_origin_null(client, db):
    """Under "no-referrer" (header or <meta>) Chromium posts the page's own forms with ``Origin: null`` and
    Django's CSRF check answers 403 (issue 8: the status page's reply, feedback and language switch).
    Every page with a form keeps a referrer policy that sends the origin to the desk itself."""
    ticket = TicketFactory(auto_answer_state=Ticket.AutoAnswerState.PENDING_FEEDBACK)
    pages = [reverse("student:ticket_new"), reverse("student:ticket_status", args=[ticket.public_token]), reverse("operator:login")]
    responses = [client.get(url) for url in pages]
    responses.append(client.post(reverse("student:ticket_feedback", args=[ticket.public_token]), {"solved": "9"}))
    client.force_login(operator("forms"))
    responses += [client.get(url) for url in (reverse("operator:dashboard"), reverse("operator:ticket", args=[ticket.pk]))]
    for response in responses:
        assert response["Referrer-Policy"] in ("same-origin", "strict-origin-when-cross-origin", "strict-origin"), response.request
        assert not re.search(r"<meta[^>]+name=.?referrer[^>]+no-referrer", response.content.decode()), response.request


def test_security_headers_on_an_operator_page(client, db):
    client.force_login(operator("hdr", queues=["payment"]))
    _assert_security_headers(client.get(reverse("operator:dashboard")))
    _assert_security_headers(client.get(reverse("operator:login")))


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*\bnonce=)[^>]*>", re.I)
INLINE_STYLE = re.compile(r"<style(?![^>]*\bnonce=)[^>]*>|\sstyle\s*=", re.I)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)


def test_pages_have_no_inline_script_or_style(client, db):
    """What the CSP would block: inline <script>/<style>, style="" and on*="" attributes."""
    admin = AdminFactory(username="csp-admin")
    pending = TicketFactory()
    done = ClassifiedTicketFactory()
    from tests.factories import PredictionFactory

    PredictionFactory(ticket=done)
    feedback = ClassifiedTicketFactory(auto_answer_state=Ticket.AutoAnswerState.PENDING_FEEDBACK)
    pages = [
        reverse("student:ticket_status", args=[feedback.public_token]),
        reverse("student:ticket_new"),
        reverse("student:ticket_status", args=[pending.public_token]),
        reverse("student:ticket_status", args=[done.public_token]),
        reverse("operator:login"),
    ]
    operator_pages = [
        reverse("operator:dashboard"),
        reverse("operator:queue", args=["payment"]),
        reverse("operator:ticket", args=[pending.pk]),
        reverse("operator:ticket", args=[done.pk]),
        reverse("operator:quality"),
        reverse("api-docs"),
    ]
    for url in pages:
        body = client.get(url).content.decode()
        for pattern in (INLINE_SCRIPT, INLINE_STYLE, INLINE_HANDLER):
            assert not pattern.search(body), f"{url}: {pattern.search(body).group(0)}"
    client.force_login(admin)
    for url in operator_pages:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        for pattern in (INLINE_SCRIPT, INLINE_STYLE, INLINE_HANDLER):
            assert not pattern.search(body), f"{url}: {pattern.search(body).group(0)}"


def test_polling_moved_to_a_static_script(client, db):
    ticket = TicketFactory()
    body = client.get(reverse("student:ticket_status", args=[ticket.public_token])).content.decode()
    assert f'data-poll-url="{reverse("student:ticket_status_json", args=[ticket.public_token])}"' in body
    assert finders.find("tickets/desk.js") and finders.find("tickets/desk.css")


def test_nonced_inline_block_gets_the_nonce_in_the_header(client, db):
    response = client.get(reverse("api-docs"))
    nonce = re.search(r'<style nonce="([^"]+)"', response.content.decode()).group(1)
    assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]


def test_screenshots_are_not_served_from_media_url(client, db, settings):
    from tickets import services
    from tickets.uploads import clean_screenshots

    ticket = services.ticket_create(name="a", email="a@example.org", description="x", screenshots=clean_screenshots([upload()]))
    attachment = ticket.attachments.get()
    assert client.get(settings.MEDIA_URL + attachment.file.name).status_code == 404
    assert client.get("/media/" + attachment.file.name).status_code == 404


# --- manage.py check --deploy -------------------------------------------------------------------


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "supportdesk.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "desk.example.org",
        "DJANGO_CSRF_TRUSTED_ORIGINS": "https://desk.example.org",
        "SUPPORTDESK_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    for name in ("DJANGO_DEBUG", "DJANGO_SECURE_SSL_REDIRECT", "DJANGO_HSTS_SECONDS", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        env.pop(name, None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=240,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


# --- Offline API docs ---------------------------------------------------------------------------


def test_api_docs_load_swagger_ui_from_our_own_static_files(client, db):
    response = client.get(reverse("api-docs"))
    assert response.status_code == 200
    body = response.content.decode()
    urls = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', body)
    assert any("swagger-ui-bundle" in url for url in urls)
    for url in urls:
        assert url.startswith("/"), f"not local: {url}"
        assert not url.startswith("//"), f"protocol-relative: {url}"
    static = [url for url in urls if url.startswith(django_settings.STATIC_URL if django_settings.STATIC_URL.startswith("/") else "/" + django_settings.STATIC_URL)]
    prefix = "/" + django_settings.STATIC_URL.lstrip("/")
    for url in static:
        assert finders.find(url[len(prefix):]), f"missing static file {url}"
    # The init script is a separate same-origin request (no inline script).
    script_url = next(url for url in urls if "script" in url.split("?")[-1])
    script = client.get(script_url)
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()


def test_api_rate_limit_answer_speaks_one_language(api_client, db, settings):
    """Issue 8: "Запрос был проигнорирован. Expected available in 2380 seconds." (DRF formats its tail
    before translating it). The whole answer is in the request's language; the wait is in Retry-After."""
    settings.SUPPORTDESK_RATE_LIMITS = {**settings.SUPPORTDESK_RATE_LIMITS, "ticket_create": "1/hour"}
    url = reverse("api:tickets")
    assert api_client.post(url, TICKET, format="multipart").status_code == 201
    russian = api_client.post(url, TICKET, format="multipart")
    assert russian.status_code == 429 and int(russian["Retry-After"]) > 0
    assert russian.json()["detail"].startswith("Слишком много запросов") and not re.search("[A-Za-z]", russian.json()["detail"])
    api_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = api_client.post(url, TICKET, format="multipart")
    assert english.json()["detail"].startswith("Too many requests") and not re.search("[А-Яа-я]", english.json()["detail"])

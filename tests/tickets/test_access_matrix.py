"""Who may see what, for EVERY URL of the project.

``test_every_url_pattern_has_an_access_rule`` walks the URL resolver: a new view without a row in
CASES (or outside the generic admin rule) fails it. Each case is then requested as:

- ``anon``           nobody logged in, and a random (wrong) token where a URL takes one;
- ``student_other``  a student holding ANOTHER ticket's token (ticket B), aiming at ticket A's files;
- ``student``        the student holding ticket A's token (only meaningful for token URLs);
- ``op_other``       an operator limited to the "course" queue (ticket A is in "payment");
- ``op_allowed``     an operator limited to the "payment" queue;
- ``admin``          a superuser;
- ``stranger``       a logged-in account that is neither operator nor admin (no operator profile).

Expectations are HTTP statuses; some add a check on the body (e.g. a list must not show ticket A).
"""
from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass, field
from typing import Callable

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.factories import AdminFactory, UserFactory, operator, queue, upload
from tickets import services
from tickets.models import Ticket
from tickets.uploads import clean_screenshots

ROLES = ("anon", "student_other", "student", "op_other", "op_allowed", "admin", "stranger")
OPERATOR_ROLES = ("op_other", "op_allowed", "admin")
NO_SESSION_ROLES = ("anon", "student_other", "student")

A_SECRET_TEXT = "ticket-A-secret-words"
B_SECRET_TEXT = "ticket-B-private-words"


# --- The world every case runs in ---------------------------------------------------------------


@dataclass
class World:
    a: Ticket
    b: Ticket
    a_attachment_id: int
    b_attachment_id: int
    users: dict = field(default_factory=dict)
    macro: object = None  # a canned answer, made by the cases that need one (_macro_of_op_allowed)

    def token_for(self, role: str) -> str:
        """The token a role would put into a student URL."""
        if role == "student":
            return self.a.public_token
        if role == "student_other":
            return self.b.public_token
        return secrets.token_urlsafe(32)  # everyone else can only guess

    def client_for(self, role: str) -> Client:
        client = Client()
        if role in self.users:
            client.force_login(self.users[role])
        return client


def _ticket_with_screenshot(description: str, queue_slug: str) -> Ticket:
    ticket = services.ticket_create(name="Student", email="s@example.org", description=description, screenshots=clean_screenshots([upload()]))
    Ticket.objects.filter(pk=ticket.pk).update(
        queue=queue(queue_slug), classification_state=Ticket.ClassificationState.DONE, label=f"{queue_slug}-problem"
    )
    return Ticket.objects.get(pk=ticket.pk)


@pytest.fixture
def world(db):
    a = _ticket_with_screenshot(A_SECRET_TEXT, "payment")
    b = _ticket_with_screenshot(B_SECRET_TEXT, "course")
    # Both wait for feedback on an automatic FAQ answer, so the feedback endpoints have something to act on.
    Ticket.objects.filter(pk__in=[a.pk, b.pk]).update(auto_answer_state=Ticket.AutoAnswerState.PENDING_FEEDBACK)
    a.refresh_from_db()
    b.refresh_from_db()
    return World(
        a=a,
        b=b,
        a_attachment_id=a.attachments.get().pk,
        b_attachment_id=b.attachments.get().pk,
        users={
            "op_other": operator("op-course", queues=["course"]),
            "op_allowed": operator("op-payment", queues=["payment"]),
            "admin": AdminFactory(username="root"),
            "stranger": UserFactory(username="stranger"),
        },
    )


# --- Cases --------------------------------------------------------------------------------------


@dataclass
class Case:
    """One request: built per role; ``expect`` maps role → status; ``check(world, role, response)`` optional."""

    url: Callable[[World, str], str]
    expect: dict
    method: str = "get"
    data: dict | Callable[[World], dict] | None = None  # a callable: data that names the world's tickets
    json: bool = False
    check: Callable | None = None
    setup: Callable | None = None  # setup(world) before the request: a state the URL needs (e.g. a rateable ticket)


def _login_redirect(response, role) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("operator:login"))


def _not_in_body(*texts):
    def check(world, role, response):
        body = response.content.decode(errors="replace")
        for text in texts:
            value = text(world) if callable(text) else text
            assert value not in body, f"{role} sees {value!r}"

    return check


def _search_finds_a_where_allowed(world, role, response):
    body = response.content.decode()
    if role == "op_other":
        assert f'data-ticket="{world.a.pk}"' not in body
    elif role in ("op_allowed", "admin"):
        assert f'data-ticket="{world.a.pk}"' in body


def _a_hidden_from_other_operator(world, role, response):
    body = response.content.decode()
    if role == "op_other":
        assert A_SECRET_TEXT not in body and f'"id":{world.a.pk},' not in body.replace(" ", "")
    elif role in ("op_allowed", "admin"):
        assert f'"id":{world.a.pk},' in body.replace(" ", "")


def _dashboard_queues(world, role, response):
    body = response.content.decode()
    if role == "op_other":
        assert 'data-queue="payment"' not in body and 'data-queue="course"' in body
    elif role in ("op_allowed", "admin"):
        assert 'data-queue="payment"' in body


def _api_queues(world, role, response):
    slugs = {row["slug"] for row in response.json()}
    if role == "op_other":
        assert slugs == {"course"}
    elif role == "op_allowed":
        assert slugs == {"payment"}
    elif role == "admin":
        assert {"payment", "course", "triage", "profile"} <= slugs


def _report_queues(world, role, response):
    """The reports (page, CSV, API) hold the figures of the queues the role sees, and of no other."""
    if response["Content-Type"].startswith("application/json"):
        slugs = {row["queue"] for row in response.json()["per_queue"]}
    elif response["Content-Type"].startswith("text/csv"):
        slugs = {line.split(",")[1] for line in response.content.decode("utf-8-sig").splitlines()[1:]} - {"*"}
    else:
        slugs = set(re.findall(r'<tr data-queue="([^"]+)"', response.content.decode()))
    expected = {"op_other": {"course"}, "op_allowed": {"payment"}}.get(role)
    if expected is not None:
        assert slugs == expected
    elif role == "admin":
        assert {"payment", "course", "triage", "profile"} <= slugs


def _student_page(world, role, response):
    body = response.content.decode()
    if role == "student":
        assert A_SECRET_TEXT in body and B_SECRET_TEXT not in body
    elif role == "student_other":  # their own ticket, never A's
        assert B_SECRET_TEXT in body and A_SECRET_TEXT not in body


def _bulk_changed_a_only_where_allowed(world, role, response):
    """A bulk status change of ticket A: done for who sees the payment queue, never for the course operator."""
    status = Ticket.objects.get(pk=world.a.pk).status
    assert (status == Ticket.Status.WAITING) == (role in ("op_allowed", "admin")), (role, status)


def _macro_of_op_allowed(world):
    """A personal canned answer of the payment operator: nobody else may see, change or delete it."""
    if world.macro is None:
        world.macro = services.macro_save(actor=world.users["op_allowed"], title="personal", body="ticket-A-macro-words")


def _not_in_body_unless_owner(world, role, response):
    assert ("ticket-A-macro-words" in response.content.decode()) == (role == "op_allowed"), role


def _macro_url(name):
    return lambda world, role: reverse(name, kwargs={"macro_id": world.macro.pk})


def _everyone(status):
    return {role: status for role in ROLES}


def _desk(ok_status, other_status=404, *, anon=None):
    """An operator page: no session → login; other queue → 404 (no hint it exists); allowed → ok."""
    anon = anon if anon is not None else _login_redirect
    return {
        **{role: anon for role in NO_SESSION_ROLES},
        "op_other": other_status, "op_allowed": ok_status, "admin": ok_status, "stranger": 403,
    }


def _api(ok_status, other_status=404):
    return {
        **{role: 401 for role in NO_SESSION_ROLES},
        "op_other": other_status, "op_allowed": ok_status, "admin": ok_status, "stranger": 403,
    }


def _token_url(name, with_attachment=False):
    def build(world, role):
        kwargs = {"token": world.token_for(role)}
        if with_attachment:
            kwargs["attachment_id"] = world.a_attachment_id  # always ticket A's file
        return reverse(name, kwargs=kwargs)

    return build


def _ticket_url(name):
    return lambda world, role: reverse(name, kwargs={"ticket_id": world.a.pk})


def _fixed(name, **kwargs):
    return lambda world, role: reverse(name, kwargs=kwargs or None)


def _resolved_by_a_person(world):
    """Tickets A and B answered and resolved by an operator: their students are asked for a rating."""
    admin = world.users["admin"]
    for ticket in (world.a, world.b):
        services.ticket_reply(ticket=ticket, body="answer", actor=admin)
        services.ticket_set_status(ticket=ticket, status=Ticket.Status.RESOLVED, actor=admin)


def _with_notes(world):
    for ticket in (world.a, world.b):
        services.ticket_note(ticket=ticket, body="internal-note-words", actor=world.users["admin"])


def _notes_never_public(world, role, response):
    assert "internal-note-words" not in response.content.decode()
    _student_page(world, role, response)


# A session gives no right to a student URL: only the token does.
STUDENT_TOKEN_PAGE = {"anon": 404, "student_other": 200, "student": 200, "op_other": 404, "op_allowed": 404, "admin": 404, "stranger": 404}
STUDENT_TOKEN_FILE = {**STUDENT_TOKEN_PAGE, "student_other": 404}

CASES: dict[str, list[Case]] = {
    # The root redirects everyone to the ticket form.
    "<root>": [Case(lambda w, r: "/", _everyone(302))],
    "set_language": [Case(_fixed("set_language"), _everyone(302), method="post", data={"language": "en", "next": "/"})],
    # The API description holds no data; it documents the public submit endpoint too.
    "api-schema": [Case(_fixed("api-schema"), _everyone(200))],
    # Telegram's webhook (tgbot): POST only; off (404) for everyone until SUPPORTDESK_TELEGRAM_WEBHOOK_SECRET is set,
    # then authenticated by Telegram's secret header, never by a session (tests/tgbot/test_channel.py).
    "tgbot:webhook": [
        Case(_fixed("tgbot:webhook"), _everyone(405)),
        Case(_fixed("tgbot:webhook"), _everyone(404), method="post", data={"update_id": "1"}),
    ],
    "api-docs": [Case(_fixed("api-docs"), _everyone(200))],
    # Health: check names and errors only, for load balancers: anyone gets the verdict, never a login page. (Its checks
    # run in threads, which this test's open transaction locks out of SQLite: 503 here; 200/503 are tested in
    # tests/supportdesk/test_monitoring.py.) Metrics: the test client is 127.0.0.1, which may read them without a
    # token (test_monitoring: another address, or no token → 403).
    "health": [Case(lambda w, r: "/health/?format=json", _everyone(lambda response, role: response.status_code in (200, 503)
                                                                   and set(response.json()) >= {"Broker()", "Classifier()"}))],
    "metrics": [Case(_fixed("metrics"), _everyone(200))],
    # --- students
    "student:ticket_new": [
        Case(_fixed("student:ticket_new"), _everyone(200)),
        Case(_fixed("student:ticket_new"), _everyone(302), method="post", data={"name": "N", "email": "n@example.org", "description": "help"}),
    ],
    "student:ticket_status": [
        Case(_token_url("student:ticket_status"), STUDENT_TOKEN_PAGE, check=_student_page),
        Case(_token_url("student:ticket_status"), STUDENT_TOKEN_PAGE, setup=_with_notes, check=_notes_never_public),
        Case(_token_url("student:ticket_status"), {**STUDENT_TOKEN_PAGE, "student_other": 302, "student": 302}, method="post", data={"body": "more"}),
    ],
    "student:ticket_feedback": [
        Case(_token_url("student:ticket_feedback"), {**STUDENT_TOKEN_PAGE, "student_other": 302, "student": 302}, method="post", data={"solved": "0"}),
    ],
    "api:public-ticket-feedback": [
        Case(_token_url("api:public-ticket-feedback"), STUDENT_TOKEN_PAGE, method="post", data={"solved": False}, json=True, check=_student_page),
    ],
    "student:ticket_rating": [
        Case(_token_url("student:ticket_rating"), {**STUDENT_TOKEN_PAGE, "student_other": 302, "student": 302}, method="post",
             data={"score": "5"}, setup=_resolved_by_a_person),
    ],
    "api:public-ticket-rating": [
        Case(_token_url("api:public-ticket-rating"), {**STUDENT_TOKEN_PAGE, "student_other": 201, "student": 201}, method="post",
             data={"score": 4, "comment": "ok"}, json=True, setup=_resolved_by_a_person, check=_student_page),
    ],
    "student:ticket_status_json": [Case(_token_url("student:ticket_status_json"), STUDENT_TOKEN_PAGE)],
    "student:attachment": [Case(_token_url("student:attachment", True), STUDENT_TOKEN_FILE)],
    "student:attachment_thumb": [Case(_token_url("student:attachment_thumb", True), STUDENT_TOKEN_FILE)],
    "api:public-ticket": [
        Case(_token_url("api:public-ticket"), STUDENT_TOKEN_PAGE, check=_student_page),
        Case(_token_url("api:public-ticket"), STUDENT_TOKEN_PAGE, setup=_with_notes, check=_notes_never_public),
        Case(_token_url("api:public-ticket"), {**STUDENT_TOKEN_PAGE, "student_other": 201, "student": 201}, method="post", data={"body": "more"}),
    ],
    # --- operators (HTML)
    "operator:login": [
        Case(_fixed("operator:login"), {**_everyone(200), "op_other": 302, "op_allowed": 302, "admin": 302, "stranger": 302}),
    ],
    "operator:logout": [Case(_fixed("operator:logout"), _everyone(302), method="post")],
    "operator:dashboard": [Case(_fixed("operator:dashboard"), _desk(200, 200), check=_dashboard_queues)],
    "operator:queue": [Case(_fixed("operator:queue", slug="payment"), _desk(200), check=_not_in_body(B_SECRET_TEXT))],
    "operator:ticket": [Case(_ticket_url("operator:ticket"), _desk(200), check=_not_in_body(B_SECRET_TEXT))],
    # Search spans every queue the operator may see, and no other: ticket A (payment) never shows to the course operator.
    "operator:search": [Case(lambda w, r: reverse("operator:search") + "?q=ticket-A", _desk(200, 200), check=_search_finds_a_where_allowed)],
    "operator:ticket_state_json": [Case(_ticket_url("operator:ticket_state_json"), _desk(200))],
    "operator:ticket_take": [Case(_ticket_url("operator:ticket_take"), _desk(302), method="post")],
    "operator:ticket_reply": [Case(_ticket_url("operator:ticket_reply"), _desk(302), method="post", data={"body": "answer"})],
    "operator:ticket_status": [Case(_ticket_url("operator:ticket_status"), _desk(302), method="post", data={"status": "resolved"})],
    "operator:ticket_override": [
        Case(_ticket_url("operator:ticket_override"), _desk(302), method="post", data={"label": "course-problem", "reason": ""})
    ],
    "operator:ticket_close_out_of_scope": [Case(_ticket_url("operator:ticket_close_out_of_scope"), _desk(302), method="post")],
    "operator:attachment": [Case(lambda w, r: reverse("operator:attachment", kwargs={"attachment_id": w.a_attachment_id}), _desk(200))],
    "operator:attachment_thumb": [
        Case(lambda w, r: reverse("operator:attachment_thumb", kwargs={"attachment_id": w.a_attachment_id}), _desk(200))
    ],
    # The operators' desk (issue 12): assigning and notes act on ticket A (another queue's operator: 404, as for any
    # ticket they may not see); "My tickets", notifications and availability are the operator's own.
    "operator:ticket_assign": [Case(_ticket_url("operator:ticket_assign"), _desk(302), method="post", data={"assignee": "op-payment"})],
    "operator:ticket_note": [Case(_ticket_url("operator:ticket_note"), _desk(302), method="post", data={"note-body": "internal-note-words"})],
    # Merge A (payment) into B (course), the same student: only who sees both queues may (the payment operator is
    # told "no ticket #B in your queues", the course operator does not find A at all).
    "operator:ticket_merge": [Case(_ticket_url("operator:ticket_merge"), _desk(302), method="post", data=lambda w: {"into": w.b.pk})],
    "operator:tickets_bulk": [
        Case(_fixed("operator:tickets_bulk"), _desk(302, 302), method="post", data=lambda w: {"tickets": [w.a.pk], "action": "status", "status": "waiting"},
             check=_bulk_changed_a_only_where_allowed),
    ],
    # Canned answers: every operator has the page; a personal one is its owner's only (admins included: 404).
    "operator:macros": [Case(_fixed("operator:macros"), _desk(200, 200), setup=_macro_of_op_allowed, check=_not_in_body_unless_owner)],
    "operator:macro_edit": [Case(_macro_url("operator:macro_edit"), {**_desk(200), "admin": 404}, setup=_macro_of_op_allowed)],
    "operator:macro_delete": [Case(_macro_url("operator:macro_delete"), {**_desk(302), "admin": 404}, method="post", setup=_macro_of_op_allowed)],
    "operator:mine": [Case(_fixed("operator:mine"), _desk(200, 200), check=_not_in_body(B_SECRET_TEXT))],
    "operator:notifications": [Case(_fixed("operator:notifications"), _desk(200, 200))],
    "operator:notifications_json": [Case(_fixed("operator:notifications_json"), _desk(200, 200))],
    "operator:notifications_read": [Case(_fixed("operator:notifications_read"), _desk(302, 302), method="post")],
    "operator:notification_settings": [
        Case(_fixed("operator:notification_settings"), _desk(302, 302), method="post", data={"email_kinds": ["mention"]}),
    ],
    "operator:availability": [Case(_fixed("operator:availability"), _desk(302, 302), method="post", data={"available": "1", "next": "/desk/"})],
    # Admins only: operators get 403 (they are logged in, the page is not for them).
    "operator:quality": [Case(_fixed("operator:quality"), _desk(200, 403) | {"op_allowed": 403})],
    # Every operator: the figures of their own queues (_report_queues).
    "operator:reports": [Case(_fixed("operator:reports"), _desk(200, 200), check=_report_queues)],
    "operator:reports_csv": [Case(_fixed("operator:reports_csv"), _desk(200, 200), check=_report_queues)],
    # --- operators (API)
    "api:tickets": [
        Case(_fixed("api:tickets"), _api(200, 200), check=_a_hidden_from_other_operator),
        Case(_fixed("api:tickets"), _everyone(201), method="post", data={"name": "N", "email": "n@example.org", "description": "help"}),
    ],
    "api:ticket": [Case(_ticket_url("api:ticket"), _api(200), check=_not_in_body(B_SECRET_TEXT))],
    "api:ticket-override": [Case(_ticket_url("api:ticket-override"), _api(200), method="post", data={"label": "course-problem"}, json=True)],
    "api:ticket-reply": [Case(_ticket_url("api:ticket-reply"), _api(200), method="post", data={"body": "answer"}, json=True)],
    "api:ticket-status": [Case(_ticket_url("api:ticket-status"), _api(200), method="post", data={"status": "resolved"}, json=True)],
    "api:ticket-take": [Case(_ticket_url("api:ticket-take"), _api(200), method="post")],
    "api:ticket-merge": [
        Case(_ticket_url("api:ticket-merge"), {**_api(200), "op_allowed": 400}, method="post", data=lambda w: {"into": w.b.pk}, json=True),
    ],
    "api:tickets-bulk": [
        Case(_fixed("api:tickets-bulk"), _api(200, 200), method="post", data=lambda w: {"tickets": [w.a.pk], "action": "status", "status": "waiting"},
             json=True, check=_bulk_changed_a_only_where_allowed),
    ],
    "api:ticket-assign": [Case(_ticket_url("api:ticket-assign"), _api(200), method="post", data={"assignee": "op-payment"}, json=True)],
    "api:ticket-notes": [
        Case(_ticket_url("api:ticket-notes"), _api(201), method="post", data={"body": "internal-note-words"}, json=True),
    ],
    "api:queues": [Case(_fixed("api:queues"), _api(200, 200), check=_api_queues)],
    "api:reports-summary": [Case(_fixed("api:reports-summary"), _api(200, 200), check=_report_queues)],
}


# --- Walking the resolver -----------------------------------------------------------------------


def _walk(patterns, prefix="", namespace=None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            name = pattern.name and (f"{namespace}:{pattern.name}" if namespace else pattern.name)
            yield prefix + str(pattern.pattern), name, pattern


def all_url_patterns():
    return list(_walk(get_resolver().url_patterns))


def _is_admin(route: str) -> bool:
    return route.startswith("admin/")


def _key(route, name) -> str:
    return name or ("<root>" if route == "" else route)


def test_every_url_pattern_has_an_access_rule():
    """A new view without a row in CASES fails here: add its anonymous/student/operator expectations."""
    missing = sorted(_key(route, name) for route, name, _p in all_url_patterns() if not _is_admin(route) and _key(route, name) not in CASES)
    assert not missing, f"URL patterns without an access-matrix case: {missing}"
    stale = sorted(set(CASES) - {_key(route, name) for route, name, _p in all_url_patterns()})
    assert not stale, f"CASES for URLs that no longer exist: {stale}"


PARAMS = [(key, index, role) for key, cases in CASES.items() for index in range(len(cases)) for role in ROLES]


@pytest.mark.parametrize("key,index,role", PARAMS, ids=[f"{k}[{i}]-{r}" for k, i, r in PARAMS])
def test_access(world, key, index, role):
    case = CASES[key][index]
    if case.setup is not None:
        case.setup(world)
    client = world.client_for(role)
    url = case.url(world, role)
    data = case.data(world) if callable(case.data) else case.data
    if case.method == "get":
        response = client.get(url)
    elif case.json:
        response = client.post(url, data=json.dumps(data or {}), content_type="application/json")
    else:
        response = client.post(url, data=data or {})
    expected = case.expect[role]
    if callable(expected):
        assert expected(response, role), f"{role} {case.method.upper()} {url} → {response.status_code} {response.get('Location', '')}"
    else:
        assert response.status_code == expected, f"{role} {case.method.upper()} {url} → {response.status_code}"
    if case.check is not None and 200 <= response.status_code < 300:
        case.check(world, role, response)


def test_a_wrong_token_answers_like_any_missing_page(world, client):
    """No hint that a ticket exists: the same 404 body as a URL that never existed."""
    missing_page = client.get("/no-such-page/")
    for url in (
        reverse("student:ticket_status", kwargs={"token": secrets.token_urlsafe(32)}),
        reverse("student:ticket_status", kwargs={"token": world.a.public_token[:-1]}),  # one character short
        reverse("student:ticket_status_json", kwargs={"token": "x"}),
        reverse("student:attachment", kwargs={"token": world.b.public_token, "attachment_id": world.a_attachment_id}),
    ):
        response = client.get(url)
        assert response.status_code == 404
        assert response.content == missing_page.content


# --- The admin site: one rule for all its URLs --------------------------------------------------

ADMIN_SAMPLE_KWARGS = {"object_id": "1", "id": "1", "content_type_id": "1", "app_label": "tickets", "url": "no-such-admin-page/",
                       "offer_id": "1", "decision": "add"}


def _admin_urls():
    urls = []
    for route, name, pattern in all_url_patterns():
        if not _is_admin(route) or name in ("admin:login", "admin:logout"):
            continue
        if name:
            keys = pattern.pattern.regex.groupindex.keys()
            url = reverse(name, kwargs={k: ADMIN_SAMPLE_KWARGS[k] for k in keys})
        else:
            # Unnamed patterns: the "<path:object_id>/" redirects and the final catch-all.
            url = "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: ADMIN_SAMPLE_KWARGS[m.group(1)], route)
            url = url.replace("(?P<url>.*)$", ADMIN_SAMPLE_KWARGS["url"]).replace("^", "")
        urls.append((name or route, url))
    return urls


@pytest.mark.parametrize("role", ROLES)
def test_admin_site_is_for_admins_only(world, role):
    client = world.client_for(role)
    urls = _admin_urls()
    assert len(urls) > 50  # every model admin's pages
    login = reverse("admin:login")
    for name, url in urls:
        response = client.get(url)
        location = response.get("Location", "")
        if role == "admin":
            assert response.status_code < 500 and not location.startswith(login), f"{name} {url} → {response.status_code}"
        else:
            assert response.status_code == 302 and location.startswith(login), f"{role}: {name} {url} → {response.status_code} {location}"


@pytest.mark.parametrize("role", ["anon", "op_allowed"])
def test_admin_login_does_not_let_operators_in(world, role):
    client = world.client_for(role)
    assert client.get(reverse("admin:login")).status_code == 200
    assert client.get(reverse("admin:index")).status_code == 302

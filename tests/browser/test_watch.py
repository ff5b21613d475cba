"""The fixture layer itself: a watched page does notice what the suite promises to fail on."""
from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser]

CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:"
PAGE = """<!doctype html><html><head><meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><p>fine</p>%s</body></html>"""


@pytest.fixture
def serve(open_page):
    """``serve(body, csp=CSP) -> problems``: what the watch saw on a page with ``body`` at /watch-test/ (live server origin)."""

    def serve_(body: str, csp: str = CSP):
        page, watch = open_page()
        page.route("**/watch-test/", lambda route: route.fulfill(
            status=200, content_type="text/html; charset=utf-8", body=PAGE % body, headers={"Content-Security-Policy": csp},
        ))
        page.goto("/watch-test/")
        page.wait_for_timeout(150)
        problems = list(watch.problems)
        page.goto("about:blank")  # leave the broken page: the teardown check must pass
        watch.problems.clear()  # seen by this test: not a failure of it
        return problems

    return serve_


def test_a_clean_page_has_no_problems(serve, live_server):
    assert serve("") == []


def test_sideways_scrolling_is_caught(serve, live_server, viewport):
    problems = serve('<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" width="2000" height="1" alt="">')
    assert any(problem.startswith("console error: Sideways scroll on /watch-test/") and "img" in problem for problem in problems), problems


def test_a_csp_violation_is_caught(serve, live_server):
    problems = serve("<script>document.title = 'inline';</script>")
    assert any("CSP violation: script-src" in problem for problem in problems), problems


def test_a_failed_request_and_a_console_error_are_caught(serve, live_server):
    problems = serve('<img src="/no-such-file.png" alt="">')
    assert any(problem.startswith("HTTP 404 GET") and "/no-such-file.png" in problem for problem in problems), problems

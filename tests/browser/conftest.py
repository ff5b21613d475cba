"""The browser suite's fixture layer: one headless Chromium per module, and a watched page per test.

Every page a test opens is watched; the test fails at teardown if anything went wrong on the way, even
where the test itself did not look:
- an HTTP answer ≥ 400 (unless the test declared it with ``watch.expect_status``),
- a console error or an uncaught exception (failed resource loads are console errors too),
- a Content-Security-Policy violation (a ``securitypolicyviolation`` listener turns it into a console error),
- sideways scrolling: ``document.scrollingElement.scrollWidth > innerWidth`` after load and after every change
  of the page (a debounced MutationObserver), at desktop width and at 375 px.
"""
from __future__ import annotations

import contextlib
import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.tickets.conftest import faq  # noqa: F401  (the small FAQ, for automatic answers)

CHROMIUM = os.environ.get("SUPPORTDESK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
]
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 375, "height": 780}}
# Screenshots a test takes with ``watch.shot(name)`` go here (outside the repository) when it is set.
SHOTS_DIR = os.environ.get("SUPPORTDESK_SHOTS_DIR", "")

# Runs before any script of every document (Playwright injects it; the page's CSP does not apply to it).
WATCH_SCRIPT = r"""
(() => {
  const reported = new Set();
  function report(text) { if (!reported.has(text)) { reported.add(text); console.error(text); } }
  document.addEventListener("securitypolicyviolation", (e) => {
    report(`CSP violation: ${e.effectiveDirective} blocked ${e.blockedURI || "inline"} (${e.sourceFile}:${e.lineNumber})`);
  }, true);
  function describe(el) {
    return el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
      (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\s+/).join(".") : "");
  }
  window.__sidewaysScroll = () => {
    const root = document.scrollingElement;
    if (!root || root.scrollWidth <= window.innerWidth) { return ""; }
    // The deepest elements sticking out on the right say where to look.
    const culprits = [];
    for (const el of document.body.querySelectorAll("*")) {
      const box = el.getBoundingClientRect();
      if (box.right > window.innerWidth + 1 && !Array.from(el.children).some((c) => c.getBoundingClientRect().right > window.innerWidth + 1)) {
        culprits.push(`${describe(el)} (${Math.round(box.right)}px)`);
        if (culprits.length >= 3) { break; }
      }
    }
    return `Sideways scroll on ${location.pathname}: ${root.scrollWidth}px wide in a ${window.innerWidth}px window; sticking out: ${culprits.join(", ")}`;
  };
  let timer = null;
  function check() { const problem = window.__sidewaysScroll(); if (problem) { report(problem); } }
  function later() { clearTimeout(timer); timer = setTimeout(check, 60); }
  window.addEventListener("load", () => {
    check();
    new MutationObserver(later).observe(document.documentElement, {childList: true, subtree: true, attributes: true, characterData: true});
    window.addEventListener("resize", later);
  });
})();
"""


@dataclass
class PageWatch:
    """What went wrong on a page; ``problems`` must be empty when the test ends."""

    page: object
    viewport: str
    problems: list[str] = field(default_factory=list)
    expected: list[tuple[int, re.Pattern]] = field(default_factory=list)

    def attach(self) -> None:
        self.page.on("response", self._on_response)
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda error: self.problems.append(f"uncaught exception: {error}"))

    def _on_response(self, response) -> None:
        if response.status < 400:
            return
        for status, pattern in self.expected:
            if response.status == status and pattern.search(response.url):
                return
        self.problems.append(f"HTTP {response.status} {response.request.method} {response.url}")

    def _on_console(self, message) -> None:
        if message.type != "error":
            return
        text = message.text
        # Chromium logs every answer ≥ 400 as a failed resource load; an expected one is not a problem.
        if text.startswith("Failed to load resource") and self.expected:
            status = re.search(r"status of (\d+)", text)
            url = (message.location or {}).get("url", "")
            if status and any(int(status.group(1)) == s and p.search(url) for s, p in self.expected):
                return
        self.problems.append(f"console error: {text} ({(message.location or {}).get('url', '')})")

    @contextlib.contextmanager
    def expect_status(self, status: int, url_pattern: str):
        """The block may get ``status`` from URLs matching ``url_pattern`` (a form shown again with errors)."""
        entry = (status, re.compile(url_pattern))
        self.expected.append(entry)
        try:
            yield
        finally:
            self.expected.remove(entry)

    def check_layout(self) -> None:
        """Sideways scrolling right now (the watcher also checks after every change of the page)."""
        problem = self.page.evaluate("window.__sidewaysScroll ? window.__sidewaysScroll() : ''")
        if problem and problem not in self.problems:
            self.problems.append(problem)

    def shot(self, name: str) -> None:
        if SHOTS_DIR:
            Path(SHOTS_DIR).mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=str(Path(SHOTS_DIR) / f"{name}-{self.viewport}.png"), full_page=True)

    def assert_clean(self) -> None:
        with contextlib.suppress(Exception):
            self.page.wait_for_timeout(80)  # let the debounced layout check of the last change run
            self.check_layout()
        assert not self.problems, "the browser saw problems:\n  " + "\n  ".join(self.problems)


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    # live_server runs Django in a thread of this process; Playwright's sync API runs an event loop,
    # which makes Django refuse ORM calls from the test body unless this is set.
    # Only for the browser tests: restored afterwards so no other test (or subprocess) inherits it.
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            yield browser
            browser.close()


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request) -> str:
    """Every browser test runs at desktop width and at a phone's 375 px."""
    return request.param


@pytest.fixture
def open_page(browser, viewport, live_server):
    """``open_page(**context_options) -> (page, watch)``: a new watched browser context (own cookies)."""
    contexts = []

    def open_(*, javascript: bool = True, permissions: tuple[str, ...] = ()):
        context = browser.new_context(
            locale="ru-RU", viewport=VIEWPORTS[viewport], java_script_enabled=javascript,
            base_url=live_server.url, permissions=list(permissions),
        )
        context.add_init_script(WATCH_SCRIPT)
        page = context.new_page()
        page.set_default_timeout(10000)
        watch = PageWatch(page, viewport)
        watch.attach()
        contexts.append((context, watch))
        return page, watch

    yield open_
    try:
        for _context, watch in contexts:
            watch.assert_clean()
    finally:
        for context, _watch in contexts:
            context.close()


@pytest.fixture
def page_watch(open_page):
    """The common case: one watched page."""
    return open_page()


@pytest.fixture
def one_request_at_a_time(live_server):
    """The live server answers one request at a time; the fixture's value is the lock it holds meanwhile, for a test
    that writes from its own thread while the page polls (``with one_request_at_a_time: ...``).

    The live server's threads and the test share the test database's single in-memory SQLite connection (Django's
    LiveServerThread does so for in-memory SQLite), and two statements at once on it fail ("cannot open savepoint -
    SQL statements in progress", "database table is locked"): a failure of the test set-up, not of the desk. The
    races inside the database are tested on PostgreSQL (tests/tickets/intake/test_idempotency.py)."""
    server = live_server.thread.httpd
    app, lock = server.get_app(), threading.Lock()

    def serialised(environ, start_response):
        with lock:
            return app(environ, start_response)

    server.set_app(serialised)
    yield lock
    server.set_app(app)


@pytest.fixture
def desk(transactional_db, settings, tmp_path):
    """A seeded desk for the live server: queues and intents, screenshots stored under tmp_path."""
    from tickets import services

    settings.MEDIA_ROOT = str(tmp_path / "media")
    services.desk_seed()  # transactional tests flush tables: make sure the default queues exist
    return services


def log_in(page, live_server, user) -> None:
    """Give the page's context a session of ``user`` (the login form itself is walked in test_operator)."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value, "url": live_server.url}])


def png_file(tmp_path: Path, name: str = "screenshot.png", size=(320, 200), color=(40, 90, 200)) -> Path:
    from tests.factories import png_bytes

    path = tmp_path / name
    path.write_bytes(png_bytes(size=size, color=color))
    return path

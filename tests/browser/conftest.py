"""Real-browser journeys: Playwright drives Debian's Chromium (never a downloaded browser)
against pytest-django's live server, through the real login with a second factor.

Playwright's sync API marks its event loop as running in the thread that calls it, and
Django refuses database calls in such a thread (SynchronousOnlyOperation). The browser
therefore lives in a thread of its own, one per test session: a test builds its data and
checks the database in the test thread, and hands the steps in the browser to
``Browse.__call__``. No DJANGO_ALLOW_ASYNC_UNSAFE is needed.

Every page a journey visits is watched: a console error (a CSP violation is one), an
uncaught script error or an HTTP error response fails the test. The last page of a
journey is saved as a full-page screenshot in ``test-artefacts/`` (git-ignored)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from django.db import connection
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Locator,
    Page,
    Playwright,
    Response,
    expect,
    sync_playwright,
)
from pytest_django.live_server_helper import LiveServer

from audit import triggers
from partners.models import User
from tests.caseroom.conftest import world  # noqa: F401 - makes the fixture available
from tests.factories import TEST_PASSWORD

T = TypeVar("T")

ROOT = Path(__file__).resolve().parents[2]
ARTEFACTS = ROOT / "test-artefacts"
CHROMIUM = Path("/usr/bin/chromium")
# Set (as CI may) to fail instead of skip when Chromium is missing.
REQUIRE_BROWSER = bool(os.environ.get("CASUSREGIE_REQUIRE_BROWSER"))
STEP_TIMEOUT_MS = 15_000
# A journey that hangs still ends: the test thread stops waiting after this long.
JOURNEY_TIMEOUT_S = 240
# Tables whose rows the database refuses to delete (audit.triggers). PostgreSQL empties
# them with TRUNCATE after a transactional test; SQLite deletes row by row.
APPEND_ONLY_TABLES = ("audit_accessevent", "auditlog_logentry")
# CSP violations reach the console too; this names the directive and what was blocked.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI}`);
});
"""

PROBLEMS = "Problems in the browser (console errors, CSP violations, HTTP errors):\n"

chromium_missing = not os.access(CHROMIUM, os.X_OK)
requires_chromium = pytest.mark.skipif(
    chromium_missing and not REQUIRE_BROWSER,
    reason=f"{CHROMIUM} is missing (install it with `make browser`)",
)


@dataclass(frozen=True)
class Account:
    """A user who logs in through the form: username, and the key of their authenticator."""

    username: str
    key: bytes
    step: int
    t0: int
    digits: int
    drift: int

    def token(self) -> str:
        totp = TOTP(self.key, self.step, self.t0, self.digits, self.drift)
        return f"{totp.token():0{self.digits}d}"


def account(user: User) -> Account:
    """Give the user an authenticator with a key the test knows (test thread only)."""
    device = TOTPDevice.objects.create(user=user, name="browser", confirmed=True)
    return Account(
        username=user.username,
        key=device.bin_key,
        step=device.step,
        t0=device.t0,
        digits=device.digits,
        drift=device.drift,
    )


def log_in(page: Page, who: Account) -> None:
    """The real login: username and password, then the code from the authenticator app."""
    page.goto("/inloggen/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Inloggen")
    page.get_by_label("Gebruikersnaam").fill(who.username)
    page.get_by_label("Wachtwoord").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page).to_have_url(re.compile(r"/tweede-factor/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Bevestig dat u het bent")
    page.get_by_label("Code uit uw authenticator-app").fill(who.token())
    page.get_by_role("button", name="Bevestigen").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welkom")


def success(page: Page) -> Locator:
    """The confirmation shown after a change (Django messages)."""
    return page.locator(".utrecht-alert--ok")


class BrowserThread:
    """Playwright and one Chromium, in a thread of their own for the whole session."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chromium")
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None

    def call(self, function: Callable[..., T], *args: Any) -> T:
        return self._pool.submit(function, *args).result(timeout=JOURNEY_TIMEOUT_S)

    @property
    def browser(self) -> Browser:
        assert self._browser is not None
        return self._browser

    def start(self) -> None:
        self.call(self._start)

    def _start(self) -> None:
        self._playwright = sync_playwright().start()
        self._browser = self._playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True
        )
        expect.set_options(timeout=STEP_TIMEOUT_MS)

    def stop(self) -> None:
        try:
            self.call(self._stop)
        finally:
            self._pool.shutdown(wait=False)

    def _stop(self) -> None:
        if self._browser is not None:
            self._browser.close()
        if self._playwright is not None:
            self._playwright.stop()


@pytest.fixture(scope="session")
def browser_thread() -> Iterator[BrowserThread]:
    if chromium_missing:
        pytest.fail(f"{CHROMIUM} is missing and CASUSREGIE_REQUIRE_BROWSER is set")
    ARTEFACTS.mkdir(exist_ok=True)
    thread = BrowserThread()
    thread.start()
    yield thread
    thread.stop()


@dataclass
class Browse:
    """Runs a journey's steps in a fresh browser context (no cookies) on the live server."""

    thread: BrowserThread
    base_url: str

    def __call__(self, name: str, steps: Callable[[Page], None]) -> None:
        self.thread.call(self._run, name, steps)

    def _run(self, name: str, steps: Callable[[Page], None]) -> None:
        context = self.thread.browser.new_context(
            base_url=self.base_url,
            locale="nl-NL",
            timezone_id="Europe/Amsterdam",
            viewport={"width": 1280, "height": 900},
        )
        context.set_default_timeout(STEP_TIMEOUT_MS)
        context.add_init_script(CSP_LISTENER)
        page = context.new_page()
        problems: list[str] = []

        def on_console(message: ConsoleMessage) -> None:
            if message.type == "error":
                source = message.location.get("url") or page.url
                problems.append(f"{page.url}: console error: {message.text} ({source})")

        def on_response(response: Response) -> None:
            if response.status >= 400:
                problems.append(f"{page.url}: HTTP {response.status} for {response.url}")

        page.on("console", on_console)
        page.on("pageerror", lambda error: problems.append(f"{page.url}: script error: {error}"))
        page.on("response", on_response)
        try:
            steps(page)
        except BaseException as error:
            with suppress(Exception):
                page.screenshot(path=ARTEFACTS / f"{name}-failure.png", full_page=True)
            if problems:
                error.add_note(PROBLEMS + "\n".join(problems))
            raise
        else:
            page.screenshot(path=ARTEFACTS / f"{name}.png", full_page=True)
            (ARTEFACTS / f"{name}-failure.png").unlink(missing_ok=True)
        finally:
            context.close()
        assert not problems, PROBLEMS + "\n".join(problems)


@pytest.fixture
def browse(browser_thread: BrowserThread, live_server: LiveServer) -> Browse:
    return Browse(thread=browser_thread, base_url=live_server.url)


@pytest.fixture(autouse=True)
def append_only_tables_emptied(transactional_db: None) -> Iterator[None]:
    """After a journey the test database is emptied (flush). SQLite deletes the rows of
    the append-only tables one by one, which their triggers refuse: empty those tables
    here with the triggers lifted, then put the triggers back."""
    yield
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for table in APPEND_ONLY_TABLES:
            for statement in triggers.drop(table, "sqlite"):
                cursor.execute(statement)
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
            for statement in triggers.sqlite(table):
                cursor.execute(statement)

"""Browser fixtures: the real app in the system's Chromium, against uvicorn and a real worker.

Playwright drives Chromium from the operating system (Debian's ``chromium`` package):
nothing is downloaded. Without a browser the tests are skipped with the reason, except
where ``SLUICE_REQUIRE_BROWSER=1`` (CI) makes that a failure. Used by the browser tests
(``tests/ui``) and the editor benchmark (``tests/benchmarks``).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from apps.core.settings.base import BASE_DIR

CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
    "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-extensions", "--disable-default-apps", "--mute-audio",
]  # fmt: skip
SCREENSHOTS = Path(os.environ.get("SLUICE_SCREENSHOTS", BASE_DIR / ".data" / "screenshots"))
PASSWORD = "correct-horse-battery"


def chromium_path() -> str | None:
    configured = os.environ.get("SLUICE_CHROMIUM")
    if configured:
        return configured
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="module")
def chromium_extra_args() -> list[str]:
    return []


@pytest.fixture(scope="module")
def browser(chromium_extra_args) -> Iterator:
    """One Chromium per test module (Playwright's event loop runs only while the module does)."""
    path = chromium_path()
    if path is None:
        message = "no Chromium on this machine (install Debian's `chromium` package, or set SLUICE_CHROMIUM)"
        if os.environ.get("SLUICE_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread while it runs; the ORM calls
    # the tests make in between are plain synchronous code. Child processes never get this
    # (see child_env), and it is gone again after the module.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "1"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=path, args=[*CHROMIUM_ARGS, *chromium_extra_args], headless=True
            )
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class Screen:
    """A signed-in browser context with helpers; collects console errors."""

    def __init__(self, browser, base_url: str, user):
        self.base_url = base_url
        self.context = browser.new_context(viewport={"width": 1440, "height": 900}, base_url=base_url)
        self.context.set_default_timeout(15_000)
        self.errors: list[str] = []
        self.user = user
        self.page = self.new_page()
        self.sign_in(self.page)

    def new_page(self):
        page = self.context.new_page()
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        return page

    def sign_in(self, page) -> None:
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill(self.user.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/workflows")

    def shot(self, name: str, page=None) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        (page or self.page).screenshot(path=str(SCREENSHOTS / f"{name}.png"))

    def unexpected_errors(self, allowed: tuple[str, ...] = ()) -> list[str]:
        return [e for e in self.errors if not any(a in e for a in allowed)]

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def screen(browser, asgi_server, make_user) -> Iterator[Screen]:
    user = make_user("ada", password=PASSWORD)
    screen = Screen(browser, asgi_server.url, user)
    yield screen
    screen.close()

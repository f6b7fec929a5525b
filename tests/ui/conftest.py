from tests.browser import browser, chromium_extra_args, screen  # noqa: F401 - the browser fixtures

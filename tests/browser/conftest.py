"""Real-browser tests of the Streamlit app: headless Debian Chromium driven by Playwright.

Every test in this folder is marked ``browser`` (``pytest -m "not browser"`` skips them) and
fails, rather than skips, when Chromium or Playwright is missing: ``bash .ci/run`` installs both.

Fixtures:

- ``streamlit_server``: a function ``start(app_path) -> base_url``; one server per app file,
  started on a free port and stopped (process group killed) when the browser tests end.
- ``app_url``: base URL of the repo's ``app.py``; ``bare_app_url``: of ``bench/bare_app.py``.
- ``browser``: one headless Chromium for the browser tests.
- ``page``: a fresh context (1400x900) and page per test; every request to a host other than
  this machine is aborted and recorded. ``page_log`` holds what happened: ``blocked`` (URLs),
  ``blocked_hosts``, ``console_errors`` and ``page_errors`` (those caused by a blocked foreign
  request are left out). A test that wants no JS errors calls ``page_log.assert_clean()``.
  A failed test leaves ``artifacts/screenshots/FAILED-<test>.png``.

Helpers (import from here or from ``bench.browserlib``): ``wait_for_app_idle(page)``,
``screenshot(page, name)``.
"""

from __future__ import annotations

import dataclasses
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:  # `bench` is not installed; pytest's pythonpath may be unset
    sys.path.insert(0, str(REPO_ROOT))

from bench.browserlib import (  # noqa: E402
    ARTIFACTS,
    SCREENSHOTS,
    StreamlitServer,
    block_foreign_requests,
    chromium_problem,
    chromium_version,
    launch_chromium,
    screenshot,
    wait_for_app_idle,
)

__all__ = ["screenshot", "wait_for_app_idle", "PageLog"]

APP = REPO_ROOT / "app.py"
# apps/ holds scripts the tests serve, not tests (one of them fails on purpose at import)
collect_ignore = ["apps"]
BARE_APP = REPO_ROOT / "bench" / "bare_app.py"
VIEWPORT = {"width": 1400, "height": 900}
HERE = Path(__file__).resolve().parent
# Opened at /<page>, Streamlit's frontend first asks /<page>/_stcore/health and host-config
# (the page might be the base path), gets a 404 and retries at /: not an error of the app.
_BASE_PATH_PROBE = re.compile(r"^https?://[^/]+/[^/]+/_stcore/(health|host-config)$")


#: CI sets this (bash .ci/run installs Chromium): there a missing browser fails every test.
REQUIRE_BROWSER = os.environ.get("DERIVS_REQUIRE_BROWSER") == "1"


def pytest_collection_modifyitems(config, items):
    ours = [item for item in items if HERE in Path(str(item.path)).resolve().parents]
    for item in ours:
        item.add_marker(pytest.mark.browser)
    problem = chromium_problem() if ours and not REQUIRE_BROWSER else None
    if problem:  # a fresh machine without Chromium: say so once, run everything else
        reason = f"browser tests not run (CI requires them): {problem}"
        for item in ours:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"_report_{report.when}", report)  # read by `page` to screenshot failures
    return report


# --- servers --------------------------------------------------------------------------------


@pytest.fixture(scope="package")
def streamlit_server() -> Iterator:
    """``start(app_path) -> base URL``: one healthy server per app file, stopped at the end."""
    servers: dict[Path, StreamlitServer] = {}

    def start(app_path: str | Path, timeout: float = 60.0) -> str:
        app = Path(app_path).resolve()
        if app not in servers:
            if not app.is_file():
                pytest.fail(f"no Streamlit app at {app}", pytrace=False)
            log = ARTIFACTS / "logs" / f"streamlit-{app.stem}.log"
            server = StreamlitServer(app, log_path=log)
            try:
                server.start(timeout=timeout)
            except Exception as e:  # noqa: BLE001 - reported as a test failure with the log
                pytest.fail(f"could not start streamlit for {app}: {e}", pytrace=False)
            servers[app] = server
        return servers[app].url

    yield start
    for server in servers.values():
        server.stop()


@pytest.fixture(scope="package")
def app_url(streamlit_server) -> str:
    """The real app (app.py at the repo root)."""
    return streamlit_server(APP)


@pytest.fixture(scope="package")
def bare_app_url(streamlit_server) -> str:
    """bench/bare_app.py: one slider bound to ``?a=``, one plotly line that depends on it."""
    return streamlit_server(BARE_APP)


# --- browser --------------------------------------------------------------------------------


@pytest.fixture(scope="package")
def browser():
    problem = chromium_problem()
    if problem:
        pytest.fail(problem, pytrace=False)
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    try:
        try:
            b = launch_chromium(pw)
        except Exception as e:  # noqa: BLE001
            pytest.fail(f"Chromium ({chromium_version()}) did not start: {e}", pytrace=False)
        yield b
        b.close()
    finally:
        pw.stop()


@dataclasses.dataclass
class PageLog:
    """What a page did that a test may assert on."""

    blocked: list[str] = dataclasses.field(default_factory=list)
    console_errors: list[str] = dataclasses.field(default_factory=list)
    page_errors: list[str] = dataclasses.field(default_factory=list)

    @property
    def blocked_hosts(self) -> set[str]:
        return {urlsplit(u).hostname or u for u in self.blocked}

    def errors(self) -> list[str]:
        return [f"console: {m}" for m in self.console_errors] + [
            f"page error: {m}" for m in self.page_errors
        ]

    def assert_clean(self) -> None:
        errors = self.errors()
        assert not errors, "JavaScript errors in the page:\n" + "\n".join(errors)


@pytest.fixture
def _page_and_log(browser, request):
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(30_000)
    log = PageLog()
    block_foreign_requests(context, log.blocked)
    page = context.new_page()

    def on_console(msg):
        if msg.type != "error":
            return
        where = (msg.location or {}).get("url", "")
        if where in log.blocked or ("ERR_BLOCKED_BY_CLIENT" in msg.text and not where):
            return  # the fallout of a request we aborted on purpose
        if "404" in msg.text and _BASE_PATH_PROBE.search(where):
            return  # Streamlit's frontend probing /<page>/_stcore/ for a base path, then /
        log.console_errors.append(f"{msg.text} ({where})" if where else msg.text)

    page.on("console", on_console)
    page.on("pageerror", lambda exc: log.page_errors.append(str(exc)))
    yield page, log
    failed = any(
        getattr(getattr(request.node, f"_report_{when}", None), "failed", False)
        for when in ("setup", "call")
    )
    if failed:
        try:
            path = screenshot(page, f"FAILED-{request.node.name}")
            print(f"\nscreenshot of the failed page: {path}")
            if log.errors():
                print("page errors:\n" + "\n".join(log.errors()))
        except Exception as e:  # noqa: BLE001 - a screenshot must not mask the failure
            print(f"\n(no screenshot: {e})")
    context.close()


@pytest.fixture
def page(_page_and_log):
    """A fresh page in its own context; foreign requests are aborted (see ``page_log``)."""
    return _page_and_log[0]


@pytest.fixture
def page_log(_page_and_log) -> PageLog:
    return _page_and_log[1]


def pytest_report_header(config):
    # only shown when this conftest is an initial one (e.g. `pytest tests/browser`)
    return f"chromium: {chromium_version()}; screenshots: {SCREENSHOTS}"

"""The app hosted for a class: two replicas behind nginx at /derivs/, in Chromium.

The replicas run what the Dockerfile builds (its COPY lines staged into a folder, its CMD, ENV
and HEALTHCHECK; docker itself is not needed): one gets its base path as ``docker run -e
STREAMLIT_SERVER_BASE_URL_PATH=derivs`` gives it, the other as ``--server.baseUrlPath derivs``.
nginx runs deploy/nginx.conf with its ports filled in (tests/browser/proxy.py). Through nginx:
every page of app.py loads and connects its websocket, a keyboard slider move reaches the
address bar, a deep link restores its view, a browser's requests all go to one replica while
browsers spread over both, a download is fetched from the replica that holds the session (the
other has no such file: why the sessions must stick), and a tab whose replica dies carries on
on the other one.

Skipped with the reason when nginx is not installed, except in CI (``DERIVS_REQUIRE_BROWSER=1``),
where a missing nginx fails: ``bash .ci/run`` installs it.
"""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bench.browserlib import screenshot, wait_for_app_idle
from derivs import ACTIVATIONS
from derivs_app.views.activations import activation_grid
from tests.browser import proxy
from tests.browser.proxy import BASE_PATH, BASE_PATH_ENV, IMAGE_PORT, Nginx, Replica
from tests.browser.test_app_browser import PAGES

ROOT = Path(__file__).resolve().parents[2]
REQUIRE = os.environ.get("DERIVS_REQUIRE_BROWSER") == "1"
NGINX = proxy.nginx_binary()
LOAD_TIMEOUT = 90_000  # ms: a first run imports numpy, scipy, sympy and plotly on a busy machine
CHANGE_TIMEOUT = 45_000
CHART = ".js-plotly-plot .main-svg"
# Opened at /derivs/<page>, Streamlit's frontend first asks /derivs/<page>/_stcore/health and
# host-config (the page might be the base path), gets a 404 and retries one level up.
BASE_PATH_PROBE = re.compile(r"^https?://[^/]+(/[^/]+)+/_stcore/(health|host-config)$")

STREAM = f"/{BASE_PATH}/_stcore/stream"

if NGINX is None and not REQUIRE:  # one line for the whole file, like the browser tests' reason
    pytest.skip("proxy tests not run (CI requires them): nginx is not installed; "
                "`apt-get install -y nginx` (Debian's package) runs them", allow_module_level=True)


# --- the stack: two replicas as the image runs them, nginx in front ------------------------------


@dataclass
class Stack:
    nginx: Nginx
    replicas: list[Replica]

    def url(self, page: str = "", query: str = "") -> str:
        path = "" if page == "home" else page
        return f"{self.nginx.url}/{BASE_PATH}/{path}{query}"

    def replica(self, address: str) -> Replica:
        return next(r for r in self.replicas if r.address == address)

    def other(self, address: str) -> Replica:
        return next(r for r in self.replicas if r.address != address)


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Stack:
    if NGINX is None:  # only with DERIVS_REQUIRE_BROWSER=1: the file is skipped otherwise
        pytest.fail("nginx is not installed and DERIVS_REQUIRE_BROWSER=1 requires the proxy "
                    "tests: apt-get install -y nginx (bash .ci/run does it)", pytrace=False)
    image = tmp_path_factory.mktemp("image")
    proxy.stage_image(image)
    replicas = [Replica(image, proxy.free_port(), proxy.LOGS / f"streamlit-replica-{how}.log",
                        base_by=how) for how in ("env", "flag")]
    nginx = None
    try:
        for r in replicas:  # both start at once: the cold starts overlap
            r.start()
        for r in replicas:
            r.wait_healthy(timeout=120)
        host = proxy.public_loopback()
        nginx = Nginx(NGINX, host, proxy.free_port(host), [r.address for r in replicas])
        nginx.start(timeout=30)
        yield Stack(nginx, replicas)
    finally:
        if nginx is not None:
            nginx.stop()
            nginx.keep_logs()
        for r in replicas:
            r.stop()


@pytest.fixture
def new_page(browser, request):
    """``new_page() -> (page, errors)``: each call a browser of its own (its own cookies, so its
    own route), requests that would leave this machine aborted, console errors collected (the
    base-path probe's 404s and the fallout of aborted requests left out). A failed test leaves
    artifacts/screenshots/FAILED-<test>-<n>.png of each of its pages."""
    contexts = []

    def make():
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        context.set_default_timeout(30_000)
        contexts.append(context)
        blocked: list[str] = []
        proxy.allow_only_loopback(context, blocked)
        page = context.new_page()
        errors: list[str] = []

        def on_console(msg):
            where = (msg.location or {}).get("url", "")
            if msg.type != "error" or where in blocked or "ERR_BLOCKED_BY_CLIENT" in msg.text:
                return
            if "404" in msg.text and BASE_PATH_PROBE.search(where):
                return
            errors.append(f"{msg.text} ({where})")

        page.on("console", on_console)
        page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
        sockets: list[str] = []
        page.on("websocket", lambda ws: sockets.append(ws.url))
        page.sockets = sockets
        return page, errors

    yield make
    failed = getattr(getattr(request.node, "_report_call", None), "failed", False)
    for n, context in enumerate(contexts):
        if failed:
            for page in context.pages:
                try:
                    print(f"screenshot: {screenshot(page, f'FAILED-{request.node.name}-{n}')}")
                except Exception as e:  # noqa: BLE001 - must not hide the failure
                    print(f"(no screenshot: {e})")
        context.close()


def open_page(page, url: str) -> None:
    page.goto(url, wait_until="domcontentloaded")
    wait_for_app_idle(page, timeout=LOAD_TIMEOUT)  # connected (websocket) and not running


def assert_drawn_cleanly(page, errors: list[str]) -> None:
    exceptions = page.locator("[data-testid=stException]")
    assert exceptions.count() == 0, exceptions.first.inner_text()
    assert not errors, "JavaScript errors in the page:\n" + "\n".join(errors)


def route_of(page) -> str:
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert "derivs_route" in cookies, f"nginx set no route cookie: {list(cookies)}"
    assert cookies["derivs_route"]["path"] == f"/{BASE_PATH}/"
    return cookies["derivs_route"]["value"]


def chart_x(key: str) -> str:
    """JS: the x-axis range of the chart with this key and the x of its longest trace (the
    curve; the first traces may be shaded zones), or null while Streamlit swaps the chart."""
    return f"""() => {{
      const gd = document.querySelector('.st-key-{key} .js-plotly-plot');
      if (!gd || !gd.data || !gd.layout || !gd.layout.xaxis) return null;
      const xs = gd.data.map((t) => Array.from((t.x && (t.x._inputArray || t.x)) || []));
      const curve = xs.reduce((a, b) => (b.length > a.length ? b : a), []);
      return {{range: gd.layout.xaxis.range, first: curve[0], last: curve[curve.length - 1]}};
    }}"""


def shown_x(page, key: str) -> dict:
    page.wait_for_function(f"() => ({chart_x(key)})() !== null", timeout=LOAD_TIMEOUT)
    return page.evaluate(chart_x(key))


def slider(key: str) -> str:
    return f".st-key-{key} input[type=range]"


# --- every page through nginx ----------------------------------------------------------------


@pytest.mark.parametrize(("url_path", "page_file"), PAGES, ids=[u for u, _ in PAGES])
def test_page_loads_and_connects_through_nginx(stack, new_page, url_path, page_file):
    page, errors = new_page()
    open_page(page, stack.url(url_path))
    if re.search(r"\bui\.chart\(|plotly_chart\(", (ROOT / page_file).read_text()):
        page.wait_for_function(f"() => document.querySelectorAll('{CHART}').length >= 1",
                               timeout=LOAD_TIMEOUT)
        wait_for_app_idle(page, timeout=LOAD_TIMEOUT)
    # the page talked to its server over the websocket through nginx, at the sub-path
    assert f"ws://{stack.nginx.host}:{stack.nginx.port}{STREAM}" in page.sockets
    assert urlsplit(page.url).path == f"/{BASE_PATH}/{'' if url_path == 'home' else url_path}"
    links = page.locator("[data-testid=stSidebarNav] a")
    assert links.count() == len(PAGES)
    for href in links.evaluate_all("(links) => links.map((a) => a.href)"):
        assert urlsplit(href).path.startswith(f"/{BASE_PATH}/"), href
    assert_drawn_cleanly(page, errors)
    screenshot(page, f"proxy-{url_path}", full_page=False)


def test_a_bare_sub_path_redirects_to_the_app(stack):
    status, headers, _ = proxy.http_get(f"{stack.nginx.url}/{BASE_PATH}", follow=False)
    assert status == 301 and headers["Location"] == f"/{BASE_PATH}/"


# --- the URL and the view, through nginx ------------------------------------------------------


@pytest.mark.parametrize(
    ("url_path", "slider_key", "param"),
    [("activations", "act_x0", "act_x0=1.01"), ("softmax", "smx_z0", "smx_z0=2.1")],
)
def test_keyboard_slider_updates_the_url_through_nginx(stack, new_page, url_path, slider_key,
                                                       param):
    page, errors = new_page()
    open_page(page, stack.url(url_path))
    page.locator(slider(slider_key)).focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function(f"() => location.search.includes('{param}')", timeout=CHANGE_TIMEOUT)
    wait_for_app_idle(page, timeout=LOAD_TIMEOUT)
    assert urlsplit(page.url).path == f"/{BASE_PATH}/{url_path}"
    assert_drawn_cleanly(page, errors)


def test_deep_link_restores_the_view_through_nginx(stack, new_page):
    page, errors = new_page()
    open_page(page, stack.url("activations", "?act=gelu&act_zoom=10"))
    shown = shown_x(page, "act_fig")
    grid = activation_grid(ACTIVATIONS["gelu"], 10)  # ten times GELU's usual range
    assert shown["range"] == pytest.approx([grid[0], grid[-1]])
    assert (shown["first"], shown["last"]) == pytest.approx((grid[0], grid[-1]), rel=1e-6)
    assert page.locator(".st-key-act input").input_value() == ACTIVATIONS["gelu"].label
    assert page.locator(slider("act_zoom")).get_attribute("aria-valuetext") == "×10"
    page.wait_for_timeout(1000)  # a link the page could not use would leave the URL by now
    assert "act=gelu" in page.url and "act_zoom=10" in page.url
    assert_drawn_cleanly(page, errors)


# --- sticky sessions ---------------------------------------------------------------------------


def wait_for_log(stack, select, done, timeout: float = 10.0) -> list:
    """``select(access log lines)`` once ``done(selected)`` holds, or after ``timeout`` s. nginx
    writes a request's line when it has finished it, which may be a moment after the client has
    its answer; a websocket's line, when it closes."""
    deadline = time.monotonic() + timeout
    while True:
        selected = select(stack.nginx.access_log())
        if done(selected) or time.monotonic() > deadline:
            return selected
        time.sleep(0.1)


def test_browsers_spread_over_the_replicas_and_each_sticks_to_one(stack):
    url = stack.url()
    before = len(stack.nginx.access_log())
    for _ in range(40):  # 40 browsers' first requests: a new random key each
        assert proxy.http_get(url)[0] == 200
    for _ in range(20):  # one browser coming back 20 times with its cookie
        assert proxy.http_get(url, headers={"Cookie": "derivs_route=a-student"})[0] == 200
    # (other lines may come in between: a websocket of an earlier test, logged as it closes)
    lines = wait_for_log(
        stack, lambda log: [line for line in log[before:] if line.path == f"/{BASE_PATH}/"],
        lambda lines: len(lines) >= 60)
    first, again = lines[:40], lines[40:]
    assert len(first) == 40 and len(again) == 20
    assert {line.upstream for line in first} == {r.address for r in stack.replicas}, \
        Counter(line.upstream for line in first)  # all on one: 2**-39 by chance
    assert len({line.upstream for line in again}) == 1
    assert {line.route for line in again} == {"a-student"}


def test_a_page_and_its_websocket_stay_on_one_replica(stack, new_page):
    page, errors = new_page()
    open_page(page, stack.url("softmax"))
    page.locator(slider("smx_z0")).focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => location.search.includes('smx_z0=2.1')",
                           timeout=CHANGE_TIMEOUT)
    wait_for_app_idle(page, timeout=LOAD_TIMEOUT)
    assert_drawn_cleanly(page, errors)
    route = route_of(page)
    page.close()  # nginx logs the websocket when it closes
    mine = wait_for_log(stack, lambda lines: [line for line in lines if line.route == route],
                        lambda mine: any(line.path == STREAM for line in mine))
    streams = [line for line in mine if line.path == STREAM]
    assert [line.status for line in streams] == [101], streams  # upgraded by nginx, once
    assert len(mine) > 10  # the page, its scripts, health, host-config, the websocket
    assert len({line.upstream for line in mine}) == 1, Counter(line.upstream for line in mine)


def test_a_download_comes_from_the_replica_that_holds_the_session(stack, new_page):
    """st.download_button's file lives in the memory of the process that ran the page: through
    nginx it downloads; the other replica has never heard of it (hence the sticky sessions).
    A point of its own makes the file this test's alone (a file's id is a hash of its content)."""
    x = round(random.uniform(0.1, 0.9), 6)
    page, errors = new_page()
    open_page(page, stack.url("gradcheck", f"?gc_export=true&gc_xe={x}"))
    button = page.locator(".st-key-gc_dl_check_numpy button")
    button.wait_for(state="visible", timeout=LOAD_TIMEOUT)
    with page.expect_download(timeout=CHANGE_TIMEOUT) as info:
        button.click()
    download = info.value
    code = Path(download.path()).read_text()
    assert "import numpy" in code and repr(x) in code, code[:500]
    assert download.suggested_filename.endswith(".py")
    media = urlsplit(download.url).path
    assert media.startswith(f"/{BASE_PATH}/media/"), download.url
    route = route_of(page)
    served_by = {line.upstream for line in wait_for_log(
        stack, lambda log: [line for line in log if line.path == media and line.route == route],
        bool)}
    assert len(served_by) == 1, served_by
    (owner,) = served_by
    status, _, body = proxy.http_get(f"http://{owner}{media}")
    assert status == 200 and body.decode() == code
    assert proxy.http_get(f"http://{stack.other(owner).address}{media}")[0] == 404
    assert_drawn_cleanly(page, errors)


# --- the image's health check ------------------------------------------------------------------


def test_the_image_healthcheck_follows_the_base_path(stack):
    """The HEALTHCHECK command as docker runs it (its argv, the image's environment), pointed at
    a replica whose base path comes from the environment: healthy. At a replica whose health
    has moved where the command does not look (base path by flag, none in the environment):
    unhealthy, so the check does check."""
    options, command = proxy.image_healthcheck()
    assert {o.split("=")[0] for o in options} >= {"--interval", "--timeout", "--start-period"}
    assert command[0] == "python" and any(str(IMAGE_PORT) in a for a in command)
    by_env, by_flag = stack.replicas

    def run(replica, env):
        argv = [sys.executable] + [a.replace(str(IMAGE_PORT), str(replica.port))
                                   for a in command[1:]]
        return subprocess.run(argv, env=env, capture_output=True, timeout=30,
                              stdin=subprocess.DEVNULL).returncode

    image_env = dict(os.environ, **proxy.image_env())
    image_env.pop(BASE_PATH_ENV, None)
    assert run(by_env, dict(image_env, **{BASE_PATH_ENV: BASE_PATH})) == 0
    assert run(by_flag, image_env) == 1


# --- a replica dies mid-lesson ---------------------------------------------------------------


def test_a_tab_carries_on_when_its_replica_dies(stack, new_page):
    """The replica a student's tab is on stops: the page reconnects through nginx to the other
    one, keeps the view its URL holds, and the next slider move is answered there. Last in the
    file: it restarts the stopped replica for whatever runs after it."""
    page, errors = new_page()
    open_page(page, stack.url("softmax", "?smx_z0=2.5"))
    route = route_of(page)
    (owner,) = {line.upstream for line in stack.nginx.access_log() if line.route == route}
    dying = stack.replica(owner)
    before = len(stack.nginx.access_log())
    dying.stop()
    try:
        page.wait_for_function(
            "() => { const a = document.querySelector('[data-testid=stApp]');"
            " return a && a.getAttribute('data-test-connection-state') !== 'CONNECTED'; }",
            timeout=CHANGE_TIMEOUT)
        wait_for_app_idle(page, timeout=LOAD_TIMEOUT)  # connected again
        assert page.locator(slider("smx_z0")).input_value() == "2.5"
        page.locator(slider("smx_z0")).focus()
        page.keyboard.press("ArrowRight")
        page.wait_for_function("() => location.search.includes('smx_z0=2.6')",
                               timeout=CHANGE_TIMEOUT)
        wait_for_app_idle(page, timeout=LOAD_TIMEOUT)
        assert page.locator("[data-testid=stException]").count() == 0
        # what the lost connection printed is expected here; nothing else may be
        assert not [e for e in errors if "stream" not in e and "WebSocket" not in e], errors
        page.close()  # nginx logs the websockets when they close
        after = wait_for_log(
            stack, lambda lines: [line for line in lines[before:] if line.route == route],
            lambda after: len([line for line in after if line.path == STREAM]) >= 2)
        survivor = stack.other(owner).address
        streams = [(line.status, line.upstream) for line in after if line.path == STREAM]
        # the old websocket ended with its replica; the new one, on the survivor, at close
        assert streams == [(101, owner), (101, survivor)], streams
        # a request after the stop: nginx tried the route's replica, then passed it on
        assert any(line.upstreams[:-1] == (owner,) and line.upstream == survivor
                   for line in after), after
    finally:
        dying.start()
        dying.wait_healthy(timeout=120)

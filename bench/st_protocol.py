"""A Streamlit client that speaks the browser's protocol, without a browser.

    async with ProtocolSession("http://127.0.0.1:8501", page="activations") as s:
        load = await s.load()                      # as a browser opening /activations
        move = await s.move("act_x0", 2.5)         # as a person dragging the slider to 2.5
        load.first_chart - load.sent, move.finished - move.sent   # seconds

What the browser does, read from Streamlit 1.67's frontend (``sendRerunBackMsg`` in
static/js/index.*.js) and its server (web/server/starlette/starlette_websocket.py,
runtime/app_session.py), and what this client does the same way:

- one websocket to ``/_stcore/stream`` with subprotocol ``streamlit`` (the server picks the
  first entry of Sec-WebSocket-Protocol; the second and third carry an XSRF token and a
  session id to resume, which a fresh visitor has not got), Origin = the app's own origin,
  permessage-deflate offered (as browsers do), no client pings (browsers send none; the
  server pings and the library answers);
- every message both ways is one binary protobuf: ``BackMsg`` up, ``ForwardMsg`` down;
- opening a page: ``BackMsg.rerun_script`` = ``ClientState`` with ``page_name`` = the URL path
  relative to the app's base (``"activations"``), ``page_script_hash`` = "" (not known yet),
  ``query_string`` = the URL's query without "?", empty ``widget_states``, ``context_info``
  (timezone, locale, url, colour scheme) and ``cached_message_hashes``;
- the server answers each run with ``new_session`` (page_script_hash of the page that runs, and
  ``metadata.run`` = RunIdentity of the run), ``delta`` messages (``delta.new_element`` is the
  Element: ``slider``, ``plotly_chart``, ``exception``, ``alert`` ...; ``delta.fragment_id`` is
  the fragment that drew it), ``page_info_changed`` (the new query string when a widget bound
  to the URL changed; the browser puts it in the address bar and sends it with the next rerun)
  and ``script_finished`` (FINISHED_SUCCESSFULLY, FINISHED_FRAGMENT_RUN_SUCCESSFULLY, or
  FINISHED_EARLY_FOR_RERUN when the run was interrupted and another follows);
- moving a slider: the widget's ``id`` is learnt from its element (``Slider.id``; a keyed
  widget's id ends in ``-<key>`` and a URL-bound one also carries ``query_param_key``); the
  browser sends ``rerun_script`` with ``widget_states`` holding
  ``WidgetState(id, double_array_value=[x])`` (a slider's value is a list: one thumb, or two
  for a range), ``page_script_hash`` = the current page's hash, ``page_name`` = "", the current
  query string, and ``fragment_id`` = the slider's ``delta.fragment_id`` when it lives in an
  ``st.fragment`` (then only that fragment reruns). Widgets not listed keep their previous
  value on the server (SessionState compacts old values before applying the new ones); the
  browser lists all of its widgets, this client only the ones it has moved;
- message cache: a ``ForwardMsg`` whose ``metadata.cacheable`` is set (large ``new_element``
  deltas, 10 KB and up: plotly charts) is kept by its ``hash``; the client lists the hashes it
  holds in ``cached_message_hashes`` and the server then sends ``ref_hash`` instead of the
  element when it is unchanged. As the browser does; bounded here (``CACHE_ENTRIES``).

Times are ``time.monotonic()`` (the clock bench/timed_server.py logs server runs with).
Errors, collected in ``session.errors`` (a load test must see none): an ``exception`` element,
an ``alert`` of format ERROR (the app turns exceptions into such an apology, derivs_app/ui.py),
a ``FINISHED_WITH_COMPILE_ERROR``, a ``session_event`` about a compile error or a stopped
script, ``page_not_found``, an unknown ``ref_hash``, the websocket closing while we did not
close it, and a run that did not finish within the timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from collections import OrderedDict
from urllib.parse import parse_qsl, urlencode, urlsplit

from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

STREAM_PATH = "/_stcore/stream"
CACHE_ENTRIES = 256  # the browser ages its cache out by script runs; a bound is enough here

_DONE = {
    ForwardMsg.FINISHED_SUCCESSFULLY: "ok",
    ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY: "ok",
    ForwardMsg.FINISHED_WITH_COMPILE_ERROR: "compile error",
}


@dataclasses.dataclass
class Run:
    """One rerun request and what came back for it (times: ``time.monotonic()`` seconds)."""

    kind: str  # "load" or "move"
    sent: float  # the BackMsg left (for a load: the moment the websocket was asked to open)
    fragment: bool = False
    started: float | None = None  # first new_session after sending
    first_chart: float | None = None  # first delta with a plotly_chart element after sending
    finished: float | None = None  # the script_finished that ended it
    status: str | None = None
    runs: int = 0  # script runs it took (more when the server was asked to rerun midway)
    messages: int = 0
    bytes: int = 0
    charts: int = 0
    cached_refs: int = 0  # charts that came as ref_hash (the client had them)
    done: asyncio.Event = dataclasses.field(default_factory=asyncio.Event, repr=False)

    @property
    def chart_s(self) -> float | None:
        return None if self.first_chart is None else self.first_chart - self.sent

    @property
    def finish_s(self) -> float | None:
        return None if self.finished is None else self.finished - self.sent


@dataclasses.dataclass
class Widget:
    """What the client knows about a widget from its last element."""

    id: str
    kind: str  # the Element field: "slider", ...
    fragment_id: str
    form_id: str
    proto: object  # the element's message (e.g. streamlit.proto.Slider_pb2.Slider)


class ProtocolError(RuntimeError):
    pass


def js_number(v: float) -> str:
    """``String(v)`` in JavaScript, for the numbers a slider holds (3.0 -> "3", 0.1 -> "0.1")."""
    v = float(v)
    if v.is_integer() and abs(v) < 1e21:
        return str(int(v))
    text = repr(v)
    if "e" in text:  # JS: 1e-7, 1.5e+300; Python: 1e-07, 1.5e+300
        mantissa, exp = text.split("e")
        sign = "-" if exp.startswith("-") else "+"
        text = f"{mantissa}e{sign}{int(exp.lstrip('+-'))}"
    return text


def with_query_value(query_string: str, key: str, values: list[str] | None) -> str:
    """``query_string`` with ``key`` set to ``values`` (None: removed), the others kept in order.

    What the browser does to its address bar when a widget bound to the URL changes (its
    WidgetStateManager.updateUrlParam); the next rerun_script carries the new query string."""
    pairs = [(k, v) for k, v in parse_qsl(query_string, keep_blank_values=True) if k != key]
    pairs += [(key, v) for v in (values or [])]
    return urlencode(pairs)


def _widget_key(widget_id: str) -> str | None:
    """The user key of a keyed widget's id (``$$ID-<hash>-act_x0`` -> ``act_x0``)."""
    parts = widget_id.split("-", 2)
    return parts[2] if len(parts) == 3 and parts[2] else None


class ProtocolSession:
    """One visitor: a websocket to the server and the browser's side of the protocol."""

    def __init__(self, base_url: str, page: str = "", query_string: str = "",
                 locale: str = "en-US", timeout: float = 60.0, name: str = ""):
        parts = urlsplit(base_url)
        if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError(f"only a local server, not {base_url}")  # loopback traffic only
        self.base_url = base_url.rstrip("/")
        self.ws_url = f"ws://{parts.netloc}{STREAM_PATH}"
        self.page, self.query_string, self.locale = page.strip("/"), query_string, locale
        self.timeout, self.name = timeout, name or page
        self.page_script_hash = ""
        self.session_id = ""  # the server's, from the first new_session
        self.widgets: dict[str, Widget] = {}  # by id
        self.errors: list[str] = []
        self.runs: list[Run] = []
        self.unsolicited_runs = 0  # new_session with no request of ours pending
        self._cache: OrderedDict[str, ForwardMsg] = OrderedDict()
        self._pending: Run | None = None
        self._ws = None
        self._reader: asyncio.Task | None = None
        self._closing = False
        self.connect_started: float | None = None
        self.connected: float | None = None

    # --- connection ---------------------------------------------------------------------------

    async def open(self) -> None:
        from websockets.asyncio.client import connect

        self.connect_started = time.monotonic()
        self._ws = await connect(
            self.ws_url, subprotocols=["streamlit"], origin=self.base_url,
            proxy=None,  # loopback: never through a proxy from the environment
            ping_interval=None, open_timeout=self.timeout, max_size=None,
            max_queue=None,  # read everything as it comes: a slow reader is dropped by the server
            user_agent_header="derivs-bench/st_protocol",
        )  # fmt: skip
        self.connected = time.monotonic()
        self._reader = asyncio.create_task(self._read(), name=f"read {self.name}")

    async def close(self) -> None:
        self._closing = True
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._ws.close(), 10)
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader

    async def __aenter__(self) -> ProtocolSession:
        await self.open()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()

    def _error(self, text: str) -> None:
        self.errors.append(f"{self.name}: {text}")

    # --- requests -----------------------------------------------------------------------------

    def _context_info(self):
        from streamlit.proto.ClientState_pb2 import ContextInfo

        url = f"{self.base_url}/{self.page}" + (f"?{self.query_string}" if self.query_string else "")
        return ContextInfo(timezone="UTC", timezone_offset=0, locale=self.locale, url=url,
                           is_embedded=False, color_scheme="light")

    async def _rerun(self, run: Run, widget_states=(), fragment_id: str = "",
                     page_name: str = "") -> Run:
        if self._pending is not None:
            raise ProtocolError("one request at a time: the previous one has not finished")
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = self.query_string
        cs.page_script_hash = self.page_script_hash
        cs.page_name = page_name
        cs.fragment_id = fragment_id
        cs.widget_states.widgets.extend(widget_states)
        cs.cached_message_hashes.extend(self._cache.keys())
        cs.context_info.CopyFrom(self._context_info())
        self._pending = run
        self.runs.append(run)
        if run.kind != "load":
            run.sent = time.monotonic()
        try:
            await self._ws.send(msg.SerializeToString())
        except Exception as e:  # noqa: BLE001 - the disconnect is the error to report
            self._pending = None
            self._error(f"send failed: {type(e).__name__}: {e}")
            run.status = "send failed"
            return run
        try:
            await asyncio.wait_for(run.done.wait(), self.timeout)
        except asyncio.TimeoutError:
            run.status = "timeout"
            self._error(f"{run.kind}: no script_finished within {self.timeout:g} s")
        finally:
            self._pending = None
        return run

    async def load(self) -> Run:
        """Open the page: connect (unless open) and run the script as a first visit does."""
        t0 = time.monotonic()
        if self._ws is None:
            await self.open()
            t0 = self.connect_started
        run = Run("load", sent=t0)
        return await self._rerun(run, page_name=self.page if not self.page_script_hash else "")

    def slider(self, key: str) -> Widget:
        for w in self.widgets.values():
            if w.kind == "slider" and (getattr(w.proto, "query_param_key", "") == key
                                       or _widget_key(w.id) == key):
                return w
        raise ProtocolError(f"{self.name}: no slider with key {key!r} on the page (seen: "
                            f"{sorted(_widget_key(w.id) or w.id for w in self.widgets.values())})")

    async def move(self, key: str, value: float | list[float]) -> Run:
        """Set slider ``key`` to ``value`` as the browser does when a person lets go of it."""
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        w = self.slider(key)
        values = [float(v) for v in (value if isinstance(value, (list, tuple)) else [value])]
        state = WidgetState(id=w.id)
        state.double_array_value.data.extend(values)
        param = getattr(w.proto, "query_param_key", "")
        if param:  # the browser writes a bound widget's value into the URL (or drops a default)
            shown = [js_number(v) for v in values]
            default = [js_number(v) for v in getattr(w.proto, "default", [])]
            self.query_string = with_query_value(self.query_string, param,
                                                 None if shown == default else shown)
        run = Run("move", sent=0.0, fragment=bool(w.fragment_id))
        return await self._rerun(run, [state], fragment_id=w.fragment_id)

    # --- what comes back ----------------------------------------------------------------------

    async def _read(self) -> None:
        from websockets.exceptions import ConnectionClosed

        try:
            async for raw in self._ws:
                self._handle(raw, time.monotonic())
        except ConnectionClosed as e:
            if not self._closing:
                self._error(f"websocket closed by the server ({e})")
        except Exception as e:  # noqa: BLE001 - a reader that dies is an error, not a hang
            self._error(f"reader failed: {type(e).__name__}: {e}")
        else:
            if not self._closing:
                self._error("websocket closed by the server")
        finally:
            run = self._pending
            if run is not None and not run.done.is_set():
                run.status = run.status or "disconnected"
                run.done.set()

    def _resolve(self, msg: ForwardMsg) -> ForwardMsg | None:
        if msg.WhichOneof("type") == "ref_hash":
            cached = self._cache.get(msg.ref_hash)
            if cached is None:
                self._error(f"server referred to a message this client never had ({msg.ref_hash})")
                return None
            self._cache.move_to_end(msg.ref_hash)
            full = ForwardMsg()
            full.CopyFrom(cached)
            full.metadata.CopyFrom(msg.metadata)
            return full
        if msg.metadata.cacheable and msg.hash and msg.hash not in self._cache:
            self._cache[msg.hash] = msg
            while len(self._cache) > CACHE_ENTRIES:
                self._cache.popitem(last=False)
        return msg

    def _handle(self, raw: bytes, now: float) -> None:
        msg = ForwardMsg()
        msg.ParseFromString(raw)
        was_ref = msg.WhichOneof("type") == "ref_hash"
        msg = self._resolve(msg)
        if msg is None:
            return
        run = self._pending
        if run is not None:
            run.messages += 1
            run.bytes += len(raw)
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            self.page_script_hash = msg.new_session.page_script_hash or self.page_script_hash
            if msg.new_session.HasField("initialize"):
                self.session_id = msg.new_session.initialize.session_id or self.session_id
            if run is None:
                self.unsolicited_runs += 1
            else:
                run.runs += 1
                run.started = run.started or now
        elif kind == "page_info_changed":
            self.query_string = msg.page_info_changed.query_string
        elif kind == "delta":
            self._delta(msg, run, now, was_ref)
        elif kind == "script_finished":
            status = msg.script_finished
            if run is not None and status in _DONE:
                run.finished, run.status = now, _DONE[status]
                run.done.set()
            if status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                self._error("script finished with a compile error")
        elif kind == "session_event":
            ev = msg.session_event
            if ev.HasField("script_compilation_exception"):
                self._error(f"compile error: {ev.script_compilation_exception.message[:200]}")
            elif ev.script_was_manually_stopped:
                self._error("the script was stopped")
        elif kind == "page_not_found":
            self._error(f"page not found: {msg.page_not_found.page_name!r}")

    def _delta(self, msg: ForwardMsg, run: Run | None, now: float, was_ref: bool) -> None:
        delta = msg.delta
        if delta.WhichOneof("type") != "new_element":
            return
        el = delta.new_element
        kind = el.WhichOneof("type")
        if kind == "plotly_chart":
            if run is not None:
                run.charts += 1
                run.cached_refs += was_ref
                run.first_chart = run.first_chart or now
        elif kind == "exception":
            self._error(f"exception element: {el.exception.type}: {el.exception.message[:200]}")
        elif kind == "alert" and el.alert.format == Alert.ERROR:
            self._error(f"error alert: {el.alert.body[:200]}")
        else:
            proto = getattr(el, kind) if kind else None
            widget_id = getattr(proto, "id", "") if proto is not None else ""
            if widget_id and hasattr(proto, "form_id"):
                self.widgets[widget_id] = Widget(widget_id, kind, delta.fragment_id,
                                                 proto.form_id, proto)

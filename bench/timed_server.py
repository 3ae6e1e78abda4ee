"""``streamlit ARGS...`` with every script run timed on the server, one JSON line per run.

    DERIVS_RUN_LOG=/tmp/runs.jsonl python bench/timed_server.py run app.py --server.port 8601 ...

Takes the same arguments as the ``streamlit`` command (bench/browserlib.py's StreamlitServer
starts it this way when given ``run_log``). Before handing over to Streamlit's own CLI it wraps
``ScriptRunner._run_script`` (streamlit/runtime/scriptrunner/script_runner.py), the method the
script thread calls for every rerun request, full or fragment-only: it takes the rerun's
``RerunData`` (``fragment_id_queue`` is non-empty for a fragment rerun), executes the page and
sends ``script_finished``, so its wall time is the server's rerun time. The wrapper calls the
original unchanged and, when it returns, appends to the file named by ``DERIVS_RUN_LOG``::

    {"start": s, "end": s, "ms": ms, "cpu_ms": ms, "cleanup_ms": ms, "fragment": bool,
     "page": hash, "pid": n, "finished": ["SCRIPT_STOPPED_WITH_SUCCESS"]}

- ``start``/``end``: ``time.monotonic()`` (CLOCK_MONOTONIC, the same clock in every process of
  the machine, so a benchmark can match runs to its own key presses); ``ms`` = end - start;
- ``cpu_ms``: CPU time of the script thread over the run (``time.thread_time``), which a busy
  shared machine inflates less than wall time;
- ``cleanup_ms``: of ``ms``, the time in ``ScriptRunner._on_script_finished``, Streamlit's
  post-run step that sends ``script_finished`` and then drops orphaned media and, with
  ``runner.postScriptGC`` (on by default), runs ``gc.collect(2)``;
- ``finished``: the ScriptRunnerEvent of each run that ended inside the call; more than one when
  a new rerun request interrupted the run and ``_run_script`` went straight on to it;
- ``page``: the script hash of the page that ran (from the thread's ScriptRunContext).

The duration includes Streamlit's own work around the script (widget state, the post-run
``gc.collect``) because the script thread cannot start the next rerun before it is done.
Without ``DERIVS_RUN_LOG`` nothing is wrapped.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import threading
import time

_local = threading.local()  # per script thread: the runs finished in this call


def install(log_path: str) -> None:
    from streamlit.runtime.scriptrunner import script_runner
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    runner = script_runner.ScriptRunner
    run_script, on_finished = runner._run_script, runner._on_script_finished
    lock = threading.Lock()
    log = open(log_path, "a", buffering=1, encoding="utf-8")  # noqa: SIM115 - open for life

    @functools.wraps(on_finished)
    def timed_on_finished(self, ctx, event, *args, **kwargs):
        start = time.monotonic()
        try:
            return on_finished(self, ctx, event, *args, **kwargs)
        finally:
            if hasattr(_local, "finished"):  # always, as it is only called from _run_script
                _local.cleanup += time.monotonic() - start
                _local.finished.append(getattr(event, "name", str(event)))

    @functools.wraps(run_script)
    def timed_run_script(self, rerun_data):
        _local.finished, _local.cleanup = [], 0.0
        cpu0, start = time.thread_time(), time.monotonic()
        try:
            return run_script(self, rerun_data)
        finally:
            end, cpu = time.monotonic(), time.thread_time() - cpu0
            ctx = get_script_run_ctx(suppress_warning=True)
            line = json.dumps({
                "start": start, "end": end, "ms": (end - start) * 1000, "cpu_ms": cpu * 1000,
                "cleanup_ms": _local.cleanup * 1000,
                "fragment": bool(rerun_data.fragment_id_queue),
                "page": ctx.page_script_hash if ctx else rerun_data.page_script_hash,
                "pid": os.getpid(), "finished": _local.finished,
            })  # fmt: skip
            with lock:
                log.write(line + "\n")

    runner._run_script = timed_run_script
    runner._on_script_finished = timed_on_finished


def main() -> None:
    # As under `python -m streamlit`: the working directory, not bench/, heads sys.path (bench/
    # holds modules such as core.py that must not shadow the app's imports).
    sys.path[0] = os.getcwd()
    log_path = os.environ.get("DERIVS_RUN_LOG")
    if log_path:
        install(log_path)
    from streamlit.web.cli import main as streamlit_main

    sys.argv = ["streamlit", *sys.argv[1:]]
    streamlit_main(prog_name="streamlit")


if __name__ == "__main__":
    main()

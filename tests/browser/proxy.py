"""Helpers of tests/browser/test_proxy.py: the app as the Dockerfile builds it, two replicas of
it, and nginx in front of them with deploy/nginx.conf.

Docker is not used (nor needed): ``stage_image`` copies what the Dockerfile's ``COPY`` lines copy
(read with ``.dockerignore``, simplified: no ``!`` exceptions) into a folder, and ``Replica`` runs
the Dockerfile's own ``CMD`` there, with its ``ENV``, on a loopback port instead of 0.0.0.0:8501.
So a file the app needs but the image leaves out, or a mistyped flag in ``CMD``, fails here.

``Nginx`` runs Debian's nginx binary as a child process (``-p <prefix> -c <conf> -g 'daemon
off;'``) with a main config of its own in a temporary prefix that ``include``s
``deploy/nginx.conf`` with its listen port and its replicas replaced (``nginx_site_config``).
Every request it proxies is logged with the replica that answered it and the session's route
key, so a test can see where each request went (``Nginx.access_log``).

Every process runs in its own process group; ``stop()`` kills the group (TERM, then KILL).
"""

from __future__ import annotations

import contextlib
import fnmatch
import ipaddress
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO_ROOT / "Dockerfile"
DOCKERIGNORE = REPO_ROOT / ".dockerignore"
NGINX_TEMPLATE = REPO_ROOT / "deploy" / "nginx.conf"
LOGS = REPO_ROOT / "artifacts" / "logs"

BASE_PATH = "derivs"  # server.baseUrlPath of the replicas, and nginx's location /derivs/
IMAGE_PORT = 8501  # the port the image's CMD and HEALTHCHECK use
BASE_PATH_ENV = "STREAMLIT_SERVER_BASE_URL_PATH"  # what `docker run -e` sets


# --- the Dockerfile, read ---------------------------------------------------------------------


def dockerfile_instructions(path: Path = DOCKERFILE) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of each instruction: comments dropped, continued lines joined."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue  # a comment inside a continued instruction is skipped, as docker does
        pending = f"{pending} {line}" if pending else line
        if pending.endswith("\\"):
            pending = pending[:-1].rstrip()
            continue
        word, _, rest = pending.partition(" ")
        instructions.append((word.upper(), rest.strip()))
        pending = ""
    if pending:
        raise ValueError(f"{path}: the last instruction ends with a line continuation")
    return instructions


def _one(instruction: str, path: Path = DOCKERFILE) -> str:
    found = [args for word, args in dockerfile_instructions(path) if word == instruction]
    if len(found) != 1:
        raise ValueError(f"{path}: expected one {instruction}, found {len(found)}")
    return found[0]


def _strip_flags(args: str) -> tuple[list[str], str]:
    """``--chown=a:b --start-period=5s rest`` -> (['--chown=a:b', ...], 'rest')."""
    flags = []
    while args.startswith("--"):
        flag, _, args = args.partition(" ")
        flags.append(flag)
        args = args.lstrip()
    return flags, args


def image_command(path: Path = DOCKERFILE) -> list[str]:
    """The image's CMD (exec form, a JSON array: the shell form would not get the signals)."""
    args = _one("CMD", path)
    command = json.loads(args)
    if not (isinstance(command, list) and all(isinstance(a, str) for a in command)):
        raise ValueError(f"CMD is not a JSON array of strings: {args}")
    return command


def image_healthcheck(path: Path = DOCKERFILE) -> tuple[list[str], list[str]]:
    """The HEALTHCHECK's options and its command (exec form, a JSON array)."""
    options, rest = _strip_flags(_one("HEALTHCHECK", path))
    word, _, command = rest.partition(" ")
    if word.upper() != "CMD":
        raise ValueError(f"HEALTHCHECK is not 'CMD [...]': {rest}")
    argv = json.loads(command)
    if not (isinstance(argv, list) and all(isinstance(a, str) for a in argv)):
        raise ValueError(f"HEALTHCHECK CMD is not a JSON array of strings: {command}")
    return options, argv


def image_env(path: Path = DOCKERFILE) -> dict[str, str]:
    """The ``ENV key=value ...`` lines (only the key=value form)."""
    env: dict[str, str] = {}
    for word, args in dockerfile_instructions(path):
        if word == "ENV":
            for item in shlex.split(args):
                key, sep, value = item.partition("=")
                if not sep:
                    raise ValueError(f"ENV without '=': {args} (use ENV key=value)")
                env[key] = value
    return env


def image_copies(path: Path = DOCKERFILE) -> list[tuple[list[str], str]]:
    """(sources, destination) of each COPY (relative to the build context; WORKDIR-relative
    destinations, which is all this Dockerfile uses)."""
    copies = []
    for word, args in dockerfile_instructions(path):
        if word == "ADD":
            raise ValueError("ADD in the Dockerfile: use COPY (ADD fetches URLs, unpacks tars)")
        if word == "COPY":
            flags, rest = _strip_flags(args)
            if any(f.startswith("--from") for f in flags):
                continue  # from another stage, not the build context
            parts = json.loads(rest) if rest.startswith("[") else shlex.split(rest)
            copies.append((parts[:-1], parts[-1]))
    return copies


def dockerignore_patterns(path: Path = DOCKERIGNORE) -> list[str]:
    patterns = []
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            if line.startswith("!"):
                raise ValueError(f"{path}: '!' exceptions are not read by this test: {line}")
            patterns.append(line.strip("/"))
    return patterns


def _matches(pattern: list[str], path: list[str]) -> bool:
    """Segment by segment, as Go's filepath.Match that docker uses: ``*`` stays inside one
    segment, ``**`` spans any number of them."""
    if not pattern:
        return not path
    if pattern[0] == "**":
        return any(_matches(pattern[1:], path[i:]) for i in range(len(path) + 1))
    return bool(path) and fnmatch.fnmatchcase(path[0], pattern[0]) and _matches(pattern[1:],
                                                                                path[1:])


def ignored(relative: str, patterns: Sequence[str]) -> bool:
    """Whether .dockerignore keeps ``relative`` (a POSIX path in the context) out of the build:
    a pattern that matches the path or one of its parent folders (which leaves out all inside)."""
    parts = relative.split("/")
    return any(_matches(pattern.split("/"), parts[: i + 1])
               for pattern in patterns for i in range(len(parts)))


def stage_image(target: Path, context: Path = REPO_ROOT) -> list[str]:
    """Copy into ``target`` what the Dockerfile's COPY lines put in its WORKDIR; return the
    copied files (relative). Raises if a source is missing or entirely left out by .dockerignore,
    as ``docker build`` would fail then."""
    patterns = dockerignore_patterns()
    copied: list[str] = []
    for sources, dest in image_copies():
        if dest.startswith("/"):
            raise ValueError(f"COPY to an absolute path {dest}: this test stages WORKDIR only")
        for source in sources:
            src = context / source
            if not src.exists():
                raise FileNotFoundError(f"COPY {source}: not in the build context")
            files = [src] if src.is_file() else sorted(p for p in src.rglob("*") if p.is_file())
            kept = [f for f in files if not ignored(f.relative_to(context).as_posix(), patterns)]
            if not kept:
                raise FileNotFoundError(f"COPY {source}: .dockerignore leaves nothing of it")
            for f in kept:
                if src.is_file():
                    rel = Path(dest) / f.name if dest.endswith("/") else Path(dest)
                else:
                    rel = Path(dest) / f.relative_to(src)
                out = target / rel
                out.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(f, out)
                copied.append(rel.as_posix())
    return copied


# --- the network: loopback only -------------------------------------------------------------------


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def public_loopback() -> str:
    """An address for nginx that Streamlit does not take for its own (127.0.0.1 and localhost
    are on its allow-list of origins): as a class server's name is, so the test sees what a
    real host name sees (the websocket's same-origin check compares Origin with Host). Falls
    back to 127.0.0.1 where 127.0.0.2 cannot be bound."""
    try:
        free_port("127.0.0.2")
        return "127.0.0.2"
    except OSError:
        return "127.0.0.1"


def is_loopback(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return True
    host = parts.hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def allow_only_loopback(context, blocked: list[str]) -> None:
    """Abort every request of ``context`` that leaves this machine (127.0.0.0/8, localhost);
    record it in ``blocked``. bench.browserlib's blocker allows 127.0.0.1 alone."""

    def handle(route):
        if is_loopback(route.request.url):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort("blockedbyclient")

    context.route("**/*", handle)


# --- processes ----------------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the 3xx is returned as it is


def http_get(url: str, headers: Mapping[str, str] | None = None, timeout: float = 10.0,
             follow: bool = True) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) of a GET; an HTTP error status is returned, not raised."""
    request = urllib.request.Request(url, headers=dict(headers or {}))
    opener = urllib.request.build_opener(*([] if follow else [_NoRedirect]))
    try:
        with opener.open(request, timeout=timeout) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


class Process:
    """A child in its own process group, its output in ``log_path``."""

    def __init__(self, argv: Sequence[str], cwd: Path, env: Mapping[str, str], log_path: Path):
        self.argv, self.cwd, self.env, self.log_path = list(argv), cwd, dict(env), log_path
        self.proc: subprocess.Popen | None = None
        self._log = None
        self._spawned = False

    def spawn(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        mode = "ab" if self._spawned else "wb"  # a restart adds to the log of the first start
        self._log = open(self.log_path, mode)  # noqa: SIM115 - closed in stop()
        self._spawned = True
        self.proc = subprocess.Popen(
            self.argv, cwd=self.cwd, env=self.env, stdin=subprocess.DEVNULL,
            stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True,  # own process group: stop() ends the whole tree
        )

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, n: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-n:]
        except OSError:
            return "(no log)"

    def wait_until(self, ready: Callable[[], str | None], timeout: float, what: str) -> None:
        """Poll ``ready()`` (None when ready, else why not) until ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        why = "not asked yet"
        while time.monotonic() < deadline:
            if not self.running():
                code = self.proc.returncode if self.proc else None
                raise RuntimeError(f"{what} exited with code {code} before it was ready\n"
                                   f"command: {shlex.join(self.argv)}\n--- log ---\n"
                                   f"{self.log_tail()}")
            why = ready()
            if why is None:
                return
            time.sleep(0.1)
        raise TimeoutError(f"{what} not ready after {timeout:.0f} s ({why})\n--- log ---\n"
                           f"{self.log_tail()}")

    def stop(self, timeout: float = 10.0) -> None:
        proc, self.proc = self.proc, None
        if proc is not None:
            for sig in (signal.SIGTERM, signal.SIGKILL):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, sig)
                try:
                    proc.wait(timeout=timeout)
                    break
                except subprocess.TimeoutExpired:
                    continue
            # the leader may be gone while a child of its group lives on: end those too
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
        if self._log is not None:
            self._log.close()
            self._log = None


def _health(url: str) -> str | None:
    try:
        status, _, body = http_get(url, timeout=2)
    except OSError as e:
        return repr(e)
    return None if status == 200 and body.strip() == b"ok" else f"{status} {body[:80]!r}"


class Replica(Process):
    """One replica: the image's CMD in a folder staged from the Dockerfile, on a loopback port,
    at ``/derivs/`` through the environment (as ``docker run -e``) or a flag."""

    def __init__(self, workdir: Path, port: int, log_path: Path, base_by: str = "env"):
        command = image_command()
        if command[:2] != ["streamlit", "run"]:
            raise ValueError(f"CMD does not start with streamlit run: {command}")
        argv = [sys.executable, "-m", "streamlit", *command[1:]]
        for flag, value in (("--server.address", "127.0.0.1"), ("--server.port", str(port))):
            if flag not in argv:
                raise ValueError(f"CMD has no {flag}: {command}")
            argv[argv.index(flag) + 1] = value  # loopback only here; the image binds 0.0.0.0
        env = dict(os.environ, **image_env())
        env = {k: v for k, v in env.items() if not k.startswith("STREAMLIT_")}
        if base_by == "env":
            env[BASE_PATH_ENV] = BASE_PATH
        elif base_by == "flag":
            argv += ["--server.baseUrlPath", BASE_PATH]
        else:
            raise ValueError(base_by)
        super().__init__(argv, workdir, env, log_path)
        self.port = port
        self.address = f"127.0.0.1:{port}"
        self.url = f"http://127.0.0.1:{port}/{BASE_PATH}"

    def start(self) -> Replica:
        """Spawn it (``wait_healthy`` waits for it: start several, then wait for each)."""
        self.spawn()
        return self

    def wait_healthy(self, timeout: float = 120.0) -> None:
        try:
            self.wait_until(lambda: _health(f"{self.url}/_stcore/health"), timeout,
                            f"streamlit on port {self.port}")
        except BaseException:
            self.stop()
            raise


# --- nginx ----------------------------------------------------------------------------------------


def nginx_binary() -> str | None:
    """Debian's nginx (in /usr/sbin, which a non-root PATH may lack), or DERIVS_NGINX; None
    when there is none that can be run."""
    candidates = [os.environ.get("DERIVS_NGINX")] if os.environ.get("DERIVS_NGINX") else [
        shutil.which("nginx"), "/usr/sbin/nginx"]
    return next((c for c in candidates if c and os.access(c, os.X_OK)), None)


_LISTEN = re.compile(r"^(\s*)listen\s+80;", re.M)
_UPSTREAM = re.compile(r"(upstream\s+derivs_replicas\s*\{)(.*?)(\n\})", re.S)
_SERVER_LINE = re.compile(r"^\s*server\s+127\.0\.0\.1:\d+;.*\n", re.M)


def nginx_site_config(listen: str, replicas: Sequence[str],
                      template: Path = NGINX_TEMPLATE) -> str:
    """deploy/nginx.conf with ``listen 80;`` made ``listen <listen>;`` ("host:port") and the server
    lines of ``upstream derivs_replicas`` replaced by ``replicas`` ("host:port"). Raises if the
    template no longer has what is replaced, so the test cannot drift from the file."""
    text = template.read_text()
    text, n = _LISTEN.subn(rf"\1listen {listen};", text)
    if n != 1:
        raise ValueError(f"{template}: expected one 'listen 80;', found {n}")
    upstream = _UPSTREAM.search(text)
    if not upstream:
        raise ValueError(f"{template}: no 'upstream derivs_replicas {{ ... }}' block")
    body, n = _SERVER_LINE.subn("", upstream.group(2))
    if n < 2:
        raise ValueError(f"{template}: the upstream lists {n} replica(s); it shows 2 or more")
    servers = "".join(f"\n    server {r};" for r in replicas)
    text = text[: upstream.start(2)] + servers + body + text[upstream.end(2):]
    return text


# Each proxied request: the replica that answered and the route key that chose it.
LOG_FORMAT = '$status "$request_method $uri" upstream=$upstream_addr route=$derivs_route'
_LOG_LINE = re.compile(r'^(\d{3}) "(\S+) (\S+)" upstream=(.+?) route=(\S*)$')


@dataclass(frozen=True)
class LogLine:
    status: int
    method: str
    path: str
    upstreams: tuple[str, ...]  # the replicas tried, in order ("-": nginx answered itself)
    route: str

    @property
    def upstream(self) -> str:
        """The replica that answered (the last one tried)."""
        return self.upstreams[-1]


def main_config(prefix: Path, site: Path) -> str:
    """A whole nginx.conf for a test instance: everything under ``prefix``, the site included."""
    # Started as root, nginx runs its workers as nobody, who could not enter the 0700 prefix
    # (its temp files, its logs): this instance is on loopback, for one test run, so root it is.
    user = "user root root;\n" if os.geteuid() == 0 else ""
    return f"""# generated by tests/browser/proxy.py for one test run
{user}worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log info;
events {{ worker_connections 512; }}
http {{
    log_format derivs_test '{LOG_FORMAT}';
    access_log {prefix}/access.log derivs_test;
    client_body_temp_path {prefix}/tmp/body;
    proxy_temp_path {prefix}/tmp/proxy;
    fastcgi_temp_path {prefix}/tmp/fastcgi;
    uwsgi_temp_path {prefix}/tmp/uwsgi;
    scgi_temp_path {prefix}/tmp/scgi;
    include {site};
}}
"""


class Nginx(Process):
    """nginx in the foreground (``daemon off``) with its own config and prefix."""

    def __init__(self, binary: str, host: str, port: int, replicas: Sequence[str],
                 prefix: Path | None = None):
        self.prefix = prefix or Path(tempfile.mkdtemp(prefix="derivs-nginx-"))
        (self.prefix / "tmp").mkdir(parents=True, exist_ok=True)
        self.site = self.prefix / "derivs.conf"
        self.site.write_text(nginx_site_config(f"{host}:{port}", replicas))
        self.conf = self.prefix / "nginx.conf"
        self.conf.write_text(main_config(self.prefix, self.site))
        self.binary, self.host, self.port = binary, host, port
        self.url = f"http://{host}:{port}"
        argv = [binary, "-p", str(self.prefix), "-c", str(self.conf),
                "-e", str(self.prefix / "error.log"), "-g", "daemon off;"]
        super().__init__(argv, self.prefix, dict(os.environ), self.prefix / "stdout.log")

    def check_config(self) -> None:
        """``nginx -t``: a wrong template fails here with nginx's own message."""
        out = subprocess.run([*self.argv[:-2], "-t"], capture_output=True, text=True,
                             timeout=30, stdin=subprocess.DEVNULL)
        if out.returncode != 0:
            raise RuntimeError(f"nginx -t failed:\n{out.stderr}{out.stdout}\n--- site ---\n"
                               f"{self.site.read_text()}")

    def start(self, timeout: float = 30.0) -> Nginx:
        self.check_config()
        self.spawn()
        try:
            self.wait_until(lambda: _health(f"{self.url}/{BASE_PATH}/_stcore/health"), timeout,
                            "nginx")
        except BaseException:
            self.stop()
            raise
        return self

    def error_log(self) -> str:
        path = self.prefix / "error.log"
        return path.read_text(errors="replace") if path.is_file() else ""

    def access_log(self) -> list[LogLine]:
        path = self.prefix / "access.log"
        lines = path.read_text(errors="replace").splitlines() if path.is_file() else []
        parsed = []
        for line in lines:
            m = _LOG_LINE.match(line)
            if not m:
                raise ValueError(f"unexpected access log line: {line!r}")
            parsed.append(LogLine(int(m[1]), m[2], m[3], tuple(m[4].split(", ")), m[5]))
        return parsed

    def log_tail(self, n: int = 3000) -> str:
        return (super().log_tail(n) + "\n--- error.log ---\n" + self.error_log()[-n:])

    def keep_logs(self, folder: Path = LOGS) -> None:
        """Copy the config and the logs to artifacts/logs/nginx-*, then remove the prefix."""
        folder.mkdir(parents=True, exist_ok=True)
        for name in ("nginx.conf", "derivs.conf", "access.log", "error.log", "stdout.log"):
            src = self.prefix / name
            if src.is_file():
                shutil.copy2(src, folder / f"nginx-{name}")
        shutil.rmtree(self.prefix, ignore_errors=True)

"""Real servers for the tests: package indexes, a webhook receiver, a flaky proxy.

Everything listens on 127.0.0.1 only and is stopped by the fixture that started it.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import http.server
import json
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, timeout: float = 60.0, proc: subprocess.Popen | None = None) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server on port {port} exited with {proc.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listening on port {port} after {timeout} s")


def ended(pid: int, timeout: float = 30.0) -> bool:
    """Has process ``pid`` ended (and been reaped) within ``timeout`` seconds? A worker that
    has given its answer still tears down, and its reaper thread waits for it."""
    import psutil

    end = time.monotonic() + timeout
    while psutil.pid_exists(pid):
        if time.monotonic() > end:
            return False
        time.sleep(0.02)
    return True


class Served:
    """An HTTP server of the tests on 127.0.0.1 (a free port), each request in a thread;
    :meth:`close` ends it."""

    httpd: http.server.ThreadingHTTPServer
    port: int

    def _serve(self, handler: type[http.server.BaseHTTPRequestHandler],
               tls: ssl.SSLContext | None = None) -> None:
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class PyPIServer:
    """pypiserver without authentication (its auth code breaks beside bcrypt 5).

    Like a default pypiserver, it redirects unknown projects to pypi.org; nothing follows
    that redirect in the tests (there is no network), which is the point: our index
    check must not take it for "already released".
    """

    # passlib (pulled in beside devpi-server) crashes on import with bcrypt 5; this server
    # runs without authentication, so it is kept from importing it at all.
    LAUNCH = ("import sys; sys.modules['passlib'] = sys.modules['passlib.apache'] = None; "
              "from pypiserver.__main__ import main; sys.argv[0] = 'pypi-server'; "
              "sys.exit(main(sys.argv[1:]))")

    def __init__(self, packages: Path) -> None:
        self.packages = packages
        packages.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.log = open(packages.parent / f"pypiserver-{self.port}.log", "w")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-c", self.LAUNCH, "run", "-i", "127.0.0.1", "-p", str(self.port),
             "-a", ".", "-P", ".", str(packages)],
            stdout=self.log, stderr=self.log)
        wait_port(self.port, proc=self.proc)
        self.url = f"http://127.0.0.1:{self.port}/"
        self.simple = self.url + "simple/"

    def files(self) -> list[str]:
        return sorted(p.name for p in self.packages.rglob("*") if p.is_file())

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)
        self.log.close()


class Devpi:
    """A real devpi-server with a user and an index that needs authentication to upload."""

    user = "alice"
    password = "alice-Secret-99"

    def __init__(self, folder: Path) -> None:
        serverdir = folder / "devpi"
        subprocess.run([str(BIN / "devpi-init"), "--serverdir", str(serverdir),
                        "--no-root-pypi"], check=True, capture_output=True)
        self.port = free_port()
        self.log = open(folder / "devpi.log", "w")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [str(BIN / "devpi-server"), "--serverdir", str(serverdir), "--host", "127.0.0.1",
             "--port", str(self.port)], stdout=self.log, stderr=self.log)
        wait_port(self.port, timeout=120, proc=self.proc)
        base = f"http://127.0.0.1:{self.port}"
        self._request("PUT", f"{base}/{self.user}", {"password": self.password,
                                                      "email": "alice@example.invalid"})
        login = self._request("POST", f"{base}/+login",
                              {"user": self.user, "password": self.password})
        token = login["result"]["password"]
        auth = base64.b64encode(f"{self.user}:{token}".encode()).decode()
        self._request("PUT", f"{base}/{self.user}/dev", {"bases": [], "volatile": False},
                      {"X-Devpi-Auth": auth})
        self.url = f"{base}/{self.user}/dev/"
        self.simple = self.url + "+simple/"

    def _request(self, method: str, url: str, body: dict[str, Any],
                 headers: dict[str, str] | None = None) -> Any:
        parts = urllib.parse.urlsplit(url)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        conn.request(method, parts.path, body=json.dumps(body),
                     headers={"Accept": "application/json", "Content-Type": "application/json",
                              **(headers or {})})
        r = conn.getresponse()
        data = r.read()
        if r.status >= 400:
            raise RuntimeError(f"devpi {method} {url}: {r.status} {data[:200]!r}")
        return json.loads(data or b"{}")

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(20)
        self.log.close()


class Receiver(Served):
    """A real HTTP server standing in for a Slack webhook.

    Records every request; answers from ``answers`` in order — each a
    ``(status, body, headers)`` tuple or a number of seconds to stall before answering
    200 — then ``200 ok``.
    """

    def __init__(self, answers: list[Any] | None = None) -> None:
        self.requests: list[dict[str, Any]] = []
        self.answers = list(answers or [])
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                size = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(size).decode("utf-8", "replace")
                outer.requests.append({"path": self.path, "body": body, "t": time.monotonic(),
                                       "headers": dict(self.headers)})
                answer = outer.answers.pop(0) if outer.answers else (200, "ok", {})
                if isinstance(answer, (int, float)):
                    time.sleep(answer)
                    answer = (200, "ok", {})
                status, text, headers = answer
                try:
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Type", "text/plain")
                    self.send_header("Content-Length", str(len(text.encode())))
                    self.end_headers()
                    self.wfile.write(text.encode())
                except OSError:
                    pass  # the client gave up (timeout test)

            def log_message(self, *args: Any) -> None:
                pass

        self._serve(Handler)
        self.secret = "XsecretTOKENx" + str(self.port)
        self.url = f"http://127.0.0.1:{self.port}/services/T000/B000/{self.secret}"

    def payloads(self) -> list[dict[str, Any]]:
        out = []
        for r in self.requests:
            try:
                out.append(json.loads(r["body"]))
            except ValueError:
                out.append({"_raw": r["body"]})
        return out


def send_on(handler: http.server.BaseHTTPRequestHandler, up: urllib.parse.SplitResult,
            body: bytes | None = None) -> tuple[http.client.HTTPResponse, bytes]:
    """Send ``handler``'s request on to ``up``; its answer, not yet passed back."""
    conn = http.client.HTTPConnection(up.hostname, up.port, timeout=30)
    headers = {k: v for k, v in handler.headers.items() if k.lower() != "host"}
    conn.request(handler.command, handler.path, body=body, headers=headers)
    r = conn.getresponse()
    return r, r.read()


def forward(handler: http.server.BaseHTTPRequestHandler, up: urllib.parse.SplitResult,
            body: bytes | None = None) -> None:
    """Send ``handler``'s request on to ``up`` and its answer back, as a proxy does."""
    r, data = send_on(handler, up, body)
    handler.send_response(r.status)
    for k, v in r.getheaders():
        if k.lower() not in ("transfer-encoding", "connection", "content-length"):
            handler.send_header(k, v)
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


class FlakyProxy(Served):
    """A real HTTP proxy in front of a real index: uploads (POST) answer ``status`` while
    ``failing`` is true (0: the connection drops without an answer); reads always pass
    through. With ``deliver``, a failing upload reaches the index all the same: only its
    answer is lost."""

    def __init__(self, upstream: str, status: int = 500, pass_first: int = 0,
                 stall: float = 0.0, deliver: bool = False) -> None:
        self.failing = True
        self.status = status
        self.pass_first = pass_first  # let this many uploads through before failing
        self.stall = stall  # seconds a failing upload hangs before it is answered
        self.posts = 0
        self.deliver = deliver
        up = urllib.parse.urlsplit(upstream)
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _forward(self, body: bytes | None = None) -> None:
                forward(self, up, body)

            def do_GET(self) -> None:
                self._forward()

            def do_POST(self) -> None:
                size = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(size)
                outer.posts += 1
                if outer.failing and outer.posts > outer.pass_first:
                    if outer.deliver:
                        send_on(self, up, body)
                    if outer.stall:
                        time.sleep(outer.stall)
                    if outer.status == 0:  # the connection drops, no answer at all
                        self.close_connection = True
                        self.connection.shutdown(socket.SHUT_RDWR)
                        return
                    self.send_response(outer.status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self._forward(body)

            def log_message(self, *args: Any) -> None:
                pass

        self._serve(Handler)
        self.url = f"http://127.0.0.1:{self.port}/"


@contextlib.contextmanager
def closing(server: Any) -> Iterator[Any]:
    try:
        yield server
    finally:
        server.close()

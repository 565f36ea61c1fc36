"""What an HTTP index lists, read from its simple pages as real servers send them: PEP 691
JSON (PyPI, devpi) and PEP 503 HTML (pypiserver, Artifactory, Nexus), over real HTTP."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from release_tasks.core.errors import IndexUnreachable
from release_tasks.publish import index, registry

SHA = "ab" * 32


class Pages:
    """A real HTTP server answering GETs from ``pages``: path -> (content type, body).
    Records the Accept header of each request."""

    def __init__(self, pages: dict[str, tuple[str, str]]) -> None:
        self.pages = pages
        self.accepts: list[str] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.accepts.append(self.headers.get("Accept", ""))
                found = outer.pages.get(self.path)
                status, (ctype, body) = (200, found) if found else (404, ("text/plain", ""))
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def serve(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> Iterator[Any]:
    monkeypatch.setenv("PYPIRC", str(tmp_path / "no-pypirc"))
    monkeypatch.setenv("TWINE_USERNAME", "u")
    monkeypatch.setenv("TWINE_PASSWORD", "p")
    servers: list[Pages] = []

    def start(pages: dict[str, tuple[str, str]]) -> tuple[Pages, Any]:
        server = Pages({"/simple/": ("text/html", "<html></html>"), **pages})
        servers.append(server)
        return server, registry.open_backend(index.resolve(server.url), 10)

    yield start
    for s in servers:
        s.close()


def test_a_pep_691_json_page_is_read_with_hashes_sizes_and_relative_urls(serve):
    page = ('{"meta": {"api-version": "1.1"}, "name": "pkg", "versions": ["1.0"], "files": ['
            f'{{"filename": "pkg-1.0.tar.gz", "url": "../../files/pkg-1.0.tar.gz", '
            f'"hashes": {{"sha256": "{SHA.upper()}"}}, "size": 1234}},'
            '{"filename": "pkg-1.0-py3-none-any.whl", '
            '"url": "https://cdn.example/pkg-1.0-py3-none-any.whl", "hashes": {}}]}')
    server, backend = serve({"/simple/pkg/": ("application/vnd.pypi.simple.v1+json", page)})

    listed = backend.listing("pkg")

    sdist = listed["pkg-1.0.tar.gz"]
    assert sdist.url == server.url + "files/pkg-1.0.tar.gz"
    assert (sdist.sha256, sdist.size) == (SHA, 1234)
    wheel = listed["pkg-1.0-py3-none-any.whl"]
    assert (wheel.url, wheel.sha256, wheel.size) == (
        "https://cdn.example/pkg-1.0-py3-none-any.whl", None, None)
    # JSON is asked for first, HTML accepted: what pip sends.
    assert server.accepts[-1].startswith("application/vnd.pypi.simple.v1+json")
    assert "text/html" in server.accepts[-1]


def test_a_pep_503_html_page_is_read_with_base_href_fragments_and_entities(serve):
    page = f"""<!DOCTYPE html>
<html><head><base href="/packages/"><title>Links for pkg</title></head>
<body><h1>Links for pkg</h1>
<a href="pkg-1.0.tar.gz#sha256={SHA}" data-requires-python="&gt;=3.8">pkg-1.0.tar.gz</a><br>
<a href="pkg%2B1-1.0-py3-none-any.whl#md5=00">pkg&#43;1-1.0-py3-none-any.whl</a><br>
<a href="/elsewhere/pkg-0.9.tar.gz">
   pkg-0.9.tar.gz
</a>
</body></html>"""
    server, backend = serve({"/simple/pkg/": ("text/html; charset=utf-8", page)})

    listed = backend.listing("pkg")

    assert sorted(listed) == ["pkg+1-1.0-py3-none-any.whl", "pkg-0.9.tar.gz", "pkg-1.0.tar.gz"]
    assert listed["pkg-1.0.tar.gz"].url == server.url + "packages/pkg-1.0.tar.gz"
    assert listed["pkg-1.0.tar.gz"].sha256 == SHA
    # Only a sha256 is a sha256; the fragment never stays in the URL.
    assert listed["pkg+1-1.0-py3-none-any.whl"].sha256 is None
    assert listed["pkg+1-1.0-py3-none-any.whl"].url == \
        server.url + "packages/pkg%2B1-1.0-py3-none-any.whl"
    assert listed["pkg-0.9.tar.gz"].url == server.url + "elsewhere/pkg-0.9.tar.gz"


def test_the_pep_691_html_content_type_is_html_too(serve):
    page = f'<a href="/f/pkg-2.0.tar.gz#sha256={SHA}">pkg-2.0.tar.gz</a>'
    _, backend = serve({"/simple/pkg/": ("application/vnd.pypi.simple.v1+html", page)})

    assert backend.listing("pkg")["pkg-2.0.tar.gz"].sha256 == SHA


@pytest.mark.parametrize("ctype, body, says", [
    ("text/plain", "pkg-1.0.tar.gz", "content type is text/plain"),
    ("application/vnd.pypi.simple.v1+json", "{not json", "not a simple page"),
    ("application/vnd.pypi.simple.v1+json", '{"meta": {"api-version": "2.0"}, "files": []}',
     "simple API version 2.0"),
    ("application/vnd.pypi.simple.v1+json", '{"files": [{"url": "x"}]}',
     "a file without filename"),
])
def test_a_page_that_is_not_a_simple_page_is_one_line_naming_it(serve, ctype, body, says):
    _, backend = serve({"/simple/pkg/": (ctype, body)})

    with pytest.raises(IndexUnreachable) as caught:
        backend.listing("pkg")

    message = str(caught.value)
    assert "sent a page for pkg that is not a simple page" in message
    assert says in message
    assert "\n" not in message.strip()

"""A real HTTP(S) gate in front of a real index: checks credentials and client
certificates the way a private index does, records who came, and can answer 502 to reads
for a while after an upload (an index restarting under load).
"""

from __future__ import annotations

import base64
import datetime
import http.client
import http.server
import ssl
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .servers import Served, forward


class Gate(Served):
    """Forwards to ``upstream``; ``user``/``password`` (when set) must come as Basic auth.

    ``fail_reads_after_upload``: that many GETs after the first upload answer 502.
    ``tls``: serve HTTPS with that :class:`Certs`, asking for a client certificate.
    """

    def __init__(self, upstream: str, user: str | None = None, password: str | None = None,
                 fail_reads_after_upload: int = 0, tls: Certs | None = None,
                 on_upload: Callable[[], None] | None = None) -> None:
        """``on_upload``: called in the server's thread while an upload waits for its
        answer."""
        self.user, self.password = user, password
        self.on_upload = on_upload
        self.users: list[str] = []  # the user name of every request that had one
        self.failures_left = fail_reads_after_upload
        self.failed_reads: list[str] = []
        self.uploads = 0
        up = urllib.parse.urlsplit(upstream)
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _allowed(self) -> bool:
                header = self.headers.get("Authorization", "")
                user = password = None
                if header.startswith("Basic "):
                    user, _, password = base64.b64decode(header[6:]).decode().partition(":")
                    outer.users.append(user)
                if outer.user is None or (user, password) == (outer.user, outer.password):
                    return True
                self.send_response(401 if user is None else 403)
                self.send_header("WWW-Authenticate", 'Basic realm="index"')
                self.send_header("Content-Length", "0")
                self.end_headers()
                return False

            def _forward(self, body: bytes | None = None) -> None:
                forward(self, up, body)

            def do_GET(self) -> None:
                if not self._allowed():
                    return
                if outer.uploads and outer.failures_left > 0:
                    outer.failures_left -= 1
                    outer.failed_reads.append(self.path)
                    self.send_response(502)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self._forward()

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if not self._allowed():
                    return
                outer.uploads += 1
                if outer.on_upload is not None:
                    outer.on_upload()
                self._forward(body)

            def log_message(self, *args: Any) -> None:
                pass

        context = None
        if tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(tls.server_cert, tls.server_key)
            context.load_verify_locations(tls.ca)
            context.verify_mode = ssl.CERT_REQUIRED
        self._serve(Handler, context)
        self.url = f"{'https' if context else 'http'}://127.0.0.1:{self.port}/"


@dataclass
class Certs:
    ca: str  # the CA certificate (PEM) that signed both others
    server_cert: str
    server_key: str
    client: str  # client key and certificate in one PEM file, as twine's client_cert wants


def make_certs(folder: Path) -> Certs:
    """A throwaway CA, a server certificate for 127.0.0.1 and a client certificate."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    folder.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.timezone.utc)

    def name(text: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, text)])

    def pem_key(key: Any) -> bytes:
        return key.private_bytes(serialization.Encoding.PEM,
                                 serialization.PrivateFormat.TraditionalOpenSSL,
                                 serialization.NoEncryption())

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(name("test CA")).issuer_name(name("test CA"))
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(days=1))
          .not_valid_after(now + datetime.timedelta(days=2))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))

    def issue(common: str, server: bool) -> tuple[Any, Any]:
        key = ec.generate_private_key(ec.SECP256R1())
        builder = (x509.CertificateBuilder().subject_name(name(common))
                   .issuer_name(ca.subject).public_key(key.public_key())
                   .serial_number(x509.random_serial_number())
                   .not_valid_before(now - datetime.timedelta(days=1))
                   .not_valid_after(now + datetime.timedelta(days=2)))
        if server:
            builder = builder.add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        return key, builder.sign(ca_key, hashes.SHA256())

    pem = serialization.Encoding.PEM
    (folder / "ca.pem").write_bytes(ca.public_bytes(pem))
    server_key, server_cert = issue("127.0.0.1", True)
    (folder / "server.pem").write_bytes(server_cert.public_bytes(pem))
    (folder / "server.key").write_bytes(pem_key(server_key))
    client_key, client_cert = issue("release-bot", False)
    (folder / "client.pem").write_bytes(pem_key(client_key) + client_cert.public_bytes(pem))
    return Certs(str(folder / "ca.pem"), str(folder / "server.pem"), str(folder / "server.key"),
                 str(folder / "client.pem"))

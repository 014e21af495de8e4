"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives, for the tests.

Import `smtp_server_fixture` into a test module to get the `smtp_server` fixture; it points
the app's MAIL_* settings at the server for the test. `refuse_next` makes the server refuse
that many messages, with `refuse_code` (451, try again later, unless changed), before it
accepts again.
"""

from __future__ import annotations

import email
import socket
import ssl
import subprocess
import threading
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    encrypted: bool = False  # the session ran over TLS (STARTTLS or from the first byte)

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.raw, policy=policy.default)


class RecordingHandler:
    def __init__(self):
        self.received: list[Received] = []
        self.refuse_next = 0
        self.refuse_code = 451
        self.always_refuse: set[str] = set()  # recipients refused every time (451)
        self.refused = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.always_refuse & set(envelope.rcpt_tos):
                self.refused += 1
                return "451 4.3.0 Mailbox busy, try again later"
            if self.refuse_next:
                self.refuse_next -= 1
                self.refused += 1
                if self.refuse_code >= 500:
                    return f"{self.refuse_code} 5.1.1 No such mailbox"
                return f"{self.refuse_code} 4.3.0 Mailbox busy, try again later"
            self.received.append(
                Received(
                    envelope.mail_from,
                    list(envelope.rcpt_tos),
                    envelope.original_content,
                    encrypted=server.transport.get_extra_info("ssl_object") is not None,
                )
            )
        return "250 2.0.0 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def self_signed_certificate(directory) -> tuple[str, str]:
    """A certificate for 127.0.0.1 and its key, made by openssl for this test only."""
    cert, key = str(directory / "smtp-cert.pem"), str(directory / "smtp-key.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"]
        + ["-keyout", key, "-out", cert, "-subj", "/CN=127.0.0.1"]
        + ["-addext", "subjectAltName=IP:127.0.0.1"],
        check=True,
        capture_output=True,
    )
    return cert, key


class SmtpServer:
    """With `login` (user, password), the server asks for that login (without TLS). With `tls`
    ("starttls" or "implicit") and `certificate` (cert and key files), it speaks TLS: STARTTLS
    is then required before anything is sent."""

    def __init__(
        self,
        login: tuple[str, str] | None = None,
        tls: str | None = None,
        certificate: tuple[str, str] | None = None,
    ):
        self.handler = RecordingHandler()
        self.port = free_port()
        self.login = login
        self.tls = tls
        self.certificate = certificate
        self.controller: Controller | None = None

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        given = (auth_data.login.decode(), auth_data.password.decode())
        # handled=False: let the server answer 535 itself on a refusal
        return AuthResult(success=given == self.login, handled=False)

    def start(self) -> None:
        options = {}
        if self.login:
            options = {
                "authenticator": self._authenticate,
                "auth_required": True,
                "auth_require_tls": False,
            }
        if self.tls:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(*self.certificate)
            if self.tls == "implicit":
                options["ssl_context"] = context
            else:
                options.update(tls_context=context, require_starttls=True)
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, **options)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def by_recipient(self) -> dict[str, Received]:
        """Each recipient's single message (fails if anyone got two)."""
        result: dict[str, Received] = {}
        for received in self.received:
            for rcpt in received.rcpt_tos:
                assert rcpt not in result, f"{rcpt} got two messages"
                result[rcpt] = received
        return result


@pytest.fixture(name="smtp_server")
def smtp_server_fixture(app, monkeypatch):
    server = SmtpServer()
    server.start()
    for key, value in {
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": server.port,
        "MAIL_USE_TLS": False,
        "MAIL_USERNAME": "",
        "MAIL_PASSWORD": "",
        "MAIL_DEFAULT_SENDER": "Mission TIC <missions@agence.example>",
        "MAIL_TIMEOUT_SECONDS": 5,
        "MAIL_MAX_ATTEMPTS": 3,
        "PUBLIC_BASE_URL": "https://missions.agence.example",
    }.items():
        monkeypatch.setitem(app.config, key, value)
    yield server
    server.stop()

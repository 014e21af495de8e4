"""E-mail over TLS, against a real SMTP server on 127.0.0.1 with its own certificate: STARTTLS
(port 587 style) and TLS from the first byte (port 465 style). The certificate is always
checked: a server the app cannot trust gets nothing."""

import pytest
from sqlalchemy import select

from mission_app.extensions import db
from mission_app.jobs import send_pending_messages
from mission_app.models import OutboundMessage
from tests.integration.test_notifications import _publish, _scenario
from tests.smtp import SmtpServer, self_signed_certificate


@pytest.fixture
def certificate(tmp_path):
    return self_signed_certificate(tmp_path)


def _point_app_at(app, monkeypatch, server, **settings):
    for key, value in {
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": server.port,
        "MAIL_USE_TLS": False,
        "MAIL_USE_SSL": False,
        "MAIL_TLS_CA_FILE": None,
        "MAIL_USERNAME": "",
        "MAIL_PASSWORD": "",
        "MAIL_DEFAULT_SENDER": "Mission TIC <missions@agence.example>",
        "MAIL_TIMEOUT_SECONDS": 5,
        "PUBLIC_BASE_URL": "https://missions.agence.example",
        **settings,
    }.items():
        monkeypatch.setitem(app.config, key, value)


@pytest.mark.parametrize(
    ("mode", "settings"),
    [("starttls", {"MAIL_USE_TLS": True}), ("implicit", {"MAIL_USE_SSL": True})],
)
def test_messages_go_out_encrypted_to_a_server_with_a_trusted_certificate(
    app, mission, monkeypatch, certificate, mode, settings
):
    server = SmtpServer(tls=mode, certificate=certificate)
    server.start()
    try:
        _point_app_at(app, monkeypatch, server, MAIL_TLS_CA_FILE=certificate[0], **settings)
        _scenario(mission)
        _publish(mission)

        report = send_pending_messages(mission.id)

        assert (report.sent, report.failed) == (3, 0)
        assert len(server.received) == 3
        assert all(received.encrypted for received in server.received)
    finally:
        server.stop()


@pytest.mark.parametrize(
    ("mode", "settings"),
    [("starttls", {"MAIL_USE_TLS": True}), ("implicit", {"MAIL_USE_SSL": True})],
)
def test_a_server_whose_certificate_is_not_trusted_gets_nothing_and_the_error_says_why(
    app, mission, monkeypatch, certificate, mode, settings
):
    server = SmtpServer(tls=mode, certificate=certificate)
    server.start()
    try:
        _point_app_at(app, monkeypatch, server, **settings)  # no CA file: not trusted
        _scenario(mission)
        _publish(mission)

        report = send_pending_messages(mission.id)

        assert report.sent == 0
        assert server.received == []
        messages = db.session.scalars(
            select(OutboundMessage)
            .where(OutboundMessage.recipient != "")
            .order_by(OutboundMessage.id)
        ).all()
        # the round stops at the first connection refused; every message waits for the next
        assert [m.status for m in messages] == ["pending"] * 3
        assert "CERTIFICATE_VERIFY_FAILED" in messages[0].last_error
    finally:
        server.stop()

"""The text part of the change notice is wholly in the reader's language, dates included."""

from __future__ import annotations

from datetime import UTC, datetime

from mission_app.extensions import db
from mission_app.jobs import send_pending_messages
from tests.integration.test_notifications import _publish, _scenario
from tests.smtp import smtp_server_fixture  # noqa: F401


def _text_parts(mission, smtp_server) -> dict[str, str]:
    _scenario(mission)
    publication, _ = _publish(mission)
    publication.published_at = datetime(2026, 11, 13, 13, 57, tzinfo=UTC)
    db.session.commit()
    send_pending_messages(mission.id)
    return {
        address: received.message.get_body(("plain",)).get_content()
        for address, received in smtp_server.by_recipient().items()
    }


def test_notice_text_part_is_translated_in_french_and_arabic(mission, smtp_server):
    texts = _text_parts(mission, smtp_server)

    assert "Votre agenda, toujours à jour :\r\n" in texts["amina@atlas.example"]
    assert "جدول مواعيدك، محدَّث دائمًا:\r\n" in texts["omar@sahara.example"]
    assert "Your agenda, always up to date:\r\n" in texts["john@bdk.example"]
    for address in ("amina@atlas.example", "omar@sahara.example"):
        assert "Your agenda" not in texts[address]


def test_notice_publication_date_is_joined_the_locale_way(mission, smtp_server):
    texts = _text_parts(mission, smtp_server)

    assert "ven. 13 nov. 2026, 13:57 UTC" in texts["amina@atlas.example"]
    assert "Fri 13 Nov 2026, 13:57 UTC" in texts["john@bdk.example"]
    arabic = texts["omar@sahara.example"]
    assert "الجمعة 13 نوفمبر 2026، 13:57" in arabic
    assert "2026, 13:57" not in arabic

"""Personal links: only a live token finds its holder."""

import pytest

from mission_app.extensions import db
from mission_app.services.errors import NotFound
from mission_app.services.portal import person_for_token, reissue_link, revoke_link
from tests import factories


def test_token_finds_its_holder_only(app_ctx):
    salma, youssef = factories.PersonFactory(), factories.PersonFactory()
    db.session.commit()
    assert person_for_token(salma.access_token) == salma
    assert person_for_token(youssef.access_token) == youssef


@pytest.mark.parametrize("token", ["", "x", "a" * 65, "../../etc/passwd"])
def test_malformed_or_unknown_token_is_not_found(app_ctx, token):
    factories.PersonFactory()
    db.session.commit()
    with pytest.raises(NotFound):
        person_for_token(token)


def test_reissued_link_replaces_the_old_one(app_ctx):
    person = factories.PersonFactory()
    old = person.access_token
    reissue_link(None, person)
    db.session.commit()
    assert person.access_token != old
    assert person_for_token(person.access_token) == person
    with pytest.raises(NotFound):
        person_for_token(old)


def test_revoked_link_finds_nobody(app_ctx):
    person = factories.PersonFactory()
    old = person.access_token
    revoke_link(None, person)
    db.session.commit()
    assert person.access_token is None
    with pytest.raises(NotFound):
        person_for_token(old)

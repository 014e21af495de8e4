"""The mission's team: owners add members, change roles, remove them."""

from sqlalchemy import select

from mission_app.extensions import db
from mission_app.models import Membership, User
from tests import factories
from tests.conftest import page_text


def _owner_client(client, mission):
    owner = factories.UserFactory()
    membership = factories.MembershipFactory(user=owner, mission=mission, role="owner")
    db.session.commit()
    client.login(owner.email)
    return membership


def test_owner_adds_an_existing_user_as_viewer(client, mission):
    _owner_client(client, mission)
    colleague = factories.UserFactory(email="aicha@agence.example")
    response = client.post_form(
        f"/missions/{mission.id}/members", {"email": "Aicha@Agence.example", "role": "viewer"}
    )
    assert response.status_code == 302
    role = db.session.scalar(select(Membership.role).where(Membership.user_id == colleague.id))
    assert role == "viewer"


def test_owner_creates_an_account_with_a_first_password(client, other_client, mission):
    _owner_client(client, mission)
    client.post_form(
        f"/missions/{mission.id}/members",
        {
            "email": "nouveau@agence.example",
            "role": "organiser",
            "name": "Nouveau Collègue",
            "password": "premier mot de passe",
        },
    )
    user = db.session.scalar(select(User).where(User.email == "nouveau@agence.example"))
    assert user.name == "Nouveau Collègue"
    other_client.login("nouveau@agence.example", "premier mot de passe")
    assert other_client.get(f"/missions/{mission.id}/edit").status_code == 200


def test_adding_an_unknown_email_without_password_explains_what_to_do(client, mission):
    _owner_client(client, mission)
    response = client.post_form(
        f"/missions/{mission.id}/members", {"email": "inconnu@agence.example", "role": "viewer"}
    )
    assert response.status_code == 422
    assert "Aucun compte n'existe pour inconnu@agence.example" in page_text(response)


def test_adding_a_member_twice_is_refused(client, mission, organiser):
    _owner_client(client, mission)
    response = client.post_form(
        f"/missions/{mission.id}/members", {"email": organiser.email, "role": "viewer"}
    )
    assert f"{organiser.email} est déjà membre de cette mission." in page_text(response)


def test_last_owner_cannot_step_down_or_be_removed(client, mission):
    membership = _owner_client(client, mission)
    response = client.post_form(
        f"/missions/{mission.id}/members/{membership.id}/role",
        {f"m{membership.id}-role": "viewer"},
        token_from=f"/missions/{mission.id}/members",
        follow_redirects=True,
    )
    assert "Une mission garde au moins un propriétaire." in page_text(response)
    assert membership.role == "owner"
    client.post_form(
        f"/missions/{mission.id}/members/{membership.id}/remove",
        follow_redirects=True,
    )
    assert db.session.get(Membership, membership.id) is not None


def test_owner_changes_a_role_and_removes_a_member(client, mission, organiser):
    _owner_client(client, mission)
    membership = db.session.scalar(select(Membership).where(Membership.user_id == organiser.id))
    client.post_form(
        f"/missions/{mission.id}/members/{membership.id}/role",
        {f"m{membership.id}-role": "viewer"},
        token_from=f"/missions/{mission.id}/members",
    )
    assert membership.role == "viewer"
    membership_id = membership.id
    client.post_form(f"/missions/{mission.id}/members/{membership_id}/remove")
    assert db.session.get(Membership, membership_id) is None


def test_organiser_cannot_manage_the_team(logged_in, mission):
    assert logged_in.get(f"/missions/{mission.id}/members").status_code == 403
    response = logged_in.post_form(
        f"/missions/{mission.id}/members",
        {"email": "x@agence.example", "role": "owner"},
        token_from="/missions/",
    )
    assert response.status_code == 403


def test_owner_of_another_mission_gets_404(client, mission):
    _owner_client(client, factories.MissionFactory())
    assert client.get(f"/missions/{mission.id}/members").status_code == 404

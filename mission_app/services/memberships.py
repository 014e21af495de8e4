"""Who works on a mission, and with which role."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from mission_app.extensions import db
from mission_app.models import Membership, Mission, User
from mission_app.models.users import ROLES
from mission_app.services.accounts import create_user, normalise_email
from mission_app.services.errors import NotFound, ValidationFailed


def list_members(mission: Mission) -> list[Membership]:
    return list(
        db.session.scalars(
            select(Membership)
            .where(Membership.mission_id == mission.id)
            .options(joinedload(Membership.user))
            .join(User)
            .order_by(User.email)
        )
    )


def get_membership(mission: Mission, membership_id: int) -> Membership:
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.mission_id != mission.id:
        raise NotFound(f"membership {membership_id}")
    return membership


def add_member(
    actor: User,
    mission: Mission,
    *,
    email: str,
    role: str,
    name: str = "",
    password: str = "",
) -> Membership:
    """Give a user a role on the mission; creates the account when a password is given."""
    if role not in ROLES:
        raise ValidationFailed({"role": [_l("Choose a role.")]})
    email = normalise_email(email)
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        if not password:
            raise ValidationFailed(
                {
                    "password": [
                        _l(
                            "No account exists for %(email)s: give a first password to create it.",
                            email=email,
                        )
                    ]
                }
            )
        user = create_user(email, password, name=name)
    elif db.session.scalar(
        select(Membership.id).where(
            Membership.user_id == user.id, Membership.mission_id == mission.id
        )
    ):
        raise ValidationFailed(
            {"email": [_l("%(email)s is already a member of this mission.", email=email)]}
        )
    membership = Membership(user_id=user.id, mission_id=mission.id, role=role)
    db.session.add(membership)
    db.session.flush()
    return membership


def _owner_count(mission: Mission) -> int:
    return db.session.scalar(
        select(func.count(Membership.id)).where(
            Membership.mission_id == mission.id, Membership.role == "owner"
        )
    )


def change_member_role(actor: User, membership: Membership, role: str) -> Membership:
    if role not in ROLES:
        raise ValidationFailed({"role": [_l("Choose a role.")]})
    if membership.role == "owner" and role != "owner" and _owner_count(membership.mission) == 1:
        raise ValidationFailed(_l("A mission keeps at least one owner."))
    membership.role = role
    db.session.flush()
    return membership


def remove_member(actor: User, membership: Membership) -> None:
    if membership.role == "owner" and _owner_count(membership.mission) == 1:
        raise ValidationFailed(_l("A mission keeps at least one owner."))
    db.session.delete(membership)
    db.session.flush()

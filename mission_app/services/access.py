"""Who may see and change which mission."""

from __future__ import annotations

from sqlalchemy import select

from mission_app.extensions import db
from mission_app.models import Membership, Mission, User
from mission_app.models.users import ROLE_RANK
from mission_app.services.errors import NotFound, PermissionDenied


def role_in_mission(actor: User, mission_id: int) -> str | None:
    """The actor's role in the mission; admins act as owners everywhere."""
    if actor.is_admin:
        return "owner"
    return db.session.scalar(
        select(Membership.role).where(
            Membership.user_id == actor.id, Membership.mission_id == mission_id
        )
    )


def get_mission_with_role(
    actor: User, mission_id: int, needs: str = "viewer"
) -> tuple[Mission, str]:
    """The mission and the actor's role in it, if that role is at least `needs`.

    A non-member gets NotFound, not PermissionDenied, so that missions cannot be enumerated.
    """
    role = role_in_mission(actor, mission_id)
    mission = db.session.get(Mission, mission_id) if role else None
    if mission is None:
        raise NotFound(f"mission {mission_id}")
    if ROLE_RANK[role] < ROLE_RANK[needs]:
        raise PermissionDenied(f"{needs} role needed on mission {mission_id}")
    return mission, role


def get_mission_for(actor: User, mission_id: int, needs: str = "viewer") -> Mission:
    return get_mission_with_role(actor, mission_id, needs)[0]


def list_missions_for(actor: User) -> list[tuple[Mission, str]]:
    """Missions the actor can see, newest first, each with the actor's role."""
    if actor.is_admin:
        missions = db.session.scalars(select(Mission).order_by(Mission.id.desc())).all()
        return [(mission, "owner") for mission in missions]
    rows = db.session.execute(
        select(Mission, Membership.role)
        .join(Membership, Membership.mission_id == Mission.id)
        .where(Membership.user_id == actor.id)
        .order_by(Mission.id.desc())
    ).all()
    return [(mission, role) for mission, role in rows]

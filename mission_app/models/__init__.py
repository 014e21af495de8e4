"""All models, imported here so that SQLAlchemy and Alembic see every table."""

from mission_app.models.documents import DocumentBatch
from mission_app.models.followups import FollowUp
from mission_app.models.meetings import Meeting, MeetingRequest, request_attendee
from mission_app.models.missions import Leg, MeetingWindow, Mission, Venue
from mission_app.models.outbox import OutboundMessage
from mission_app.models.participants import Availability, Organisation, Person
from mission_app.models.programme import Activity, activity_attendee
from mission_app.models.publications import (
    Publication,
    PublicationChange,
    PublishedMeeting,
    publication_change_person,
)
from mission_app.models.scheduling_runs import ScheduleRun
from mission_app.models.users import LoginAttempt, Membership, User

__all__ = [
    "Activity",
    "Availability",
    "DocumentBatch",
    "FollowUp",
    "Leg",
    "LoginAttempt",
    "Meeting",
    "MeetingRequest",
    "MeetingWindow",
    "Membership",
    "Mission",
    "Organisation",
    "OutboundMessage",
    "Person",
    "Publication",
    "PublicationChange",
    "PublishedMeeting",
    "ScheduleRun",
    "User",
    "Venue",
    "activity_attendee",
    "publication_change_person",
    "request_attendee",
]

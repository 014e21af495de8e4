"""Calendar UIDs are built from meeting and activity ids, so a deleted id must never come back:
a new meeting would otherwise take over a published cancellation in participants' calendars.
PostgreSQL sequences never go back; SQLite needs AUTOINCREMENT (migration 0005)."""

from mission_app.extensions import db
from mission_app.models import PublishedMeeting
from tests import factories


def test_new_meeting_never_takes_the_id_of_a_deleted_published_one(app_ctx):
    meeting = factories.MeetingFactory()
    mission = meeting.request.mission
    db.session.flush()
    factories.publish(mission)
    deleted_id = meeting.id
    request = meeting.request
    db.session.delete(meeting)
    db.session.flush()
    factories.publish(mission)  # the deleted meeting is now a published cancellation
    replacement = factories.MeetingFactory(request=request, key="m-again")
    db.session.flush()
    assert replacement.id > deleted_id
    tombstone = db.session.query(PublishedMeeting).filter_by(meeting_id=deleted_id).one()
    assert tombstone.status == "cancelled"


def test_new_activity_never_takes_the_id_of_a_deleted_one(app_ctx):
    activity = factories.ActivityFactory()
    mission = activity.mission
    db.session.flush()
    deleted_id = activity.id
    db.session.delete(activity)
    db.session.flush()
    replacement = factories.ActivityFactory(mission=mission)
    db.session.flush()
    assert replacement.id > deleted_id

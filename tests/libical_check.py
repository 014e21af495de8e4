"""libical (the parser behind GNOME/Evolution) reading an .ics file, for the calendar tests.

libical comes from Debian (python3-gi and gir1.2-ical-3.0, whose GObject binding of libical 3.0
is the ICalGLib namespace), so it runs under /usr/bin/python3, not the project's virtualenv.
Tests call `read_with_libical(content)`, which runs this file as a script:

    /usr/bin/python3 tests/libical_check.py FILE.ics

It prints {"timezones": [TZID of each VTIMEZONE], "events": [{"uid", "start", "end", "tzid",
"zone_from_file", "status", "sequence", "summary", "location", "description"}]}. Start and end
are converted to UTC by libical ("YYYY-MM-DDTHH:MM:SSZ") through the VTIMEZONE the file carries
for their TZID; "zone_from_file" is false if libical used anything else.
"""

import json
import subprocess
import sys
import tempfile
from pathlib import Path

SYSTEM_PYTHON = "/usr/bin/python3"


def read_with_libical(content: bytes) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "calendar.ics"
        path.write_bytes(content)
        result = subprocess.run(
            [SYSTEM_PYTHON, __file__, str(path)],
            capture_output=True,
            text=True,
            check=False,
        )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _main(path: str) -> None:
    import gi

    gi.require_version("ICalGLib", "3.0")
    from gi.repository import ICalGLib as ICal

    utc_zone = ICal.Timezone.get_utc_timezone()

    def utc_text(time) -> str:
        utc = time.convert_to_zone(utc_zone)
        return (
            f"{utc.get_year():04d}-{utc.get_month():02d}-{utc.get_day():02d}T"
            f"{utc.get_hour():02d}:{utc.get_minute():02d}:{utc.get_second():02d}Z"
        )

    def components(parent, kind):
        component = parent.get_first_component(kind)
        while component is not None:
            yield component
            component = parent.get_next_component(kind)

    with open(path, encoding="utf-8") as handle:
        calendar = ICal.Component.new_from_string(handle.read())
    if calendar is None or calendar.isa() != ICal.ComponentKind.VCALENDAR_COMPONENT:
        raise SystemExit("libical: not a VCALENDAR")
    file_zones = [
        zone.get_first_property(ICal.PropertyKind.TZID_PROPERTY).get_tzid()
        for zone in components(calendar, ICal.ComponentKind.VTIMEZONE_COMPONENT)
    ]

    def zone_from_file(time) -> bool:
        if time.is_utc():
            return True
        zone = time.get_timezone()
        # The file's own zones have no location; libical's built-in ones do.
        return zone is not None and zone.get_tzid() in file_zones and not zone.get_location()

    events = []
    for event in components(calendar, ICal.ComponentKind.VEVENT_COMPONENT):
        start, end = event.get_dtstart(), event.get_dtend()
        events.append(
            {
                "uid": event.get_uid(),
                "start": utc_text(start),
                "end": utc_text(end),
                "tzid": start.get_tzid(),
                "zone_from_file": zone_from_file(start) and zone_from_file(end),
                "status": ICal.Property.status_to_string(event.get_status()),
                "sequence": event.get_sequence(),
                "summary": event.get_summary(),
                "location": event.get_location(),
                "description": event.get_description(),
            }
        )
    print(json.dumps({"timezones": sorted(file_zones), "events": events}, ensure_ascii=False))


if __name__ == "__main__":
    _main(sys.argv[1])

"""The demo mission a new user sees first, and the demo organiser who owns it.

The mission is written as a mission document and created through the importer, so that the demo
also exercises the import of naive (wall-clock) times, availability and activity attendees.
Everything is deterministic: the requests come from a seeded generator.
"""

from __future__ import annotations

import random
import re
import unicodedata

from sqlalchemy import exists, select

from mission_app.extensions import db
from mission_app.models import Mission, User
from mission_app.services import demo_data as data
from mission_app.services.accounts import create_user, normalise_email
from mission_app.services.mission_files import FORMAT, import_mission_document

DEMO_EMAIL = "organisatrice@demo.example"
DEMO_PASSWORD = "mission-demo-2026"
DEMO_NAME = "Organisatrice de démonstration"
SEED = 2027


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _email(name: str, organisation_key: str) -> str:
    words = _slug(name).split("-")
    domain = organisation_key.split("-", 1)[1]
    return f"{words[0][0]}.{'-'.join(words[1:])}@{domain}.example"


def _phone(country: str, n: int) -> str:
    """A number in the country's own format, different for each n."""
    a, b, c, d = (37 * n + 11) % 100, (53 * n + 29) % 100, (71 * n + 43) % 100, (13 * n) % 10
    if country == "MA":
        return f"+212 6 {61 + n % 9:02d} {a:02d} {b:02d} {c:02d}"
    if country == "SN":
        return f"+221 7{(7, 8, 6, 0)[n % 4]} {d}{a:02d} {b:02d} {c:02d}"
    return f"+222 {(22, 36, 46, 33)[n % 4]} {a:02d} {b:02d} {c:02d}"


def _window(day: str, start: str, end: str, venue: str) -> dict:
    return {"venue": venue, "start": f"{day}T{start}", "end": f"{day}T{end}"}


def build_demo_document() -> dict:
    """The demo mission as a mission document, times in each leg's wall-clock time."""
    rng = random.Random(SEED)
    dakar_1, dakar_2 = data.DAKAR_DAYS
    nkc_1, nkc_2 = data.NOUAKCHOTT_DAYS
    legs = [
        {
            "key": "dakar",
            "city": "Dakar",
            "country": "SN",
            "timezone": "Africa/Dakar",
            "slot_minutes": 30,
            "venues": [
                {
                    "key": "dkr-hotel",
                    "name": "Hôtel Corniche Atlantique",
                    "address": "Route de la Corniche Ouest, Dakar",
                    "tables": 12,
                }
            ],
            "meeting_windows": [
                _window(dakar_1, "11:00", "13:00", "dkr-hotel"),
                _window(dakar_1, "14:30", "18:00", "dkr-hotel"),
                _window(dakar_2, "09:00", "12:30", "dkr-hotel"),
                _window(dakar_2, "14:30", "18:00", "dkr-hotel"),
            ],
        },
        {
            "key": "nouakchott",
            "city": "Nouakchott",
            "country": "MR",
            "timezone": "Africa/Nouakchott",
            "slot_minutes": 30,
            "venues": [
                {
                    "key": "nkc-hotel",
                    "name": "Hôtel Sahel Océan",
                    "address": "Avenue du Général de Gaulle, Tevragh Zeina, Nouakchott",
                    "tables": 12,
                }
            ],
            "meeting_windows": [
                _window(nkc_1, "11:00", "13:00", "nkc-hotel"),
                _window(nkc_1, "14:30", "18:00", "nkc-hotel"),
                _window(nkc_2, "09:00", "12:30", "nkc-hotel"),
                _window(nkc_2, "15:30", "18:00", "nkc-hotel"),
            ],
        },
    ]

    organisations, people = [], []
    delegates: list[dict] = []
    firm_people: dict[str, list[str]] = {}
    for number, (key, name, city, sectors, _targets, description, members) in enumerate(
        data.DELEGATION_FIRMS
    ):
        organisations.append(
            {
                "key": key,
                "name": name,
                "country": "MA",
                "side": "delegation",
                "category": "ict_firm",
                "sectors": sectors,
                "description": f"{description} Siège : {city}.",
            }
        )
        firm_people[key] = []
        for index, (person_name, position, languages) in enumerate(members):
            person = {
                "key": _slug(person_name),
                "organisation": key,
                "name": person_name,
                "position": position,
                "email": _email(person_name, key),
                "phone": _phone("MA", number * 3 + index),
                "languages": languages,
            }
            available = data.DELEGATE_AVAILABILITY.get(person_name)
            if available:
                person["available"] = [{"start": s, "end": e} for s, e in available]
            people.append(person)
            delegates.append(person)
            firm_people[key].append(person["key"])

    host_person: dict[str, str] = {}
    for country, hosts in (("SN", data.SENEGAL_HOSTS), ("MR", data.MAURITANIA_HOSTS)):
        for number, host in enumerate(hosts):
            key, name, category, sectors, description, person_name, position, languages = host
            organisations.append(
                {
                    "key": key,
                    "name": name,
                    "country": country,
                    "side": "host",
                    "category": category,
                    "sectors": sectors,
                    "description": description,
                }
            )
            person = {
                "key": _slug(person_name),
                "organisation": key,
                "name": person_name,
                "position": position,
                "email": _email(person_name, key),
                "phone": _phone(country, number),
                "languages": languages,
            }
            available = data.HOST_AVAILABILITY.get(key)
            if available:
                person["available"] = [{"start": s, "end": e} for s, e in available]
            people.append(person)
            host_person[key] = person["key"]

    everyone = [p["key"] for p in delegates]
    # The late delegate misses the first morning in Dakar.
    first_morning = [p["key"] for p in delegates if p["name"] not in data.DELEGATE_AVAILABILITY]
    group_a = [
        k
        for i, firm in enumerate(data.DELEGATION_FIRMS)
        if i % 2 == 0
        for k in firm_people[firm[0]][:1]
    ]
    group_b = [
        k
        for i, firm in enumerate(data.DELEGATION_FIRMS)
        if i % 2 == 1
        for k in firm_people[firm[0]][:1]
    ]
    activities = [
        {
            "key": "atelier-dakar",
            "kind": "workshop",
            "title": "Atelier : le marché des TIC au Sénégal",
            "leg": "dakar",
            "start": f"{dakar_1}T09:00",
            "end": f"{dakar_1}T10:30",
            "location": "Hôtel Corniche Atlantique, salle Gorée",
            "address": "Route de la Corniche Ouest, Dakar",
            "capacity": 60,
            "attendees": [*first_morning, host_person["sn-cnin"], host_person["sn-teranga-mobile"]],
        },
        {
            "key": "visite-cnin",
            "kind": "site_visit",
            "title": "Visite du Centre national d'innovation numérique",
            "leg": "dakar",
            "start": f"{dakar_2}T15:00",
            "end": f"{dakar_2}T17:00",
            "location": "Centre national d'innovation numérique",
            "address": "Cité du numérique, Diamniadio",
            "capacity": 15,
            "attendees": group_a + [host_person["sn-cnin"]],
        },
        {
            "key": "visite-teranga-mobile",
            "kind": "site_visit",
            "title": "Visite de Teranga Mobile : centre d'exploitation du réseau",
            "leg": "dakar",
            "start": f"{dakar_2}T15:00",
            "end": f"{dakar_2}T17:00",
            "location": "Teranga Mobile, siège",
            "address": "Zone des Almadies, Dakar",
            "capacity": 15,
            "attendees": group_b + [host_person["sn-teranga-mobile"]],
        },
        {
            "key": "transfert-dakar-nouakchott",
            "kind": "transfer",
            "title": "Transfert Dakar → Nouakchott (vol)",
            "leg": "dakar",
            "start": f"{data.TRANSFER_DAY}T08:30",
            "end": f"{data.TRANSFER_DAY}T14:30",
            "location": "Aéroport international de Dakar",
            "address": "",
            "capacity": None,
            "attendees": everyone,
        },
        {
            "key": "atelier-nouakchott",
            "kind": "workshop",
            "title": "Atelier : le marché des TIC en Mauritanie",
            "leg": "nouakchott",
            "start": f"{nkc_1}T09:00",
            "end": f"{nkc_1}T10:30",
            "location": "Hôtel Sahel Océan, salle Chinguetti",
            "address": "Avenue du Général de Gaulle, Tevragh Zeina, Nouakchott",
            "capacity": 60,
            "attendees": everyone + [host_person["mr-cmdn"], host_person["mr-tevragh-telecom"]],
        },
        {
            "key": "visite-cmdn",
            "kind": "site_visit",
            "title": "Visite du Centre mauritanien de développement numérique",
            "leg": "nouakchott",
            "start": f"{nkc_2}T15:30",
            "end": f"{nkc_2}T17:00",
            "location": "Centre mauritanien de développement numérique",
            "address": "Îlot K, Nouakchott",
            "capacity": 15,
            "attendees": group_b + [host_person["mr-cmdn"]],
        },
        {
            "key": "visite-tevragh-telecom",
            "kind": "site_visit",
            "title": "Visite de Tevragh Télécom : centre de données",
            "leg": "nouakchott",
            "start": f"{nkc_2}T15:30",
            "end": f"{nkc_2}T17:00",
            "location": "Tevragh Télécom, centre de données",
            "address": "Route de Rosso, Nouakchott",
            "capacity": 15,
            "attendees": group_a + [host_person["mr-tevragh-telecom"]],
        },
    ]

    requests = []
    # Hosts already asked for often count for a little less, so that every host gets some.
    asked: dict[str, int] = {}
    requesters = ["delegation"] * 11 + ["both"] * 4 + ["host"] * 3 + ["organiser"] * 2
    for number, (key, _name, _city, sectors, targets, _description, members) in enumerate(
        data.DELEGATION_FIRMS
    ):
        for leg_number, hosts in enumerate((data.SENEGAL_HOSTS, data.MAURITANIA_HOSTS)):
            candidates = [h for h in hosts if h[2] in data.CATEGORY_INTEREST]
            scored = sorted(
                candidates,
                key=lambda h: (
                    -(
                        2 * len(targets & set(h[3]))
                        + 2 * len(set(sectors) & set(h[3]))
                        + data.CATEGORY_INTEREST[h[2]]
                        + rng.random() * 2
                        - 0.6 * asked.get(h[0], 0)
                    )
                ),
            )
            wanted = 6 + (number + 2 * leg_number) % 5
            for rank, host in enumerate(scored[:wanted]):
                asked[host[0]] = asked.get(host[0], 0) + 1
                request = {
                    "key": f"r-{len(requests) + 1:03d}",
                    "delegation": key,
                    "host": host[0],
                    "priority": 1 if rank < 2 else 2 if rank < 5 else 3,
                    "requested_by": rng.choice(requesters),
                    "duration_slots": 2 if rank == 0 and host[2] == "information_systems" else 1,
                }
                if len(members) == 2 and rng.random() < 0.3:
                    request["attendees"] = [
                        firm_people[key][rng.randrange(2)],
                        host_person[host[0]],
                    ]
                requests.append(request)

    return {
        "format": FORMAT,
        "mission": {
            "title": data.TITLE,
            "organiser": data.ORGANISER,
            "locale": "fr",
            "description": data.DESCRIPTION,
        },
        "legs": legs,
        "organisations": organisations,
        "people": people,
        "activities": activities,
        "requests": requests,
        "meetings": [],
    }


def load_demo(if_empty: bool = False) -> Mission | None:
    """Create the demo mission, owned by the demo organiser (created if missing).

    With `if_empty`, nothing is done (None) when any mission exists already.
    """
    if if_empty and db.session.scalar(select(exists().where(Mission.id.isnot(None)))):
        return None
    organiser = db.session.scalar(select(User).where(User.email == normalise_email(DEMO_EMAIL)))
    if organiser is None:
        organiser = create_user(DEMO_EMAIL, DEMO_PASSWORD, name=DEMO_NAME)
    return import_mission_document(organiser, build_demo_document())

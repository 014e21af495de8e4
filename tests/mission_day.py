"""A mission after its days in Dakar and Nouakchott: meetings with their outcomes, and follow-ups.

Dakar, Tuesday 12 May 2026 (UTC+0), Hôtel Terrou-Bi:
  m1 09:00 T1  Atlas Logiciels – Banque de la Téranga (IS)  held       proposal 150 000,10 MAD
  m2 09:30 T1  Atlas Logiciels – Sonatel (operator)         no-show    lead, no value
  m3 09:30 T2  Cyber Sahel – Banque de la Téranga           held       lead 2 500 000 XOF
  m4 10:00 T1  Cyber Sahel – Senelec (purchasing)           cancelled
  m5 10:30 T1  Atlas Logiciels – Senelec                    not recorded
Nouakchott, Thursday 14 May 2026 (UTC+0), Hôtel Azalaï:
  m6 09:00 T1  Atlas Logiciels – Mauritel (operator)        held       contract 1 234 567,89 MRU
  m7 09:00 T2  Cyber Sahel – SNIM (purchasing)              held       contract 99 999,20 MAD
  m8 09:30 T1  Cyber Sahel – Mauritel                       not recorded

Totals: 4 held, 1 no-show, 2 not recorded, 1 cancelled; 7 on the schedule; rate 4 / 5 = 80 %.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from mission_app.extensions import db
from mission_app.models import FollowUp, Leg, Meeting, Mission, Organisation, Venue
from tests import factories

DAKAR_DAY = datetime(2026, 5, 12, 9, 0, tzinfo=UTC)
NOUAKCHOTT_DAY = datetime(2026, 5, 14, 9, 0, tzinfo=UTC)
HALF_HOUR = timedelta(minutes=30)


@dataclass
class MissionDay:
    mission: Mission
    dakar: Leg
    nouakchott: Leg
    terrou_bi: Venue
    azalai: Venue
    atlas: Organisation
    cyber: Organisation
    teranga: Organisation
    sonatel: Organisation
    senelec: Organisation
    mauritel: Organisation
    snim: Organisation
    meetings: dict[str, Meeting]


def build_mission_day(
    *, atlas_name: str = "Atlas Logiciels", cyber_name: str = "Cyber Sahel", follow_ups=True
) -> MissionDay:
    mission = factories.MissionFactory(
        title="Mission TIC Dakar–Nouakchott 2026", organiser="Agence marocaine des exportations"
    )
    dakar = factories.LegFactory(
        mission=mission, key="dakar", city="Dakar", country="SN", timezone="Africa/Dakar"
    )
    nouakchott = factories.LegFactory(
        mission=mission,
        key="nouakchott",
        city="Nouakchott",
        country="MR",
        timezone="Africa/Nouakchott",
        position=1,
    )
    terrou_bi = factories.VenueFactory(leg=dakar, name="Hôtel Terrou-Bi", tables=3)
    azalai = factories.VenueFactory(leg=nouakchott, name="Hôtel Azalaï", tables=3)
    for venue, start in ((terrou_bi, DAKAR_DAY), (azalai, NOUAKCHOTT_DAY)):
        factories.MeetingWindowFactory(venue=venue, start_at=start, end_at=start + 6 * HALF_HOUR)

    def firm(name):
        return factories.OrganisationFactory(mission=mission, name=name)

    def host(name, category, leg):
        return factories.OrganisationFactory(
            mission=mission, name=name, host=True, category=category, country=leg.country, leg=leg
        )

    atlas, cyber = firm(atlas_name), firm(cyber_name)
    teranga = host("Banque de la Téranga", "information_systems", dakar)
    sonatel = host("Sonatel", "operator", dakar)
    senelec = host("Senelec", "purchasing", dakar)
    mauritel = host("Mauritel", "operator", nouakchott)
    snim = host("SNIM", "purchasing", nouakchott)
    for organisation, name in (
        (atlas, "Karim Benali"),
        (cyber, "Salma El Idrissi"),
        (teranga, "Mamadou Diop"),
        (sonatel, "Aminata Fall"),
        (senelec, "Ousmane Ba"),
        (mauritel, "Mohamed Ould Ahmed"),
        (snim, "Aïcha Mint Salem"),
    ):
        factories.PersonFactory(organisation=organisation, name=name)

    plan = [
        ("m1", atlas, teranga, terrou_bi, DAKAR_DAY, 1, "held", None),
        ("m2", atlas, sonatel, terrou_bi, DAKAR_DAY + HALF_HOUR, 1, "no_show", None),
        ("m3", cyber, teranga, terrou_bi, DAKAR_DAY + HALF_HOUR, 2, "held", None),
        ("m4", cyber, senelec, terrou_bi, DAKAR_DAY + 2 * HALF_HOUR, 1, None, "cancelled"),
        ("m5", atlas, senelec, terrou_bi, DAKAR_DAY + 3 * HALF_HOUR, 1, None, None),
        ("m6", atlas, mauritel, azalai, NOUAKCHOTT_DAY, 1, "held", None),
        ("m7", cyber, snim, azalai, NOUAKCHOTT_DAY, 2, "held", None),
        ("m8", cyber, mauritel, azalai, NOUAKCHOTT_DAY + HALF_HOUR, 1, None, None),
    ]
    meetings = {}
    for key, delegation, counterpart, venue, start, table, outcome, status in plan:
        request = factories.MeetingRequestFactory(
            mission=mission, key=f"r-{key}", delegation=delegation, host=counterpart
        )
        meetings[key] = factories.MeetingFactory(
            request=request,
            key=key,
            venue=venue,
            table_number=table,
            start_at=start,
            end_at=start + HALF_HOUR,
            outcome=outcome,
            status=status or "scheduled",
        )
    if follow_ups:
        for key, stage, value, currency in (
            ("m1", "proposal", "150000.10", "MAD"),
            ("m2", "lead", None, None),
            ("m3", "lead", "2500000", "XOF"),
            ("m6", "contract", "1234567.89", "MRU"),
            ("m7", "contract", "99999.20", "MAD"),
        ):
            db.session.add(
                FollowUp(
                    meeting_id=meetings[key].id,
                    stage=stage,
                    notes=f"Suite du rendez-vous {key}.",
                    estimated_value=Decimal(value) if value else None,
                    currency=currency,
                )
            )
    db.session.flush()
    return MissionDay(
        mission,
        dakar,
        nouakchott,
        terrou_bi,
        azalai,
        atlas,
        cyber,
        teranga,
        sonatel,
        senelec,
        mauritel,
        snim,
        meetings,
    )

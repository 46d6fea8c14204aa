"""The .ics of a defence slot (答辩), for the applicant, the panel and the issuer (RFC 5545, icalendar)."""
from __future__ import annotations

import icalendar

from tt_platform.challenges.models import DefenceSlot


def defence(slot: DefenceSlot, url: str, host: str) -> bytes:
    application = slot.application
    challenge = application.challenge
    cal = icalendar.Calendar()
    cal.add("prodid", "-//tt-platform//challenge-defence//ZH")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    event = icalendar.Event()
    event.add("uid", f"challenge-{challenge.id}-defence-{slot.id}@{host}")
    event.add("dtstamp", slot.created_at)
    event.add("dtstart", slot.starts_at)
    event.add("dtend", slot.ends_at)
    event.add("summary", f"答辩：{challenge.title}（{application.organisation.name}）")
    event.add("description", "\n\n".join((challenge.goal, url)))
    event.add("location", slot.place)
    event.add("url", url)
    cal.add_component(event)
    return cal.to_ical()

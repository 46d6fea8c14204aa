"""The .ics invitation a registered enterprise downloads (RFC 5545, written by the icalendar library)."""
from __future__ import annotations

import icalendar

from tt_platform.database import CHINA
from tt_platform.roadshows.models import Registration


def invitation(registration: Registration, url: str, host: str) -> bytes:
    roadshow = registration.roadshow
    cal = icalendar.Calendar()
    cal.add("prodid", "-//tt-platform//roadshow//ZH")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    event = icalendar.Event()
    event.add("uid", f"roadshow-{roadshow.id}-registration-{registration.id}@{host}")
    event.add("dtstamp", registration.created_at)
    event.add("dtstart", roadshow.starts_at)
    event.add("dtend", roadshow.ends_at)
    event.add("summary", roadshow.title)
    agenda = "\n".join(f"{s.starts_at.astimezone(CHINA):%H:%M} {s.achievement.title}（{s.presenter}）"
                       for s in roadshow.slots)
    event.add("description", "\n\n".join(p for p in (roadshow.theme, agenda, roadshow.online_url or "", url) if p))
    if roadshow.venue:
        event.add("location", roadshow.venue)
    elif roadshow.online_url:
        event.add("location", roadshow.online_url)
    event.add("url", url)
    event.add("organizer", f"mailto:{roadshow.organiser.contact_email}", parameters={"cn": roadshow.organiser.name})
    cal.add_component(event)
    return cal.to_ical()

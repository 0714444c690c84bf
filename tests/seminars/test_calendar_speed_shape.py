"""The shape of the fast paths (no timing here, only what they produce):
the iCal events written without icalendar's generic machinery are what
icalendar itself would write, the Paris VTIMEZONE is built once per process,
and ``Seminar.objects.notes_late`` gives the rows of the ``note_late`` filter."""

from datetime import UTC, date, datetime, timedelta
from unittest import mock

import pytest
from django.utils import timezone
from icalendar import Calendar, Event, vDuration

from fabriques.models import Fabrique
from seminars import calendars
from seminars.models import NoteVersion, Seminar
from territories.models import Participation, Territory
from tests.factories import NoteVersionFactory, SeminarFactory

TEXTS = [
    "",
    "Thème",
    "é" * 80,
    "a\\b;c,d\nx\r\ny\rz",
    "x" * 73 + "\\;" + "y" * 200,
    "ü😀" * 60,
    "\\N ligne",
    "^" * 100,
]


def reference_build(seminars, *, owner) -> bytes:
    """The feed as icalendar writes it, component by component."""
    calendar = Calendar()
    calendar.add("prodid", calendars.PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"Fabriques Prospectives — {owner}")
    calendar.add("x-wr-timezone", "Europe/Paris")
    calendar.add("refresh-interval", calendars.REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(calendars.REFRESH_INTERVAL))
    stamp = timezone.now().astimezone(UTC)
    for seminar in seminars:
        label = str(seminar.get_kind_display())
        event = Event()
        event.add("uid", calendars.seminar_uid(seminar))
        event.add("sequence", seminar.sequence)
        event.add("dtstamp", stamp)
        event.add("dtstart", seminar.starts_at.astimezone(calendars.PARIS))
        if seminar.ends_at:
            event.add("dtend", seminar.ends_at.astimezone(calendars.PARIS))
        event.add("summary", calendars._summary(seminar, label))
        if location := calendars._location(seminar):
            event.add("location", location)
        if description := calendars._description(seminar):
            event.add("description", description)
        if seminar.meeting_url:
            event.add("url", seminar.meeting_url)
        cancelled = seminar.status == Seminar.Status.CANCELLED
        event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        event.add("categories", ["Fabriques Prospectives", label])
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def unsaved_seminars(count):
    fabrique = Fabrique(pk=1, title="Fabrique « test », très ; longue " * 3)
    participation = Participation(
        pk=1, fabrique=fabrique, territory=Territory(pk=1, name="Saint-Étienne-du-Rouvray")
    )
    base = datetime(2026, 3, 29, 0, 30, 17, 1234, tzinfo=UTC)  # across a DST change
    seminars = []
    for i in range(count):
        kind = ("local", "intersite", "immersion")[i % 3]
        seminars.append(
            Seminar(
                pk=i + 1,
                fabrique=fabrique,
                participation=None if kind == "intersite" else participation,
                kind=kind,
                number=None if kind == "immersion" else 1 + i % 4,
                theme=TEXTS[i % len(TEXTS)],
                agenda=TEXTS[(i * 3) % len(TEXTS)],
                starts_at=base + timedelta(days=i * 5, minutes=i),
                ends_at=None if i % 4 == 0 else base + timedelta(days=i * 5, hours=2),
                place=TEXTS[(i * 5) % len(TEXTS)],
                format=("presentiel", "distanciel", "hybride")[i % 3 if i % 2 else (i + 1) % 3],
                meeting_url=("", "https://v.example/a?b=1,2;3", "https://x.example/" + "p" * 90)[
                    i % 3
                ],
                status=("programme", "annule", "tenu")[(i // 3) % 3],
                sequence=i % 7,
            )
        )
    return seminars


@pytest.mark.parametrize("count", [0, 1, 240])
@pytest.mark.parametrize("owner", ["Jean", "Élodie ; , \\ " * 10])
def test_the_feed_is_what_icalendar_would_write(count, owner):
    seminars = unsaved_seminars(count)
    now = datetime(2026, 11, 24, 12, 0, 5, 999, tzinfo=UTC)
    with mock.patch("django.utils.timezone.now", return_value=now):
        assert calendars.calendar_build(seminars, owner=owner) == reference_build(
            seminars, owner=owner
        )


def test_the_feed_parses_back(settings):
    seminars = unsaved_seminars(30)
    parsed = Calendar.from_ical(calendars.calendar_build(seminars, owner="Jean"))
    events = parsed.walk("VEVENT")
    assert [str(e["UID"]) for e in events] == [calendars.seminar_uid(s) for s in seminars]
    assert [tz.tz_name for tz in parsed.timezones] == ["Europe/Paris"]
    # Line ends come back as "\n" (TEXT has no escape for a lone carriage return).
    written = calendars._description(seminars[3]).replace("\r\n", "\n").replace("\r", "\n")
    assert events[3]["DESCRIPTION"] == written


def test_the_paris_timezone_is_built_once():
    calendars._paris_vtimezone.cache_clear()
    for _ in range(3):
        calendars.calendar_build(unsaved_seminars(2), owner="Jean")
    info = calendars._paris_vtimezone.cache_info()
    assert (info.misses, info.hits) == (1, 2)


# --- Late notes --------------------------------------------------------------------


@pytest.mark.django_db
def test_notes_late_gives_the_late_rows_of_with_note_state(world):
    today = timezone.localdate()

    def held(participation, number, days_ago, note=None):
        seminar = SeminarFactory(
            participation=participation,
            number=number,
            status=Seminar.Status.HELD,
            starts_at=timezone.now() - timedelta(days=days_ago),
        )
        if note:
            NoteVersionFactory(seminar=seminar, status=note)
        return seminar

    p = world.participation_a
    held(p, 2, 1)  # due, not late
    late = held(p, 3, 90)
    returned = held(p, 4, 120, NoteVersion.Status.RETURNED)
    held(world.participation_b, 2, 90, NoteVersion.Status.SUBMITTED)
    held(world.participation_b, 3, 90, NoteVersion.Status.SHARED)

    expected = list(
        Seminar.objects.with_note_state(today)
        .filter(note_late=True)
        .order_by("note_due_date", "pk")
        .values_list("pk", "note_due_date")
    )
    fast = Seminar.objects.notes_late(today).order_by("note_due_date", "pk")
    assert list(fast.values_list("pk", "note_due_date")) == expected
    assert {pk for pk, _day in expected} == {late.pk, returned.pk}
    assert all(s.note_late and not s.note_pending and not s.has_submitted_note for s in fast)
    # On a day long past, nothing is late yet.
    assert not Seminar.objects.notes_late(date(2000, 1, 1)).exists()


def test_the_handed_in_index_matches_handed_in_statuses():
    (index,) = [i for i in NoteVersion._meta.indexes if i.name == "note_handed_in_seminar_idx"]
    assert sorted(index.condition.children[0][1]) == sorted(NoteVersion.HANDED_IN)

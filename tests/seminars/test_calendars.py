"""Seminars in calendar clients: the private iCal feed (what it holds, who it
answers), its management page, and the single-seminar .ics."""

import hashlib
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from icalendar import Calendar

from seminars.calendars import calendar_feed_create, calendar_feed_revoke, seminar_uid
from seminars.models import CalendarFeed, Seminar
from seminars.services import seminar_schedule
from tests.factories import ParticipationFactory, SeminarFactory

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")


def dated(seminar, day=12, **fields):
    seminar.starts_at = datetime(2026, 5, day, 9, 30, tzinfo=PARIS)
    seminar.ends_at = datetime(2026, 5, day, 17, tzinfo=PARIS)
    seminar.status = Seminar.Status.SCHEDULED
    for name, value in fields.items():
        setattr(seminar, name, value)
    seminar.save()
    return seminar


def feed_url(token):
    return reverse("seminars:feed", args=[token])


def events(response):
    calendar = Calendar.from_ical(response.content)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


@pytest.fixture
def dated_world(world):
    for seminar in (world.seminar_a, world.seminar_b, world.intersite_x):
        dated(seminar, place="Mairie, salle du conseil")
    return world


def test_feed_holds_exactly_the_owners_dated_seminars(client, dated_world):
    w = dated_world
    SeminarFactory(participation=w.participation_a, number=2)  # no date yet: not an event
    _, token = calendar_feed_create(user=w.elu_a)

    response = client.get(feed_url(token))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["PRODID"]) == "-//ANCT//Fabriques Prospectives//FR"
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["X-WR-CALNAME"]) == f"Fabriques Prospectives — {w.elu_a}"
    assert set(events(response)) == {seminar_uid(w.seminar_a), seminar_uid(w.intersite_x)}
    event = events(response)[seminar_uid(w.seminar_a)]
    assert str(event["SUMMARY"]) == "Séminaire local 1 — Territoire A — " + (
        w.fabrique_x.display_title
    )
    assert str(event["LOCATION"]) == "Mairie, salle du conseil"
    assert str(event["STATUS"]) == "CONFIRMED"


def test_a_role_given_or_ended_today_changes_the_feed_at_once(client, dated_world):
    """The feed's access rule keeps its SQL per owner and day, never its rows:
    a COPIL seat given during the day adds that Fabrique's seminars to the
    next request, and ending it removes them."""
    from datetime import timedelta

    from django.utils import timezone

    from tests.factories import CopilMemberFactory

    w = dated_world
    _, token = calendar_feed_create(user=w.elu_a)
    before = set(events(client.get(feed_url(token))))
    assert seminar_uid(w.seminar_b) not in before
    seat = CopilMemberFactory(user=w.elu_a, fabrique=w.seminar_b.fabrique)
    assert seminar_uid(w.seminar_b) in set(events(client.get(feed_url(token))))
    seat.ends_on = timezone.localdate() - timedelta(days=1)
    seat.save()
    assert set(events(client.get(feed_url(token)))) == before


def test_remote_seminar_gives_its_link(client, world):
    dated(
        world.seminar_a,
        format=Seminar.Format.REMOTE,
        meeting_url="https://visio.example.invalid/fabrique",
        agenda="10 h : atelier",
    )
    _, token = calendar_feed_create(user=world.elu_a)

    event = events(client.get(feed_url(token)))[seminar_uid(world.seminar_a)]

    assert str(event["LOCATION"]) == "À distance — https://visio.example.invalid/fabrique"
    assert str(event["URL"]) == "https://visio.example.invalid/fabrique"
    assert "10 h : atelier" in str(event["DESCRIPTION"])


def test_times_are_in_paris_time_with_its_timezone(client, dated_world):
    _, token = calendar_feed_create(user=dated_world.elu_a)

    response = client.get(feed_url(token))

    assert b"DTSTART;TZID=Europe/Paris:20260512T093000" in response.content
    assert b"DTEND;TZID=Europe/Paris:20260512T170000" in response.content
    calendar = Calendar.from_ical(response.content)
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Paris"]


def test_a_moved_seminar_keeps_its_uid_and_raises_its_sequence(client, world):
    _, token = calendar_feed_create(user=world.elu_a)
    details = {"place": "Mairie", "format": Seminar.Format.IN_PERSON, "meeting_url": ""}
    seminar_schedule(
        seminar=world.seminar_a,
        starts_at=datetime(2026, 5, 12, 9, 30, tzinfo=PARIS),
        ends_at=datetime(2026, 5, 12, 17, tzinfo=PARIS),
        agenda="",
        **details,
    )
    before = events(client.get(feed_url(token)))[seminar_uid(world.seminar_a)]

    seminar_schedule(
        seminar=world.seminar_a,
        starts_at=datetime(2026, 5, 19, 9, 30, tzinfo=PARIS),
        ends_at=datetime(2026, 5, 19, 17, tzinfo=PARIS),
        agenda="",
        **details,
    )
    after = events(client.get(feed_url(token)))[seminar_uid(world.seminar_a)]

    assert after["UID"] == before["UID"]
    assert int(after["SEQUENCE"]) == int(before["SEQUENCE"]) + 1
    assert after.decoded("DTSTART") == datetime(2026, 5, 19, 9, 30, tzinfo=PARIS)


def test_a_cancelled_dated_seminar_stays_as_cancelled(client, dated_world):
    w = dated_world
    w.seminar_a.status = Seminar.Status.CANCELLED
    w.seminar_a.save(update_fields=["status"])
    _, token = calendar_feed_create(user=w.elu_a)

    event = events(client.get(feed_url(token)))[seminar_uid(w.seminar_a)]

    assert str(event["STATUS"]) == "CANCELLED"


def test_the_token_is_not_stored_in_clear(world):
    feed, token = calendar_feed_create(user=world.elu_a)

    stored = CalendarFeed.objects.values().get(pk=feed.pk)
    assert token not in {str(value) for value in stored.values()}
    assert stored["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert len(token) >= 43  # 32 random bytes


def test_unknown_and_revoked_tokens_answer_the_same_404(client, dated_world):
    feed, token = calendar_feed_create(user=dated_world.elu_a)
    calendar_feed_revoke(feed=feed)

    revoked = client.get(feed_url(token))
    unknown = client.get(feed_url("pas-un-vrai-jeton"))

    assert revoked.status_code == unknown.status_code == 404
    # The same page but for each answer's own CSP nonce.
    assert re.sub(rb'nonce="[^"]*"', b"", revoked.content) == re.sub(
        rb'nonce="[^"]*"', b"", unknown.content
    )


def test_regenerating_kills_the_old_url(client, dated_world):
    _, old = calendar_feed_create(user=dated_world.elu_a)
    _, new = calendar_feed_create(user=dated_world.elu_a)

    assert client.get(feed_url(old)).status_code == 404
    assert client.get(feed_url(new)).status_code == 200
    assert CalendarFeed.objects.filter(user=dated_world.elu_a, revoked_at=None).count() == 1


def test_a_deactivated_owner_has_no_feed(client, dated_world):
    _, token = calendar_feed_create(user=dated_world.elu_a)
    dated_world.elu_a.is_active = False
    dated_world.elu_a.save(update_fields=["is_active"])

    assert client.get(feed_url(token)).status_code == 404


@pytest.mark.parametrize("count", [3, 30])
def test_the_feed_query_count_does_not_grow_with_seminars(client, world, count):
    # The prestataire of Fabrique X sees every territory's seminars in it.
    for index in range(count):
        if index % 3 == 0:
            participation = ParticipationFactory(fabrique=world.fabrique_x)
        dated(SeminarFactory(participation=participation, number=index % 3 + 1), day=index % 28 + 1)
    _, token = calendar_feed_create(user=world.prestataire_x)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(feed_url(token))

    assert len(events(response)) == count
    assert len(queries) == FEED_QUERIES


# The owner behind the token, their roles of today, then the seminars with
# their Fabrique and territory (selected by the roles' ids).
FEED_QUERIES = 3


def event_url(seminar):
    return reverse("seminars:event_ics", args=[seminar.pk])


def test_single_seminar_ics_follows_the_seminar_scope(client, dated_world):
    w = dated_world
    seen = {}
    for name, user in w.personas.items():
        client.logout()
        if user:
            client.force_login(user)
        seen[name] = client.get(event_url(w.seminar_a)).status_code
    assert seen == {
        "anonymous": 302,
        "elu_a": 200,
        "referent_a": 200,
        "elu_b": 404,
        "prestataire_x": 200,
        "prestataire_y": 404,
        "copil_x": 200,
        "staff": 200,
    }


def test_single_seminar_ics_is_one_event(client, dated_world):
    client.force_login(dated_world.elu_a)

    response = client.get(event_url(dated_world.seminar_a))

    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert set(events(response)) == {seminar_uid(dated_world.seminar_a)}


def test_a_seminar_without_a_date_has_no_ics(client, world):
    client.force_login(world.elu_a)

    assert client.get(event_url(world.seminar_a)).status_code == 404


# --- The management page ----------------------------------------------------------

PAGE = reverse("seminars:calendar_feed")


def test_the_page_needs_a_login(client):
    assert client.get(PAGE).status_code == 302


def test_creating_shows_the_url_once(client, world):
    client.force_login(world.elu_a)
    assert "Vous n’avez pas de lien d’abonnement actif" in client.get(PAGE).content.decode()

    created = client.post(PAGE, {"action": "create"})

    feed = CalendarFeed.objects.get(user=world.elu_a, revoked_at=None)
    page = created.content.decode()
    assert created.status_code == 200
    assert created["Cache-Control"] == "private, no-store"
    url = page.split('id="feed-url" name="feed-url" value="', 1)[1].split('"', 1)[0]
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    assert url == "http://testserver" + feed_url(token)
    assert feed.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert created.context["title"] == "Mon calendrier"
    assert created.context["breadcrumb_data"]["current"] == "Mon calendrier"

    later = client.get(PAGE).content.decode()
    assert token not in later
    assert "Un abonnement est actif" in later


def test_regenerating_from_the_page_replaces_the_link(client, world):
    _, old = calendar_feed_create(user=world.elu_a)
    client.force_login(world.elu_a)

    client.post(PAGE, {"action": "create"})

    assert client.get(feed_url(old)).status_code == 404
    assert CalendarFeed.objects.filter(user=world.elu_a, revoked_at=None).count() == 1


def test_revoking_from_the_page(client, world):
    _, token = calendar_feed_create(user=world.elu_a)
    client.force_login(world.elu_a)

    response = client.post(PAGE, {"action": "revoke"}, follow=True)

    assert "ne fonctionne plus" in response.content.decode()
    assert client.get(feed_url(token)).status_code == 404
    assert not CalendarFeed.objects.filter(user=world.elu_a, revoked_at=None).exists()


def test_nobody_can_revoke_another_persons_feed(client, world):
    _, token = calendar_feed_create(user=world.elu_a)
    client.force_login(world.elu_b)

    client.post(PAGE, {"action": "revoke"})

    assert client.get(feed_url(token)).status_code == 200


def test_clients_are_told_to_refresh_hourly(client, world):
    _, token = calendar_feed_create(user=world.elu_a)

    content = client.get(feed_url(token)).content

    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT1H" in content
    assert b"X-PUBLISHED-TTL:PT1H" in content

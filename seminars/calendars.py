"""Seminars in people's calendars: iCalendar data and the private feed tokens.

A feed URL carries a secret because calendar clients cannot log in; only the
secret's SHA-256 is stored, so a leaked database does not open anyone's feed.
"""

import functools
import hashlib
import pickle
import secrets
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.cache import caches
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vDuration

from accounts.models import User
from accounts.permissions import seminar_scope, seminars_visible_to_by_ids
from config.compiled_rows import compiled_rows
from config.value_rows import instance_builder

from .models import CalendarFeed, Seminar, SeminarKind

PRODID = "-//ANCT//Fabriques Prospectives//FR"
UID_DOMAIN = "fabriques-prospectives.anct.gouv.fr"
# Seminars take place in France: times are given in Paris time, whatever the
# server's zone, so clients show them right across daylight-saving changes.
PARIS = ZoneInfo("Europe/Paris")
# Clients poll subscribed feeds; an hour keeps a moved date fresh without load.
REFRESH_INTERVAL = timedelta(hours=1)


# --- Feed tokens ---------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def calendar_feed_create(*, user) -> tuple[CalendarFeed, str]:
    """A new secret feed for ``user``; the previous one (if any) stops working.

    Returns the feed and the secret token, which is never readable again.
    """
    # Serialises two clicks on "generate" so the one-active-feed constraint
    # does not turn the second into a server error.
    User.objects.select_for_update().filter(pk=user.pk).exists()
    CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed.objects.create(user=user, token_hash=_token_hash(token))
    return feed, token


def calendar_feed_revoke(*, feed: CalendarFeed) -> CalendarFeed:
    if feed.revoked_at is None:
        feed.revoked_at = timezone.now()
        feed.save(update_fields=["revoked_at"])
    return feed


def calendar_feed_active(user) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).first()


def calendar_feed_owner(token: str) -> User | None:
    """The active owner of an active feed, else None (unknown, revoked or
    deactivated all look the same to the caller)."""
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(token_hash=_token_hash(token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    return feed.user if feed else None


# --- iCalendar data -------------------------------------------------------------------


def calendar_seminars(user, today=None, *, scope=None) -> QuerySet[Seminar]:
    """The seminars of ``user``'s calendar: every visible one with a fixed date
    (``scope``: the user's ``seminar_scope``, when the caller read it).

    Cancelled ones stay in so that clients which imported them remove them.
    """
    return (
        # By id lists: a calendar runs over every year of the user's roles.
        seminars_visible_to_by_ids(user, today, scope=scope)
        .filter(starts_at__isnull=False)
        .select_related("fabrique", "participation__territory")
        # What the events print, not the Fabrique's texts nor the seminar's content.
        .only(*CALENDAR_FIELDS)
        .order_by("starts_at", "pk")
    )


CALENDAR_FIELDS = (
    "fabrique__title",
    "fabrique__short_title",
    "participation__territory__name",
    "kind",
    "number",
    "theme",
    "starts_at",
    "ends_at",
    "place",
    "format",
    "meeting_url",
    "status",
    "agenda",
    "sequence",
)


def seminar_uid(seminar: Seminar) -> str:
    # Stable across moves: with SEQUENCE, it lets clients update, not duplicate.
    return f"seminaire-{seminar.pk}@{UID_DOMAIN}"


def _summary(seminar: Seminar, kind_label: str) -> str:
    if seminar.kind == SeminarKind.IMMERSION:
        label = kind_label
    else:
        label = f"{kind_label} {seminar.number}"
    parts = [label]
    if seminar.participation_id:
        parts.append(seminar.participation.territory.name)
    parts.append(seminar.fabrique.display_title)
    return " — ".join(parts)


def _location(seminar: Seminar) -> str:
    if seminar.format == Seminar.Format.REMOTE:
        return " — ".join(filter(None, [_("À distance"), seminar.meeting_url]))
    if seminar.format == Seminar.Format.HYBRID:
        remote = " — ".join(filter(None, [_("et à distance"), seminar.meeting_url]))
        return f"{seminar.place} ({remote})" if seminar.place else remote
    return seminar.place


def _description(seminar: Seminar) -> str:
    parts = []
    if seminar.theme:
        parts.append(_("Thème : %(theme)s") % {"theme": seminar.theme})
    if seminar.meeting_url:
        parts.append(_("Lien de la réunion : %(url)s") % {"url": seminar.meeting_url})
    if seminar.agenda:
        parts.append(_("Ordre du jour :") + "\n" + seminar.agenda)
    return "\n\n".join(parts)


# The feed of a COPIL member seated in several Fabriques holds hundreds of
# events, and icalendar's generic machinery (a component per event, a property
# object per value, character-by-character folding) costs about 1 ms each. The
# events are therefore written directly as RFC 5545 content lines, in the order
# icalendar itself writes them (tests compare both), and the Paris VTIMEZONE,
# the same for every feed, is built once per process.

# Property order of icalendar's serialisation (canonical ones first, then by name).
_EVENT_PROPERTIES = (
    "SUMMARY",
    "DTSTART",
    "DTEND",
    "DTSTAMP",
    "UID",
    "SEQUENCE",
    "CATEGORIES",
    "DESCRIPTION",
    "LOCATION",
    "STATUS",
    "URL",
)


@functools.cache
def _paris_vtimezone() -> bytes:
    """The Europe/Paris VTIMEZONE block, built once per process."""
    calendar = Calendar()
    event = Event()
    event.add("dtstart", datetime(2000, 1, 1, tzinfo=PARIS))
    calendar.add_component(event)
    calendar.add_missing_timezones()
    (vtimezone,) = calendar.timezones
    return vtimezone.to_ical()


def _escape(text: str) -> str:
    """TEXT escaping of RFC 5545 (3.3.11), as icalendar does it."""
    return (
        text.replace(r"\N", "\n")
        .replace("\\", "\\\\")
        .replace(";", r"\;")
        .replace(",", r"\,")
        .replace("\r\n", r"\n")
        .replace("\n", r"\n")
        .replace("\r", r"\n")
    )


def _fold(line: str) -> str:
    """Fold a content line at 75 octets (RFC 5545 3.1) as icalendar does: each
    physical line holds the most characters that fit in 74 octets (its
    continuation's space aside), never cut within a character nor right after
    a backslash or a caret (so an escape stays on one line)."""
    data = line.encode()
    if len(data) < 75:
        return line
    parts, start = [], 0
    while len(data) - start > 74:
        end = start + 74
        while data[end] & 0xC0 == 0x80:  # inside a UTF-8 character: cut before it
            end -= 1
        if data[end - 1] in b"\\^" and end - 1 > start:
            end -= 1
        parts.append(data[start:end])
        start = end
    parts.append(data[start:])
    return b"\r\n ".join(parts).decode()


def _paris_time(moment) -> str:
    return moment.astimezone(PARIS).strftime("%Y%m%dT%H%M%S")


def _event_lines(seminar: Seminar, stamp: str, kind_labels: dict[str, str]) -> list[str]:
    kind_label = kind_labels[seminar.kind]
    values = {
        "SUMMARY": _escape(_summary(seminar, kind_label)),
        "DTSTART": _paris_time(seminar.starts_at),
        "DTSTAMP": stamp,
        "UID": seminar_uid(seminar),
        "SEQUENCE": str(seminar.sequence),
        "CATEGORIES": ",".join(_escape(c) for c in ("Fabriques Prospectives", kind_label)),
        "STATUS": "CANCELLED" if seminar.status == Seminar.Status.CANCELLED else "CONFIRMED",
    }
    if seminar.ends_at:
        values["DTEND"] = _paris_time(seminar.ends_at)
    if location := _location(seminar):
        values["LOCATION"] = _escape(location)
    if description := _description(seminar):
        values["DESCRIPTION"] = _escape(description)
    if seminar.meeting_url:
        values["URL"] = seminar.meeting_url
    lines = ["BEGIN:VEVENT"]
    for name in _EVENT_PROPERTIES:
        if name in values:
            prefix = f"{name};TZID=Europe/Paris:" if name in ("DTSTART", "DTEND") else f"{name}:"
            lines.append(_fold(prefix + values[name]))
    lines.append("END:VEVENT")
    return lines


def calendar_build(seminars, *, owner) -> bytes:
    """One iCalendar file of dated seminars, for the feed and single-event downloads."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"Fabriques Prospectives — {owner}")
    calendar.add("x-wr-timezone", "Europe/Paris")
    calendar.add("refresh-interval", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
    # Outlook reads only this non-standard twin of REFRESH-INTERVAL.
    calendar.add("x-published-ttl", vDuration(REFRESH_INTERVAL))
    header = calendar.to_ical()
    end = b"END:VCALENDAR\r\n"
    assert header.endswith(end)
    # Labels translated once per feed, not once per event.
    kind_labels = {kind: str(label) for kind, label in SeminarKind.choices}
    stamp = timezone.now().astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = []
    for seminar in seminars:
        lines.extend(_event_lines(seminar, stamp, kind_labels))
    if not lines:
        return header
    events = "\r\n".join(lines).encode() + b"\r\n"
    return header[: -len(end)] + _paris_vtimezone() + events + end


# --- The subscribed feed, cached per owner and content ------------------------------

# The rows of a feed, as plain values: what the events print and nothing else.
_FEED_ROW_FIELDS = ("pk", "fabrique_id", "participation_id", *CALENDAR_FIELDS)
FEED_CACHE = "fragments"
# Clients poll every hour at most; a cached body is rebuilt at least this often
# (its DTSTAMP with it), whatever happens.
FEED_CACHE_TIMEOUT = 10 * 60


# Unsaved seminars of those values, with their Fabrique and territory, built
# only when the cached body is missing.
_seminar_from_row = instance_builder(Seminar, _FEED_ROW_FIELDS)


def _feed_rows(owner) -> list[tuple]:
    # The owner's roles of this very moment decide the query (their id lists,
    # read on every request): its SQL is compiled once per such scope, its
    # rows read every time.
    scope = seminar_scope(owner)
    return compiled_rows(
        ("calendar-feed-rows", scope),
        lambda: calendar_seminars(owner, scope=scope).values_list(*_FEED_ROW_FIELDS),
    )


def calendar_feed_body(owner) -> bytes:
    """The owner's subscribed feed, in the two queries of ``calendar_build``.

    The seminars are read live, as plain values (the owner's scope is applied
    by ``calendar_seminars``, as for ``calendar_build``); the serialised body
    is cached under a digest of exactly those values, of the owner's name and
    of the language, so any change of what the feed prints is a new key (no
    invalidation to forget) and one owner's feed can never be served to
    another (the owner is part of the key)."""
    rows = _feed_rows(owner)
    state = (owner.pk, str(owner), get_language(), rows)
    digest = hashlib.sha256(pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)).hexdigest()
    key = f"calendar-feed:{owner.pk}:{digest}"
    cache = caches[FEED_CACHE]
    body = cache.get(key)
    if body is None:
        body = calendar_build([_seminar_from_row(row) for row in rows], owner=owner)
        cache.set(key, body, FEED_CACHE_TIMEOUT)
    return body

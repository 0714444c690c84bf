"""Seminars in people's calendars: iCalendar data and the private feed tokens.

A feed URL carries a secret because calendar clients cannot log in; only the
secret's SHA-256 is stored, so a leaked database does not open anyone's feed.
"""

import hashlib
import secrets
from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vDuration

from accounts.models import User
from accounts.permissions import seminars_visible_to

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


def calendar_seminars(user) -> QuerySet[Seminar]:
    """The seminars of ``user``'s calendar: every visible one with a fixed date.

    Cancelled ones stay in so that clients which imported them remove them.
    """
    return (
        seminars_visible_to(user)
        .filter(starts_at__isnull=False)
        .select_related("fabrique", "participation__territory")
        .order_by("starts_at", "pk")
    )


def seminar_uid(seminar: Seminar) -> str:
    # Stable across moves: with SEQUENCE, it lets clients update, not duplicate.
    return f"seminaire-{seminar.pk}@{UID_DOMAIN}"


def _summary(seminar: Seminar) -> str:
    if seminar.kind == SeminarKind.IMMERSION:
        label = str(seminar.get_kind_display())
    else:
        label = f"{seminar.get_kind_display()} {seminar.number}"
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


def _event(seminar: Seminar, stamp) -> Event:
    event = Event()
    event.add("uid", seminar_uid(seminar))
    event.add("sequence", seminar.sequence)
    event.add("dtstamp", stamp)
    event.add("dtstart", seminar.starts_at.astimezone(PARIS))
    if seminar.ends_at:
        event.add("dtend", seminar.ends_at.astimezone(PARIS))
    event.add("summary", _summary(seminar))
    location = _location(seminar)
    if location:
        event.add("location", location)
    description = _description(seminar)
    if description:
        event.add("description", description)
    if seminar.meeting_url:
        event.add("url", seminar.meeting_url)
    cancelled = seminar.status == Seminar.Status.CANCELLED
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("categories", ["Fabriques Prospectives", str(seminar.get_kind_display())])
    return event


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
    stamp = timezone.now().astimezone(UTC)
    for seminar in seminars:
        calendar.add_component(_event(seminar, stamp))
    calendar.add_missing_timezones()
    return calendar.to_ical()

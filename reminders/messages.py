"""What each reminder says: its template, context, copies and attachments.

Built when the reminder is sent, from the data of that moment (a summary
counts the actions as they are on the day it goes out).
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from accounts.emails import absolute_url
from accounts.roles import anct_staff
from deliverables.models import Action
from deliverables.services.follow_up import follow_up_summary
from fabriques.models import Fabrique
from seminars.calendars import calendar_build
from seminars.models import Seminar, SeminarKind
from territories.models import Participation, ParticipationContact

from .models import Reminder, ReminderKind
from .planning import parse_key

Kind = ReminderKind


class ObjectGone(Exception):
    """The reminder's object no longer exists: the reminder is obsolete."""


@dataclass
class ReminderMessage:
    template: str
    context: dict
    cc: list[str] = field(default_factory=list)
    attachments: list[tuple[str, bytes, str]] = field(default_factory=list)


def link(*candidates: tuple[str, dict]) -> str:
    """An absolute link to the first of ``(url name, kwargs)`` that exists.

    Pages other apps are still building come first, with a page that exists
    today as the last candidate."""
    for name, kwargs in candidates:
        try:
            return absolute_url(reverse(name, kwargs=kwargs))
        except NoReverseMatch:
            continue
    raise NoReverseMatch(f"None of {[name for name, _kwargs in candidates]} exists")


def roadmap_link(participation_id: int) -> str:
    return link(
        ("deliverables:roadmap", {"pk": participation_id}),
        ("territories:participation", {"pk": participation_id}),
    )


def follow_up_link(fabrique_id: int) -> str:
    return link(("deliverables:follow_up", {"pk": fabrique_id}))


def follow_up_actions_link(participation_id: int) -> str:
    return link(("deliverables:follow_up_actions", {"pk": participation_id}))


def staff_copies(*, besides) -> list[str]:
    return [user.email for user in anct_staff().exclude(pk=besides.pk).order_by("email")]


def _fabrique(pk: int) -> Fabrique:
    try:
        return Fabrique.objects.select_related("follow_up").get(pk=pk)
    except Fabrique.DoesNotExist:
        raise ObjectGone from None


def _participation(pk: int) -> Participation:
    try:
        return Participation.objects.select_related("fabrique", "territory").get(pk=pk)
    except Participation.DoesNotExist:
        raise ObjectGone from None


def _seminar(pk: int) -> Seminar:
    try:
        return Seminar.objects.select_related("fabrique", "participation__territory").get(pk=pk)
    except Seminar.DoesNotExist:
        raise ObjectGone from None


def _greeting(user) -> dict:
    return {"first_name": user.first_name}


def reminder_message(reminder: Reminder) -> ReminderMessage:
    key = parse_key(reminder.object_key)
    recipient = reminder.recipient
    builder = BUILDERS[reminder.kind]
    message = builder(key.pk, recipient)
    message.context = {**_greeting(recipient), "due_on": reminder.due_on, **message.context}
    return message


# --- The six-month follow-up ---------------------------------------------------------------


def _followup_dates(pk, recipient) -> ReminderMessage:
    fabrique = _fabrique(pk)
    follow_up = getattr(fabrique, "follow_up", None)
    return ReminderMessage(
        "reminder_followup_dates",
        {
            "fabrique": fabrique.display_title,
            "end_date": fabrique.end_date,
            "follow_up_due_date": fabrique.follow_up_due_date,
            "meeting_on": follow_up.meeting_on if follow_up else None,
            "showcase_on": follow_up.showcase_on if follow_up else None,
            "link": follow_up_link(fabrique.pk),
        },
    )


def _actions_of(participation: Participation) -> list[dict]:
    return [
        {"title": action.title, "status": action.get_status_display()}
        for action in Action.objects.filter(roadmap__participation=participation).order_by(
            "axis__position", "position", "pk"
        )
    ]


def _followup_actions(pk, recipient) -> ReminderMessage:
    participation = _participation(pk)
    return ReminderMessage(
        "reminder_followup_actions",
        {
            "territory": participation.territory.name,
            "fabrique": participation.fabrique.display_title,
            "actions": _actions_of(participation),
            "link": follow_up_actions_link(participation.pk),
        },
    )


def followup_summary_rows(fabrique: Fabrique) -> list[dict]:
    """Per confirmed territory: its actions done, in progress, not started and
    otherwise (paused, abandoned), whether it answered the update request,
    and its actions asking for ANCT's tailored engineering support (the same
    summary as the follow-up page and its PDF report)."""
    return [
        {
            "territory": row.territory,
            "done": row.done,
            "in_progress": row.in_progress,
            "not_started": row.planned,
            "other": row.paused + row.abandoned,
            "answered": row.answered,
            "support": row.support,
        }
        for row in follow_up_summary(fabrique)
    ]


def _followup_summary(pk, recipient) -> ReminderMessage:
    fabrique = _fabrique(pk)
    rows = followup_summary_rows(fabrique)
    return ReminderMessage(
        "reminder_followup_summary",
        {
            "fabrique": fabrique.display_title,
            "rows": rows,
            "not_answered": [row["territory"] for row in rows if not row["answered"]],
            "link": follow_up_link(fabrique.pk),
        },
    )


def _followup_late(pk, recipient) -> ReminderMessage:
    participation = _participation(pk)
    return ReminderMessage(
        "reminder_followup_late",
        {
            "territory": participation.territory.name,
            "fabrique": participation.fabrique.display_title,
            "actions": _actions_of(participation),
            "link": follow_up_actions_link(participation.pk),
        },
        cc=staff_copies(besides=recipient),
    )


# --- Seminars --------------------------------------------------------------------------------


def seminar_label(seminar: Seminar) -> str:
    if seminar.kind == SeminarKind.IMMERSION:
        label = str(seminar.get_kind_display())
    else:
        label = f"{seminar.get_kind_display()} {seminar.number}"
    if seminar.participation_id:
        label = f"{label} — {seminar.participation.territory.name}"
    return label


def _seminar_context(seminar: Seminar) -> dict:
    if seminar.participation_id:
        page = link(("territories:participation", {"pk": seminar.participation_id}))
    else:
        page = link(("accounts:home", {}))
    return {
        "seminar": seminar_label(seminar),
        "fabrique": seminar.fabrique.display_title,
        "theme": seminar.theme,
        "starts_at": seminar.starts_at,
        "ends_at": seminar.ends_at,
        "place": seminar.place,
        "meeting_url": seminar.meeting_url,
        "link": page,
    }


def _ics(seminar: Seminar, recipient) -> tuple[str, bytes, str]:
    return (
        f"seminaire-{seminar.pk}.ics",
        calendar_build([seminar], owner=recipient),
        "text/calendar",
    )


def _seminar_dated(pk, recipient, template) -> ReminderMessage:
    seminar = _seminar(pk)
    if seminar.starts_at is None:
        raise ObjectGone
    return ReminderMessage(
        template, _seminar_context(seminar), attachments=[_ics(seminar, recipient)]
    )


def _seminar_upcoming(pk, recipient) -> ReminderMessage:
    return _seminar_dated(pk, recipient, "reminder_seminar_upcoming")


def _seminar_moved(pk, recipient) -> ReminderMessage:
    return _seminar_dated(pk, recipient, "reminder_seminar_moved")


# --- Notes and roadmaps --------------------------------------------------------------------


def _note(pk, recipient, template, *, copy_staff) -> ReminderMessage:
    seminar = _seminar(pk)
    return ReminderMessage(
        template,
        {
            "seminar": seminar_label(seminar),
            "fabrique": seminar.fabrique.display_title,
            "held_on": seminar.planned_day,
            "note_due_on": seminar.note_due_on(),
            "link": link(("seminars:notes", {"pk": seminar.pk})),
        },
        cc=staff_copies(besides=recipient) if copy_staff else [],
    )


def _note_due_soon(pk, recipient) -> ReminderMessage:
    return _note(pk, recipient, "reminder_note_due_soon", copy_staff=False)


def _note_late(pk, recipient) -> ReminderMessage:
    return _note(pk, recipient, "reminder_note_late", copy_staff=True)


def _roadmap_pending(pk, recipient) -> ReminderMessage:
    participation = _participation(pk)
    roadmap = getattr(participation, "roadmap", None)
    is_contact = ParticipationContact.objects.filter(
        participation=participation, user=recipient
    ).exists()
    return ReminderMessage(
        "reminder_roadmap_pending",
        {
            "territory": participation.territory.name,
            "fabrique": participation.fabrique.display_title,
            "end_date": participation.fabrique.end_date,
            "roadmap_status": roadmap.get_status_display() if roadmap else None,
            "is_contact": is_contact,
            "link": roadmap_link(participation.pk),
        },
    )


BUILDERS = {
    Kind.FOLLOWUP_DATES: _followup_dates,
    Kind.FOLLOWUP_ACTIONS: _followup_actions,
    Kind.FOLLOWUP_SUMMARY: _followup_summary,
    Kind.FOLLOWUP_LATE: _followup_late,
    Kind.SEMINAR_UPCOMING: _seminar_upcoming,
    Kind.SEMINAR_MOVED: _seminar_moved,
    Kind.NOTE_DUE_SOON: _note_due_soon,
    Kind.NOTE_LATE: _note_late,
    Kind.ROADMAP_PENDING: _roadmap_pending,
}


def digest_message(messages: list[tuple[Reminder, ReminderMessage]]) -> ReminderMessage:
    """One e-mail for a person's reminders of the day: each item's subject and
    link, the copies of those that have some, the calendar files attached."""
    items, cc, attachments = [], [], []
    for _reminder, message in messages:
        with translation.override(settings.LANGUAGE_CODE):
            subject = render_to_string(f"emails/{message.template}/subject.txt", message.context)
        items.append({"subject": " ".join(subject.split()), "link": message.context["link"]})
        cc.extend(address for address in message.cc if address not in cc)
        attachments.extend(message.attachments)
    recipient = messages[0][0].recipient
    return ReminderMessage(
        "reminder_digest",
        {**_greeting(recipient), "items": items, "link": link(("accounts:account", {}))},
        cc=cc,
        attachments=attachments,
    )

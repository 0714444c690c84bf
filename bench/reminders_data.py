"""The reminder ledger of the bench dataset, and the 100 due reminders of the
sweep measure. Imported only when the ``reminders`` app is installed.

The ledger holds, as sent, what ``reminders.planning`` would have written on
every past date: the seven-day notice of each held seminar to its territory's
référents (every territory of the Fabrique for an intersite seminar), the
"note due in three days" to the lead consultant, and the six-month follow-up
reminders of the Fabriques that reached them.
"""

from datetime import datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from reminders.models import Reminder, ReminderKind
from reminders.planning import (
    fabrique_due_on,
    fabrique_key,
    note_due_soon_on,
    participation_key,
    seminar_key,
    seminar_upcoming_due_on,
)
from territories.models import Participation, ParticipationContact

BATCH = 2000


def _sent_on(day):
    return timezone.make_aware(datetime.combine(day, time(8, 0)))


def build_ledger(*, rng, today) -> dict[str, int]:
    from fabriques.models import Fabrique, TeamMember
    from seminars.models import Seminar

    contacts = {}
    for participation_id, user_id in ParticipationContact.objects.values_list(
        "participation_id", "user_id"
    ):
        contacts.setdefault(participation_id, []).append(user_id)
    of_fabrique = {}
    for pk, fabrique_id in Participation.objects.values_list("pk", "fabrique_id"):
        of_fabrique.setdefault(fabrique_id, []).append(pk)
    lead = dict(
        Participation.objects.filter(lead_consultant__isnull=False).values_list(
            "pk", "lead_consultant__user_id"
        )
    )
    consultant_of = dict(
        TeamMember.objects.filter(role=TeamMember.Role.CONSULTANT).values_list(
            "contract__fabrique_id", "user_id"
        )
    )
    rows = []

    def add(kind, key, due_on, user_id):
        if due_on < today:
            rows.append(
                Reminder(
                    kind=kind,
                    object_key=key,
                    due_on=due_on,
                    recipient_id=user_id,
                    state=Reminder.State.SENT,
                    attempts=1,
                    next_attempt_at=_sent_on(due_on),
                    sent_at=_sent_on(due_on),
                )
            )

    held = Seminar.objects.filter(status=Seminar.Status.HELD, starts_at__isnull=False).values(
        "pk", "participation_id", "fabrique_id", "starts_at", "sequence", "fabrique__note_due_days"
    )
    for s in held:
        if s["participation_id"]:
            participations = [s["participation_id"]]
        else:
            participations = of_fabrique.get(s["fabrique_id"], [])
        notice = seminar_upcoming_due_on(s["starts_at"])
        for p in participations:
            for user_id in contacts.get(p, []):
                add(
                    ReminderKind.SEMINAR_UPCOMING,
                    seminar_key(s["pk"], s["sequence"]),
                    notice,
                    user_id,
                )
        writer = lead.get(s["participation_id"]) or consultant_of.get(s["fabrique_id"])
        if writer:
            note_due = timezone.localdate(s["starts_at"]) + timedelta(
                days=s["fabrique__note_due_days"]
            )
            add(
                ReminderKind.NOTE_DUE_SOON, seminar_key(s["pk"]), note_due_soon_on(note_due), writer
            )
    staff_id = (
        User.objects.filter(is_staff=True).order_by("pk").values_list("pk", flat=True).first()
    )
    for fabrique in Fabrique.objects.filter(end_date__lt=today).values("pk", "end_date"):
        add(
            ReminderKind.FOLLOWUP_DATES,
            fabrique_key(fabrique["pk"]),
            fabrique_due_on(ReminderKind.FOLLOWUP_DATES, fabrique["end_date"]),
            staff_id,
        )
        for p in of_fabrique.get(fabrique["pk"], []):
            for user_id in contacts.get(p, [])[:1]:
                add(
                    ReminderKind.FOLLOWUP_ACTIONS,
                    participation_key(p),
                    fabrique_due_on(ReminderKind.FOLLOWUP_ACTIONS, fabrique["end_date"]),
                    user_id,
                )
    Reminder.objects.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True)
    return {"reminders.Reminder": len(rows)}


def make_due(*, count: int = 100) -> int:
    """Bring ``count`` seminars to seven days from now, each with its seven-day
    notice pending for one référent: what the sweep then has to send (the
    planner adds the notices of their other recipients)."""
    from seminars.models import Seminar

    now = timezone.now()
    starts_at = now + timedelta(days=7)
    seminars = list(
        Seminar.objects.filter(~Q(status=Seminar.Status.CANCELLED), participation__isnull=False)
        .order_by("-window_start", "pk")
        .select_related(None)[:count]
    )
    contacts = dict(ParticipationContact.objects.values_list("participation_id", "user_id"))
    rows = []
    for seminar in seminars:
        seminar.starts_at = starts_at
        seminar.ends_at = starts_at + timedelta(hours=3)
        seminar.status = Seminar.Status.SCHEDULED
        rows.append(
            Reminder(
                kind=ReminderKind.SEMINAR_UPCOMING,
                object_key=seminar_key(seminar.pk, seminar.sequence),
                due_on=seminar_upcoming_due_on(starts_at),
                recipient_id=contacts[seminar.participation_id],
                next_attempt_at=now - timedelta(minutes=1),
            )
        )
    Seminar.objects.bulk_update(seminars, ["starts_at", "ends_at", "status"])
    Reminder.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)

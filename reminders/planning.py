"""What is due: the reminders the data calls for, written to the ledger.

``reminders_plan`` runs at the start of every sweep. It must stay cheap when
nothing is due (a handful of queries whatever the number of Fabriques), so it
never walks every Fabrique or seminar:

- it only looks at objects whose reminder dates fall in a recent window
  (``[today - WINDOW_DAYS, today]``), so a sweep that did not run for a few
  days (an outage) catches up, while older reminders, no longer useful, are
  never sent;
- objects that already have a live ledger row for a kind (pending, sent or
  failed) are left out in SQL (``NOT EXISTS``), so a reminder is derived once,
  not on every sweep. The people to remind are those of the day it is
  planned: someone who joins afterwards is not reminded of what was already
  sent to the others;
- rows are inserted with ``bulk_create(ignore_conflicts=True)``: two sweeps
  planning the same reminder at the same time write it once (unique
  constraint on kind, object, due date and recipient).

It then marks as obsolete the pending rows the data no longer calls for (a
seminar moved or cancelled, a Fabrique's end date changed, a note handed in,
a roadmap adopted, a territory that answered), so the old date and the new one
are never both sent. The check is done in SQL against the row's state: a row
being sent by another process at that moment is locked, and stays sent.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from django.db.models import CharField, Exists, OuterRef, Q
from django.db.models import Value as V
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from accounts.roles import anct_staff
from deliverables.models import Roadmap, RoadmapVersion
from fabriques.models import Fabrique, TeamMember
from seminars.models import Attendance, Seminar
from territories.models import Participation, ParticipationContact

from .models import Reminder, ReminderKind

Kind = ReminderKind

# How far back a reminder that fell due is still sent (catching up after an outage).
WINDOW_DAYS = 30
SEMINAR_NOTICE_DAYS = 7
NOTE_NOTICE_DAYS = 3

# Reminders of a Fabrique's life, counted from its end date.
FABRIQUE_SCHEDULE = {
    Kind.ROADMAP_PENDING: relativedelta(months=-1),
    Kind.FOLLOWUP_DATES: relativedelta(months=4),
    Kind.FOLLOWUP_ACTIONS: relativedelta(months=5),
    Kind.FOLLOWUP_SUMMARY: relativedelta(months=6),
    Kind.FOLLOWUP_LATE: relativedelta(months=6, days=14),
}
FABRIQUE_KEYED = (Kind.FOLLOWUP_DATES, Kind.FOLLOWUP_SUMMARY)
PARTICIPATION_KEYED = (Kind.FOLLOWUP_ACTIONS, Kind.FOLLOWUP_LATE, Kind.ROADMAP_PENDING)
# Rows that stand for "already planned": an obsolete row does not, so a
# reminder made obsolete by new data is planned again from that data.
LIVE_STATES = (Reminder.State.PENDING, Reminder.State.SENT, Reminder.State.FAILED)


# --- Object keys -----------------------------------------------------------------


def fabrique_key(pk: int) -> str:
    return f"fabrique:{pk}"


def participation_key(pk: int) -> str:
    return f"participation:{pk}"


def seminar_key(pk: int, sequence: int | None = None) -> str:
    """A seminar's notes are keyed on the seminar; its date reminders on the
    seminar and the revision of its date, so a moved seminar is a new object."""
    return f"seminar:{pk}" if sequence is None else f"seminar:{pk}:seq{sequence}"


@dataclass(frozen=True)
class ObjectKey:
    model: str
    pk: int
    sequence: int | None = None


def parse_key(key: str) -> ObjectKey:
    model, pk, *rest = key.split(":")
    sequence = int(rest[0].removeprefix("seq")) if rest else None
    return ObjectKey(model, int(pk), sequence)


def _sql_key(prefix: str, field: str):
    return Concat(V(f"{prefix}:"), Cast(field, CharField()), output_field=CharField())


def _sql_seminar_seq_key(pk_field: str, sequence_field: str):
    return Concat(
        V("seminar:"),
        Cast(pk_field, CharField()),
        V(":seq"),
        Cast(sequence_field, CharField()),
        output_field=CharField(),
    )


# --- Dates and rules shared with the messages -------------------------------------


def fabrique_due_on(kind: str, end_date: date) -> date:
    return end_date + FABRIQUE_SCHEDULE[kind]


def followup_requested_at(end_date: date) -> datetime:
    """When territories were asked to update their actions (the start, in Paris,
    of the day the followup_actions reminder fell due).

    There is no history of action updates yet: a territory has "answered" when
    its roadmap changed since then (``Roadmap.updated_at``, which every edit
    of an action bumps through ``deliverables.services.roadmaps``)."""
    day = fabrique_due_on(Kind.FOLLOWUP_ACTIONS, end_date)
    return timezone.make_aware(datetime.combine(day, time.min))


def has_answered(*, roadmap_updated_at, end_date: date) -> bool:
    return roadmap_updated_at is not None and roadmap_updated_at >= followup_requested_at(end_date)


def is_adopted(*, roadmap_status, has_version: bool) -> bool:
    """Adopted once, even if edited since (an edit turns it back into a draft)."""
    return roadmap_status == Roadmap.Status.ADOPTED or has_version


def seminar_upcoming_due_on(starts_at) -> date:
    return timezone.localdate(starts_at) - timedelta(days=SEMINAR_NOTICE_DAYS)


def note_due_soon_on(note_due: date) -> date:
    return note_due - timedelta(days=NOTE_NOTICE_DAYS)


def note_late_on(note_due: date) -> date:
    return note_due + timedelta(days=1)


# --- Planning -----------------------------------------------------------------------


@dataclass
class PlanResult:
    planned: int = 0
    obsoleted: int = 0
    # Pending rows due and not put off: 0 lets the sweep skip claiming.
    ready: int = 0


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _in_window(day: date, today: date) -> bool:
    return today - timedelta(days=WINDOW_DAYS) <= day <= today


class _Plan:
    """Rows to insert, one per (kind, object, due date, person)."""

    def __init__(self, now):
        self.now = now
        self.rows: dict[tuple, Reminder] = {}

    def add(self, kind: str, key: str, due_on: date, recipient_ids):
        for user_id in recipient_ids:
            self.rows.setdefault(
                (kind, key, due_on, user_id),
                Reminder(
                    kind=kind,
                    object_key=key,
                    due_on=due_on,
                    recipient_id=user_id,
                    next_attempt_at=self.now,
                ),
            )


def reminders_plan(*, today: date, now: datetime | None = None) -> PlanResult:
    """Write to the ledger the reminders due up to ``today`` and not yet
    planned; mark obsolete the pending ones the data no longer calls for."""
    now = now or timezone.now()
    plan = _Plan(now)
    _plan_fabriques(plan, today)
    _plan_seminars(plan, today, now)
    if plan.rows:
        Reminder.objects.bulk_create(plan.rows.values(), ignore_conflicts=True)
    obsoleted, ready = _obsolete_pending(today, now)
    return PlanResult(planned=len(plan.rows), obsoleted=obsoleted, ready=ready)


def _fabrique_needs(kind: str) -> Q:
    """What a Fabrique must have for ``kind`` to concern anyone, so that a
    Fabrique with nothing to remind is not looked at again on every sweep."""
    if kind == Kind.FOLLOWUP_DATES:
        return ~Q(follow_up__meeting_on__isnull=False, follow_up__showcase_on__isnull=False)
    if kind == Kind.FOLLOWUP_SUMMARY:
        return Q()
    adopted = Q(roadmap__status=Roadmap.Status.ADOPTED) | Exists(
        RoadmapVersion.objects.filter(roadmap__participation=OuterRef("pk"))
    )
    participations = Participation.objects.confirmed().filter(fabrique=OuterRef("pk"))
    if kind == Kind.ROADMAP_PENDING:
        return Exists(participations.exclude(adopted))
    return Exists(participations.filter(adopted))


def _plan_fabriques(plan: _Plan, today: date) -> None:
    window_start = today - timedelta(days=WINDOW_DAYS)
    # Month arithmetic is not exactly invertible (31 March + 1 month): the end
    # dates are searched with a margin and the due dates checked exactly below.
    margin = timedelta(days=3)
    annotations = {}
    wanted = Q()
    for kind, offset in FABRIQUE_SCHEDULE.items():
        if kind in FABRIQUE_KEYED:
            planned = Reminder.objects.filter(
                kind=kind, state__in=LIVE_STATES, object_key=_sql_key("fabrique", OuterRef("pk"))
            )
        else:
            keys = (
                Participation.objects.filter(fabrique=OuterRef(OuterRef("pk")))
                .annotate(key=_sql_key("participation", "pk"))
                .values("key")
            )
            planned = Reminder.objects.filter(kind=kind, state__in=LIVE_STATES, object_key__in=keys)
        annotations[f"planned_{kind}"] = Exists(planned)
        wanted |= Q(
            end_date__gte=window_start - offset - margin,
            end_date__lte=today - offset + margin,
            **{f"planned_{kind}": False},
        ) & _fabrique_needs(kind)
    fabriques = list(
        Fabrique.objects.annotate(**annotations)
        .filter(wanted)
        .values(
            "pk",
            "end_date",
            "follow_up__meeting_on",
            "follow_up__showcase_on",
            *annotations,
        )
    )
    due = []  # (kind, fabrique row, due date)
    for row in fabriques:
        for kind in FABRIQUE_SCHEDULE:
            due_on = fabrique_due_on(kind, row["end_date"])
            if not row[f"planned_{kind}"] and _in_window(due_on, today):
                due.append((kind, row, due_on))
    if not due:
        return

    if any(kind in FABRIQUE_KEYED for kind, _row, _due in due):
        staff_ids = list(anct_staff().values_list("pk", flat=True))
        for kind, row, due_on in due:
            if kind == Kind.FOLLOWUP_DATES and (
                row["follow_up__meeting_on"] and row["follow_up__showcase_on"]
            ):
                continue  # both dates already set: nothing to ask
            if kind in FABRIQUE_KEYED:
                plan.add(kind, fabrique_key(row["pk"]), due_on, staff_ids)

    territory_due = [
        (kind, row, due_on) for kind, row, due_on in due if kind in PARTICIPATION_KEYED
    ]
    if not territory_due:
        return
    fabrique_ids = {row["pk"] for _kind, row, _due in territory_due}
    participations = list(
        Participation.objects.confirmed()
        .filter(fabrique_id__in=fabrique_ids)
        .annotate(
            has_version=Exists(RoadmapVersion.objects.filter(roadmap__participation=OuterRef("pk")))
        )
        .values("pk", "fabrique_id", "roadmap__status", "roadmap__updated_at", "has_version")
    )
    contacts: dict[int, set[int]] = {}
    for participation_id, user_id in (
        ParticipationContact.objects.active_on(today)
        .filter(participation__in=[p["pk"] for p in participations], user__is_active=True)
        .values_list("participation_id", "user_id")
    ):
        contacts.setdefault(participation_id, set()).add(user_id)
    team: dict[int, set[int]] = {}
    if any(kind == Kind.ROADMAP_PENDING for kind, _row, _due in territory_due):
        for fabrique_id, user_id in (
            TeamMember.objects.active_on(today)
            .filter(contract__fabrique_id__in=fabrique_ids, user__is_active=True)
            .values_list("contract__fabrique_id", "user_id")
        ):
            team.setdefault(fabrique_id, set()).add(user_id)

    for kind, row, due_on in territory_due:
        for p in participations:
            if p["fabrique_id"] != row["pk"]:
                continue
            adopted = is_adopted(roadmap_status=p["roadmap__status"], has_version=p["has_version"])
            people = contacts.get(p["pk"], set())
            if kind == Kind.ROADMAP_PENDING:
                if not adopted:
                    plan.add(
                        kind,
                        participation_key(p["pk"]),
                        due_on,
                        people | team.get(row["pk"], set()),
                    )
            elif kind == Kind.FOLLOWUP_ACTIONS:
                if adopted:
                    plan.add(kind, participation_key(p["pk"]), due_on, people)
            elif adopted and not has_answered(
                roadmap_updated_at=p["roadmap__updated_at"], end_date=row["end_date"]
            ):
                plan.add(kind, participation_key(p["pk"]), due_on, people)


def _plan_seminars(plan: _Plan, today: date, now: datetime) -> None:
    """Seminar dates (7 days before, moved) and notes (3 days before due, late)."""
    Status = Seminar.Status
    date_key = _sql_seminar_seq_key(OuterRef("pk"), OuterRef("sequence"))
    note_key = _sql_key("seminar", OuterRef("pk"))

    def planned(kind, key):
        return Exists(Reminder.objects.filter(kind=kind, state__in=LIVE_STATES, object_key=key))

    upcoming_day_end = _midnight(today + timedelta(days=SEMINAR_NOTICE_DAYS + 1))
    seminars = list(
        Seminar.objects.with_note_state(today)
        .annotate(
            upcoming_planned=planned(Kind.SEMINAR_UPCOMING, date_key),
            moved_planned=planned(Kind.SEMINAR_MOVED, date_key),
            # When invitees were told of the current date, if they were.
            moved_on=Reminder.objects.filter(
                kind=Kind.SEMINAR_MOVED, state__in=LIVE_STATES, object_key=date_key
            )
            .order_by("due_on")
            .values("due_on")[:1],
            due_soon_planned=planned(Kind.NOTE_DUE_SOON, note_key),
            late_planned=planned(Kind.NOTE_LATE, note_key),
        )
        .filter(
            (
                Q(starts_at__gte=now)
                & ~Q(status=Status.CANCELLED)
                & (
                    Q(starts_at__lt=upcoming_day_end, upcoming_planned=False)
                    | Q(sequence__gt=0, moved_planned=False)
                )
            )
            | Q(status=Status.HELD, has_submitted_note=False)
            & (
                # Late: due before today, its reminder (the day after) in the window.
                Q(
                    note_due_date__lt=today,
                    note_due_date__gte=today - timedelta(days=WINDOW_DAYS + 1),
                    late_planned=False,
                )
                | Q(
                    note_due_date__gte=today,
                    note_due_date__lte=today + timedelta(days=NOTE_NOTICE_DAYS),
                    due_soon_planned=False,
                )
            )
        )
        .values(
            "pk",
            "fabrique_id",
            "starts_at",
            "sequence",
            "status",
            "note_due_date",
            "upcoming_planned",
            "moved_planned",
            "moved_on",
            "due_soon_planned",
            "late_planned",
        )
    )
    if not seminars:
        return
    date_rows = [s for s in seminars if s["status"] != Status.HELD]
    note_rows = [s for s in seminars if s["status"] == Status.HELD]

    invitees: dict[int, set[int]] = {}
    if date_rows:
        for seminar_id, user_id in Attendance.objects.filter(
            seminar__in=[s["pk"] for s in date_rows], user__isnull=False, user__is_active=True
        ).values_list("seminar_id", "user_id"):
            invitees.setdefault(seminar_id, set()).add(user_id)
    for s in date_rows:
        key = seminar_key(s["pk"], s["sequence"])
        people = invitees.get(s["pk"], set())
        moved_on = s["moved_on"]
        if s["sequence"] > 0 and not s["moved_planned"]:
            plan.add(Kind.SEMINAR_MOVED, key, today, people)
            moved_on = today
        due_on = seminar_upcoming_due_on(s["starts_at"])
        # Told of the new date within the week before: that e-mail, with its
        # calendar file, is the reminder.
        told_lately = moved_on is not None and moved_on >= due_on
        if not s["upcoming_planned"] and due_on <= today and not told_lately:
            plan.add(Kind.SEMINAR_UPCOMING, key, due_on, people)

    if not note_rows:
        return
    team: dict[int, set[int]] = {}
    for fabrique_id, user_id in (
        TeamMember.objects.active_on(today)
        .filter(
            contract__fabrique_id__in={s["fabrique_id"] for s in note_rows}, user__is_active=True
        )
        .values_list("contract__fabrique_id", "user_id")
    ):
        team.setdefault(fabrique_id, set()).add(user_id)
    for s in note_rows:
        note_due = s["note_due_date"]
        people = team.get(s["fabrique_id"], set())
        key = seminar_key(s["pk"])
        if note_due < today:
            if not s["late_planned"] and _in_window(note_late_on(note_due), today):
                plan.add(Kind.NOTE_LATE, key, note_late_on(note_due), people)
        elif not s["due_soon_planned"] and note_due_soon_on(note_due) <= today:
            plan.add(Kind.NOTE_DUE_SOON, key, note_due_soon_on(note_due), people)


# --- Obsolescence ---------------------------------------------------------------------


def _obsolete_pending(today: date, now: datetime) -> tuple[int, int]:
    """Mark obsolete the pending rows the data no longer calls for; return
    their number and the number of the others that are ready to be sent."""
    pending = list(
        Reminder.objects.pending().values(
            "pk", "kind", "object_key", "due_on", "next_attempt_at", "recipient__is_active"
        )
    )
    if not pending:
        return 0, 0
    keys = {row["pk"]: parse_key(row["object_key"]) for row in pending}
    ids_of = {
        model: {key.pk for key in keys.values() if key.model == model}
        for model in ("fabrique", "participation", "seminar")
    }
    fabriques = {}
    if ids_of["fabrique"]:
        fabriques = {
            f["pk"]: f
            for f in Fabrique.objects.filter(pk__in=ids_of["fabrique"]).values(
                "pk", "end_date", "follow_up__meeting_on", "follow_up__showcase_on"
            )
        }
    participations = {}
    if ids_of["participation"]:
        participations = {
            p["pk"]: p
            for p in Participation.objects.filter(pk__in=ids_of["participation"])
            .annotate(
                has_version=Exists(
                    RoadmapVersion.objects.filter(roadmap__participation=OuterRef("pk"))
                )
            )
            .values(
                "pk",
                "status",
                "fabrique__end_date",
                "roadmap__status",
                "roadmap__updated_at",
                "has_version",
            )
        }
    seminars = {}
    if ids_of["seminar"]:
        seminars = {
            s["pk"]: s
            for s in Seminar.objects.with_note_state(today)
            .filter(pk__in=ids_of["seminar"])
            .values("pk", "status", "starts_at", "sequence", "note_due_date", "has_submitted_note")
        }

    def still_due(row) -> bool:
        key = keys[row["pk"]]
        kind, due_on = row["kind"], row["due_on"]
        if key.model == "fabrique":
            fabrique = fabriques.get(key.pk)
            if fabrique is None or fabrique_due_on(kind, fabrique["end_date"]) != due_on:
                return False
            return kind != Kind.FOLLOWUP_DATES or not (
                fabrique["follow_up__meeting_on"] and fabrique["follow_up__showcase_on"]
            )
        if key.model == "participation":
            p = participations.get(key.pk)
            if p is None or p["status"] != Participation.Status.CONFIRMED:
                return False
            end_date = p["fabrique__end_date"]
            if fabrique_due_on(kind, end_date) != due_on:
                return False
            adopted = is_adopted(roadmap_status=p["roadmap__status"], has_version=p["has_version"])
            if kind == Kind.ROADMAP_PENDING:
                return not adopted
            if kind == Kind.FOLLOWUP_LATE:
                return not has_answered(
                    roadmap_updated_at=p["roadmap__updated_at"], end_date=end_date
                )
            return adopted
        s = seminars.get(key.pk)
        if s is None:
            return False
        if kind in (Kind.SEMINAR_UPCOMING, Kind.SEMINAR_MOVED):
            if (
                s["status"] == Seminar.Status.CANCELLED
                or s["starts_at"] is None
                or s["starts_at"] < now
                or s["sequence"] != key.sequence
            ):
                return False
            return kind == Kind.SEMINAR_MOVED or seminar_upcoming_due_on(s["starts_at"]) == due_on
        if s["status"] != Seminar.Status.HELD or s["has_submitted_note"]:
            return False
        note_due = s["note_due_date"]
        if kind == Kind.NOTE_LATE:
            return note_late_on(note_due) == due_on
        # Once the note is late, the late reminder replaces this one.
        return note_due_soon_on(note_due) == due_on and today <= note_due

    stale = {row["pk"] for row in pending if not row["recipient__is_active"] or not still_due(row)}
    ready = sum(
        1
        for row in pending
        if row["pk"] not in stale and row["due_on"] <= today and row["next_attempt_at"] <= now
    )
    if not stale:
        return 0, ready
    obsoleted = Reminder.objects.filter(pk__in=stale, state=Reminder.State.PENDING).update(
        state=Reminder.State.OBSOLETE
    )
    return obsoleted, ready

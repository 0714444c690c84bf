"""Sending the reminders of the ledger, each exactly once.

Why exactly once
----------------
``reminder_claim_and_send`` does everything for one reminder inside one
database transaction: it locks the row (``SELECT ... FOR UPDATE SKIP
LOCKED``), sends the e-mail, then records ``sent`` (or the failed attempt),
and the lock and the new state are released together at commit.

- A second sweep running at the same time (two beat ticks, a worker and the
  command, two processes) skips the locked row and takes another one, or
  none: two senders never hold the same row. When it later sees the row, it
  is no longer pending.
- A sweep run twice finds the row ``sent`` and leaves it alone; planning the
  same reminder again is absorbed by the unique constraint on (kind, object,
  due date, recipient) of the ledger.
- A process killed before it sent (or while the SMTP server was refusing)
  leaves no commit: its lock goes with its connection and the row stays
  pending for the next sweep.
- A failed send is recorded as an attempt with a growing delay (10 min,
  20 min, 40 min...); after ``MAX_ATTEMPTS`` the row is ``failed`` and shown to
  ANCT staff, who may send it again from the back-office.

The one window left: the SMTP server accepted the message, then the process
died (or the database went away) before the commit. The row is still pending
and the e-mail goes a second time at the next sweep. It is accepted because it
is a matter of milliseconds per message, it errs on the side of a duplicate
reminder rather than a lost one, and closing it would take a two-phase commit
with the mail server, which SMTP does not offer.

SQLite has no row locks: there the transaction serialises writers, which is
enough for development; the concurrency guarantees above are PostgreSQL's.
"""

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.emails import send_templated_email

from .messages import ObjectGone, ReminderMessage, digest_message, reminder_message
from .models import FOLLOWUP_KINDS, Reminder, ReminderPreference
from .planning import reminders_plan

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
RETRY_DELAY = timedelta(minutes=10)
# Daily digests go from this hour on (Paris time), once a day per person.
DIGEST_HOUR = 7

Frequency = ReminderPreference.Frequency


@dataclass
class SweepReport:
    planned: int = 0
    sent: int = 0
    failed: int = 0
    retrying: int = 0
    obsolete: int = 0
    # Dry run: (kind label, recipient e-mail, object key) of what would go.
    would_send: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass
class _Outcome:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    obsolete: int = 0


def _claimable(*, now: datetime, today: date):
    """Pending reminders that may go now: those sent as they come, and the
    reminders of people on the daily digest once the digest hour has passed,
    if they have not had their digest today."""
    immediate = (
        Q(kind__in=FOLLOWUP_KINDS)
        | Q(recipient__reminder_preference__isnull=True)
        | Q(recipient__reminder_preference__frequency=Frequency.IMMEDIATE)
    )
    eligible = immediate
    if timezone.localtime(now).hour >= DIGEST_HOUR:
        eligible |= Q(recipient__reminder_preference__last_digest_on__isnull=True) | Q(
            recipient__reminder_preference__last_digest_on__lt=today
        )
    return Reminder.objects.ready(now=now, today=today).filter(eligible)


def _locked(queryset):
    return (
        queryset.select_for_update(skip_locked=True, of=("self",))
        .select_related("recipient__reminder_preference")
        .order_by("due_on", "next_attempt_at", "pk")
    )


def _in_digest(reminder: Reminder) -> bool:
    preference = getattr(reminder.recipient, "reminder_preference", None)
    return (
        reminder.kind not in FOLLOWUP_KINDS
        and preference is not None
        and preference.frequency == Frequency.DAILY
    )


def _error_label(error: Exception) -> str:
    # The class and SMTP code only: messages can quote addresses.
    code = getattr(error, "smtp_code", None)
    label = type(error).__name__ + (f" {code}" if code else "")
    return label[:200]


def _send(message: ReminderMessage, recipient) -> None:
    send_templated_email(
        template=message.template,
        to=[recipient.email],
        context=message.context,
        cc=message.cc,
        attachments=message.attachments,
    )


def _record(reminders: list[Reminder], *, now: datetime, error: Exception | None) -> _Outcome:
    outcome = _Outcome()
    for reminder in reminders:
        reminder.attempts += 1
        if error is None:
            reminder.state = Reminder.State.SENT
            reminder.sent_at = timezone.now()
            reminder.last_error = ""
            outcome.sent += 1
        else:
            reminder.last_error = _error_label(error)
            if reminder.attempts >= MAX_ATTEMPTS:
                reminder.state = Reminder.State.FAILED
                outcome.failed += 1
            else:
                reminder.next_attempt_at = now + RETRY_DELAY * 2 ** (reminder.attempts - 1)
                outcome.retrying += 1
        reminder.save(
            update_fields=["state", "attempts", "sent_at", "last_error", "next_attempt_at"]
        )
    return outcome


def _obsolete(reminders: list[Reminder]) -> _Outcome:
    Reminder.objects.filter(pk__in=[r.pk for r in reminders]).update(state=Reminder.State.OBSOLETE)
    return _Outcome(obsolete=len(reminders))


def _claim_and_send(*, now: datetime, today: date) -> _Outcome | None:
    with transaction.atomic():
        reminder = _locked(_claimable(now=now, today=today)).first()
        if reminder is None:
            return None
        if _in_digest(reminder):
            return _send_digest(reminder, now=now, today=today)
        try:
            _send(reminder_message(reminder), reminder.recipient)
        except ObjectGone:
            return _obsolete([reminder])
        except DatabaseError:
            raise
        except Exception as error:  # SMTP refusal, connection, template: retried
            logger.warning("Reminder %s not sent: %s", reminder.pk, _error_label(error))
            return _record([reminder], now=now, error=error)
        return _record([reminder], now=now, error=None)


def _send_digest(first: Reminder, *, now: datetime, today: date) -> _Outcome:
    """Send all of a person's waiting reminders (followed-up ones aside) in one
    e-mail, and note the day so they get one digest a day."""
    batch = list(
        _locked(
            _claimable(now=now, today=today)
            .filter(recipient=first.recipient_id)
            .exclude(kind__in=FOLLOWUP_KINDS)
        )
    )
    outcome = _Outcome()
    messages = []
    for reminder in batch:
        try:
            messages.append((reminder, reminder_message(reminder)))
        except ObjectGone:
            outcome.obsolete += _obsolete([reminder]).obsolete
        except DatabaseError:
            raise
        except Exception as error:
            outcome = _tally(outcome, _record([reminder], now=now, error=error))
    if not messages:
        return outcome
    live = [reminder for reminder, _message in messages]
    try:
        _send(digest_message(messages), first.recipient)
    except DatabaseError:
        raise
    except Exception as error:
        logger.warning("Digest of %s reminders not sent: %s", len(live), _error_label(error))
        return _tally(outcome, _record(live, now=now, error=error))
    preference = first.recipient.reminder_preference
    preference.last_digest_on = today
    preference.save(update_fields=["last_digest_on"])
    return _tally(outcome, _record(live, now=now, error=None))


def _tally(total: _Outcome, more: _Outcome) -> _Outcome:
    return _Outcome(
        sent=total.sent + more.sent,
        retrying=total.retrying + more.retrying,
        failed=total.failed + more.failed,
        obsolete=total.obsolete + more.obsolete,
    )


def reminder_claim_and_send(*, now: datetime | None = None, today: date | None = None) -> bool:
    """Handle one due reminder (or one person's digest): send it, or record the
    failed attempt, or mark it obsolete. Return whether there was one."""
    now = now or timezone.now()
    return _claim_and_send(now=now, today=today or timezone.localdate(now)) is not None


def reminders_sweep(
    *, today: date | None = None, now: datetime | None = None, dry_run: bool = False
) -> SweepReport:
    """Plan what is due, then send until nothing is left.

    ``today`` changes the day reminders are computed for (the command's
    ``--date``); retries and the digest hour follow the clock (``now``).
    A dry run plans inside a transaction it rolls back, lists what would be
    sent, and sends nothing."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    report = SweepReport()
    if dry_run:
        with transaction.atomic():
            plan = reminders_plan(today=today, now=now)
            report.planned, report.obsolete = plan.planned, plan.obsoleted
            report.would_send = [
                (reminder.get_kind_display(), reminder.recipient.email, reminder.object_key)
                for reminder in _claimable(now=now, today=today)
                .select_related("recipient")
                .order_by("due_on", "pk")
            ]
            transaction.set_rollback(True)
        return report

    plan = reminders_plan(today=today, now=now)
    report.planned = plan.planned
    total = _Outcome(obsolete=plan.obsoleted)
    # Each turn sends a row, or puts it off (next attempt later than ``now``),
    # or retires it: the loop ends. With nothing ready when planning ended,
    # it is not even started (a row another process plans meanwhile goes at
    # the next sweep).
    while plan.ready and (outcome := _claim_and_send(now=now, today=today)) is not None:
        total = _tally(total, outcome)
    report.sent, report.retrying = total.sent, total.retrying
    report.failed, report.obsolete = total.failed, total.obsolete
    return report


def reminders_retry(*, reminders) -> int:
    """Send failed reminders again (the back-office's "Renvoyer")."""
    return reminders.filter(state=Reminder.State.FAILED).update(
        state=Reminder.State.PENDING, attempts=0, next_attempt_at=timezone.now(), last_error=""
    )


def failed_reminders(limit: int = 20) -> list[Reminder]:
    """The reminders that could not be sent after every attempt, newest first,
    for the ANCT dashboard."""
    return list(
        Reminder.objects.failed().select_related("recipient").order_by("-due_on", "-pk")[:limit]
    )


def reminder_preference_set(*, user, frequency: str) -> ReminderPreference:
    preference, created = ReminderPreference.objects.get_or_create(
        user=user, defaults={"frequency": frequency}
    )
    if not created and preference.frequency != frequency:
        preference.frequency = frequency
        preference.save(update_fields=["frequency"])
    return preference

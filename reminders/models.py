"""The ledger of reminders: one row per e-mail owed to one person.

A row is written when its reminder falls due (``reminders.planning``) and is
sent once by ``reminders.services.reminder_claim_and_send``; the uniqueness of
(kind, object, due date, recipient) is what makes planning the same reminder
twice harmless.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReminderKind(models.TextChoices):
    FOLLOWUP_DATES = "followup_dates", _("Suivi à six mois : dates à fixer")
    FOLLOWUP_ACTIONS = "followup_actions", _("Suivi à six mois : actions à mettre à jour")
    FOLLOWUP_SUMMARY = "followup_summary", _("Suivi à six mois : synthèse")
    FOLLOWUP_LATE = "followup_late", _("Suivi à six mois : relance")
    SEMINAR_UPCOMING = "seminar_upcoming", _("Séminaire dans sept jours")
    SEMINAR_MOVED = "seminar_moved", _("Séminaire déplacé")
    NOTE_DUE_SOON = "note_due_soon", _("Note attendue dans trois jours")
    NOTE_LATE = "note_late", _("Note en retard")
    ROADMAP_PENDING = "roadmap_pending", _("Feuille de route à adopter")


# The six-month follow-up is always sent as it comes, whatever the person's
# preference: it is the one thing ANCT needs an answer to.
FOLLOWUP_KINDS = frozenset(
    {
        ReminderKind.FOLLOWUP_DATES,
        ReminderKind.FOLLOWUP_ACTIONS,
        ReminderKind.FOLLOWUP_SUMMARY,
        ReminderKind.FOLLOWUP_LATE,
    }
)


class ReminderQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(state=Reminder.State.PENDING)

    def failed(self):
        return self.filter(state=Reminder.State.FAILED)

    def ready(self, *, now, today):
        """Pending reminders that may be tried now."""
        return self.pending().filter(due_on__lte=today, next_attempt_at__lte=now)


class Reminder(models.Model):
    Kind = ReminderKind

    class State(models.TextChoices):
        PENDING = "pending", _("À envoyer")
        SENT = "sent", _("Envoyé")
        FAILED = "failed", _("En échec")
        OBSOLETE = "obsolete", _("Caduc")

    kind = models.CharField(_("type"), max_length=30, choices=ReminderKind.choices)
    object_key = models.CharField(
        _("objet"),
        max_length=60,
        help_text=_("Ce dont parle le rappel : « fabrique:12 », « seminar:40:seq3 »…"),
    )
    due_on = models.DateField(_("dû le"))
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("destinataire"),
        on_delete=models.CASCADE,
        related_name="reminders",
    )
    state = models.CharField(_("état"), max_length=20, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    next_attempt_at = models.DateTimeField(_("prochaine tentative"), default=timezone.now)
    last_error = models.CharField(_("dernière erreur"), max_length=200, blank=True)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    objects = ReminderQuerySet.as_manager()

    class Meta:
        verbose_name = _("rappel")
        verbose_name_plural = _("rappels")
        ordering = ["-due_on", "-pk"]
        indexes = [
            # The sweep: pending rows that are due, oldest first.
            models.Index(
                fields=["due_on", "next_attempt_at"],
                condition=Q(state="pending"),
                name="reminder_pending_due",
            ),
            models.Index(fields=["kind", "object_key"], name="reminder_kind_object"),
            models.Index(fields=["state", "kind"], name="reminder_state_kind"),
            models.Index(fields=["recipient", "state"], name="reminder_recipient_state"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_key", "due_on", "recipient"],
                name="reminder_once_per_person",
            ),
            models.CheckConstraint(
                condition=~Q(state="sent") | Q(sent_at__isnull=False),
                name="reminder_sent_has_date",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.object_key} — {self.due_on:%d/%m/%Y}"

    @property
    def is_digestible(self) -> bool:
        return self.kind not in FOLLOWUP_KINDS


class ReminderPreference(models.Model):
    """How a person wants their reminders: as they come, or one e-mail a day."""

    class Frequency(models.TextChoices):
        IMMEDIATE = "immediate", _("Au fil de l'eau")
        DAILY = "daily", _("Un récapitulatif quotidien")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("personne"),
        on_delete=models.CASCADE,
        related_name="reminder_preference",
    )
    frequency = models.CharField(
        _("fréquence des rappels"),
        max_length=20,
        choices=Frequency.choices,
        default=Frequency.IMMEDIATE,
    )
    last_digest_on = models.DateField(_("dernier récapitulatif le"), null=True, blank=True)

    class Meta:
        verbose_name = _("préférence de rappels")
        verbose_name_plural = _("préférences de rappels")

    def __str__(self):
        return f"{self.user} — {self.get_frequency_display()}"

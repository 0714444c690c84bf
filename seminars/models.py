import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, Count, Exists, F, OuterRef, Q, Value, When
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from fabriques.models import Fabrique

from .antivirus import AVAILABLE, ScanStatus


class SeminarKind(models.TextChoices):
    IMMERSION = "immersion", _("Journée d'immersion")
    LOCAL = "local", _("Séminaire local")
    INTERSITE = "intersite", _("Séminaire intersite")


# --- The path of seminars a Fabrique follows ----------------------------------


class SeminarTemplate(models.Model):
    """A reusable path of seminars: themes and the months they fall in."""

    name = models.CharField(_("nom"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)
    is_default = models.BooleanField(_("parcours par défaut"), default=False)

    class Meta:
        verbose_name = _("parcours de séminaires")
        verbose_name_plural = _("parcours de séminaires")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=Q(is_default=True),
                name="seminar_template_single_default",
                violation_error_message=_("Un seul parcours peut être le parcours par défaut."),
            )
        ]

    def __str__(self):
        return self.name


class SeminarTemplateStep(models.Model):
    """One seminar of a path, placed in months counted from the Fabrique's start (month 1)."""

    template = models.ForeignKey(
        SeminarTemplate, verbose_name=_("parcours"), on_delete=models.CASCADE, related_name="steps"
    )
    kind = models.CharField(_("type"), max_length=20, choices=SeminarKind.choices)
    number = models.PositiveSmallIntegerField(_("numéro"))
    title = models.CharField(_("thème"), max_length=200)
    content = models.TextField(_("contenu"), blank=True)
    first_month = models.PositiveSmallIntegerField(_("du mois"))
    last_month = models.PositiveSmallIntegerField(_("au mois"))

    class Meta:
        verbose_name = _("étape du parcours")
        verbose_name_plural = _("étapes du parcours")
        ordering = ["template", "first_month", "kind", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "kind", "number"], name="template_step_once"
            ),
            models.CheckConstraint(
                condition=Q(first_month__gte=1)
                & Q(last_month__lte=12)
                & Q(last_month__gte=models.F("first_month")),
                name="template_step_months_in_year",
                violation_error_message=_("Les mois vont de 1 à 12, dans l'ordre."),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.number} — {self.title}"


# --- Seminars ------------------------------------------------------------------


class PlusDays(models.Func):
    """``day + days`` in SQL: Django has no portable "date plus a number of days
    read from a column" (SQLite refuses integer x interval)."""

    arity = 2
    output_field = models.DateField()
    template = "(%(expressions)s)"
    arg_joiner = " + "

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template="date(%(expressions)s || ' days')",
            arg_joiner=", '+' || ",
            **extra_context,
        )


def _start_of_day(day: date) -> datetime:
    """Midnight starting ``day`` in the current time zone (that of ``TruncDate``)."""
    return timezone.make_aware(datetime.combine(day, time.min))


@dataclass(frozen=True)
class SeminarProgress:
    """Counts of one group of seminars (a territory's, a Fabrique's)."""

    held: int = 0
    upcoming: int = 0
    notes_pending: int = 0
    notes_late: int = 0


class SeminarQuerySet(models.QuerySet):
    def upcoming(self, now=None):
        now = now or timezone.now()
        return self.filter(starts_at__gte=now).exclude(status=Seminar.Status.CANCELLED)

    def not_cancelled(self):
        return self.exclude(status=Seminar.Status.CANCELLED)

    def held(self):
        return self.filter(status=Seminar.Status.HELD)

    def visible_to(self, user, today=None):
        # The rules live in accounts.permissions (imported here to avoid a cycle).
        from accounts.permissions import seminars_visible_to

        return self & seminars_visible_to(user, today)

    def calendar_of(self, participation):
        """What a territory's calendar shows: its own immersion day and local
        seminars, and the intersite seminars of its Fabrique."""
        return self.filter(
            Q(participation=participation)
            | Q(participation__isnull=True, fabrique_id=participation.fabrique_id)
        )

    def for_calendar_table(self):
        """Only the columns a calendar table prints
        (portal/components/calendar_table.html): its cached fragment is keyed
        on every value the seminars hold, so the programme's content and the
        agenda are not read, built and hashed on every view."""
        return self.only(
            "fabrique", "participation", "kind", "number", "theme", "window_start",
            "window_end", "starts_at", "ends_at", "place", "format", "status",
        )  # fmt: skip

    def in_calendar_order(self):
        """By the fixed date when there is one, else by the planned window."""
        return self.annotate(
            calendar_day=Coalesce(TruncDate("starts_at"), F("window_start"))
        ).order_by("calendar_day", "starts_at", "kind", "number")

    def with_note_state(self, today: date):
        """Annotate where each seminar's note stands on ``today`` (the SQL twin
        of ``Seminar.note_due_on``, so lists can filter and count in one query):

        - ``note_due_date``: ``note_due_days`` after the day a held seminar took
          place, None otherwise;
        - ``has_submitted_note``: a version reached ANCT (submitted, validated or
          shared); a draft or a returned version does not count;
        - ``note_pending``: due, not handed in, not late yet;
        - ``note_late``: due before ``today`` and not handed in.
        """
        owed = Q(status=Seminar.Status.HELD, starts_at__isnull=False, has_submitted_note=False)
        return self.annotate(
            note_due_date=Case(
                When(
                    status=Seminar.Status.HELD,
                    starts_at__isnull=False,
                    then=PlusDays(TruncDate("starts_at"), F("fabrique__note_due_days")),
                ),
                output_field=models.DateField(),
            ),
            has_submitted_note=Exists(
                NoteVersion.objects.filter(seminar=OuterRef("pk"), status__in=NoteVersion.HANDED_IN)
            ),
        ).annotate(
            note_pending=Case(
                When(owed & Q(note_due_date__gte=today), then=Value(True)),
                default=Value(False),
            ),
            note_late=Case(
                When(owed & Q(note_due_date__lt=today), then=Value(True)),
                default=Value(False),
            ),
        )

    def notes_late(self, today: date):
        """The seminars whose note is late on ``today``: the rows of
        ``with_note_state(today).filter(note_late=True)``, with the same
        annotations, but filtered before anything is computed (held, dated
        before ``today``, no note handed in as an anti-join), so that lists over
        every Fabrique do not evaluate the note state of every seminar."""
        handed_in = NoteVersion.objects.filter(
            seminar=OuterRef("pk"), status__in=NoteVersion.HANDED_IN
        )
        return (
            self.filter(status=Seminar.Status.HELD, starts_at__lt=_start_of_day(today))
            .filter(~Exists(handed_in))
            .annotate(note_due_date=PlusDays(TruncDate("starts_at"), F("fabrique__note_due_days")))
            .filter(note_due_date__lt=today)
            .annotate(
                has_submitted_note=Value(False),
                note_pending=Value(False),
                note_late=Value(True),
            )
        )

    def notes_to_chase(self, today: date):
        """``notes_late(today)`` in the Fabriques not closed yet: once the
        six-month follow-up is done, a note still missing is history, not
        something ANCT chases. The lists of late notes (dashboard, notes to
        review) show these; the counts per Fabrique or month keep every late
        note. Limiting to the few open Fabriques also keeps the query from
        checking every seminar ever held."""
        return self.notes_late(today).exclude(fabrique__status=Fabrique.Status.FOLLOWED_UP)

    def progress_by(self, field: str, today: date) -> dict[int, SeminarProgress]:
        """Count held and upcoming seminars and the notes pending or late, per
        value of ``field`` (``"participation"``, ``"fabrique"``), in one query."""
        Status = Seminar.Status
        rows = (
            self.with_note_state(today)
            .order_by()
            .values(field)
            .annotate(
                held=Count("pk", filter=Q(status=Status.HELD)),
                upcoming=Count("pk", filter=Q(status__in=[Status.PLANNED, Status.SCHEDULED])),
                notes_pending=Count("pk", filter=Q(note_pending=True)),
                notes_late=Count("pk", filter=Q(note_late=True)),
            )
        )
        return {
            row[field]: SeminarProgress(
                held=row["held"],
                upcoming=row["upcoming"],
                notes_pending=row["notes_pending"],
                notes_late=row["notes_late"],
            )
            for row in rows
        }


class Seminar(models.Model):
    """A local seminar or immersion day of one participation, or an intersite
    seminar of the whole Fabrique."""

    Kind = SeminarKind

    class Status(models.TextChoices):
        PLANNED = "prevu", _("Prévu")
        SCHEDULED = "programme", _("Date fixée")
        HELD = "tenu", _("Tenu")
        CANCELLED = "annule", _("Annulé")

    class Format(models.TextChoices):
        IN_PERSON = "presentiel", _("En présentiel")
        REMOTE = "distanciel", _("À distance")
        HYBRID = "hybride", _("Hybride")

    fabrique = models.ForeignKey(
        "fabriques.Fabrique",
        verbose_name=_("Fabrique"),
        on_delete=models.PROTECT,
        related_name="seminars",
    )
    participation = models.ForeignKey(
        "territories.Participation",
        verbose_name=_("participation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="seminars",
    )
    kind = models.CharField(_("type"), max_length=20, choices=SeminarKind.choices)
    number = models.PositiveSmallIntegerField(_("numéro"), null=True, blank=True)
    theme = models.CharField(_("thème"), max_length=200, blank=True)
    content = models.TextField(_("contenu prévu"), blank=True)
    window_start = models.DateField(_("fenêtre prévue : début"))
    window_end = models.DateField(_("fenêtre prévue : fin"))
    starts_at = models.DateTimeField(_("début"), null=True, blank=True)
    ends_at = models.DateTimeField(_("fin"), null=True, blank=True)
    place = models.CharField(_("lieu"), max_length=300, blank=True)
    format = models.CharField(
        _("format"), max_length=20, choices=Format.choices, default=Format.IN_PERSON
    )
    meeting_url = models.URLField(_("lien de la réunion à distance"), blank=True)
    status = models.CharField(
        _("statut"), max_length=20, choices=Status.choices, default=Status.PLANNED
    )
    agenda = models.TextField(_("ordre du jour"), blank=True)
    sequence = models.PositiveIntegerField(
        _("révision du rendez-vous"),
        default=0,
        help_text=_("Augmente à chaque déplacement d'une date fixée (calendriers iCal)."),
    )

    # Audit trail: who changed what and when, shown in the admin.
    history = HistoricalRecords()

    objects = SeminarQuerySet.as_manager()

    class Meta:
        verbose_name = _("séminaire")
        verbose_name_plural = _("séminaires")
        ordering = ["window_start", "kind", "number"]
        indexes = [
            models.Index(fields=["fabrique", "kind", "window_start"]),
            models.Index(fields=["participation", "window_start"]),
            models.Index(fields=["status", "starts_at"]),
            # Date ranges over every Fabrique (dashboard, year view, reminders).
            models.Index(fields=["starts_at"], name="seminar_starts_at_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="intersite") & Q(participation__isnull=True))
                | (~Q(kind="intersite") & Q(participation__isnull=False)),
                name="seminar_scope_matches_kind",
                violation_error_message=_(
                    "Un séminaire intersite appartient à la Fabrique; un séminaire local "
                    "ou une journée d'immersion appartient à une participation."
                ),
            ),
            models.CheckConstraint(
                condition=(Q(kind="immersion") & Q(number__isnull=True))
                | (~Q(kind="immersion") & Q(number__gte=1) & Q(number__lte=4)),
                name="seminar_number_1_to_4",
                violation_error_message=_(
                    "Les séminaires sont numérotés de 1 à 4; la journée d'immersion n'a pas de "
                    "numéro."
                ),
            ),
            models.UniqueConstraint(
                fields=["participation", "kind", "number"],
                condition=Q(kind="local"),
                name="local_seminar_number_once",
                violation_error_message=_("Ce séminaire local existe déjà pour ce territoire."),
            ),
            models.UniqueConstraint(
                fields=["fabrique", "number"],
                condition=Q(kind="intersite"),
                name="intersite_seminar_number_once",
                violation_error_message=_("Ce séminaire intersite existe déjà."),
            ),
            models.UniqueConstraint(
                fields=["participation"],
                condition=Q(kind="immersion"),
                name="immersion_day_once",
                violation_error_message=_("Ce territoire a déjà sa journée d'immersion."),
            ),
            models.CheckConstraint(
                condition=Q(window_end__gte=models.F("window_start")),
                name="seminar_window_ordered",
                violation_error_message=_("La fenêtre prévue se termine avant de commencer."),
            ),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True)
                | Q(starts_at__isnull=True)
                | Q(ends_at__gt=models.F("starts_at")),
                name="seminar_ends_after_start",
                violation_error_message=_("La fin du séminaire doit suivre son début."),
            ),
        ]

    def __str__(self):
        if self.kind == SeminarKind.IMMERSION:
            label = str(self.get_kind_display())
        else:
            label = f"{self.get_kind_display()} {self.number}"
        return f"{label} — {self.theme}" if self.theme else label

    @property
    def planned_day(self) -> date:
        """The date to show and sort by: the fixed date, else the window's start."""
        if self.starts_at:
            return timezone.localdate(self.starts_at)
        return self.window_start

    def note_due_on(self) -> date | None:
        """The day the prestataire's note is due: ``note_due_days`` after the
        seminar was held. None while it is not held (or held on no known day)."""
        if self.status != self.Status.HELD or self.starts_at is None:
            return None
        return timezone.localdate(self.starts_at) + timedelta(days=self.fabrique.note_due_days)

    def clean(self):
        super().clean()
        fabrique = self._fabrique_for_checks()
        if fabrique is None:
            return
        errors = {}
        for field in ("window_start", "window_end"):
            day = getattr(self, field)
            if day and not fabrique.covers(day):
                errors[field] = _(
                    "Cette date est en dehors de l'année de la Fabrique (%(s)s – %(e)s)."
                ) % {
                    "s": f"{fabrique.start_date:%d/%m/%Y}",
                    "e": f"{fabrique.end_date:%d/%m/%Y}",
                }
        if self.starts_at and not fabrique.covers(timezone.localdate(self.starts_at)):
            errors["starts_at"] = _(
                "Le séminaire doit se tenir pendant l'année de la Fabrique (%(s)s – %(e)s)."
            ) % {"s": f"{fabrique.start_date:%d/%m/%Y}", "e": f"{fabrique.end_date:%d/%m/%Y}"}
        if self.participation_id and self.participation.fabrique_id != fabrique.pk:
            errors["participation"] = _("Cette participation relève d'une autre Fabrique.")
        if errors:
            raise ValidationError(errors)

    def _fabrique_for_checks(self):
        if self.fabrique_id:
            return self.fabrique
        if self.participation_id:
            self.fabrique_id = self.participation.fabrique_id
            return self.participation.fabrique
        return None


# --- Attendance and notes -------------------------------------------------------


class Attendance(models.Model):
    """Whether a person invited to a seminar came: a portal user (élu, référent,
    partner) or a member of the territory's working group."""

    class Status(models.TextChoices):
        INVITED = "invite", _("Invité")
        PRESENT = "present", _("Présent")
        EXCUSED = "excuse", _("Excusé")
        ABSENT = "absent", _("Absent")

    seminar = models.ForeignKey(
        Seminar, verbose_name=_("séminaire"), on_delete=models.CASCADE, related_name="attendances"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("personne"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attendances",
    )
    working_group_member = models.ForeignKey(
        "territories.WorkingGroupMember",
        verbose_name=_("membre du groupe de travail"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attendances",
    )
    status = models.CharField(
        _("présence"), max_length=20, choices=Status.choices, default=Status.INVITED
    )

    class Meta:
        verbose_name = _("présence")
        verbose_name_plural = _("présences")
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=True) ^ Q(working_group_member__isnull=True),
                name="attendance_one_person",
                violation_error_message=_(
                    "Une présence concerne soit un utilisateur, "
                    "soit un membre du groupe de travail."
                ),
            ),
            models.UniqueConstraint(
                fields=["seminar", "user"],
                condition=Q(user__isnull=False),
                name="attendance_user_once",
            ),
            models.UniqueConstraint(
                fields=["seminar", "working_group_member"],
                condition=Q(working_group_member__isnull=False),
                name="attendance_member_once",
            ),
        ]

    def __str__(self):
        return f"{self.user or self.working_group_member} — {self.get_status_display()}"


def note_upload_path(instance, filename):
    # Files are stored under a server-generated name, never the uploader's.
    extension = Path(filename).suffix.lower().lstrip(".")
    return f"notes/{instance.seminar_id}/{uuid.uuid4().hex}.{extension}"


class NoteVersionQuerySet(models.QuerySet):
    def shared(self):
        # A file in quarantine or refused by the antivirus is never shared.
        return self.filter(status=NoteVersion.Status.SHARED, scan_status__in=AVAILABLE)

    def latest_shared_of(self, seminars) -> list["NoteVersion"]:
        """Per seminar already read, the most recent version shared with the
        territory, in the seminars' order, each note holding its seminar from
        ``seminars``: one plain query of their shared versions, without a
        correlated subquery and a join, which cost a page more to compile than
        to run."""
        by_pk = {seminar.pk: seminar for seminar in seminars}
        latest = {}
        for note in self.shared().filter(seminar__in=list(by_pk)).order_by("version"):
            latest[note.seminar_id] = note  # a later version replaces an earlier one
        notes = []
        for pk, seminar in by_pk.items():
            if pk in latest:
                latest[pk].seminar = seminar
                notes.append(latest[pk])
        return notes


class NoteVersion(models.Model):
    """One uploaded version of a seminar's note. Versions are never overwritten."""

    class Status(models.TextChoices):
        DRAFT = "brouillon", _("Déposée")
        SUBMITTED = "soumise", _("Soumise à l'ANCT")
        RETURNED = "a_reprendre", _("Renvoyée au prestataire")
        VALIDATED = "validee", _("Validée")
        SHARED = "partagee", _("Partagée avec le territoire")

    seminar = models.ForeignKey(
        Seminar, verbose_name=_("séminaire"), on_delete=models.PROTECT, related_name="notes"
    )
    version = models.PositiveSmallIntegerField(_("version"))
    file = models.FileField(_("fichier"), upload_to=note_upload_path, max_length=255)
    original_name = models.CharField(_("nom d'origine"), max_length=255)
    size = models.PositiveBigIntegerField(_("taille (octets)"))
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64)
    summary = models.TextField(_("résumé"), blank=True)
    status = models.CharField(
        _("statut"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    review_comment = models.TextField(_("commentaire de l'ANCT"), blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("déposée par"),
        on_delete=models.PROTECT,
        related_name="uploaded_notes",
    )
    uploaded_at = models.DateTimeField(_("déposée le"), default=timezone.now)
    submitted_at = models.DateTimeField(_("soumise le"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("examinée par"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reviewed_notes",
    )
    reviewed_at = models.DateTimeField(_("examinée le"), null=True, blank=True)
    shared_at = models.DateTimeField(_("partagée le"), null=True, blank=True)
    # Only AVAILABLE files are served, listed for download or shared (antivirus.py).
    scan_status = models.CharField(
        _("analyse antivirus"),
        max_length=20,
        choices=ScanStatus.choices,
        default=ScanStatus.NOT_SCANNED,
    )

    # Audit trail: who changed what and when, shown in the admin.
    history = HistoricalRecords()

    objects = NoteVersionQuerySet.as_manager()

    # Statuses of a note that reached ANCT: the seminar no longer owes one. A
    # version sent back to the prestataire ("à reprendre") is owed again.
    HANDED_IN = [Status.SUBMITTED, Status.VALIDATED, Status.SHARED]

    class Meta:
        verbose_name = _("version de note")
        verbose_name_plural = _("versions de notes")
        ordering = ["seminar", "-version"]
        indexes = [
            models.Index(fields=["status", "uploaded_at"]),
            # "Has this seminar had a note handed in?" (note_late, with_note_state):
            # an index-only anti-join instead of reading every note version.
            models.Index(
                fields=["seminar"],
                condition=Q(status__in=["soumise", "validee", "partagee"]),
                name="note_handed_in_seminar_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["seminar", "version"], name="note_version_once"),
            models.CheckConstraint(condition=Q(version__gte=1), name="note_version_positive"),
        ]

    def __str__(self):
        return f"{self.seminar} — v{self.version}"


class CalendarFeed(models.Model):
    """A person's private iCal subscription: a secret URL they can revoke.

    Only the SHA-256 of the secret is stored; the URL shown once to its owner
    carries the secret itself.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("personne"),
        on_delete=models.CASCADE,
        related_name="calendar_feeds",
    )
    token_hash = models.CharField(_("empreinte du jeton"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("révoqué le"), null=True, blank=True)

    class Meta:
        verbose_name = _("abonnement calendrier")
        verbose_name_plural = _("abonnements calendrier")
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(revoked_at__isnull=True),
                name="calendar_feed_one_active_per_user",
            )
        ]

    def __str__(self):
        return _("Calendrier de %(user)s") % {"user": self.user}

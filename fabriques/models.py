import uuid
from datetime import date, timedelta
from pathlib import Path

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

FABRIQUE_DURATION_MONTHS = 12
FOLLOW_UP_DELAY_MONTHS = 6
DEFAULT_NOTE_DUE_DAYS = 15


def default_end_date(start: date) -> date:
    """A Fabrique lasts one year: its last day is the eve of the anniversary."""
    return start + relativedelta(months=FABRIQUE_DURATION_MONTHS, days=-1)


def default_follow_up_date(end: date) -> date:
    return end + relativedelta(months=FOLLOW_UP_DELAY_MONTHS)


class Transition(models.Model):
    """One of the four transitions a Fabrique can address (reference data)."""

    class Code(models.TextChoices):
        ECOLOGICAL = "ecologique", _("Transition écologique")
        DEMOGRAPHIC = "demographique", _("Transition démographique")
        ECONOMIC = "economique", _("Transition économique")
        PUBLIC_ACTION = "action_publique", _("Transformation de l'action publique")

    code = models.CharField(_("code"), max_length=30, unique=True, choices=Code.choices)

    class Meta:
        verbose_name = _("transition")
        verbose_name_plural = _("transitions")
        ordering = ["code"]

    def __str__(self):
        return self.get_code_display()


class Organisation(models.Model):
    class Kind(models.TextChoices):
        ELECTED_OFFICIALS = "association_elus", _("Association d'élus")
        MINISTRY = "ministere_direction", _("Ministère ou direction d'administration centrale")
        NATIONAL_OPERATOR = "operateur_national", _("Opérateur national")
        NETWORK = "reseau", _("Réseau")
        RESEARCH = "universite_recherche", _("Université ou recherche")
        FUNDER = "financeur", _("Financeur")
        PRESTATAIRE = "prestataire", _("Prestataire")
        ANCT = "anct", _("ANCT et ses programmes")

    name = models.CharField(_("nom"), max_length=255, unique=True)
    acronym = models.CharField(_("sigle"), max_length=50, blank=True)
    kind = models.CharField(_("type"), max_length=30, choices=Kind.choices)
    website = models.URLField(_("site web"), blank=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        indexes = [models.Index(fields=["kind", "name"])]

    def __str__(self):
        if self.acronym and self.acronym != self.name:
            return f"{self.acronym} — {self.name}"
        return self.name


class FabriqueQuerySet(models.QuerySet):
    def public(self):
        return self.filter(is_public=True)

    def of_edition(self, year: int):
        return self.filter(edition=year)

    def visible_to(self, user, today=None):
        # The rules live in accounts.permissions (imported here to avoid a cycle).
        from accounts.permissions import fabriques_visible_to

        return self & fabriques_visible_to(user, today)

    def running(self):
        return self.filter(status=Fabrique.Status.RUNNING)

    def current(self, today: date):
        """This year's Fabriques: of this year's edition, or running now (by
        status or by dates, as an edition can straddle two years)."""
        return self.filter(
            Q(edition=today.year)
            | Q(status=Fabrique.Status.RUNNING)
            | Q(start_date__lte=today, end_date__gte=today)
        )

    def with_confirmed_territories(self):
        # The status by value: territories.models imports this module.
        return self.annotate(
            confirmed_territories=models.Count(
                "participations", filter=Q(participations__status="confirmee"), distinct=True
            )
        )

    def as_cards(self):
        """What a public card prints (public/fabrique_card.html) and nothing
        else, its transitions aside: not the objective, dates and other texts
        that the home page and the catalogue would read, build and hash for
        their cached cards on every request."""
        return self.only(
            "slug", "title", "short_title", "edition", "status"
        ).with_confirmed_territories()

    def follow_up_coming_due(self, today: date, within_days: int = 60):
        """Six-month follow-ups due within ``within_days``, or already due with
        no follow-up meeting date recorded."""
        return self.filter(
            Q(follow_up_due_date__gte=today, follow_up_due_date__lte=today + timedelta(within_days))
            | (
                Q(follow_up_due_date__lt=today)
                & (Q(follow_up__isnull=True) | Q(follow_up__meeting_on__isnull=True))
            )
        )


class Fabrique(models.Model):
    class Status(models.TextChoices):
        PREPARATION = "preparation", _("En préparation")
        RUNNING = "en_cours", _("En cours")
        FINISHED = "terminee", _("Terminée")
        FOLLOWED_UP = "suivie", _("Suivi à six mois réalisé")

    title = models.CharField(_("question / intitulé"), max_length=300)
    short_title = models.CharField(_("titre court"), max_length=120, blank=True)
    slug = models.SlugField(_("identifiant d'URL"), max_length=120, unique=True)
    edition = models.PositiveSmallIntegerField(
        _("édition"), help_text=_("Année de programmation de la Fabrique.")
    )
    transitions = models.ManyToManyField(
        Transition, verbose_name=_("transitions"), related_name="fabriques", blank=True
    )
    objective = models.TextField(_("objectif"), blank=True)
    anct_programme = models.ForeignKey(
        Organisation,
        verbose_name=_("programme de l'ANCT"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="programme_fabriques",
        limit_choices_to={"kind": Organisation.Kind.ANCT},
    )
    status = models.CharField(
        _("statut"), max_length=20, choices=Status.choices, default=Status.PREPARATION
    )
    start_date = models.DateField(_("date de début"))
    end_date = models.DateField(
        _("date de fin"), blank=True, help_text=_("Par défaut : douze mois après le début.")
    )
    follow_up_due_date = models.DateField(
        _("échéance du suivi à six mois"),
        blank=True,
        help_text=_("Par défaut : six mois après la fin."),
    )
    note_due_days = models.PositiveSmallIntegerField(
        _("délai de remise des notes (jours)"),
        default=DEFAULT_NOTE_DUE_DAYS,
        help_text=_("Nombre de jours après un séminaire pour remettre sa note."),
    )
    seminar_template = models.ForeignKey(
        "seminars.SeminarTemplate",
        verbose_name=_("parcours de séminaires"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="fabriques",
    )
    is_public = models.BooleanField(
        _("publique"), default=False, help_text=_("Visible dans le catalogue public.")
    )
    partners = models.ManyToManyField(
        Organisation,
        through="Partnership",
        verbose_name=_("partenaires"),
        related_name="partner_fabriques",
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    # Audit trail: who changed what and when, shown in the admin.
    history = HistoricalRecords(excluded_fields=["updated_at"])

    objects = FabriqueQuerySet.as_manager()

    class Meta:
        verbose_name = _("Fabrique")
        verbose_name_plural = _("Fabriques")
        ordering = ["-edition", "title"]
        indexes = [
            models.Index(fields=["edition", "status"]),
            models.Index(fields=["status", "end_date"]),
            models.Index(fields=["follow_up_due_date"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gt=models.F("start_date")),
                name="fabrique_end_after_start",
                violation_error_message=_("La date de fin doit suivre la date de début."),
            ),
            models.CheckConstraint(
                condition=Q(follow_up_due_date__gte=models.F("end_date")),
                name="fabrique_follow_up_after_end",
                violation_error_message=_("Le suivi à six mois ne peut précéder la fin."),
            ),
            models.CheckConstraint(
                condition=Q(edition__gte=2000) & Q(edition__lte=2100),
                name="fabrique_edition_plausible",
                violation_error_message=_("L'édition doit être une année entre 2000 et 2100."),
            ),
        ]

    def __str__(self):
        return f"{self.display_title} ({self.edition})"

    def save(self, *args, **kwargs):
        self.fill_default_dates()
        super().save(*args, **kwargs)

    @property
    def display_title(self):
        return self.short_title or self.title

    def fill_default_dates(self):
        """Derive the dates left empty from the start date."""
        if self.start_date and not self.end_date:
            self.end_date = default_end_date(self.start_date)
        if self.end_date and not self.follow_up_due_date:
            self.follow_up_due_date = default_follow_up_date(self.end_date)

    def clean(self):
        super().clean()
        self.fill_default_dates()
        if self.start_date and self.end_date and self.end_date <= self.start_date:
            raise ValidationError(
                {"end_date": _("La date de fin doit être postérieure à la date de début.")}
            )
        if self.end_date and self.follow_up_due_date and self.follow_up_due_date < self.end_date:
            raise ValidationError(
                {"follow_up_due_date": _("Le suivi à six mois ne peut précéder la fin.")}
            )

    def covers(self, day: date) -> bool:
        return self.start_date <= day <= self.end_date


class Partnership(models.Model):
    class Role(models.TextChoices):
        ELECTED_OFFICIALS = "association_elus", _("Association d'élus")
        CO_FUNDER = "cofinanceur", _("Cofinanceur")
        NATIONAL_PARTNER = "partenaire_national", _("Partenaire national")
        RESEARCH = "recherche", _("Recherche")

    fabrique = models.ForeignKey(
        Fabrique, verbose_name=_("Fabrique"), on_delete=models.CASCADE, related_name="partnerships"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="partnerships",
    )
    role = models.CharField(_("rôle"), max_length=30, choices=Role.choices)

    class Meta:
        verbose_name = _("partenariat")
        verbose_name_plural = _("partenariats")
        ordering = ["fabrique", "organisation__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["fabrique", "organisation"], name="partnership_once_per_fabrique"
            )
        ]

    def __str__(self):
        return f"{self.organisation} — {self.get_role_display()}"


class PrestataireContract(models.Model):
    """The public contract (marché) by which ANCT engages a prestataire."""

    fabrique = models.OneToOneField(
        Fabrique, verbose_name=_("Fabrique"), on_delete=models.CASCADE, related_name="contract"
    )
    prestataire = models.ForeignKey(
        Organisation,
        verbose_name=_("prestataire"),
        on_delete=models.PROTECT,
        related_name="contracts",
        limit_choices_to={"kind": Organisation.Kind.PRESTATAIRE},
    )
    reference = models.CharField(_("référence du marché"), max_length=100, blank=True)
    notified_on = models.DateField(_("notifié le"), null=True, blank=True)
    amount_eur = models.DecimalField(
        _("montant (€ HT)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    anct_share_percent = models.PositiveSmallIntegerField(
        _("part financée par l'ANCT (%)"), default=100
    )

    class Meta:
        verbose_name = _("marché du prestataire")
        verbose_name_plural = _("marchés des prestataires")
        constraints = [
            models.CheckConstraint(
                condition=Q(anct_share_percent__lte=100),
                name="contract_anct_share_is_a_percentage",
            ),
            models.CheckConstraint(
                condition=Q(amount_eur__isnull=True) | Q(amount_eur__gte=0),
                name="contract_amount_not_negative",
            ),
        ]

    def __str__(self):
        return f"{self.prestataire.name} — {self.fabrique.display_title}"


class RoleQuerySet(models.QuerySet):
    """Shared filters of every dated role (team, COPIL, territory contacts)."""

    def active_on(self, day: date):
        return self.filter(Q(starts_on__lte=day) | Q(starts_on__isnull=True)).filter(
            Q(ends_on__gte=day) | Q(ends_on__isnull=True)
        )


class DatedRole(models.Model):
    """A person's role that begins and ends, so history keeps who held it when."""

    starts_on = models.DateField(_("depuis le"), null=True, blank=True)
    ends_on = models.DateField(_("jusqu'au"), null=True, blank=True)

    objects = RoleQuerySet.as_manager()

    class Meta:
        abstract = True

    def is_active_on(self, day: date) -> bool:
        return (self.starts_on is None or self.starts_on <= day) and (
            self.ends_on is None or day <= self.ends_on
        )


def role_dates_constraint(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(starts_on__isnull=True)
        | Q(ends_on__isnull=True)
        | Q(ends_on__gte=models.F("starts_on")),
        name=name,
        violation_error_message=_("La fin du rôle ne peut précéder son début."),
    )


class TeamMember(DatedRole):
    class Role(models.TextChoices):
        DIRECTOR = "directeur", _("Directeur ou directrice de projet")
        PROJECT_LEAD = "chef_projet", _("Chef ou cheffe de projet")
        CONSULTANT = "consultant", _("Consultant ou consultante")
        ANALYST = "analyste", _("Chargé ou chargée d'études")

    contract = models.ForeignKey(
        PrestataireContract,
        verbose_name=_("marché"),
        on_delete=models.CASCADE,
        related_name="team",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("personne"),
        on_delete=models.PROTECT,
        related_name="team_memberships",
    )
    role = models.CharField(_("rôle"), max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("membre de l'équipe du prestataire")
        verbose_name_plural = _("équipe du prestataire")
        ordering = ["contract", "role", "user__last_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "user", "role"], name="team_member_role_once"
            ),
            role_dates_constraint("team_member_dates_ordered"),
        ]

    def __str__(self):
        return f"{self.user} ({self.get_role_display()})"


class CopilMember(DatedRole):
    fabrique = models.ForeignKey(
        Fabrique, verbose_name=_("Fabrique"), on_delete=models.CASCADE, related_name="copil"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation représentée"),
        on_delete=models.PROTECT,
        related_name="copil_seats",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("personne"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="copil_memberships",
        help_text=_("Laisser vide tant que l'organisation n'a pas désigné son représentant."),
    )
    function = models.CharField(_("fonction"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("membre du COPIL")
        verbose_name_plural = _("membres du COPIL")
        ordering = ["fabrique", "organisation__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["fabrique", "organisation", "user"], name="copil_member_once"
            ),
            role_dates_constraint("copil_member_dates_ordered"),
        ]

    def __str__(self):
        person = self.user or _("représentant à désigner")
        return f"{person} — {self.organisation.acronym or self.organisation.name}"


MINUTES_EXTENSIONS = ["pdf", "docx", "odt"]


def copil_minutes_path(instance, filename):
    # Files are stored under a server-generated name, never the uploader's.
    extension = Path(filename).suffix.lower().lstrip(".")
    return f"copil/{instance.fabrique_id}/{uuid.uuid4().hex}.{extension}"


class CopilMeeting(models.Model):
    class Kind(models.TextChoices):
        LAUNCH = "lancement", _("Lancement")
        STEERING = "pilotage", _("Pilotage")
        CLOSING = "cloture", _("Clôture")

    fabrique = models.ForeignKey(
        Fabrique,
        verbose_name=_("Fabrique"),
        on_delete=models.CASCADE,
        related_name="copil_meetings",
    )
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, default=Kind.STEERING)
    date = models.DateField(_("date"))
    agenda = models.TextField(_("ordre du jour"), blank=True)
    decisions = models.TextField(_("décisions"), blank=True)
    minutes = models.FileField(
        _("compte rendu"),
        upload_to=copil_minutes_path,
        blank=True,
        max_length=255,
        validators=[FileExtensionValidator(MINUTES_EXTENSIONS)],
    )

    class Meta:
        verbose_name = _("réunion du COPIL")
        verbose_name_plural = _("réunions du COPIL")
        ordering = ["fabrique", "date"]
        indexes = [models.Index(fields=["fabrique", "date"])]

    def __str__(self):
        return f"COPIL {self.get_kind_display().lower()} du {self.date:%d/%m/%Y}"

import uuid
from pathlib import Path

from django.conf import settings
from django.core.validators import FileExtensionValidator, MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from seminars.antivirus import ScanStatus


class RoadmapQuerySet(models.QuerySet):
    def with_programme(self):
        """Prefetch the action programme: axes with their actions, and the
        actions not filed under an axis (``actions_without_axis``)."""
        return self.prefetch_related(
            "axes__actions",
            models.Prefetch(
                "actions",
                queryset=Action.objects.filter(axis__isnull=True),
                to_attr="actions_without_axis",
            ),
        )


class Roadmap(models.Model):
    """A territory's roadmap (feuille de route): one per participation."""

    class Status(models.TextChoices):
        DRAFT = "brouillon", _("Brouillon")
        SUBMITTED = "soumise", _("Soumise au territoire")
        ADOPTED = "adoptee", _("Adoptée")

    participation = models.OneToOneField(
        "territories.Participation",
        verbose_name=_("participation"),
        on_delete=models.PROTECT,
        related_name="roadmap",
    )
    vision = models.TextField(_("ambition à l'horizon"), blank=True)
    synthesis = models.TextField(_("synthèse du travail prospectif"), blank=True)
    governance = models.TextField(_("gouvernance"), blank=True)
    partnerships = models.TextField(_("partenariats"), blank=True)
    status = models.CharField(
        _("statut"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    adopted_on = models.DateField(_("adoptée le"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("soumise le"), null=True, blank=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    # Audit trail: who changed what and when, shown in the admin.
    history = HistoricalRecords(excluded_fields=["updated_at"])

    objects = RoadmapQuerySet.as_manager()

    class Meta:
        verbose_name = _("feuille de route")
        verbose_name_plural = _("feuilles de route")
        indexes = [models.Index(fields=["status"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="adoptee") | Q(adopted_on__isnull=False),
                name="roadmap_adopted_has_date",
                violation_error_message=_("Une feuille de route adoptée a une date d'adoption."),
            )
        ]

    def __str__(self):
        return _("Feuille de route — %(participation)s") % {"participation": self.participation}


class Axis(models.Model):
    roadmap = models.ForeignKey(
        Roadmap, verbose_name=_("feuille de route"), on_delete=models.CASCADE, related_name="axes"
    )
    title = models.CharField(_("intitulé"), max_length=200)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    # Audit trail: who changed what and when, shown in the admin.
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("axe")
        verbose_name_plural = _("axes")
        ordering = ["roadmap", "position", "pk"]

    def __str__(self):
        return self.title


class Action(models.Model):
    class Horizon(models.TextChoices):
        SHORT = "court", _("Court terme")
        MEDIUM = "moyen", _("Moyen terme")
        LONG = "long", _("Long terme")

    class Status(models.TextChoices):
        PLANNED = "prevue", _("Prévue")
        IN_PROGRESS = "en_cours", _("En cours")
        DONE = "realisee", _("Réalisée")
        PAUSED = "suspendue", _("Suspendue")
        ABANDONED = "abandonnee", _("Abandonnée")

    roadmap = models.ForeignKey(
        Roadmap,
        verbose_name=_("feuille de route"),
        on_delete=models.CASCADE,
        related_name="actions",
    )
    axis = models.ForeignKey(
        Axis,
        verbose_name=_("axe"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="actions",
    )
    title = models.CharField(_("intitulé"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    lead = models.CharField(_("porteur"), max_length=200, blank=True)
    partners = models.TextField(_("partenaires"), blank=True)
    starts_on = models.DateField(_("début"), null=True, blank=True)
    ends_on = models.DateField(_("fin"), null=True, blank=True)
    horizon = models.CharField(
        _("horizon"), max_length=10, choices=Horizon.choices, default=Horizon.SHORT
    )
    budget_eur = models.DecimalField(
        _("budget estimé (€)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    funding = models.TextField(_("sources de financement"), blank=True)
    indicators = models.TextField(_("indicateurs"), blank=True)
    status = models.CharField(
        _("statut"), max_length=20, choices=Status.choices, default=Status.PLANNED
    )
    progress = models.PositiveSmallIntegerField(
        _("avancement (%)"), default=0, validators=[MaxValueValidator(100)]
    )
    needs_engineering_support = models.BooleanField(
        _("demande d'ingénierie sur mesure à l'ANCT"), default=False
    )
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    # Audit trail: who changed what and when, shown in the admin.
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        ordering = ["roadmap", "position", "pk"]
        indexes = [models.Index(fields=["roadmap", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="action_progress_is_a_percentage"
            ),
            models.CheckConstraint(
                condition=Q(starts_on__isnull=True)
                | Q(ends_on__isnull=True)
                | Q(ends_on__gte=models.F("starts_on")),
                name="action_dates_ordered",
                violation_error_message=_("La fin de l'action ne peut précéder son début."),
            ),
            models.CheckConstraint(
                condition=Q(budget_eur__isnull=True) | Q(budget_eur__gte=0),
                name="action_budget_not_negative",
            ),
        ]

    def __str__(self):
        return self.title


class ActionUpdate(models.Model):
    """One status update of an action after the Fabrique (six-month follow-up):
    the history of where the territory said its action stood, and when."""

    action = models.ForeignKey(
        Action, verbose_name=_("action"), on_delete=models.CASCADE, related_name="updates"
    )
    status = models.CharField(_("statut"), max_length=20, choices=Action.Status.choices)
    progress = models.PositiveSmallIntegerField(
        _("avancement (%)"), null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    comment = models.TextField(_("commentaire"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("mise à jour par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="action_updates",
    )
    created_at = models.DateTimeField(_("mise à jour le"), default=timezone.now)

    class Meta:
        verbose_name = _("mise à jour d'action")
        verbose_name_plural = _("mises à jour d'actions")
        ordering = ["action", "-created_at", "-pk"]
        indexes = [models.Index(fields=["action", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__isnull=True) | Q(progress__lte=100),
                name="action_update_progress_is_a_percentage",
            )
        ]

    def __str__(self):
        return f"{self.action} — {self.get_status_display()}"


DOCUMENT_EXTENSIONS = ["pdf", "docx", "odt"]


def transversal_note_path(instance, filename):
    # Files are stored under a server-generated name, never the uploader's.
    extension = Path(filename).suffix.lower().lstrip(".")
    return f"transversal/{instance.fabrique_id}/{uuid.uuid4().hex}.{extension}"


class TransversalNote(models.Model):
    """A deliverable of the whole Fabrique, written in the portal or uploaded."""

    class Kind(models.TextChoices):
        RECOMMENDATIONS = "recommandations", _("Recommandations législatives et réglementaires")
        METHOD = "methode", _("Note de méthode")
        MANIFESTO = "manifeste", _("Manifeste")
        PUBLICATION = "publication", _("Publication de l'ANCT")

    fabrique = models.ForeignKey(
        "fabriques.Fabrique",
        verbose_name=_("Fabrique"),
        on_delete=models.PROTECT,
        related_name="transversal_notes",
    )
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("titre"), max_length=300)
    body = models.TextField(_("texte (Markdown)"), blank=True)
    file = models.FileField(
        _("fichier"),
        upload_to=transversal_note_path,
        blank=True,
        max_length=255,
        validators=[FileExtensionValidator(DOCUMENT_EXTENSIONS)],
    )
    is_published = models.BooleanField(_("publiée"), default=False)
    published_on = models.DateField(_("publiée le"), null=True, blank=True)
    # The uploaded file's: only AVAILABLE files are served (seminars.antivirus).
    scan_status = models.CharField(
        _("analyse antivirus du fichier"),
        max_length=20,
        choices=ScanStatus.choices,
        default=ScanStatus.NOT_SCANNED,
    )

    # Audit trail: who changed what and when, shown in the admin.
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("note transversale")
        verbose_name_plural = _("notes transversales")
        ordering = ["fabrique", "kind", "title"]
        indexes = [models.Index(fields=["fabrique", "is_published"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(is_published=True) | Q(published_on__isnull=False),
                name="transversal_note_published_has_date",
                violation_error_message=_("Une note publiée a une date de publication."),
            ),
            models.CheckConstraint(
                condition=~Q(body="") | ~Q(file=""),
                name="transversal_note_has_content",
                violation_error_message=_("Rédigez le texte de la note ou joignez un fichier."),
            ),
        ]

    def __str__(self):
        return self.title


class FollowUp(models.Model):
    """The six-month follow-up of a Fabrique: meeting and showcase event."""

    fabrique = models.OneToOneField(
        "fabriques.Fabrique",
        verbose_name=_("Fabrique"),
        on_delete=models.CASCADE,
        related_name="follow_up",
    )
    meeting_on = models.DateField(_("réunion de suivi le"), null=True, blank=True)
    showcase_on = models.DateField(_("événement de valorisation le"), null=True, blank=True)
    meeting_notes = models.TextField(_("compte rendu de la réunion"), blank=True)
    showcase_notes = models.TextField(_("notes sur l'événement"), blank=True)

    class Meta:
        verbose_name = _("suivi à six mois")
        verbose_name_plural = _("suivis à six mois")

    def __str__(self):
        return _("Suivi à six mois — %(fabrique)s") % {"fabrique": self.fabrique}


def deliberation_path(instance, filename):
    # Files are stored under a server-generated name, never the uploader's.
    extension = Path(filename).suffix.lower().lstrip(".")
    return f"deliberations/{instance.roadmap_id}/{uuid.uuid4().hex}.{extension}"


class RoadmapVersion(models.Model):
    """An adopted roadmap, frozen: its numbered content as it was adopted.

    ``content`` is the snapshot built by ``deliverables.roadmaps.roadmap_snapshot``,
    the same dictionary the PDF is rendered from, so editing the roadmap
    afterwards (a new draft) never changes an adopted version nor its PDF.
    """

    roadmap = models.ForeignKey(
        Roadmap,
        verbose_name=_("feuille de route"),
        on_delete=models.PROTECT,
        related_name="versions",
    )
    number = models.PositiveSmallIntegerField(_("version"))
    adopted_on = models.DateField(_("adoptée le"))
    adopted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("adoptée par"),
        on_delete=models.PROTECT,
        related_name="adopted_roadmap_versions",
    )
    content = models.JSONField(_("contenu figé"))
    content_sha256 = models.CharField(_("empreinte du contenu"), max_length=64)
    deliberation = models.FileField(
        _("délibération"), upload_to=deliberation_path, blank=True, max_length=255
    )
    deliberation_name = models.CharField(_("nom d'origine"), max_length=255, blank=True)
    deliberation_size = models.PositiveBigIntegerField(_("taille (octets)"), null=True, blank=True)
    deliberation_sha256 = models.CharField(_("empreinte SHA-256"), max_length=64, blank=True)
    # Only an AVAILABLE délibération is served (seminars.antivirus).
    deliberation_scan_status = models.CharField(
        _("analyse antivirus de la délibération"),
        max_length=20,
        choices=ScanStatus.choices,
        default=ScanStatus.NOT_SCANNED,
    )
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)

    class Meta:
        verbose_name = _("version adoptée")
        verbose_name_plural = _("versions adoptées")
        ordering = ["roadmap", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["roadmap", "number"], name="roadmap_version_once"),
            models.CheckConstraint(condition=Q(number__gte=1), name="roadmap_version_positive"),
        ]

    def __str__(self):
        return _("%(roadmap)s — version %(number)s") % {
            "roadmap": self.roadmap,
            "number": self.number,
        }


def generated_pdf_path(instance, filename):
    # One name per job: a retried or re-run job overwrites its own file instead
    # of leaving a second copy behind (see deliverables.rendering).
    return f"generated/{instance.fabrique_id}/{instance.kind}-{instance.token.hex}.pdf"


class GeneratedPdfQuerySet(models.QuerySet):
    def ready(self):
        return self.filter(state=GeneratedPdf.State.READY)

    def published(self):
        """What anonymous visitors may download: ready PDFs marked published
        by ANCT, of public Fabriques."""
        return self.ready().filter(published_at__isnull=False, fabrique__is_public=True)


class GeneratedPdf(models.Model):
    """A PDF the portal renders in a Celery worker, and the job that renders it.

    One row per source and content: ``source_key`` names what is rendered
    ("roadmap:12", "roadmap-version:3", "note:5", "publication:2") and
    ``source_sha256`` the exact content, so asking twice for the same content
    reuses the row and its file, while a changed draft gets a new row and the
    earlier PDFs stay.
    """

    class Kind(models.TextChoices):
        ROADMAP = "feuille_de_route", _("Feuille de route")
        TRANSVERSAL_NOTE = "note_transversale", _("Note transversale")
        PUBLICATION = "publication", _("Publication")
        FOLLOW_UP_REPORT = "rapport_suivi", _("Rapport de suivi à six mois")

    class State(models.TextChoices):
        QUEUED = "en_attente", _("En file d'attente")
        RENDERING = "en_cours", _("En cours de production")
        READY = "prete", _("Prêt")
        FAILED = "echec", _("Échec")

    token = models.UUIDField(_("jeton"), default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    source_key = models.CharField(_("source"), max_length=60)
    source_sha256 = models.CharField(_("empreinte de la source"), max_length=64)
    title = models.CharField(_("titre"), max_length=300)
    fabrique = models.ForeignKey(
        "fabriques.Fabrique",
        verbose_name=_("Fabrique"),
        on_delete=models.PROTECT,
        related_name="generated_pdfs",
    )
    participation = models.ForeignKey(
        "territories.Participation",
        verbose_name=_("participation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="generated_pdfs",
    )
    roadmap_version = models.ForeignKey(
        RoadmapVersion,
        verbose_name=_("version adoptée"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pdfs",
    )
    transversal_note = models.ForeignKey(
        TransversalNote,
        verbose_name=_("note transversale"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pdfs",
    )
    state = models.CharField(_("état"), max_length=20, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    error = models.TextField(_("erreur"), blank=True)
    file = models.FileField(_("fichier"), upload_to=generated_pdf_path, blank=True, max_length=255)
    size = models.PositiveBigIntegerField(_("taille (octets)"), null=True, blank=True)
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64, blank=True)
    page_count = models.PositiveIntegerField(_("pages"), null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("demandé par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="requested_pdfs",
    )
    requested_at = models.DateTimeField(_("demandé le"), default=timezone.now)
    started_at = models.DateTimeField(_("commencé le"), null=True, blank=True)
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)
    published_at = models.DateTimeField(_("publié le"), null=True, blank=True)

    objects = GeneratedPdfQuerySet.as_manager()

    class Meta:
        verbose_name = _("PDF produit")
        verbose_name_plural = _("PDF produits")
        ordering = ["-requested_at", "-pk"]
        indexes = [
            models.Index(fields=["fabrique", "kind", "state"]),
            models.Index(fields=["participation", "kind"]),
            models.Index(fields=["state", "requested_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source_key", "source_sha256"], name="generated_pdf_once_per_content"
            ),
            models.CheckConstraint(
                condition=~Q(state="prete") | ~Q(file=""),
                name="generated_pdf_ready_has_file",
            ),
            models.CheckConstraint(
                condition=Q(published_at__isnull=True) | Q(state="prete"),
                name="generated_pdf_published_is_ready",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_finished(self):
        return self.state in {self.State.READY, self.State.FAILED}

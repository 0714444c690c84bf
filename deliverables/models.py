import uuid
from pathlib import Path

from django.core.validators import FileExtensionValidator, MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


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
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

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

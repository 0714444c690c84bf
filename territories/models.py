from collections import Counter
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from fabriques.models import DatedRole, role_dates_constraint
from seminars.models import Attendance, Seminar, SeminarKind

WORKING_GROUP_TARGET = range(15, 21)  # 15 to 20 members, as the method asks


# --- Official geography (reference data, loaded by `import_geography`) -------


class Region(models.Model):
    code = models.CharField(_("code INSEE"), max_length=3, primary_key=True)
    name = models.CharField(_("nom"), max_length=100)

    class Meta:
        verbose_name = _("région")
        verbose_name_plural = _("régions")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Departement(models.Model):
    code = models.CharField(_("code INSEE"), max_length=3, primary_key=True)
    name = models.CharField(_("nom"), max_length=100)
    region = models.ForeignKey(
        Region, verbose_name=_("région"), on_delete=models.PROTECT, related_name="departements"
    )

    class Meta:
        verbose_name = _("département")
        verbose_name_plural = _("départements")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} — {self.name}"


class Epci(models.Model):
    class Kind(models.TextChoices):
        CC = "CC", _("Communauté de communes")
        CA = "CA", _("Communauté d'agglomération")
        CU = "CU", _("Communauté urbaine")
        METRO = "METRO", _("Métropole")

    siren = models.CharField(_("SIREN"), max_length=9, primary_key=True)
    name = models.CharField(_("nom"), max_length=200, db_index=True)
    kind = models.CharField(_("nature"), max_length=5, choices=Kind.choices)
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    departement = models.ForeignKey(
        Departement,
        verbose_name=_("département"),
        on_delete=models.PROTECT,
        related_name="epcis",
        help_text=_("Département où vit la plus grande part de sa population."),
    )

    class Meta:
        verbose_name = _("EPCI")
        verbose_name_plural = _("EPCI")
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.siren})"


class Commune(models.Model):
    insee_code = models.CharField(_("code INSEE"), max_length=5, primary_key=True)
    name = models.CharField(_("nom"), max_length=200, db_index=True)
    departement = models.ForeignKey(
        Departement,
        verbose_name=_("département"),
        on_delete=models.PROTECT,
        related_name="communes",
    )
    epci = models.ForeignKey(
        Epci,
        verbose_name=_("EPCI"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="communes",
    )
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)

    class Meta:
        verbose_name = _("commune")
        verbose_name_plural = _("communes")
        ordering = ["name", "insee_code"]

    def __str__(self):
        return f"{self.name} ({self.insee_code})"


# --- Territories accompanied by the Fabriques ---------------------------------


class Territory(models.Model):
    """A commune or an EPCI that took part in at least one Fabrique."""

    class Kind(models.TextChoices):
        COMMUNE = "commune", _("Commune")
        CC = "cc", _("Communauté de communes")
        CA = "ca", _("Communauté d'agglomération")
        CU = "cu", _("Communauté urbaine")
        METROPOLE = "metropole", _("Métropole")

    EPCI_KIND = {
        Epci.Kind.CC: Kind.CC,
        Epci.Kind.CA: Kind.CA,
        Epci.Kind.CU: Kind.CU,
        Epci.Kind.METRO: Kind.METROPOLE,
    }

    name = models.CharField(
        _("nom"),
        max_length=200,
        blank=True,
        help_text=_("Nom d'usage; par défaut celui du référentiel officiel."),
    )
    kind = models.CharField(_("nature"), max_length=20, choices=Kind.choices, blank=True)
    commune = models.OneToOneField(
        Commune,
        verbose_name=_("commune (code INSEE)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="territory",
    )
    epci = models.OneToOneField(
        Epci,
        verbose_name=_("EPCI (SIREN)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="territory",
    )
    departement = models.ForeignKey(
        Departement,
        verbose_name=_("département"),
        on_delete=models.PROTECT,
        related_name="territories",
        blank=True,
    )
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)

    class Meta:
        verbose_name = _("territoire")
        verbose_name_plural = _("territoires")
        ordering = ["name"]
        indexes = [models.Index(fields=["kind", "departement"])]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="commune") & Q(commune__isnull=False) & Q(epci__isnull=True))
                | (~Q(kind="commune") & Q(epci__isnull=False) & Q(commune__isnull=True)),
                name="territory_matches_one_referential_entry",
                violation_error_message=_(
                    "Une commune se rattache à une commune du référentiel, "
                    "un EPCI à un EPCI du référentiel."
                ),
            )
        ]

    def __str__(self):
        return self.name

    @property
    def official_code(self) -> str:
        """INSEE code of a commune, SIREN of an EPCI."""
        return self.commune_id or self.epci_id or ""

    def fill_from_referential(self):
        """Take kind, code-derived fields and default name from the referential."""
        if self.commune_id and self.epci_id:
            raise ValidationError(_("Choisissez une commune ou un EPCI, pas les deux."))
        if self.commune_id:
            source = self.commune
            self.kind = self.Kind.COMMUNE
        elif self.epci_id:
            source = self.epci
            self.kind = self.EPCI_KIND[self.epci.kind]
        else:
            raise ValidationError(_("Choisissez la commune ou l'EPCI dans le référentiel."))
        self.departement_id = source.departement_id
        self.population = source.population
        if not self.name:
            self.name = source.name

    def clean(self):
        super().clean()
        self.fill_from_referential()


class ParticipationQuerySet(models.QuerySet):
    def confirmed(self):
        return self.filter(status=Participation.Status.CONFIRMED)

    def visible_to(self, user, today=None):
        # The rules live in accounts.permissions (imported here to avoid a cycle).
        from accounts.permissions import participations_visible_to

        return self & participations_visible_to(user, today)


class Participation(models.Model):
    """A territory in one Fabrique (a territory can join several over the years)."""

    class Status(models.TextChoices):
        PROPOSED = "proposee", _("Proposée par le COPIL")
        CONFIRMED = "confirmee", _("Confirmée")
        WITHDRAWN = "retiree", _("Retirée")

    fabrique = models.ForeignKey(
        "fabriques.Fabrique",
        verbose_name=_("Fabrique"),
        on_delete=models.PROTECT,
        related_name="participations",
    )
    territory = models.ForeignKey(
        Territory,
        verbose_name=_("territoire"),
        on_delete=models.PROTECT,
        related_name="participations",
    )
    status = models.CharField(
        _("statut"), max_length=20, choices=Status.choices, default=Status.PROPOSED
    )
    proposed_on = models.DateField(_("proposée le"), null=True, blank=True)
    confirmed_on = models.DateField(_("confirmée le"), null=True, blank=True)
    withdrawn_on = models.DateField(_("retirée le"), null=True, blank=True)
    withdrawal_reason = models.TextField(_("motif du retrait"), blank=True)
    lead_consultant = models.ForeignKey(
        "fabriques.TeamMember",
        verbose_name=_("consultant pilote"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_participations",
    )

    # Audit trail: who changed what and when, shown in the admin.
    history = HistoricalRecords()

    objects = ParticipationQuerySet.as_manager()

    class Meta:
        verbose_name = _("participation")
        verbose_name_plural = _("participations")
        ordering = ["fabrique", "territory__name"]
        indexes = [models.Index(fields=["fabrique", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["fabrique", "territory"],
                name="participation_once_per_fabrique",
                violation_error_message=_("Ce territoire participe déjà à cette Fabrique."),
            ),
            models.CheckConstraint(
                condition=~Q(status="confirmee") | Q(confirmed_on__isnull=False),
                name="participation_confirmed_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(status="retiree") | Q(withdrawn_on__isnull=False),
                name="participation_withdrawn_has_date",
            ),
        ]

    def __str__(self):
        return f"{self.territory} — {self.fabrique.display_title}"


class ParticipationContact(DatedRole):
    """An élu référent or the agent référent of a participation."""

    class Role(models.TextChoices):
        ELU = "elu", _("Élu référent")
        AGENT = "agent", _("Agent référent")

    participation = models.ForeignKey(
        Participation,
        verbose_name=_("participation"),
        on_delete=models.CASCADE,
        related_name="contacts",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("personne"),
        on_delete=models.PROTECT,
        related_name="territory_roles",
    )
    role = models.CharField(_("rôle"), max_length=10, choices=Role.choices)
    function = models.CharField(
        _("fonction"), max_length=200, blank=True, help_text=_("Ex. : maire, vice-présidente.")
    )

    class Meta:
        verbose_name = _("référent du territoire")
        verbose_name_plural = _("référents du territoire")
        ordering = ["participation", "role", "user__last_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["participation", "user", "role", "starts_on"],
                name="participation_contact_once",
            ),
            role_dates_constraint("participation_contact_dates_ordered"),
        ]

    def __str__(self):
        return f"{self.user} ({self.get_role_display()})"


@dataclass(frozen=True)
class WorkingGroupSummary:
    """What the group looks like today: its size against the 15-20 target, its
    colleges, and how stable it has been over the seminars held so far."""

    size: int
    composition: list[tuple[str, int]]
    held_seminars: int
    stable_members: int

    @classmethod
    def of(cls, current_members, *, held_seminars: int) -> "WorkingGroupSummary":
        """``current_members`` annotated by ``with_seminars_attended``."""
        members = list(current_members)
        counts = Counter(member.college for member in members)
        return cls(
            size=len(members),
            composition=[
                (label, counts[value])
                for value, label in WorkingGroupMember.College.choices
                if counts[value]
            ],
            held_seminars=held_seminars,
            stable_members=sum(
                1 for member in members if member.seminars_attended >= held_seminars
            ),
        )

    @property
    def in_target(self) -> bool:
        return self.size in WORKING_GROUP_TARGET

    @property
    def target_min(self) -> int:
        return WORKING_GROUP_TARGET.start

    @property
    def target_max(self) -> int:
        return WORKING_GROUP_TARGET.stop - 1

    @property
    def stability_percent(self) -> int | None:
        """Share of today's members present at every held seminar; None before
        the first seminar (or with nobody in the group)."""
        if not self.held_seminars or not self.size:
            return None
        return round(100 * self.stable_members / self.size)


class WorkingGroupMemberQuerySet(models.QuerySet):
    def current(self, today: date):
        """Members still in the group: a member removed today has left."""
        return self.filter(Q(left_on__isnull=True) | Q(left_on__gt=today))

    def former(self, today: date):
        return self.filter(left_on__lte=today)

    def with_seminars_attended(self):
        """Annotate ``seminars_attended``: the held local seminars of the member's
        own territory they were present at (what the group's stability counts)."""
        return self.annotate(
            seminars_attended=Count(
                "attendances",
                filter=Q(
                    attendances__status=Attendance.Status.PRESENT,
                    attendances__seminar__kind=SeminarKind.LOCAL,
                    attendances__seminar__status=Seminar.Status.HELD,
                    attendances__seminar__participation=models.F("participation"),
                ),
            )
        )


class WorkingGroupMember(models.Model):
    """A local actor of a territory's working group (not a portal user)."""

    class College(models.TextChoices):
        STATE = "etat", _("Services de l'État")
        PLANNING_AGENCY = "agence", _("Agence d'urbanisme")
        CHAMBER = "chambre", _("Chambre consulaire")
        ASSOCIATION = "association", _("Association")
        INHABITANT = "habitant", _("Habitant")
        COMPANY = "entreprise", _("Entreprise")
        ELECTED = "elu", _("Élu")
        LOCAL_STAFF = "agent", _("Agent de collectivité")
        OTHER = "autre", _("Autre")

    participation = models.ForeignKey(
        Participation,
        verbose_name=_("participation"),
        on_delete=models.CASCADE,
        related_name="working_group",
    )
    first_name = models.CharField(_("prénom"), max_length=150)
    last_name = models.CharField(_("nom"), max_length=150)
    organisation = models.CharField(_("structure"), max_length=200, blank=True)
    college = models.CharField(_("collège"), max_length=20, choices=College.choices)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    joined_on = models.DateField(_("arrivé le"), null=True, blank=True)
    left_on = models.DateField(_("parti le"), null=True, blank=True)
    anonymised_on = models.DateField(
        _("anonymisé le"),
        null=True,
        blank=True,
        help_text=_("Nom et coordonnées effacés (durée de conservation écoulée ou demande)."),
    )

    # Audit trail: who changed what and when, shown in the admin.
    history = HistoricalRecords()

    objects = WorkingGroupMemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("membre du groupe de travail")
        verbose_name_plural = _("groupe de travail")
        ordering = ["participation", "last_name", "first_name"]
        indexes = [models.Index(fields=["participation", "left_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(joined_on__isnull=True)
                | Q(left_on__isnull=True)
                | Q(left_on__gte=models.F("joined_on")),
                name="working_group_member_dates_ordered",
                violation_error_message=_("La date de départ ne peut précéder l'arrivée."),
            )
        ]

    def __str__(self):
        return f"{self.first_name} {self.last_name}"


class AnctDelegate(models.Model):
    """The ANCT's territorial delegate of a département (the prefect) and the
    deputy delegate: whom a territory asks for tailored engineering support
    after its Fabrique. Kept by ANCT staff in the back-office."""

    class Role(models.TextChoices):
        DELEGATE = "delegue", _("Délégué territorial (préfet)")
        DEPUTY = "adjoint", _("Délégué territorial adjoint")

    departement = models.ForeignKey(
        Departement,
        verbose_name=_("département"),
        on_delete=models.CASCADE,
        related_name="anct_delegates",
    )
    role = models.CharField(_("rôle"), max_length=10, choices=Role.choices)
    full_name = models.CharField(_("nom complet"), max_length=200)
    title = models.CharField(
        _("fonction"), max_length=200, help_text=_("Ex. : préfète de la Savoie.")
    )
    email = models.EmailField(_("e-mail"))
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("délégué territorial de l'ANCT")
        verbose_name_plural = _("délégués territoriaux de l'ANCT")
        ordering = ["departement", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["departement", "role"],
                name="anct_delegate_once_per_role",
                violation_error_message=_("Ce département a déjà un délégué pour ce rôle."),
            )
        ]

    def __str__(self):
        return f"{self.full_name} ({self.get_role_display()}, {self.departement_id})"

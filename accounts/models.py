from datetime import timedelta

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fabriques.models import PrestataireContract, TeamMember


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        if not extra_fields["is_staff"] or not extra_fields["is_superuser"]:
            raise ValueError("A superuser must have is_staff and is_superuser set")
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, email):
        return self.get(email__iexact=email)


class User(AbstractBaseUser, PermissionsMixin):
    """A person of the portal, identified by e-mail.

    Élus, référents, consultants and COPIL members are users even before they
    first log in (unusable password until they accept an invitation), so that
    every role in the back-office points to one person.
    """

    email = models.EmailField(_("adresse e-mail"), unique=True)
    first_name = models.CharField(_("prénom"), max_length=150, blank=True)
    last_name = models.CharField(_("nom"), max_length=150, blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    is_staff = models.BooleanField(
        _("équipe ANCT"),
        default=False,
        help_text=_("Accès au back-office et au tableau de bord de l'ANCT."),
    )
    is_active = models.BooleanField(_("actif"), default=True)
    date_joined = models.DateTimeField(_("inscrit le"), default=timezone.now)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("utilisateur")
        verbose_name_plural = _("utilisateurs")
        ordering = ["last_name", "first_name", "email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self):
        return self.get_full_name() or self.email

    def clean(self):
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def get_full_name(self):
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self):
        return self.first_name or self.email


INVITATION_VALIDITY = timedelta(days=7)


class InvitationQuerySet(models.QuerySet):
    """Status filters computed from the dates, so they never disagree with `status`."""

    def open(self):
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True)

    def pending(self, now=None):
        return self.open().filter(expires_at__gt=now or timezone.now())

    def with_status(self, status: str, now=None):
        now = now or timezone.now()
        match status:
            case Invitation.Status.PENDING:
                return self.pending(now)
            case Invitation.Status.ACCEPTED:
                return self.filter(accepted_at__isnull=False)
            case Invitation.Status.REVOKED:
                return self.filter(revoked_at__isnull=False)
            case Invitation.Status.EXPIRED:
                return self.open().filter(expires_at__lte=now)
        return self

    def same_scope_as(self, invitation: "Invitation"):
        return self.filter(
            email__iexact=invitation.email,
            kind=invitation.kind,
            fabrique=invitation.fabrique_id,
            participation=invitation.participation_id,
            organisation=invitation.organisation_id,
        )


class Invitation(models.Model):
    """An e-mailed offer of one role on one scope, accepted through a single-use link.

    Only the SHA-256 of the link's token is stored: someone who reads the
    database (or a backup) cannot use a pending invitation.
    """

    class Kind(models.TextChoices):
        PRESTATAIRE = "prestataire", _("Membre de l'équipe du prestataire")
        ELU = "elu", _("Élu référent")
        AGENT = "agent", _("Agent référent")
        COPIL = "copil", _("Membre du COPIL")

    class Status(models.TextChoices):
        PENDING = "pending", _("En attente")
        ACCEPTED = "accepted", _("Acceptée")
        REVOKED = "revoked", _("Révoquée")
        EXPIRED = "expired", _("Expirée")

    FABRIQUE_KINDS = (Kind.PRESTATAIRE, Kind.COPIL)
    PARTICIPATION_KINDS = (Kind.ELU, Kind.AGENT)

    email = models.EmailField(_("adresse e-mail"))
    first_name = models.CharField(_("prénom"), max_length=150, blank=True)
    last_name = models.CharField(_("nom"), max_length=150, blank=True)
    kind = models.CharField(_("rôle"), max_length=20, choices=Kind.choices)
    fabrique = models.ForeignKey(
        "fabriques.Fabrique",
        verbose_name=_("Fabrique"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="invitations",
        help_text=_("Pour un membre de l'équipe du prestataire ou du COPIL."),
    )
    participation = models.ForeignKey(
        "territories.Participation",
        verbose_name=_("participation"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="invitations",
        help_text=_("Pour un élu ou un agent référent."),
    )
    organisation = models.ForeignKey(
        "fabriques.Organisation",
        verbose_name=_("organisation représentée"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invitations",
        help_text=_("Pour un membre du COPIL."),
    )
    team_role = models.CharField(
        _("rôle dans l'équipe"),
        max_length=20,
        choices=TeamMember.Role.choices,
        blank=True,
        help_text=_("Pour un membre de l'équipe du prestataire."),
    )
    function = models.CharField(
        _("fonction"), max_length=200, blank=True, help_text=_("Ex. : maire, vice-présidente.")
    )
    starts_on = models.DateField(
        _("rôle à partir du"),
        null=True,
        blank=True,
        help_text=_("Par défaut : le jour où l'invitation est acceptée."),
    )
    token_hash = models.CharField(_("empreinte du lien"), max_length=64, editable=False)
    expires_at = models.DateTimeField(_("expire le"))
    sent_at = models.DateTimeField(_("envoyée le"), null=True, blank=True)
    send_count = models.PositiveSmallIntegerField(_("nombre d'envois"), default=0)
    accepted_at = models.DateTimeField(_("acceptée le"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acceptée par"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("révoquée le"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("révoquée par"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invitée par"),
        on_delete=models.PROTECT,
        related_name="invitations_sent",
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The staff list: most recent first, optionally only the open ones.
            models.Index(fields=["-created_at", "-id"], name="invitation_recent_idx"),
            models.Index(
                fields=["expires_at"],
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_open_expiry_idx",
            ),
            # The duplicate check on creation.
            models.Index(fields=["email", "kind"], name="invitation_email_kind_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["token_hash"], name="invitation_token_hash_unique"),
            models.CheckConstraint(
                condition=(
                    Q(kind__in=["prestataire", "copil"])
                    & Q(fabrique__isnull=False)
                    & Q(participation__isnull=True)
                )
                | (
                    Q(kind__in=["elu", "agent"])
                    & Q(participation__isnull=False)
                    & Q(fabrique__isnull=True)
                ),
                name="invitation_scope_matches_kind",
                violation_error_message=_(
                    "Un rôle d'équipe ou de COPIL vise une Fabrique ; "
                    "un rôle de référent vise une participation."
                ),
            ),
            models.CheckConstraint(
                condition=(Q(kind="copil") & Q(organisation__isnull=False))
                | (~Q(kind="copil") & Q(organisation__isnull=True)),
                name="invitation_copil_has_organisation",
                violation_error_message=_(
                    "Seul un membre du COPIL représente une organisation, et il en représente une."
                ),
            ),
            models.CheckConstraint(
                condition=(Q(kind="prestataire") & ~Q(team_role=""))
                | (~Q(kind="prestataire") & Q(team_role="")),
                name="invitation_prestataire_has_team_role",
                violation_error_message=_(
                    "Seul un membre de l'équipe du prestataire a un rôle dans l'équipe, "
                    "et il en a un."
                ),
            ),
            models.CheckConstraint(
                condition=Q(accepted_at__isnull=True) | Q(accepted_by__isnull=False),
                name="invitation_accepted_has_user",
            ),
        ]

    def __str__(self):
        return f"{self.email} — {self.get_kind_display()} — {self.scope_label}"

    @property
    def scope_label(self) -> str:
        """The Fabrique, or the territory and its Fabrique (select them to avoid queries)."""
        if self.participation_id:
            fabrique = self.participation.fabrique.display_title
            return f"{self.participation.territory} — {fabrique}"
        return self.fabrique.display_title if self.fabrique_id else ""

    @property
    def role_label(self) -> str:
        """The role as the invitee reads it, e.g. « Élu référent (maire) »."""
        if self.kind == self.Kind.PRESTATAIRE:
            label = self.get_team_role_display()
        else:
            label = self.get_kind_display()
        return f"{label} ({self.function})" if self.function else str(label)

    def status_on(self, now) -> str:
        if self.revoked_at:
            return self.Status.REVOKED
        if self.accepted_at:
            return self.Status.ACCEPTED
        if self.expires_at <= now:
            return self.Status.EXPIRED
        return self.Status.PENDING

    @property
    def status(self) -> str:
        return self.status_on(timezone.now())

    @property
    def status_label(self) -> str:
        return self.Status(self.status).label

    def clean(self):
        super().clean()
        self.email = User.objects.normalize_email(self.email).lower()
        errors = {}
        if self.kind in self.FABRIQUE_KINDS and not self.fabrique_id:
            errors["fabrique"] = _("Choisissez la Fabrique.")
        if self.kind in self.PARTICIPATION_KINDS and not self.participation_id:
            errors["participation"] = _("Choisissez la participation (territoire et Fabrique).")
        if self.kind == self.Kind.COPIL and not self.organisation_id:
            errors["organisation"] = _("Choisissez l'organisation que la personne représente.")
        if self.kind == self.Kind.PRESTATAIRE:
            if not self.team_role:
                errors["team_role"] = _("Choisissez son rôle dans l'équipe du prestataire.")
            if (
                self.fabrique_id
                and not PrestataireContract.objects.filter(fabrique=self.fabrique_id).exists()
            ):
                errors["fabrique"] = _(
                    "Cette Fabrique n'a pas encore de marché de prestataire : "
                    "enregistrez-le dans le back-office avant d'inviter son équipe."
                )
        if errors:
            raise ValidationError(errors)

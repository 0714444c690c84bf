"""Invitations: how a person gets a role on the portal, and how a référent
hands theirs over to a successor.

A role is granted only by accepting an invitation, through a single-use link
e-mailed to the person: following the link proves they control the address,
so their allauth e-mail address is then verified.
"""

import hashlib
import secrets
from datetime import date, timedelta

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fabriques.models import CopilMember, PrestataireContract, TeamMember
from territories.models import ParticipationContact

from .emails import absolute_url, send_templated_email
from .models import INVITATION_VALIDITY, Invitation, User


class InvitationLinkError(ValidationError):
    """An invitation link that cannot be used; ``code`` says why: invalid,
    used, revoked or expired."""


LINK_ERRORS = {
    "invalid": gettext_lazy(
        "Ce lien d'invitation n'est pas valide. Vérifiez que vous avez copié le lien "
        "en entier depuis l'e-mail, ou demandez une nouvelle invitation à l'équipe de l'ANCT."
    ),
    "used": gettext_lazy(
        "Cette invitation a déjà été utilisée. Connectez-vous avec votre adresse e-mail "
        "et votre mot de passe."
    ),
    "revoked": gettext_lazy(
        "Cette invitation a été annulée par l'équipe de l'ANCT. Si vous pensez que c'est "
        "une erreur, contactez l'équipe de l'ANCT."
    ),
    "expired": gettext_lazy(
        "Cette invitation a expiré : un lien d'invitation est valable 7 jours. "
        "Demandez à l'équipe de l'ANCT de vous la renvoyer."
    ),
}
STATUS_ERRORS = {
    Invitation.Status.ACCEPTED: "used",
    Invitation.Status.REVOKED: "revoked",
    Invitation.Status.EXPIRED: "expired",
}


def _link_error(code: str) -> InvitationLinkError:
    return InvitationLinkError(LINK_ERRORS[code], code=code)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _issue_link(invitation: Invitation, *, now) -> str:
    """Give the invitation a new link and a new week; the previous link stops
    working because only the new token's hash is kept."""
    token = secrets.token_urlsafe(32)
    invitation.token_hash = _token_hash(token)
    invitation.expires_at = now + INVITATION_VALIDITY
    invitation.sent_at = now
    invitation.send_count += 1
    return token


def _send_after_commit(invitation: Invitation, *, token: str, inviter: User, request) -> None:
    # The context is built now, while the rows are at hand; the e-mail leaves
    # only once the link it carries is committed.
    participation = invitation.participation
    fabrique = participation.fabrique if participation else invitation.fabrique
    context = {
        "first_name": invitation.first_name,
        "inviter": inviter.get_full_name() or inviter.email,
        "role": invitation.role_label,
        "fabrique_title": fabrique.title,
        "territory": participation.territory.name if participation else "",
        "organisation": str(invitation.organisation) if invitation.organisation_id else "",
        "starts_on": invitation.starts_on,
        "expires_at": invitation.expires_at,
        "accept_url": absolute_url(reverse("invitations:accept", args=[token]), request=request),
    }
    transaction.on_commit(
        lambda: send_templated_email(
            template="invitation", to=[invitation.email], context=context, request=request
        )
    )


def _refuse_duplicate(invitation: Invitation, *, now) -> None:
    pending = Invitation.objects.pending(now).same_scope_as(invitation).exclude(pk=invitation.pk)
    if pending.exists():
        raise ValidationError(
            _(
                "Une invitation est déjà en attente pour %(email)s sur ce rôle : "
                "renvoyez-la depuis la liste des invitations plutôt que d'en créer une autre."
            ),
            code="duplicate",
            params={"email": invitation.email},
        )


def _conflicting_roles(invitation: Invitation, user: User, *, starts_on: date):
    """The role rows that accepting would duplicate. A team or COPIL row is
    unique per person whatever its dates; a territory role may come back after
    it ended (an élu re-elected after a break)."""
    match invitation.kind:
        case Invitation.Kind.PRESTATAIRE:
            return TeamMember.objects.filter(
                contract__fabrique=invitation.fabrique_id, user=user, role=invitation.team_role
            )
        case Invitation.Kind.COPIL:
            return CopilMember.objects.filter(
                fabrique=invitation.fabrique_id, organisation=invitation.organisation_id, user=user
            )
        case _:
            return ParticipationContact.objects.filter(
                participation=invitation.participation_id, user=user, role=invitation.kind
            ).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=starts_on))


def _refuse_role_held(invitation: Invitation, user: User | None, *, starts_on: date) -> None:
    if user is not None and _conflicting_roles(invitation, user, starts_on=starts_on).exists():
        raise ValidationError(
            _(
                "%(email)s a déjà ce rôle. S'il s'agit de le lui rendre après une "
                "interruption, modifiez les dates de son rôle dans le back-office."
            ),
            code="role_held",
            params={"email": invitation.email},
        )


def _user_with_email(email: str) -> User | None:
    return User.objects.filter(email__iexact=email).first()


@transaction.atomic
def invitation_create(
    *,
    email: str,
    kind: str,
    fabrique=None,
    participation=None,
    organisation=None,
    team_role: str | None = None,
    function: str = "",
    starts_on: date | None = None,
    first_name: str = "",
    last_name: str = "",
    by: User,
    request=None,
) -> Invitation:
    """Invite a person to one role on one scope and e-mail them the link."""
    now = timezone.now()
    invitation = Invitation(
        email=email,
        kind=kind,
        fabrique=fabrique,
        participation=participation,
        organisation=organisation,
        team_role=team_role or "",
        function=function,
        starts_on=starts_on,
        first_name=first_name,
        last_name=last_name,
        invited_by=by,
    )
    token = _issue_link(invitation, now=now)
    invitation.full_clean()
    _refuse_duplicate(invitation, now=now)
    _refuse_role_held(
        invitation,
        _user_with_email(invitation.email),
        starts_on=starts_on or timezone.localdate(now),
    )
    invitation.save()
    _send_after_commit(invitation, token=token, inviter=by, request=request)
    return invitation


@transaction.atomic
def invitation_resend(*, invitation: Invitation, by: User, request=None) -> Invitation:
    """A new link for a pending or expired invitation: the old link dies and
    the week starts again."""
    now = timezone.now()
    _refuse_duplicate(invitation, now=now)
    token = _issue_link(invitation, now=now)
    # Conditional, so an invitation accepted or revoked meanwhile is left alone.
    updated = (
        Invitation.objects.open()
        .filter(pk=invitation.pk)
        .update(
            token_hash=invitation.token_hash,
            expires_at=invitation.expires_at,
            sent_at=invitation.sent_at,
            send_count=invitation.send_count,
        )
    )
    if not updated:
        invitation.refresh_from_db()
        if invitation.accepted_at:
            raise ValidationError(
                _("Cette invitation a déjà été acceptée : il n'y a rien à renvoyer."),
                code="accepted",
            )
        raise ValidationError(
            _("Cette invitation a été révoquée : créez-en une nouvelle si besoin."),
            code="revoked",
        )
    _send_after_commit(invitation, token=token, inviter=by, request=request)
    return invitation


def invitation_revoke(*, invitation: Invitation, by: User) -> Invitation:
    """Kill the link of an invitation not yet accepted."""
    now = timezone.now()
    # Conditional, so an acceptance racing with the revocation wins or loses whole.
    updated = (
        Invitation.objects.open().filter(pk=invitation.pk).update(revoked_at=now, revoked_by=by)
    )
    if not updated:
        invitation.refresh_from_db()
        if invitation.accepted_at:
            raise ValidationError(
                _("Cette invitation a déjà été acceptée : retirez le rôle dans le back-office."),
                code="accepted",
            )
        raise ValidationError(_("Cette invitation est déjà révoquée."), code="revoked")
    invitation.revoked_at, invitation.revoked_by = now, by
    return invitation


def invitation_from_token(token: str) -> Invitation:
    """The pending invitation of a link, or an InvitationLinkError saying why not."""
    invitation = (
        Invitation.objects.select_related(
            "fabrique",
            "participation__territory",
            "participation__fabrique",
            "organisation",
            "invited_by",
        )
        .filter(token_hash=_token_hash(token))
        .first()
    )
    if invitation is None:
        raise _link_error("invalid")
    status = invitation.status
    if status != Invitation.Status.PENDING:
        raise _link_error(STATUS_ERRORS[status])
    return invitation


def _grant_role(invitation: Invitation, user: User, *, starts_on: date):
    match invitation.kind:
        case Invitation.Kind.PRESTATAIRE:
            contract = PrestataireContract.objects.filter(fabrique=invitation.fabrique_id).first()
            if contract is None:
                # The contract was removed after the invitation was sent.
                raise ValidationError(
                    _(
                        "Cette Fabrique n'a plus de marché de prestataire : "
                        "contactez l'équipe de l'ANCT."
                    ),
                    code="no_contract",
                )
            return TeamMember.objects.create(
                contract=contract, user=user, role=invitation.team_role, starts_on=starts_on
            )
        case Invitation.Kind.COPIL:
            # An organisation's seat may wait for its representative (a row
            # without a person): the invitee takes it rather than a second seat.
            seat = (
                CopilMember.objects.filter(
                    fabrique=invitation.fabrique_id,
                    organisation=invitation.organisation_id,
                    user__isnull=True,
                )
                .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=starts_on))
                .order_by("pk")
                .first()
            )
            if seat is None:
                return CopilMember.objects.create(
                    fabrique_id=invitation.fabrique_id,
                    organisation_id=invitation.organisation_id,
                    user=user,
                    function=invitation.function,
                    starts_on=starts_on,
                )
            seat.user, seat.starts_on = user, starts_on
            seat.function = invitation.function or seat.function
            seat.save(update_fields=["user", "starts_on", "function"])
            return seat
        case _:
            return ParticipationContact.objects.create(
                participation_id=invitation.participation_id,
                user=user,
                role=invitation.kind,
                function=invitation.function,
                starts_on=starts_on,
            )


def _mark_address_verified(user: User, email: str) -> None:
    """The invited address becomes the verified primary one: allauth then lets
    the person log in without a confirmation e-mail."""
    addresses = EmailAddress.objects.filter(user=user)
    addresses.filter(primary=True).exclude(email__iexact=email).update(primary=False)
    if not addresses.filter(email__iexact=email).update(verified=True, primary=True):
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User):
    """Grant the invitation's role to ``user`` (who must own the invited
    address) and return the role row. A link works once."""
    if user.email.lower() != invitation.email.lower():
        raise ValidationError(
            _(
                "Cette invitation est adressée à %(email)s : connectez-vous avec cette "
                "adresse pour l'accepter."
            ),
            code="wrong_user",
            params={"email": invitation.email},
        )
    if not user.is_active:
        raise ValidationError(
            _("Ce compte est désactivé : contactez l'équipe de l'ANCT."), code="inactive"
        )
    now = timezone.now()
    # Claiming the invitation with one conditional UPDATE makes the link
    # single-use even when two requests race.
    claimed = (
        Invitation.objects.pending(now)
        .filter(pk=invitation.pk)
        .update(accepted_at=now, accepted_by=user)
    )
    if not claimed:
        invitation.refresh_from_db()
        raise _link_error(STATUS_ERRORS.get(invitation.status_on(now), "invalid"))
    invitation.accepted_at, invitation.accepted_by = now, user
    starts_on = invitation.starts_on or timezone.localdate(now)
    _refuse_role_held(invitation, user, starts_on=starts_on)
    role = _grant_role(invitation, user, starts_on=starts_on)
    _mark_address_verified(user, invitation.email)
    return role


@transaction.atomic
def invitation_register(*, invitation: Invitation, first_name: str, last_name: str, password: str):
    """Accept for a person without an account yet: create it with their name and
    password, then grant the role (all or nothing). Return the role row."""
    user = _user_with_email(invitation.email)
    if user is None:
        user = User.objects.create_user(
            email=invitation.email, password=password, first_name=first_name, last_name=last_name
        )
    elif user.has_usable_password():
        raise ValidationError(
            _("Un compte existe déjà pour %(email)s : connectez-vous pour accepter l'invitation."),
            code="registered",
            params={"email": invitation.email},
        )
    else:
        # Recorded in the back-office before ever logging in: the same person,
        # who now chooses a first password.
        user.first_name, user.last_name = first_name, last_name
        user.set_password(password)
        user.save(update_fields=["first_name", "last_name", "password"])
    return invitation_accept(invitation=invitation, user=user)


@transaction.atomic
def role_hand_over(
    *,
    contact: ParticipationContact,
    successor_email: str,
    first_name: str,
    last_name: str,
    on: date,
    by: User,
    request=None,
) -> Invitation:
    """End a référent's role the day before ``on`` and invite the successor to
    the same role and function from that day. Rows are kept: history says who
    held the role when."""
    last_day = on - timedelta(days=1)
    if contact.starts_on and last_day < contact.starts_on:
        raise ValidationError(
            {
                "on": _("La passation doit suivre le début du rôle actuel (le %(date)s).")
                % {"date": date_format(contact.starts_on)}
            }
        )
    if contact.ends_on and contact.ends_on < last_day:
        raise ValidationError(
            {
                "on": _("Ce rôle a déjà pris fin le %(date)s.")
                % {"date": date_format(contact.ends_on)}
            }
        )
    if successor_email.strip().lower() == contact.user.email.lower():
        raise ValidationError(
            {"successor_email": _("La personne qui succède doit être une autre personne.")}
        )
    # Invite first: if the invitation is refused, the role is left untouched.
    invitation = invitation_create(
        email=successor_email,
        kind=contact.role,
        participation=contact.participation,
        function=contact.function,
        starts_on=on,
        first_name=first_name,
        last_name=last_name,
        by=by,
        request=request,
    )
    contact.ends_on = last_day
    contact.save(update_fields=["ends_on"])
    return invitation

"""Territories joining and leaving a Fabrique."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from seminars.services import (
    seminar_template_default,
    seminars_cancel_future,
    seminars_plan_local,
)

from .models import Participation, WorkingGroupMember


@transaction.atomic
def participation_propose(*, fabrique, territory, on: date | None = None, by=None) -> Participation:
    """The COPIL proposes a territory (there is no call for applications)."""
    if Participation.objects.filter(fabrique=fabrique, territory=territory).exists():
        raise ValidationError(_("Ce territoire participe déjà à cette Fabrique."))
    return Participation.objects.create(
        fabrique=fabrique,
        territory=territory,
        status=Participation.Status.PROPOSED,
        proposed_on=on or timezone.localdate(),
    )


@transaction.atomic
def participation_confirm(*, participation: Participation, on: date | None = None, by=None):
    """Confirm a proposed territory and plan its immersion day and local seminars."""
    participation = (
        Participation.objects.select_for_update()
        .select_related("fabrique")
        .get(pk=participation.pk)
    )
    if participation.status == Participation.Status.WITHDRAWN:
        raise ValidationError(
            _(
                "%(territory)s s'est retiré de la Fabrique : "
                "sa participation ne peut être confirmée."
            )
            % {"territory": participation.territory}
        )
    if participation.status != Participation.Status.CONFIRMED:
        participation.status = Participation.Status.CONFIRMED
        participation.confirmed_on = on or timezone.localdate()
        participation.save(update_fields=["status", "confirmed_on"])
    fabrique = participation.fabrique
    template = fabrique.seminar_template or seminar_template_default()
    if template is not None:
        seminars_plan_local(participation=participation, template=template)
    return participation


@transaction.atomic
def participation_withdraw(
    *, participation: Participation, reason: str = "", on: date | None = None, by=None
) -> Participation:
    """Withdraw a territory: its future seminars are cancelled, its history kept."""
    participation = Participation.objects.select_for_update().get(pk=participation.pk)
    if participation.status == Participation.Status.WITHDRAWN:
        return participation
    on = on or timezone.localdate()
    participation.status = Participation.Status.WITHDRAWN
    participation.withdrawn_on = on
    participation.withdrawal_reason = reason
    participation.save(update_fields=["status", "withdrawn_on", "withdrawal_reason"])
    seminars_cancel_future(participation=participation, on=on)
    return participation


# --- The local working group ------------------------------------------------------

# What the référents may edit on a member; leaving goes through the removal.
WORKING_GROUP_MEMBER_FIELDS = (
    "first_name",
    "last_name",
    "organisation",
    "college",
    "email",
    "phone",
    "joined_on",
)


@transaction.atomic
def working_group_member_add(
    *,
    participation: Participation,
    first_name: str,
    last_name: str,
    college: str,
    organisation: str = "",
    email: str = "",
    phone: str = "",
    joined_on: date | None = None,
    by=None,
) -> WorkingGroupMember:
    """Add a local actor to the territory's working group (joining today unless
    told otherwise)."""
    member = WorkingGroupMember(
        participation=participation,
        first_name=first_name,
        last_name=last_name,
        college=college,
        organisation=organisation,
        email=email,
        phone=phone,
        joined_on=joined_on or timezone.localdate(),
    )
    member.full_clean()
    member.save()
    return member


@transaction.atomic
def working_group_member_update(
    *, member: WorkingGroupMember, changes: dict[str, object], by=None
) -> WorkingGroupMember:
    """Correct a member's details; ``changes`` maps field names to new values."""
    unknown = set(changes) - set(WORKING_GROUP_MEMBER_FIELDS)
    if unknown:
        raise ValueError(f"Not editable on a working-group member: {sorted(unknown)}")
    if not changes:
        return member
    for name, value in changes.items():
        setattr(member, name, value)
    member.full_clean()
    member.save(update_fields=list(changes))
    return member


@transaction.atomic
def working_group_member_remove(
    *, member: WorkingGroupMember, on: date | None = None, by=None
) -> WorkingGroupMember:
    """A member leaves the group: the row stays, with its departure date, so the
    attendance history and the group's stability keep their meaning."""
    on = on or timezone.localdate()
    if member.left_on is not None and member.left_on <= on:
        return member
    if member.joined_on is not None and member.joined_on > on:
        raise ValidationError(
            _("%(member)s ne rejoint le groupe que le %(day)s : modifiez plutôt sa date d'arrivée.")
            % {"member": member, "day": f"{member.joined_on:%d/%m/%Y}"}
        )
    member.left_on = on
    member.save(update_fields=["left_on"])
    return member

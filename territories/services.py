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

from .models import Participation


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

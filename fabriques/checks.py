"""What ANCT staff should look at in a Fabrique: the method's rules of thumb
that the data does not (yet) meet. They are warnings, not errors: a Fabrique
being set up is incomplete by nature."""

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from territories.models import WORKING_GROUP_TARGET, Participation

from .models import CopilMember, Fabrique, Organisation

TERRITORIES_TARGET = range(4, 9)  # 4 to 8 volunteer territories


def fabrique_warnings(fabrique: Fabrique, *, today=None) -> list[str]:
    today = today or timezone.localdate()
    warnings = []
    participations = list(
        Participation.objects.confirmed()
        .filter(fabrique=fabrique)
        .select_related("territory")
        .annotate(group_size=Count("working_group", filter=Q(working_group__left_on__isnull=True)))
    )
    count = len(participations)
    if count not in TERRITORIES_TARGET:
        warnings.append(
            ngettext(
                "La Fabrique compte %(count)d territoire confirmé : "
                "la méthode en prévoit de 4 à 8.",
                "La Fabrique compte %(count)d territoires confirmés : "
                "la méthode en prévoit de 4 à 8.",
                count,
            )
            % {"count": count}
        )
    warnings.extend(_copil_warnings(fabrique, today=today))
    for participation in participations:
        if participation.group_size not in WORKING_GROUP_TARGET:
            warnings.append(
                _(
                    "Le groupe de travail de %(territory)s compte %(size)d membres : "
                    "la méthode en prévoit de 15 à 20."
                )
                % {"territory": participation.territory, "size": participation.group_size}
            )
    return warnings


def _copil_warnings(fabrique: Fabrique, *, today) -> list[str]:
    seats = list(
        CopilMember.objects.active_on(today)
        .filter(fabrique=fabrique)
        .values_list("organisation_id", "organisation__kind")
    )
    kinds = {kind for _org, kind in seats}
    organisations = {org for org, _kind in seats}
    warnings = []
    if Organisation.Kind.ELECTED_OFFICIALS not in kinds:
        warnings.append(_("Le COPIL ne compte aucune association d'élus."))
    if fabrique.anct_programme_id:
        if fabrique.anct_programme_id not in organisations:
            warnings.append(
                _("Le programme %(programme)s n'est pas représenté au COPIL.")
                % {"programme": fabrique.anct_programme.name}
            )
    elif Organisation.Kind.ANCT not in kinds:
        warnings.append(_("Le COPIL ne compte pas le programme de l'ANCT concerné."))
    if Organisation.Kind.RESEARCH not in kinds:
        warnings.append(_("Le COPIL ne compte aucun chercheur ou organisme de recherche."))
    return warnings


def participation_warnings(participation: Participation) -> list[str]:
    size = participation.working_group.filter(left_on__isnull=True).count()
    if size in WORKING_GROUP_TARGET:
        return []
    return [
        _("Le groupe de travail compte %(size)d membres : la méthode en prévoit de 15 à 20.")
        % {"size": size}
    ]

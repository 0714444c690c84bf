"""The yearly cycle of a Fabrique, as the only way views, admin and commands
change it."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from seminars.services import (
    seminar_template_default,
    seminars_plan_intersite,
    seminars_replan_windows,
)

from .models import Fabrique


@transaction.atomic
def fabrique_create(*, fabrique: Fabrique, template=None, by=None) -> Fabrique:
    """Save a new Fabrique and plan its intersite seminars from its path.

    ``fabrique`` is an unsaved instance (as the admin's form builds it);
    ``template`` defaults to the Fabrique's own path, then to ANCT's default.
    """
    fabrique.seminar_template = template or fabrique.seminar_template or seminar_template_default()
    if fabrique.seminar_template is None:
        raise ValidationError(_("Aucun parcours de séminaires par défaut n'est défini."))
    fabrique.full_clean(exclude=["transitions", "partners"])
    fabrique.save()
    seminars_plan_intersite(fabrique=fabrique, template=fabrique.seminar_template)
    return fabrique


@transaction.atomic
def fabrique_update(*, fabrique: Fabrique, changed_fields: list[str], by=None) -> int:
    """Save an edited Fabrique; when its year moved, re-place the seminars whose
    date is not fixed yet. Returns how many seminars moved."""
    fabrique.save()
    if "start_date" in changed_fields or "seminar_template" in changed_fields:
        return seminars_replan_windows(fabrique=fabrique)
    return 0

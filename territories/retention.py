"""Working-group members are anonymised once their data has served.

They are not account holders: people of the territory who came to the local
seminars. Their names and contact details are kept for the Fabrique and its
six-month follow-up, then ``WORKING_GROUP_RETENTION_YEARS`` more years (3 by
default, see accounts/personal_data.yaml), and then erased from the row. The
row itself stays (with its college, organisation and attendance), so the
Fabrique's figures do not change; PDFs rendered afterwards show the
anonymised name.
"""

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat

from accounts.personal_data import admin_log_anonymise

from .models import WorkingGroupMember

ANONYMOUS_FIRST_NAME = "Membre"


@dataclass(frozen=True)
class RetentionReport:
    cutoff: date
    member_ids: list[int]


def retention_cutoff(today: date, years: int) -> date:
    """Fabriques whose follow-up fell due on or before this day have had
    their retention time."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def members_past_retention(*, today: date, years: int | None = None):
    years = settings.WORKING_GROUP_RETENTION_YEARS if years is None else years
    return WorkingGroupMember.objects.filter(
        anonymised_on__isnull=True,
        participation__fabrique__follow_up_due_date__lte=retention_cutoff(today, years),
    )


def _anonymous(id_field: str) -> dict:
    return {
        "first_name": Value(ANONYMOUS_FIRST_NAME),
        "last_name": Concat(Value("anonymisé n° "), F(id_field)),
        "email": "",
        "phone": "",
    }


def working_group_members_anonymise(*, members, today: date) -> int:
    """Erase the names and contact details of ``members`` (a queryset), in one
    update; the row, its college, organisation and attendance stay. Their past
    versions in the audit trail and the admin's log forget them too (first,
    while ``members`` still selects them)."""
    WorkingGroupMember.history.filter(id__in=members.values("pk")).update(**_anonymous("id"))
    admin_log_anonymise(members, prefix=f"{ANONYMOUS_FIRST_NAME} anonymisé n° ")
    return members.update(**_anonymous("pk"), anonymised_on=today)


@transaction.atomic
def retention_sweep(
    *, today: date, years: int | None = None, dry_run: bool = False
) -> RetentionReport:
    years = settings.WORKING_GROUP_RETENTION_YEARS if years is None else years
    members = members_past_retention(today=today, years=years)
    report = RetentionReport(
        cutoff=retention_cutoff(today, years),
        member_ids=list(members.order_by("pk").values_list("pk", flat=True)),
    )
    if not dry_run:
        working_group_members_anonymise(members=members, today=today)
    return report

"""Working-group members are anonymised N years after their Fabrique's
follow-up, by the daily task and by a command with --dry-run."""

from datetime import date, timedelta

import pytest
from django.core.management import call_command

from territories.models import WorkingGroupMember
from territories.retention import retention_sweep
from territories.tasks import anonymise_working_groups_task
from tests.factories import (
    AttendanceFactory,
    FabriqueFactory,
    ParticipationFactory,
    SeminarFactory,
    WorkingGroupMemberFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def members():
    old = FabriqueFactory(start_date=date(2019, 1, 1))  # follow-up due in mid-2020
    recent = FabriqueFactory(start_date=date(2023, 1, 1))
    expired = WorkingGroupMemberFactory(
        participation=ParticipationFactory(fabrique=old),
        first_name="Jeanne",
        last_name="Dupont",
        email="jeanne.dupont@a.demo.invalid",
        phone="06 00 00 00 00",
    )
    kept = WorkingGroupMemberFactory(
        participation=ParticipationFactory(fabrique=recent), last_name="Martin"
    )
    AttendanceFactory(
        seminar=SeminarFactory(participation=expired.participation),
        user=None,
        working_group_member=expired,
    )
    return expired, kept, old


def test_members_past_their_retention_are_anonymised_and_the_others_kept(members):
    expired, kept, old = members
    today = date(old.follow_up_due_date.year + 3, 12, 31)
    report = retention_sweep(today=today, years=3)
    assert report.member_ids == [expired.pk]
    expired.refresh_from_db()
    kept.refresh_from_db()
    assert (expired.first_name, expired.last_name) == ("Membre", f"anonymisé n° {expired.pk}")
    assert (expired.email, expired.phone, expired.anonymised_on) == ("", "", today)
    # The row and its attendance stay: the Fabrique's figures do not change.
    assert expired.attendances.count() == 1
    assert kept.last_name == "Martin" and kept.anonymised_on is None


def test_not_a_day_before_the_retention_time(members):
    expired, _kept, old = members
    due = old.follow_up_due_date
    last_day_kept = due.replace(year=due.year + 3) - timedelta(days=1)
    assert retention_sweep(today=last_day_kept, years=3).member_ids == []
    assert retention_sweep(today=last_day_kept + timedelta(days=1), years=3).member_ids == [
        expired.pk
    ]


def test_the_dry_run_lists_and_changes_nothing(members, capsys):
    expired, _kept, old = members
    day = f"{old.follow_up_due_date.year + 4}-01-01"  # the recent Fabrique's members stay
    call_command("anonymise_working_groups", "--dry-run", "--date", day)
    out = capsys.readouterr().out
    assert "1 membre(s) de groupe de travail seraient anonymisés" in out
    assert str(expired.pk) in out
    assert WorkingGroupMember.objects.get(pk=expired.pk).last_name == "Dupont"


def test_the_daily_task_uses_the_configured_years(members, settings, time_machine):
    expired, _kept, old = members
    settings.WORKING_GROUP_RETENTION_YEARS = 1
    time_machine.move_to(f"{old.follow_up_due_date.year + 1}-12-31 12:00+01:00")
    assert anonymise_working_groups_task.delay().get() == 1
    assert WorkingGroupMember.objects.get(pk=expired.pk).first_name == "Membre"
    assert retention_sweep(today=date(2025, 1, 1)).member_ids == [], "already anonymised"

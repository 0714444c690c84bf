"""`manage.py send_reminders`: the same sweep as Celery beat, with a dry run
that lists what would go and neither sends nor writes anything."""

from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from reminders.models import Reminder

from .conftest import at

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("send_reminders", *args, stdout=out)
    return out.getvalue()


def test_dry_run_lists_what_would_go_and_sends_and_writes_nothing(life, clock):
    clock(at(2026, 5, 13))
    output = run("--dry-run")

    key = f"seminar:{life.seminar_a.pk}:seq0"
    assert "Simulation : 2 rappel(s) partiraient." in output
    assert f"- Séminaire dans sept jours → elu@a.demo.invalid ({key})" in output
    assert f"- Séminaire dans sept jours → referent@a.demo.invalid ({key})" in output
    assert mail.outbox == []
    assert Reminder.objects.count() == 0


def test_the_date_option_computes_what_is_due_that_day(life, clock):
    clock(at(2026, 5, 1))
    assert "Simulation : 0 rappel(s)" in run("--dry-run")
    assert "Simulation : 2 rappel(s)" in run("--dry-run", "--date", "2026-05-13")


def test_the_command_sends_and_summarises_in_french(life, clock):
    clock(at(2026, 5, 13))
    output = run()
    assert output.strip() == (
        "Rappels planifiés : 2 ; envoyés : 2 ; à retenter : 0 ; en échec : 0 ; caducs : 0."
    )
    assert len(mail.outbox) == 2
    assert "envoyés : 0" in run()
    assert len(mail.outbox) == 2


def test_a_malformed_date_is_refused():
    with pytest.raises(CommandError, match="AAAA-MM-JJ"):
        call_command("send_reminders", "--date", "13/05/2026")

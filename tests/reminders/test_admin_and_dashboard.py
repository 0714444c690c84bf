"""ANCT staff see the reminders that failed and send them again."""

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from reminders.models import Reminder
from reminders.services import failed_reminders
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def failed_reminder(**fields):
    return Reminder.objects.create(
        kind="note_late",
        object_key="seminar:7",
        due_on="2026-06-05",
        recipient=UserFactory(email="consultante@exemple.invalid"),
        state="failed",
        attempts=5,
        last_error="SMTPServerDisconnected",
        **fields,
    )


def test_the_dashboard_section_lists_failed_reminders():
    reminder = failed_reminder()
    Reminder.objects.create(
        kind="note_late", object_key="seminar:8", due_on="2026-06-05", recipient=reminder.recipient
    )
    html = render_to_string(
        "reminders/failed_reminders.html", {"failed_reminders": failed_reminders()}
    )
    assert "Rappels en échec" in html
    assert "consultante@exemple.invalid" in html and "SMTPServerDisconnected" in html
    assert reverse("admin:reminders_reminder_change", args=[reminder.pk]) in html
    assert html.count("<tr>") == 2  # the header and the failed one, not the pending one

    empty = render_to_string("reminders/failed_reminders.html", {"failed_reminders": []})
    assert "Aucun rappel en échec." in empty


def test_failed_reminders_are_limited_newest_first():
    user = UserFactory()
    for day in range(1, 4):
        Reminder.objects.create(
            kind="note_late",
            object_key="seminar:1",
            due_on=f"2026-06-0{day}",
            recipient=user,
            state="failed",
        )
    assert [str(r.due_on) for r in failed_reminders(limit=2)] == ["2026-06-03", "2026-06-02"]


def test_the_back_office_resends_failed_reminders(admin_client):
    reminder = failed_reminder()
    changelist = reverse("admin:reminders_reminder_changelist")
    assert admin_client.get(changelist, {"state__exact": "failed"}).status_code == 200
    response = admin_client.post(
        changelist, {"action": "resend", "_selected_action": [reminder.pk]}, follow=True
    )
    assert "1 rappel sera renvoyé au prochain passage." in response.content.decode()
    reminder.refresh_from_db()
    assert (reminder.state, reminder.attempts, reminder.last_error) == ("pending", 0, "")


def test_the_ledger_is_read_only_in_the_back_office(admin_client):
    reminder = failed_reminder()
    page = admin_client.get(reverse("admin:reminders_reminder_change", args=[reminder.pk]))
    assert page.status_code == 200
    assert b'name="state"' not in page.content
    assert admin_client.get(reverse("admin:reminders_reminder_add")).status_code == 403

"""`manage.py demo`: «Villes moyennes et transition écologique» replayed as a
Fabrique running now, on top of the imported real data, with one account per role."""

import hashlib
import subprocess
from io import StringIO

import pytest
from dateutil.relativedelta import relativedelta
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from accounts import demo_data as data
from accounts.demo import ANCT_STAFF_EMAIL, demo_accounts_ensure
from accounts.models import User
from accounts.roles import PORTAL_APPS
from deliverables.models import Action, GeneratedPdf, Roadmap
from fabriques.models import CopilMember, Fabrique, TeamMember
from seminars.models import Attendance, NoteVersion, Seminar
from territories.models import ParticipationContact

pytestmark = pytest.mark.django_db

PASSWORD = "fabrique-demo-2026"


@pytest.fixture(scope="module")
def imported(django_db_setup, django_db_blocker):
    """The real data, imported once for the module (about 2 s each time) inside
    a transaction rolled back afterwards: each test runs in a savepoint of it
    and the other modules still start from an empty database."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        call_command("import_geography", verbosity=0)
        call_command("import_fabriques", verbosity=0)
    yield
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def run_demo(password=PASSWORD):
    out = StringIO()
    call_command("demo", password=password, stdout=out)
    return out.getvalue()


def the_fabrique():
    return Fabrique.objects.get(slug__startswith="2019-villes-moyennes")


def row_counts():
    # The audit trail is left out: moving the demo's dates is a change it records.
    return {
        model._meta.label: model.objects.count()
        for label in PORTAL_APPS
        for model in apps.get_app_config(label).get_models()
        if not model._meta.label.split(".")[1].startswith("Historical")
    }


# Runs first, before the module's import: the database is still empty.
def test_without_the_imported_data_it_asks_to_run_the_imports():
    with pytest.raises(CommandError, match="import_geography.*import_fabriques"):
        run_demo()
    assert not User.objects.exists()


def test_the_demo_staff_account_logs_into_the_back_office(imported, client):
    printed = run_demo()
    assert ANCT_STAFF_EMAIL in printed and PASSWORD in printed
    assert client.login(email=ANCT_STAFF_EMAIL, password=PASSWORD)
    assert client.get("/admin/fabriques/fabrique/").status_code == 200


def test_running_it_again_keeps_one_account_and_takes_the_new_password(imported, client):
    run_demo("premier-mot-de-passe")
    run_demo("second-mot-de-passe")
    assert User.objects.filter(email=ANCT_STAFF_EMAIL).count() == 1
    assert client.login(email=ANCT_STAFF_EMAIL, password="second-mot-de-passe")
    assert not client.login(email=ANCT_STAFF_EMAIL, password="premier-mot-de-passe")


def test_email_login_ignores_case(imported, client):
    run_demo()
    assert client.login(email="ANCT@Demo.Invalid", password=PASSWORD)


def test_every_listed_account_logs_in_and_nobody_else_can(imported, client):
    lines = run_demo().splitlines()
    account_lines = [line for line in lines if "mot de passe :" in line]
    emails = [word for line in account_lines for word in line.split() if "@" in word]
    assert len(emails) == len(account_lines) == 6
    assert lines[-2:] == [
        "Portail : http://127.0.0.1:8000/",
        "Back-office : http://127.0.0.1:8000/admin/",
    ]
    for email in emails:
        assert client.login(email=email, password=PASSWORD), email
    usable = {user.email for user in User.objects.all() if user.has_usable_password()}
    assert usable == set(emails)


def test_each_role_has_its_own_account(imported):
    accounts = {account.email for account in demo_accounts_ensure(password=PASSWORD)}
    fabrique = the_fabrique()
    assert TeamMember.objects.filter(
        contract__fabrique=fabrique, user__email__in=accounts, role="chef_projet"
    ).exists()
    assert CopilMember.objects.filter(fabrique=fabrique, user__email__in=accounts).exists()
    contacts = ParticipationContact.objects.filter(user__email__in=accounts)
    assert set(contacts.values_list("participation__territory__name", "role")) == {
        ("Lorient", "elu"),
        ("Lorient", "agent"),
        ("Saint-Dié-des-Vosges", "elu"),
    }


def test_the_villes_moyennes_fabrique_is_running_today(imported):
    run_demo()
    fabrique = the_fabrique()
    today = timezone.localdate()
    assert fabrique.status == Fabrique.Status.RUNNING
    assert fabrique.covers(today)
    assert fabrique.start_date == today.replace(day=1) - relativedelta(months=7)
    assert set(fabrique.participations.values_list("confirmed_on", flat=True)) == {
        fabrique.start_date
    }


def test_the_team_pilots_every_territory_and_the_copil_has_people(imported):
    run_demo()
    fabrique = the_fabrique()
    team = fabrique.contract.team.select_related("user")
    assert sorted(member.role for member in team) == [
        "chef_projet",
        "consultant",
        "consultant",
        "directeur",
    ]
    assert all(m.user.email.endswith("@transition-territoires.demo.invalid") for m in team)
    assert not fabrique.participations.filter(lead_consultant__isnull=True).exists()
    seats = fabrique.copil.select_related("user", "organisation")
    assert len(seats) == 6
    assert all(seat.user.email.endswith("@copil.demo.invalid") for seat in seats)
    assert {seat.organisation.kind for seat in seats} >= {"anct", "universite_recherche"}


def test_each_territory_has_referents_and_a_working_group_on_its_domain(imported):
    run_demo()
    participations = the_fabrique().participations.select_related("territory")
    assert len(participations) == 4
    domains = {spec.code: spec.domain for spec in data.TERRITORIES}
    leavers = {}
    for participation in participations:
        domain = domains[participation.territory.official_code]
        contacts = participation.contacts.select_related("user")
        assert sorted(contact.role for contact in contacts) == ["agent", "elu"]
        assert all(contact.user.email.endswith(f"@{domain}") for contact in contacts)
        current = participation.working_group.filter(left_on__isnull=True)
        assert 15 <= current.count() <= 20
        assert all(member.email.endswith(f"@{domain}") for member in current)
        assert all(member.phone.startswith("01 99 00 ") for member in current)
        leavers[participation.territory.name] = participation.working_group.filter(
            left_on__isnull=False
        ).count()
    assert sorted(leavers.values()) == [0, 0, 0, 2]


def test_held_seminars_are_past_and_the_next_ones_have_a_date(imported):
    run_demo()
    fabrique = the_fabrique()
    now = timezone.now()
    seminars = list(fabrique.seminars.all())
    assert len(seminars) == 4 * 5 + 4
    held = [s for s in seminars if s.status == Seminar.Status.HELD]
    scheduled = [s for s in seminars if s.status == Seminar.Status.SCHEDULED]
    assert len(held) == 4 * 3 + 1 and len(scheduled) == 4
    for seminar in held + scheduled:
        day = timezone.localdate(seminar.starts_at)
        assert seminar.window_start <= day <= seminar.window_end
        assert day.weekday() < 5 and seminar.place
        assert timezone.localtime(seminar.starts_at).strftime("%H:%M") in {"09:30", "14:00"}
    assert all(seminar.starts_at < now for seminar in held)
    assert all(seminar.starts_at > now for seminar in scheduled)
    assert all(s.starts_at is None for s in seminars if s.status == Seminar.Status.PLANNED)


def test_held_seminars_have_attendance_and_a_note_but_one(imported):
    run_demo()
    held = Seminar.objects.filter(fabrique=the_fabrique(), status=Seminar.Status.HELD)
    assert not Attendance.objects.exclude(seminar__in=held).exists()
    assert all(seminar.attendances.exists() for seminar in held)
    assert set(Attendance.objects.values_list("status", flat=True)) == {
        "present",
        "excuse",
        "absent",
    }
    without_note = held.filter(notes__isnull=True)
    assert without_note.count() == 1
    statuses = list(NoteVersion.objects.values_list("status", flat=True))
    assert statuses.count("soumise") == 1
    assert set(statuses) == {"soumise", "partagee"}


def test_every_note_file_matches_its_fingerprint_and_reads_as_text(imported):
    run_demo()
    notes = NoteVersion.objects.select_related("seminar__participation__territory")
    assert notes.count() == 12
    for note in notes:
        content = note.file.read()
        note.file.close()
        assert note.file.name.startswith(f"notes/{note.seminar_id}/")
        assert note.original_name not in note.file.name
        assert len(content) == note.size
        assert hashlib.sha256(content).hexdigest() == note.sha256
        assert note.uploaded_by.email.endswith("@transition-territoires.demo.invalid")
        text = subprocess.run(
            ["pdftotext", note.file.path, "-"], capture_output=True, text=True, check=True
        ).stdout
        text = " ".join(text.split())
        participation = note.seminar.participation
        assert "note de séminaire" in text
        assert (participation.territory.name if participation else "intersite") in text
        assert note.seminar.theme in text


def test_each_territory_has_a_roadmap_and_the_first_one_is_adopted_with_its_pdf(
    imported, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run_demo()
    roadmaps = Roadmap.objects.filter(participation__fabrique=the_fabrique())
    assert sorted(roadmaps.values_list("status", flat=True)) == [
        Roadmap.Status.ADOPTED,
        *[Roadmap.Status.DRAFT] * 3,
    ]
    adopted = roadmaps.get(status=Roadmap.Status.ADOPTED)
    version = adopted.versions.get()
    pdf = version.pdfs.get()
    assert pdf.state == GeneratedPdf.State.READY
    text = subprocess.run(
        ["pdftotext", pdf.file.path, "-"], capture_output=True, text=True, check=True
    ).stdout
    assert adopted.participation.territory.name in " ".join(text.split())
    run_demo()  # a second run adopts nothing more
    assert adopted.versions.count() == 1
    for roadmap in roadmaps:
        assert roadmap.vision
        assert 2 <= roadmap.axes.count() <= 3
        assert 5 <= roadmap.actions.count() <= 8
        assert not roadmap.actions.filter(axis__isnull=True).exists()
    assert Action.objects.values("status").distinct().count() >= 4


def test_running_it_twice_changes_no_row_count(imported):
    run_demo()
    counts = row_counts()
    updated_at = the_fabrique().updated_at
    run_demo()
    assert row_counts() == counts
    assert the_fabrique().updated_at == updated_at


def test_a_new_import_then_demo_changes_no_row_count(imported):
    # `make run` imports again before each demo: the dates go back to 2020.
    run_demo()
    counts = row_counts()
    call_command("import_fabriques", verbosity=0)
    assert the_fabrique().status == Fabrique.Status.FINISHED
    run_demo()
    assert row_counts() == counts
    assert the_fabrique().covers(timezone.localdate())


def test_a_month_later_the_year_moves_without_new_rows(imported):
    run_demo()
    counts = row_counts()
    later = timezone.localdate() + relativedelta(months=1)
    demo_accounts_ensure(password=PASSWORD, today=later)
    assert row_counts() == counts
    fabrique = the_fabrique()
    assert fabrique.covers(later) and not fabrique.covers(later - relativedelta(months=8))
    for seminar in fabrique.seminars.exclude(starts_at=None):
        assert seminar.window_start <= timezone.localdate(seminar.starts_at)
        assert timezone.localdate(seminar.starts_at) <= seminar.window_end

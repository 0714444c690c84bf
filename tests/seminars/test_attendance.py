"""Inviting people to a seminar, recording who came, and the sign-in sheet."""

import re
import subprocess
import time
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fabriques.models import CopilMember
from seminars.attendance import attendance_record, seminar_invite
from seminars.models import Attendance, Seminar
from territories.models import Participation, ParticipationContact

from ..factories import (
    CopilMemberFactory,
    ParticipationContactFactory,
    ParticipationFactory,
    WorkingGroupMemberFactory,
)

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")


def invited(seminar):
    rows = Attendance.objects.filter(seminar=seminar)
    return (
        {a.user_id for a in rows if a.user_id},
        {a.working_group_member_id for a in rows if a.working_group_member_id},
    )


def hold(seminar):
    seminar.starts_at = datetime(2026, 5, 12, 9, 30, tzinfo=PARIS)
    seminar.ends_at = datetime(2026, 5, 12, 17, tzinfo=PARIS)
    seminar.place = "Hôtel de ville, salle du conseil"
    seminar.status = Seminar.Status.HELD
    seminar.save(update_fields=["starts_at", "ends_at", "place", "status"])
    return seminar


@pytest.fixture
def outsiders(world):
    """People a seminar of territory A must not invite."""
    ParticipationContactFactory(
        participation=world.participation_a,
        role=ParticipationContact.Role.ELU,
        ends_on=date(2025, 12, 31),
    )
    WorkingGroupMemberFactory(participation=world.participation_a, left_on=date(2025, 12, 31))
    CopilMemberFactory(fabrique=world.fabrique_x, user=None)
    CopilMemberFactory(fabrique=world.fabrique_x, ends_on=date(2025, 12, 31))
    proposed = ParticipationFactory(
        fabrique=world.fabrique_x, status=Participation.Status.PROPOSED, confirmed_on=None
    )
    ParticipationContactFactory(participation=proposed)
    WorkingGroupMemberFactory(participation=proposed)


def test_a_local_seminar_invites_the_territorys_referents_and_working_group(world, outsiders):
    assert seminar_invite(seminar=world.seminar_a, by=world.prestataire_x) == 5
    assert invited(world.seminar_a) == (
        {world.elu_a.pk, world.referent_a.pk},
        {member.pk for member in world.members_a},
    )
    assert set(Attendance.objects.values_list("status", flat=True)) == {"invite"}


def test_an_intersite_seminar_invites_the_confirmed_territories_and_the_copil(world, outsiders):
    assert seminar_invite(seminar=world.intersite_x, by=world.staff) == 3
    assert invited(world.intersite_x) == (
        {world.elu_a.pk, world.referent_a.pk, world.copil_x.pk},
        set(),
    )


def test_inviting_again_only_adds_newcomers(world):
    seminar_invite(seminar=world.seminar_a, by=world.prestataire_x)
    assert seminar_invite(seminar=world.seminar_a, by=world.prestataire_x) == 0
    newcomer = WorkingGroupMemberFactory(participation=world.participation_a)
    assert seminar_invite(seminar=world.seminar_a, by=world.prestataire_x) == 1
    assert newcomer.pk in invited(world.seminar_a)[1]
    assert Attendance.objects.filter(seminar=world.seminar_a).count() == 6


def test_attendance_is_recorded_once_the_seminar_is_held(world):
    seminar_invite(seminar=world.seminar_a, by=world.prestataire_x)
    rows = list(Attendance.objects.filter(seminar=world.seminar_a).order_by("pk"))
    statuses = {rows[0].pk: "present", rows[1].pk: "excuse", rows[2].pk: "absent"}
    with pytest.raises(ValidationError) as refused:
        attendance_record(seminar=world.seminar_a, statuses=statuses, by=world.prestataire_x)
    assert "une fois le séminaire tenu" in refused.value.messages[0]
    hold(world.seminar_a)
    assert (
        attendance_record(seminar=world.seminar_a, statuses=statuses, by=world.prestataire_x) == 3
    )
    assert dict(Attendance.objects.filter(pk__in=statuses).values_list("pk", "status")) == statuses


def test_recording_refuses_unknown_statuses_and_other_seminars_rows(world):
    hold(world.seminar_a)
    seminar_invite(seminar=world.seminar_a, by=world.prestataire_x)
    seminar_invite(seminar=world.intersite_x, by=world.prestataire_x)
    mine = Attendance.objects.filter(seminar=world.seminar_a).first()
    other = Attendance.objects.filter(seminar=world.intersite_x).first()
    with pytest.raises(ValidationError, match="Présence inconnue"):
        attendance_record(seminar=world.seminar_a, statuses={mine.pk: "invite"}, by=world.staff)
    with pytest.raises(ValidationError, match="pas invitées"):
        attendance_record(
            seminar=world.seminar_a,
            statuses={mine.pk: "present", other.pk: "present"},
            by=world.staff,
        )
    assert set(Attendance.objects.values_list("status", flat=True)) == {"invite"}


@pytest.mark.parametrize("name", ["attendance", "sign_in_sheet"])
def test_only_the_fabriques_prestataire_and_anct_reach_the_pages(client, world, name):
    url = reverse(f"seminars:{name}", args=[world.seminar_a.pk])
    seen = {}
    for persona, user in world.personas.items():
        client.logout()
        if user:
            client.force_login(user)
        seen[persona] = client.get(url).status_code
    assert seen == {
        "anonymous": 302,
        "elu_a": 404,
        "referent_a": 404,
        "elu_b": 404,
        "prestataire_x": 200,
        "prestataire_y": 404,
        "copil_x": 404,
        "staff": 200,
    }


def test_another_prestataire_cannot_invite_nor_record(client, world):
    client.force_login(world.prestataire_y)
    url = reverse("seminars:attendance", args=[world.seminar_a.pk])
    assert client.post(url, {"action": "invite"}).status_code == 404
    assert not Attendance.objects.exists()


def test_the_page_invites_then_records_attendance(client, world):
    client.force_login(world.prestataire_x)
    url = reverse("seminars:attendance", args=[world.seminar_a.pk])
    refused = client.post(url, {})
    assert refused.status_code == 200
    assert "Choisissez une action" in refused.content.decode()
    assert not Attendance.objects.exists()
    assert client.post(url, {"action": "invite"}).status_code == 302
    page = client.get(url).content.decode()
    assert "Référents — Territoire A" in page
    assert "Groupe de travail — Association" in page
    assert 'name="presence-' not in page  # not held yet: nothing to record

    rows = list(Attendance.objects.filter(seminar=world.seminar_a))
    response = client.post(url, {"action": "record", f"presence-{rows[0].pk}": "present"})
    assert response.status_code == 200
    assert "une fois le séminaire tenu" in response.content.decode()

    hold(world.seminar_a)
    page = client.get(url).content.decode()
    assert f'name="presence-{rows[0].pk}"' in page
    assert "<legend" in page and "<caption>" in page
    response = client.post(
        url,
        {
            "action": "record",
            f"presence-{rows[0].pk}": "present",
            f"presence-{rows[1].pk}": "absent",
        },
    )
    assert response.status_code == 302
    assert Attendance.objects.get(pk=rows[0].pk).status == "present"
    assert Attendance.objects.get(pk=rows[1].pk).status == "absent"
    assert Attendance.objects.get(pk=rows[2].pk).status == "invite"


def page_queries(client, seminar) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("seminars:attendance", args=[seminar.pk]))
    assert response.status_code == 200
    return len(queries)


def test_the_page_costs_the_same_queries_for_3_or_30_members(client, world):
    hold(world.seminar_a)
    client.force_login(world.prestataire_x)
    seminar_invite(seminar=world.seminar_a, by=world.prestataire_x)
    few = page_queries(client, world.seminar_a)
    WorkingGroupMemberFactory.create_batch(27, participation=world.participation_a)
    ParticipationContactFactory.create_batch(3, participation=world.participation_a)
    assert seminar_invite(seminar=world.seminar_a, by=world.prestataire_x) == 30
    assert page_queries(client, world.seminar_a) == few


def test_the_intersite_page_groups_the_copil(client, world):
    client.force_login(world.staff)
    seminar_invite(seminar=world.intersite_x, by=world.staff)
    page = client.get(reverse("seminars:attendance", args=[world.intersite_x.pk])).content
    copil = CopilMember.objects.get(user=world.copil_x)
    assert "COPIL" in page.decode()
    assert copil.organisation.name in page.decode()


def pdftotext(data: bytes) -> str:
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()
    return text.replace("\u00a0", " ")


def test_the_sign_in_sheet_is_a_pdf_listing_every_invitee(client, world):
    world.seminar_a.starts_at = datetime(2026, 5, 12, 9, 30, tzinfo=PARIS)
    world.seminar_a.ends_at = datetime(2026, 5, 12, 17, tzinfo=PARIS)
    world.seminar_a.status = Seminar.Status.SCHEDULED
    world.seminar_a.place = "Médiathèque, salle « Les Forges »"
    world.seminar_a.save(update_fields=["starts_at", "ends_at", "status", "place"])
    seminar_invite(seminar=world.seminar_a, by=world.prestataire_x)
    client.force_login(world.prestataire_x)

    started = time.perf_counter()
    response = client.get(reverse("seminars:sign_in_sheet", args=[world.seminar_a.pk]))
    elapsed = time.perf_counter() - started
    assert elapsed < 5, elapsed

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="emargement-territoire-a-seminaire-1.pdf"'
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"
    data = b"".join(response.streaming_content)
    assert data.startswith(b"%PDF-")
    text = pdftotext(data)
    assert "Feuille d'émargement" in text
    assert "Territoire A" in text
    assert f"« {world.seminar_a.theme} »" in text
    assert "mardi 12 mai 2026, 09h30" in text
    assert "Médiathèque, salle « Les Forges »" in text
    for person in [world.elu_a, world.referent_a]:
        assert person.get_full_name() in text
    for member in world.members_a:
        assert f"{member.first_name} {member.last_name}" in text
    assert re.search(r"Page 1 sur \d+", text)
    info = subprocess.run(["pdfinfo", "-"], input=data, capture_output=True, check=True)
    assert re.search(
        r"Title:\s+Feuille d'émargement — Séminaire local 1 — .* — Territoire A",
        info.stdout.decode(),
    )

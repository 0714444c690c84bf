"""The working group page and its forms: who sees what, adding, correcting and
removing members (removal keeps history), the 15-20 target and stability."""

from datetime import date, timedelta
from html import unescape

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from seminars.models import Attendance, Seminar
from territories.models import WorkingGroupMember, WorkingGroupSummary
from territories.services import (
    working_group_member_add,
    working_group_member_remove,
    working_group_member_update,
)
from tests.factories import AttendanceFactory, SeminarFactory, WorkingGroupMemberFactory

pytestmark = pytest.mark.django_db


def status_for(client, user, url, method="get"):
    client.logout()
    if user is not None:
        client.force_login(user)
    return getattr(client, method)(url).status_code


def group_url(participation):
    return reverse("territories:working_group", args=[participation.pk])


def add_url(participation):
    return reverse("territories:working_group_add", args=[participation.pk])


def edit_url(member):
    return reverse("territories:working_group_edit", args=[member.participation_id, member.pk])


def remove_url(member):
    return reverse("territories:working_group_remove", args=[member.participation_id, member.pk])


VALID = {
    "first_name": "Aline",
    "last_name": "Le Goff-Tanguy",
    "organisation": "CCI du Morbihan",
    "college": WorkingGroupMember.College.CHAMBER,
    "email": "aline.legoff@groupe-a.demo.invalid",
    "phone": "02 97 00 00 00",
    "joined_on": "2026-04-02",
}


# --- Access ---------------------------------------------------------------------------


def test_who_may_see_the_working_group(client, world):
    url = group_url(world.participation_a)
    seen = {name: status_for(client, user, url) for name, user in world.personas.items()}
    assert seen == {
        "anonymous": 302,
        "elu_a": 200,
        "referent_a": 200,
        "elu_b": 404,
        "prestataire_x": 200,
        "prestataire_y": 404,
        "copil_x": 200,
        "staff": 200,
    }


@pytest.mark.parametrize("page", ["add", "edit", "remove"])
def test_only_referents_and_staff_reach_the_forms(client, world, page):
    member = world.members_a[0]
    url = {"add": add_url(world.participation_a), "edit": edit_url(member)}.get(
        page, remove_url(member)
    )
    seen = {name: status_for(client, user, url) for name, user in world.personas.items()}
    assert seen == {
        "anonymous": 302,
        "elu_a": 200,
        "referent_a": 200,
        "elu_b": 404,
        "prestataire_x": 404,
        "prestataire_y": 404,
        "copil_x": 404,
        "staff": 200,
    }


def test_a_member_of_another_territory_is_a_404(client, world):
    client.force_login(world.elu_a)
    stranger = world.members_b[0]
    url = reverse("territories:working_group_edit", args=[world.participation_a.pk, stranger.pk])
    assert client.get(url).status_code == 404
    assert client.post(url.replace("modifier", "retirer")).status_code == 404
    stranger.refresh_from_db()
    assert stranger.left_on is None


def test_a_prestataire_cannot_post_a_member(client, world):
    client.force_login(world.prestataire_x)
    # Counted, not looked up by name: the world has random French names.
    before = WorkingGroupMember.objects.count()
    assert client.post(add_url(world.participation_a), VALID).status_code == 404
    assert WorkingGroupMember.objects.count() == before


# --- Who sees contact details ---------------------------------------------------------


@pytest.mark.parametrize("persona", ["elu_a", "referent_a", "staff"])
def test_referents_and_staff_see_contact_details(client, world, persona):
    member = world.members_a[0]
    member.phone = "06 11 22 33 44"
    member.save(update_fields=["phone"])
    client.force_login(world.personas[persona])
    html = client.get(group_url(world.participation_a)).content.decode()
    assert member.email in html and "06 11 22 33 44" in html
    assert "groupe-b" not in html


@pytest.mark.parametrize("persona", ["prestataire_x", "copil_x"])
def test_prestataire_and_copil_see_the_composition_but_no_contact(client, world, persona):
    member = world.members_a[0]
    member.phone = "06 11 22 33 44"
    member.save(update_fields=["phone"])
    client.force_login(world.personas[persona])
    response = client.get(group_url(world.participation_a))
    html = response.content.decode()
    assert "groupe-a" not in html and "groupe-b" not in html
    assert "06 11 22 33 44" not in html and "mailto:" not in html
    assert member.last_name in html
    assert response.context["summary"].size == 3
    assert "Association : 3" in html
    assert add_url(world.participation_a) not in html


# --- Target and stability ---------------------------------------------------------------


def test_outside_the_target_an_alert_says_so(client, world):
    client.force_login(world.elu_a)
    html = client.get(group_url(world.participation_a)).content.decode()
    assert "fr-alert--warning" in html
    assert "Le groupe compte 3 membres : la méthode en recommande de 15 à 20." in html
    WorkingGroupMemberFactory.create_batch(12, participation=world.participation_a)
    html = client.get(group_url(world.participation_a)).content.decode()
    assert "fr-alert--warning" not in html
    assert "Dans la cible de 15 à 20" in html


def test_without_held_seminar_stability_says_so(client, world):
    client.force_login(world.elu_a)
    response = client.get(group_url(world.participation_a))
    assert response.context["summary"].stability_percent is None
    assert "pas encore de séminaire tenu" in response.content.decode()


def test_stability_counts_members_present_at_every_held_local_seminar(client, world):
    first, second, third = world.members_a
    held_1 = world.seminar_a
    held_1.status = Seminar.Status.HELD
    held_1.save(update_fields=["status"])
    held_2 = SeminarFactory(participation=world.participation_a, number=2, status="tenu")
    not_held = SeminarFactory(participation=world.participation_a, number=3)
    for seminar in (held_1, held_2):
        AttendanceFactory(seminar=seminar, user=None, working_group_member=first, status="present")
    AttendanceFactory(seminar=held_1, user=None, working_group_member=second, status="present")
    AttendanceFactory(seminar=held_2, user=None, working_group_member=second, status="excuse")
    # Present at a seminar not held yet, or at another territory's: does not count.
    AttendanceFactory(seminar=not_held, user=None, working_group_member=third, status="present")
    AttendanceFactory(
        seminar=world.seminar_b, user=None, working_group_member=third, status="present"
    )
    client.force_login(world.referent_a)
    response = client.get(group_url(world.participation_a))
    summary = response.context["summary"]
    assert (summary.held_seminars, summary.stable_members, summary.stability_percent) == (2, 1, 33)
    assert "33 % des membres actuels (1 sur 3) ont assisté aux 2 séminaires locaux tenus" in (
        response.content.decode()
    )


def test_summary_of_an_empty_group():
    summary = WorkingGroupSummary.of([], held_seminars=2)
    assert (summary.size, summary.in_target, summary.stability_percent) == (0, False, None)


# --- Adding, correcting, removing ----------------------------------------------------------


def test_a_referent_adds_a_member(client, world):
    client.force_login(world.referent_a)
    response = client.post(add_url(world.participation_a), VALID)
    assert response.status_code == 302
    assert response.url == group_url(world.participation_a)
    member = WorkingGroupMember.objects.get(last_name="Le Goff-Tanguy")
    assert member.participation == world.participation_a
    assert member.joined_on == date(2026, 4, 2)
    assert member.college == "chambre"
    html = client.get(response.url).content.decode()
    assert "Aline Le Goff-Tanguy a rejoint le groupe de travail." in html


def test_joining_defaults_to_today(world):
    member = working_group_member_add(
        participation=world.participation_a,
        first_name="Paul",
        last_name="Riou",
        college=WorkingGroupMember.College.INHABITANT,
    )
    assert member.joined_on == timezone.localdate()


def test_invalid_input_keeps_what_was_typed_and_explains_in_french(client, world):
    client.force_login(world.elu_a)
    data = VALID | {"first_name": "", "email": "pas-une-adresse", "college": ""}
    response = client.post(add_url(world.participation_a), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Ce champ est obligatoire." in html
    assert "Saisissez une adresse de courriel valide." in html
    assert 'value="pas-une-adresse"' in html
    assert 'value="Le Goff-Tanguy"' in html
    assert 'value="CCI du Morbihan"' in html
    assert "fr-input-group--error" in html
    assert 'class="fr-error-text"' in html
    assert not WorkingGroupMember.objects.filter(last_name="Le Goff-Tanguy").exists()


def test_a_departure_before_arrival_is_refused_by_the_database_rule(world):
    member = world.members_a[0]
    working_group_member_remove(member=member, on=date(2026, 6, 1))
    with pytest.raises(ValidationError, match="départ ne peut précéder"):
        working_group_member_update(member=member, changes={"joined_on": date(2026, 7, 1)})


def test_a_referent_corrects_a_member(client, world):
    member = world.members_a[0]
    client.force_login(world.elu_a)
    form = client.get(edit_url(member)).content.decode()
    assert f'value="{member.email}"' in form
    data = {
        "first_name": member.first_name,
        "last_name": "Nouveau-Nom",
        "organisation": "DDTM",
        "college": WorkingGroupMember.College.STATE,
        "email": member.email,
        "phone": "",
        "joined_on": "",
    }
    response = client.post(edit_url(member), data)
    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.last_name, member.organisation, member.college) == (
        "Nouveau-Nom",
        "DDTM",
        "etat",
    )


def test_update_refuses_fields_the_form_does_not_edit(world):
    with pytest.raises(ValueError):
        working_group_member_update(member=world.members_a[0], changes={"left_on": None})


def test_removing_a_member_keeps_the_row_and_its_history(client, world):
    member = world.members_a[0]
    attendance = AttendanceFactory(
        seminar=world.seminar_a, user=None, working_group_member=member, status="present"
    )
    client.force_login(world.referent_a)
    confirm = client.get(remove_url(member))
    assert "Retirer du groupe" in confirm.content.decode()
    response = client.post(remove_url(member))
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.left_on == timezone.localdate()
    assert Attendance.objects.filter(pk=attendance.pk).exists()
    page = client.get(group_url(world.participation_a))
    assert [m.pk for m in page.context["former_members"]] == [member.pk]
    assert member.pk not in {m.pk for m in page.context["current_members"]}
    assert page.context["summary"].size == 2
    html = page.content.decode()
    assert "Anciens membres" in html
    # Removed once: the removal link is gone, a second removal is a 404.
    assert remove_url(member) not in html
    assert client.post(remove_url(member)).status_code == 404


def test_a_member_joining_later_cannot_leave_before_arriving(client, world):
    member = world.members_a[0]
    member.joined_on = timezone.localdate() + timedelta(days=10)
    member.save(update_fields=["joined_on"])
    client.force_login(world.elu_a)
    response = client.post(remove_url(member), follow=True)
    assert "modifiez plutôt sa date d'arrivée" in unescape(response.content.decode())
    member.refresh_from_db()
    assert member.left_on is None


def test_remove_refuses_get_side_effects(client, world):
    member = world.members_a[0]
    client.force_login(world.elu_a)
    client.get(remove_url(member))
    member.refresh_from_db()
    assert member.left_on is None


# --- Queries -------------------------------------------------------------------------------


def query_count(client, url):
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("persona", ["elu_a", "prestataire_x"])
def test_the_page_costs_the_same_queries_for_2_or_20_members(client, world, persona):
    participation = world.participation_a
    WorkingGroupMember.objects.filter(participation=participation).delete()
    held = SeminarFactory(participation=participation, number=2, status="tenu")

    def add_members(count):
        for member in WorkingGroupMemberFactory.create_batch(count, participation=participation):
            AttendanceFactory(
                seminar=held, user=None, working_group_member=member, status="present"
            )
        working_group_member_remove(member=member)

    add_members(2)
    client.force_login(world.personas[persona])
    with_two = query_count(client, group_url(participation))
    add_members(18)
    assert query_count(client, group_url(participation)) == with_two

"""ANCT staff export or erase a person's data at their request: the records
stay, the person is anonymised in them and in every PDF rendered afterwards."""

import json
import subprocess

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from accounts.models import User
from tests.factories import AttendanceFactory

pytestmark = pytest.mark.django_db


def admin_action(client, world, model_url, action, pks):
    client.force_login(world.staff)
    return client.post(reverse(model_url), {"action": action, "_selected_action": pks})


def test_staff_export_a_persons_data(client, world):
    response = admin_action(
        client, world, "admin:accounts_user_changelist", "export_personal_data", [world.elu_a.pk]
    )
    assert response["Content-Disposition"].startswith("attachment")
    assert json.loads(response.content)["compte"]["email"] == world.elu_a.email


def test_an_erased_elu_is_anonymised_everywhere_and_cannot_log_in(client, world):
    old_last_name = world.elu_a.last_name
    EmailAddress.objects.create(user=world.elu_a, email=world.elu_a.email, verified=True)
    admin_action(
        client, world, "admin:accounts_user_changelist", "erase_personal_data", [world.elu_a.pk]
    )
    elu = User.objects.get(pk=world.elu_a.pk)
    assert (elu.first_name, elu.last_name, elu.phone) == ("Personne", f"anonymisée n° {elu.pk}", "")
    assert elu.email.endswith("@anonyme.invalid") and not elu.is_active
    assert not elu.has_usable_password() and not EmailAddress.objects.filter(user=elu).exists()
    # Their territory's page still lists the role, without the name.
    client.force_login(world.referent_a)
    page = client.get(reverse("territories:participation", args=[world.participation_a.pk]))
    assert old_last_name not in page.content.decode()
    assert f"anonymisée n° {elu.pk}" in page.content.decode()


def test_an_erased_working_group_member_is_gone_from_the_next_sign_in_sheet(client, world):
    member = world.members_a[0]
    AttendanceFactory(seminar=world.seminar_a, user=None, working_group_member=member)
    admin_action(
        client,
        world,
        "admin:territories_workinggroupmember_changelist",
        "erase_personal_data",
        [member.pk],
    )
    response = client.get(reverse("seminars:sign_in_sheet", args=[world.seminar_a.pk]))
    assert response.status_code == 200
    text = subprocess.run(
        ["pdftotext", "-", "-"],
        input=b"".join(response.streaming_content) if response.streaming else response.content,
        capture_output=True,
        check=True,
    ).stdout.decode()
    assert member.last_name not in text
    assert f"anonymisé n° {member.pk}" in " ".join(text.split())


def test_staff_cannot_erase_themselves(client, world):
    admin_action(
        client, world, "admin:accounts_user_changelist", "erase_personal_data", [world.staff.pk]
    )
    assert User.objects.get(pk=world.staff.pk).is_active


def test_staff_export_a_working_group_members_data_with_their_history(client, world):
    member = world.members_a[0]
    AttendanceFactory(seminar=world.seminar_a, user=None, working_group_member=member)
    member.organisation = "Chambre d'agriculture"
    member.save()

    response = admin_action(
        client,
        world,
        "admin:territories_workinggroupmember_changelist",
        "export_personal_data",
        [member.pk],
    )

    assert response["Content-Disposition"] == (
        f'attachment; filename="membre-groupe-de-travail-{member.pk}.json"'
    )
    data = json.loads(response.content)
    assert (data["membre"]["last_name"], data["membre"]["email"]) == (
        member.last_name,
        member.email,
    )
    assert [row["seminar__theme"] for row in data["seminaires"]] == [world.seminar_a.theme]
    assert data["historique"][-1]["organisation"] == "Chambre d'agriculture"
    assert "territories.WorkingGroupMember.email" in data["finalites"]

"""The audit trail (issue 8): every change to Fabriques, participations and
their working groups, seminars, notes, roadmaps (axes, actions) and
transversal notes is recorded with who made it, when and which fields
changed, and ANCT staff read it in the admin. Erasing a person erases them
from the trail too."""

from datetime import timedelta

import pytest
from django.contrib import admin
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from config.admin_mixins import AuditedAdmin
from deliverables.models import Action, Axis, Roadmap, TransversalNote
from fabriques.models import Fabrique
from seminars.models import NoteVersion, Seminar
from seminars.services import seminars_cancel_future
from territories.models import Participation, WorkingGroupMember
from territories.retention import retention_sweep
from tests.factories import ActionFactory, AxisFactory, RoadmapFactory

pytestmark = pytest.mark.django_db

AUDITED = [
    Fabrique,
    Participation,
    WorkingGroupMember,
    Seminar,
    NoteVersion,
    Roadmap,
    Axis,
    Action,
    TransversalNote,
]


def history_url(obj):
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_history", args=[obj.pk])


@pytest.mark.parametrize("model", AUDITED, ids=lambda model: model.__name__)
def test_every_audited_model_keeps_a_history_shown_in_its_admin(model):
    assert hasattr(model, "history"), f"{model.__name__} has no HistoricalRecords"
    assert isinstance(admin.site._registry[model], AuditedAdmin)


def test_a_roadmap_edit_in_the_portal_names_its_author_and_the_fields_it_changed(client, world):
    roadmap = RoadmapFactory(participation=world.participation_a, vision="Ancienne vision")
    client.force_login(world.referent_a)

    client.post(
        reverse("deliverables:roadmap_sections", args=[world.participation_a.pk]),
        {
            "vision": "Un territoire vivant en 2040.",
            "synthesis": "",
            "governance": "",
            "partnerships": "",
        },
    )

    latest = roadmap.history.latest()
    assert latest.history_user == world.referent_a
    assert latest.history_type == "~"
    client.force_login(world.staff)
    page = client.get(history_url(roadmap)).content.decode()
    assert str(world.referent_a) in page
    assert "Ancienne vision" in page and "Un territoire vivant en 2040." in page


def test_a_working_group_change_by_a_referent_is_in_the_members_history(client, world):
    member = world.members_a[0]
    client.force_login(world.elu_a)

    client.post(
        reverse("territories:working_group_remove", args=[world.participation_a.pk, member.pk])
    )

    member.refresh_from_db()
    assert member.left_on is not None
    latest = member.history.latest()
    assert latest.history_user == world.elu_a and latest.left_on == member.left_on


def test_only_staff_read_the_history(client, world):
    url = history_url(world.fabrique_x)
    for persona, user in world.personas.items():
        if user is None:
            response = client.get(url)
        else:
            client.force_login(user)
            response = client.get(url)
        if user is not None and user.is_staff:
            assert response.status_code == 200, persona
        else:
            # The admin sends everyone else to its login page.
            assert response.status_code == 302, persona
        client.logout()


def test_the_history_page_runs_the_same_queries_for_2_or_11_versions(client, world):
    roadmap = RoadmapFactory(participation=world.participation_a)
    axis = AxisFactory(roadmap=roadmap)
    action = ActionFactory(roadmap=roadmap, axis=axis, title="v0")
    client.force_login(world.staff)

    def queries_after(changes):
        for number in range(changes):
            action.title = f"version {number}"
            action.save()
        with CaptureQueriesContext(connection) as captured:
            response = client.get(history_url(action))
        assert response.status_code == 200
        return len(captured)

    queries_after(0)  # warms the session and content-type caches
    assert queries_after(1) == queries_after(10)


def test_an_erased_account_is_anonymised_in_the_trail_and_the_admin_log(client, world):
    roadmap = RoadmapFactory(participation=world.participation_a, vision="v1")
    client.force_login(world.elu_a)
    client.post(
        reverse("deliverables:roadmap_sections", args=[world.participation_a.pk]),
        {"vision": "v2", "synthesis": "", "governance": "", "partnerships": ""},
    )
    LogEntry.objects.create(
        user=world.staff,
        content_type=ContentType.objects.get_for_model(world.elu_a),
        object_id=str(world.elu_a.pk),
        object_repr=str(world.elu_a),
        action_flag=CHANGE,
    )
    name, email, last_name = world.elu_a.get_full_name(), world.elu_a.email, world.elu_a.last_name

    client.force_login(world.staff)
    client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "erase_personal_data", "_selected_action": [world.elu_a.pk]},
    )

    page = client.get(history_url(roadmap)).content.decode()
    assert f"anonymisée n° {world.elu_a.pk}" in page
    assert name not in page and email not in page
    assert not LogEntry.objects.filter(object_repr__contains=last_name).exists()
    assert LogEntry.objects.filter(object_repr=f"Personne anonymisée n° {world.elu_a.pk}").exists()


def test_an_erased_working_group_member_leaves_no_name_in_their_history(client, world):
    member = world.members_a[0]
    member.organisation = "Nouvelle structure"
    member.save()  # a second version, still with the name
    first_name, last_name = member.first_name, member.last_name
    client.force_login(world.staff)

    client.post(
        reverse("admin:territories_workinggroupmember_changelist"),
        {"action": "erase_personal_data", "_selected_action": [member.pk]},
    )

    versions = list(member.history.values_list("first_name", "last_name", "email", "phone"))
    assert len(versions) >= 2
    assert all(version == ("Membre", f"anonymisé n° {member.pk}", "", "") for version in versions)
    page = client.get(history_url(member)).content.decode()
    assert last_name not in page and f"{first_name} {last_name}" not in page


def test_the_retention_job_anonymises_the_history_too(world):
    fabrique = world.participation_a.fabrique
    member = world.members_a[0]
    last_name = member.last_name
    today = fabrique.follow_up_due_date + timedelta(days=366 * 3)

    retention_sweep(today=today)

    assert not member.history.filter(last_name=last_name).exists()
    assert member.history.exists()


def test_bulk_changes_are_in_the_trail_too(client, world):
    """Moving an action and withdrawing a territory write in bulk: each row
    still gets its version, with the author of the request."""
    roadmap = RoadmapFactory(participation=world.participation_a)
    axis = AxisFactory(roadmap=roadmap)
    ActionFactory(roadmap=roadmap, axis=axis, title="Premier", position=0)
    second = ActionFactory(roadmap=roadmap, axis=axis, title="Second", position=1)
    client.force_login(world.prestataire_x)

    client.post(
        reverse("deliverables:roadmap_reorder", args=[world.participation_a.pk]),
        {"kind": "action", "item": second.pk, "direction": "up"},
    )

    latest = second.history.latest()
    assert (latest.position, latest.history_user) == (0, world.prestataire_x)


def test_a_withdrawal_records_each_cancelled_seminar(world):
    seminar = world.seminar_a
    seminar.starts_at = timezone.now() + timedelta(days=30)
    seminar.status = Seminar.Status.SCHEDULED
    seminar.save()

    seminars_cancel_future(participation=world.participation_a, on=timezone.localdate())

    assert seminar.history.latest().status == Seminar.Status.CANCELLED

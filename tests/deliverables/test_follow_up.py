"""The six-month follow-up in the portal: the territories' one-click action
updates (with their history), ANCT's follow-up page, its summary and report."""

from datetime import date
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from deliverables.models import Action, ActionUpdate, FollowUp, GeneratedPdf, Roadmap
from deliverables.services.follow_up import action_status_update, follow_up_summary
from deliverables.services.roadmaps import roadmap_adopt, roadmap_submit, roadmap_touched
from reminders.messages import follow_up_actions_link, follow_up_link
from tests.factories import (
    ActionFactory,
    AxisFactory,
    ParticipationFactory,
    RoadmapFactory,
    TerritoryFactory,
)

from .test_pdf_rendering import pdftotext

pytestmark = pytest.mark.django_db

Status = Action.Status


def adopted_roadmap(participation, by, *actions):
    roadmap = RoadmapFactory(participation=participation)
    axis = AxisFactory(roadmap=roadmap, title="Mobilités")
    for title in actions:
        ActionFactory(roadmap=roadmap, axis=axis, title=title)
    roadmap_submit(roadmap=roadmap, by=by)
    roadmap_adopt(roadmap=roadmap, by=by, adopted_on=date(2026, 10, 1))
    return Roadmap.objects.get(pk=roadmap.pk)


@pytest.fixture
def roadmap_a(world):
    return adopted_roadmap(world.participation_a, world.elu_a, "Navette rurale", "Tiers-lieu")


def actions_url(world):
    return reverse("deliverables:follow_up_actions", args=[world.participation_a.pk])


def follow_up_url(fabrique):
    return reverse("deliverables:follow_up", args=[fabrique.pk])


# --- The territories' form ---------------------------------------------------------------


def test_one_click_updates_the_status_and_keeps_the_roadmap_adopted(client, world, roadmap_a):
    action = roadmap_a.actions.get(title="Navette rurale")
    before = roadmap_a.updated_at
    client.force_login(world.referent_a)
    response = client.post(actions_url(world), {"action": action.pk, "status": Status.IN_PROGRESS})
    assert response.status_code == 302
    assert response["Location"].endswith(f"#action-{action.pk}")
    action.refresh_from_db()
    assert action.status == Status.IN_PROGRESS
    roadmap_a.refresh_from_db()
    assert roadmap_a.status == Roadmap.Status.ADOPTED
    assert roadmap_a.updated_at > before
    update = ActionUpdate.objects.get(action=action)
    assert (update.status, update.updated_by, update.comment) == (
        Status.IN_PROGRESS,
        world.referent_a,
        "",
    )
    html = client.get(actions_url(world)).content.decode()
    assert "Dernière mise à jour le" in html


def test_each_update_is_kept_in_the_history(client, world, roadmap_a):
    action = roadmap_a.actions.get(title="Tiers-lieu")
    client.force_login(world.elu_a)
    client.post(actions_url(world), {"action": action.pk, "status": Status.IN_PROGRESS})
    client.post(
        actions_url(world),
        {"action": action.pk, "status": Status.DONE, "progress": "100", "comment": "Ouvert !"},
    )
    history = list(ActionUpdate.objects.filter(action=action).order_by("created_at", "pk"))
    assert [(u.status, u.progress, u.comment) for u in history] == [
        (Status.IN_PROGRESS, None, ""),
        (Status.DONE, 100, "Ouvert !"),
    ]
    action.refresh_from_db()
    assert (action.status, action.progress) == (Status.DONE, 100)


def test_the_service_refuses_an_unknown_status(world, roadmap_a):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        action_status_update(action=roadmap_a.actions.first(), status="finie", by=world.elu_a)
    assert not ActionUpdate.objects.exists()


def test_only_adopted_roadmaps_are_listed(client, world):
    draft = RoadmapFactory(participation=world.participation_a)
    action = ActionFactory(roadmap=draft, title="Action en brouillon")
    client.force_login(world.elu_a)
    html = client.get(actions_url(world)).content.decode()
    assert "Action en brouillon" not in html
    assert "pas encore adoptée" in html
    response = client.post(actions_url(world), {"action": action.pk, "status": Status.DONE})
    assert response.status_code == 404
    assert not ActionUpdate.objects.exists()


def test_actions_drafted_after_the_adoption_are_not_followed_up(client, world, roadmap_a):
    ActionFactory(roadmap=roadmap_a, title="Idée nouvelle")
    roadmap_touched(roadmap=roadmap_a)  # a new draft, version 1 stays adopted
    client.force_login(world.elu_a)
    html = client.get(actions_url(world)).content.decode()
    assert "Navette rurale" in html and "Idée nouvelle" not in html


@pytest.mark.parametrize("persona", ["elu_b", "prestataire_y", "copil_x"])
def test_other_people_get_a_404(client, world, roadmap_a, persona):
    action = roadmap_a.actions.first()
    client.force_login(getattr(world, persona))
    assert client.get(actions_url(world)).status_code == 404
    response = client.post(actions_url(world), {"action": action.pk, "status": Status.DONE})
    assert response.status_code == 404
    assert not ActionUpdate.objects.exists()


def test_an_action_of_another_territory_is_a_404(client, world, roadmap_a):
    roadmap_b = adopted_roadmap(world.participation_b, world.elu_b, "Maison de santé")
    client.force_login(world.elu_a)
    response = client.post(
        actions_url(world), {"action": roadmap_b.actions.get().pk, "status": Status.DONE}
    )
    assert response.status_code == 404


def test_the_form_costs_the_same_queries_for_2_or_20_actions(client, world):
    def queries(participation, user):
        client.force_login(user)
        url = reverse("deliverables:follow_up_actions", args=[participation.pk])
        client.get(url)
        with CaptureQueriesContext(connection) as context:
            assert client.get(url).status_code == 200
        return len(context)

    small = adopted_roadmap(world.participation_a, world.elu_a, "Une", "Deux")
    big = adopted_roadmap(world.participation_b, world.elu_b, *[f"Action {n}" for n in range(20)])
    for action in [*small.actions.all(), *big.actions.all()[:5]]:
        action_status_update(action=action, status=Status.DONE, by=world.staff)
    assert queries(world.participation_a, world.elu_a) == queries(
        world.participation_b, world.elu_b
    )


# --- ANCT's page ---------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["elu_a", "prestataire_x", "copil_x"])
def test_the_follow_up_page_is_for_anct_staff_only(client, world, persona):
    client.force_login(getattr(world, persona))
    assert client.get(follow_up_url(world.fabrique_x)).status_code == 404
    response = client.post(follow_up_url(world.fabrique_x), {"meeting_on": "2027-09-01"})
    assert response.status_code == 404
    assert not FollowUp.objects.exists()


def test_staff_save_the_dates_and_notes(client, world):
    client.force_login(world.staff)
    response = client.post(
        follow_up_url(world.fabrique_x),
        {
            "action": "enregistrer",
            "meeting_on": "2027-09-01",
            "showcase_on": "2027-10-15",
            "meeting_notes": "Tous les territoires présents.",
        },
    )
    assert response.status_code == 302
    follow_up = FollowUp.objects.get(fabrique=world.fabrique_x)
    assert (follow_up.meeting_on, follow_up.showcase_on) == (date(2027, 9, 1), date(2027, 10, 15))
    assert follow_up.meeting_notes == "Tous les territoires présents."
    html = client.get(follow_up_url(world.fabrique_x)).content.decode()
    assert "2027-09-01" in html and "Tous les territoires présents." in html


def test_a_wrong_date_keeps_what_was_typed(client, world):
    client.force_login(world.staff)
    response = client.post(
        follow_up_url(world.fabrique_x),
        {"action": "enregistrer", "meeting_on": "32/13/2027", "meeting_notes": "Notes tapées"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Saisissez une date valide." in html
    assert "32/13/2027" in html and "Notes tapées" in html
    assert not FollowUp.objects.exists()


@pytest.fixture
def summary_world(world, roadmap_a):
    """Territory A: one action done, one in progress, one flagged for support.
    Territory C (same Fabrique): no answer yet."""
    navette = roadmap_a.actions.get(title="Navette rurale")
    action_status_update(action=navette, status=Status.DONE, by=world.elu_a)
    tiers_lieu = roadmap_a.actions.get(title="Tiers-lieu")
    action_status_update(action=tiers_lieu, status=Status.IN_PROGRESS, by=world.elu_a)
    Action.objects.filter(pk=tiers_lieu.pk).update(needs_engineering_support=True)
    participation_c = ParticipationFactory(
        fabrique=world.fabrique_x, territory=TerritoryFactory(name="Territoire C")
    )
    roadmap_c = adopted_roadmap(participation_c, world.staff, "Verger", "Halle", "Marché")
    roadmap_c.actions.filter(title="Halle").update(status=Status.PAUSED)
    roadmap_c.actions.filter(title="Marché").update(status=Status.ABANDONED)
    return world


def test_the_summary_counts_each_territorys_actions(summary_world):
    rows = {row.territory: row for row in follow_up_summary(summary_world.fabrique_x)}
    assert rows["Territoire A"].counts == {
        "done": 1,
        "in_progress": 1,
        "planned": 0,
        "paused": 0,
        "abandoned": 0,
    }
    assert rows["Territoire A"].last_answer_at is not None
    assert rows["Territoire A"].support == ["Tiers-lieu"]
    assert rows["Territoire C"].counts == {
        "done": 0,
        "in_progress": 0,
        "planned": 1,
        "paused": 1,
        "abandoned": 1,
    }
    assert rows["Territoire C"].last_answer_at is None


def test_the_page_shows_the_summary_in_constant_queries(client, summary_world):
    world = summary_world
    client.force_login(world.staff)

    def queries():
        client.get(follow_up_url(world.fabrique_x))
        with CaptureQueriesContext(connection) as context:
            response = client.get(follow_up_url(world.fabrique_x))
        return len(context), response.content.decode()

    count, html = queries()
    assert "pas de réponse" in html
    assert "Tiers-lieu" in html
    for n in range(4):
        adopted_roadmap(
            ParticipationFactory(
                fabrique=world.fabrique_x, territory=TerritoryFactory(name=f"Autre {n}")
            ),
            world.staff,
            *[f"Action {n}.{i}" for i in range(3)],
        )
    assert queries()[0] == count


def test_the_report_pdf_holds_the_fabrique_its_territories_and_counts(
    client, summary_world, django_capture_on_commit_callbacks
):
    world = summary_world
    FollowUp.objects.create(fabrique=world.fabrique_x, meeting_on=date(2027, 9, 1))
    client.force_login(world.staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(follow_up_url(world.fabrique_x), {"action": "rapport"})
    assert response.status_code == 302
    pdf = GeneratedPdf.objects.get(fabrique=world.fabrique_x)
    assert pdf.kind == GeneratedPdf.Kind.FOLLOW_UP_REPORT
    assert pdf.state == GeneratedPdf.State.READY, pdf.error
    text = pdftotext(Path(pdf.file.path).read_bytes())
    flat = " ".join(text.split())
    assert "Rapport de suivi à six mois" in flat
    assert world.fabrique_x.display_title in flat
    assert "1 septembre 2027" in flat
    assert "Territoire A 1 1 0 0 0" in flat
    assert "Territoire C 0 0 1 1 1 pas de réponse" in flat
    assert "Tiers-lieu" in flat
    html = client.get(follow_up_url(world.fabrique_x)).content.decode()
    assert pdf.title in html  # in the PDF panel


def test_the_reminder_links_lead_to_the_follow_up_pages(world):
    assert follow_up_link(world.fabrique_x.pk).endswith(follow_up_url(world.fabrique_x))
    assert follow_up_actions_link(world.participation_a.pk).endswith(actions_url(world))


@pytest.mark.parametrize("method", ["get", "post"])
def test_each_persona_gets_the_expected_status(client, world, roadmap_a, method):
    """What tests/test_permission_matrix.py expects of the two pages (empty POST)."""
    editors = {"elu_a", "referent_a", "prestataire_x", "staff"}
    success = 200 if method == "get" else 302
    for persona, user in world.personas.items():
        client.logout()
        if user is not None:
            client.force_login(user)
        observed = (
            getattr(client, method)(actions_url(world)).status_code,
            getattr(client, method)(follow_up_url(world.fabrique_x)).status_code,
        )
        if user is None:
            assert observed == (302, 302)
        else:
            assert observed == (
                success if persona in editors else 404,
                success if persona == "staff" else 404,
            ), persona


def test_the_dashboard_links_each_follow_up_to_its_page(client, world, time_machine):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    # Fabrique X ends on 28 February 2027: its follow-up is due six months later.
    time_machine.move_to(datetime(2027, 8, 20, 12, tzinfo=ZoneInfo("Europe/Paris")), tick=False)
    client.force_login(world.staff)
    html = client.get(reverse("fabriques:dashboard")).content.decode()
    assert follow_up_url(world.fabrique_x) in html

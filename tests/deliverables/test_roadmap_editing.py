"""Co-writing a territory's roadmap in the portal: who may write, what the
forms refuse, moving axes and actions, and the editor's query count."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from deliverables.models import Action, Axis, Roadmap
from tests.factories import ActionFactory, AxisFactory, RoadmapFactory

pytestmark = pytest.mark.django_db

EDITORS = ["elu_a", "referent_a", "prestataire_x", "staff"]


@pytest.fixture
def roadmap_a(world):
    roadmap = RoadmapFactory(participation=world.participation_a)
    first = AxisFactory(roadmap=roadmap, title="Sobriété foncière", position=0)
    second = AxisFactory(roadmap=roadmap, title="Santé et services", position=1)
    ActionFactory(roadmap=roadmap, axis=first, title="Inventaire des friches", position=0)
    ActionFactory(roadmap=roadmap, axis=first, title="Plan de renaturation", position=1)
    ActionFactory(roadmap=roadmap, axis=second, title="Maison de santé", position=2)
    return roadmap


def url(name, participation, *args):
    return reverse(f"deliverables:{name}", args=[participation.pk, *args])


def titles(roadmap, axis=None):
    return list(
        Action.objects.filter(roadmap=roadmap, axis=axis)
        .order_by("position", "pk")
        .values_list("title", flat=True)
    )


# --- Who writes -----------------------------------------------------------------------


@pytest.mark.parametrize("persona", EDITORS)
def test_editors_get_the_editor_and_save_the_texts(client, world, roadmap_a, persona):
    client.force_login(world.personas[persona])
    page = client.get(url("roadmap", world.participation_a))
    assert page.status_code == 200
    assert "Enregistrer les textes" in page.content.decode()

    response = client.post(
        url("roadmap_sections", world.participation_a),
        {
            "vision": "Un territoire vivant en 2040.",
            "synthesis": "Trois séminaires.",
            "governance": "Un comité de pilotage local.",
            "partnerships": "La région, le département.",
        },
    )

    assert response.status_code == 302
    roadmap_a.refresh_from_db()
    assert roadmap_a.vision == "Un territoire vivant en 2040."
    assert roadmap_a.governance == "Un comité de pilotage local."


def test_the_first_edit_creates_the_roadmap(client, world):
    client.force_login(world.prestataire_x)
    assert client.get(url("roadmap", world.participation_a)).status_code == 200
    assert not Roadmap.objects.exists()  # reading creates nothing

    response = client.post(url("roadmap_axis_add", world.participation_a), {"title": "Mobilités"})

    assert response.status_code == 302
    roadmap = Roadmap.objects.get(participation=world.participation_a)
    assert list(roadmap.axes.values_list("title", flat=True)) == ["Mobilités"]


def test_an_editor_adds_an_action_to_an_axis(client, world, roadmap_a):
    axis = roadmap_a.axes.get(title="Santé et services")
    client.force_login(world.referent_a)
    form_page = client.get(url("roadmap_action_add", world.participation_a) + f"?axe={axis.pk}")
    assert form_page.status_code == 200
    assert f'<option value="{axis.pk}" selected' in form_page.content.decode()

    response = client.post(
        url("roadmap_action_add", world.participation_a),
        {
            "title": "Navette vers l'hôpital",
            "axis": axis.pk,
            "lead": "Communauté de communes",
            "starts_on": "2026-09-01",
            "ends_on": "2027-06-30",
            "horizon": "moyen",
            "budget_eur": "12500.50",
            "status": "prevue",
            "progress": "10",
            "needs_engineering_support": "on",
        },
    )

    assert response.status_code == 302
    action = Action.objects.get(title="Navette vers l'hôpital")
    assert action.axis == axis and action.roadmap == roadmap_a
    assert action.ends_on == date(2027, 6, 30) and action.needs_engineering_support
    assert titles(roadmap_a, axis) == ["Maison de santé", "Navette vers l'hôpital"]
    editor = client.get(url("roadmap", world.participation_a)).content.decode()
    assert "Navette vers l&#x27;hôpital" in editor and "Communauté de communes" in editor


def test_the_action_form_refuses_an_end_before_its_start_and_keeps_what_was_typed(
    client, world, roadmap_a
):
    client.force_login(world.prestataire_x)
    response = client.post(
        url("roadmap_action_add", world.participation_a),
        {
            "title": "Étude de mobilité",
            "lead": "Syndicat mixte",
            "starts_on": "2027-03-01",
            "ends_on": "2027-01-15",
            "horizon": "court",
            "budget_eur": "-10",
            "status": "prevue",
            "progress": "0",
        },
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "La fin de l&#x27;action ne peut précéder son début." in page
    assert "Le budget ne peut être négatif." in page
    assert 'value="Étude de mobilité"' in page and 'value="Syndicat mixte"' in page
    assert 'value="2027-03-01"' in page and 'value="2027-01-15"' in page
    assert not Action.objects.filter(title="Étude de mobilité").exists()


def test_an_action_cannot_be_filed_under_another_roadmaps_axis(client, world, roadmap_a):
    foreign_axis = AxisFactory(roadmap=RoadmapFactory(participation=world.participation_b))
    client.force_login(world.staff)
    response = client.post(
        url("roadmap_action_add", world.participation_a),
        {
            "title": "Intruse",
            "axis": foreign_axis.pk,
            "horizon": "court",
            "status": "prevue",
            "progress": "0",
        },
    )
    assert response.status_code == 200
    assert "Choisissez un axe de cette feuille de route." in response.content.decode()
    assert not Action.objects.filter(title="Intruse").exists()


def test_an_editor_edits_and_deletes_an_action(client, world, roadmap_a):
    action = roadmap_a.actions.get(title="Maison de santé")
    client.force_login(world.staff)
    assert (
        client.get(url("roadmap_action_edit", world.participation_a, action.pk)).status_code == 200
    )

    response = client.post(
        url("roadmap_action_edit", world.participation_a, action.pk),
        {
            "title": "Maison de santé pluriprofessionnelle",
            "axis": action.axis_id,
            "horizon": "long",
            "status": "en_cours",
            "progress": "40",
        },
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.title == "Maison de santé pluriprofessionnelle" and action.progress == 40

    confirm = client.get(url("roadmap_action_delete", world.participation_a, action.pk))
    assert confirm.status_code == 200
    assert (
        client.post(url("roadmap_action_delete", world.participation_a, action.pk)).status_code
        == 302
    )
    assert not Action.objects.filter(pk=action.pk).exists()


def test_deleting_an_axis_keeps_its_actions_under_no_axis(client, world, roadmap_a):
    axis = roadmap_a.axes.get(title="Sobriété foncière")
    client.force_login(world.prestataire_x)
    assert (
        client.post(url("roadmap_axis_delete", world.participation_a, axis.pk)).status_code == 302
    )
    assert not Axis.objects.filter(pk=axis.pk).exists()
    assert titles(roadmap_a) == ["Inventaire des friches", "Plan de renaturation"]
    assert "Actions hors axe" in client.get(url("roadmap", world.participation_a)).content.decode()


def test_renaming_an_axis(client, world, roadmap_a):
    axis = roadmap_a.axes.get(title="Sobriété foncière")
    client.force_login(world.elu_a)
    empty = client.post(url("roadmap_axis_edit", world.participation_a, axis.pk), {"title": ""})
    assert "Donnez un intitulé à l&#x27;axe." in empty.content.decode()
    response = client.post(
        url("roadmap_axis_edit", world.participation_a, axis.pk), {"title": "Sobriété"}
    )
    assert response.status_code == 302
    axis.refresh_from_db()
    assert axis.title == "Sobriété"


# --- Who only reads, who does not see -------------------------------------------------


def edit_requests(world, roadmap):
    """Every write of the roadmap pages, aimed at territory A's roadmap."""
    p = world.participation_a
    axis = roadmap.axes.first()
    action = roadmap.actions.first()
    return [
        ("post", url("roadmap_sections", p), {"vision": "Piratée"}),
        ("post", url("roadmap_axis_add", p), {"title": "Piraté"}),
        ("get", url("roadmap_axis_edit", p, axis.pk), {}),
        ("post", url("roadmap_axis_edit", p, axis.pk), {"title": "Piraté"}),
        ("post", url("roadmap_axis_delete", p, axis.pk), {}),
        ("get", url("roadmap_action_add", p), {}),
        (
            "post",
            url("roadmap_action_add", p),
            {"title": "Piratée", "horizon": "court", "status": "prevue", "progress": "0"},
        ),
        ("get", url("roadmap_action_edit", p, action.pk), {}),
        ("post", url("roadmap_action_edit", p, action.pk), {"title": "Piratée"}),
        ("post", url("roadmap_action_delete", p, action.pk), {}),
        ("post", url("roadmap_reorder", p), {"kind": "axis", "item": axis.pk, "direction": "down"}),
        ("post", url("roadmap_submit", p), {}),
    ]


def test_the_copil_reads_the_roadmap_but_cannot_write(client, world, roadmap_a):
    client.force_login(world.copil_x)
    page = client.get(url("roadmap", world.participation_a))
    assert page.status_code == 200
    content = page.content.decode()
    assert "Inventaire des friches" in content and "Un territoire sobre et solidaire" in content
    assert "Enregistrer les textes" not in content and "Modifier" not in content

    for method, target, data in edit_requests(world, roadmap_a):
        assert getattr(client, method)(target, data).status_code == 404, target
    roadmap_a.refresh_from_db()
    assert roadmap_a.vision == "Un territoire sobre et solidaire en 2035."
    assert roadmap_a.axes.count() == 2 and roadmap_a.actions.count() == 3


@pytest.mark.parametrize("persona", ["elu_b", "prestataire_y"])
def test_another_territory_gets_404_everywhere(client, world, roadmap_a, persona):
    client.force_login(world.personas[persona])
    assert client.get(url("roadmap", world.participation_a)).status_code == 404
    for method, target, data in edit_requests(world, roadmap_a):
        assert getattr(client, method)(target, data).status_code == 404, target
    assert roadmap_a.actions.count() == 3


def test_anonymous_visitors_are_sent_to_login(client, world, roadmap_a):
    response = client.get(url("roadmap", world.participation_a))
    assert response.status_code == 302 and "/compte/login/" in response["Location"]


def test_an_action_of_another_roadmap_is_a_404(client, world, roadmap_a):
    foreign = ActionFactory(roadmap=RoadmapFactory(participation=world.participation_b))
    client.force_login(world.staff)
    target = url("roadmap_action_edit", world.participation_a, foreign.pk)
    assert client.get(target).status_code == 404


def test_the_territory_page_links_to_the_roadmap(client, world, roadmap_a):
    client.force_login(world.copil_x)
    page = client.get(reverse("territories:participation", args=[world.participation_a.pk]))
    assert url("roadmap", world.participation_a) in page.content.decode()


# --- Order -------------------------------------------------------------------------------


def test_axes_and_actions_move_up_and_down(client, world, roadmap_a):
    first, second = roadmap_a.axes.order_by("position")
    client.force_login(world.prestataire_x)

    response = client.post(
        url("roadmap_reorder", world.participation_a),
        {"kind": "axis", "item": second.pk, "direction": "up"},
    )
    assert response.status_code == 302
    assert list(roadmap_a.axes.order_by("position").values_list("title", flat=True)) == [
        "Santé et services",
        "Sobriété foncière",
    ]

    moved = roadmap_a.actions.get(title="Plan de renaturation")
    client.post(
        url("roadmap_reorder", world.participation_a),
        {"kind": "action", "item": moved.pk, "direction": "up"},
    )
    assert titles(roadmap_a, first) == ["Plan de renaturation", "Inventaire des friches"]
    assert titles(roadmap_a, second) == ["Maison de santé"]

    # The first action of its axis does not move further up.
    client.post(
        url("roadmap_reorder", world.participation_a),
        {"kind": "action", "item": moved.pk, "direction": "up"},
    )
    assert titles(roadmap_a, first) == ["Plan de renaturation", "Inventaire des friches"]


def test_reorder_refuses_the_ids_of_another_roadmap(client, world, roadmap_a):
    roadmap_b = RoadmapFactory(participation=world.participation_b)
    foreign_axis = AxisFactory(roadmap=roadmap_b)
    foreign_action = ActionFactory(roadmap=roadmap_b, axis=foreign_axis)
    client.force_login(world.staff)
    before = list(Action.objects.order_by("pk").values_list("pk", "position"))

    for kind, item in (("axis", foreign_axis.pk), ("action", foreign_action.pk)):
        response = client.post(
            url("roadmap_reorder", world.participation_a),
            {"kind": kind, "item": item, "direction": "up"},
        )
        assert response.status_code == 404

    assert list(Action.objects.order_by("pk").values_list("pk", "position")) == before
    garbled = client.post(url("roadmap_reorder", world.participation_a), {"kind": "axe"})
    assert garbled.status_code == 302


# --- Submission -------------------------------------------------------------------------


def test_submitting_needs_an_action(client, world):
    client.force_login(world.prestataire_x)
    response = client.post(url("roadmap_submit", world.participation_a), follow=True)
    assert "Ajoutez au moins une action" in response.content.decode()


def test_an_editor_submits_the_draft(client, world, roadmap_a):
    client.force_login(world.prestataire_x)
    assert client.post(url("roadmap_submit", world.participation_a)).status_code == 302
    roadmap_a.refresh_from_db()
    assert roadmap_a.status == Roadmap.Status.SUBMITTED


# --- Queries ---------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["prestataire_x", "copil_x"])
def test_the_roadmap_page_costs_the_same_queries_whatever_its_size(
    client, world, django_assert_num_queries, persona
):
    roadmap = RoadmapFactory(participation=world.participation_a)
    client.force_login(world.personas[persona])
    page = url("roadmap", world.participation_a)

    def programme_of(action_count):
        Action.objects.all().delete()
        Axis.objects.all().delete()
        axes = AxisFactory.create_batch(max(1, action_count // 5), roadmap=roadmap)
        for index in range(action_count):
            # Every seventh action under no axis, the others spread over the axes.
            ActionFactory(roadmap=roadmap, axis=axes[index % len(axes)] if index % 7 else None)

    programme_of(2)
    with CaptureQueriesContext(connection) as small:
        assert client.get(page).status_code == 200
    programme_of(20)
    with django_assert_num_queries(len(small)):
        response = client.get(page)
    assert response.content.decode().count('<tr id="action-') == 20


def test_saving_the_texts_unchanged_keeps_an_adopted_roadmap_adopted(client, world, roadmap_a):
    Roadmap.objects.filter(pk=roadmap_a.pk).update(status="adoptee", adopted_on=date(2026, 6, 1))
    client.force_login(world.prestataire_x)
    unchanged = {"vision": roadmap_a.vision, "synthesis": "", "governance": "", "partnerships": ""}

    client.post(url("roadmap_sections", world.participation_a), unchanged)
    roadmap_a.refresh_from_db()
    assert roadmap_a.status == Roadmap.Status.ADOPTED

    client.post(url("roadmap_sections", world.participation_a), unchanged | {"governance": "COPIL"})
    roadmap_a.refresh_from_db()
    assert roadmap_a.status == Roadmap.Status.DRAFT


def test_editors_get_the_pdf_panel_and_the_copil_does_not(client, world, roadmap_a):
    pdf_request = url("roadmap_pdf_request", world.participation_a)
    client.force_login(world.prestataire_x)
    assert pdf_request in client.get(url("roadmap", world.participation_a)).content.decode()
    client.force_login(world.copil_x)
    assert pdf_request not in client.get(url("roadmap", world.participation_a)).content.decode()

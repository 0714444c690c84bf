"""ANCT staff run the cycle from the back-office: create a Fabrique from the
default path, propose and confirm territories, and are told clearly in French
when a date is impossible."""

import re
from datetime import date

import pytest
from django.urls import reverse

from fabriques.models import Fabrique
from seminars.models import Seminar
from territories.models import Participation
from tests.factories import FabriqueFactory, ParticipationFactory, TerritoryFactory

pytestmark = pytest.mark.django_db


def empty_inlines(client, path):
    """The management-form fields of every inline on an admin form, with no rows."""
    html = client.get(path).content.decode()
    prefixes = re.findall(r'name="([\w-]+)-TOTAL_FORMS"', html)
    data = {}
    for prefix in prefixes:
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    return data


def fabrique_form(**overrides):
    return {
        "title": "Bourgs-centres et transition démographique : quels services demain ?",
        "short_title": "Bourgs-centres 2027",
        "slug": "2027-bourgs-centres",
        "edition": "2027",
        "start_date": "01/02/2027",
        "note_due_days": "15",
        "status": "preparation",
        **overrides,
    }


def test_staff_create_a_2027_fabrique_and_its_intersite_seminars_are_planned(staff_client):
    path = reverse("admin:fabriques_fabrique_add")
    response = staff_client.post(path, fabrique_form() | empty_inlines(staff_client, path))

    assert response.status_code == 302, response.context["adminform"].form.errors
    fabrique = Fabrique.objects.get(slug="2027-bourgs-centres")
    assert fabrique.end_date == date(2028, 1, 31)
    assert fabrique.follow_up_due_date == date(2028, 7, 31)
    assert fabrique.seminar_template.is_default
    seminars = list(fabrique.seminars.order_by("number"))
    assert [(s.kind, s.number) for s in seminars] == [("intersite", n) for n in (1, 2, 3, 4)]
    assert seminars[0].window_start == date(2027, 5, 1)


def test_an_end_date_before_the_start_is_refused_in_french_and_kept(staff_client):
    path = reverse("admin:fabriques_fabrique_add")
    data = fabrique_form(end_date="01/01/2027") | empty_inlines(staff_client, path)
    response = staff_client.post(path, data)

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors["end_date"] == ["La date de fin doit être postérieure à la date de début."]
    # What the user typed is still in the form.
    assert form["title"].value() == data["title"]
    assert not Fabrique.objects.exists()
    assert not Seminar.objects.exists()


def test_a_seminar_outside_its_fabrique_year_is_refused_in_french(staff_client):
    participation = ParticipationFactory(fabrique=FabriqueFactory(start_date=date(2027, 1, 1)))
    seminar = Seminar.objects.create(
        fabrique=participation.fabrique,
        participation=participation,
        kind="local",
        number=1,
        window_start=date(2027, 2, 1),
        window_end=date(2027, 4, 30),
    )
    path = reverse("admin:seminars_seminar_change", args=[seminar.pk])
    data = {
        "fabrique": participation.fabrique.pk,
        "participation": participation.pk,
        "kind": "local",
        "number": "1",
        "theme": "Croiser projections",
        "window_start": "01/02/2027",
        "window_end": "30/04/2027",
        "starts_at_0": "15/03/2028",
        "starts_at_1": "14:00",
        "format": "presentiel",
        "status": "programme",
    } | empty_inlines(staff_client, path)
    response = staff_client.post(path, data)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["starts_at"] == [
        "Le séminaire doit se tenir pendant l'année de la Fabrique (01/01/2027 – 31/12/2027)."
    ]
    seminar.refresh_from_db()
    assert seminar.starts_at is None


def test_confirm_action_plans_the_local_seminars(staff_client):
    fabrique = FabriqueFactory()
    proposed = ParticipationFactory(
        fabrique=fabrique, status=Participation.Status.PROPOSED, confirmed_on=None
    )
    response = staff_client.post(
        reverse("admin:territories_participation_changelist"),
        {"action": "confirm", "_selected_action": [proposed.pk]},
        follow=True,
    )
    assert "1 participation(s) confirmée(s), séminaires planifiés." in response.content.decode()
    proposed.refresh_from_db()
    assert proposed.status == Participation.Status.CONFIRMED
    assert proposed.seminars.count() == 5


def test_withdraw_action_then_confirm_is_refused_with_a_message(staff_client):
    participation = ParticipationFactory(territory=TerritoryFactory(name="Chantepie"))
    changelist = reverse("admin:territories_participation_changelist")
    staff_client.post(changelist, {"action": "withdraw", "_selected_action": [participation.pk]})
    response = staff_client.post(
        changelist, {"action": "confirm", "_selected_action": [participation.pk]}, follow=True
    )
    assert (
        "Chantepie s&#x27;est retiré de la Fabrique : sa participation ne peut être confirmée."
        in response.content.decode()
    )


def test_the_fabrique_page_shows_its_warnings(staff_client):
    fabrique = FabriqueFactory()
    ParticipationFactory.create_batch(2, fabrique=fabrique)
    response = staff_client.get(reverse("admin:fabriques_fabrique_change", args=[fabrique.pk]))
    page = response.content.decode()
    assert "La Fabrique compte 2 territoires confirmés : la méthode en prévoit de 4 à 8." in page
    assert "Le COPIL ne compte aucune association d&#x27;élus." in page


def test_confirming_from_the_fabrique_plans_every_proposed_territory(staff_client):
    fabrique = FabriqueFactory()
    ParticipationFactory.create_batch(
        4, fabrique=fabrique, status=Participation.Status.PROPOSED, confirmed_on=None
    )
    staff_client.post(
        reverse("admin:fabriques_fabrique_changelist"),
        {"action": "confirm_proposed_territories", "_selected_action": [fabrique.pk]},
    )
    assert fabrique.participations.confirmed().count() == 4
    assert Seminar.objects.filter(fabrique=fabrique, kind="local").count() == 16


def test_the_lead_consultant_is_chosen_in_the_fabrique_team(staff_client):
    from tests.factories import TeamMemberFactory

    participation = ParticipationFactory()
    own = TeamMemberFactory(contract__fabrique=participation.fabrique)
    other = TeamMemberFactory()
    response = staff_client.get(
        reverse("admin:territories_participation_change", args=[participation.pk])
    )
    choices = [c[0] for c in response.context["adminform"].form.fields["lead_consultant"].choices]
    assert own.pk in [getattr(c, "value", c) for c in choices]
    assert other.pk not in [getattr(c, "value", c) for c in choices]


def test_the_fabrique_page_links_to_its_whole_calendar(staff_client):
    participation = ParticipationFactory()
    Seminar.objects.create(
        fabrique=participation.fabrique,
        participation=participation,
        kind="local",
        number=1,
        window_start=date(2027, 2, 1),
        window_end=date(2027, 4, 30),
    )
    fabrique = participation.fabrique
    page = staff_client.get(
        reverse("admin:fabriques_fabrique_change", args=[fabrique.pk])
    ).content.decode()
    link = f"/admin/seminars/seminar/?fabrique__id__exact={fabrique.pk}"
    assert f'<a href="{link}">Voir le séminaire planifié</a>' in page
    listing = staff_client.get(link)
    assert listing.context["cl"].result_count == 1

"""After its Fabrique, a territory's page says how to obtain ANCT's tailored
engineering support: its département's delegates and its flagged actions."""

from datetime import datetime
from zoneinfo import ZoneInfo

import factory
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from territories.models import AnctDelegate
from tests.factories import ActionFactory, AxisFactory, DepartementFactory, RoadmapFactory

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")


class AnctDelegateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AnctDelegate

    departement = factory.SubFactory(DepartementFactory)
    role = AnctDelegate.Role.DELEGATE
    full_name = factory.Sequence(lambda n: f"Préfète {n}")
    title = "Préfète du Morbihan"
    email = factory.Sequence(lambda n: f"delegue{n}@prefecture.demo.invalid")


@pytest.fixture
def delegates(world):
    """The delegates of territory A's département, and another département's."""
    departement = world.territory_a.departement
    other = DepartementFactory(code="35", name="Ille-et-Vilaine")
    return {
        "prefect": AnctDelegateFactory(departement=departement, full_name="Claire Préfète"),
        "deputy": AnctDelegateFactory(
            departement=departement,
            role=AnctDelegate.Role.DEPUTY,
            full_name="Paul Adjoint",
            title="Sous-préfet",
            phone="02 97 00 00 00",
        ),
        "elsewhere": AnctDelegateFactory(departement=other, full_name="Autre Préfet"),
    }


@pytest.fixture
def roadmap_a(world):
    roadmap = RoadmapFactory(participation=world.participation_a)
    axis = AxisFactory(roadmap=roadmap, title="Mobilités")
    ActionFactory(
        roadmap=roadmap, axis=axis, title="Navette rurale", needs_engineering_support=True
    )
    ActionFactory(roadmap=roadmap, axis=axis, title="Covoiturage")
    ActionFactory(roadmap=roadmap, title="Tiers-lieu", needs_engineering_support=True)
    return roadmap


def page(client, world, user):
    client.force_login(user)
    return client.get(reverse("territories:participation", args=[world.participation_a.pk]))


def test_the_section_is_shown_only_after_the_fabrique(
    client, world, delegates, roadmap_a, time_machine
):
    time_machine.move_to(datetime(2027, 2, 28, 12, tzinfo=PARIS), tick=False)  # its last day
    html = page(client, world, world.elu_a).content.decode()
    assert "Obtenir l'appui en ingénierie de l'ANCT" not in html
    assert "Claire Préfète" not in html

    time_machine.move_to(datetime(2027, 3, 1, 12, tzinfo=PARIS), tick=False)
    html = page(client, world, world.elu_a).content.decode()
    assert "Obtenir l'appui en ingénierie de l'ANCT" in html
    section = html.split("Obtenir l'appui en ingénierie de l'ANCT")[1]
    assert "Navette rurale" in section and "Tiers-lieu" in section
    assert "Covoiturage" not in section
    assert reverse("deliverables:follow_up_actions", args=[world.participation_a.pk]) in html


def test_only_the_departements_delegates_are_listed(
    client, world, delegates, roadmap_a, time_machine
):
    time_machine.move_to(datetime(2027, 9, 1, 12, tzinfo=PARIS), tick=False)
    html = page(client, world, world.referent_a).content.decode()
    assert html.index("Claire Préfète") < html.index("Paul Adjoint")  # the prefect first
    assert "delegue" in html and "02 97 00 00 00" in html
    assert "Autre Préfet" not in html
    assert "Délégué territorial (préfet)" in html
    assert "Délégué territorial adjoint" in html


def test_without_delegates_the_territory_is_told_to_ask_anct(
    client, world, roadmap_a, time_machine
):
    time_machine.move_to(datetime(2027, 9, 1, 12, tzinfo=PARIS), tick=False)
    html = page(client, world, world.elu_a).content.decode()
    assert "ne sont pas encore renseignés" in html


def test_the_territory_page_costs_a_constant_number_of_queries(
    client, world, delegates, roadmap_a, time_machine
):
    """12 for an élu during the Fabrique (was 17 before the flags and the
    roadmap came with the participation), one more after it (the delegates)."""

    def queries(moment):
        time_machine.move_to(moment, tick=False)
        client.force_login(world.elu_a)
        url = reverse("territories:participation", args=[world.participation_a.pk])
        client.get(url)
        with CaptureQueriesContext(connection) as context:
            assert client.get(url).status_code == 200
        return len(context)

    during = queries(datetime(2026, 11, 24, 12, tzinfo=PARIS))
    after = queries(datetime(2027, 9, 1, 12, tzinfo=PARIS))
    ActionFactory.create_batch(10, roadmap=roadmap_a, needs_engineering_support=True)
    AxisFactory.create_batch(3, roadmap=roadmap_a)
    assert queries(datetime(2027, 9, 1, 12, tzinfo=PARIS)) == after
    assert during == 12
    assert after == during + 1

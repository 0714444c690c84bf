"""The prestataire space: the Fabriques a consultant runs, and each Fabrique's
territories at a glance with links to schedule their seminars."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from fabriques.models import TeamMember
from seminars.models import NoteVersion, Seminar
from tests.factories import (
    FabriqueFactory,
    IntersiteSeminarFactory,
    NoteVersionFactory,
    ParticipationFactory,
    PrestataireContractFactory,
    RoadmapFactory,
    SeminarFactory,
    TeamMemberFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def status_for(client, user, url):
    client.logout()
    if user is not None:
        client.force_login(user)
    return client.get(url).status_code


def fabrique_url(fabrique):
    return reverse("fabriques:prestataire_fabrique", args=[fabrique.pk])


def held_seminar(participation, number, days_ago):
    starts_at = timezone.now() - timedelta(days=days_ago)
    return SeminarFactory(
        participation=participation,
        number=number,
        status=Seminar.Status.HELD,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=3),
    )


def test_the_space_lists_the_fabriques_the_user_runs(client, world):
    client.force_login(world.prestataire_x)
    response = client.get(reverse("fabriques:prestataire_space"))
    assert response.status_code == 200
    assert [f.pk for f in response.context["fabriques"]] == [world.fabrique_x.pk]
    assert response.context["active_space"] == "prestataire"
    assert fabrique_url(world.fabrique_x) in response.content.decode()
    assert fabrique_url(world.fabrique_y) not in response.content.decode()


def test_the_space_is_for_prestataires_and_staff(client, world):
    url = reverse("fabriques:prestataire_space")
    seen = {name: status_for(client, user, url) for name, user in world.personas.items()}
    assert seen == {
        "anonymous": 302,
        "elu_a": 404,
        "referent_a": 404,
        "elu_b": 404,
        "prestataire_x": 200,
        "prestataire_y": 200,
        "copil_x": 404,
        "staff": 200,
    }


def test_who_may_open_a_fabrique_page(client, world):
    url = fabrique_url(world.fabrique_x)
    seen = {name: status_for(client, user, url) for name, user in world.personas.items()}
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


def test_a_team_role_that_ended_closes_the_page(client, world):
    world.prestataire_x.team_memberships.update(ends_on=timezone.localdate() - timedelta(days=1))
    client.force_login(world.prestataire_x)
    assert client.get(fabrique_url(world.fabrique_x)).status_code == 404


def test_each_territory_shows_its_progress(client, world):
    participation = world.participation_a
    world.seminar_a.delete()
    held_seminar(participation, 1, days_ago=40)
    held_seminar(participation, 2, days_ago=3)
    handed_in = held_seminar(participation, 3, days_ago=60)
    NoteVersionFactory(seminar=handed_in, status=NoteVersion.Status.SUBMITTED)
    SeminarFactory(participation=participation, number=4)
    RoadmapFactory(participation=participation, status="soumise")
    client.force_login(world.prestataire_x)
    response = client.get(fabrique_url(world.fabrique_x))
    (row,) = response.context["participations"]
    assert (row.progress.held, row.progress.upcoming) == (3, 1)
    assert (row.progress.notes_pending, row.progress.notes_late) == (1, 1)
    html = response.content.decode()
    assert "Soumise au territoire" in html
    assert "En retard (attendue le" in html
    assert "À remettre avant le" in html
    assert "Remise à l'ANCT" in html


def test_the_page_links_every_seminar_still_to_hold_to_its_scheduling_form(client, world):
    held = held_seminar(world.participation_a, 2, days_ago=10)
    client.force_login(world.prestataire_x)
    html = client.get(fabrique_url(world.fabrique_x)).content.decode()
    assert reverse("seminars:schedule", args=[world.seminar_a.pk]) in html
    assert reverse("seminars:schedule", args=[world.intersite_x.pk]) in html
    assert reverse("seminars:schedule", args=[held.pk]) not in html
    assert "Séminaires intersites" in html


def test_the_page_shows_no_working_group_contact(client, world):
    client.force_login(world.prestataire_x)
    html = client.get(fabrique_url(world.fabrique_x)).content.decode()
    assert "groupe-a" not in html and "groupe-b" not in html


def test_the_space_and_the_page_cost_the_same_queries_for_2_or_20_rows(client, world):
    fabrique = world.fabrique_x
    client.force_login(world.prestataire_x)
    page = fabrique_url(fabrique)
    space = reverse("fabriques:prestataire_space")

    def add_rows(count):
        for _ in range(count):
            participation = ParticipationFactory(fabrique=fabrique)
            held = held_seminar(participation, 1, days_ago=30)
            NoteVersionFactory(seminar=held, status=NoteVersion.Status.SHARED)
            SeminarFactory(participation=participation, number=2)
            RoadmapFactory(participation=participation)
            other = FabriqueFactory()
            TeamMemberFactory(
                contract=PrestataireContractFactory(fabrique=other),
                user=world.prestataire_x,
                role=TeamMember.Role.ANALYST,
            )
            SeminarFactory(participation=ParticipationFactory(fabrique=other))

    add_rows(1)
    IntersiteSeminarFactory(fabrique=fabrique, number=2)
    counts = {}
    for url in (page, space):
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts[url] = len(queries)
    add_rows(18)
    for number in (3, 4):
        IntersiteSeminarFactory(fabrique=fabrique, number=number)
    for url in (page, space):
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        assert len(queries) == counts[url], url

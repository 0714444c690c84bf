"""The COPIL space: a read-only view of the Fabrique its members steer."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fabriques.models import Organisation
from seminars.models import NoteVersion
from tests.factories import (
    CopilMemberFactory,
    FabriqueFactory,
    NoteVersionFactory,
    OrganisationFactory,
    ParticipationFactory,
    PartnershipFactory,
    RoadmapFactory,
    SeminarFactory,
    WorkingGroupMemberFactory,
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


def copil_url(fabrique):
    return reverse("fabriques:copil_fabrique", args=[fabrique.pk])


def test_the_space_lists_the_fabriques_the_member_steers(client, world):
    client.force_login(world.copil_x)
    response = client.get(reverse("fabriques:copil_space"))
    assert [f.pk for f in response.context["fabriques"]] == [world.fabrique_x.pk]
    assert response.context["active_space"] == "copil"
    assert copil_url(world.fabrique_x) in response.content.decode()


def test_the_space_and_the_page_are_for_copil_members_and_staff(client, world):
    expected = {
        "anonymous": 302,
        "elu_a": 404,
        "referent_a": 404,
        "elu_b": 404,
        "prestataire_x": 404,
        "prestataire_y": 404,
        "copil_x": 200,
        "staff": 200,
    }
    for url in (reverse("fabriques:copil_space"), copil_url(world.fabrique_x)):
        seen = {name: status_for(client, user, url) for name, user in world.personas.items()}
        assert seen == expected, url
    assert status_for(client, world.copil_x, copil_url(world.fabrique_y)) == 404


def test_the_page_shows_question_partners_copil_territories_calendar_and_notes(client, world):
    fabrique = world.fabrique_x
    PartnershipFactory(fabrique=fabrique, organisation__name="Intercommunalités de France")
    CopilMemberFactory(
        fabrique=fabrique,
        organisation=OrganisationFactory(name="Cerema", kind=Organisation.Kind.NATIONAL_OPERATOR),
        function="Directeur territorial",
    )
    shared = NoteVersionFactory(seminar=world.seminar_a, status=NoteVersion.Status.SHARED)
    draft = NoteVersionFactory(seminar=world.intersite_x)
    RoadmapFactory(participation=world.participation_a, status="adoptee", adopted_on="2026-10-01")
    client.force_login(world.copil_x)
    response = client.get(copil_url(fabrique))
    html = response.content.decode()
    for text in (
        fabrique.title,
        "Intercommunalités de France",
        "Cerema",
        "Directeur territorial",
        "Territoire A",
        "Adoptée",
        "Séminaire intersite 1",
    ):
        assert text in html, text
    assert [s.pk for s in response.context["calendar"]] == [
        world.seminar_a.pk,
        world.intersite_x.pk,
    ]
    assert reverse("seminars:note_download", args=[shared.pk]) in html
    assert reverse("seminars:note_download", args=[draft.pk]) not in html
    assert "Territoire B" not in html


def test_the_page_shows_no_working_group_personal_data(client, world):
    member = world.members_a[0]
    member.phone = "06 11 22 33 44"
    member.save(update_fields=["phone"])
    client.force_login(world.copil_x)
    html = client.get(copil_url(world.fabrique_x)).content.decode()
    assert "groupe-a" not in html and "groupe-b" not in html
    assert member.last_name not in html and "06 11 22 33 44" not in html


def test_the_page_is_read_only(client, world):
    client.force_login(world.copil_x)
    html = client.get(copil_url(world.fabrique_x)).content.decode()
    main = html[html.index("<main") : html.index("</main>")]
    assert "<form" not in main
    assert reverse("seminars:schedule", args=[world.seminar_a.pk]) not in main


def test_the_page_costs_the_same_queries_for_2_or_20_rows(client, world):
    fabrique = world.fabrique_x

    def add_rows(count):
        for _ in range(count):
            participation = ParticipationFactory(fabrique=fabrique)
            seminar = SeminarFactory(participation=participation)
            NoteVersionFactory(seminar=seminar, status=NoteVersion.Status.SHARED)
            RoadmapFactory(participation=participation)
            WorkingGroupMemberFactory(participation=participation)
            PartnershipFactory(fabrique=fabrique)
            CopilMemberFactory(fabrique=fabrique)
            CopilMemberFactory(fabrique=FabriqueFactory(), user=world.copil_x)

    def queries(url):
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    add_rows(1)
    client.force_login(world.copil_x)
    urls = [copil_url(fabrique), reverse("fabriques:copil_space")]
    with_two = [queries(url) for url in urls]
    add_rows(18)
    assert [queries(url) for url in urls] == with_two

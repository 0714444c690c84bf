"""The territory space: the list of a user's participations and a participation's
page (calendar, shared notes, working group summary, roadmap)."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from seminars.models import NoteVersion, Seminar
from tests.factories import (
    ActionFactory,
    AxisFactory,
    FabriqueFactory,
    IntersiteSeminarFactory,
    NoteVersionFactory,
    ParticipationContactFactory,
    ParticipationFactory,
    PartnershipFactory,
    RoadmapFactory,
    SeminarFactory,
    WorkingGroupMemberFactory,
)

pytestmark = pytest.mark.django_db


PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def status_for(client, user, url):
    client.logout()
    if user is not None:
        client.force_login(user)
    return client.get(url).status_code


def query_count(client, url):
    """Queries of one request, after a warm-up one (sessions, caches)."""
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


# --- /territoire/ -------------------------------------------------------------------


def test_the_only_participation_opens_directly(client, world):
    client.force_login(world.elu_a)
    response = client.get(reverse("territories:space"))
    assert response.status_code == 302
    assert response.url == reverse("territories:participation", args=[world.participation_a.pk])


def test_several_participations_are_listed_with_their_fabrique(client, world):
    other = ParticipationFactory(territory=world.territory_a, fabrique=FabriqueFactory())
    ParticipationContactFactory(participation=other, user=world.elu_a)
    client.force_login(world.elu_a)
    response = client.get(reverse("territories:space"))
    assert response.status_code == 200
    assert response.context["active_space"] == "territory"
    listed = {p.pk for p in response.context["participations"]}
    assert listed == {world.participation_a.pk, other.pk}
    assert reverse("territories:participation", args=[other.pk]) in response.content.decode()


def test_the_territory_space_is_for_referents_and_staff(client, world):
    url = reverse("territories:space")
    assert status_for(client, None, url) == 302
    assert status_for(client, world.prestataire_x, url) == 404
    assert status_for(client, world.copil_x, url) == 404
    assert status_for(client, world.staff, url) == 200
    assert status_for(client, world.referent_a, url) == 302


def test_the_space_list_costs_the_same_queries_for_2_or_20_participations(client, world):
    client.force_login(world.elu_a)
    url = reverse("territories:space")
    other = ParticipationFactory(fabrique=FabriqueFactory())
    ParticipationContactFactory(participation=other, user=world.elu_a)
    with_two = query_count(client, url)
    for _ in range(18):
        more = ParticipationFactory(fabrique=FabriqueFactory())
        ParticipationContactFactory(participation=more, user=world.elu_a)
    assert query_count(client, url) == with_two


# --- /territoire/<pk>/ --------------------------------------------------------------


def participation_url(participation):
    return reverse("territories:participation", args=[participation.pk])


def test_who_may_open_a_participation(client, world):
    url = participation_url(world.participation_a)
    expected = {
        "anonymous": 302,
        "elu_a": 200,
        "referent_a": 200,
        "elu_b": 404,
        "prestataire_x": 200,
        "prestataire_y": 404,
        "copil_x": 200,
        "staff": 200,
    }
    seen = {name: status_for(client, user, url) for name, user in world.personas.items()}
    assert seen == expected


def test_an_unknown_participation_is_a_404(client, world):
    client.force_login(world.staff)
    assert client.get(reverse("territories:participation", args=[99999])).status_code == 404


def test_the_page_shows_the_fabrique_team_and_partners(client, world):
    fabrique = world.fabrique_x
    fabrique.objective = "Faire émerger des feuilles de route sobres."
    fabrique.save(update_fields=["objective"])
    PartnershipFactory(fabrique=fabrique, organisation__name="Villes de France")
    lead = world.prestataire_x.team_memberships.get()
    world.participation_a.lead_consultant = lead
    world.participation_a.save(update_fields=["lead_consultant"])
    client.force_login(world.elu_a)
    response = client.get(participation_url(world.participation_a))
    html = response.content.decode()
    assert fabrique.title in html
    assert "Faire émerger des feuilles de route sobres." in html
    assert "Villes de France" in html
    assert str(world.prestataire_x) in html
    assert response.context["title"] == f"Territoire A — {fabrique.display_title}"
    assert response.context["active_space"] == "territory"
    assert response.context["breadcrumb_data"]["current"] == "Territoire A"


def test_a_partner_added_or_renamed_shows_at_once(client, world):
    """The Fabrique's partners are kept per Fabrique and public version
    (public_cache): a saved partnership or organisation shows on the next
    request."""
    client.force_login(world.elu_a)
    url = participation_url(world.participation_a)
    assert "Régions de France" not in client.get(url).content.decode()
    partnership = PartnershipFactory(
        fabrique=world.fabrique_x, organisation__name="Régions de France"
    )
    assert "Régions de France" in client.get(url).content.decode()
    partnership.organisation.name = "Intercommunalités de France"
    partnership.organisation.save()
    html = client.get(url).content.decode()
    assert "Intercommunalités de France" in html and "Régions de France" not in html


def test_the_calendar_merges_local_and_intersite_seminars_by_date(client, world):
    immersion = SeminarFactory(
        participation=world.participation_a,
        kind=Seminar.Kind.IMMERSION,
        number=None,
        window_start=date(2026, 3, 1),
        window_end=date(2026, 3, 31),
    )
    # A fixed date before its window: it sorts by the date, not the window.
    world.intersite_x.starts_at = datetime(2026, 3, 20, 9, tzinfo=PARIS)
    world.intersite_x.ends_at = datetime(2026, 3, 20, 17, tzinfo=PARIS)
    world.intersite_x.status = Seminar.Status.SCHEDULED
    world.intersite_x.save()
    client.force_login(world.referent_a)
    response = client.get(participation_url(world.participation_a))
    assert [s.pk for s in response.context["calendar"]] == [
        immersion.pk,
        world.intersite_x.pk,
        world.seminar_a.pk,
    ]
    html = response.content.decode()
    assert "Date fixée" in html and "Prévu" in html
    assert "vendredi 20 mars 2026" in html


def test_only_the_latest_shared_version_of_each_note_is_offered(client, world):
    old = NoteVersionFactory(seminar=world.seminar_a, version=1, status=NoteVersion.Status.SHARED)
    latest = NoteVersionFactory(
        seminar=world.seminar_a, version=2, status=NoteVersion.Status.SHARED
    )
    draft = NoteVersionFactory(seminar=world.seminar_a, version=3)
    intersite = NoteVersionFactory(seminar=world.intersite_x, status=NoteVersion.Status.SHARED)
    other_territory = NoteVersionFactory(seminar=world.seminar_b, status=NoteVersion.Status.SHARED)
    client.force_login(world.elu_a)
    response = client.get(participation_url(world.participation_a))
    assert {n.pk for n in response.context["shared_notes"]} == {latest.pk, intersite.pk}
    html = response.content.decode()
    assert reverse("seminars:note_download", args=[latest.pk]) in html
    for hidden in (old, draft, other_territory):
        assert reverse("seminars:note_download", args=[hidden.pk]) not in html


def test_the_roadmap_is_shown_read_only_with_its_actions(client, world):
    roadmap = RoadmapFactory(participation=world.participation_a, status="soumise")
    axis = AxisFactory(roadmap=roadmap, title="Sobriété foncière")
    ActionFactory(roadmap=roadmap, axis=axis, title="Recycler les friches", status="en_cours")
    ActionFactory(roadmap=roadmap, title="Observatoire local", status="prevue")
    client.force_login(world.elu_a)
    html = client.get(participation_url(world.participation_a)).content.decode()
    for text in (
        "Soumise au territoire",
        "Sobriété foncière",
        "Recycler les friches",
        "En cours",
        "Actions hors axe",
        "Observatoire local",
    ):
        assert text in html
    assert "<form" not in html.split('id="feuille-de-route"')[1]


def test_the_summary_counts_the_group_without_personal_details(client, world):
    client.force_login(world.staff)
    response = client.get(participation_url(world.participation_a))
    assert response.context["summary"].size == 3
    html = response.content.decode()
    assert "Hors de la cible de 15 à 20" in html
    assert "pas encore de séminaire tenu" in html
    assert "groupe-a" not in html


def every_page(world):
    """Every page of the three spaces and the dashboard, for both territories."""
    urls = [
        reverse("territories:space"),
        reverse("fabriques:prestataire_space"),
        reverse("fabriques:copil_space"),
        reverse("fabriques:dashboard"),
    ]
    for participation, member in (
        (world.participation_a, world.members_a[0]),
        (world.participation_b, world.members_b[0]),
    ):
        urls += [
            participation_url(participation),
            reverse("territories:working_group", args=[participation.pk]),
            reverse("territories:working_group_add", args=[participation.pk]),
            reverse("territories:working_group_edit", args=[participation.pk, member.pk]),
            reverse("territories:working_group_remove", args=[participation.pk, member.pk]),
        ]
    for fabrique in (world.fabrique_x, world.fabrique_y):
        urls += [
            reverse("fabriques:prestataire_fabrique", args=[fabrique.pk]),
            reverse("fabriques:copil_fabrique", args=[fabrique.pk]),
        ]
    for seminar in (world.seminar_a, world.seminar_b, world.intersite_x):
        urls.append(reverse("seminars:schedule", args=[seminar.pk]))
    return urls


@pytest.mark.parametrize("persona", ["elu_a", "referent_a", "prestataire_x", "copil_x"])
def test_no_page_shows_territory_b_group_to_a_user_of_territory_a(client, world, persona):
    for member in world.members_b:
        member.phone = "07 00 00 00 0B"
        member.save(update_fields=["phone"])
    client.force_login(world.personas[persona])
    for url in every_page(world):
        html = client.get(url, follow=True).content.decode()
        assert "groupe-b" not in html and "07 00 00 00 0B" not in html, url


@pytest.mark.parametrize("persona", ["prestataire_x", "prestataire_y", "copil_x"])
def test_no_page_shows_working_group_contacts_to_prestataires_or_copil(client, world, persona):
    for member in [*world.members_a, *world.members_b]:
        member.phone = "07 00 00 00 00"
        member.save(update_fields=["phone"])
    client.force_login(world.personas[persona])
    for url in every_page(world):
        html = client.get(url, follow=True).content.decode()
        assert "groupe-a" not in html and "groupe-b" not in html, url
        assert "07 00 00 00 00" not in html, url


def add_page_rows(participation, roadmap, count):
    """``count`` more partners, référents, members, axes and actions."""
    for _ in range(count):
        PartnershipFactory(fabrique=participation.fabrique)
        ParticipationContactFactory(participation=participation)
        WorkingGroupMemberFactory(participation=participation)
        axis = AxisFactory(roadmap=roadmap)
        ActionFactory(roadmap=roadmap, axis=axis)
        ActionFactory(roadmap=roadmap)


def test_the_participation_page_costs_the_same_queries_for_2_or_20_rows(client, world):
    participation = world.participation_a
    roadmap = RoadmapFactory(participation=participation)
    for seminar in (world.seminar_a, world.intersite_x):
        NoteVersionFactory(seminar=seminar, status=NoteVersion.Status.SHARED)
    add_page_rows(participation, roadmap, 2)
    client.force_login(world.elu_a)
    url = participation_url(participation)
    with_two = query_count(client, url)

    # A territory has at most 4 local seminars and one immersion day, its
    # Fabrique 4 intersite ones: the calendar grows to its full size.
    held = timezone.now() - timedelta(days=30)
    seminars = [
        SeminarFactory(participation=participation, number=n, status="tenu", starts_at=held)
        for n in (2, 3, 4)
    ]
    seminars.append(SeminarFactory(participation=participation, kind="immersion", number=None))
    seminars += [
        IntersiteSeminarFactory(fabrique=participation.fabrique, number=n) for n in (2, 3, 4)
    ]
    for seminar in seminars:
        NoteVersionFactory(seminar=seminar, status=NoteVersion.Status.SHARED)
    add_page_rows(participation, roadmap, 18)
    assert query_count(client, url) == with_two


def test_referents_and_staff_see_how_to_hand_a_role_over(client, world):
    from django.urls import reverse

    contact = world.elu_a.territory_roles.get()
    link = reverse("invitations:handover", args=[world.participation_a.pk, contact.pk])
    page = reverse("territories:participation", args=[world.participation_a.pk])
    for user in (world.referent_a, world.staff):
        client.force_login(user)
        assert link in client.get(page).content.decode()
    client.force_login(world.prestataire_x)
    assert link not in client.get(page).content.decode()


def test_the_dashboard_leads_to_the_invitations(client, world):
    from django.urls import reverse

    client.force_login(world.staff)
    page = client.get(reverse("fabriques:dashboard")).content.decode()
    assert reverse("invitations:create") in page and reverse("invitations:list") in page


def test_a_late_note_is_flagged_on_the_territory_page_too(client, world):
    from datetime import datetime, time, timedelta

    from django.urls import reverse
    from django.utils import timezone

    held_on = timezone.localdate() - timedelta(days=world.fabrique_x.note_due_days + 5)
    world.seminar_a.status = "tenu"
    world.seminar_a.starts_at = timezone.make_aware(datetime.combine(held_on, time(14, 0)))
    world.seminar_a.save(update_fields=["status", "starts_at"])
    client.force_login(world.elu_a)
    page = client.get(reverse("territories:participation", args=[world.participation_a.pk]))
    assert "En retard" in page.content.decode()

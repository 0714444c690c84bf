"""The access rules: each persona sees exactly its scope, and ended roles
give no access."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from accounts import permissions as perms
from fabriques.models import Fabrique
from seminars.models import Seminar
from territories.models import Participation

pytestmark = pytest.mark.django_db


def pks(queryset):
    return sorted(queryset.values_list("pk", flat=True))


def test_each_persona_sees_exactly_its_participations(world):
    expected = {
        "elu_a": [world.participation_a.pk],
        "referent_a": [world.participation_a.pk],
        "elu_b": [world.participation_b.pk],
        "prestataire_x": [world.participation_a.pk],
        "prestataire_y": [world.participation_b.pk],
        "copil_x": [world.participation_a.pk],
        "staff": sorted([world.participation_a.pk, world.participation_b.pk]),
    }
    for name, pk_list in expected.items():
        user = world.personas[name]
        assert pks(Participation.objects.visible_to(user)) == pk_list, name


def test_each_persona_sees_exactly_its_fabriques_and_seminars(world):
    assert pks(Fabrique.objects.visible_to(world.elu_a)) == [world.fabrique_x.pk]
    assert pks(Fabrique.objects.visible_to(world.prestataire_y)) == [world.fabrique_y.pk]
    assert pks(Seminar.objects.visible_to(world.elu_a)) == sorted(
        [world.seminar_a.pk, world.intersite_x.pk]
    )
    assert pks(Seminar.objects.visible_to(world.elu_b)) == [world.seminar_b.pk]


def test_the_seminars_selected_by_ids_are_those_of_the_subqueries(world):
    """seminars_visible_to_by_ids (the iCal feed's rule) gives exactly the rows
    of seminars_visible_to, for every persona, with a second territory in a
    Fabrique (its local seminar is the team's and the COPIL's, not the other
    territory's élu's), a role that ended and one not started yet."""
    from django.contrib.auth.models import AnonymousUser

    from tests.factories import ParticipationFactory, SeminarFactory

    neighbour = ParticipationFactory(fabrique=world.fabrique_x)
    SeminarFactory(participation=neighbour, number=1)
    today = timezone.localdate()
    world.referent_a.territory_roles.update(ends_on=today - timedelta(days=1))
    world.prestataire_y.team_memberships.update(starts_on=today + timedelta(days=1))
    for name, user in {**world.personas, "anonymous": AnonymousUser()}.items():
        user = user or AnonymousUser()
        by_subqueries = pks(perms.seminars_visible_to(user, today))
        assert pks(perms.seminars_visible_to_by_ids(user, today)) == by_subqueries, name
    assert len(pks(perms.seminars_visible_to(world.prestataire_x, today))) >= 3


def test_anonymous_and_inactive_users_see_nothing(world):
    from django.contrib.auth.models import AnonymousUser

    assert not Participation.objects.visible_to(AnonymousUser()).exists()
    world.staff.is_active = False
    assert not Fabrique.objects.visible_to(world.staff).exists()


def test_a_role_that_ended_gives_no_access_the_next_day(world):
    today = timezone.localdate()
    world.elu_a.territory_roles.update(ends_on=today - timedelta(days=1))
    assert not perms.can_view_participation(world.elu_a, world.participation_a)
    assert perms.can_view_participation(
        world.elu_a, world.participation_a, today=today - timedelta(days=1)
    )


def test_a_role_not_started_gives_no_access_yet(world):
    world.prestataire_x.team_memberships.update(starts_on=date(2099, 1, 1))
    assert not perms.can_run_fabrique(world.prestataire_x, world.fabrique_x)


def test_working_group_is_managed_by_the_territory_referents_and_staff(world):
    allowed = {
        name
        for name, user in world.personas.items()
        if user and perms.can_manage_working_group(user, world.participation_a)
    }
    assert allowed == {"elu_a", "referent_a", "staff"}


def test_user_spaces_tells_the_header_which_spaces_to_show(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        spaces = perms.user_spaces(world.prestataire_x)
    assert spaces == {"territory": False, "prestataire": True, "copil": False, "anct": False}
    assert perms.user_spaces(world.staff)["anct"] is True
    assert perms.user_spaces(world.copil_x)["copil"] is True


def test_get_visible_or_404_answers_404_outside_the_scope(world):
    from django.http import Http404

    scoped = Participation.objects.visible_to(world.elu_a)
    assert perms.get_visible_or_404(scoped, pk=world.participation_a.pk) == world.participation_a
    with pytest.raises(Http404):
        perms.get_visible_or_404(scoped, pk=world.participation_b.pk)

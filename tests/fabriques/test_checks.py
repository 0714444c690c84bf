"""The warnings ANCT staff see on a Fabrique that strays from the method."""

from datetime import date

import pytest

from fabriques.checks import fabrique_warnings, participation_warnings
from fabriques.models import Organisation
from tests.factories import (
    CopilMemberFactory,
    FabriqueFactory,
    OrganisationFactory,
    ParticipationFactory,
    WorkingGroupMemberFactory,
)

pytestmark = pytest.mark.django_db
TODAY = date(2027, 3, 1)


def complete_copil(fabrique):
    for kind in (
        Organisation.Kind.ELECTED_OFFICIALS,
        Organisation.Kind.ANCT,
        Organisation.Kind.RESEARCH,
    ):
        CopilMemberFactory(fabrique=fabrique, organisation=OrganisationFactory(kind=kind))


def test_a_fabrique_that_follows_the_method_has_no_warning():
    fabrique = FabriqueFactory()
    complete_copil(fabrique)
    for participation in ParticipationFactory.create_batch(4, fabrique=fabrique):
        WorkingGroupMemberFactory.create_batch(15, participation=participation)
    assert fabrique_warnings(fabrique, today=TODAY) == []


def test_too_few_and_too_many_territories_are_flagged():
    fabrique = FabriqueFactory()
    complete_copil(fabrique)
    ParticipationFactory.create_batch(3, fabrique=fabrique)
    assert (
        "La Fabrique compte 3 territoires confirmés : la méthode en prévoit de 4 à 8."
        in fabrique_warnings(fabrique, today=TODAY)
    )
    ParticipationFactory.create_batch(6, fabrique=fabrique)
    assert (
        "La Fabrique compte 9 territoires confirmés : la méthode en prévoit de 4 à 8."
        in fabrique_warnings(fabrique, today=TODAY)
    )


def test_each_missing_copil_member_is_named():
    fabrique = FabriqueFactory()
    warnings = fabrique_warnings(fabrique, today=TODAY)
    assert "Le COPIL ne compte aucune association d'élus." in warnings
    assert "Le COPIL ne compte pas le programme de l'ANCT concerné." in warnings
    assert "Le COPIL ne compte aucun chercheur ou organisme de recherche." in warnings


def test_the_fabrique_programme_itself_must_sit_in_the_copil():
    programme = OrganisationFactory(name="Action cœur de ville", kind=Organisation.Kind.ANCT)
    fabrique = FabriqueFactory(anct_programme=programme)
    complete_copil(fabrique)  # an ANCT seat, but not the programme's
    assert "Le programme Action cœur de ville n'est pas représenté au COPIL." in (
        fabrique_warnings(fabrique, today=TODAY)
    )
    CopilMemberFactory(fabrique=fabrique, organisation=programme)
    assert not any("Action cœur de ville" in w for w in fabrique_warnings(fabrique, today=TODAY))


def test_a_copil_member_whose_role_ended_does_not_count():
    fabrique = FabriqueFactory()
    complete_copil(fabrique)
    fabrique.copil.filter(organisation__kind=Organisation.Kind.RESEARCH).update(
        ends_on=date(2027, 2, 1)
    )
    assert "Le COPIL ne compte aucun chercheur ou organisme de recherche." in (
        fabrique_warnings(fabrique, today=TODAY)
    )


def test_working_groups_outside_15_to_20_are_flagged_by_territory():
    participation = ParticipationFactory(territory__name="Lorient")
    WorkingGroupMemberFactory.create_batch(21, participation=participation)
    WorkingGroupMemberFactory.create_batch(3, participation=participation, left_on=date(2027, 2, 1))
    # 21 current members (the 3 who left do not count).
    expected = (
        "Le groupe de travail de Lorient compte 21 membres : la méthode en prévoit de 15 à 20."
    )
    assert expected in fabrique_warnings(participation.fabrique, today=TODAY)
    assert participation_warnings(participation) == [
        "Le groupe de travail compte 21 membres : la méthode en prévoit de 15 à 20."
    ]

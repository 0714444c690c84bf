"""The database refuses Fabriques and participations that cannot exist."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from fabriques.models import Fabrique
from territories.models import Participation
from tests.factories import FabriqueFactory, ParticipationFactory

pytestmark = pytest.mark.django_db


def test_a_territory_cannot_take_part_twice_in_one_fabrique():
    first = ParticipationFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ParticipationFactory(fabrique=first.fabrique, territory=first.territory)
    assert Participation.objects.count() == 1


def test_a_territory_can_take_part_in_two_fabriques():
    first = ParticipationFactory()
    ParticipationFactory(territory=first.territory)
    assert first.territory.participations.count() == 2


def test_a_fabrique_ending_before_it_starts_is_refused_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        FabriqueFactory(start_date=date(2027, 6, 1), end_date=date(2027, 1, 1))


def test_end_and_follow_up_dates_default_from_the_start():
    fabrique = FabriqueFactory(start_date=date(2027, 2, 1))
    assert fabrique.end_date == date(2028, 1, 31)
    assert fabrique.follow_up_due_date == date(2028, 7, 31)


def test_full_clean_explains_an_end_before_the_start_in_french():
    fabrique = Fabrique(
        title="Question",
        slug="question",
        edition=2027,
        start_date=date(2027, 6, 1),
        end_date=date(2027, 1, 1),
    )
    with pytest.raises(ValidationError) as error:
        fabrique.full_clean(exclude=["transitions", "partners"])
    assert error.value.message_dict["end_date"] == [
        "La date de fin doit être postérieure à la date de début."
    ]


def test_a_confirmed_participation_without_date_is_refused():
    with pytest.raises(IntegrityError), transaction.atomic():
        ParticipationFactory(status=Participation.Status.CONFIRMED, confirmed_on=None)

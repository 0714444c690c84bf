"""The database itself refuses impossible calendars."""

from datetime import date

import pytest
from django.db import IntegrityError, transaction

from seminars.models import Seminar, SeminarKind
from tests.factories import IntersiteSeminarFactory, ParticipationFactory, SeminarFactory

pytestmark = pytest.mark.django_db


def test_two_local_seminars_with_the_same_number_are_refused():
    first = SeminarFactory(number=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        SeminarFactory(participation=first.participation, number=2)
    assert first.participation.seminars.count() == 1


def test_the_same_number_in_two_territories_is_allowed():
    first = SeminarFactory(number=2)
    other = ParticipationFactory(fabrique=first.fabrique)
    SeminarFactory(participation=other, number=2)
    assert Seminar.objects.filter(number=2).count() == 2


def test_an_intersite_seminar_tied_to_a_participation_is_refused():
    participation = ParticipationFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Seminar.objects.create(
            fabrique=participation.fabrique,
            participation=participation,
            kind=SeminarKind.INTERSITE,
            number=1,
            window_start=date(2027, 4, 1),
            window_end=date(2027, 5, 31),
        )
    assert not Seminar.objects.exists()


def test_a_local_seminar_without_participation_is_refused():
    intersite = IntersiteSeminarFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Seminar.objects.create(
            fabrique=intersite.fabrique,
            kind=SeminarKind.LOCAL,
            number=1,
            window_start=date(2027, 4, 1),
            window_end=date(2027, 5, 31),
        )


def test_two_intersite_seminars_with_the_same_number_are_refused():
    first = IntersiteSeminarFactory(number=3)
    with pytest.raises(IntegrityError), transaction.atomic():
        IntersiteSeminarFactory(fabrique=first.fabrique, number=3)


def test_a_seminar_numbered_five_is_refused():
    with pytest.raises(IntegrityError), transaction.atomic():
        SeminarFactory(number=5)


def test_a_second_immersion_day_is_refused():
    first = SeminarFactory(kind=SeminarKind.IMMERSION, number=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        SeminarFactory(participation=first.participation, kind=SeminarKind.IMMERSION, number=None)


def test_a_window_ending_before_it_starts_is_refused():
    with pytest.raises(IntegrityError), transaction.atomic():
        SeminarFactory(window_start=date(2027, 5, 1), window_end=date(2027, 4, 1))

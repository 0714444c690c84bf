"""Creating a Fabrique, confirming and withdrawing territories plan the year."""

from datetime import date, datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from fabriques.models import Fabrique
from fabriques.services import fabrique_create
from seminars.models import Seminar, SeminarKind
from territories.models import Participation
from territories.services import (
    participation_confirm,
    participation_propose,
    participation_withdraw,
)
from tests.factories import TerritoryFactory

pytestmark = pytest.mark.django_db


def new_fabrique(start=date(2027, 1, 1)):
    return fabrique_create(
        fabrique=Fabrique(
            title="Villes moyennes et transition démographique : quels services demain ?",
            slug="villes-moyennes-2027",
            edition=2027,
            start_date=start,
        )
    )


def windows(queryset):
    return [
        (s.kind, s.number, s.window_start, s.window_end)
        for s in queryset.order_by("window_start", "kind", "number")
    ]


def test_creating_a_fabrique_plans_its_four_intersite_seminars(default_template):
    fabrique = new_fabrique()

    assert fabrique.seminar_template == default_template
    assert fabrique.end_date == date(2027, 12, 31)
    assert fabrique.follow_up_due_date == date(2028, 6, 30)
    assert windows(fabrique.seminars.all()) == [
        ("intersite", 1, date(2027, 4, 1), date(2027, 5, 31)),
        ("intersite", 2, date(2027, 8, 1), date(2027, 9, 30)),
        ("intersite", 3, date(2027, 10, 1), date(2027, 11, 30)),
        ("intersite", 4, date(2027, 12, 1), date(2027, 12, 31)),
    ]
    assert set(fabrique.seminars.values_list("theme", flat=True)) >= {
        "Identifier ressources et angles morts",
        "Partager les acquis de la démarche",
    }


def test_windows_follow_a_start_in_the_middle_of_a_month(default_template):
    fabrique = new_fabrique(start=date(2027, 3, 15))
    first = fabrique.seminars.get(number=1)
    assert (first.window_start, first.window_end) == (date(2027, 6, 15), date(2027, 8, 14))
    last = fabrique.seminars.get(number=4)
    assert last.window_end == fabrique.end_date == date(2028, 3, 14)


def test_confirming_a_territory_plans_its_immersion_day_and_four_local_seminars(
    default_template,
):
    fabrique = new_fabrique()
    participation = participation_propose(
        fabrique=fabrique, territory=TerritoryFactory(), on=date(2026, 12, 1)
    )
    assert participation.status == Participation.Status.PROPOSED
    assert not participation.seminars.exists()

    participation_confirm(participation=participation, on=date(2026, 12, 15))

    participation.refresh_from_db()
    assert participation.status == Participation.Status.CONFIRMED
    assert participation.confirmed_on == date(2026, 12, 15)
    assert windows(participation.seminars.all()) == [
        ("immersion", None, date(2027, 1, 1), date(2027, 1, 31)),
        ("local", 1, date(2027, 2, 1), date(2027, 4, 30)),
        ("local", 2, date(2027, 5, 1), date(2027, 7, 31)),
        ("local", 3, date(2027, 8, 1), date(2027, 10, 31)),
        ("local", 4, date(2027, 11, 1), date(2027, 12, 31)),
    ]
    assert Seminar.objects.filter(fabrique=fabrique).count() == 9


def test_confirming_twice_plans_nothing_more(default_template):
    fabrique = new_fabrique()
    participation = participation_propose(fabrique=fabrique, territory=TerritoryFactory())
    participation_confirm(participation=participation)
    participation_confirm(participation=participation)
    assert participation.seminars.count() == 5


def test_proposing_a_territory_twice_is_refused_in_french(default_template):
    fabrique = new_fabrique()
    territory = TerritoryFactory()
    participation_propose(fabrique=fabrique, territory=territory)
    with pytest.raises(ValidationError) as error:
        participation_propose(fabrique=fabrique, territory=territory)
    assert error.value.messages == ["Ce territoire participe déjà à cette Fabrique."]


def test_withdrawing_cancels_future_seminars_and_keeps_history(default_template):
    fabrique = new_fabrique()
    participation = participation_propose(fabrique=fabrique, territory=TerritoryFactory())
    participation_confirm(participation=participation, on=date(2026, 12, 15))
    held = participation.seminars.get(kind=SeminarKind.LOCAL, number=1)
    held.status = Seminar.Status.HELD
    held.starts_at = timezone.make_aware(datetime(2027, 3, 10, 14, 0))
    held.save(update_fields=["status", "starts_at"])
    past_unheld = participation.seminars.get(kind=SeminarKind.IMMERSION)

    participation_withdraw(participation=participation, on=date(2027, 4, 15), reason="Élections")

    participation.refresh_from_db()
    assert participation.status == Participation.Status.WITHDRAWN
    assert participation.withdrawn_on == date(2027, 4, 15)
    statuses = dict(participation.seminars.values_list("number", "status").filter(kind="local"))
    assert statuses == {1: "tenu", 2: "annule", 3: "annule", 4: "annule"}
    # The immersion window ended before the withdrawal: it is history, not cancelled.
    past_unheld.refresh_from_db()
    assert past_unheld.status == Seminar.Status.PLANNED
    assert participation.seminars.count() == 5
    # Intersite seminars belong to the Fabrique and are untouched.
    assert not fabrique.seminars.filter(kind="intersite", status="annule").exists()


def test_a_withdrawn_participation_cannot_be_confirmed(default_template):
    fabrique = new_fabrique()
    participation = participation_propose(fabrique=fabrique, territory=TerritoryFactory())
    participation_withdraw(participation=participation)
    with pytest.raises(ValidationError) as error:
        participation_confirm(participation=participation)
    assert "ne peut être confirmée" in error.value.messages[0]


def test_moving_the_start_replans_only_the_seminars_without_a_date(default_template):
    from fabriques.services import fabrique_update

    fabrique = new_fabrique(start=date(2027, 1, 1))
    participation = participation_propose(fabrique=fabrique, territory=TerritoryFactory())
    participation_confirm(participation=participation)
    fixed = participation.seminars.get(kind="immersion")
    fixed.status = Seminar.Status.HELD
    fixed.starts_at = timezone.make_aware(datetime(2027, 1, 20, 9, 30))
    fixed.save(update_fields=["status", "starts_at"])

    fabrique.start_date = date(2027, 3, 1)
    fabrique.end_date = date(2028, 2, 29)
    moved = fabrique_update(fabrique=fabrique, changed_fields=["start_date", "end_date"])

    assert moved == 8  # 4 intersite + 4 local; the held immersion day stays
    local_1 = participation.seminars.get(kind="local", number=1)
    assert (local_1.window_start, local_1.window_end) == (date(2027, 4, 1), date(2027, 6, 30))
    fixed.refresh_from_db()
    assert (fixed.window_start, fixed.status) == (date(2027, 1, 1), Seminar.Status.HELD)
    assert fabrique_update(fabrique=fabrique, changed_fields=["title"]) == 0

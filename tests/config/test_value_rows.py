"""value_rows / instance_builder (config/value_rows.py): rows read as plain
values, built as unsaved instances that print like the saved ones, with their
related objects, and without a query."""

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from config.value_rows import instance_builder, value_rows
from deliverables.models import Roadmap
from seminars.models import Seminar
from territories.models import Participation
from tests.factories import (
    FabriqueFactory,
    IntersiteSeminarFactory,
    ParticipationFactory,
    RoadmapFactory,
    SeminarFactory,
    TerritoryFactory,
)

pytestmark = pytest.mark.django_db

SEMINAR_FIELDS = (
    "pk",
    "fabrique_id",
    "kind",
    "number",
    "theme",
    "status",
    "fabrique__title",
    "fabrique__short_title",
    "participation__territory__name",
)


@pytest.fixture
def seminars():
    fabrique = FabriqueFactory(title="Fabrique des transitions", short_title="Transitions")
    participation = ParticipationFactory(
        fabrique=fabrique, territory=TerritoryFactory(name="Lorient")
    )
    local = SeminarFactory(fabrique=fabrique, participation=participation, theme="Eau")
    intersite = IntersiteSeminarFactory(fabrique=fabrique)
    return local, intersite


def test_built_seminars_print_as_the_saved_ones_and_read_nothing(seminars):
    local, intersite = seminars
    rows = value_rows(Seminar.objects.order_by("pk"), *SEMINAR_FIELDS)
    assert len(rows) == 2
    with CaptureQueriesContext(connection) as queries:
        built_local, built_intersite = rows
        printed = [
            (
                seminar.pk,
                str(seminar),
                seminar.get_status_display(),
                seminar.fabrique_id,
                seminar.fabrique.pk,
                seminar.fabrique.display_title,
                seminar.participation.territory.name if seminar.participation else None,
            )
            for seminar in (built_local, built_intersite)
        ]
    assert len(queries) == 0
    assert printed == [
        (
            saved.pk,
            str(saved),
            saved.get_status_display(),
            saved.fabrique_id,
            saved.fabrique_id,
            saved.fabrique.display_title,
            saved.participation.territory.name if saved.participation else None,
        )
        for saved in (local, intersite)
    ]
    # A LEFT JOIN that found nothing is no related object, known without a query.
    assert built_intersite.participation is None
    assert built_local.participation.territory.name == "Lorient"


def test_rows_are_built_once_and_only_when_iterated(seminars):
    rows = value_rows(Seminar.objects.order_by("pk"), *SEMINAR_FIELDS)
    assert [type(row) for row in rows.rows] == [tuple, tuple]
    assert list(rows)[0] is list(rows)[0]


def test_a_reverse_one_to_one_and_an_annotation():
    with_roadmap = ParticipationFactory()
    RoadmapFactory(participation=with_roadmap, status=Roadmap.Status.SUBMITTED)
    without = ParticipationFactory()
    build = instance_builder(
        Participation, ("pk", "roadmap__pk", "roadmap__status", "territory_name")
    )
    rows = (
        Participation.objects.annotate(territory_name=F("territory__name"))
        .order_by("pk")
        .values_list("pk", "roadmap__pk", "roadmap__status", "territory_name")
    )
    with CaptureQueriesContext(connection) as queries:
        built = [build(row) for row in rows]
        assert [(p.pk, p.territory_name) for p in built] == [
            (with_roadmap.pk, with_roadmap.territory.name),
            (without.pk, without.territory.name),
        ]
        assert built[0].roadmap.get_status_display() == "Soumise au territoire"
        # As for a saved participation without one (templates read it as empty).
        assert not hasattr(built[1], "roadmap")
    assert len(queries) == 1  # the rows themselves

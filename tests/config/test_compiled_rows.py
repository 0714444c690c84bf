"""compiled_rows (config/compiled_rows.py): the rows ``values_list`` gives,
read afresh every time, the SQL compiled once per key."""

import pytest
from django.db.models import F

from config import compiled_rows as module
from config.compiled_rows import compiled_rows
from deliverables.models import RoadmapVersion
from seminars.models import Seminar
from tests.factories import RoadmapVersionFactory, SeminarFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def forget_compiled():
    module._COMPILED.clear()
    yield
    module._COMPILED.clear()


def seminars_of(fabrique_ids):
    return (
        Seminar.objects.filter(fabrique__in=fabrique_ids)
        .order_by("pk")
        .values_list("pk", "theme", "fabrique__title")
    )


def test_the_rows_of_values_list_read_afresh_through_the_kept_sql():
    first = SeminarFactory(theme="Eau")
    fabriques = (first.fabrique_id,)
    key = ("test", fabriques)
    assert compiled_rows(key, lambda: seminars_of(fabriques)) == list(seminars_of(fabriques))
    alias, sql, params = module._COMPILED[key]  # kept: compiled, not through the ORM
    assert "seminars_seminar" in sql and params
    # A change of the data shows at once: only the SQL is kept.
    Seminar.objects.filter(pk=first.pk).update(theme="Air")
    SeminarFactory(fabrique=first.fabrique, theme="Sol")
    rows = compiled_rows(key, lambda: pytest.fail("compiled again"))
    assert rows == list(seminars_of(fabriques))
    assert [row[1] for row in rows] == ["Air", "Sol"]


def test_a_query_that_selects_nothing_reads_nothing():
    assert compiled_rows(("empty",), lambda: seminars_of(())) == []


def test_converted_or_reordered_columns_go_through_the_orm_every_time():
    RoadmapVersionFactory()
    json = RoadmapVersion.objects.values_list("pk", "content")
    assert compiled_rows(("json",), lambda: json) == list(json)
    assert module._COMPILED[("json",)] is None
    assert isinstance(compiled_rows(("json",), lambda: json)[0][1], dict)

    SeminarFactory(theme="Eau")
    # values_list puts the annotation where it is named, not last as in SQL.
    reordered = Seminar.objects.annotate(title=F("fabrique__title")).values_list("title", "theme")
    assert compiled_rows(("reordered",), lambda: reordered) == list(reordered)
    assert module._COMPILED[("reordered",)] is None

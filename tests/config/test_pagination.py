"""WindowCountPaginator: the same pages as Django's Paginator, the page and
its total read in one query."""

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from config.pagination import WindowCountPaginator
from fabriques.models import Fabrique
from tests.factories import FabriqueFactory, ParticipationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def fabriques():
    for n in range(7):
        fabrique = FabriqueFactory(title=f"Fabrique {n:02}")
        for _ in range(n % 3):
            ParticipationFactory(fabrique=fabrique)


def listing():
    # Grouped (a count per Fabrique), as the catalogue is.
    return Fabrique.objects.order_by("title").with_confirmed_territories()


def described(page):
    return (
        [fabrique.pk for fabrique in page.object_list],
        page.number,
        page.paginator.count,
        page.paginator.num_pages,
        page.has_next(),
        page.has_previous(),
    )


@pytest.mark.parametrize("number", [None, "1", "2", "3", "4", "99", "x", "0", "-1"])
def test_it_gives_the_pages_django_gives(fabriques, number):
    expected = described(Paginator(listing(), 3).get_page(number))
    assert described(WindowCountPaginator(listing(), 3).get_page(number)) == expected


def test_a_page_in_range_costs_one_query(fabriques):
    with CaptureQueriesContext(connection) as captured:
        page = WindowCountPaginator(listing(), 3).get_page("2")
        assert page.paginator.count == 7
        assert len(page.object_list) == 3
        assert page.paginator.num_pages == 3
    assert len(captured) == 1


def test_an_empty_listing_is_one_empty_first_page():
    with CaptureQueriesContext(connection) as captured:
        page = WindowCountPaginator(listing(), 3).get_page(None)
    assert (list(page.object_list), page.paginator.count, page.number) == ([], 0, 1)
    assert len(captured) == 1


def test_a_distinct_listing_is_counted_as_django_counts_it(fabriques):
    distinct = Fabrique.objects.filter(participations__isnull=False).order_by("title").distinct()
    expected = described(Paginator(distinct, 3).get_page("1"))
    assert described(WindowCountPaginator(distinct, 3).get_page("1")) == expected

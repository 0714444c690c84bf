"""The ANCT year view: every Fabrique alive in a year, month by month, staff
only, in a constant number of queries. The crafted data lies in 2022-2025, so
that every due date is past whatever the day the tests run."""

from datetime import date, datetime, time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from fabriques.models import Fabrique
from fabriques.year_view import available_years, parse_year
from seminars.models import NoteVersion, Seminar
from territories.models import Participation
from tests.factories import (
    FabriqueFactory,
    FollowUpFactory,
    IntersiteSeminarFactory,
    NoteVersionFactory,
    ParticipationFactory,
    RoadmapFactory,
    SeminarFactory,
)

pytestmark = pytest.mark.django_db

URL = "/anct/annee/"


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def at(day: date, hour=10):
    return timezone.make_aware(datetime.combine(day, time(hour)))


def held(participation, number, day, **extra):
    return SeminarFactory(
        participation=participation,
        number=number,
        window_start=day.replace(day=1),
        window_end=day.replace(day=28),
        starts_at=at(day),
        ends_at=at(day, 16),
        status=Seminar.Status.HELD,
        **extra,
    )


@pytest.fixture
def year_data(db):
    """Fabrique A runs from March 2024 (two confirmed territories, one
    proposed); C ended in 2023 and owes its follow-up in June 2024; B is all
    over before 2024."""
    d = {}
    d["a"] = FabriqueFactory(
        title="A : villes moyennes", edition=2024, start_date=date(2024, 3, 1), status="terminee"
    )
    d["b"] = FabriqueFactory(
        title="B : ancienne", edition=2022, start_date=date(2022, 1, 1), status="suivie"
    )
    d["c"] = FabriqueFactory(
        title="C : en attente de suivi",
        edition=2023,
        start_date=date(2023, 1, 1),
        status="terminee",
    )
    p1 = d["p1"] = ParticipationFactory(fabrique=d["a"])
    p2 = d["p2"] = ParticipationFactory(fabrique=d["a"])
    ParticipationFactory(fabrique=d["a"], status=Participation.Status.PROPOSED)
    held(p1, 1, date(2024, 4, 10))  # no note: late
    submitted = held(p1, 2, date(2024, 5, 15))
    NoteVersionFactory(seminar=submitted, status=NoteVersion.Status.SUBMITTED)
    IntersiteSeminarFactory(
        fabrique=d["a"], number=1, window_start=date(2024, 6, 1), window_end=date(2024, 6, 30)
    )
    SeminarFactory(
        participation=p2,
        number=1,
        window_start=date(2024, 4, 1),
        window_end=date(2024, 4, 30),
        status=Seminar.Status.CANCELLED,
    )
    SeminarFactory(
        participation=p2,
        number=2,
        window_start=date(2025, 1, 1),
        window_end=date(2025, 1, 31),
        starts_at=at(date(2025, 1, 10)),
        ends_at=at(date(2025, 1, 10), 16),
        status=Seminar.Status.SCHEDULED,
    )
    RoadmapFactory(participation=p1, status="adoptee", adopted_on=date(2024, 12, 5))
    RoadmapFactory(participation=p2, status="adoptee", adopted_on=date(2025, 1, 20))
    FollowUpFactory(fabrique=d["a"], meeting_on=date(2025, 9, 10))
    return d


def get(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200
    return response


def by_pk(response):
    return {row.fabrique.pk: row for row in response.context["rows"]}


def test_the_url_and_the_dashboard_link(staff_client):
    assert reverse("fabriques:year_view") == URL
    assert URL in staff_client.get(reverse("fabriques:dashboard")).content.decode()


def test_only_anct_staff_open_the_year_view(client, world):
    seen = {}
    for name, user in world.personas.items():
        client.logout()
        if user:
            client.force_login(user)
        seen[name] = client.get(URL).status_code
    assert seen == {
        "anonymous": 302,
        "elu_a": 404,
        "referent_a": 404,
        "elu_b": 404,
        "prestataire_x": 404,
        "prestataire_y": 404,
        "copil_x": 404,
        "staff": 200,
    }
    client.force_login(world.staff)
    assert client.post(URL).status_code == 405


def test_the_year_holds_the_fabriques_whose_span_overlaps_it(staff_client, year_data):
    d = year_data
    rows = get(staff_client, annee=2024).context["rows"]
    # Ordered by start date; B is over before 2024.
    assert [row.fabrique.pk for row in rows] == [d["c"].pk, d["a"].pk]
    assert [row.fabrique.pk for row in get(staff_client, annee=2022).context["rows"]] == [d["b"].pk]
    assert [row.fabrique.pk for row in get(staff_client, annee=2025).context["rows"]] == [d["a"].pk]


def test_each_month_shows_seminars_roadmaps_and_follow_up(staff_client, year_data):
    d = year_data
    a = by_pk(get(staff_client, annee=2024))[d["a"].pk]
    months = {cell.month.month: cell for cell in a.months}
    assert len(months) == 12
    assert (months[4].held, months[4].notes_late, months[4].planned) == (1, 1, 0)
    assert (months[5].held, months[5].notes_late) == (1, 0)
    assert months[6].planned == 1  # the intersite seminar, by its window
    assert months[12].roadmaps_adopted == 1
    assert [n for n, cell in months.items() if cell.running] == list(range(3, 13))
    assert not any(cell.follow_up for cell in a.months)
    # The year's figures (the cancelled seminar and the 2025 one are not counted).
    assert (a.held, a.planned, a.notes_late) == (2, 1, 1)
    assert (a.roadmaps_adopted, a.roadmaps_adopted_in_year, a.roadmaps_expected) == (1, 1, 2)
    assert a.follow_up.level == "done"
    assert a.follow_up.day == date(2025, 9, 10)

    a_2025 = by_pk(get(staff_client, annee=2025))[d["a"].pk]
    months = {cell.month.month: cell for cell in a_2025.months}
    assert months[1].planned == 1
    assert months[1].roadmaps_adopted == 1
    assert months[9].follow_up.level == "done"
    assert (a_2025.roadmaps_adopted, a_2025.roadmaps_adopted_in_year) == (2, 1)
    assert [n for n, cell in months.items() if cell.running] == [1, 2]
    assert [n for n, cell in months.items() if cell.after] == list(range(3, 9))


def test_a_follow_up_never_held_is_late_in_its_month(staff_client, year_data):
    c = by_pk(get(staff_client, annee=2024))[year_data["c"].pk]
    months = {cell.month.month: cell for cell in c.months}
    assert months[6].follow_up.level == "late"
    assert months[6].follow_up.badge_class == "fr-badge--error"
    assert [n for n, cell in months.items() if cell.after] == list(range(1, 7))
    assert not any(cell.running for cell in c.months)


def test_the_page_shows_grid_legend_table_and_exports(staff_client, year_data):
    html = get(staff_client, annee=2024).content.decode()
    assert "portal/year_view.css" in html
    assert "year-view__grid" in html
    assert html.count('class="year-view__month') == 24  # two Fabriques, twelve months each
    assert "Légende" in html
    assert "1 note en retard" in html
    assert "2 séminaires tenus" not in html  # one a month
    assert "1 séminaire tenu" in html
    assert "Suivi en retard" in html
    assert "Suivi réalisé" in html
    assert "<caption>" in html
    assert "1 / 2" in html  # roadmaps adopted / expected
    for dataset in ("fabriques", "territoires", "participations", "seminaires", "actions"):
        for extension in ("csv", "xlsx"):
            assert f"/anct/exports/{dataset}.{extension}" in html
    # Nothing inline, for the Content Security Policy.
    assert " style=" not in html
    assert "<style" not in html


def test_the_year_select_lists_the_years_with_fabriques(staff_client, year_data):
    today = timezone.localdate()
    response = get(staff_client)
    assert response.context["year"] == today.year
    years = response.context["years"]
    assert {2022, 2023, 2024, 2025, today.year} <= set(years)
    assert 2021 not in years
    assert '<option value="2024">' in response.content.decode()
    assert get(staff_client, annee=2024).context["year"] == 2024


@pytest.mark.parametrize("raw", ["abc", "", "1900", "20245", "-1", "2024.5", "9" * 40])
def test_an_invalid_year_falls_back_to_this_year(staff_client, year_data, raw):
    assert get(staff_client, annee=raw).context["year"] == timezone.localdate().year


def test_parse_year():
    assert parse_year("2024", [2024, 2025], 2025) == 2024
    assert parse_year(None, [2024], 2026) == 2026
    assert parse_year("2023", [2024], 2026) == 2026


def test_available_years_always_has_this_year(db):
    assert available_years(date(2030, 5, 1)) == [2030]


def add_fabriques(count):
    for _ in range(count):
        fabrique = FabriqueFactory(start_date=date(2024, 2, 1), edition=2024)
        participation = ParticipationFactory(fabrique=fabrique)
        held(participation, 1, date(2024, 3, 12))
        SeminarFactory(
            participation=participation,
            number=2,
            window_start=date(2024, 5, 1),
            window_end=date(2024, 5, 31),
        )
        RoadmapFactory(participation=participation, status="adoptee", adopted_on=date(2024, 9, 1))
        FollowUpFactory(fabrique=fabrique)


def test_constant_queries_for_2_or_10_fabriques(staff_client, django_assert_num_queries):
    add_fabriques(2)
    staff_client.get(URL, {"annee": 2024})  # session and caches warm
    with CaptureQueriesContext(connection) as captured:
        rows = get(staff_client, annee=2024).context["rows"]
    assert len(rows) == 2
    with_two = len(captured)

    add_fabriques(8)
    assert Fabrique.objects.count() == 10
    with django_assert_num_queries(with_two):
        rows = get(staff_client, annee=2024).context["rows"]
    assert len(rows) == 10
    assert all((row.held, row.planned, row.roadmaps_adopted) == (1, 1, 1) for row in rows)

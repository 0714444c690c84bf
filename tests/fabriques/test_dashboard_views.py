"""The ANCT staff dashboard: exactly the expected items of a crafted dataset,
staff only, constant queries."""

from datetime import date, timedelta

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from fabriques.models import Fabrique
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

URL = "/anct/"


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_the_url_is_the_one_the_header_links_to():
    assert reverse("fabriques:dashboard") == URL


def test_only_anct_staff_open_the_dashboard(client, world):
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
    client.logout()
    assert client.get(URL).url.startswith(reverse("account_login"))


def days(n):
    return timezone.localdate() + timedelta(days=n)


def at(n_days, hour=9):
    return timezone.now().replace(hour=hour, minute=0, second=0, microsecond=0) + timedelta(
        days=n_days
    )


def fabrique(*, start, status, edition=None, **extra):
    return FabriqueFactory(start_date=start, status=status, edition=edition or start.year, **extra)


def seminar(participation, number, *, starts, status):
    return SeminarFactory(
        participation=participation,
        number=number,
        starts_at=starts,
        ends_at=starts + timedelta(hours=3),
        status=status,
    )


@pytest.fixture
def dataset(db):
    """A crafted year, relative to today so that the test never ages."""
    today = timezone.localdate()
    d = {}
    # This year's Fabriques: of this year's edition, running by status, or by dates.
    d["this_edition"] = fabrique(
        start=days(200), status=Fabrique.Status.PREPARATION, edition=today.year
    )
    d["running"] = fabrique(start=days(-200), status=Fabrique.Status.RUNNING)
    d["covering"] = fabrique(
        start=days(-10), status=Fabrique.Status.PREPARATION, edition=today.year - 1
    )
    # Finished Fabriques, for the six-month follow-ups.
    d["follow_up_overdue"] = fabrique(
        start=days(-1100), status=Fabrique.Status.FINISHED, edition=today.year - 3
    )
    d["follow_up_held"] = fabrique(
        start=days(-1100), status=Fabrique.Status.FINISHED, edition=today.year - 3
    )
    FollowUpFactory(fabrique=d["follow_up_held"], meeting_on=days(-300))
    d["follow_up_no_date"] = fabrique(
        start=days(-1100), status=Fabrique.Status.FINISHED, edition=today.year - 3
    )
    FollowUpFactory(fabrique=d["follow_up_no_date"], showcase_on=days(-200))
    d["follow_up_soon"] = fabrique(
        start=days(-400),
        status=Fabrique.Status.FINISHED,
        edition=today.year - 2,
        end_date=days(-40),
        follow_up_due_date=days(30),
    )
    d["follow_up_later"] = fabrique(
        start=days(-400),
        status=Fabrique.Status.FINISHED,
        edition=today.year - 2,
        end_date=days(-40),
        follow_up_due_date=days(90),
    )

    running = d["running"]
    d["p_no_roadmap"] = ParticipationFactory(fabrique=running)
    d["p_adopted"] = ParticipationFactory(fabrique=running)
    RoadmapFactory(participation=d["p_adopted"], status="adoptee", adopted_on=days(-5))
    d["p_draft"] = ParticipationFactory(fabrique=running)
    RoadmapFactory(participation=d["p_draft"], status="brouillon")
    ParticipationFactory(fabrique=running, status=Participation.Status.PROPOSED)
    ParticipationFactory(fabrique=d["covering"])

    p = d["p_no_roadmap"]
    d["upcoming"] = seminar(p, 1, starts=at(5), status=Seminar.Status.SCHEDULED)
    seminar(p, 2, starts=at(45), status=Seminar.Status.SCHEDULED)
    seminar(p, 3, starts=at(3), status=Seminar.Status.CANCELLED)
    d["upcoming_intersite"] = IntersiteSeminarFactory(
        fabrique=d["covering"], number=1, starts_at=at(29), ends_at=at(29, 17), status="programme"
    )
    p = d["p_adopted"]
    seminar(p, 1, starts=at(-2), status=Seminar.Status.HELD)  # note due, not late
    d["late"] = seminar(p, 2, starts=at(-40), status=Seminar.Status.HELD)
    submitted = seminar(p, 3, starts=at(-40), status=Seminar.Status.HELD)
    NoteVersionFactory(seminar=submitted, status=NoteVersion.Status.SUBMITTED)
    d["late_returned"] = seminar(p, 4, starts=at(-60), status=Seminar.Status.HELD)
    NoteVersionFactory(seminar=d["late_returned"], status=NoteVersion.Status.RETURNED)
    return d


def pks(rows):
    return [row.pk for row in rows]


def test_the_dashboard_lists_exactly_the_expected_items(client, anct_staff, dataset):
    client.force_login(anct_staff)
    response = client.get(URL)
    assert response.status_code == 200
    context = response.context
    d = dataset
    assert set(pks(context["fabriques"])) == {
        d["this_edition"].pk,
        d["running"].pk,
        d["covering"].pk,
    }
    assert pks(context["upcoming_seminars"]) == [d["upcoming"].pk, d["upcoming_intersite"].pk]
    assert pks(context["late_notes"]) == [d["late_returned"].pk, d["late"].pk]
    assert pks(context["roadmaps_pending"]) == sorted(
        [d["p_no_roadmap"].pk, d["p_draft"].pk],
        key=lambda pk: Participation.objects.get(pk=pk).territory.name,
    )
    assert set(pks(context["follow_ups"])) == {
        d["follow_up_overdue"].pk,
        d["follow_up_no_date"].pk,
        d["follow_up_soon"].pk,
    }


def test_late_notes_of_a_closed_fabrique_are_no_longer_chased(client, anct_staff, dataset):
    """Once a Fabrique's six-month follow-up is done, its missing notes leave
    the dashboard's and the review page's lists; the Fabrique's own counts
    keep them."""
    closed = fabrique(start=days(-900), status=Fabrique.Status.FOLLOWED_UP)
    old_late = seminar(
        ParticipationFactory(fabrique=closed), 1, starts=at(-700), status=Seminar.Status.HELD
    )
    finished = fabrique(start=days(-400), status=Fabrique.Status.FINISHED)
    still_chased = seminar(
        ParticipationFactory(fabrique=finished), 1, starts=at(-100), status=Seminar.Status.HELD
    )
    client.force_login(anct_staff)
    expected = [old_late.pk, dataset["late_returned"].pk, dataset["late"].pk]
    assert pks(Seminar.objects.notes_late(timezone.localdate()).order_by("note_due_date")) == [
        *expected[:1],
        still_chased.pk,
        *expected[1:],
    ]
    chased = [still_chased.pk, dataset["late_returned"].pk, dataset["late"].pk]
    assert pks(client.get(URL).context["late_notes"]) == chased
    assert pks(client.get(reverse("seminars:notes_review")).context["late"]) == chased
    progress = Seminar.objects.filter(fabrique=closed).progress_by("fabrique", timezone.localdate())
    assert progress[closed.pk].notes_late == 1


def test_the_state_of_each_fabrique_is_counted(client, anct_staff, dataset):
    client.force_login(anct_staff)
    rows = {f.pk: f for f in client.get(URL).context["fabriques"]}
    running = rows[dataset["running"].pk]
    assert running.confirmed_territories == 3
    assert (running.progress.held, running.progress.upcoming) == (4, 2)
    assert running.progress.notes_late == 2
    assert rows[dataset["this_edition"].pk].confirmed_territories == 0


def test_each_list_is_a_captioned_table_linking_to_the_admin(client, anct_staff, dataset):
    client.force_login(anct_staff)
    html = client.get(URL).content.decode()
    assert html.count("<caption>") == 6  # with the reminders that failed
    assert reverse("admin:fabriques_fabrique_change", args=[dataset["running"].pk]) in html
    assert reverse("admin:seminars_seminar_change", args=[dataset["late"].pk]) in html
    participation = dataset["p_draft"]
    assert reverse("admin:territories_participation_change", args=[participation.pk]) in html
    assert reverse("admin:deliverables_roadmap_change", args=[participation.roadmap.pk]) in html
    assert "Non fixée" in html


def test_the_dashboard_costs_the_same_queries_for_2_or_20_rows(client, anct_staff):
    def add_rows(count):
        for _ in range(count):
            running = fabrique(start=days(-100), status=Fabrique.Status.RUNNING)
            participation = ParticipationFactory(fabrique=running)
            RoadmapFactory(participation=participation)
            ParticipationFactory(fabrique=running)  # no roadmap yet
            seminar(participation, 1, starts=at(4), status=Seminar.Status.SCHEDULED)
            seminar(participation, 2, starts=at(-40), status=Seminar.Status.HELD)
            fabrique(
                start=date(2020, 1, 1),
                status=Fabrique.Status.FINISHED,
                edition=2020,
            )

    def queries():
        client.get(URL)
        # Rendered, not read back from the fragment cache: a query per row
        # would only show while the tables are rendered.
        caches["fragments"].clear()
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL).status_code == 200
        return len(captured)

    add_rows(2)
    client.force_login(anct_staff)
    with_two = queries()
    add_rows(18)
    assert queries() == with_two

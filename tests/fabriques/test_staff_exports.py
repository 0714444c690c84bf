"""Staff exports (CSV and XLSX): staff only, Excel-friendly CSV, the same
figures as the dashboard and the year view, constant queries, no formula
injection."""

import csv
import io
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from fabriques.exports import DATASETS
from fabriques.models import Fabrique
from seminars.models import NoteVersion, Seminar
from territories.models import Participation
from tests.factories import (
    ActionFactory,
    FabriqueFactory,
    IntersiteSeminarFactory,
    NoteVersionFactory,
    ParticipationFactory,
    RoadmapFactory,
    SeminarFactory,
)

pytestmark = pytest.mark.django_db

EXTENSIONS = ["csv", "xlsx"]


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def url(dataset, extension):
    return reverse("fabriques:staff_export", kwargs={"dataset": dataset, "extension": extension})


def days(n):
    return timezone.localdate() + timedelta(days=n)


def at(n_days, hour=9):
    return timezone.now().replace(hour=hour, minute=0, second=0, microsecond=0) + timedelta(
        days=n_days
    )


def seminar(participation, number, *, starts, status):
    return SeminarFactory(
        participation=participation,
        number=number,
        starts_at=starts,
        ends_at=starts + timedelta(hours=3),
        status=status,
    )


def csv_rows(response) -> list[dict]:
    body = response.content
    assert body.startswith("\ufeff".encode())  # the BOM, for Excel
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def xlsx_rows(response) -> list[dict]:
    sheet = load_workbook(io.BytesIO(response.content)).active
    header, *rows = sheet.iter_rows(values_only=True)
    return [dict(zip(header, row, strict=True)) for row in rows]


def rows_of(client, dataset, extension):
    response = client.get(url(dataset, extension))
    assert response.status_code == 200, (dataset, extension)
    return csv_rows(response) if extension == "csv" else xlsx_rows(response)


@pytest.fixture
def running(db):
    """A running Fabrique as on the dashboard: three confirmed territories (one
    roadmap adopted), one proposed, seminars held (notes late or not) and to come."""
    today = timezone.localdate()
    fabrique = FabriqueFactory(start_date=days(-200), edition=today.year, status="en_cours")
    p_adopted = ParticipationFactory(fabrique=fabrique)
    RoadmapFactory(participation=p_adopted, status="adoptee", adopted_on=days(-5))
    p_draft = ParticipationFactory(fabrique=fabrique)
    RoadmapFactory(participation=p_draft, status="brouillon")
    p_none = ParticipationFactory(fabrique=fabrique)
    ParticipationFactory(fabrique=fabrique, status=Participation.Status.PROPOSED)
    seminar(p_none, 1, starts=at(5), status=Seminar.Status.SCHEDULED)
    seminar(p_none, 2, starts=at(3), status=Seminar.Status.CANCELLED)
    seminar(p_adopted, 1, starts=at(-2), status=Seminar.Status.HELD)
    seminar(p_adopted, 2, starts=at(-40), status=Seminar.Status.HELD)  # note late
    submitted = seminar(p_adopted, 3, starts=at(-40), status=Seminar.Status.HELD)
    NoteVersionFactory(seminar=submitted, status=NoteVersion.Status.SUBMITTED)
    IntersiteSeminarFactory(fabrique=fabrique, number=1, starts_at=at(-60), status="tenu")
    ActionFactory.create_batch(3, roadmap=p_adopted.roadmap)
    ActionFactory(roadmap=p_draft.roadmap)
    return fabrique


# --- Access ------------------------------------------------------------------------


@pytest.mark.parametrize("extension", EXTENSIONS)
@pytest.mark.parametrize("dataset", sorted(DATASETS))
def test_only_anct_staff_download(client, world, dataset, extension):
    seen = {}
    for name, user in world.personas.items():
        client.logout()
        if user:
            client.force_login(user)
        seen[name] = client.get(url(dataset, extension)).status_code
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


def test_the_urls_and_an_unknown_dataset_or_format(staff_client):
    assert url("fabriques", "csv") == "/anct/exports/fabriques.csv"
    assert url("actions", "xlsx") == "/anct/exports/actions.xlsx"
    assert staff_client.get("/anct/exports/personnes.csv").status_code == 404
    assert staff_client.get("/anct/exports/fabriques.json").status_code == 404
    assert staff_client.post("/anct/exports/fabriques.csv").status_code == 405


@pytest.mark.parametrize("extension", EXTENSIONS)
@pytest.mark.parametrize("dataset", sorted(DATASETS))
def test_a_download_is_an_attachment_with_a_header_row(staff_client, running, dataset, extension):
    response = staff_client.get(url(dataset, extension))
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert response["Content-Disposition"].endswith(
        f'-{dataset}-{timezone.localdate()}.{extension}"'
    )
    assert "no-store" in response["Cache-Control"]
    rows = csv_rows(response) if extension == "csv" else xlsx_rows(response)
    assert rows
    assert list(rows[0]) == DATASETS[dataset].columns


def test_the_csv_is_utf8_with_bom_and_commas(staff_client, running):
    response = staff_client.get(url("fabriques", "csv"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("id,slug,titre,")
    assert "En cours" in text  # the status's French label, accents intact


# --- The same figures as the dashboard and the year view ----------------------------


@pytest.mark.parametrize("extension", EXTENSIONS)
def test_the_fabrique_figures_are_the_dashboards(staff_client, running, extension):
    dashboard = {
        f.pk: f for f in staff_client.get(reverse("fabriques:dashboard")).context["fabriques"]
    }[running.pk]
    year = {
        row.fabrique.pk: row
        for row in staff_client.get(reverse("fabriques:year_view")).context["rows"]
    }[running.pk]
    (row,) = [r for r in rows_of(staff_client, "fabriques", extension) if r["slug"] == running.slug]

    def number(value):
        return int(value)  # "3" in a CSV, 3 in a workbook

    assert number(row["territoires_confirmes"]) == dashboard.confirmed_territories == 3
    assert number(row["participations"]) == 4
    assert number(row["seminaires_tenus"]) == dashboard.progress.held == 4
    assert number(row["seminaires_a_venir"]) == dashboard.progress.upcoming == 1
    assert number(row["notes_en_retard"]) == dashboard.progress.notes_late
    assert number(row["notes_a_remettre"]) == dashboard.progress.notes_pending
    assert number(row["feuilles_de_route_adoptees"]) == year.roadmaps_adopted == 1
    assert number(row["feuilles_de_route_attendues"]) == year.roadmaps_expected == 3

    # The participations file agrees, territory by territory.
    participations = [
        r
        for r in rows_of(staff_client, "participations", extension)
        if r["fabrique_slug"] == running.slug
    ]
    assert len(participations) == 4
    confirmed = [r for r in participations if r["statut"] == "Confirmée"]
    assert len(confirmed) == dashboard.confirmed_territories
    assert sum(number(r["seminaires_tenus"]) for r in participations) == 3  # intersite apart
    assert sum(number(r["notes_en_retard"]) for r in participations) == 1
    # An empty cell is "" in a CSV, None in a workbook.
    assert Counter(r["feuille_de_route"] or "" for r in participations) == {
        "Adoptée": 1,
        "Brouillon": 1,
        "": 2,
    }
    assert sorted(number(r["actions"]) for r in participations) == [0, 0, 1, 3]

    # The seminars and actions files hold every row.
    seminars = rows_of(staff_client, "seminaires", extension)
    assert len(seminars) == Seminar.objects.filter(fabrique=running).count() == 6
    assert Counter(r["note_en_retard"] for r in seminars)["oui"] == dashboard.progress.notes_late
    assert len(rows_of(staff_client, "actions", extension)) == 4


def test_the_territories_file_counts_participations(staff_client, running):
    other = FabriqueFactory()
    territory = running.participations.first().territory
    ParticipationFactory(fabrique=other, territory=territory)
    rows = {int(r["id"]): r for r in rows_of(staff_client, "territoires", "csv")}
    assert rows[territory.pk]["participations"] == "2"
    assert rows[territory.pk]["participations_confirmees"] == "2"
    assert rows[territory.pk]["code_officiel"] == territory.official_code
    assert len(rows) == 4


def test_the_xlsx_keeps_dates_and_numbers_typed(staff_client, running):
    (row,) = [r for r in rows_of(staff_client, "fabriques", "xlsx") if r["slug"] == running.slug]
    assert row["date_debut"].date() == running.start_date
    assert row["seminaires_tenus"] == 4


# --- Safety and cost ------------------------------------------------------------------


def test_no_cell_becomes_a_formula(staff_client, running):
    action = running.participations.first().roadmap.actions.first()
    action.title = '=HYPERLINK("http://example.invalid","clic")'
    action.lead = "+33 1 23 45 67 89"
    action.save()

    (csv_row,) = [r for r in rows_of(staff_client, "actions", "csv") if r["id"] == str(action.pk)]
    assert csv_row["intitule"] == "'" + action.title
    assert csv_row["porteur"] == "'+33 1 23 45 67 89"

    response = staff_client.get(url("actions", "xlsx"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [row for row in sheet.iter_rows() if row[0].value == action.pk][0]
    header = [cell.value for cell in next(sheet.iter_rows())]
    title = cells[header.index("intitule")]
    assert title.value == action.title
    assert title.data_type == "s"


def add_rows(count):
    for _ in range(count):
        fabrique = FabriqueFactory(start_date=days(-100), status=Fabrique.Status.RUNNING)
        participation = ParticipationFactory(fabrique=fabrique)
        roadmap = RoadmapFactory(participation=participation)
        ActionFactory.create_batch(2, roadmap=roadmap)
        seminar(participation, 1, starts=at(-40), status=Seminar.Status.HELD)
        seminar(participation, 2, starts=at(4), status=Seminar.Status.SCHEDULED)


@pytest.mark.parametrize("extension", EXTENSIONS)
@pytest.mark.parametrize("dataset", sorted(DATASETS))
def test_constant_queries_for_2_or_10_fabriques(
    staff_client, django_assert_num_queries, dataset, extension
):
    add_rows(2)
    staff_client.get(url(dataset, extension))
    with CaptureQueriesContext(connection) as captured:
        staff_client.get(url(dataset, extension))
    add_rows(8)
    with django_assert_num_queries(len(captured)):
        assert staff_client.get(url(dataset, extension)).status_code == 200

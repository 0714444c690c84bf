"""Staff exports: Fabriques, territories, participations, seminars and actions
as CSV or Excel (XLSX) files.

- Each dataset is a list of columns and a function giving its rows, built
  from a fixed number of queries (select_related and aggregates, never a query
  per row). CSV and XLSX come from the same rows, so they never disagree.
- The figures are the dashboard's: confirmed territories and seminar progress
  come from ``fabriques.views._fabriques_with_progress`` and
  ``Seminar.objects.progress_by``, roadmaps adopted are those of confirmed
  territories, as in the year view.
- CSV: UTF-8 with a byte order mark (so that Excel reads the accents), comma
  separated, one header row of stable column names; dates as YYYY-MM-DD,
  yes/no as "oui"/"non", choices as their French label. A text cell starting
  with =, +, -, @ or a tab is prefixed with an apostrophe so that a spreadsheet
  never runs it as a formula. XLSX: the same rows with real dates and numbers,
  text cells always stored as text (never formulas).
"""

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from deliverables.models import Action, Roadmap
from seminars.models import Seminar, SeminarProgress
from territories.models import Participation, Territory

from .models import Fabrique

CSV_BOM = "\ufeff"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Dataset:
    slug: str
    title: str
    description: str
    columns: list[str]
    rows: Callable[[date], Iterable[list]]


def _yes_no(value: bool) -> str:
    return "oui" if value else "non"


def _local_dt(value: datetime | None):
    return timezone.localtime(value).replace(tzinfo=None) if value else None


# --- The datasets ---------------------------------------------------------------


def fabrique_rows(today: date):
    from .views import _fabriques_with_progress

    confirmed = Q(participations__status=Participation.Status.CONFIRMED)
    fabriques = _fabriques_with_progress(
        Fabrique.objects.select_related("follow_up", "contract__prestataire", "anct_programme")
        .annotate(
            all_participations=Count("participations", distinct=True),
            roadmaps_adopted=Count(
                "participations__roadmap",
                filter=confirmed & Q(participations__roadmap__status=Roadmap.Status.ADOPTED),
                distinct=True,
            ),
        )
        .order_by("-edition", "title"),
        today,
    )
    for fabrique in fabriques:
        follow_up = getattr(fabrique, "follow_up", None)
        contract = getattr(fabrique, "contract", None)
        yield [
            fabrique.pk,
            fabrique.slug,
            fabrique.title,
            fabrique.short_title,
            fabrique.edition,
            fabrique.get_status_display(),
            _yes_no(fabrique.is_public),
            fabrique.anct_programme.name if fabrique.anct_programme else "",
            contract.prestataire.name if contract else "",
            fabrique.start_date,
            fabrique.end_date,
            fabrique.follow_up_due_date,
            follow_up.meeting_on if follow_up else None,
            follow_up.showcase_on if follow_up else None,
            fabrique.all_participations,
            fabrique.confirmed_territories,
            fabrique.progress.held,
            fabrique.progress.upcoming,
            fabrique.progress.notes_pending,
            fabrique.progress.notes_late,
            fabrique.roadmaps_adopted,
            fabrique.confirmed_territories,  # one roadmap expected per confirmed territory
        ]


def territory_rows(today: date):
    territories = (
        Territory.objects.select_related("departement__region")
        .annotate(
            all_participations=Count("participations", distinct=True),
            confirmed_participations=Count(
                "participations",
                filter=Q(participations__status=Participation.Status.CONFIRMED),
                distinct=True,
            ),
        )
        .order_by("name", "pk")
    )
    for territory in territories:
        yield [
            territory.pk,
            territory.name,
            territory.get_kind_display(),
            territory.official_code,
            territory.departement_id,
            territory.departement.name,
            territory.departement.region.name,
            territory.population,
            territory.all_participations,
            territory.confirmed_participations,
        ]


def participation_rows(today: date):
    progress = Seminar.objects.all().progress_by("participation", today)
    participations = (
        Participation.objects.select_related(
            "fabrique", "territory__departement", "lead_consultant__user", "roadmap"
        )
        .annotate(actions=Count("roadmap__actions"))
        .order_by("-fabrique__edition", "fabrique__title", "territory__name", "pk")
    )
    for participation in participations:
        counts = progress.get(participation.pk, SeminarProgress())
        roadmap = getattr(participation, "roadmap", None)
        lead = participation.lead_consultant
        yield [
            participation.pk,
            participation.fabrique.slug,
            participation.fabrique.display_title,
            participation.fabrique.edition,
            participation.territory.name,
            participation.territory.official_code,
            participation.territory.departement_id,
            participation.get_status_display(),
            participation.proposed_on,
            participation.confirmed_on,
            participation.withdrawn_on,
            (lead.user.get_full_name() or lead.user.email) if lead else "",
            counts.held,
            counts.upcoming,
            counts.notes_pending,
            counts.notes_late,
            roadmap.get_status_display() if roadmap else "",
            roadmap.adopted_on if roadmap else None,
            participation.actions,
        ]


def seminar_rows(today: date):
    seminars = (
        Seminar.objects.with_note_state(today)
        .select_related("fabrique", "participation__territory")
        .order_by("-fabrique__edition", "fabrique__title", "window_start", "kind", "number", "pk")
    )
    for seminar in seminars:
        yield [
            seminar.pk,
            seminar.fabrique.slug,
            seminar.fabrique.display_title,
            seminar.participation.territory.name if seminar.participation else "",
            seminar.get_kind_display(),
            seminar.number,
            seminar.theme,
            seminar.window_start,
            seminar.window_end,
            _local_dt(seminar.starts_at),
            _local_dt(seminar.ends_at),
            seminar.place,
            seminar.get_format_display(),
            seminar.get_status_display(),
            seminar.note_due_date,
            _yes_no(seminar.has_submitted_note),
            _yes_no(seminar.note_late),
        ]


def action_rows(today: date):
    actions = Action.objects.select_related(
        "roadmap__participation__fabrique", "roadmap__participation__territory", "axis"
    ).order_by(
        "-roadmap__participation__fabrique__edition",
        "roadmap__participation__fabrique__title",
        "roadmap__participation__territory__name",
        "position",
        "pk",
    )
    for action in actions:
        participation = action.roadmap.participation
        yield [
            action.pk,
            participation.fabrique.slug,
            participation.fabrique.display_title,
            participation.territory.name,
            action.roadmap.get_status_display(),
            action.axis.title if action.axis else "",
            action.title,
            action.lead,
            action.get_horizon_display(),
            action.get_status_display(),
            action.progress,
            action.budget_eur,
            action.starts_on,
            action.ends_on,
            _yes_no(action.needs_engineering_support),
        ]


DATASETS = {
    dataset.slug: dataset
    for dataset in [
        Dataset(
            "fabriques",
            _("Fabriques"),
            _(
                "Une ligne par Fabrique : dates, statut, territoires, séminaires, notes, "
                "feuilles de route et suivi à six mois."
            ),
            [
                "id",
                "slug",
                "titre",
                "titre_court",
                "edition",
                "statut",
                "publique",
                "programme_anct",
                "prestataire",
                "date_debut",
                "date_fin",
                "echeance_suivi",
                "reunion_suivi_le",
                "valorisation_le",
                "participations",
                "territoires_confirmes",
                "seminaires_tenus",
                "seminaires_a_venir",
                "notes_a_remettre",
                "notes_en_retard",
                "feuilles_de_route_adoptees",
                "feuilles_de_route_attendues",
            ],
            fabrique_rows,
        ),
        Dataset(
            "territoires",
            _("Territoires"),
            _("Une ligne par territoire : codes officiels, département, région, participations."),
            [
                "id",
                "nom",
                "nature",
                "code_officiel",
                "departement_code",
                "departement",
                "region",
                "population",
                "participations",
                "participations_confirmees",
            ],
            territory_rows,
        ),
        Dataset(
            "participations",
            _("Participations"),
            _(
                "Une ligne par territoire dans une Fabrique : statut, séminaires, notes, "
                "feuille de route et nombre d'actions."
            ),
            [
                "id",
                "fabrique_slug",
                "fabrique",
                "edition",
                "territoire",
                "code_officiel",
                "departement_code",
                "statut",
                "proposee_le",
                "confirmee_le",
                "retiree_le",
                "consultant_pilote",
                "seminaires_tenus",
                "seminaires_a_venir",
                "notes_a_remettre",
                "notes_en_retard",
                "feuille_de_route",
                "feuille_de_route_adoptee_le",
                "actions",
            ],
            participation_rows,
        ),
        Dataset(
            "seminaires",
            _("Séminaires"),
            _(
                "Une ligne par séminaire local, intersite ou journée d'immersion, avec l'état "
                "de sa note."
            ),
            [
                "id",
                "fabrique_slug",
                "fabrique",
                "territoire",
                "type",
                "numero",
                "theme",
                "fenetre_debut",
                "fenetre_fin",
                "debut",
                "fin",
                "lieu",
                "format",
                "statut",
                "note_attendue_le",
                "note_remise",
                "note_en_retard",
            ],
            seminar_rows,
        ),
        Dataset(
            "actions",
            _("Actions"),
            _(
                "Une ligne par action des feuilles de route : porteur, horizon, statut, "
                "avancement, budget."
            ),
            [
                "id",
                "fabrique_slug",
                "fabrique",
                "territoire",
                "feuille_de_route",
                "axe",
                "intitule",
                "porteur",
                "horizon",
                "statut",
                "avancement_pourcent",
                "budget_eur",
                "debut",
                "fin",
                "demande_ingenierie",
            ],
            action_rows,
        ),
    ]
}

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


# --- Writers --------------------------------------------------------------------


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if isinstance(value, str) and text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def to_csv(dataset: Dataset, today: date) -> bytes:
    output = io.StringIO()
    output.write(CSV_BOM)
    writer = csv.writer(output, lineterminator="\r\n")
    writer.writerow(dataset.columns)
    for row in dataset.rows(today):
        writer.writerow([_csv_cell(value) for value in row])
    return output.getvalue().encode("utf-8")


def to_xlsx(dataset: Dataset, today: date) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(dataset.title)[:31])

    def cell(value):
        if isinstance(value, str):
            # Stored as text, never as a formula, whatever it starts with.
            written = WriteOnlyCell(sheet, value=value)
            written.data_type = "s"
            return written
        written = WriteOnlyCell(sheet, value=value)
        if isinstance(value, datetime):
            written.number_format = "yyyy-mm-dd hh:mm"
        elif isinstance(value, date):
            written.number_format = "yyyy-mm-dd"
        return written

    sheet.append(dataset.columns)
    for row in dataset.rows(today):
        sheet.append([cell(value) for value in row])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def export(dataset: Dataset, extension: str, today: date) -> bytes:
    return to_csv(dataset, today) if extension == "csv" else to_xlsx(dataset, today)

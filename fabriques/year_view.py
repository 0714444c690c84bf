"""The ANCT year view: every Fabrique alive during a year, month by month.

A Fabrique is "alive" in a year when [start_date, follow_up_due_date] overlaps
it. For each one the view shows, per month, its seminars (held, planned, notes
late, reusing ``Seminar.objects.with_note_state``), the roadmaps adopted and
the six-month follow-up. Everything comes from a fixed number of aggregate
queries, whatever the number of Fabriques (see ``year_rows``).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, F, Q
from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils.translation import gettext as _

from deliverables.models import Roadmap
from seminars.models import Seminar
from territories.models import Participation

from .models import Fabrique
from .views import DASHBOARD_FOLLOW_UP_DAYS

MONTHS = range(1, 13)

# Traffic lights as DSFR badges: the colour always comes with a text label.
BADGE = {
    "done": "fr-badge--success",  # green: done, on time
    "planned": "fr-badge--warning",  # orange: planned, due soon
    "soon": "fr-badge--warning",
    "late": "fr-badge--error",  # red: late
    "later": "fr-badge--info",  # not due yet
}


@dataclass(frozen=True)
class FollowUpState:
    """Where a Fabrique's six-month follow-up stands on a day."""

    level: str  # a key of BADGE
    day: date
    label: str

    @property
    def badge_class(self) -> str:
        return BADGE[self.level]


def follow_up_state(fabrique: Fabrique, today: date) -> FollowUpState:
    """The follow-up meeting held, planned, or still owed (late, due soon, later).
    Expects ``fabrique.follow_up`` loaded (select_related)."""
    meeting_on = getattr(getattr(fabrique, "follow_up", None), "meeting_on", None)
    due = fabrique.follow_up_due_date
    if meeting_on and meeting_on <= today:
        return FollowUpState("done", meeting_on, _("Suivi réalisé"))
    if meeting_on:
        return FollowUpState("planned", meeting_on, _("Réunion de suivi prévue"))
    if due < today:
        return FollowUpState("late", due, _("Suivi en retard"))
    if due <= today + timedelta(DASHBOARD_FOLLOW_UP_DAYS):
        return FollowUpState("soon", due, _("Suivi dû prochainement"))
    return FollowUpState("later", due, _("Suivi à venir"))


@dataclass
class MonthCell:
    month: date  # its first day
    held: int = 0
    planned: int = 0
    notes_late: int = 0
    roadmaps_adopted: int = 0
    running: bool = False  # within [start_date, end_date]
    after: bool = False  # between the end and the follow-up due date
    follow_up: FollowUpState | None = None  # when the follow-up falls this month

    @property
    def is_empty(self) -> bool:
        return not (
            self.held or self.planned or self.notes_late or self.roadmaps_adopted or self.follow_up
        )


@dataclass
class FabriqueYear:
    """One Fabrique's line in the year view, with its yearly totals."""

    fabrique: Fabrique
    months: list[MonthCell]
    follow_up: FollowUpState
    roadmaps_adopted: int = 0  # adopted by the end of the year, all years together
    held: int = field(init=False)
    planned: int = field(init=False)
    notes_late: int = field(init=False)
    roadmaps_adopted_in_year: int = field(init=False)

    def __post_init__(self):
        self.held = sum(cell.held for cell in self.months)
        self.planned = sum(cell.planned for cell in self.months)
        self.notes_late = sum(cell.notes_late for cell in self.months)
        self.roadmaps_adopted_in_year = sum(cell.roadmaps_adopted for cell in self.months)

    @property
    def roadmaps_expected(self) -> int:
        # One roadmap per confirmed territory.
        return self.fabrique.confirmed_territories


def available_years(today: date) -> list[int]:
    """Every year some Fabrique is alive in (start to follow-up), and this year."""
    years = {today.year}
    for start, follow_up in Fabrique.objects.order_by().values_list(
        "start_date", "follow_up_due_date"
    ):
        years.update(range(start.year, follow_up.year + 1))
    return sorted(years, reverse=True)


def parse_year(raw, years: list[int], default: int) -> int:
    """The requested year if it is one of ``years``, else ``default``."""
    try:
        year = int(raw)
    except (TypeError, ValueError):
        return default
    return year if year in years else default


def fabriques_of_year(year: int):
    return Fabrique.objects.filter(
        start_date__lte=date(year, 12, 31), follow_up_due_date__gte=date(year, 1, 1)
    )


def year_rows(year: int, today: date) -> list[FabriqueYear]:
    """The year view's lines, in four queries: the Fabriques (with their
    confirmed territories and follow-up), the seminars and the roadmaps
    aggregated per Fabrique and month."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    fabriques = list(
        fabriques_of_year(year)
        .with_confirmed_territories()
        .select_related("follow_up")
        .order_by("start_date", "title")
    )
    ids = [fabrique.pk for fabrique in fabriques]
    seminars = _seminars_by_month(ids, first, last, today)
    roadmaps_in_year, roadmaps_by_end = _roadmaps_adopted(ids, year)

    rows = []
    for fabrique in fabriques:
        state = follow_up_state(fabrique, today)
        months = []
        for number in MONTHS:
            month = date(year, number, 1)
            month_end = _month_end(month)
            counts = seminars.get((fabrique.pk, number), {})
            running = fabrique.start_date <= month_end and month <= fabrique.end_date
            months.append(
                MonthCell(
                    month=month,
                    held=counts.get("held", 0),
                    planned=counts.get("planned", 0),
                    notes_late=counts.get("notes_late", 0),
                    roadmaps_adopted=roadmaps_in_year.get((fabrique.pk, number), 0),
                    running=running,
                    after=not running
                    and fabrique.end_date < month_end
                    and month <= fabrique.follow_up_due_date,
                    follow_up=state if month <= state.day <= month_end else None,
                )
            )
        rows.append(
            FabriqueYear(
                fabrique=fabrique,
                months=months,
                follow_up=state,
                roadmaps_adopted=roadmaps_by_end.get(fabrique.pk, 0),
            )
        )
    return rows


def month_starts(year: int) -> list[date]:
    return [date(year, number, 1) for number in MONTHS]


def _month_end(month: date) -> date:
    following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return following - timedelta(days=1)


def _seminars_by_month(ids, first, last, today) -> dict[tuple[int, int], dict]:
    """Held and planned seminars, and notes late, per (Fabrique, month) of the
    year; a seminar counts in the month of its date, else of its planned window."""
    Status = Seminar.Status
    rows = (
        Seminar.objects.filter(fabrique__in=ids)
        .in_calendar_order()  # annotates calendar_day
        .with_note_state(today)
        .filter(calendar_day__gte=first, calendar_day__lte=last)
        .order_by()
        .values("fabrique", month=ExtractMonth("calendar_day"))
        .annotate(
            held=Count("pk", filter=Q(status=Status.HELD)),
            planned=Count("pk", filter=Q(status__in=[Status.PLANNED, Status.SCHEDULED])),
            notes_late=Count("pk", filter=Q(note_late=True)),
        )
    )
    return {(row["fabrique"], row["month"]): row for row in rows}


def _roadmaps_adopted(ids, year) -> tuple[dict[tuple[int, int], int], dict[int, int]]:
    """Roadmaps of confirmed territories adopted per (Fabrique, month) of the
    year, and adopted by the end of the year per Fabrique."""
    rows = (
        Roadmap.objects.filter(
            participation__fabrique__in=ids,
            participation__status=Participation.Status.CONFIRMED,
            status=Roadmap.Status.ADOPTED,
            adopted_on__lte=date(year, 12, 31),
        )
        .order_by()
        .values(
            fabrique=F("participation__fabrique"),
            year=ExtractYear("adopted_on"),
            month=ExtractMonth("adopted_on"),
        )
        .annotate(count=Count("pk"))
    )
    in_year, by_end = {}, defaultdict(int)
    for row in rows:
        by_end[row["fabrique"]] += row["count"]
        if row["year"] == year:
            in_year[(row["fabrique"], row["month"])] = row["count"]
    return in_year, dict(by_end)

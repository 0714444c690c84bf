"""The prestataire and COPIL spaces, and the ANCT staff dashboard."""

from datetime import datetime, time, timedelta

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from accounts.permissions import (
    can_run_fabrique,
    can_steer_fabrique,
    fabriques_run_by,
    fabriques_steered_by,
    fabriques_visible_to,
    get_visible_or_404,
    is_anct_staff,
)
from config.value_rows import ValueRows, value_rows
from deliverables.models import Roadmap
from reminders.services import failed_reminders
from seminars.models import NoteVersion, Seminar, SeminarProgress
from territories.models import Participation

from .models import Fabrique

# How far ahead the dashboard looks for seminars and six-month follow-ups.
DASHBOARD_SEMINAR_DAYS = 30
DASHBOARD_FOLLOW_UP_DAYS = 60

# The columns the dashboard's seminar tables print (seminar_when, the status
# badge, ``Seminar.__str__``, the Fabrique's display title, the territory),
# read as plain values: they are the key of the tables' cached fragments, and
# seminars are built of them only when a table is rendered (value_rows).
DASHBOARD_SEMINAR_FIELDS = (
    "pk", "kind", "number", "theme", "status", "format", "place",
    "starts_at", "ends_at", "window_start", "window_end",
    "fabrique__title", "fabrique__short_title",
    "participation__territory__name",
)  # fmt: skip


@login_required
@require_safe
def prestataire_space(request):
    return _fabrique_list(
        request,
        fabriques_run_by(request.user),
        space="prestataire",
        title=_("Espace prestataire"),
        detail_url="fabriques:prestataire_fabrique",
    )


@login_required
@require_safe
def copil_space(request):
    return _fabrique_list(
        request,
        fabriques_steered_by(request.user),
        space="copil",
        title=_("Mon COPIL"),
        detail_url="fabriques:copil_fabrique",
    )


@login_required
@require_safe
def prestataire_fabrique(request, pk):
    fabrique = _fabrique_or_404(request, pk)
    if not can_run_fabrique(request.user, fabrique):
        raise Http404
    today = timezone.localdate()
    calendar = Seminar.objects.for_calendar_table().with_note_state(today).in_calendar_order()
    participations = list(
        fabrique.participations.prefetch_related(
            Prefetch("seminars", queryset=calendar, to_attr="calendar")
        )
        .select_related("territory", "lead_consultant__user", "roadmap")
        .order_by("territory__name")
    )
    # Each territory's progress counted from its calendar, already read with
    # its note states, rather than by another aggregate query (progress_by).
    for participation in participations:
        participation.progress = _progress_of(participation.calendar)
    return render(
        request,
        "fabriques/prestataire_fabrique.html",
        _fabrique_page_context(request, fabrique, space="prestataire")
        | {
            "participations": participations,
            "intersite": calendar.filter(fabrique=fabrique, participation__isnull=True),
        },
    )


@login_required
@require_safe
def copil_fabrique(request, pk):
    fabrique = _fabrique_or_404(request, pk)
    if not can_steer_fabrique(request.user, fabrique):
        raise Http404
    today = timezone.localdate()
    calendar = list(
        Seminar.objects.filter(fabrique=fabrique)
        .in_calendar_order()
        .select_related("participation__territory")
    )
    return render(
        request,
        "fabriques/copil_fabrique.html",
        _fabrique_page_context(request, fabrique, space="copil")
        | {
            "partnerships": fabrique.partnerships.select_related("organisation"),
            "copil_members": fabrique.copil.active_on(today).select_related("organisation", "user"),
            "participations": _with_progress(fabrique.participations.all(), fabrique, today),
            "calendar": calendar,
            "shared_notes": NoteVersion.objects.latest_shared_of(calendar),
        },
    )


@login_required
@require_safe
def dashboard(request):
    if not is_anct_staff(request.user):
        raise Http404
    today = timezone.localdate()
    return render(
        request,
        "fabriques/dashboard.html",
        {
            "title": _("Tableau de bord ANCT"),
            "active_space": "anct",
            "breadcrumb_data": {
                "links": [{"url": "/", "title": _("Accueil")}],
                "current": _("Tableau de bord ANCT"),
            },
            "today": today,
            "fabriques": _fabriques_with_progress(
                Fabrique.objects.current(today).order_by("start_date", "title"), today
            ),
            # A range on the column itself (not on its date in Paris time), so
            # the index on starts_at serves it.
            "upcoming_seminars": value_rows(
                Seminar.objects.not_cancelled()
                .filter(
                    starts_at__gte=_start_of_day(today),
                    starts_at__lt=_start_of_day(today + timedelta(DASHBOARD_SEMINAR_DAYS + 1)),
                )
                .order_by("starts_at"),
                *DASHBOARD_SEMINAR_FIELDS,
                sql_key=("dashboard-upcoming", today),
            ),
            "seminar_days": DASHBOARD_SEMINAR_DAYS,
            "late_notes": value_rows(
                Seminar.objects.notes_to_chase(today).order_by("note_due_date", "pk"),
                *DASHBOARD_SEMINAR_FIELDS,
                "note_due_date",
                sql_key=("dashboard-late-notes", today),
            ),
            "roadmaps_pending": _roadmaps_pending(),
            "follow_ups": Fabrique.objects.follow_up_coming_due(today, DASHBOARD_FOLLOW_UP_DAYS)
            .select_related("follow_up")
            .order_by("follow_up_due_date", "title"),
            "follow_up_days": DASHBOARD_FOLLOW_UP_DAYS,
            "failed_reminders": failed_reminders(),
        },
    )


# --- Helpers ------------------------------------------------------------------------


def _roadmaps_pending() -> ValueRows:
    """The confirmed territories of the running Fabriques whose roadmap is not
    adopted. Every territory of every running Fabrique can be in it (80 at
    national scale): read as plain values, the key of the table's cached
    fragment, and built as (unsaved) participations only when it is rendered."""
    return value_rows(
        Participation.objects.confirmed()
        .filter(fabrique__in=Fabrique.objects.running())
        .exclude(roadmap__status=Roadmap.Status.ADOPTED)
        .order_by("fabrique__title", "territory__name"),
        "pk",
        "territory__name",
        "fabrique__title",
        "fabrique__short_title",
        "roadmap__pk",
        "roadmap__status",
        "roadmap__adopted_on",
        sql_key=("dashboard-roadmaps-pending",),
    )


def _fabrique_list(request, fabriques, *, space, title, detail_url):
    """A space's Fabriques (every Fabrique for ANCT staff); 404 for a user
    without the role, as for any page outside their scope."""
    if is_anct_staff(request.user):
        fabriques = Fabrique.objects.all()
    fabriques = _fabriques_with_progress(
        fabriques.order_by("-edition", "title"), timezone.localdate()
    )
    if not fabriques and not is_anct_staff(request.user):
        raise Http404
    return render(
        request,
        "fabriques/fabrique_list.html",
        {
            "title": title,
            "active_space": space,
            "breadcrumb_data": {"links": [{"url": "/", "title": _("Accueil")}], "current": title},
            "fabriques": fabriques,
            "detail_url": detail_url,
        },
    )


def _fabrique_or_404(request, pk) -> Fabrique:
    return get_visible_or_404(
        fabriques_visible_to(request.user).select_related(
            "contract__prestataire", "anct_programme"
        ),
        pk=pk,
    )


def _start_of_day(day) -> datetime:
    """Midnight starting ``day`` in the current time zone (Paris)."""
    return timezone.make_aware(datetime.combine(day, time.min))


def _fabriques_with_progress(fabriques, today) -> list[Fabrique]:
    """Fabriques with their confirmed territories and ``progress`` (seminars, notes)."""
    rows = list(fabriques.with_confirmed_territories())
    progress = Seminar.objects.filter(fabrique__in=rows).progress_by("fabrique", today)
    for fabrique in rows:
        fabrique.progress = progress.get(fabrique.pk, SeminarProgress())
    return rows


def _with_progress(participations, fabrique, today) -> list[Participation]:
    """The Fabrique's territories, each with ``progress`` (its seminars and notes)."""
    progress = Seminar.objects.filter(fabrique=fabrique).progress_by("participation", today)
    rows = list(
        participations.select_related("territory", "lead_consultant__user", "roadmap").order_by(
            "territory__name"
        )
    )
    for participation in rows:
        participation.progress = progress.get(participation.pk, SeminarProgress())
    return rows


def _progress_of(seminars) -> SeminarProgress:
    """``SeminarQuerySet.progress_by`` for seminars read ``with_note_state``."""
    Status = Seminar.Status
    return SeminarProgress(
        held=sum(seminar.status == Status.HELD for seminar in seminars),
        upcoming=sum(seminar.status in (Status.PLANNED, Status.SCHEDULED) for seminar in seminars),
        notes_pending=sum(bool(seminar.note_pending) for seminar in seminars),
        notes_late=sum(bool(seminar.note_late) for seminar in seminars),
    )


def _fabrique_page_context(request, fabrique, *, space) -> dict:
    """Title, menu entry and breadcrumb of a Fabrique's page in ``space``
    (ANCT staff reach both pages from their dashboard)."""
    if is_anct_staff(request.user):
        space, url, label = "anct", "fabriques:dashboard", _("Tableau de bord ANCT")
    elif space == "prestataire":
        url, label = "fabriques:prestataire_space", _("Espace prestataire")
    else:
        url, label = "fabriques:copil_space", _("Mon COPIL")
    return {
        "title": fabrique.display_title,
        "fabrique": fabrique,
        "active_space": space,
        "breadcrumb_data": {
            "links": [{"url": "/", "title": _("Accueil")}, {"url": reverse(url), "title": label}],
            "current": fabrique.display_title,
        },
    }

"""The seminar calendar of a Fabrique: planning from a path, cancelling."""

from datetime import date, datetime, time

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from .models import Seminar, SeminarKind, SeminarTemplate, SeminarTemplateStep


def seminar_template_default() -> SeminarTemplate | None:
    return SeminarTemplate.objects.filter(is_default=True).first()


def step_window(*, fabrique_start: date, step: SeminarTemplateStep) -> tuple[date, date]:
    """Month 1 begins on the Fabrique's start date; "months 2-4" ends the eve of month 5."""
    start = fabrique_start + relativedelta(months=step.first_month - 1)
    end = fabrique_start + relativedelta(months=step.last_month, days=-1)
    return start, end


def _seminars_from_steps(*, fabrique, participation, steps) -> list[Seminar]:
    seminars = []
    for step in steps:
        window_start, window_end = step_window(fabrique_start=fabrique.start_date, step=step)
        seminars.append(
            Seminar(
                fabrique=fabrique,
                participation=participation,
                kind=step.kind,
                number=None if step.kind == SeminarKind.IMMERSION else step.number,
                theme=step.title,
                content=step.content,
                window_start=window_start,
                window_end=window_end,
            )
        )
    return seminars


def _missing_steps(*, template, kinds, existing):
    """Steps of the template not yet planned: planning twice creates nothing."""
    steps = template.steps.filter(kind__in=kinds).order_by("first_month", "number")
    return [step for step in steps if _step_key(step) not in existing]


def _step_key(step: SeminarTemplateStep) -> tuple[str, int | None]:
    return step.kind, None if step.kind == SeminarKind.IMMERSION else step.number


def seminars_plan_intersite(*, fabrique, template: SeminarTemplate) -> list[Seminar]:
    existing = set(
        fabrique.seminars.filter(kind=SeminarKind.INTERSITE).values_list("kind", "number")
    )
    steps = _missing_steps(template=template, kinds=[SeminarKind.INTERSITE], existing=existing)
    return bulk_create_with_history(
        _seminars_from_steps(fabrique=fabrique, participation=None, steps=steps), Seminar
    )


def seminars_plan_local(*, participation, template: SeminarTemplate) -> list[Seminar]:
    existing = set(participation.seminars.values_list("kind", "number"))
    steps = _missing_steps(
        template=template,
        kinds=[SeminarKind.IMMERSION, SeminarKind.LOCAL],
        existing=existing,
    )
    return bulk_create_with_history(
        _seminars_from_steps(
            fabrique=participation.fabrique, participation=participation, steps=steps
        ),
        Seminar,
    )


def seminars_replan_windows(*, fabrique) -> int:
    """Re-place the seminars whose date is not fixed yet after the year moved.

    Held, scheduled and cancelled seminars keep their dates: they are facts.
    Returns how many seminars moved.
    """
    template = fabrique.seminar_template or seminar_template_default()
    if template is None:
        return 0
    steps = {_step_key(step): step for step in template.steps.all()}
    moved = []
    for seminar in fabrique.seminars.filter(status=Seminar.Status.PLANNED, starts_at__isnull=True):
        step = steps.get((seminar.kind, seminar.number))
        if step is None:
            continue
        window = step_window(fabrique_start=fabrique.start_date, step=step)
        if window != (seminar.window_start, seminar.window_end):
            seminar.window_start, seminar.window_end = window
            moved.append(seminar)
    bulk_update_with_history(moved, Seminar, ["window_start", "window_end"])
    return len(moved)


def seminars_cancel_future(*, participation, on: date) -> int:
    """Cancel the participation's seminars not held yet and not already past.

    Held seminars (and their notes and attendance) stay as history.
    """
    start_of_day = timezone.make_aware(datetime.combine(on, time.min))
    future = Q(starts_at__gte=start_of_day) | Q(starts_at__isnull=True, window_end__gte=on)
    cancelled = list(
        participation.seminars.filter(future).filter(
            status__in=[Seminar.Status.PLANNED, Seminar.Status.SCHEDULED]
        )
    )
    for seminar in cancelled:
        seminar.status = Seminar.Status.CANCELLED
    # In bulk, and each one in the audit trail.
    bulk_update_with_history(cancelled, Seminar, ["status"])
    return len(cancelled)


@transaction.atomic
def seminar_schedule(
    *,
    seminar: Seminar,
    starts_at: datetime,
    ends_at: datetime,
    place: str,
    format: str,
    meeting_url: str,
    agenda: str,
    by=None,
) -> Seminar:
    """Fix (or move) a seminar's date and practical details; it becomes "date fixée".

    Moving a date already fixed bumps ``sequence``, so that calendars which
    imported the previous date replace it instead of keeping both.
    """
    seminar = (
        Seminar.objects.select_for_update(of=("self",))
        .select_related("fabrique")
        .get(pk=seminar.pk)
    )
    if seminar.status in (Seminar.Status.HELD, Seminar.Status.CANCELLED):
        raise ValidationError(
            _("Ce séminaire est %(status)s : il ne peut plus être reprogrammé.")
            % {"status": seminar.get_status_display().lower()}
        )
    fabrique = seminar.fabrique
    errors = {}
    if not fabrique.covers(timezone.localdate(starts_at)):
        errors["starts_at"] = _(
            "La date doit tomber pendant l'année de la Fabrique, du %(start)s au %(end)s."
        ) % {"start": f"{fabrique.start_date:%d/%m/%Y}", "end": f"{fabrique.end_date:%d/%m/%Y}"}
    if ends_at <= starts_at:
        errors["ends_at"] = _("L'heure de fin doit suivre l'heure de début.")
    remote = format in (Seminar.Format.REMOTE, Seminar.Format.HYBRID)
    if remote and not meeting_url:
        errors["meeting_url"] = _(
            "Indiquez le lien de la réunion : le séminaire se tient à distance ou en hybride."
        )
    if errors:
        raise ValidationError(errors)

    if seminar.starts_at is not None and (seminar.starts_at, seminar.ends_at) != (
        starts_at,
        ends_at,
    ):
        seminar.sequence += 1
    seminar.starts_at = starts_at
    seminar.ends_at = ends_at
    seminar.place = place
    seminar.format = format
    # An in-person seminar keeps no stale link that invitations would still show.
    seminar.meeting_url = meeting_url if remote else ""
    seminar.agenda = agenda
    seminar.status = Seminar.Status.SCHEDULED
    seminar.save(
        update_fields=[
            "starts_at",
            "ends_at",
            "place",
            "format",
            "meeting_url",
            "agenda",
            "status",
            "sequence",
        ]
    )
    return seminar

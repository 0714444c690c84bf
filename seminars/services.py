"""The seminar calendar of a Fabrique: planning from a path, cancelling."""

from datetime import date, datetime, time

from dateutil.relativedelta import relativedelta
from django.db.models import Q
from django.utils import timezone

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
    return Seminar.objects.bulk_create(
        _seminars_from_steps(fabrique=fabrique, participation=None, steps=steps)
    )


def seminars_plan_local(*, participation, template: SeminarTemplate) -> list[Seminar]:
    existing = set(participation.seminars.values_list("kind", "number"))
    steps = _missing_steps(
        template=template,
        kinds=[SeminarKind.IMMERSION, SeminarKind.LOCAL],
        existing=existing,
    )
    return Seminar.objects.bulk_create(
        _seminars_from_steps(
            fabrique=participation.fabrique, participation=participation, steps=steps
        )
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
    Seminar.objects.bulk_update(moved, ["window_start", "window_end"])
    return len(moved)


def seminars_cancel_future(*, participation, on: date) -> int:
    """Cancel the participation's seminars not held yet and not already past.

    Held seminars (and their notes and attendance) stay as history.
    """
    start_of_day = timezone.make_aware(datetime.combine(on, time.min))
    future = Q(starts_at__gte=start_of_day) | Q(starts_at__isnull=True, window_end__gte=on)
    return (
        participation.seminars.filter(future)
        .filter(status__in=[Seminar.Status.PLANNED, Seminar.Status.SCHEDULED])
        .update(status=Seminar.Status.CANCELLED)
    )

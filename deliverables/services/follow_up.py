"""The six-month follow-up of a Fabrique: each territory says where the
actions of its adopted roadmap stand (one update per click, kept as history),
ANCT sets the follow-up meeting and showcase event, and reads a summary per
territory, on the page, in the reminder e-mail and in the PDF report.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext as _

from accounts.permissions import is_anct_staff
from deliverables.models import Action, ActionUpdate, FollowUp, Roadmap, RoadmapVersion
from deliverables.services.roadmaps import roadmap_touched
from fabriques.models import Fabrique
from reminders.planning import has_answered, is_adopted
from territories.models import Participation

# The counts of the summary, in the order the page and the report show them.
STATUS_COUNTS = {
    "done": Action.Status.DONE,
    "in_progress": Action.Status.IN_PROGRESS,
    "planned": Action.Status.PLANNED,
    "paused": Action.Status.PAUSED,
    "abandoned": Action.Status.ABANDONED,
}


# --- The territories' updates ------------------------------------------------------------


@transaction.atomic
def action_status_update(
    *, action: Action, status: str, progress: int | None = None, comment: str = "", by
) -> ActionUpdate:
    """Record where an action stands: one history row, the action's status
    (and progress, when given) set, the roadmap dated as answered. The roadmap
    keeps its status: reporting on an adopted action does not reopen it."""
    if status not in Action.Status.values:
        raise ValidationError(_("Choisissez un statut de la liste."))
    if progress is not None and not 0 <= progress <= 100:
        raise ValidationError(_("L'avancement est un pourcentage, entre 0 et 100."))
    update = ActionUpdate.objects.create(
        action=action, status=status, progress=progress, comment=comment.strip(), updated_by=by
    )
    action.status = status
    fields = ["status"]
    if progress is not None:
        action.progress = progress
        fields.append("progress")
    action.save(update_fields=fields)
    roadmap_touched(roadmap=action.roadmap, keep_status=True)
    return update


def follow_up_roadmap(participation: Participation) -> Roadmap | None:
    """The participation's roadmap if it was ever adopted (None otherwise),
    with ``latest_version`` set to its latest adopted version."""
    roadmap = (
        Roadmap.objects.filter(participation=participation)
        .annotate(has_version=Exists(RoadmapVersion.objects.filter(roadmap=OuterRef("pk"))))
        .first()
    )
    if roadmap is None or not is_adopted(
        roadmap_status=roadmap.status, has_version=roadmap.has_version
    ):
        return None
    roadmap.latest_version = roadmap.versions.order_by("-number").first()
    return roadmap


def _version_titles(version: RoadmapVersion | None) -> set[str] | None:
    if version is None:
        return None
    content = version.content
    actions = list(content.get("actions_without_axis", []))
    for axis in content.get("axes", []):
        actions.extend(axis.get("actions", []))
    return {action["title"] for action in actions}


def follow_up_actions(roadmap: Roadmap) -> QuerySet[Action]:
    """The live actions of the roadmap's latest adopted version (the snapshot
    keeps no ids: an action is matched by its title), in programme order,
    annotated with ``last_update_at``. An action drafted since the adoption
    is not followed up."""
    actions = Action.objects.filter(roadmap=roadmap)
    titles = _version_titles(getattr(roadmap, "latest_version", None))
    if titles is not None and roadmap.status != Roadmap.Status.ADOPTED:
        actions = actions.filter(title__in=titles)
    return (
        actions.select_related("axis")
        .annotate(last_update_at=Max("updates__created_at"))
        .order_by("axis__position", "axis_id", "position", "pk")
    )


# --- ANCT's side ---------------------------------------------------------------------------


def follow_up_save(*, fabrique: Fabrique, changes: dict, by) -> FollowUp:
    """Dates and notes of the follow-up meeting and showcase event."""
    if not is_anct_staff(by):
        raise PermissionDenied
    follow_up, _created = FollowUp.objects.get_or_create(fabrique=fabrique)
    for name, value in changes.items():
        setattr(follow_up, name, value)
    if changes:
        follow_up.save(update_fields=list(changes))
    return follow_up


@dataclass
class TerritorySummary:
    participation_id: int
    territory: str
    departement: str
    done: int
    in_progress: int
    planned: int
    paused: int
    abandoned: int
    total: int
    last_answer_at: datetime | None
    answered: bool
    support: list[str] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in STATUS_COUNTS}


def follow_up_summary(fabrique: Fabrique) -> list[TerritorySummary]:
    """Per confirmed territory, in name order: its actions by status, the date
    of its last action update (None: no answer), whether it answered the
    six-month request, and its actions asking for ANCT's tailored engineering
    support. Two queries, whatever the number of territories and actions."""
    last_update = (
        ActionUpdate.objects.filter(action__roadmap__participation=OuterRef("pk"))
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    participations = list(
        Participation.objects.confirmed()
        .filter(fabrique=fabrique)
        .select_related("territory", "roadmap")
        .annotate(
            total=Count("roadmap__actions"),
            last_answer_at=Subquery(last_update),
            **{
                name: Count("roadmap__actions", filter=Q(roadmap__actions__status=status))
                for name, status in STATUS_COUNTS.items()
            },
        )
        .order_by("territory__name", "pk")
    )
    support: dict[int, list[str]] = {}
    for participation_id, title in (
        Action.objects.filter(
            roadmap__participation__in=[p.pk for p in participations],
            needs_engineering_support=True,
        )
        .order_by("axis__position", "position", "pk")
        .values_list("roadmap__participation_id", "title")
    ):
        support.setdefault(participation_id, []).append(title)
    rows = []
    for p in participations:
        roadmap = getattr(p, "roadmap", None)
        rows.append(
            TerritorySummary(
                participation_id=p.pk,
                territory=p.territory.name,
                departement=p.territory.departement_id,
                total=p.total,
                last_answer_at=p.last_answer_at,
                answered=has_answered(
                    roadmap_updated_at=roadmap.updated_at if roadmap else None,
                    end_date=fabrique.end_date,
                ),
                support=support.get(p.pk, []),
                **{name: getattr(p, name) for name in STATUS_COUNTS},
            )
        )
    return rows

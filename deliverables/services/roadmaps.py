"""A territory's roadmap through its life: co-written as a draft, submitted to
the territory, adopted by its élu as a frozen numbered version.

Everything that renders or freezes a roadmap goes through ``roadmap_snapshot``:
the PDF of a draft and the content of an adopted version are the same plain
dictionary, so what was adopted is exactly what is printed, and editing the
roadmap afterwards can change neither.
"""

import hashlib
import json
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from deliverables.models import Action, Axis, Roadmap, RoadmapVersion
from seminars.antivirus import upload_scan
from seminars.downloads import download_name
from seminars.uploads import note_file_check

# Bump when the snapshot's shape changes: the same roadmap then hashes
# differently and gets a fresh PDF instead of reusing one of the old shape.
SNAPSHOT_FORMAT = 1


def _action_snapshot(action: Action) -> dict:
    return {
        "title": action.title,
        "description": action.description,
        "lead": action.lead,
        "partners": action.partners,
        "starts_on": action.starts_on.isoformat() if action.starts_on else None,
        "ends_on": action.ends_on.isoformat() if action.ends_on else None,
        "horizon": action.horizon,
        "horizon_label": str(action.get_horizon_display()),
        "budget_eur": str(action.budget_eur) if action.budget_eur is not None else None,
        "funding": action.funding,
        "indicators": action.indicators,
        "status": action.status,
        "status_label": str(action.get_status_display()),
        "progress": action.progress,
        "needs_engineering_support": action.needs_engineering_support,
    }


def roadmap_snapshot(roadmap: Roadmap) -> dict:
    """The roadmap's whole content as JSON-safe data, axes and actions in their
    order. Expects ``Roadmap.objects.with_programme()`` and the participation's
    territory and Fabrique selected, or it costs a few more queries."""
    participation = roadmap.participation
    territory = participation.territory
    fabrique = participation.fabrique
    return {
        "format": SNAPSHOT_FORMAT,
        "fabrique": {
            "id": fabrique.pk,
            "title": fabrique.title,
            "display_title": fabrique.display_title,
            "edition": fabrique.edition,
        },
        "territory": {
            "id": territory.pk,
            "name": territory.name,
            "kind_label": str(territory.get_kind_display()) if territory.kind else "",
        },
        "vision": roadmap.vision,
        "synthesis": roadmap.synthesis,
        "governance": roadmap.governance,
        "partnerships": roadmap.partnerships,
        "axes": [
            {
                "title": axis.title,
                "actions": [_action_snapshot(action) for action in axis.actions.all()],
            }
            for axis in roadmap.axes.all()
        ],
        "actions_without_axis": [
            _action_snapshot(action) for action in _actions_without_axis(roadmap)
        ],
    }


def _actions_without_axis(roadmap: Roadmap):
    prefetched = getattr(roadmap, "actions_without_axis", None)
    if prefetched is not None:
        return prefetched
    return roadmap.actions.filter(axis__isnull=True)


def snapshot_sha256(snapshot: dict) -> str:
    canonical = json.dumps(snapshot, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def roadmap_for_snapshot(pk: int) -> Roadmap:
    """Load a roadmap with everything ``roadmap_snapshot`` reads, in 4 queries."""
    return (
        Roadmap.objects.with_programme()
        .select_related("participation__territory", "participation__fabrique")
        .get(pk=pk)
    )


# --- Editing ------------------------------------------------------------------


def roadmap_get_or_create(*, participation) -> Roadmap:
    roadmap, _created = Roadmap.objects.get_or_create(participation=participation)
    return roadmap


def roadmap_touched(*, roadmap: Roadmap, keep_status: bool = False) -> None:
    """Call after any edit of the roadmap's content: an adopted or submitted
    roadmap that changes becomes a new draft (its adopted versions stay).

    ``keep_status`` only dates the change: the six-month follow-up reports
    how adopted actions went, which does not reopen the adopted roadmap."""
    if roadmap.status != Roadmap.Status.DRAFT and not keep_status:
        roadmap.status = Roadmap.Status.DRAFT
        # Only these two columns are written; the audit trail records the reopening.
        roadmap.save(update_fields=["status", "updated_at"])
    else:
        Roadmap.objects.filter(pk=roadmap.pk).update(updated_at=timezone.now())


def _reorder(queryset, ordered_pks: list[int]) -> None:
    """Give the rows of ``queryset`` the positions of ``ordered_pks``; rows not
    named keep their relative order after them. Unknown pks are refused."""
    rows = {row.pk: row for row in queryset}
    if not set(ordered_pks) <= rows.keys() or len(set(ordered_pks)) != len(ordered_pks):
        raise ValidationError(
            _("L'ordre demandé ne correspond pas aux éléments de la feuille de route.")
        )
    rest = [pk for pk in rows if pk not in ordered_pks]
    for position, pk in enumerate([*ordered_pks, *rest]):
        rows[pk].position = position
    bulk_update_with_history(list(rows.values()), queryset.model, ["position"])


@transaction.atomic
def roadmap_axes_reorder(*, roadmap: Roadmap, ordered_pks: list[int]) -> None:
    _reorder(Axis.objects.filter(roadmap=roadmap).order_by("position", "pk"), ordered_pks)
    roadmap_touched(roadmap=roadmap)


@transaction.atomic
def roadmap_actions_reorder(*, roadmap: Roadmap, ordered_pks: list[int]) -> None:
    _reorder(Action.objects.filter(roadmap=roadmap).order_by("position", "pk"), ordered_pks)
    roadmap_touched(roadmap=roadmap)


def next_position(queryset) -> int:
    highest = queryset.aggregate(highest=Max("position"))["highest"]
    return 0 if highest is None else highest + 1


# --- Submission and adoption -------------------------------------------------------


def _locked(roadmap: Roadmap) -> Roadmap:
    return Roadmap.objects.select_for_update().get(pk=roadmap.pk)


@transaction.atomic
def roadmap_submit(*, roadmap: Roadmap, by) -> Roadmap:
    """The draft goes to the territory for adoption."""
    roadmap = _locked(roadmap)
    if roadmap.status != Roadmap.Status.DRAFT:
        raise ValidationError(_("Seul un brouillon peut être soumis au territoire."))
    if not roadmap.actions.exists():
        raise ValidationError(
            _("Ajoutez au moins une action avant de soumettre la feuille de route.")
        )
    roadmap.status = Roadmap.Status.SUBMITTED
    roadmap.submitted_at = timezone.now()
    roadmap.save(update_fields=["status", "submitted_at", "updated_at"])
    return roadmap


@transaction.atomic
def roadmap_adopt(
    *, roadmap: Roadmap, by, adopted_on: date | None = None, deliberation=None
) -> RoadmapVersion:
    """The territory's élu adopts the submitted roadmap: its content is frozen
    as the next numbered version, with the council's decision if uploaded.

    The deliberation file is checked (PDF, DOCX or ODT, 20 MB at most, content
    matching its extension, then scanned when the antivirus is configured)
    before anything is stored; a refused file leaves neither a row nor a
    file. With the antivirus down it is stored in quarantine
    (``deliberation_scan_status`` PENDING, see seminars.antivirus)."""
    roadmap = _locked(roadmap)
    if roadmap.status != Roadmap.Status.SUBMITTED:
        raise ValidationError(_("La feuille de route doit être soumise avant d'être adoptée."))
    adopted_on = adopted_on or timezone.localdate()
    if adopted_on > timezone.localdate():
        raise ValidationError({"adopted_on": _("La date d'adoption ne peut être future.")})
    checked = note_file_check(deliberation) if deliberation else None
    scan_status = upload_scan(deliberation, by=by, what="deliberation") if checked else None
    snapshot = roadmap_snapshot(roadmap_for_snapshot(roadmap.pk))
    number = (roadmap.versions.aggregate(highest=Max("number"))["highest"] or 0) + 1
    version = RoadmapVersion(
        roadmap=roadmap,
        number=number,
        adopted_on=adopted_on,
        adopted_by=by,
        content=snapshot | {"version": number, "adopted_on": adopted_on.isoformat()},
    )
    version.content_sha256 = snapshot_sha256(version.content)
    roadmap.status = Roadmap.Status.ADOPTED
    roadmap.adopted_on = adopted_on
    roadmap.save(update_fields=["status", "adopted_on", "updated_at"])
    if checked:
        version.deliberation_name = download_name(deliberation.name, fallback="deliberation")
        version.deliberation_size = checked.size
        version.deliberation_sha256 = checked.sha256
        version.deliberation_scan_status = scan_status
    try:
        if checked:
            # The name given here only lends its extension to upload_to.
            version.deliberation.save(f"deliberation.{checked.extension}", deliberation, save=False)
        version.save()
    except BaseException:
        # The file is written last, so nothing but this row can still fail.
        if version.deliberation.name:
            version.deliberation.storage.delete(version.deliberation.name)
        raise
    return version


# --- Co-writing: sections, axes, actions -------------------------------------------

ROADMAP_SECTION_FIELDS = ("vision", "synthesis", "governance", "partnerships")
ACTION_FIELDS = (
    "title",
    "axis",
    "description",
    "lead",
    "partners",
    "starts_on",
    "ends_on",
    "horizon",
    "budget_eur",
    "funding",
    "indicators",
    "status",
    "progress",
    "needs_engineering_support",
)


def _fields_check(changes: dict, allowed: tuple[str, ...]) -> None:
    unknown = set(changes) - set(allowed)
    if unknown:
        raise ValueError(f"Not editable here: {', '.join(sorted(unknown))}")


def _axis_check(roadmap: Roadmap, axis: Axis | None) -> None:
    if axis is not None and axis.roadmap_id != roadmap.pk:
        raise ValidationError({"axis": _("Cet axe n'appartient pas à cette feuille de route.")})


@transaction.atomic
def roadmap_sections_update(*, roadmap: Roadmap, changes: dict, by) -> Roadmap:
    """The texts around the programme (ambition, synthesis, governance,
    partnerships). Saving them unchanged leaves an adopted roadmap adopted."""
    _fields_check(changes, ROADMAP_SECTION_FIELDS)
    changed = [name for name, value in changes.items() if getattr(roadmap, name) != value]
    if not changed:
        return roadmap
    for name in changed:
        setattr(roadmap, name, changes[name])
    roadmap.save(update_fields=[*changed, "updated_at"])
    roadmap_touched(roadmap=roadmap)
    return roadmap


@transaction.atomic
def roadmap_axis_create(*, roadmap: Roadmap, title: str, by) -> Axis:
    axis = Axis.objects.create(
        roadmap=roadmap, title=title, position=next_position(roadmap.axes.all())
    )
    roadmap_touched(roadmap=roadmap)
    return axis


@transaction.atomic
def roadmap_axis_update(*, axis: Axis, title: str, by) -> Axis:
    if axis.title != title:
        axis.title = title
        axis.save(update_fields=["title"])
        roadmap_touched(roadmap=axis.roadmap)
    return axis


@transaction.atomic
def roadmap_axis_delete(*, axis: Axis, by) -> None:
    """Delete an axis; its actions stay in the roadmap, filed under no axis."""
    roadmap = axis.roadmap
    axis.delete()
    roadmap_touched(roadmap=roadmap)


@transaction.atomic
def roadmap_action_create(*, roadmap: Roadmap, fields: dict, by) -> Action:
    _fields_check(fields, ACTION_FIELDS)
    _axis_check(roadmap, fields.get("axis"))
    action = Action(roadmap=roadmap, **fields)
    action.position = next_position(roadmap.actions.all())
    action.save()
    roadmap_touched(roadmap=roadmap)
    return action


@transaction.atomic
def roadmap_action_update(*, action: Action, changes: dict, by) -> Action:
    _fields_check(changes, ACTION_FIELDS)
    roadmap = action.roadmap
    if "axis" in changes:
        _axis_check(roadmap, changes["axis"])
    if not changes:
        return action
    for name, value in changes.items():
        setattr(action, name, value)
    if "axis" in changes:
        # A moved action goes last in its new axis.
        action.position = next_position(roadmap.actions.exclude(pk=action.pk))
    action.save(update_fields=[*changes, *(["position"] if "axis" in changes else [])])
    roadmap_touched(roadmap=roadmap)
    return action


@transaction.atomic
def roadmap_action_delete(*, action: Action, by) -> None:
    roadmap = action.roadmap
    action.delete()
    roadmap_touched(roadmap=roadmap)

"""A territory's roadmap in the portal: co-written by its référents, the
Fabrique's prestataire and ANCT, submitted to the territory, adopted by its
élu as frozen numbered versions.

Whoever sees the participation reads the roadmap and its adopted versions;
only ``can_edit_roadmap`` people write, only ``can_adopt_roadmap`` people
adopt. Anything outside a user's scope is a 404.
"""

from dataclasses import dataclass
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms.models import model_to_dict
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.permissions import (
    can_adopt_roadmap,
    can_edit_roadmap,
    get_visible_or_404,
    participations_visible_to,
)
from seminars.antivirus import AVAILABLE, ScanStatus, quarantine_notice, unavailable_response
from seminars.downloads import attachment_response

# The participation pages' breadcrumb and working space, shared with the
# territory's own pages so the roadmap sits under its territory.
from territories.views import participation_page_context

from .models import Action, Axis, GeneratedPdf, Roadmap, RoadmapVersion
from .roadmap_forms import ActionForm, AxisForm, ReorderForm, RoadmapAdoptForm, RoadmapSectionsForm
from .services.rendering import roadmap_version_pdf_request
from .services.roadmaps import (
    ACTION_FIELDS,
    ROADMAP_SECTION_FIELDS,
    roadmap_action_create,
    roadmap_action_delete,
    roadmap_action_update,
    roadmap_actions_reorder,
    roadmap_adopt,
    roadmap_axes_reorder,
    roadmap_axis_create,
    roadmap_axis_delete,
    roadmap_axis_update,
    roadmap_get_or_create,
    roadmap_sections_update,
    roadmap_submit,
)

# --- What the pages show: one shape for live rows and frozen versions ----------------


@dataclass(frozen=True)
class ProgrammeRow:
    """One action as the programme tables show it, from a live ``Action`` or
    from an adopted version's frozen content."""

    pk: int | None
    title: str
    description: str
    lead: str
    horizon_label: str
    starts_on: date | None
    ends_on: date | None
    status: str
    status_label: str
    progress: int
    needs_engineering_support: bool

    @classmethod
    def of_action(cls, action: Action) -> "ProgrammeRow":
        return cls(
            pk=action.pk,
            title=action.title,
            description=action.description,
            lead=action.lead,
            horizon_label=action.get_horizon_display(),
            starts_on=action.starts_on,
            ends_on=action.ends_on,
            status=action.status,
            status_label=action.get_status_display(),
            progress=action.progress,
            needs_engineering_support=action.needs_engineering_support,
        )

    @classmethod
    def of_snapshot(cls, data: dict) -> "ProgrammeRow":
        return cls(
            pk=None,
            title=data["title"],
            description=data.get("description", ""),
            lead=data.get("lead", ""),
            horizon_label=data.get("horizon_label", ""),
            starts_on=_iso_date(data.get("starts_on")),
            ends_on=_iso_date(data.get("ends_on")),
            status=data.get("status", ""),
            status_label=data.get("status_label", ""),
            progress=data.get("progress", 0),
            needs_engineering_support=data.get("needs_engineering_support", False),
        )


def _iso_date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _live_programme(roadmap: Roadmap | None) -> tuple[list[dict], list[ProgrammeRow]]:
    """The axes (each with its rows) and the rows under no axis, in 2 queries."""
    if roadmap is None:
        return [], []
    axes = list(Axis.objects.filter(roadmap=roadmap).order_by("position", "pk"))
    by_axis = {axis.pk: [] for axis in axes}
    loose = []
    for action in Action.objects.filter(roadmap=roadmap).order_by("position", "pk"):
        row = ProgrammeRow.of_action(action)
        (by_axis[action.axis_id] if action.axis_id in by_axis else loose).append(row)
    return [{"pk": axis.pk, "title": axis.title, "rows": by_axis[axis.pk]} for axis in axes], loose


def _frozen_programme(content: dict) -> tuple[list[dict], list[ProgrammeRow]]:
    axes = [
        {
            "pk": None,
            "title": axis["title"],
            "rows": [ProgrammeRow.of_snapshot(action) for action in axis["actions"]],
        }
        for axis in content.get("axes", [])
    ]
    loose = [ProgrammeRow.of_snapshot(action) for action in content.get("actions_without_axis", [])]
    return axes, loose


def _texts(source) -> list[dict]:
    """The roadmap's texts, labelled, from a ``Roadmap`` or a frozen content."""
    labels = {
        "vision": _("Ambition à l'horizon"),
        "synthesis": _("Synthèse du travail prospectif"),
        "governance": _("Gouvernance"),
        "partnerships": _("Partenariats"),
    }
    read = source.get if isinstance(source, dict) else (lambda name: getattr(source, name))
    return [
        {"name": name, "label": labels[name], "text": (read(name) if source else "") or ""}
        for name in ROADMAP_SECTION_FIELDS
    ]


# --- Access -------------------------------------------------------------------------


def _participation_or_404(request, pk):
    return get_visible_or_404(
        participations_visible_to(request.user).select_related("territory", "fabrique"), pk=pk
    )


def _editable_participation_or_404(request, pk):
    participation = _participation_or_404(request, pk)
    if not can_edit_roadmap(request.user, participation):
        raise Http404
    return participation


def _roadmap_of(participation) -> Roadmap | None:
    roadmap = Roadmap.objects.filter(participation=participation).first()
    if roadmap is not None:
        roadmap.participation = participation
    return roadmap


def _existing_roadmap_or_404(participation) -> Roadmap:
    roadmap = _roadmap_of(participation)
    if roadmap is None:
        raise Http404
    return roadmap


def _roadmap_url(participation, anchor: str = "") -> str:
    url = reverse("deliverables:roadmap", args=[participation.pk])
    return f"{url}#{anchor}" if anchor else url


def _subpage_context(request, participation, *, current: str) -> dict:
    """Breadcrumb of a page under the roadmap (territory › roadmap › page)."""
    context = participation_page_context(request, participation, current=current, depth=1)
    context["breadcrumb_data"]["links"].append(
        {"url": _roadmap_url(participation), "title": _("Feuille de route")}
    )
    return context


# --- The roadmap page -------------------------------------------------------------


@login_required
@require_safe
def roadmap(request, pk):
    participation = _participation_or_404(request, pk)
    return _roadmap_page(request, participation)


def _roadmap_page(request, participation, *, sections_form=None, axis_form=None):
    """The editor for those who write the roadmap, the read view for the others
    who see the territory (its COPIL). A constant number of queries."""
    user = request.user
    roadmap = _roadmap_of(participation)
    axes, loose = _live_programme(roadmap)
    context = participation_page_context(
        request, participation, current=_("Feuille de route"), depth=1
    ) | {
        "roadmap": roadmap,
        "axes": axes,
        "loose_actions": loose,
        "has_actions": bool(loose) or any(axis["rows"] for axis in axes),
        "texts": _texts(roadmap),
        "version_count": roadmap.versions.count() if roadmap else 0,
        "can_adopt": can_adopt_roadmap(user, participation),
    }
    # Every PDF of the roadmap, drafts and adopted versions, newest first.
    context["pdfs"] = GeneratedPdf.objects.filter(participation=participation).order_by(
        "-requested_at"
    )[:10]
    if not can_edit_roadmap(user, participation):
        return render(request, "deliverables/roadmap/read.html", context)
    return render(
        request,
        "deliverables/roadmap/editor.html",
        context
        | {
            "sections_form": sections_form
            or RoadmapSectionsForm(
                initial=model_to_dict(roadmap, ROADMAP_SECTION_FIELDS) if roadmap else None
            ),
            "axis_form": axis_form or AxisForm(),
        },
    )


@login_required
@require_POST
def sections(request, pk):
    participation = _editable_participation_or_404(request, pk)
    # No instance: a ModelForm writes what it parses into its instance, which
    # would hide the changes from the service.
    form = RoadmapSectionsForm(request.POST)
    if not form.is_valid():
        return _roadmap_page(request, participation, sections_form=form)
    roadmap = roadmap_get_or_create(participation=participation)
    roadmap_sections_update(
        roadmap=roadmap,
        changes={name: form.cleaned_data[name] for name in ROADMAP_SECTION_FIELDS},
        by=request.user,
    )
    messages.success(request, _("Les textes de la feuille de route sont enregistrés."))
    return redirect(_roadmap_url(participation, "textes"))


# --- Axes ---------------------------------------------------------------------------


@login_required
@require_POST
def axis_add(request, pk):
    participation = _editable_participation_or_404(request, pk)
    form = AxisForm(request.POST)
    if not form.is_valid():
        return _roadmap_page(request, participation, axis_form=form)
    roadmap = roadmap_get_or_create(participation=participation)
    axis = roadmap_axis_create(roadmap=roadmap, title=form.cleaned_data["title"], by=request.user)
    messages.success(request, _("Axe « %(axis)s » ajouté.") % {"axis": axis.title})
    return redirect(_roadmap_url(participation, f"axe-{axis.pk}"))


def _axis_or_404(participation, axis_pk) -> Axis:
    return get_object_or_404(
        Axis.objects.select_related("roadmap"), roadmap__participation=participation, pk=axis_pk
    )


@login_required
@require_http_methods(["GET", "POST"])
def axis_edit(request, pk, axis_pk):
    participation = _editable_participation_or_404(request, pk)
    axis = _axis_or_404(participation, axis_pk)
    form = AxisForm(request.POST or None, initial={"title": axis.title})
    if request.method == "POST" and form.is_valid():
        roadmap_axis_update(axis=axis, title=form.cleaned_data["title"], by=request.user)
        messages.success(request, _("Axe « %(axis)s » renommé.") % {"axis": axis.title})
        return redirect(_roadmap_url(participation, f"axe-{axis.pk}"))
    return render(
        request,
        "deliverables/roadmap/axis_form.html",
        _subpage_context(request, participation, current=_("Renommer l'axe"))
        | {"form": form, "axis": axis},
    )


@login_required
@require_http_methods(["GET", "POST"])
def axis_delete(request, pk, axis_pk):
    participation = _editable_participation_or_404(request, pk)
    axis = _axis_or_404(participation, axis_pk)
    if request.method == "POST":
        roadmap_axis_delete(axis=axis, by=request.user)
        messages.success(
            request,
            _("Axe « %(axis)s » supprimé. Ses actions sont classées hors axe.")
            % {"axis": axis.title},
        )
        return redirect(_roadmap_url(participation, "programme"))
    return render(
        request,
        "deliverables/roadmap/delete.html",
        _subpage_context(request, participation, current=_("Supprimer l'axe"))
        | {
            "question": _("Supprimer l'axe « %(axis)s » ?") % {"axis": axis.title},
            "consequence": _(
                "Ses actions restent dans la feuille de route, classées hors axe. "
                "Les versions déjà adoptées ne changent pas."
            ),
        },
    )


# --- Actions ------------------------------------------------------------------------


def _action_or_404(participation, action_pk) -> Action:
    return get_object_or_404(
        Action.objects.select_related("roadmap"),
        roadmap__participation=participation,
        pk=action_pk,
    )


def _action_form_page(request, participation, form, *, current, action=None):
    return render(
        request,
        "deliverables/roadmap/action_form.html",
        _subpage_context(request, participation, current=current)
        | {"form": form, "action": action},
    )


@login_required
@require_http_methods(["GET", "POST"])
def action_add(request, pk):
    participation = _editable_participation_or_404(request, pk)
    roadmap = _roadmap_of(participation)
    initial = {}
    if roadmap is not None and request.GET.get("axe", "").isdigit():
        initial["axis"] = roadmap.axes.filter(pk=request.GET["axe"]).first()
    form = ActionForm(request.POST or None, roadmap=roadmap, initial=initial)
    if request.method == "POST" and form.is_valid():
        roadmap = roadmap or roadmap_get_or_create(participation=participation)
        try:
            action = roadmap_action_create(
                roadmap=roadmap,
                fields={name: form.cleaned_data[name] for name in ACTION_FIELDS},
                by=request.user,
            )
        except ValidationError as error:
            form.add_service_error(error)
        else:
            messages.success(request, _("Action « %(action)s » ajoutée.") % {"action": action})
            return redirect(_roadmap_url(participation, f"action-{action.pk}"))
    return _action_form_page(request, participation, form, current=_("Ajouter une action"))


@login_required
@require_http_methods(["GET", "POST"])
def action_edit(request, pk, action_pk):
    participation = _editable_participation_or_404(request, pk)
    action = _action_or_404(participation, action_pk)
    form = ActionForm(
        request.POST or None,
        roadmap=action.roadmap,
        initial=model_to_dict(action, ACTION_FIELDS),
    )
    if request.method == "POST" and form.is_valid():
        try:
            roadmap_action_update(
                action=action,
                changes={name: form.cleaned_data[name] for name in form.changed_data},
                by=request.user,
            )
        except ValidationError as error:
            form.add_service_error(error)
        else:
            messages.success(request, _("Action « %(action)s » enregistrée.") % {"action": action})
            return redirect(_roadmap_url(participation, f"action-{action.pk}"))
    return _action_form_page(
        request, participation, form, current=_("Modifier l'action"), action=action
    )


@login_required
@require_http_methods(["GET", "POST"])
def action_delete(request, pk, action_pk):
    participation = _editable_participation_or_404(request, pk)
    action = _action_or_404(participation, action_pk)
    if request.method == "POST":
        roadmap_action_delete(action=action, by=request.user)
        messages.success(request, _("Action « %(action)s » supprimée.") % {"action": action})
        return redirect(_roadmap_url(participation, "programme"))
    return render(
        request,
        "deliverables/roadmap/delete.html",
        _subpage_context(request, participation, current=_("Supprimer l'action"))
        | {
            "question": _("Supprimer l'action « %(action)s » ?") % {"action": action},
            "consequence": _("Les versions déjà adoptées ne changent pas."),
        },
    )


# --- Order --------------------------------------------------------------------------


def _swapped(pks: list[int], item: int, direction: str) -> list[int] | None:
    """``pks`` with ``item`` one step up or down; None when it cannot move."""
    index = pks.index(item)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(pks):
        return None
    moved = list(pks)
    moved[index], moved[other] = moved[other], moved[index]
    return moved


@login_required
@require_POST
def reorder(request, pk):
    """Move an axis, or an action within its axis, one step (plain buttons)."""
    participation = _editable_participation_or_404(request, pk)
    form = ReorderForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Ce déplacement n'a pas pu être compris."))
        return redirect(_roadmap_url(participation, "programme"))
    kind, item, direction = (form.cleaned_data[k] for k in ("kind", "item", "direction"))
    roadmap = _existing_roadmap_or_404(participation)
    if kind == "axis":
        pks = list(roadmap.axes.order_by("position", "pk").values_list("pk", flat=True))
        if item not in pks:
            raise Http404
        ordered = _swapped(pks, item, direction)
        if ordered is not None:
            roadmap_axes_reorder(roadmap=roadmap, ordered_pks=ordered)
        anchor = f"axe-{item}"
    else:
        rows = list(roadmap.actions.order_by("position", "pk").values_list("pk", "axis_id"))
        axis_of = dict(rows)
        if item not in axis_of:
            raise Http404
        # Actions move among those of their own axis: the others keep their slots.
        slots = [index for index, (_pk, axis) in enumerate(rows) if axis == axis_of[item]]
        siblings = _swapped([rows[index][0] for index in slots], item, direction)
        if siblings is not None:
            ordered = [row_pk for row_pk, _axis in rows]
            for index, sibling in zip(slots, siblings, strict=True):
                ordered[index] = sibling
            roadmap_actions_reorder(roadmap=roadmap, ordered_pks=ordered)
        anchor = f"action-{item}"
    return redirect(_roadmap_url(participation, anchor))


# --- Submission and adoption ------------------------------------------------------


@login_required
@require_POST
def submit(request, pk):
    participation = _editable_participation_or_404(request, pk)
    roadmap = _roadmap_of(participation)
    try:
        if roadmap is None:
            raise ValidationError(
                _("Ajoutez au moins une action avant de soumettre la feuille de route.")
            )
        roadmap_submit(roadmap=roadmap, by=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("La feuille de route est soumise au territoire pour adoption."))
    return redirect(_roadmap_url(participation))


@login_required
@require_http_methods(["GET", "POST"])
def adopt(request, pk):
    participation = _participation_or_404(request, pk)
    if not can_adopt_roadmap(request.user, participation):
        raise Http404
    roadmap = _roadmap_of(participation)
    is_submitted = roadmap is not None and roadmap.status == Roadmap.Status.SUBMITTED
    form = RoadmapAdoptForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            if roadmap is None:
                raise ValidationError(
                    _("La feuille de route doit être soumise avant d'être adoptée.")
                )
            version = roadmap_adopt(
                roadmap=roadmap,
                by=request.user,
                adopted_on=form.cleaned_data["adopted_on"],
                deliberation=form.cleaned_data["deliberation"],
            )
        except ValidationError as error:
            form.add_service_error(error)
        else:
            roadmap_version_pdf_request(version=version, by=request.user)
            done = _("Feuille de route adoptée : version %(number)s.") % {"number": version.number}
            if version.deliberation_scan_status == ScanStatus.PENDING:
                messages.warning(request, f"{done} {quarantine_notice()}")
            else:
                messages.success(request, done)
            return redirect(
                "deliverables:roadmap_version", pk=participation.pk, number=version.number
            )
    return render(
        request,
        "deliverables/roadmap/adopt.html",
        _subpage_context(request, participation, current=_("Adopter la feuille de route"))
        | {"form": form, "roadmap": roadmap, "is_submitted": is_submitted},
    )


# --- Adopted versions -------------------------------------------------------------


@login_required
@require_safe
def versions(request, pk):
    participation = _participation_or_404(request, pk)
    adopted = RoadmapVersion.objects.filter(roadmap__participation=participation).select_related(
        "adopted_by"
    )
    return render(
        request,
        "deliverables/roadmap/versions.html",
        _subpage_context(request, participation, current=_("Versions adoptées"))
        | {"versions": adopted.order_by("-number")},
    )


def _version_or_404(participation, number) -> RoadmapVersion:
    return get_object_or_404(
        RoadmapVersion.objects.select_related("adopted_by"),
        roadmap__participation=participation,
        number=number,
    )


@login_required
@require_safe
def version(request, pk, number):
    """An adopted version, from its frozen content only: later edits of the
    roadmap never show here."""
    participation = _participation_or_404(request, pk)
    adopted = _version_or_404(participation, number)
    axes, loose = _frozen_programme(adopted.content)
    context = _subpage_context(
        request, participation, current=_("Version %(number)s") % {"number": adopted.number}
    )
    context["breadcrumb_data"]["links"].append(
        {
            "url": reverse("deliverables:roadmap_versions", args=[participation.pk]),
            "title": _("Versions adoptées"),
        }
    )
    return render(
        request,
        "deliverables/roadmap/version.html",
        context
        | {
            "version": adopted,
            "texts": _texts(adopted.content),
            "axes": axes,
            "loose_actions": loose,
            "has_actions": bool(loose) or any(axis["rows"] for axis in axes),
        },
    )


@login_required
@require_safe
def deliberation_download(request, pk, number):
    participation = _participation_or_404(request, pk)
    adopted = _version_or_404(participation, number)
    if not adopted.deliberation:
        raise Http404
    if adopted.deliberation_scan_status not in AVAILABLE:
        return unavailable_response(request, adopted.deliberation_scan_status)
    extension = adopted.deliberation.name.rsplit(".", 1)[-1]
    return attachment_response(
        adopted.deliberation,
        filename=adopted.deliberation_name or f"deliberation-v{adopted.number}.{extension}",
    )

"""The territory space: a participation's page and its working group."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Q, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from accounts.permissions import (
    can_edit_roadmap,
    can_manage_working_group,
    get_visible_or_404,
    is_anct_staff,
    participations_of_territory_user,
    participations_visible_to,
)
from deliverables.models import Action
from fabriques.pages import fabrique_trail
from fabriques.public_cache import cached_fragment
from seminars.models import NoteVersion, Seminar, SeminarKind

from .forms import WorkingGroupMemberForm
from .models import AnctDelegate, Participation, WorkingGroupMember, WorkingGroupSummary
from .services import (
    working_group_member_add,
    working_group_member_remove,
    working_group_member_update,
)


@login_required
@require_safe
def space(request):
    """The user's participations (all of them for ANCT staff); straight to the
    only one when there is just one."""
    if is_anct_staff(request.user):
        participations = participations_visible_to(request.user)
    else:
        participations = participations_of_territory_user(request.user)
    now = timezone.now()
    next_seminar = (
        Seminar.objects.not_cancelled()
        .filter(starts_at__gte=now)
        .filter(
            Q(participation=OuterRef("pk"))
            | Q(participation__isnull=True, fabrique=OuterRef("fabrique"))
        )
        .order_by("starts_at")
        .values("starts_at")[:1]
    )
    participations = list(
        participations.select_related("territory", "fabrique")
        .annotate(next_seminar_at=Subquery(next_seminar))
        .order_by("-fabrique__edition", "fabrique__title", "territory__name")
    )
    if not participations and not is_anct_staff(request.user):
        raise Http404
    if len(participations) == 1 and not is_anct_staff(request.user):
        return redirect("territories:participation", pk=participations[0].pk)
    return render(
        request,
        "territories/space.html",
        {
            "title": _("Mon territoire"),
            "participations": participations,
            "active_space": "territory",
            "breadcrumb_data": {
                "links": [{"url": "/", "title": _("Accueil")}],
                "current": _("Mon territoire"),
            },
        },
    )


@login_required
@require_safe
def participation_detail(request, pk):
    """The territory's page. A constant number of queries: the permission
    flags and the roadmap come with the participation, the actions are read
    once for the programme and the engineering-support section."""
    user = request.user
    today = timezone.localdate()
    participation = get_visible_or_404(
        participations_visible_to(user).select_related(
            "territory",
            "fabrique",
            "fabrique__anct_programme",
            "lead_consultant__user",
            "lead_consultant__contract__prestataire",
            "roadmap",
        ),
        pk=pk,
    )
    # The territory's roles of today, which the page lists: the user is one
    # of its référents exactly when one of them is theirs (territory_roles).
    contacts = list(participation.contacts.active_on(today).select_related("user"))
    participation.is_referent = any(contact.user_id == user.pk for contact in contacts)
    calendar = Seminar.objects.calendar_of(participation)
    seminars = list(calendar.for_calendar_table().with_note_state(today).in_calendar_order())
    held_local = sum(
        1
        for seminar in seminars
        if seminar.participation_id == participation.pk
        and seminar.kind == SeminarKind.LOCAL
        and seminar.status == Seminar.Status.HELD
    )
    members = WorkingGroupMember.objects.filter(participation=participation)
    roadmap = getattr(participation, "roadmap", None)
    axes, loose_actions, support_actions = _programme(roadmap)
    after_fabrique = today > participation.fabrique.end_date
    can_manage_group = is_anct_staff(user) or participation.is_referent
    return render(
        request,
        "territories/participation.html",
        participation_page_context(
            request,
            participation,
            current=participation.territory.name,
            depth=0,
            is_referent=participation.is_referent,
        )
        | {
            # The same for every territory of the Fabrique, and saving a
            # partnership or an organisation bumps the public version
            # (public_cache): kept per Fabrique and version.
            "partnerships": cached_fragment(
                "fabrique-partnerships",
                lambda: list(participation.fabrique.partnerships.select_related("organisation")),
                participation.fabrique_id,
            ),
            "contacts": contacts,
            # With each seminar's note state, so a late note shows here too.
            "calendar": seminars,
            # The calendar's seminars are already read: in the calendar's order.
            "shared_notes": NoteVersion.objects.latest_shared_of(seminars),
            # Counts only: the members' college, not their names and contacts.
            "summary": WorkingGroupSummary.of(
                members.current(today).with_seminars_attended().only("college"),
                held_seminars=held_local,
            ),
            "roadmap": roadmap,
            "axes": axes,
            "loose_actions": loose_actions,
            "can_manage_group": can_manage_group,
            "can_follow_up": roadmap is not None
            and (can_manage_group or can_edit_roadmap(user, participation)),
            "after_fabrique": after_fabrique,
            "delegates": _delegates(participation.territory) if after_fabrique else [],
            "support_actions": support_actions,
        },
    )


TERRITORY_PAGE_ACTION_FIELDS = (
    "axis", "title", "lead", "horizon", "progress", "status", "needs_engineering_support",
)  # fmt: skip


def _programme(roadmap) -> tuple[list[dict], list[Action], list[Action]]:
    """The roadmap's axes with their actions, the actions under no axis, and
    those asking for ANCT's engineering support: two queries."""
    if roadmap is None:
        return [], [], []
    # What the page prints of them (roadmap_actions.html, the support list),
    # not their descriptions, partners, funding and indicators.
    actions = list(
        Action.objects.filter(roadmap=roadmap)
        .only(*TERRITORY_PAGE_ACTION_FIELDS)
        .order_by("position", "pk")
    )
    axes = [{"axis": axis, "actions": []} for axis in roadmap.axes.all()]
    by_axis = {entry["axis"].pk: entry["actions"] for entry in axes}
    loose = []
    for action in actions:
        by_axis.get(action.axis_id, loose).append(action)
    support = [
        action for entry in axes for action in entry["actions"] if action.needs_engineering_support
    ] + [action for action in loose if action.needs_engineering_support]
    return axes, loose, support


def _delegates(territory) -> list[AnctDelegate]:
    """The département's territorial delegate first, then the deputy."""
    order = {AnctDelegate.Role.DELEGATE: 0, AnctDelegate.Role.DEPUTY: 1}
    return sorted(
        AnctDelegate.objects.filter(departement_id=territory.departement_id),
        key=lambda delegate: order.get(delegate.role, 2),
    )


@login_required
@require_safe
def working_group(request, pk):
    participation = _participation_or_404(request, pk)
    today = timezone.localdate()
    members = (
        WorkingGroupMember.objects.filter(participation=participation)
        .with_seminars_attended()
        .order_by("last_name", "first_name")
    )
    current = list(members.current(today))
    return render(
        request,
        "territories/working_group.html",
        participation_page_context(request, participation, current=_("Groupe de travail"), depth=1)
        | {
            "current_members": current,
            "former_members": members.former(today),
            "summary": WorkingGroupSummary.of(
                current, held_seminars=_held_local_seminars(participation)
            ),
            # Contact details stay between the territory and ANCT.
            "can_manage": can_manage_working_group(request.user, participation),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def working_group_add(request, pk):
    participation = _managed_participation_or_404(request, pk)
    form = WorkingGroupMemberForm(
        request.POST if request.method == "POST" else None,
        instance=WorkingGroupMember(participation=participation),
    )
    if request.method == "POST" and form.is_valid():
        try:
            member = working_group_member_add(
                participation=participation, **form.cleaned_data, by=request.user
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("%(member)s a rejoint le groupe de travail.") % {"member": member}
            )
            return redirect("territories:working_group", pk=participation.pk)
    return _member_form_page(request, participation, form, _("Ajouter un membre"))


@login_required
@require_http_methods(["GET", "POST"])
def working_group_edit(request, pk, member_pk):
    participation = _managed_participation_or_404(request, pk)
    member = get_object_or_404(participation.working_group, pk=member_pk)
    form = WorkingGroupMemberForm(
        request.POST if request.method == "POST" else None, instance=member
    )
    if request.method == "POST" and form.is_valid():
        try:
            working_group_member_update(
                member=member,
                changes={name: form.cleaned_data[name] for name in form.changed_data},
                by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("La fiche de %(member)s est à jour.") % {"member": member})
            return redirect("territories:working_group", pk=participation.pk)
    return _member_form_page(
        request, participation, form, _("Modifier %(member)s") % {"member": member}
    )


@login_required
@require_http_methods(["GET", "POST"])
def working_group_remove(request, pk, member_pk):
    participation = _managed_participation_or_404(request, pk)
    today = timezone.localdate()
    member = get_object_or_404(participation.working_group.current(today), pk=member_pk)
    if request.method == "POST":
        try:
            working_group_member_remove(member=member, on=today, by=request.user)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(
                request,
                _("%(member)s a quitté le groupe de travail. Son historique est conservé.")
                % {"member": member},
            )
        return redirect("territories:working_group", pk=participation.pk)
    title = _("Retirer %(member)s du groupe") % {"member": member}
    return render(
        request,
        "territories/working_group_remove.html",
        participation_page_context(request, participation, current=title, depth=2)
        | {"member": member},
    )


# --- Helpers ------------------------------------------------------------------------


def _participation_or_404(request, pk) -> Participation:
    return get_visible_or_404(
        participations_visible_to(request.user).select_related(
            "territory",
            "fabrique",
            "fabrique__anct_programme",
            "lead_consultant__user",
            "lead_consultant__contract__prestataire",
        ),
        pk=pk,
    )


def _managed_participation_or_404(request, pk) -> Participation:
    participation = _participation_or_404(request, pk)
    if not can_manage_working_group(request.user, participation):
        raise Http404
    return participation


def _held_local_seminars(participation) -> int:
    return participation.seminars.held().filter(kind=SeminarKind.LOCAL).count()


def _member_form_page(request, participation, form, current):
    return render(
        request,
        "territories/working_group_form.html",
        participation_page_context(request, participation, current=current, depth=2)
        | {"form": form},
    )


def participation_page_context(request, participation, *, current, depth, is_referent=None) -> dict:
    """Title, menu entry and breadcrumb of a participation's pages.

    The trail starts from the space the user reaches the territory through
    (their territory, the Fabriques they run or steer, the ANCT dashboard);
    ``depth`` 1 is a page of the participation, 2 a page of its working group.
    ``is_referent`` (the user holds a territory role in it today) saves a
    query when the caller already knows it.
    """
    user = request.user
    fabrique = participation.fabrique
    if is_referent is None:
        is_referent = participations_of_territory_user(user).filter(pk=participation.pk).exists()
    space, links = fabrique_trail(user, fabrique, is_referent=is_referent)
    territory = participation.territory.name
    if depth >= 1:
        links.append(
            {
                "url": reverse("territories:participation", args=[participation.pk]),
                "title": territory,
            }
        )
    if depth >= 2:
        links.append(
            {
                "url": reverse("territories:working_group", args=[participation.pk]),
                "title": _("Groupe de travail"),
            }
        )
    return {
        "title": f"{current} — {territory}" if depth else f"{territory} — {fabrique.display_title}",
        "participation": participation,
        "fabrique": fabrique,
        "active_space": space,
        "breadcrumb_data": {"links": links, "current": current},
    }

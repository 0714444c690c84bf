"""The six-month follow-up in the portal: the territories' short form to say
where each adopted action stands (reached from the reminder e-mail), and
ANCT's page with the follow-up dates, the summary and the PDF report."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.permissions import (
    can_edit_roadmap,
    get_visible_or_404,
    is_anct_staff,
    participations_visible_to,
)
from fabriques.models import Fabrique

# The participation pages' breadcrumb and working space.
from fabriques.pages import fabrique_subpage_context
from territories.views import participation_page_context

from .follow_up_forms import ActionStatusForm, FollowUpForm
from .models import Action, FollowUp, GeneratedPdf
from .pdf_views import _request_notice
from .services.follow_up import (
    STATUS_COUNTS,
    action_status_update,
    follow_up_actions,
    follow_up_roadmap,
    follow_up_save,
    follow_up_summary,
)
from .services.rendering import follow_up_report_pdf_request


@login_required
@require_http_methods(["GET", "POST"])
def follow_up_actions_view(request, pk):
    """One row per action of the adopted roadmap, one button per status: a
    click records the update (and its date) without reopening the roadmap."""
    participation = get_visible_or_404(
        participations_visible_to(request.user).select_related("territory", "fabrique"), pk=pk
    )
    if not can_edit_roadmap(request.user, participation):
        raise Http404
    roadmap = follow_up_roadmap(participation)
    actions = follow_up_actions(roadmap) if roadmap else Action.objects.none()
    if request.method == "POST":
        form = ActionStatusForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return redirect("deliverables:follow_up_actions", pk=participation.pk)
        action = get_object_or_404(actions, pk=form.cleaned_data["action"])
        action.roadmap = roadmap
        try:
            action_status_update(
                action=action,
                status=form.cleaned_data["status"],
                progress=form.cleaned_data["progress"],
                comment=form.cleaned_data["comment"],
                by=request.user,
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(
                request,
                _("« %(action)s » : %(status)s.")
                % {"action": action.title, "status": Action.Status(action.status).label},
            )
        return redirect(
            reverse("deliverables:follow_up_actions", args=[participation.pk])
            + f"#action-{action.pk}"
        )
    current = _("Suivi des actions")
    return render(
        request,
        "deliverables/follow_up/actions.html",
        participation_page_context(request, participation, current=current, depth=1)
        | {
            "roadmap": roadmap,
            "actions": actions,
            "statuses": Action.Status.choices,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def follow_up(request, pk):
    """ANCT's follow-up of a Fabrique: meeting and event, the summary per
    territory, the PDF report. Staff only (404 for everybody else)."""
    if not is_anct_staff(request.user):
        raise Http404
    fabrique = get_object_or_404(Fabrique.objects.select_related("follow_up"), pk=pk)
    follow_up = getattr(fabrique, "follow_up", None) or FollowUp(fabrique=fabrique)
    initial = {name: getattr(follow_up, name) for name in FollowUpForm.base_fields}
    form = FollowUpForm(initial=initial)
    if request.method == "POST":
        if request.POST.get("action") == "rapport":
            pdf = follow_up_report_pdf_request(fabrique=fabrique, by=request.user)
            messages.info(request, _request_notice(pdf))
            return redirect("deliverables:follow_up", pk=fabrique.pk)
        form = FollowUpForm(request.POST, initial=initial)
        if form.is_valid():
            follow_up_save(
                fabrique=fabrique,
                changes={name: form.cleaned_data[name] for name in form.changed_data},
                by=request.user,
            )
            messages.success(request, _("Le suivi à six mois est enregistré."))
            return redirect("deliverables:follow_up", pk=fabrique.pk)
    rows = follow_up_summary(fabrique)
    title = _("Suivi à six mois")
    return render(
        request,
        "deliverables/follow_up/follow_up.html",
        fabrique_subpage_context(request.user, fabrique, title=title)
        | {
            "form": form,
            "rows": rows,
            "status_labels": [Action.Status(status).label for status in STATUS_COUNTS.values()],
            "support_rows": [row for row in rows if row.support],
            "pdfs": GeneratedPdf.objects.filter(
                fabrique=fabrique, kind=GeneratedPdf.Kind.FOLLOW_UP_REPORT
            ),
        },
    )

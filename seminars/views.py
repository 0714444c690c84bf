"""Scheduling a seminar, and downloading a seminar's note."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from accounts.permissions import (
    can_run_fabrique,
    get_visible_or_404,
    is_anct_staff,
    note_versions_visible_to,
    seminars_visible_to,
)

from .downloads import attachment_response, download_name
from .forms import SeminarScheduleForm
from .services import seminar_schedule


@login_required
@require_http_methods(["GET", "POST"])
def schedule(request, pk):
    seminar = get_visible_or_404(
        seminars_visible_to(request.user).select_related("fabrique", "participation__territory"),
        pk=pk,
    )
    if not can_run_fabrique(request.user, seminar.fabrique):
        raise Http404
    form = SeminarScheduleForm(
        request.POST if request.method == "POST" else None,
        initial=SeminarScheduleForm.initial_for(seminar),
    )
    if request.method == "POST" and form.is_valid():
        try:
            seminar = seminar_schedule(
                seminar=seminar, **form.schedule_arguments(), by=request.user
            )
        except ValidationError as error:
            form.add_service_error(error)
        else:
            messages.success(
                request,
                _("%(seminar)s : date fixée au %(day)s.")
                % {"seminar": seminar, "day": f"{form.cleaned_data['day']:%d/%m/%Y}"},
            )
            return redirect("fabriques:prestataire_fabrique", pk=seminar.fabrique_id)
    fabrique_url = reverse("fabriques:prestataire_fabrique", args=[seminar.fabrique_id])
    if is_anct_staff(request.user):
        space, space_url, space_title = "anct", "fabriques:dashboard", _("Tableau de bord ANCT")
    else:
        space, space_url, space_title = (
            "prestataire",
            "fabriques:prestataire_space",
            _("Espace prestataire"),
        )
    title = _("Programmer le séminaire")
    return render(
        request,
        "seminars/schedule.html",
        {
            "title": f"{title} — {seminar}",
            "active_space": space,
            "breadcrumb_data": {
                "links": [
                    {"url": "/", "title": _("Accueil")},
                    {"url": reverse(space_url), "title": space_title},
                    {"url": fabrique_url, "title": seminar.fabrique.display_title},
                ],
                "current": title,
            },
            "seminar": seminar,
            "form": form,
            "cancel_url": fabrique_url,
        },
    )


@login_required
@require_safe
def note_download(request, pk):
    """A note's file: any version for the Fabrique's prestataire and ANCT, only
    the versions shared with the territories for everyone else who sees the
    seminar (its référents, the COPIL)."""
    note = get_visible_or_404(note_versions_visible_to(request.user), pk=pk)
    return attachment_response(
        note.file, filename=download_name(note.original_name, fallback=f"note-{note.pk}.pdf")
    )

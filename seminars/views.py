"""Scheduling a seminar, and downloading a seminar's note."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from accounts.permissions import (
    get_runnable_seminar_or_404,
    get_visible_or_404,
    note_versions_visible_to,
)

from .antivirus import AVAILABLE, unavailable_response
from .downloads import attachment_response, download_name
from .forms import SeminarScheduleForm
from .pages import seminar_page_context
from .services import seminar_schedule


@login_required
@require_http_methods(["GET", "POST"])
def schedule(request, pk):
    seminar = get_runnable_seminar_or_404(request.user, pk)
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
    title = _("Programmer le séminaire")
    return render(
        request,
        "seminars/schedule.html",
        seminar_page_context(request.user, seminar, title=title)
        | {
            "title": f"{title} — {seminar}",
            "seminar": seminar,
            "form": form,
            "cancel_url": reverse("fabriques:prestataire_fabrique", args=[seminar.fabrique_id]),
        },
    )


@login_required
@require_safe
def note_download(request, pk):
    """A note's file: any version for the Fabrique's prestataire and ANCT, only
    the versions shared with the territories for everyone else who sees the
    seminar (its référents, the COPIL)."""
    note = get_visible_or_404(note_versions_visible_to(request.user), pk=pk)
    if note.scan_status not in AVAILABLE:
        return unavailable_response(request, note.scan_status)
    return attachment_response(
        note.file, filename=download_name(note.original_name, fallback=f"note-{note.pk}.pdf")
    )

"""A seminar's note: the prestataire's page (versions, upload, submission) and
ANCT's review (the list of notes to read, one page per version).

Élus and the COPIL never reach these pages: they get the shared notes on their
own pages, through ``seminars:note_download``.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.permissions import (
    can_run_fabrique,
    get_runnable_seminar_or_404,
    get_visible_or_404,
    is_anct_staff,
    note_versions_visible_to,
)

from .antivirus import AVAILABLE, ScanStatus, quarantine_notice
from .forms import NoteReturnForm, NoteUploadForm
from .models import NoteVersion, Seminar
from .notes import note_return, note_share, note_submit, note_upload, note_validate
from .pages import seminar_page_context, space_links


def _staff_or_404(user) -> None:
    if not is_anct_staff(user):
        raise Http404


@login_required
@require_http_methods(["GET", "POST"])
def notes(request, pk):
    seminar = get_runnable_seminar_or_404(request.user, pk)
    form = NoteUploadForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            note = note_upload(
                seminar=seminar,
                file=form.cleaned_data["file"],
                summary=form.cleaned_data["summary"],
                by=request.user,
            )
        except ValidationError as error:
            form.add_service_error(error)
        else:
            if note.scan_status == ScanStatus.PENDING:
                messages.warning(
                    request,
                    _("Version %(version)s de la note déposée.") % {"version": note.version}
                    + " "
                    + quarantine_notice(),
                )
            else:
                messages.success(
                    request,
                    _(
                        "Version %(version)s de la note déposée. "
                        "Soumettez-la à l'ANCT quand elle est prête."
                    )
                    % {"version": note.version},
                )
            return redirect("seminars:notes", pk=seminar.pk)
    versions = list(seminar.notes.select_related("uploaded_by").order_by("-version"))
    latest = versions[0] if versions else None
    title = _("Note du séminaire")
    return render(
        request,
        "seminars/notes/seminar_notes.html",
        seminar_page_context(request.user, seminar, title=title)
        | {
            "title": f"{title} — {seminar}",
            "seminar": seminar,
            "versions": versions,
            "latest": latest,
            "last_comment": next((v for v in versions if v.review_comment), None),
            "can_submit": latest is not None
            and latest.status == NoteVersion.Status.DRAFT
            and latest.scan_status in AVAILABLE
            and not any(v.status == NoteVersion.Status.SUBMITTED for v in versions),
            "can_upload": seminar.status == Seminar.Status.HELD,
            "is_staff": is_anct_staff(request.user),
            "form": form,
        },
    )


@login_required
@require_POST
def submit(request, pk):
    note = get_visible_or_404(
        note_versions_visible_to(request.user).select_related("seminar__fabrique"), pk=pk
    )
    if not can_run_fabrique(request.user, note.seminar.fabrique):
        raise Http404
    try:
        note = note_submit(note=note, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Version %(version)s soumise à l'ANCT.") % {"version": note.version},
        )
    return redirect("seminars:notes", pk=note.seminar_id)


@login_required
@require_safe
def review_list(request):
    _staff_or_404(request.user)
    submitted = (
        NoteVersion.objects.filter(status=NoteVersion.Status.SUBMITTED)
        .select_related("seminar__fabrique", "seminar__participation__territory", "uploaded_by")
        .order_by("submitted_at", "pk")
    )
    late = (
        Seminar.objects.notes_to_chase(timezone.localdate())
        .select_related("fabrique", "participation__territory")
        .order_by("note_due_date", "pk")
    )
    space, links = space_links(request.user)
    title = _("Notes à examiner")
    return render(
        request,
        "seminars/notes/review_list.html",
        {
            "title": title,
            "active_space": space,
            "breadcrumb_data": {"links": links, "current": title},
            "submitted": submitted,
            "late": late,
        },
    )


REVIEW_ACTIONS = {"valider", "renvoyer", "partager"}


@login_required
@require_http_methods(["GET", "POST"])
def review(request, pk):
    _staff_or_404(request.user)
    note = get_visible_or_404(
        NoteVersion.objects.select_related(
            "seminar__fabrique", "seminar__participation__territory", "uploaded_by", "reviewed_by"
        ),
        pk=pk,
    )
    form = NoteReturnForm(request.POST if request.method == "POST" else None)
    action = request.POST.get("action")
    if request.method == "POST" and action in REVIEW_ACTIONS and form.is_valid():
        try:
            if action == "valider":
                note_validate(note=note, by=request.user)
                done = _("Version %(version)s validée.")
            elif action == "renvoyer":
                note_return(note=note, comment=form.cleaned_data["comment"], by=request.user)
                done = _("Version %(version)s renvoyée au prestataire.")
            else:
                note_share(note=note, by=request.user)
                done = _("Version %(version)s partagée avec le territoire.")
        except ValidationError as error:
            form.add_service_error(error)
        else:
            messages.success(request, done % {"version": note.version})
            return redirect("seminars:note_review", pk=note.pk)
    seminar = note.seminar
    space, links = space_links(request.user)
    links.append({"url": reverse("seminars:notes_review"), "title": _("Notes à examiner")})
    title = _("Examen de la note")
    return render(
        request,
        "seminars/notes/review.html",
        {
            "title": f"{title} — {seminar} — v{note.version}",
            "active_space": space,
            "breadcrumb_data": {"links": links, "current": title},
            "note": note,
            "seminar": seminar,
            "form": form,
        },
    )

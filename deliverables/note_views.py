"""Transversal notes of a Fabrique in the portal: list, writing or upload,
detail with its PDFs, download, and ANCT's publication.

Who sees what: the Fabrique's prestataire team and ANCT staff see every note,
drafts included, and write them; the territories' people and the COPIL
(whoever else sees the Fabrique) see the published notes only. Publishing is
ANCT staff's act. Outside that scope every page answers 404.
"""

from pathlib import PurePath

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.permissions import (
    can_run_fabrique,
    fabriques_visible_to,
    generated_pdfs_visible_to,
    get_visible_or_404,
    is_anct_staff,
    transversal_notes_visible_to,
)
from fabriques.pages import fabrique_subpage_context
from seminars.antivirus import AVAILABLE, ScanStatus, quarantine_notice, unavailable_response
from seminars.downloads import attachment_response, download_name

from .markdown import markdown_to_html
from .note_forms import TransversalNoteForm
from .services import transversal_notes as services
from .services.rendering import transversal_note_pdf_request


def _visible_fabrique_or_404(user, pk):
    return get_visible_or_404(fabriques_visible_to(user), pk=pk)


def _visible_note_or_404(user, pk):
    return get_visible_or_404(transversal_notes_visible_to(user).select_related("fabrique"), pk=pk)


def _list_link(fabrique) -> dict:
    return {
        "url": reverse("deliverables:transversal_notes", args=[fabrique.pk]),
        "title": _("Notes transversales"),
    }


@login_required
@require_safe
def transversal_notes(request, pk):
    fabrique = _visible_fabrique_or_404(request.user, pk)
    can_write = can_run_fabrique(request.user, fabrique)
    notes = (
        transversal_notes_visible_to(request.user)
        .filter(fabrique=fabrique)
        .order_by("kind", "title")
    )
    title = _("Notes transversales")
    return render(
        request,
        "deliverables/notes/note_list.html",
        fabrique_subpage_context(request.user, fabrique, title=title)
        | {
            "notes": notes.only(
                "fabrique_id",
                "kind",
                "title",
                "file",
                "scan_status",
                "is_published",
                "published_on",
            ),
            "can_write": can_write,
        },
    )


def _form_page(request, *, fabrique, form, note=None, preview=None):
    title = _("Modifier la note") if note else _("Nouvelle note transversale")
    links = [_list_link(fabrique)]
    if note:
        links.append(
            {"url": reverse("deliverables:transversal_note", args=[note.pk]), "title": note.title}
        )
    return render(
        request,
        "deliverables/notes/note_form.html",
        fabrique_subpage_context(request.user, fabrique, title=title, links=links)
        | {"form": form, "note": note, "preview": preview, "heading": title},
    )


def _preview_form(request, note=None):
    """The form as typed, without its errors: the preview is not a save."""
    initial = {name: request.POST.get(name, "") for name in ("kind", "title", "body")}
    return TransversalNoteForm(initial=initial, note=note)


@login_required
@require_http_methods(["GET", "POST"])
def transversal_note_add(request, pk):
    fabrique = _visible_fabrique_or_404(request.user, pk)
    if not can_run_fabrique(request.user, fabrique):
        raise Http404
    if request.method == "POST" and request.POST.get("action") == "apercu":
        return _form_page(
            request,
            fabrique=fabrique,
            form=_preview_form(request),
            preview=markdown_to_html(request.POST.get("body", "")),
        )
    form = TransversalNoteForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            note = services.transversal_note_create(
                fabrique=fabrique,
                kind=form.cleaned_data["kind"],
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                file=form.cleaned_data["file"],
                by=request.user,
            )
        except ValidationError as error:
            form.add_service_error(error)
        else:
            _saved_message(request, note, _("Note « %(title)s » enregistrée."))
            return redirect("deliverables:transversal_note", pk=note.pk)
    return _form_page(request, fabrique=fabrique, form=form)


@login_required
@require_http_methods(["GET", "POST"])
def transversal_note_edit(request, pk):
    note = _visible_note_or_404(request.user, pk)
    fabrique = note.fabrique
    if not can_run_fabrique(request.user, fabrique):
        raise Http404
    # What the public reads changes only with ANCT: the prestataire asks for
    # the note to be withdrawn first.
    if note.is_published and not is_anct_staff(request.user):
        messages.error(
            request,
            _("Cette note est publiée : demandez à l'ANCT de la retirer avant de la modifier."),
        )
        return redirect("deliverables:transversal_note", pk=note.pk)
    if request.method == "POST" and request.POST.get("action") == "apercu":
        return _form_page(
            request,
            fabrique=fabrique,
            form=_preview_form(request, note),
            note=note,
            preview=markdown_to_html(request.POST.get("body", "")),
        )
    form = TransversalNoteForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        note=note,
        initial={"kind": note.kind, "title": note.title, "body": note.body},
    )
    if request.method == "POST" and form.is_valid():
        try:
            note = services.transversal_note_update(
                note=note,
                kind=form.cleaned_data["kind"],
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                file=form.cleaned_data["file"],
                remove_file=form.cleaned_data.get("remove_file", False),
                by=request.user,
            )
        except ValidationError as error:
            form.add_service_error(error)
        else:
            _saved_message(request, note, _("Note « %(title)s » modifiée."))
            return redirect("deliverables:transversal_note", pk=note.pk)
    return _form_page(request, fabrique=fabrique, form=form, note=note)


@login_required
@require_http_methods(["GET", "POST"])
def transversal_note(request, pk):
    """The note; a POST asks for its PDF (the Fabrique's team and ANCT)."""
    note = _visible_note_or_404(request.user, pk)
    fabrique = note.fabrique
    can_write = can_run_fabrique(request.user, fabrique)
    if request.method == "POST":
        if not can_write:
            raise Http404
        try:
            transversal_note_pdf_request(note=note, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request, _("Le PDF est en cours de production : il apparaîtra ci-dessous.")
            )
        return redirect("deliverables:transversal_note", pk=note.pk)
    pdfs = generated_pdfs_visible_to(request.user).filter(transversal_note=note)
    return render(
        request,
        "deliverables/notes/note_detail.html",
        fabrique_subpage_context(
            request.user, fabrique, title=note.title, links=[_list_link(fabrique)]
        )
        | {
            "note": note,
            "body_html": markdown_to_html(note.body),
            "file_extension": _extension(note),
            "can_write": can_write,
            "can_edit": can_write and (not note.is_published or is_anct_staff(request.user)),
            "can_publish": is_anct_staff(request.user),
            "pdfs": pdfs,
        },
    )


def _extension(note) -> str:
    return PurePath(note.file.name).suffix.lower().lstrip(".") if note.file else ""


def _saved_message(request, note, done: str) -> None:
    done = done % {"title": note.title}
    if note.file and note.scan_status == ScanStatus.PENDING:
        messages.warning(request, f"{done} {quarantine_notice()}")
    else:
        messages.success(request, done)


def note_file_response(note, request=None):
    """The note's uploaded document, offered under its title. A document the
    antivirus has not cleared is not served: a page says why when ``request``
    is given (the portal's own pages), a plain 404 otherwise (public pages)."""
    if not note.file:
        raise Http404
    if note.scan_status not in AVAILABLE:
        if request is None:
            raise Http404
        return unavailable_response(request, note.scan_status)
    extension = _extension(note)
    return attachment_response(
        note.file,
        filename=download_name(f"{note.title}.{extension}", fallback=f"note.{extension}"),
    )


@login_required
@require_safe
def transversal_note_download(request, pk):
    return note_file_response(_visible_note_or_404(request.user, pk), request)


@login_required
@require_POST
def transversal_note_publish(request, pk):
    """Publish (action "publier") or withdraw (action "retirer") a note: ANCT staff only."""
    if not is_anct_staff(request.user):
        raise Http404
    note = _visible_note_or_404(request.user, pk)
    action = request.POST.get("action")
    try:
        if action == "retirer":
            services.transversal_note_unpublish(note=note, by=request.user)
            done = _("La note « %(title)s » n'est plus publiée.")
        else:
            services.transversal_note_publish(note=note, by=request.user)
            done = _("La note « %(title)s » est publiée.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done % {"title": note.title})
    return redirect("deliverables:transversal_note", pk=note.pk)

"""PDF jobs in the browser: asking for a roadmap's PDF, following a job
(an htmx row that refreshes itself), retrying, downloading, publishing, and
the Fabrique's results page where ANCT compiles the publication."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.permissions import (
    can_edit_roadmap,
    can_run_fabrique,
    fabriques_visible_to,
    generated_pdfs_visible_to,
    get_visible_or_404,
    is_anct_staff,
    participations_visible_to,
)
from fabriques.pages import fabrique_subpage_context
from seminars.downloads import attachment_response

from .models import GeneratedPdf, RoadmapVersion, TransversalNote
from .services.rendering import (
    pdf_publish,
    pdf_retry,
    pdf_unpublish,
    publication_pdf_request,
    roadmap_pdf_request,
    roadmap_version_pdf_request,
    transversal_note_pdf_request,
)
from .services.roadmaps import roadmap_get_or_create

ROW_TEMPLATE = "deliverables/components/pdf_job_row.html"


def _next_url(request, fallback: str) -> str:
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _request_notice(pdf: GeneratedPdf) -> str:
    """What to tell the person who asked for ``pdf`` (just requested)."""
    if getattr(pdf, "enqueue_failed", False):
        return _(
            "Le service de production des PDF est momentanément indisponible : "
            "votre demande est enregistrée et sera traitée dès son retour."
        )
    pdf.refresh_from_db()
    if pdf.state == GeneratedPdf.State.READY:
        return _("Le PDF est prêt.")
    if pdf.state == GeneratedPdf.State.FAILED:
        return pdf.error
    return _("Le PDF est en cours de production : cette page se met à jour d'elle-même.")


def _can_request(user, pdf: GeneratedPdf) -> bool:
    """Who may ask for (and so retry) this kind of PDF."""
    if pdf.participation_id:
        return can_edit_roadmap(user, pdf.participation)
    if pdf.kind == GeneratedPdf.Kind.PUBLICATION:
        return is_anct_staff(user)
    return can_run_fabrique(user, pdf.fabrique)


def _row(request, pdf: GeneratedPdf):
    return render(request, ROW_TEMPLATE, {"pdf": pdf, "next": request.POST.get("next", "")})


@login_required
@require_POST
def roadmap_pdf_request_view(request, pk):
    """The roadmap's PDF as it is now; pk is the participation's."""
    participation = get_visible_or_404(
        participations_visible_to(request.user).select_related("fabrique", "territory"), pk=pk
    )
    if not can_edit_roadmap(request.user, participation):
        raise Http404
    roadmap = roadmap_get_or_create(participation=participation)
    pdf = roadmap_pdf_request(roadmap=roadmap, by=request.user)
    notice = _request_notice(pdf)
    if request.htmx:
        pdfs = GeneratedPdf.objects.filter(
            participation=participation, kind=GeneratedPdf.Kind.ROADMAP
        )[:10]
        return render(
            request,
            "deliverables/components/pdf_jobs.html",
            {"pdfs": pdfs, "notice": notice, "next": request.POST.get("next", "")},
        )
    messages.info(request, notice)
    return redirect(_next_url(request, reverse("deliverables:pdf_status", args=[pdf.token])))


@require_safe
def pdf_status(request, token):
    """One job: its htmx row, or a page of its own without htmx."""
    pdf = get_visible_or_404(generated_pdfs_visible_to(request.user), token=token)
    if request.htmx:
        return render(request, ROW_TEMPLATE, {"pdf": pdf})
    return render(
        request,
        "deliverables/results/pdf_status.html",
        {"title": pdf.title, "pdf": pdf, "pdfs": [pdf]},
    )


@login_required
@require_POST
def pdf_retry_view(request, token):
    pdf = get_visible_or_404(
        generated_pdfs_visible_to(request.user).select_related("participation", "fabrique"),
        token=token,
    )
    if not _can_request(request.user, pdf):
        raise Http404
    try:
        pdf_retry(pdf=pdf, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        notice = _request_notice(pdf)
        if not request.htmx:
            messages.info(request, notice)
    if request.htmx:
        pdf.refresh_from_db()
        return _row(request, pdf)
    return redirect(_next_url(request, reverse("deliverables:pdf_status", args=[pdf.token])))


@require_safe
def pdf_download(request, token):
    """A ready PDF, to whoever sees it (published ones of public Fabriques: everybody)."""
    pdf = get_visible_or_404(generated_pdfs_visible_to(request.user).ready(), token=token)
    return attachment_response(pdf.file, filename=f"{slugify(pdf.title)[:120] or 'document'}.pdf")


@login_required
@require_POST
def pdf_publish_view(request, token):
    """ANCT publishes a ready PDF (or withdraws it) for the public pages."""
    if not is_anct_staff(request.user):
        raise Http404
    pdf = get_visible_or_404(GeneratedPdf.objects.all(), token=token)
    try:
        if request.POST.get("action") == "depublier":
            pdf_unpublish(pdf=pdf, by=request.user)
            done = _("« %(title)s » n'est plus publié.") % {"title": pdf.title}
        else:
            pdf_publish(pdf=pdf, by=request.user)
            done = _("« %(title)s » est publié.") % {"title": pdf.title}
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if not request.htmx:
            messages.success(request, done)
    if request.htmx:
        return _row(request, pdf)
    return redirect(
        _next_url(request, reverse("deliverables:fabrique_results", args=[pdf.fabrique_id]))
    )


@login_required
@require_http_methods(["GET", "POST"])
def fabrique_results(request, pk):
    """The Fabrique's deliverables and their PDFs: adopted roadmap versions,
    transversal notes, and the publication ANCT compiles from them."""
    fabrique = get_visible_or_404(fabriques_visible_to(request.user), pk=pk)
    if not can_run_fabrique(request.user, fabrique):
        raise Http404
    is_staff = is_anct_staff(request.user)
    versions = (
        RoadmapVersion.objects.filter(roadmap__participation__fabrique=fabrique)
        .select_related("roadmap__participation__territory")
        .prefetch_related(Prefetch("pdfs", queryset=GeneratedPdf.objects.order_by("-requested_at")))
        .order_by("roadmap__participation__territory__name", "-number")
    )
    notes = TransversalNote.objects.filter(fabrique=fabrique).prefetch_related(
        Prefetch("pdfs", queryset=GeneratedPdf.objects.order_by("-requested_at"))
    )
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "compiler":
            if not is_staff:
                raise Http404
            pdf = publication_pdf_request(fabrique=fabrique, by=request.user)
            messages.info(request, _request_notice(pdf))
        elif action == "demander":
            requested = [
                *(roadmap_version_pdf_request(version=v, by=request.user) for v in versions),
                *(
                    transversal_note_pdf_request(note=note, by=request.user)
                    for note in notes
                    if note.body.strip()
                ),
            ]
            if any(getattr(pdf, "enqueue_failed", False) for pdf in requested):
                messages.warning(request, _request_notice(requested[0]))
            else:
                messages.info(
                    request,
                    _("%(count)s PDF demandés ou déjà à jour.") % {"count": len(requested)},
                )
        return redirect("deliverables:fabrique_results", pk=fabrique.pk)
    title = _("Résultats de la Fabrique")
    return render(
        request,
        "deliverables/results/fabrique_results.html",
        fabrique_subpage_context(request.user, fabrique, title=title)
        | {
            "is_staff": is_staff,
            "versions": versions,
            "notes": notes,
            "publications": GeneratedPdf.objects.filter(
                fabrique=fabrique, kind=GeneratedPdf.Kind.PUBLICATION
            ),
        },
    )

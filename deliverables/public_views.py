"""Public results of a Fabrique (no login): its published PDFs and its
published transversal notes, for public Fabriques only. Anything else is a 404,
whoever asks: these pages never say that an unpublished document exists.
"""

from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from accounts.permissions import get_visible_or_404
from seminars.downloads import attachment_response, download_name

from .markdown import markdown_to_html
from .models import GeneratedPdf, TransversalNote
from .note_views import note_file_response


def public_results_pdfs(fabrique):
    """The Fabrique's published PDFs (publication, adopted roadmaps, notes),
    in one query; only what a public page may show of them is loaded."""
    return (
        GeneratedPdf.objects.published()
        .filter(fabrique=fabrique)
        .select_related("participation__territory")
        .only(
            "token",
            "kind",
            "title",
            "size",
            "page_count",
            "published_at",
            "fabrique_id",
            "participation__territory__name",
        )
        .order_by("kind", "participation__territory__name", "-published_at", "pk")
    )


def public_transversal_notes():
    """Published notes of public Fabriques: the only ones a visitor may read."""
    return TransversalNote.objects.filter(is_published=True, fabrique__is_public=True)


def public_results(fabrique) -> dict:
    """The "Résultats de la Fabrique" section of a public Fabrique's page:
    ``pdfs`` and ``notes`` (two queries whatever their number), empty for a
    Fabrique that is not public."""
    if not fabrique.is_public:
        return {"pdfs": [], "notes": []}
    return {
        "pdfs": list(public_results_pdfs(fabrique)),
        "notes": list(
            public_transversal_notes()
            .filter(fabrique=fabrique)
            .only("fabrique_id", "kind", "title", "file", "scan_status", "published_on")
            .order_by("kind", "title")
        ),
    }


@require_safe
def public_pdf_download(request, token):
    pdf = get_visible_or_404(GeneratedPdf.objects.published(), token=token)
    return attachment_response(
        pdf.file, filename=download_name(f"{pdf.title}.pdf", fallback="document.pdf")
    )


@require_safe
def public_transversal_note(request, pk):
    note = get_visible_or_404(public_transversal_notes().select_related("fabrique"), pk=pk)
    fabrique = note.fabrique
    return render(
        request,
        "deliverables/public/note_detail.html",
        {
            "title": f"{note.title} — {fabrique.display_title}",
            "breadcrumb_data": {
                "links": [
                    {"url": reverse("home"), "title": _("Accueil")},
                    {"url": reverse("catalogue"), "title": _("Catalogue des Fabriques")},
                    {
                        "url": reverse("fabrique_detail", args=[fabrique.slug]),
                        "title": fabrique.display_title,
                    },
                ],
                "current": note.title,
            },
            "note": note,
            "fabrique": fabrique,
            "body_html": markdown_to_html(note.body),
        },
    )


@require_safe
def public_transversal_note_download(request, pk):
    return note_file_response(get_visible_or_404(public_transversal_notes(), pk=pk))

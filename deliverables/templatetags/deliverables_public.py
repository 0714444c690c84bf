"""The "Résultats de la Fabrique" section of the public Fabrique page.

fabriques.public_views.fabrique_detail belongs to another part of the code;
this tag brings the section its rows so the template alone adds the section.
Two queries whatever the number of documents.
"""

from django import template

from deliverables.public_views import public_results_pdfs, public_transversal_notes

register = template.Library()


@register.simple_tag
def public_results(fabrique):
    """``{% public_results fabrique as results %}``: ``results.pdfs`` and
    ``results.notes``, empty for a Fabrique that is not public."""
    if not fabrique.is_public:
        return {"pdfs": [], "notes": []}
    return {
        "pdfs": list(public_results_pdfs(fabrique)),
        "notes": list(
            public_transversal_notes()
            .filter(fabrique=fabrique)
            .only("fabrique_id", "kind", "title", "file", "published_on")
            .order_by("kind", "title")
        ),
    }

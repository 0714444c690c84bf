"""What the prestataire's seminar pages (schedule, participants, notes) share:
the space they belong to and their breadcrumb."""

from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.permissions import is_anct_staff
from fabriques.pages import fabrique_trail


def space_links(user) -> tuple[str, list[dict]]:
    """The working space the page belongs to, and its first breadcrumb links
    (ANCT staff reach these pages from their dashboard)."""
    if is_anct_staff(user):
        space, url, title = "anct", "fabriques:dashboard", _("Tableau de bord ANCT")
    else:
        space, url, title = "prestataire", "fabriques:prestataire_space", _("Espace prestataire")
    return space, [{"url": "/", "title": _("Accueil")}, {"url": reverse(url), "title": title}]


def seminar_page_context(user, seminar, *, title: str) -> dict:
    """Menu entry and breadcrumb of a page about one seminar, under its Fabrique."""
    space, links = fabrique_trail(user, seminar.fabrique)
    return {"active_space": space, "breadcrumb_data": {"links": links, "current": title}}

"""Where a page about a Fabrique sits: the working space the user reaches it
through, and the breadcrumb from the home page down to the Fabrique.

One place for the rule every page under a Fabrique follows (its territories,
roadmaps, notes, results, follow-up): ANCT staff come from their dashboard,
the prestataire from their space, the COPIL from theirs, the territory's
people from their territory.
"""

from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.permissions import can_run_fabrique, can_steer_fabrique, is_anct_staff


def fabrique_trail(user, fabrique, *, is_referent: bool = False) -> tuple[str, list[dict]]:
    """The active space and the breadcrumb links down to the Fabrique's page
    in that space (for territory people, down to their territory space).
    ``is_referent``: the user holds a territory role in the page's territory,
    which then takes precedence."""
    home = {"url": "/", "title": _("Accueil")}
    territory = [home, {"url": reverse("territories:space"), "title": _("Mon territoire")}]
    if is_referent:
        return "territory", territory
    if is_anct_staff(user):
        space, root, root_title, page = (
            "anct",
            "fabriques:dashboard",
            _("Tableau de bord ANCT"),
            "fabriques:prestataire_fabrique",
        )
    elif can_run_fabrique(user, fabrique):
        space, root, root_title, page = (
            "prestataire",
            "fabriques:prestataire_space",
            _("Espace prestataire"),
            "fabriques:prestataire_fabrique",
        )
    elif can_steer_fabrique(user, fabrique):
        space, root, root_title, page = (
            "copil",
            "fabriques:copil_space",
            _("Mon COPIL"),
            "fabriques:copil_fabrique",
        )
    else:
        return "territory", territory
    return space, [
        home,
        {"url": reverse(root), "title": root_title},
        {"url": reverse(page, args=[fabrique.pk]), "title": fabrique.display_title},
    ]


def fabrique_subpage_context(user, fabrique, *, title: str, current=None, links=()) -> dict:
    """Title, menu entry and breadcrumb of a page under the Fabrique's page;
    ``links`` are the crumbs between the Fabrique and this page."""
    space, trail = fabrique_trail(user, fabrique)
    return {
        "title": f"{title} — {fabrique.display_title}",
        "fabrique": fabrique,
        "active_space": space,
        "breadcrumb_data": {"links": [*trail, *links], "current": current or title},
    }

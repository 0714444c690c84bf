from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from .permissions import user_spaces

SPACE_URLS = {
    "anct": "fabriques:dashboard",
    "prestataire": "fabriques:prestataire_space",
    "territory": "territories:space",
    "copil": "fabriques:copil_space",
}


def home_page(request):
    """The portal's front door (the public home page comes with the catalogue)."""
    return render(request, "portal/home.html", {"title": _("Accueil")})


@login_required
def spaces_home(request):
    """After login: straight to the user's space when there is one, else a chooser."""
    spaces = user_spaces(request.user)
    available = [name for name in SPACE_URLS if spaces[name]]
    if len(available) == 1:
        return redirect(SPACE_URLS[available[0]])
    links = [{"name": name, "url": reverse(SPACE_URLS[name])} for name in available]
    return render(request, "accounts/spaces.html", {"title": _("Mes espaces"), "links": links})


@login_required
def account(request):
    return render(request, "accounts/account.html", {"title": _("Mon compte")})

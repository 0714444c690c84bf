from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _

from accounts.permissions import fabriques_run_by, fabriques_steered_by


@login_required
def prestataire_space(request):
    return render(
        request,
        "fabriques/prestataire_space.html",
        {
            "title": _("Espace prestataire"),
            "fabriques": fabriques_run_by(request.user),
            "active_space": "prestataire",
        },
    )


@login_required
def copil_space(request):
    return render(
        request,
        "fabriques/copil_space.html",
        {
            "title": _("Mon COPIL"),
            "fabriques": fabriques_steered_by(request.user),
            "active_space": "copil",
        },
    )


@staff_member_required
def dashboard(request):
    return render(
        request,
        "fabriques/dashboard.html",
        {"title": _("Tableau de bord ANCT"), "active_space": "anct"},
    )

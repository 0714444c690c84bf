from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _

from accounts.permissions import participations_of_territory_user


@login_required
def space(request):
    participations = participations_of_territory_user(request.user).select_related(
        "territory", "fabrique"
    )
    return render(
        request,
        "territories/space.html",
        {
            "title": _("Mon territoire"),
            "participations": participations,
            "active_space": "territory",
        },
    )

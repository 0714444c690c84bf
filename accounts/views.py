from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from .forms import ProfileForm
from .mfa import has_totp, mfa_required
from .permissions import copil_roles, is_anct_staff, team_roles, territory_roles, user_spaces
from .personal_data import personal_data_json

SPACE_URLS = {
    "anct": "fabriques:dashboard",
    "prestataire": "fabriques:prestataire_space",
    "territory": "territories:space",
    "copil": "fabriques:copil_space",
}


@login_required
@require_safe
def spaces_home(request):
    """After login: straight to the user's space when there is one, else a chooser."""
    spaces = user_spaces(request.user)
    available = [name for name in SPACE_URLS if spaces[name]]
    if len(available) == 1:
        return redirect(SPACE_URLS[available[0]])
    links = [{"name": name, "url": reverse(SPACE_URLS[name])} for name in available]
    return render(request, "accounts/spaces.html", {"title": _("Mes espaces"), "links": links})


def current_roles(user) -> list[dict]:
    """The user's roles active today, as rows of the account page's table."""
    rows = []
    if is_anct_staff(user):
        rows.append(
            {
                "role": _("Équipe de l'ANCT"),
                "scope": _("Toutes les Fabriques"),
                "starts_on": None,
                "ends_on": None,
            }
        )
    for member in team_roles(user).select_related("contract__fabrique", "contract__prestataire"):
        rows.append(
            {
                "role": f"{member.get_role_display()} ({member.contract.prestataire.name})",
                "scope": member.contract.fabrique.display_title,
                "starts_on": member.starts_on,
                "ends_on": member.ends_on,
            }
        )
    for contact in territory_roles(user).select_related(
        "participation__territory", "participation__fabrique"
    ):
        role = contact.get_role_display()
        rows.append(
            {
                "role": f"{role} ({contact.function})" if contact.function else role,
                "scope": f"{contact.participation.territory.name} — "
                f"{contact.participation.fabrique.display_title}",
                "starts_on": contact.starts_on,
                "ends_on": contact.ends_on,
            }
        )
    for seat in copil_roles(user).select_related("fabrique", "organisation"):
        rows.append(
            {
                "role": _("Membre du COPIL (%(organisation)s)")
                % {"organisation": seat.organisation.acronym or seat.organisation.name},
                "scope": seat.fabrique.display_title,
                "starts_on": seat.starts_on,
                "ends_on": seat.ends_on,
            }
        )
    return rows


@login_required
def account(request):
    """Mon compte: profile, sign-in security (password, e-mail, 2FA) and current roles."""
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST, instance=user)
        if form.is_valid():
            profile = form.save(commit=False)
            profile.save(update_fields=ProfileForm.Meta.fields)
            messages.success(request, _("Vos informations ont été enregistrées."))
            return redirect("accounts:account")
    else:
        form = ProfileForm(instance=user)
    context = {
        "title": _("Mon compte"),
        "form": form,
        "roles": current_roles(user),
        "mfa_required": mfa_required(user),
        "has_totp": has_totp(user),
    }
    return render(request, "accounts/account.html", context)


@login_required
@require_safe
def my_data(request):
    """The person's own data as JSON (RGPD right of access), as a download."""
    response = HttpResponse(
        personal_data_json(request.user), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="mes-donnees-fabriques.json"'
    return response

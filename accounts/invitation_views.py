"""Invitation pages: the invitee's landing page, ANCT staff's list and form,
and the référents' handover."""

from allauth.account.utils import perform_login
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from territories.models import Participation, ParticipationContact

from .forms import (
    HandoverForm,
    InvitationAcceptForm,
    InvitationCreateForm,
    InvitationStatusFilterForm,
)
from .invitations import (
    InvitationLinkError,
    invitation_accept,
    invitation_create,
    invitation_from_token,
    invitation_register,
    invitation_resend,
    invitation_revoke,
    role_hand_over,
)
from .models import Invitation, User
from .permissions import can_hand_over_role, is_anct_staff

INVITATIONS_PER_PAGE = 25


def _add_service_errors(form, error: ValidationError) -> None:
    """Show a service's refusal on the form: on the field it names when the
    form has it, else above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, field_errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, field_errors)


def _require_staff(user) -> None:
    # Outside ANCT staff, these pages do not exist (404, as for any scope).
    if not is_anct_staff(user):
        raise Http404


# --- The invitee ---------------------------------------------------------------


def _accept_mode(user, invitation: Invitation) -> str:
    """What the invitee's page offers: confirm (logged in as the invitee),
    wrong_user (logged in as someone else), login (has a password already) or
    register (new, or recorded in the back-office but never logged in)."""
    if user.is_authenticated:
        return "confirm" if user.email.lower() == invitation.email else "wrong_user"
    invitee = User.objects.filter(email__iexact=invitation.email).first()
    return "login" if invitee and invitee.has_usable_password() else "register"


def _accept_posted(invitation: Invitation, *, user, mode: str, form):
    """The role granted by the POST, or None when there is nothing to grant yet."""
    if mode == "confirm":
        return invitation_accept(invitation=invitation, user=user)
    if mode == "register" and form.is_valid():
        return invitation_register(
            invitation=invitation,
            first_name=form.cleaned_data["first_name"],
            last_name=form.cleaned_data["last_name"],
            password=form.cleaned_data["password1"],
        )
    return None


def _welcome(invitation: Invitation, role) -> str:
    welcome = _("Bienvenue ! Votre rôle « %(role)s » est enregistré.") % {
        "role": invitation.role_label
    }
    if role.starts_on > timezone.localdate():
        welcome += " " + _("Il commencera le %(date)s.") % {"date": date_format(role.starts_on)}
    return welcome


@never_cache
def accept(request, token):
    """The page behind the e-mailed link."""
    try:
        invitation = invitation_from_token(token)
    except InvitationLinkError as error:
        return _invalid_link(request, error)
    mode = _accept_mode(request.user, invitation)
    form = None
    if mode == "register":
        form = InvitationAcceptForm(request.POST or None, invitation=invitation)
    refusal = None
    if request.method == "POST":
        try:
            role = _accept_posted(invitation, user=request.user, mode=mode, form=form)
        except InvitationLinkError as error:
            return _invalid_link(request, error)
        except ValidationError as error:
            if form is None:
                refusal = " ".join(error.messages)
            else:
                _add_service_errors(form, error)
        else:
            if role is not None:
                messages.success(request, _welcome(invitation, role))
                home = reverse("accounts:home")
                if mode == "register":
                    return perform_login(request, role.user, redirect_url=home)
                return redirect(home)
    return render(
        request,
        "accounts/invitations/accept.html",
        {
            "title": _("Invitation aux Fabriques Prospectives"),
            "invitation": invitation,
            "mode": mode,
            "form": form,
            "refusal": refusal,
            "login_url": f"{reverse('account_login')}?{urlencode({'next': request.path})}",
        },
        status=403 if mode == "wrong_user" else 200,
    )


def _invalid_link(request, error: InvitationLinkError):
    # Unknown or tampered links are "not found"; links that existed are "gone".
    return render(
        request,
        "accounts/invitations/invalid.html",
        {"title": _("Lien d'invitation inutilisable"), "message": error.messages[0]},
        status=404 if error.code == "invalid" else 410,
    )


# --- ANCT staff ----------------------------------------------------------------


@login_required
@require_safe
def invitation_list(request):
    _require_staff(request.user)
    filter_form = InvitationStatusFilterForm(request.GET or None)
    invitations = Invitation.objects.select_related(
        "fabrique",
        "participation__territory",
        "participation__fabrique",
        "organisation",
        "invited_by",
    )
    if filter_form.is_valid() and filter_form.cleaned_data["status"]:
        invitations = invitations.with_status(filter_form.cleaned_data["status"])
    page = Paginator(invitations, INVITATIONS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/invitations/list.html",
        {
            "title": _("Invitations"),
            "active_space": "anct",
            "filter_form": filter_form,
            "page_obj": page,
            "now": timezone.now(),
        },
    )


@login_required
def invitation_new(request):
    _require_staff(request.user)
    form = InvitationCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = invitation_create(
                **{name: form.cleaned_data[name] for name in InvitationCreateForm.Meta.fields},
                by=request.user,
                request=request,
            )
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("L'invitation a été envoyée à %(email)s.") % {"email": invitation.email},
            )
            return redirect("invitations:list")
    return render(
        request,
        "accounts/invitations/create.html",
        {"title": _("Inviter une personne"), "active_space": "anct", "form": form},
    )


@login_required
@require_POST
def invitation_resend_view(request, pk):
    _require_staff(request.user)
    invitation = get_object_or_404(Invitation, pk=pk)
    try:
        invitation_resend(invitation=invitation, by=request.user, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Un nouveau lien a été envoyé à %(email)s ; l'ancien ne fonctionne plus.")
            % {"email": invitation.email},
        )
    return redirect("invitations:list")


@login_required
@require_POST
def invitation_revoke_view(request, pk):
    _require_staff(request.user)
    invitation = get_object_or_404(Invitation, pk=pk)
    try:
        invitation_revoke(invitation=invitation, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("L'invitation de %(email)s est révoquée : son lien ne fonctionne plus.")
            % {"email": invitation.email},
        )
    return redirect("invitations:list")


# --- Handover ------------------------------------------------------------------


@login_required
def handover(request, participation_pk, contact_pk):
    """A référent's role passes to a successor: ANCT staff or a référent of the
    same participation do it; for anyone else the page does not exist."""
    participation = get_object_or_404(
        Participation.objects.select_related("territory", "fabrique"), pk=participation_pk
    )
    user = request.user
    if not can_hand_over_role(user, participation):
        raise Http404
    today = timezone.localdate()
    contact = get_object_or_404(
        ParticipationContact.objects.select_related("user").filter(
            Q(ends_on__isnull=True) | Q(ends_on__gte=today)
        ),
        pk=contact_pk,
        participation=participation,
    )
    form = HandoverForm(request.POST or None, initial={"on": today})
    if request.method == "POST" and form.is_valid():
        try:
            invitation = role_hand_over(
                contact=contact,
                successor_email=form.cleaned_data["successor_email"],
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                on=form.cleaned_data["on"],
                by=user,
                request=request,
            )
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(
                request,
                _(
                    "Passation enregistrée : le rôle de %(former)s prend fin le %(end)s "
                    "et %(email)s est invité à le reprendre à partir du %(start)s."
                )
                % {
                    "former": contact.user,
                    "end": date_format(contact.ends_on),
                    "email": invitation.email,
                    "start": date_format(invitation.starts_on),
                },
            )
            return redirect("invitations:list" if is_anct_staff(user) else "accounts:home")
    return render(
        request,
        "accounts/invitations/handover.html",
        {
            "title": _("Passer la main"),
            "active_space": "anct" if is_anct_staff(user) else "territory",
            "participation": participation,
            "contact": contact,
            "form": form,
        },
    )

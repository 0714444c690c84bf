import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from .mfa import totp_setup_needed
from .security_log import security_event

# What a person must still reach while setting up the authenticator: leaving,
# the set-up itself, proving who they are again before it (allauth asks when the
# login is not recent), and verifying their e-mail address, without which
# allauth refuses to add an authenticator.
TOTP_SETUP_URL_NAMES = {
    "account_logout",
    "account_reauthenticate",
    "account_email",
    "account_confirm_email",
    "mfa_index",
    "mfa_activate_totp",
    "mfa_reauthenticate",
    # An invitation link must not be lost on the way to the set-up.
    "invitations:accept",
}


class TotpRequiredMiddleware:
    """Send ANCT staff and prestataires without an authenticator app to its set-up.

    Their roles open the data of many territories, so a stolen password alone
    must not be enough (see ``accounts.mfa.mfa_required``).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.user.is_authenticated or request.path.startswith(settings.STATIC_URL):
            return None
        if request.resolver_match.view_name in TOTP_SETUP_URL_NAMES:
            return None
        if not totp_setup_needed(request.user):
            return None
        messages.warning(
            request,
            _(
                "Votre rôle donne accès aux données de plusieurs territoires : la double "
                "authentification est obligatoire pour continuer. Confirmez votre mot de passe "
                "si on vous le demande, scannez le QR code avec une application "
                "d'authentification, puis saisissez le code à six chiffres qu'elle affiche."
            ),
        )
        url = reverse("mfa_activate_totp")
        # An htmx request would swap the set-up page into a fragment of the page.
        if getattr(request, "htmx", False):
            return HttpResponseClientRedirect(url)
        return redirect(url)


class StaffIdleTimeoutMiddleware:
    """Log ANCT staff out after ``STAFF_IDLE_TIMEOUT_MINUTES`` without a request.

    Staff see every territory's data: a session left open on an unattended
    computer must not stay usable for the whole browser session. The time of
    the last request lives in the session itself (no extra query); other
    people keep the browser-session lifetime.
    """

    SESSION_KEY = "_staff_last_seen"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_staff:
            now = int(time.time())
            last_seen = request.session.get(self.SESSION_KEY, now)
            if now - last_seen > settings.STAFF_IDLE_TIMEOUT_MINUTES * 60:
                security_event("idle_logout", user=user)
                logout(request)
                messages.info(
                    request,
                    _("Votre session a expiré après une période d'inactivité : reconnectez-vous."),
                )
                return redirect_to_login(request.get_full_path())
            # A minute's precision is plenty, and spares a session write (three
            # queries) on every request of a busy page.
            if now - request.session.get(self.SESSION_KEY, 0) >= 60:
                request.session[self.SESSION_KEY] = now
        return self.get_response(request)

"""The security log: who did what that matters for security, and when.

One line per event on the ``portal.security`` logger: logins, failed logins,
logouts, second-factor changes and failures, refused pages (404/403 for a
logged-in person: out of scope or missing, the portal does not tell them
apart), and every download (notes, PDFs, délibérations, exports).

What a line holds, on purpose: the UTC time, the event, the user's id, the
path and status. Never an e-mail address, a phone number, a password or a
file's content; a failed login does not even say which address was tried
(it would often be a person's e-mail, sometimes a password typed in the
wrong field).
"""

import logging
from datetime import UTC, datetime

from allauth.mfa import signals as mfa_signals
from django.contrib.auth import signals as auth_signals

logger = logging.getLogger("portal.security")


def security_event(event: str, *, user=None, **details) -> None:
    fields = {
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
        "event": event,
        "user": getattr(user, "pk", None),
        **details,
    }
    logger.info(" ".join(f"{key}={value}" for key, value in fields.items()))


def _logged_in(sender, request, user, **kwargs):
    security_event("login", user=user)


def _logged_out(sender, request, user, **kwargs):
    security_event("logout", user=user)


def _login_failed(sender, credentials, request=None, **kwargs):
    security_event("login_failed")


def _second_factor(event):
    def receiver(sender, request=None, user=None, **kwargs):
        security_event(event, user=user)

    return receiver


# Kept at module level: signals hold weak references to their receivers.
_MFA_RECEIVERS = {
    mfa_signals.authenticator_added: _second_factor("second_factor_added"),
    mfa_signals.authenticator_removed: _second_factor("second_factor_removed"),
    mfa_signals.authenticator_reset: _second_factor("second_factor_reset"),
    mfa_signals.authentication_failed: _second_factor("second_factor_failed"),
}


def connect() -> None:
    """Called once from AccountsConfig.ready()."""
    auth_signals.user_logged_in.connect(_logged_in, dispatch_uid="security-login")
    auth_signals.user_logged_out.connect(_logged_out, dispatch_uid="security-logout")
    auth_signals.user_login_failed.connect(_login_failed, dispatch_uid="security-login-failed")
    for signal, receiver in _MFA_RECEIVERS.items():
        signal.connect(receiver, dispatch_uid=f"security-{id(signal)}")


class SecurityLogMiddleware:
    """Downloads and refusals, seen where every response passes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if response.get("Content-Disposition", "").startswith("attachment"):
            security_event("download", user=user, path=request.path, status=response.status_code)
        elif response.status_code in {403, 404} and user is not None and user.is_authenticated:
            security_event("refused", user=user, path=request.path, status=response.status_code)
        return response

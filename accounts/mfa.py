"""Two-factor authentication: who must have it, and the demo accounts' authenticators.

ANCT staff and prestataire members reach data of many territories, so their
account is protected by a second factor (a TOTP authenticator app). The rule
is enforced by ``accounts.middleware.TotpRequiredMiddleware``.
"""

import base64
import binascii
import time
from io import BytesIO

import qrcode
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt
from django.db import transaction
from django.utils.translation import gettext as _
from qrcode.image.svg import SvgPathFillImage

from .permissions import is_anct_staff, team_roles


class MFAAdapter(DefaultMFAAdapter):
    def build_totp_svg(self, url: str) -> str:
        # allauth's QR code has no background: black on the dark theme's dark
        # grey, phones cannot read it. This one is drawn on white.
        image = qrcode.make(url, image_factory=SvgPathFillImage)
        buffer = BytesIO()
        image.save(buffer)
        return buffer.getvalue().decode()


def mfa_required(user) -> bool:
    """ANCT staff and anyone holding an active role in a prestataire team."""
    if not user.is_authenticated or not user.is_active:
        return False
    return is_anct_staff(user) or team_roles(user).exists()


def has_totp(user) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def totp_setup_needed(user) -> bool:
    """The user must activate an authenticator app before going anywhere else."""
    return mfa_required(user) and not has_totp(user)


@transaction.atomic
def demo_totp_ensure(*, user, secret: str) -> None:
    """Give ``user`` a TOTP authenticator on a known base32 secret (idempotent).

    Created through allauth's own activation, so that logging in really asks
    for a code; a different existing secret is replaced.
    """
    secret = secret.replace(" ", "").upper()
    try:
        base64.b32decode(secret)
    except binascii.Error as exc:
        raise ValueError(f"Not a base32 TOTP secret: {secret!r}") from exc
    current = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if current is not None:
        if decrypt(current.data["secret"]) == secret:
            return
        current.delete()
    TOTP.activate(user, secret)


def current_totp_code(secret: str) -> str:
    """The code an authenticator app shows now for ``secret``."""
    counter = int(time.time()) // mfa_settings.TOTP_PERIOD
    return format_hotp_value(hotp_value(secret, counter))


def totp_hint(secret: str) -> str:
    """How to get the current code of a demo authenticator, to print for people."""
    return _(
        "Code de double authentification (il change toutes les %(period)s secondes) :\n"
        "  .venv/bin/python manage.py demo_totp_code\n"
        "ou  oathtool --totp -b %(secret)s\n"
        "ou ajoutez la clé %(secret)s dans une application d'authentification."
    ) % {"secret": secret, "period": mfa_settings.TOTP_PERIOD}

"""The optional antivirus: one door, ``scan(file)``, in front of a ClamAV daemon.

``settings.CLAMAV_URL`` names the daemon ("tcp://127.0.0.1:3310" or
"unix:///run/clamav/clamd.ctl"); empty, the antivirus is off and nothing is
scanned. Every upload (seminar notes, transversal notes, délibérations) goes
through ``upload_scan`` once its format was checked (seminars.uploads):

- off: the file is accepted, marked ``NOT_SCANNED`` (available);
- clean: accepted, marked ``CLEAN`` (available);
- infected: refused with a French error on the file field, nothing stored,
  the refusal written to the security log (never the file's content);
- configured but unreachable (down, timeout, error): accepted into
  quarantine, marked ``PENDING``: stored but served to nobody until a rescan
  (seminars.quarantine) finds it clean, or deletes it if infected.
"""

import logging
from dataclasses import dataclass
from urllib.parse import urlparse

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

logger = logging.getLogger(__name__)


class ScanStatus(models.TextChoices):
    """Where an uploaded file stands with the antivirus (one field per file)."""

    # Uploaded while the antivirus was off (and every file stored before it
    # existed): available, as files always were.
    NOT_SCANNED = "non_analyse", gettext_lazy("Non analysé (antivirus non configuré)")
    CLEAN = "sain", gettext_lazy("Analysé : aucun virus détecté")
    PENDING = "en_attente", gettext_lazy("En quarantaine : analyse antivirus en attente")
    # The stored bytes are deleted; the row stays as a trace.
    INFECTED = "infecte", gettext_lazy("Refusé : virus détecté")


# The statuses whose file may be downloaded, printed or published.
AVAILABLE = (ScanStatus.NOT_SCANNED, ScanStatus.CLEAN)

CLEAN, INFECTED, UNAVAILABLE, OFF = "clean", "infected", "unavailable", "off"


@dataclass(frozen=True)
class ScanResult:
    verdict: str  # CLEAN, INFECTED, UNAVAILABLE or OFF
    signature: str = ""  # what the daemon found, when INFECTED
    detail: str = ""  # why the scan could not be done, when UNAVAILABLE


def is_enabled() -> bool:
    return bool(settings.CLAMAV_URL)


def _client():
    # Imported here: the models import this module for ScanStatus.
    from clamav_client.clamd import ClamdNetworkSocket, ClamdUnixSocket

    url = settings.CLAMAV_URL
    parsed = urlparse(url)
    timeout = settings.CLAMAV_TIMEOUT
    if parsed.scheme == "tcp" and parsed.hostname and parsed.port:
        return ClamdNetworkSocket(host=parsed.hostname, port=parsed.port, timeout=timeout)
    if parsed.scheme == "unix" and parsed.path:
        return ClamdUnixSocket(path=parsed.path, timeout=timeout)
    raise ImproperlyConfigured(
        f"CLAMAV_URL must be tcp://HOST:PORT or unix:///PATH/TO/SOCKET, got {url!r}"
    )


def clamav_url_check() -> None:
    """Refuse a malformed CLAMAV_URL (empty is fine: the antivirus is off)."""
    if is_enabled():
        _client()


@checks.register()
def clamav_url_system_check(app_configs, **kwargs):
    """``manage.py check`` (and migrate, runserver) report a malformed CLAMAV_URL."""
    try:
        clamav_url_check()
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), id="seminars.E001")]
    return []


def scan(file) -> ScanResult:
    """Send the file's bytes to clamd (INSTREAM) and say what it found.

    ``file`` is anything with ``read`` and ``seek`` (an upload, a stored file
    opened in binary mode); it is read from the start and left rewound. Never
    raises for the daemon's sake: anything but a clear OK or FOUND is
    UNAVAILABLE, and the caller quarantines."""
    if not is_enabled():
        return ScanResult(OFF)
    from clamav_client.clamd import ClamdError

    client = _client()
    file.seek(0)
    try:
        report = client.instream(file)
    except (ClamdError, OSError) as error:
        logger.warning("Antivirus unreachable (%s): %s", settings.CLAMAV_URL, error)
        return ScanResult(UNAVAILABLE, detail=str(error) or error.__class__.__name__)
    finally:
        file.seek(0)
    state, found = report.get("stream", (None, None))
    if state == "OK":
        return ScanResult(CLEAN)
    if state == "FOUND":
        return ScanResult(INFECTED, signature=found or "?")
    logger.warning("Antivirus could not scan a file: %r", report)
    return ScanResult(UNAVAILABLE, detail=str(found or report))


def infected_error(signature: str) -> ValidationError:
    return ValidationError(
        {
            "file": _("Le fichier contient un virus (%(signature)s) : il n'a pas été enregistré.")
            % {"signature": signature}
        }
    )


def upload_scan(file, *, by, what: str) -> str:
    """Scan an upload whose format was checked; return its ``ScanStatus``, or
    raise a ValidationError (on ``file``) if it carries a virus.

    ``what`` names the kind of upload in the security log ("note",
    "transversal_note", "deliberation")."""
    from accounts.security_log import security_event

    result = scan(file)
    if result.verdict == OFF:
        return ScanStatus.NOT_SCANNED
    if result.verdict == CLEAN:
        return ScanStatus.CLEAN
    if result.verdict == INFECTED:
        security_event("upload_virus_refused", user=by, what=what, signature=result.signature)
        raise infected_error(result.signature)
    security_event("upload_quarantined", user=by, what=what)
    return ScanStatus.PENDING


def quarantine_notice() -> str:
    """What the uploader reads when the file went into quarantine."""
    return _(
        "L'antivirus n'a pas pu analyser le fichier pour l'instant : il est en quarantaine "
        "et sera disponible une fois analysé (vous serez prévenu s'il est refusé)."
    )


def unavailable_message(status: str) -> str:
    """Why a file in ``status`` (not AVAILABLE) cannot be downloaded."""
    if status == ScanStatus.PENDING:
        return _(
            "Ce fichier est en quarantaine : l'analyse antivirus est en attente. "
            "Il sera téléchargeable une fois analysé."
        )
    return _("Ce fichier a été refusé par l'antivirus (virus détecté) : il a été supprimé.")


def unavailable_response(request, status: str):
    """The page answered instead of a file that is not AVAILABLE: 409 while
    in quarantine, 410 once refused (its bytes are gone)."""
    from django.shortcuts import render

    return render(
        request,
        "seminars/file_unavailable.html",
        {
            "title": _("Fichier indisponible"),
            "message": unavailable_message(status),
            "pending": status == ScanStatus.PENDING,
        },
        status=409 if status == ScanStatus.PENDING else 410,
    )

"""Serving a stored file to a user who may read it (notes now, PDFs later)."""

import logging
from io import BytesIO
from pathlib import PurePath
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.http import FileResponse, Http404, HttpResponse
from django.utils.http import content_disposition_header
from django.utils.text import get_valid_filename

logger = logging.getLogger(__name__)


def download_name(original: str, *, fallback: str) -> str:
    """The name offered to the browser: the uploader's file name without any
    folder part or character a file system or a header could choke on."""
    # Uploads from Windows can carry backslash-separated folders.
    name = PurePath(original.replace("\\", "/")).name
    try:
        return get_valid_filename(name)
    except SuspiciousFileOperation:  # nothing usable left ("", "." or "..")
        return fallback


def attachment_response(stored_file, *, filename: str) -> HttpResponse:
    """A download that the browser saves and never renders: user uploads are
    not trusted content, whatever their extension says.

    Behind the production proxy (MEDIA_X_ACCEL_PREFIX set), the application
    only checks access and names the file; nginx sends the bytes from its
    internal-only /media/ location (docker/nginx.conf).
    """
    if not stored_file.storage.exists(stored_file.name):
        logger.error("Stored file missing: %s", stored_file.name)
        raise Http404
    prefix = settings.MEDIA_X_ACCEL_PREFIX
    if prefix:
        response = HttpResponse(content_type="application/octet-stream")
        response["X-Accel-Redirect"] = prefix + quote(stored_file.name)
        response["Content-Disposition"] = content_disposition_header(True, filename)
    else:
        response = FileResponse(stored_file.open("rb"), as_attachment=True, filename=filename)
    return _never_rendered(response)


def generated_attachment_response(content: bytes, *, filename: str) -> FileResponse:
    """A document the portal just produced (a PDF), downloaded like the others."""
    return _never_rendered(FileResponse(BytesIO(content), as_attachment=True, filename=filename))


def _never_rendered(response):
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    return response

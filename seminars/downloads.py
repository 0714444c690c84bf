"""Serving a stored file to a user who may read it (notes now, PDFs later)."""

import logging
from pathlib import PurePath

from django.core.exceptions import SuspiciousFileOperation
from django.http import FileResponse, Http404
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


def attachment_response(stored_file, *, filename: str) -> FileResponse:
    """A download that the browser saves and never renders: user uploads are
    not trusted content, whatever their extension says."""
    try:
        handle = stored_file.open("rb")
    except FileNotFoundError as exc:
        logger.error("Stored file missing: %s", stored_file.name)
        raise Http404 from exc
    response = FileResponse(handle, as_attachment=True, filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    return response

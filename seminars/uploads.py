"""Checking an uploaded note before anything of it is stored.

The browser's file name and content type are the uploader's word; what counts
is the content. A file is accepted only when its extension and its first bytes
agree on one of the formats below, and an office archive is judged from its
zip directory (sizes, entry count, compression ratio) before any entry is
decompressed, so a zip bomb costs nothing to refuse.
"""

import hashlib
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_NOTE_SIZE = 20 * 1024 * 1024
# Limits on what an office archive may expand to: far above any real note
# (a 20 MB DOCX full of pictures stays well under), far below what hurts.
MAX_UNCOMPRESSED_SIZE = 100 * 1024 * 1024
MAX_ARCHIVE_ENTRIES = 2000
MAX_COMPRESSION_RATIO = 100
# Small entries compress at odd ratios without any danger: the ratio is only
# looked at for entries that expand beyond this.
RATIO_CHECK_FROM = 1024 * 1024

PDF_MAGIC = b"%PDF-"
ZIP_MAGIC = b"PK\x03\x04"
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"

ACCEPTED_EXTENSIONS = ("pdf", "docx", "odt")


@dataclass(frozen=True)
class CheckedNote:
    """What the checks learnt about an accepted file."""

    extension: str
    size: int
    sha256: str


def _error(message: str) -> ValidationError:
    # Keyed on the form's field so the view shows it next to the file input.
    return ValidationError({"file": message})


def note_file_check(file) -> CheckedNote:
    """Accept a PDF, DOCX or ODT note of at most 20 MB, or raise a ValidationError
    (in French, on ``file``). Reads the file but leaves it rewound."""
    extension = PurePath(file.name or "").suffix.lower().lstrip(".")
    if extension not in ACCEPTED_EXTENSIONS:
        raise _error(_("Format non accepté : déposez un fichier PDF, DOCX ou ODT."))
    size = file.size
    if not size:
        raise _error(_("Le fichier est vide."))
    if size > MAX_NOTE_SIZE:
        raise _error(
            _("Le fichier pèse %(size)s Mo : la taille maximale est de 20 Mo.")
            % {"size": f"{size / (1024 * 1024):.1f}".replace(".", ",")}
        )
    file.seek(0)
    head = file.read(len(PDF_MAGIC))
    file.seek(0)
    if extension == "pdf":
        if not head.startswith(PDF_MAGIC):
            raise _error(_("Ce fichier n'est pas un vrai PDF : son contenu ne correspond pas."))
    elif not head.startswith(ZIP_MAGIC):
        raise _error(
            _("Ce fichier n'est pas un vrai document %(format)s : son contenu ne correspond pas.")
            % {"format": extension.upper()}
        )
    else:
        _office_archive_check(file, extension)
    return CheckedNote(extension=extension, size=size, sha256=_sha256(file))


def _office_archive_check(file, extension: str) -> None:
    try:
        with zipfile.ZipFile(file) as archive:
            # Only the central directory is read here: nothing is decompressed.
            entries = archive.infolist()
            _archive_limits_check(entries)
            names = {entry.filename for entry in entries}
            if extension == "docx":
                valid = {"[Content_Types].xml", "word/document.xml"} <= names
            else:
                # Bounded read of an entry the limits above already vetted.
                valid = "mimetype" in names and archive.read("mimetype")[:100] == ODT_MIMETYPE
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError) as exc:
        raise _error(_("Le fichier est endommagé ou n'est pas un document lisible.")) from exc
    finally:
        file.seek(0)
    if not valid:
        raise _error(
            _("Ce fichier n'est pas un vrai document %(format)s : son contenu ne correspond pas.")
            % {"format": extension.upper()}
        )


def _archive_limits_check(entries: list[zipfile.ZipInfo]) -> None:
    bomb = _("Ce document se décompresse en un volume anormal : il est refusé.")
    if len(entries) > MAX_ARCHIVE_ENTRIES:
        raise _error(bomb)
    if sum(entry.file_size for entry in entries) > MAX_UNCOMPRESSED_SIZE:
        raise _error(bomb)
    for entry in entries:
        if entry.file_size > RATIO_CHECK_FROM and entry.file_size > MAX_COMPRESSION_RATIO * max(
            entry.compress_size, 1
        ):
            raise _error(bomb)


def _sha256(file) -> str:
    digest = hashlib.sha256()
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()

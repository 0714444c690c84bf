"""Every PDF of the portal goes through ``render_pdf``: an HTML template under
``templates/deliverables/pdf/`` turned into a tagged PDF by WeasyPrint.

WeasyPrint follows every URL it meets (images, stylesheets, fonts). Its
default fetcher would read any local file (``file:///etc/passwd``) or call any
host (``http://127.0.0.1/``, cloud metadata endpoints) a template or a
careless ``|safe`` lets through, and copy the answer into the PDF. The fetcher
below serves the project's own static files and refuses everything else.
"""

import mimetypes
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

# Relative and root-relative URLs of a template resolve against this origin. It
# is under the reserved ``.invalid`` top-level domain, so even a fetcher that
# went to the network could never reach a real host with it.
BASE_URL = "https://pdf.invalid/"

# WeasyPrint 70 tags the structure (headings, tables) for screen readers with
# the PDF/UA-1 variant; the language comes from ``<html lang>``. WeasyPrint
# takes one variant per document: PDF/A (archiving) cannot be declared on top
# of PDF/UA, so every PDF, published ones included, stays PDF/UA-1.
PDF_VARIANT = "pdf/ua-1"
PDF_OPTIONS = {"pdf_variant": PDF_VARIANT, "pdf_tags": True}


class ResourceRefused(ValueError):
    """A template asked for something other than one of the project's static files."""


class StaticFilesOnlyFetcher(URLFetcher):
    """Serve ``/static/...`` from the staticfiles finders; refuse the rest.

    Refusing raises ``ResourceRefused``: WeasyPrint logs it and renders the
    document without that resource, so one bad ``<img>`` cannot leak a file
    nor stop a sign-in sheet from being printed.
    """

    def __init__(self):
        # Should the parent's fetch ever be reached, it refuses every scheme.
        super().__init__(allowed_protocols=(), allow_redirects=False, fail_on_errors=False)

    def fetch(self, url, headers=None):
        path = static_path(url)
        return URLFetcherResponse(
            url,
            body=path.read_bytes(),
            headers={
                "Content-Type": mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            },
        )


def static_path(url: str) -> Path:
    """The file on disk behind a static URL, or ``ResourceRefused``."""
    parts = urlsplit(url)
    base = urlsplit(BASE_URL)
    if (parts.scheme, parts.netloc) not in {("", ""), (base.scheme, base.netloc)}:
        raise ResourceRefused(f"Ressource externe refusée : {url}")
    prefix = urlsplit(settings.STATIC_URL).path
    if not parts.path.startswith(prefix) or parts.query:
        raise ResourceRefused(f"Seuls les fichiers statiques du portail sont servis : {url}")
    relative = unquote(parts.path.removeprefix(prefix))
    try:
        # The finders join with safe_join: "../" cannot climb out of a static root.
        found = finders.find(relative) if relative else None
    except SuspiciousFileOperation as exc:
        raise ResourceRefused(f"Chemin hors des fichiers statiques : {url}") from exc
    if not found:
        raise ResourceRefused(f"Fichier statique introuvable : {url}")
    return Path(found)


@dataclass(frozen=True)
class RenderedPdf:
    data: bytes
    page_count: int


def render_pdf_pages(*, template: str, context: dict, title: str) -> RenderedPdf:
    """``render_pdf`` that also tells how many pages the document has."""
    html = render_to_string(template, context | {"pdf_title": title})
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=StaticFilesOnlyFetcher()).render(
        **PDF_OPTIONS
    )
    return RenderedPdf(data=document.write_pdf(**PDF_OPTIONS), page_count=len(document.pages))


def render_pdf(*, template: str, context: dict, title: str) -> bytes:
    """Render ``template`` (a template name) with ``context`` as a tagged A4 PDF
    whose document title is ``title``."""
    return render_pdf_pages(template=template, context=context, title=title).data

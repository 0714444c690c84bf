"""The Fabrique's publication: its presentation, every confirmed territory's
latest adopted roadmap in territory order, the transversal notes, a table of
contents with page numbers and PDF bookmarks."""

import io
import re
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from deliverables.models import GeneratedPdf, Roadmap
from deliverables.services.rendering import publication_pdf_request
from deliverables.services.roadmaps import roadmap_adopt, roadmap_submit, roadmap_touched
from fabriques.models import Partnership
from territories.models import Participation
from tests.factories import (
    ActionFactory,
    FabriqueFactory,
    OrganisationFactory,
    ParticipationFactory,
    PartnershipFactory,
    RoadmapFactory,
    TerritoryFactory,
    TransversalNoteFactory,
    UserFactory,
)

from .test_pdf_rendering import pdftotext

pytestmark = pytest.mark.django_db

# Created in this order, printed in alphabetical order.
TERRITORIES = ["Vallée de l'Ubaye", "Albertville", "Millau"]


def adopt(roadmap, by, day):
    roadmap_submit(roadmap=roadmap, by=by)
    return roadmap_adopt(roadmap=roadmap, by=by, adopted_on=day)


@pytest.fixture
def fabrique(settings, tmp_path, anct_staff):
    settings.MEDIA_ROOT = tmp_path / "media"
    fabrique = FabriqueFactory(
        title="Comment les villes moyennes s'adaptent-elles au climat ?",
        short_title="Villes moyennes et climat",
        objective="Imaginer l'adaptation des villes moyennes à l'horizon 2050.",
    )
    PartnershipFactory(
        fabrique=fabrique,
        organisation=OrganisationFactory(name="Villes de France"),
        role=Partnership.Role.ELECTED_OFFICIALS,
    )
    elu = UserFactory()
    for name in TERRITORIES:
        roadmap = RoadmapFactory(
            participation=ParticipationFactory(
                fabrique=fabrique, territory=TerritoryFactory(name=name)
            ),
            vision=f"L'ambition de {name}.",
        )
        ActionFactory(roadmap=roadmap, title=f"Première action de {name}")
        adopt(roadmap, elu, date(2026, 5, 4))
        if name == "Millau":
            ActionFactory(roadmap=roadmap, title="Action v2 Millau")
            roadmap_touched(roadmap=Roadmap.objects.get(pk=roadmap.pk))
            adopt(roadmap, elu, date(2026, 9, 1))
            ActionFactory(roadmap=roadmap, title="Brouillon non adopté")
    withdrawn = RoadmapFactory(
        participation=ParticipationFactory(
            fabrique=fabrique,
            territory=TerritoryFactory(name="Bourg retiré"),
        )
    )
    ActionFactory(roadmap=withdrawn, title="Action d'un territoire retiré")
    adopt(withdrawn, elu, date(2026, 5, 4))
    Participation.objects.filter(pk=withdrawn.participation_id).update(
        status=Participation.Status.WITHDRAWN, withdrawn_on=date(2026, 6, 1)
    )
    TransversalNoteFactory(
        fabrique=fabrique,
        kind="manifeste",
        title="Manifeste des villes moyennes",
        body="## Nos principes\n\nSobriété, **solidarité**, «\u00a0hospitalité\u00a0».",
    )
    TransversalNoteFactory(
        fabrique=fabrique, title="Recommandations (fichier)", body="", file="notes/reco.pdf"
    )
    return fabrique


def compiled(fabrique, by, capture) -> tuple[GeneratedPdf, bytes]:
    with capture(execute=True):
        pdf = publication_pdf_request(fabrique=fabrique, by=by)
    pdf.refresh_from_db()
    assert pdf.state == GeneratedPdf.State.READY, pdf.error
    return pdf, Path(pdf.file.path).read_bytes()


def test_the_publication_holds_every_adopted_roadmap_in_territory_order(
    fabrique, anct_staff, django_capture_on_commit_callbacks
):
    pdf, data = compiled(fabrique, anct_staff, django_capture_on_commit_callbacks)
    text = pdftotext(data)
    body = "\f".join(text.split("\f")[2:])  # after the cover and the table of contents
    positions = [body.index(f"L'ambition de {name}.") for name in sorted(TERRITORIES)]
    assert positions == sorted(positions)
    assert "Première action de Albertville" in text
    assert "Action v2 Millau" in text
    assert "Version 2 adoptée le 1 septembre 2026" in text
    assert "Brouillon non adopté" not in text
    assert "territoire retiré" not in text
    assert "Villes de France" in text and "Association d'élus" in text
    assert "« hospitalité »" in text and "Nos principes" in text
    assert "Recommandations (fichier)" in text  # an annex, listed by title
    assert f"Page {pdf.page_count} sur {pdf.page_count}" in text


def test_the_publication_has_a_table_of_contents_and_bookmarks(
    fabrique, anct_staff, django_capture_on_commit_callbacks
):
    pdf, data = compiled(fabrique, anct_staff, django_capture_on_commit_callbacks)
    reader = PdfReader(io.BytesIO(data))

    def titles(outline):
        for item in outline:
            if isinstance(item, list):
                yield from titles(item)
            else:
                yield item.title, reader.get_destination_page_number(item) + 1

    bookmarks = dict(titles(reader.outline))
    for name in TERRITORIES:
        assert name in bookmarks
    assert "Feuilles de route des territoires" in bookmarks
    assert "Manifeste des villes moyennes" in bookmarks
    assert "Nos principes" not in bookmarks  # headings inside a note stay out

    # The table of contents gives each territory the page its bookmark points to.
    toc = pdftotext(data).split("\f")[1]
    assert "Sommaire" in toc
    for name in TERRITORIES:
        match = re.search(re.escape(name) + r"[ .]+(\d+)\s*$", toc, re.MULTILINE)
        assert match, name
        assert int(match[1]) == bookmarks[name]
    assert reader.metadata.title == pdf.title
    assert reader.trailer["/Root"]["/Lang"] == "fr"


def test_compiling_again_without_change_reuses_the_publication(
    fabrique, anct_staff, django_capture_on_commit_callbacks
):
    first, _data = compiled(fabrique, anct_staff, django_capture_on_commit_callbacks)
    again, _data = compiled(fabrique, anct_staff, django_capture_on_commit_callbacks)
    assert again.pk == first.pk
    TransversalNoteFactory(fabrique=fabrique, title="Une note de plus", body="Texte.")
    changed, data = compiled(fabrique, anct_staff, django_capture_on_commit_callbacks)
    assert changed.pk != first.pk and "Une note de plus" in pdftotext(data)

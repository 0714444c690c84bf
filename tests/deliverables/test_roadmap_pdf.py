"""A roadmap's PDF: what it prints, that it is tagged, that an adopted version
is frozen, and that nothing in a roadmap can make the renderer fetch a file
or call a host."""

import io
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from deliverables.models import GeneratedPdf, Roadmap
from deliverables.services.rendering import (
    roadmap_pdf_request,
    roadmap_version_pdf_request,
)
from deliverables.services.roadmaps import roadmap_adopt, roadmap_submit
from tests.factories import (
    ActionFactory,
    AxisFactory,
    FabriqueFactory,
    ParticipationFactory,
    RoadmapFactory,
    TerritoryFactory,
    UserFactory,
)

from .test_pdf_rendering import SECRET, listener, pdftotext  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def roadmap(db):
    fabrique = FabriqueFactory(title="Fabrique de l'été : villes moyennes", short_title="")
    participation = ParticipationFactory(
        fabrique=fabrique, territory=TerritoryFactory(name="Saint-Étienne-de-Cuinès")
    )
    roadmap = RoadmapFactory(
        participation=participation,
        vision="Une vallée «\u00a0sobre et solidaire\u00a0» en 2040.",
        synthesis="Synthèse des séminaires : l'eau, la forêt, les mobilités.",
        governance="Comité de pilotage présidé par le maire.",
        partnerships="Département, région, agence de l'eau.",
    )
    axis = AxisFactory(roadmap=roadmap, title="Eau et forêt", position=0)
    ActionFactory(
        roadmap=roadmap,
        axis=axis,
        title="Créer une régie forestière",
        lead="Communauté de communes",
        starts_on=date(2027, 1, 1),
        ends_on=date(2028, 6, 30),
        budget_eur=Decimal("125000"),
        status="en_cours",
        horizon="moyen",
        needs_engineering_support=True,
        position=0,
    )
    ActionFactory(roadmap=roadmap, axis=axis, title="Préserver les zones humides", position=1)
    ActionFactory(roadmap=roadmap, axis=None, title="Ouvrir un tiers-lieu à l'école")
    return roadmap


def rendered(pdf: GeneratedPdf) -> bytes:
    pdf.refresh_from_db()
    assert pdf.state == GeneratedPdf.State.READY, pdf.error
    return Path(pdf.file.path).read_bytes()


def request_and_render(django_capture_on_commit_callbacks, request, **kwargs):
    with django_capture_on_commit_callbacks(execute=True):
        pdf = request(**kwargs)
    return pdf, rendered(pdf)


def test_the_pdf_prints_the_territory_every_action_and_page_numbers(
    roadmap, media, django_capture_on_commit_callbacks
):
    pdf, data = request_and_render(
        django_capture_on_commit_callbacks, roadmap_pdf_request, roadmap=roadmap, by=None
    )
    text = pdftotext(data)
    assert "Saint-Étienne-de-Cuinès" in text
    for title in ("Créer une régie forestière", "Préserver les zones humides", "tiers-lieu"):
        assert title in text
    assert "« sobre et solidaire »" in text
    assert "Brouillon du" in text
    assert "Ingénierie" in text and "Demandée" in text
    assert "125 000 €" in " ".join(text.split())
    assert "Page 1 sur" in text
    pdf.refresh_from_db()
    assert f"Page {pdf.page_count} sur {pdf.page_count}" in text
    assert pdf.size == len(data) and len(pdf.sha256) == 64


def test_the_pdf_is_tagged_in_french_and_titled(roadmap, media, django_capture_on_commit_callbacks):
    pdf, data = request_and_render(
        django_capture_on_commit_callbacks, roadmap_pdf_request, roadmap=roadmap, by=None
    )
    reader = PdfReader(io.BytesIO(data))
    catalog = reader.trailer["/Root"]
    assert "/StructTreeRoot" in catalog
    assert catalog["/Lang"] == "fr"
    assert reader.metadata.title == pdf.title
    assert "Saint-Étienne-de-Cuinès" in pdf.title
    assert len(reader.pages) == pdf.page_count


def test_a_sixty_action_roadmap_renders_with_its_table_header_on_every_page(
    roadmap, media, django_capture_on_commit_callbacks
):
    axis = AxisFactory(roadmap=roadmap, title="Mobilités", position=1)
    for number in range(60):
        ActionFactory(
            roadmap=roadmap,
            axis=axis,
            title=f"Action numéro {number:02d} — écomobilité",
            description="Une description assez longue pour occuper la ligne. " * 3,
            position=number,
        )
    started = time.perf_counter()
    pdf, data = request_and_render(
        django_capture_on_commit_callbacks, roadmap_pdf_request, roadmap=roadmap, by=None
    )
    print(f"60 actions: {time.perf_counter() - started:.2f} s, {pdf.page_count} pages")
    text = pdftotext(data)
    for number in range(60):
        assert f"Action numéro {number:02d}" in text
    assert pdf.page_count >= 4
    pages = text.split("\f")
    # The header row repeats on each page the long table continues on.
    assert sum("Porteur" in page for page in pages) >= 3


def test_an_adopted_version_is_frozen(roadmap, media, django_capture_on_commit_callbacks):
    elu = UserFactory()
    roadmap_submit(roadmap=roadmap, by=elu)
    version = roadmap_adopt(roadmap=roadmap, by=elu, adopted_on=date(2026, 3, 15))
    first, data = request_and_render(
        django_capture_on_commit_callbacks, roadmap_version_pdf_request, version=version, by=elu
    )
    assert "Version 1 adoptée le 15 mars 2026" in pdftotext(data)

    roadmap.vision = "Une ambition toute différente."
    roadmap.save()
    ActionFactory(roadmap=roadmap, title="Action ajoutée après l'adoption")
    again, data_again = request_and_render(
        django_capture_on_commit_callbacks, roadmap_version_pdf_request, version=version, by=elu
    )
    assert again.pk == first.pk
    assert again.file.name == first.file.name
    assert data_again == data
    assert "Action ajoutée" not in pdftotext(data_again)


def test_the_same_draft_twice_is_one_row_and_one_file(
    roadmap, media, django_capture_on_commit_callbacks
):
    first, _data = request_and_render(
        django_capture_on_commit_callbacks, roadmap_pdf_request, roadmap=roadmap, by=None
    )
    second, _data = request_and_render(
        django_capture_on_commit_callbacks, roadmap_pdf_request, roadmap=roadmap, by=None
    )
    assert second.pk == first.pk
    assert GeneratedPdf.objects.count() == 1
    assert len(list(Path(media).rglob("*.pdf"))) == 1


def test_a_changed_draft_gets_a_new_pdf_and_the_earlier_one_stays(
    roadmap, media, django_capture_on_commit_callbacks
):
    first, _data = request_and_render(
        django_capture_on_commit_callbacks, roadmap_pdf_request, roadmap=roadmap, by=None
    )
    ActionFactory(roadmap=roadmap, title="Une action de plus")
    second, data = request_and_render(
        django_capture_on_commit_callbacks,
        roadmap_pdf_request,
        roadmap=Roadmap.objects.get(),
        by=None,
    )
    assert second.pk != first.pk
    assert "Une action de plus" in pdftotext(data)
    assert Path(first.file.path).exists()
    assert len(list(Path(media).rglob("*.pdf"))) == 2


def test_nothing_in_a_roadmap_is_fetched(
    roadmap,
    media,
    listener,  # noqa: F811 - the fixture imported from test_pdf_rendering
    django_capture_on_commit_callbacks,
):
    port, connections = listener
    hostile = (
        f'<img src="file:///etc/passwd"> <img src="http://127.0.0.1:{port}/x.png">'
        f'<link rel="stylesheet" href="http://127.0.0.1:{port}/x.css">'
    )
    roadmap.vision = hostile
    roadmap.save()
    ActionFactory(roadmap=roadmap, title=f"Action {hostile}", description=hostile, lead=hostile)
    _pdf, data = request_and_render(
        django_capture_on_commit_callbacks, roadmap_pdf_request, roadmap=roadmap, by=None
    )
    text = pdftotext(data)
    assert SECRET not in text and SECRET.encode() not in data
    assert connections == []
    # The markup is printed as text, never interpreted.
    assert "file:///etc/passwd" in text

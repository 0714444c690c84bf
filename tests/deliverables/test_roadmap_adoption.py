"""Submitting and adopting a roadmap in the portal: only the territory's élu
(or ANCT staff) adopts, the adopted content is frozen as a numbered version
that later edits never change, and the délibération is checked before
anything is stored."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from deliverables.models import GeneratedPdf, Roadmap, RoadmapVersion
from tests.factories import ActionFactory, AxisFactory, RoadmapFactory

pytestmark = pytest.mark.django_db

PDF_BYTES = b"%PDF-1.4\n% deliberation du conseil communautaire\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def submitted_a(world):
    roadmap = RoadmapFactory(participation=world.participation_a, status=Roadmap.Status.SUBMITTED)
    axis = AxisFactory(roadmap=roadmap, title="Sobriété foncière")
    ActionFactory(roadmap=roadmap, axis=axis, title="Inventaire des friches", lead="EPCI")
    return roadmap


def url(name, participation, *args):
    return reverse(f"deliverables:{name}", args=[participation.pk, *args])


def adopt(client, participation, *, on, content=None, name="deliberation.pdf"):
    data = {"adopted_on": on.isoformat()}
    if content is not None:
        data["deliberation"] = SimpleUploadedFile(name, content)
    return client.post(url("roadmap_adopt", participation), data)


def stored_files(media):
    return [path for path in media.rglob("*") if path.is_file()] if media.exists() else []


def test_the_elu_adopts_and_later_edits_never_change_version_1(client, world, submitted_a):
    yesterday = timezone.localdate() - timedelta(days=1)
    client.force_login(world.elu_a)
    assert client.get(url("roadmap_adopt", world.participation_a)).status_code == 200

    response = adopt(client, world.participation_a, on=yesterday, content=PDF_BYTES)

    assert response.status_code == 302
    assert response["Location"] == url("roadmap_version", world.participation_a, 1)
    version = RoadmapVersion.objects.get(roadmap=submitted_a)
    assert version.number == 1 and version.adopted_on == yesterday
    assert version.adopted_by == world.elu_a
    assert version.deliberation_name == "deliberation.pdf"
    frozen = dict(version.content)
    submitted_a.refresh_from_db()
    assert submitted_a.status == Roadmap.Status.ADOPTED

    # A référent edits the adopted roadmap: it becomes a draft again...
    action = submitted_a.actions.get()
    client.force_login(world.referent_a)
    client.post(
        url("roadmap_action_edit", world.participation_a, action.pk),
        {
            "title": "Inventaire et reconquête des friches",
            "axis": action.axis_id,
            "horizon": "court",
            "status": "en_cours",
            "progress": "20",
        },
        follow=True,  # its success message shows on this page, not on version 1's
    )
    live = client.post(
        url("roadmap_sections", world.participation_a),
        {"vision": "Une autre ambition."},
        follow=True,
    ).content.decode()
    assert "reconquête" in live and "Une autre ambition." in live
    submitted_a.refresh_from_db()
    assert submitted_a.status == Roadmap.Status.DRAFT

    # ...and version 1 stays as adopted, in the database and on its page.
    version.refresh_from_db()
    assert version.content == frozen
    page = client.get(url("roadmap_version", world.participation_a, 1)).content.decode()
    assert "Inventaire des friches" in page and "reconquête" not in page
    assert "Un territoire sobre et solidaire en 2035." in page
    assert "Une autre ambition." not in page


def test_staff_may_record_the_adoption(client, world, submitted_a):
    client.force_login(world.staff)
    assert adopt(client, world.participation_a, on=timezone.localdate()).status_code == 302
    assert RoadmapVersion.objects.filter(roadmap=submitted_a, number=1).exists()


@pytest.mark.parametrize("persona", ["referent_a", "prestataire_x", "copil_x", "elu_b"])
def test_nobody_else_adopts(client, world, submitted_a, media, persona):
    client.force_login(world.personas[persona])
    assert client.get(url("roadmap_adopt", world.participation_a)).status_code == 404
    response = adopt(client, world.participation_a, on=timezone.localdate(), content=PDF_BYTES)
    assert response.status_code == 404
    assert not RoadmapVersion.objects.exists()
    assert stored_files(media) == []


def test_a_fake_pdf_is_refused_and_leaves_nothing_behind(client, world, submitted_a, media):
    typed = timezone.localdate() - timedelta(days=3)
    client.force_login(world.elu_a)

    response = adopt(
        client,
        world.participation_a,
        on=typed,
        content=b"<html><body>Pas une d\xc3\xa9lib\xc3\xa9ration</body></html>",
        name="deliberation.pdf",
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "Ce fichier n&#x27;est pas un vrai PDF : son contenu ne correspond pas." in page
    assert f'value="{typed.isoformat()}"' in page
    assert not RoadmapVersion.objects.exists()
    assert stored_files(media) == []
    submitted_a.refresh_from_db()
    assert submitted_a.status == Roadmap.Status.SUBMITTED


def test_a_future_date_is_refused(client, world, submitted_a):
    client.force_login(world.elu_a)
    response = adopt(client, world.participation_a, on=timezone.localdate() + timedelta(days=2))
    assert response.status_code == 200
    assert "La date d&#x27;adoption ne peut être future." in response.content.decode()
    assert not RoadmapVersion.objects.exists()


def test_a_draft_cannot_be_adopted(client, world):
    RoadmapFactory(participation=world.participation_a)
    client.force_login(world.elu_a)
    response = adopt(client, world.participation_a, on=timezone.localdate())
    assert response.status_code == 200
    assert "La feuille de route doit être soumise avant d&#x27;être adoptée." in (
        response.content.decode()
    )
    assert not RoadmapVersion.objects.exists()


def test_every_adopted_version_stays_readable_with_its_deliberation(client, world, submitted_a):
    first_file = PDF_BYTES
    second_file = b"%PDF-1.7\n% seconde deliberation\n%%EOF\n"
    today = timezone.localdate()
    client.force_login(world.elu_a)
    adopt(client, world.participation_a, on=today - timedelta(days=30), content=first_file)

    client.post(
        url("roadmap_action_add", world.participation_a),
        {"title": "Maison de santé", "horizon": "long", "status": "prevue", "progress": "0"},
    )
    assert client.post(url("roadmap_submit", world.participation_a)).status_code == 302
    adopt(client, world.participation_a, on=today, content=second_file, name="délib 2.pdf")
    assert list(submitted_a.versions.order_by("number").values_list("number", flat=True)) == [1, 2]

    # The COPIL reads every version and downloads the exact files.
    client.force_login(world.copil_x)
    listing = client.get(url("roadmap_versions", world.participation_a)).content.decode()
    assert "Version 1" in listing and "Version 2" in listing
    first = client.get(url("roadmap_version", world.participation_a, 1)).content.decode()
    second = client.get(url("roadmap_version", world.participation_a, 2)).content.decode()
    assert "Maison de santé" not in first and "Maison de santé" in second
    for number, expected in ((1, first_file), (2, second_file)):
        download = client.get(url("roadmap_deliberation_download", world.participation_a, number))
        assert download.status_code == 200
        assert b"".join(download.streaming_content) == expected
        assert download["Content-Disposition"].startswith("attachment")
        assert download["X-Content-Type-Options"] == "nosniff"


def test_another_territory_cannot_read_the_versions(client, world, submitted_a):
    client.force_login(world.elu_a)
    adopt(client, world.participation_a, on=timezone.localdate(), content=PDF_BYTES)
    client.force_login(world.elu_b)
    for name, args in (
        ("roadmap_versions", ()),
        ("roadmap_version", (1,)),
        ("roadmap_deliberation_download", (1,)),
    ):
        assert client.get(url(name, world.participation_a, *args)).status_code == 404


def test_a_version_without_deliberation_has_nothing_to_download(client, world, submitted_a):
    client.force_login(world.elu_a)
    adopt(client, world.participation_a, on=timezone.localdate())
    target = url("roadmap_deliberation_download", world.participation_a, 1)
    assert client.get(target).status_code == 404


def test_an_adoption_renders_the_pdf_of_its_version(
    client, world, submitted_a, django_capture_on_commit_callbacks
):
    client.force_login(world.elu_a)

    # The job is queued once the adoption is committed.
    with django_capture_on_commit_callbacks(execute=True):
        adopt(client, world.participation_a, on=timezone.localdate())

    version = RoadmapVersion.objects.get()
    # Celery runs eagerly in tests: the job has already run.
    pdf = GeneratedPdf.objects.get(roadmap_version=version)
    assert (pdf.state, pdf.requested_by) == (GeneratedPdf.State.READY, world.elu_a)
    assert pdf.file.read().startswith(b"%PDF-")

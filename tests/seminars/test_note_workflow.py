"""A note's life after upload: submitted to ANCT, sent back with a comment,
validated, shared with the territory; the impossible steps refused in French;
who reaches the note pages; ANCT's review list in a constant number of queries."""

from datetime import datetime, timedelta
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import Max
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from seminars.antivirus import ScanStatus
from seminars.models import NoteVersion, Seminar
from seminars.notes import note_return, note_share, note_submit, note_upload, note_validate
from tests.factories import NoteVersionFactory, ParticipationFactory, SeminarFactory

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
PDF = b"%PDF-1.4\n%%EOF\n"
Status = NoteVersion.Status


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def seminar(world):
    seminar = world.seminar_a
    seminar.status = Seminar.Status.HELD
    seminar.starts_at = datetime(2026, 5, 12, 9, 30, tzinfo=PARIS)
    seminar.ends_at = datetime(2026, 5, 12, 17, tzinfo=PARIS)
    seminar.save(update_fields=["status", "starts_at", "ends_at"])
    return seminar


def upload(world, seminar, content=PDF):
    return note_upload(
        seminar=seminar,
        file=SimpleUploadedFile("note.pdf", content),
        summary="Synthèse des ateliers.",
        by=world.prestataire_x,
    )


def download_status(client, user, note):
    client.force_login(user)
    return client.get(reverse("seminars:note_download", args=[note.pk])).status_code


def test_the_whole_review_cycle(client, world, seminar):
    first = upload(world, seminar)
    first = note_submit(note=first, by=world.prestataire_x)
    assert first.status == Status.SUBMITTED and first.submitted_at is not None
    assert download_status(client, world.elu_a, first) == 404

    first = note_return(note=first, comment="  Ajoutez les chiffres clés.  ", by=world.staff)
    assert (first.status, first.review_comment) == (Status.RETURNED, "Ajoutez les chiffres clés.")
    assert (first.reviewed_by, first.reviewed_at is not None) == (world.staff, True)

    second = upload(world, seminar, PDF + b"% v2\n")
    assert second.version == 2
    second = note_submit(note=second, by=world.prestataire_x)
    second = note_validate(note=second, by=world.staff)
    assert second.status == Status.VALIDATED
    assert download_status(client, world.elu_a, second) == 404

    second = note_share(note=second, by=world.staff)
    assert second.status == Status.SHARED and second.shared_at is not None
    assert download_status(client, world.elu_a, second) == 200
    assert download_status(client, world.elu_b, second) == 404
    # The version sent back stays out of the territory's reach.
    assert download_status(client, world.elu_a, first) == 404


@pytest.mark.parametrize(
    "status, service, message",
    [
        (Status.SUBMITTED, note_submit, "ne peut pas être soumise"),
        (Status.VALIDATED, note_submit, "ne peut pas être soumise"),
        (Status.DRAFT, note_validate, "seule une note soumise peut être validée"),
        (Status.RETURNED, note_validate, "seule une note soumise peut être validée"),
        (Status.SHARED, note_validate, "seule une note soumise peut être validée"),
        (Status.DRAFT, note_share, "seule une note validée peut être partagée"),
        (Status.SUBMITTED, note_share, "seule une note validée peut être partagée"),
        (Status.SHARED, note_share, "seule une note validée peut être partagée"),
    ],
)
def test_an_impossible_transition_is_refused(world, seminar, status, service, message):
    note = NoteVersionFactory(seminar=seminar, status=status)
    with pytest.raises(ValidationError, match=message):
        service(note=note, by=world.staff)
    note.refresh_from_db()
    assert note.status == status


@pytest.mark.parametrize("status", [Status.DRAFT, Status.VALIDATED, Status.RETURNED])
def test_only_a_submitted_note_can_be_sent_back(world, seminar, status):
    note = NoteVersionFactory(seminar=seminar, status=status)
    with pytest.raises(ValidationError, match="seule une note soumise peut être renvoyée"):
        note_return(note=note, comment="À revoir", by=world.staff)


def test_sending_back_needs_a_comment(world, seminar):
    note = NoteVersionFactory(seminar=seminar, status=Status.SUBMITTED)
    with pytest.raises(ValidationError) as refused:
        note_return(note=note, comment="   ", by=world.staff)
    assert "ce qu'il doit reprendre" in refused.value.message_dict["comment"][0]
    note.refresh_from_db()
    assert note.status == Status.SUBMITTED


def test_only_the_latest_draft_can_be_submitted(world, seminar):
    older = upload(world, seminar)
    upload(world, seminar)
    with pytest.raises(ValidationError, match="seule la dernière version"):
        note_submit(note=older, by=world.prestataire_x)


# --- The seminar's note page ---------------------------------------------------


def notes_url(seminar):
    return reverse("seminars:notes", args=[seminar.pk])


def test_who_reaches_the_note_page(client, world, seminar):
    seen = {}
    for name, user in world.personas.items():
        client.logout()
        if user:
            client.force_login(user)
        seen[name] = client.get(notes_url(seminar)).status_code
    assert seen == {
        "anonymous": 302,
        "elu_a": 404,
        "referent_a": 404,
        "elu_b": 404,
        "prestataire_x": 200,
        "prestataire_y": 404,
        "copil_x": 404,
        "staff": 200,
    }


def test_the_page_lists_versions_and_shows_the_comment(client, world, seminar):
    first = upload(world, seminar)
    note_submit(note=first, by=world.prestataire_x)
    note_return(note=first, comment="Ajoutez la liste des participants.", by=world.staff)
    second = upload(world, seminar)
    client.force_login(world.prestataire_x)

    response = client.get(notes_url(seminar))

    page = unescape(response.content.decode())
    assert response.context["active_space"] == "prestataire"
    assert response.context["breadcrumb_data"]["current"] == "Note du séminaire"
    assert "Ajoutez la liste des participants." in page
    for note in (first, second):
        assert reverse("seminars:note_download", args=[note.pk]) in page
    assert reverse("seminars:note_submit", args=[second.pk]) in page
    assert "Formats acceptés : PDF, DOCX, ODT. Taille maximale : 20 Mo." in page
    assert "fr-upload-group" in page
    assert reverse("seminars:note_review", args=[first.pk]) not in page


def test_the_prestataire_submits_from_the_page(client, world, seminar):
    note = upload(world, seminar)
    client.force_login(world.prestataire_x)
    response = client.post(reverse("seminars:note_submit", args=[note.pk]))
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.status == Status.SUBMITTED


@pytest.mark.parametrize("persona", ["prestataire_y", "elu_a", "copil_x"])
def test_others_cannot_submit(client, world, seminar, persona):
    note = upload(world, seminar)
    client.force_login(getattr(world, persona))
    assert client.post(reverse("seminars:note_submit", args=[note.pk])).status_code == 404
    note.refresh_from_db()
    assert note.status == Status.DRAFT


# --- ANCT's review ----------------------------------------------------------------


def review_url(note):
    return reverse("seminars:note_review", args=[note.pk])


@pytest.mark.parametrize("persona", ["prestataire_x", "prestataire_y", "elu_a", "copil_x"])
def test_only_anct_reaches_the_review_pages(client, world, seminar, persona):
    note = NoteVersionFactory(seminar=seminar, status=Status.SUBMITTED)
    client.force_login(getattr(world, persona))
    assert client.get(reverse("seminars:notes_review")).status_code == 404
    assert client.get(review_url(note)).status_code == 404
    assert client.post(review_url(note), {"action": "valider"}).status_code == 404
    note.refresh_from_db()
    assert note.status == Status.SUBMITTED


def test_staff_send_a_note_back_then_validate_and_share_from_the_page(client, world, seminar):
    note = NoteVersionFactory(seminar=seminar, status=Status.SUBMITTED)
    client.force_login(world.staff)
    page = unescape(client.get(review_url(note)).content.decode())
    assert "Valider la note" in page and "Renvoyer au prestataire" in page

    response = client.post(review_url(note), {"action": "renvoyer", "comment": ""})
    assert response.status_code == 200
    assert "ce qu'il doit reprendre" in unescape(response.content.decode())

    response = client.post(review_url(note), {"action": "renvoyer", "comment": "Plus court."})
    assert response.status_code == 302
    note.refresh_from_db()
    assert (note.status, note.review_comment) == (Status.RETURNED, "Plus court.")

    newer = NoteVersionFactory(seminar=seminar, version=2, status=Status.SUBMITTED)
    assert client.post(review_url(newer), {"action": "valider"}).status_code == 302
    assert client.post(review_url(newer), {"action": "partager"}).status_code == 302
    newer.refresh_from_db()
    assert newer.status == Status.SHARED

    response = client.post(review_url(newer), {"action": "valider"})
    assert "seule une note soumise peut être validée" in unescape(response.content.decode())


def submitted_notes(count):
    for _ in range(count):
        seminar = SeminarFactory(
            participation=ParticipationFactory(),
            status=Seminar.Status.HELD,
            starts_at=timezone.now() - timedelta(days=60),
            ends_at=timezone.now() - timedelta(days=60, hours=-2),
        )
        NoteVersionFactory(seminar=seminar, status=Status.SUBMITTED, submitted_at=timezone.now())
        SeminarFactory(
            participation=seminar.participation,
            number=2,
            status=Seminar.Status.HELD,
            starts_at=timezone.now() - timedelta(days=90),
            ends_at=timezone.now() - timedelta(days=90, hours=-2),
        )


def review_list_queries(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("seminars:notes_review"))
    assert response.status_code == 200
    return response, len(queries)


def test_the_review_list_runs_the_same_queries_for_2_or_20_notes(client, world):
    client.force_login(world.staff)
    review_list_queries(client)  # the first request of a session also writes it
    submitted_notes(2)
    response, with_two = review_list_queries(client)
    assert len(response.context["submitted"]) == 2
    assert len(response.context["late"]) == 2

    submitted_notes(18)
    response, with_twenty = review_list_queries(client)
    assert len(response.context["submitted"]) == 20
    assert len(response.context["late"]) == 20
    assert with_twenty == with_two
    assert response.context["active_space"] == "anct"
    page = unescape(response.content.decode())
    assert "Notes soumises en attente d'examen" in page


def test_latest_shared_of_seminars_read_gives_each_ones_newest_shared_version(world, seminar):
    """The territory and COPIL pages take the latest shared version of each
    seminar they list in one plain query, in the seminars' order, each note
    holding the seminar the page read (no query for it)."""
    NoteVersionFactory(seminar=seminar, version=1, status=Status.SHARED)
    latest_a = NoteVersionFactory(seminar=seminar, version=2, status=Status.SHARED)
    NoteVersionFactory(seminar=seminar, version=3, status=Status.VALIDATED)
    intersite = NoteVersionFactory(seminar=world.intersite_x, version=1, status=Status.SHARED)
    NoteVersionFactory(
        seminar=world.intersite_x, version=2, status=Status.SHARED, scan_status=ScanStatus.PENDING
    )  # in quarantine: never shared
    NoteVersionFactory(seminar=world.seminar_b, status=Status.SHARED)  # not listed
    seminars = [world.intersite_x, seminar]
    with CaptureQueriesContext(connection) as queries:
        notes = NoteVersion.objects.latest_shared_of(seminars)
        assert [(note.pk, note.seminar) for note in notes] == [
            (intersite.pk, world.intersite_x),
            (latest_a.pk, seminar),
        ]
    assert len(queries) == 1
    # The same as the database's own answer: the highest shared version each.
    newest = (
        NoteVersion.objects.shared()
        .filter(seminar__in=seminars)
        .values("seminar")
        .annotate(version=Max("version"))
    )
    assert {(note.seminar_id, note.version) for note in notes} == {
        (row["seminar"], row["version"]) for row in newest
    }

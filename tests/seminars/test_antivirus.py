"""The optional antivirus, against a real ClamAV daemon started by the tests.

Each test that needs the daemon starts its own ``clamd`` (Debian's
clamav-daemon) in the foreground on a free loopback port, with a one-line
signature database written here: a body signature (.ndb) matching the
standard EICAR test string anywhere in a file, so the daemon really detects
it, inside a PDF or inside a DOCX's zip entries, without any download.

Covered: a clean upload is accepted; an infected one is refused in French and
leaves neither a row nor a file; with the daemon configured but down, the
upload waits in quarantine (stored, served to nobody, left out of shares,
PDFs and publication), then the rescan (task and command) releases it once
the daemon is back, or deletes it and e-mails the uploader and ANCT staff if
it carries a virus; with the antivirus off nothing is scanned. The three
upload paths (seminar note, transversal note, délibération) each go through it.
"""

import logging
import os
import shutil
import socket
import subprocess
import tempfile
import time
import zipfile
from datetime import timedelta
from html import unescape
from io import BytesIO, StringIO
from pathlib import Path

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from deliverables.models import Roadmap, RoadmapVersion, TransversalNote
from deliverables.services.pdf_sources import note_snapshot
from deliverables.services.transversal_notes import transversal_note_publish
from seminars import antivirus
from seminars.antivirus import ScanStatus
from seminars.models import NoteVersion
from seminars.tasks import scan_quarantine_task
from tests.factories import ActionFactory, RoadmapFactory
from tests.seminars.test_note_uploads import held, minimal_docx, minimal_pdf, zipped

pytestmark = pytest.mark.django_db

CLAMD = Path("/usr/sbin/clamd")
# The standard EICAR test string, in two halves so that this source file is
# not itself flagged by an antivirus on a developer's machine.
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
SIGNATURE = "Fabriques.Test.EICAR"
# clamd adds ".UNOFFICIAL" to the names of signatures outside its official databases.
FOUND = f"{SIGNATURE}.UNOFFICIAL"
REFUSED = f"Le fichier contient un virus ({FOUND}) : il n'a pas été enregistré."


def infected_pdf() -> bytes:
    # Still a real PDF for seminars.uploads: the string sits in a comment line.
    return minimal_pdf() + b"%" + EICAR + b"\n"


def infected_docx() -> bytes:
    docx = minimal_docx()
    with zipfile.ZipFile(BytesIO(docx)) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    return zipped(entries | {"word/media/payload.bin": EICAR})


# --- The daemon -------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Clamd:
    """A clamd of the test's own: config, signature database and log in a
    temporary folder, listening on a loopback port or a unix socket."""

    def __init__(self, *, port: int | None = None, unix: bool = False):
        # A short folder of its own: unix socket paths are limited to 107 bytes.
        self.folder = Path(tempfile.mkdtemp(prefix="clamd-"))
        self.port = None if unix else (port or free_port())
        self.socket_path = self.folder / "clamd.sock" if unix else None
        self.process = None

    @property
    def url(self) -> str:
        if self.socket_path:
            return f"unix://{self.socket_path}"
        return f"tcp://127.0.0.1:{self.port}"

    def start(self) -> "Clamd":
        database = self.folder / "db"
        database.mkdir(exist_ok=True)
        (database / "fabriques-test.ndb").write_text(f"{SIGNATURE}:0:*:{EICAR.hex()}\n")
        listen = (
            f"LocalSocket {self.socket_path}\n"
            if self.socket_path
            else f"TCPSocket {self.port}\nTCPAddr 127.0.0.1\n"
        )
        config = self.folder / "clamd.conf"
        config.write_text(
            f"Foreground yes\n{listen}DatabaseDirectory {database}\n"
            f"PidFile {self.folder / 'clamd.pid'}\n"
        )
        self.log = open(self.folder / "clamd.log", "wb")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [str(CLAMD), "--foreground", "-c", str(config)],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.stop()
                pytest.fail(f"clamd stopped at start: {self.read_log()}")
            if self.ping():
                return self
            time.sleep(0.05)
        self.stop()
        pytest.fail(f"clamd did not answer PING within 30 s: {self.read_log()}")

    def ping(self) -> bool:
        try:
            if self.socket_path:
                family, address = socket.AF_UNIX, str(self.socket_path)
            else:
                family, address = socket.AF_INET, ("127.0.0.1", self.port)
            with socket.socket(family, socket.SOCK_STREAM) as connection:
                connection.settimeout(1)
                connection.connect(address)
                connection.sendall(b"nPING\n")
                return connection.recv(16).strip() == b"PONG"
        except OSError:
            return False

    def read_log(self) -> str:
        return (self.folder / "clamd.log").read_text(errors="replace")[-2000:]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None
        if getattr(self, "log", None):
            self.log.close()
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture
def clamd_factory():
    """Start daemons on demand (``clamd_factory(port=...)``); all stopped at the end.
    In CI the daemon must be there: a missing clamd fails instead of skipping."""
    if not CLAMD.exists():
        message = "clamd absent (/usr/sbin/clamd): apt-get install clamav-daemon"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    started = []

    def start(**kwargs) -> Clamd:
        daemon = Clamd(**kwargs)
        started.append(daemon)
        return daemon.start()

    yield start
    for daemon in started:
        daemon.stop()


@pytest.fixture
def clamd(clamd_factory, settings):
    """A running daemon, configured as the portal's antivirus."""
    daemon = clamd_factory()
    settings.CLAMAV_URL = daemon.url
    return daemon


@pytest.fixture
def clamd_down(settings):
    """The antivirus configured on a loopback port where nothing listens yet:
    ``start`` it later on that very port."""
    port = free_port()
    settings.CLAMAV_URL = f"tcp://127.0.0.1:{port}"
    return port


@pytest.fixture
def security_log(caplog):
    caplog.set_level(logging.INFO, logger="portal.security")

    def lines():
        return [r.getMessage() for r in caplog.records if r.name == "portal.security"]

    return lines


def stored_files(settings):
    media = Path(settings.MEDIA_ROOT)
    return sorted(p for p in media.rglob("*") if p.is_file()) if media.exists() else []


# --- Upload helpers, through the pages -----------------------------------------------


def upload_note(client, world, content, name="note.pdf"):
    client.force_login(world.prestataire_x)
    seminar = held(world.seminar_a)
    return client.post(
        reverse("seminars:notes", args=[seminar.pk]),
        {"file": SimpleUploadedFile(name, content), "summary": "Trois pistes."},
        follow=True,
    )


def upload_transversal(client, world, content, name="recommandations.pdf", body=""):
    client.force_login(world.prestataire_x)
    return client.post(
        reverse("deliverables:transversal_note_add", args=[world.fabrique_x.pk]),
        {
            "kind": "recommandations",
            "title": "",
            "body": body,
            "file": SimpleUploadedFile(name, content),
        },
        follow=True,
    )


@pytest.fixture
def submitted_a(world):
    roadmap = RoadmapFactory(participation=world.participation_a, status=Roadmap.Status.SUBMITTED)
    ActionFactory(roadmap=roadmap, title="Inventaire des friches")
    return roadmap


def adopt(client, world, content, name="deliberation.pdf"):
    client.force_login(world.elu_a)
    return client.post(
        reverse("deliverables:roadmap_adopt", args=[world.participation_a.pk]),
        {
            "adopted_on": (timezone.localdate() - timedelta(days=1)).isoformat(),
            "deliberation": SimpleUploadedFile(name, content),
        },
        follow=True,
    )


def note_download(client, note):
    return client.get(reverse("seminars:note_download", args=[note.pk]))


def page(response) -> str:
    return unescape(response.content.decode())


# --- Daemon up: scanned before being accepted -------------------------------------


def test_a_clean_note_is_scanned_accepted_and_downloadable(client, world, clamd, security_log):
    response = upload_note(client, world, minimal_pdf())

    note = NoteVersion.objects.get()
    assert note.scan_status == ScanStatus.CLEAN
    assert "Version 1 de la note déposée." in page(response)
    download = note_download(client, note)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == minimal_pdf()
    assert not [line for line in security_log() if "upload_" in line]


def test_an_infected_note_is_refused_in_french_and_leaves_nothing(
    client, world, clamd, settings, security_log
):
    response = upload_note(client, world, infected_pdf())

    assert response.status_code == 200
    assert REFUSED in page(response)
    assert not NoteVersion.objects.exists()
    assert stored_files(settings) == []
    [line] = [line for line in security_log() if "upload_virus_refused" in line]
    assert f"user={world.prestataire_x.pk}" in line
    assert "what=note" in line and f"signature={FOUND}" in line
    assert "EICAR-STANDARD" not in line  # the signature's name, never the file's content


def test_an_infected_transversal_note_is_refused_and_leaves_nothing(client, world, clamd, settings):
    response = upload_transversal(client, world, infected_pdf())

    assert REFUSED in page(response)
    assert not TransversalNote.objects.exists()
    assert stored_files(settings) == []


def test_an_infected_deliberation_docx_is_refused_and_the_roadmap_stays_submitted(
    client, world, clamd, settings, submitted_a
):
    # The signature sits inside one of the DOCX's zip entries: clamd unpacks it.
    response = adopt(client, world, infected_docx(), name="deliberation.docx")

    assert REFUSED in page(response)
    assert not RoadmapVersion.objects.exists()
    assert stored_files(settings) == []
    submitted_a.refresh_from_db()
    assert submitted_a.status == Roadmap.Status.SUBMITTED


def test_a_clean_deliberation_is_scanned_and_downloadable(client, world, clamd, submitted_a):
    adopt(client, world, minimal_pdf())

    version = RoadmapVersion.objects.get()
    assert version.deliberation_scan_status == ScanStatus.CLEAN
    url = reverse("deliverables:roadmap_deliberation_download", args=[world.participation_a.pk, 1])
    assert client.get(url).status_code == 200


def test_the_daemon_answers_on_a_unix_socket_too(clamd_factory, settings):
    settings.CLAMAV_URL = clamd_factory(unix=True).url

    assert antivirus.scan(BytesIO(minimal_pdf())) == antivirus.ScanResult("clean")
    assert antivirus.scan(BytesIO(infected_pdf())) == antivirus.ScanResult(
        "infected", signature=FOUND
    )


# --- Daemon configured but down: quarantine, then rescan ---------------------------


def test_with_the_daemon_down_a_note_waits_in_quarantine_until_the_task_rescans_it(
    client, world, clamd_down, clamd_factory, settings, security_log
):
    response = upload_note(client, world, minimal_pdf())

    note = NoteVersion.objects.get()
    text = page(response)
    assert note.scan_status == ScanStatus.PENDING
    assert "est en quarantaine et sera disponible une fois analysé" in text
    assert "En quarantaine : analyse antivirus en attente" in text
    assert reverse("seminars:note_download", args=[note.pk]) not in text
    assert len(stored_files(settings)) == 1  # stored, but served to nobody
    client.force_login(world.staff)
    review = page(client.get(reverse("seminars:note_review", args=[note.pk])))
    assert "En quarantaine : analyse antivirus en attente" in review
    assert reverse("seminars:note_download", args=[note.pk]) not in review
    assert any("upload_quarantined" in line and "what=note" in line for line in security_log())
    for user in (world.prestataire_x, world.staff):
        client.force_login(user)
        refused = note_download(client, note)
        assert refused.status_code == 409
        assert "Ce fichier est en quarantaine : l'analyse antivirus est en attente." in page(
            refused
        )
    # Not handed to ANCT, hence never shared, while it waits.
    client.force_login(world.prestataire_x)
    submitted = client.post(reverse("seminars:note_submit", args=[note.pk]), follow=True)
    assert "La version 1 est en quarantaine" in page(submitted)
    note.refresh_from_db()
    assert note.status == NoteVersion.Status.DRAFT
    NoteVersion.objects.filter(pk=note.pk).update(status=NoteVersion.Status.SHARED)
    assert NoteVersion.objects.latest_shared_of([note.seminar]) == []

    # Still down: the task leaves it waiting for the next run.
    assert scan_quarantine_task.delay().get()["pending"] == 1
    note.refresh_from_db()
    assert note.scan_status == ScanStatus.PENDING

    clamd_factory(port=clamd_down)
    assert scan_quarantine_task.delay().get() == {
        "clean": 1,
        "infected": 0,
        "pending": 0,
        "missing": 0,
    }
    note.refresh_from_db()
    assert note.scan_status == ScanStatus.CLEAN
    assert NoteVersion.objects.latest_shared_of([note.seminar]) == [note]
    assert note_download(client, note).status_code == 200
    assert mail.outbox == []


def test_a_quarantined_deliberation_is_released_by_the_command(
    client, world, clamd_down, clamd_factory, submitted_a
):
    response = adopt(client, world, minimal_pdf())

    version = RoadmapVersion.objects.get()
    assert version.deliberation_scan_status == ScanStatus.PENDING
    assert "Feuille de route adoptée : version 1." in page(response)
    assert "est en quarantaine" in page(response)
    url = reverse("deliverables:roadmap_deliberation_download", args=[world.participation_a.pk, 1])
    assert client.get(url).status_code == 409
    versions = client.get(reverse("deliverables:roadmap_versions", args=[world.participation_a.pk]))
    assert "En quarantaine : analyse antivirus en attente" in page(versions)
    assert url not in page(versions)
    one = client.get(reverse("deliverables:roadmap_version", args=[world.participation_a.pk, 1]))
    assert "En quarantaine : analyse antivirus en attente" in page(one)
    assert url not in page(one)

    with pytest.raises(CommandError, match="L'antivirus reste injoignable"):
        call_command("scan_quarantine", stdout=StringIO())

    clamd_factory(port=clamd_down)
    out = StringIO()
    call_command("scan_quarantine", stdout=out)
    assert "Fichiers sains : 1" in out.getvalue()
    version.refresh_from_db()
    assert version.deliberation_scan_status == ScanStatus.CLEAN
    assert client.get(url).status_code == 200


def test_an_infected_file_in_quarantine_is_deleted_on_rescan_and_people_are_told(
    client,
    world,
    clamd_down,
    clamd_factory,
    settings,
    security_log,
    django_capture_on_commit_callbacks,
):
    response = upload_transversal(client, world, infected_pdf(), body="Texte de la note")

    note = TransversalNote.objects.get()
    assert note.scan_status == ScanStatus.PENDING
    assert "est en quarantaine" in page(response)
    [stored] = stored_files(settings)
    # Served to nobody, printed nowhere, published by nobody while it waits.
    assert (
        client.get(reverse("deliverables:transversal_note_download", args=[note.pk])).status_code
        == 409
    )
    download = reverse("deliverables:transversal_note_download", args=[note.pk])
    for name, args in (
        ("transversal_notes", [world.fabrique_x.pk]),
        ("transversal_note_edit", [note.pk]),
    ):
        listed = page(client.get(reverse(f"deliverables:{name}", args=args)))
        assert "En quarantaine : analyse antivirus en attente" in listed
        assert download not in listed
    assert note_snapshot(note)["has_file"] is False
    with pytest.raises(ValidationError, match="en quarantaine"):
        transversal_note_publish(note=note, by=world.staff)
    TransversalNote.objects.filter(pk=note.pk).update(is_published=True, published_on="2026-09-01")
    world.fabrique_x.is_public = True
    world.fabrique_x.save(update_fields=["is_public"])
    client.logout()
    public = reverse("deliverables:public_transversal_note_download", args=[note.pk])
    assert client.get(public).status_code == 404
    public_page = client.get(reverse("deliverables:public_transversal_note", args=[note.pk]))
    assert public not in page(public_page)
    fabrique_page = client.get(reverse("fabrique_detail", args=[world.fabrique_x.slug]))
    assert fabrique_page.status_code == 200 and public not in page(fabrique_page)

    clamd_factory(port=clamd_down)
    with django_capture_on_commit_callbacks(execute=True):
        report = scan_quarantine_task.delay().get()

    assert report["infected"] == 1
    note.refresh_from_db()
    assert note.scan_status == ScanStatus.INFECTED
    assert note.file.name  # the row and the file's name stay, as a trace
    assert not stored.exists() and stored_files(settings) == []
    [message] = mail.outbox
    assert message.to == [world.prestataire_x.email]
    assert world.staff.email in message.cc
    assert "Fichier refusé par l'antivirus" in message.subject
    assert "Recommandations" not in message.subject
    assert f"il contient un virus ({FOUND})" in message.body
    assert reverse("deliverables:transversal_note", args=[note.pk]) in message.body
    assert any("quarantine_virus_deleted" in line for line in security_log())
    client.force_login(world.prestataire_x)
    detail = client.get(reverse("deliverables:transversal_note", args=[note.pk]))
    assert "Refusé par l'antivirus : fichier supprimé" in page(detail)
    gone = client.get(reverse("deliverables:transversal_note_download", args=[note.pk]))
    assert gone.status_code == 410
    # A second sweep finds nothing left to do and sends nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        assert scan_quarantine_task.delay().get()["infected"] == 0
    assert len(mail.outbox) == 1


def test_an_infected_note_in_quarantine_tells_its_uploader_and_staff(
    client, world, clamd_down, clamd_factory, settings, django_capture_on_commit_callbacks
):
    upload_note(client, world, infected_pdf())
    note = NoteVersion.objects.get()
    assert note.scan_status == ScanStatus.PENDING

    clamd_factory(port=clamd_down)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("scan_quarantine", stdout=StringIO())

    note.refresh_from_db()
    assert note.scan_status == ScanStatus.INFECTED
    assert stored_files(settings) == []
    [message] = mail.outbox
    assert message.to == [world.prestataire_x.email] and world.staff.email in message.cc
    assert "la version 1 de la note du séminaire" in message.body
    page_text = page(client.get(reverse("seminars:notes", args=[note.seminar_id])))
    assert "a été refusée par l'antivirus (virus détecté) et supprimée" in page_text
    assert note_download(client, note).status_code == 410


# --- Antivirus off -----------------------------------------------------------------


def test_with_the_antivirus_off_nothing_is_scanned(client, world, settings, submitted_a):
    settings.CLAMAV_URL = ""
    # Even the test string goes through: no daemon was asked.
    upload_note(client, world, infected_pdf())
    upload_transversal(client, world, minimal_pdf())
    adopt(client, world, minimal_pdf())

    note = NoteVersion.objects.get()
    assert note.scan_status == ScanStatus.NOT_SCANNED
    assert TransversalNote.objects.get().scan_status == ScanStatus.NOT_SCANNED
    assert RoadmapVersion.objects.get().deliberation_scan_status == ScanStatus.NOT_SCANNED
    client.force_login(world.prestataire_x)
    assert note_download(client, note).status_code == 200
    assert antivirus.scan(BytesIO(b"x")).verdict == antivirus.OFF


def test_a_malformed_clamav_url_is_refused(settings):
    settings.CLAMAV_URL = "clamd.example:3310"
    with pytest.raises(ImproperlyConfigured, match="CLAMAV_URL"):
        antivirus.clamav_url_check()
    [error] = antivirus.clamav_url_system_check(None)
    assert error.id == "seminars.E001" and "tcp://HOST:PORT" in error.msg
    settings.CLAMAV_URL = "unix:///run/clamav/clamd.ctl"
    assert antivirus.clamav_url_system_check(None) == []


def test_the_rescan_is_scheduled_every_five_minutes(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["scan-quarantine"]
    assert entry["task"] == scan_quarantine_task.name == "seminars.tasks.scan_quarantine_task"
    assert entry["schedule"].minute == set(range(0, 60, 5))

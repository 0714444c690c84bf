"""`manage.py backup` then `manage.py restore` give back every row and every file.

The round trip restores into a really empty target, in another process, as an
operator would on a new server: on PostgreSQL (DATABASE_URL set, as in CI) a
database created for the test on the same server; on SQLite a new file. The
test then counts the target's tables and hashes its files on its own, without
the code under test, and compares them with the source's.
"""

import hashlib
import io
import json
import os
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.db import connection

from backups.services import MANIFEST_NAME
from tests.factories import UserFactory

PASSWORD = "fabrique-demo-2026"


# --- Helpers: the source and the target seen without the code under test ---------------


def source_row_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        counts = {}
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def file_hashes(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def media_file(relative: str, content: bytes) -> Path:
    path = Path(django_settings.MEDIA_ROOT) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def pg_params(dbname: str) -> dict:
    db = connection.settings_dict
    params = {"dbname": dbname, "host": db["HOST"] or "127.0.0.1", "port": db["PORT"] or 5432}
    if db["USER"]:
        params["user"] = db["USER"]
    if db["PASSWORD"]:
        params["password"] = db["PASSWORD"]
    return params


class Target:
    """An empty database (and the way to count its rows) for a restore in another process."""

    def __init__(self, url: str, count):
        self.url = url
        self.row_counts = count


@contextmanager
def empty_target(tmp_path: Path):
    if connection.vendor == "postgresql":
        import psycopg

        name = f"restore_test_{uuid.uuid4().hex[:12]}"
        db = connection.settings_dict
        credentials = quote(db["USER"] or "", safe="")
        if db["PASSWORD"]:
            credentials += ":" + quote(db["PASSWORD"], safe="")
        url = f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"

        def count():
            with psycopg.connect(**pg_params(name)) as target:
                tables = [
                    row[0]
                    for row in target.execute(
                        "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                    )
                ]
                return {
                    table: target.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]
                    for table in tables
                }

        with psycopg.connect(**pg_params("postgres"), autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield Target(url, count)
        finally:
            with psycopg.connect(**pg_params("postgres"), autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        path = tmp_path / "restored.sqlite3"

        def count():
            target = sqlite3.connect(path)
            try:
                tables = [
                    row[0]
                    for row in target.execute(
                        "SELECT name FROM sqlite_master WHERE type = 'table' "
                        "AND name NOT LIKE 'sqlite_%'"
                    )
                ]
                return {
                    table: target.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]
                    for table in tables
                }
            finally:
                target.close()

        yield Target(f"sqlite:///{path}", count)


def manage(*args: str, database_url: str, media_root: Path) -> subprocess.CompletedProcess:
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url,
        "MEDIA_ROOT": str(media_root),
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def backup(tmp_path: Path) -> Path:
    out = io.StringIO()
    (tmp_path / "archives").mkdir()
    call_command("backup", output=tmp_path / "archives", stdout=out)
    (archive,) = (tmp_path / "archives").glob("fabriques-backup-*.tar.gz")
    assert str(archive) in out.getvalue()
    return archive


def read_manifest(archive: Path) -> dict:
    with tarfile.open(archive) as tar:
        return json.load(tar.extractfile(MANIFEST_NAME))


def rewrite(archive: Path, destination: Path, change) -> Path:
    """A copy of ``archive`` where ``change(name, data)`` gives each file's new bytes."""
    with tarfile.open(archive) as source, tarfile.open(destination, "w:gz") as copy:
        for member in source.getmembers():
            data = source.extractfile(member).read() if member.isfile() else b""
            data = change(member.name, data)
            member.size = len(data)
            copy.addfile(member, io.BytesIO(data))
    return destination


# --- The round trip -----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_backup_then_restore_into_an_empty_database_gives_back_every_row_and_file(tmp_path):
    # A whole demo Fabrique: real geography, imported Fabriques, people,
    # seminars, notes as PDF files and an adopted roadmap's rendered PDF.
    call_command("import_geography", verbosity=0)
    call_command("import_fabriques", verbosity=0)
    call_command("demo", password=PASSWORD, stdout=io.StringIO())
    media = Path(django_settings.MEDIA_ROOT)
    rows, files = source_row_counts(), file_hashes(media)
    assert sum(rows.values()) > 1000
    assert len(files) >= 5 and all(name.endswith(".pdf") for name in files)

    archive = backup(tmp_path)

    assert archive.stat().st_mode & 0o777 == 0o600
    manifest = read_manifest(archive)
    assert manifest["database"]["vendor"] == connection.vendor
    assert manifest["database"]["tables"] == rows
    assert {name: item["sha256"] for name, item in manifest["media"]["files"].items()} == files
    assert manifest["migrations"]["applied"] > 0

    restored_media = tmp_path / "restored-media"
    with empty_target(tmp_path) as target:
        result = manage("restore", str(archive), database_url=target.url, media_root=restored_media)
        assert result.returncode == 0, result.stderr
        assert (
            f"Restauration vérifiée : {len(rows)} tables et {sum(rows.values())} lignes, "
            f"{len(files)} fichiers"
        ) in result.stdout
        assert target.row_counts() == rows
    assert file_hashes(restored_media) == files


# --- Refusals -------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_database_or_media_folder_that_is_not_empty(tmp_path):
    UserFactory.create_batch(3)
    media_file("notes/compte-rendu.pdf", b"%PDF-1.7 original")
    archive = backup(tmp_path)
    UserFactory()  # Written after the backup: a restore would lose it.
    rows, files = source_row_counts(), file_hashes(Path(django_settings.MEDIA_ROOT))

    with pytest.raises(CommandError, match=r"(?s)n'est pas vide.*accounts_user.*--force"):
        call_command("restore", str(archive))

    assert source_row_counts() == rows
    assert file_hashes(Path(django_settings.MEDIA_ROOT)) == files


@pytest.mark.django_db(transaction=True)
def test_force_replaces_a_database_and_media_folder_with_the_backup(tmp_path):
    UserFactory.create_batch(2)
    media_file("notes/compte-rendu.pdf", b"%PDF-1.7 original")
    archive = backup(tmp_path)
    rows, files = source_row_counts(), file_hashes(Path(django_settings.MEDIA_ROOT))
    UserFactory()
    media_file("notes/compte-rendu.pdf", b"%PDF-1.7 rewritten after the backup")
    media_file("notes/depose-apres.pdf", b"%PDF-1.7 uploaded after the backup")

    out = io.StringIO()
    call_command("restore", str(archive), force=True, stdout=out)

    assert "Restauration vérifiée" in out.getvalue()
    assert source_row_counts() == rows
    assert file_hashes(Path(django_settings.MEDIA_ROOT)) == files


@pytest.mark.django_db(transaction=True)
def test_rows_written_while_pg_dump_runs_are_neither_dumped_nor_counted(tmp_path, monkeypatch):
    """The counts and the dump share one exported snapshot: a row committed
    after it (here, just before pg_dump starts) is in neither."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite counts in the copy itself; pg_dump's snapshot is PostgreSQL's")
    from backups import services

    UserFactory.create_batch(2)
    rows = source_row_counts()
    real_run = services._run

    def write_then_run(args, **kwargs):
        UserFactory()  # Committed (autocommit) by another connection than the snapshot's.
        return real_run(args, **kwargs)

    monkeypatch.setattr(services, "_run", write_then_run)
    archive = backup(tmp_path)
    monkeypatch.setattr(services, "_run", real_run)

    assert read_manifest(archive)["database"]["tables"] == rows
    assert source_row_counts()["accounts_user"] == rows["accounts_user"] + 1
    # The restore's own verification compares the dump's rows with the manifest.
    call_command("restore", str(archive), force=True, stdout=io.StringIO())
    assert source_row_counts() == rows


@pytest.mark.django_db(transaction=True)
def test_a_file_changed_in_the_archive_is_refused_before_anything_is_restored(tmp_path):
    media_file("notes/compte-rendu.pdf", b"%PDF-1.7 original")
    archive = backup(tmp_path)
    tampered = rewrite(
        archive,
        tmp_path / "tampered.tar.gz",
        lambda name, data: b"%PDF-1.7 altered" if name == "media/notes/compte-rendu.pdf" else data,
    )
    rows, files = source_row_counts(), file_hashes(Path(django_settings.MEDIA_ROOT))

    # Checked before the target (which is not empty here, and --force is given):
    # a damaged archive never replaces anything.
    with pytest.raises(
        CommandError, match=r"(?s)Archive altérée.*fichier différent.*notes/compte-rendu\.pdf"
    ):
        call_command("restore", str(tampered), force=True)

    assert source_row_counts() == rows
    assert file_hashes(Path(django_settings.MEDIA_ROOT)) == files


@pytest.mark.django_db(transaction=True)
def test_the_verification_after_restore_reports_a_table_that_differs(tmp_path):
    UserFactory.create_batch(2)
    media_file("notes/compte-rendu.pdf", b"%PDF-1.7 original")
    archive = backup(tmp_path)
    users = source_row_counts()["accounts_user"]

    def claim_one_more_user(name, data):
        if name != MANIFEST_NAME:
            return data
        manifest = json.loads(data)
        manifest["database"]["tables"]["accounts_user"] += 1
        return json.dumps(manifest).encode()

    lying = rewrite(archive, tmp_path / "lying.tar.gz", claim_one_more_user)
    with empty_target(tmp_path) as target:
        result = manage("restore", str(lying), database_url=target.url, media_root=tmp_path / "m")
    assert result.returncode != 0
    assert "La vérification après restauration a trouvé 1 différence(s)" in result.stderr
    assert f"table accounts_user : {users} lignes au lieu de {users + 1}" in result.stderr


@pytest.mark.parametrize(
    "member",
    ["../{unique}.txt", "media/../../{unique}.txt", "{tmp}/{unique}.txt", "symlink"],
)
def test_an_archive_with_a_member_outside_its_folder_is_refused(tmp_path, member):
    unique = f"evil-{uuid.uuid4().hex}"
    archive = tmp_path / "evil.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        manifest = json.dumps({"format": "fabriques-prospectives-backup"}).encode()
        info = tarfile.TarInfo(MANIFEST_NAME)
        info.size = len(manifest)
        tar.addfile(info, io.BytesIO(manifest))
        if member == "symlink":
            info = tarfile.TarInfo("media/passwd")
            info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
            tar.addfile(info)
        else:
            payload = b"pwned"
            info = tarfile.TarInfo(member.format(unique=unique, tmp=tmp_path))
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))

    with pytest.raises(CommandError, match="Archive refusée, membres dangereux"):
        call_command("restore", str(archive))

    # Where the traversals would have landed (restore extracts in the temp folder).
    assert not (Path(tempfile.gettempdir()) / f"{unique}.txt").exists()
    assert not list(tmp_path.rglob(f"{unique}.txt"))

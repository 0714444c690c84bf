"""Backup and restore of the whole portal: the database and every stored file.

One archive (``.tar.gz``) holds everything needed to rebuild the portal on an
empty database and an empty media folder::

    database/postgresql.dump   pg_dump --format=custom (PostgreSQL)
    database/sqlite3.db        a copy made by SQLite's online backup API (SQLite)
    media/<path>               every file under MEDIA_ROOT, same relative path
    manifest.json              written last: what the archive must give back

The manifest is what makes a restore checkable: the row count of every table
the database introspection lists (so tables added later, e.g. the historical
tables of django-simple-history, are covered without any change here), the
sha256 and size of the dump and of every media file, and the migrations the
database had applied. A restore first checks the extracted archive against it
(a damaged or altered archive is refused before anything is touched), then
restores, then recounts every table and rehashes every file of the target and
fails loudly on the smallest difference.

Consistency of the counts with the dump: on PostgreSQL the counts are taken in
a REPEATABLE READ transaction whose snapshot is exported and handed to pg_dump
(``--snapshot``), so the dump and the counts see exactly the same committed
rows even while the portal keeps writing. On SQLite the counts are read from
the copy itself, which is by construction the snapshot that gets archived.
Media files are read after the database snapshot: a file uploaded meanwhile is
archived without a row pointing to it (harmless); the portal keeps note
versions rather than deleting files, so a row pointing to a missing file is
not expected. Archives hold personal data: the folder is created 0700 and each
archive 0600.

Messages are for the operator, in French; they reach the commands as
``BackupError`` and become ``CommandError``.
"""

import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path, PurePosixPath

import django
from django.conf import settings
from django.db import connections
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from django.utils.translation import gettext as _

FORMAT = "fabriques-prospectives-backup"
FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
MEDIA_PREFIX = "media"
DUMP_NAMES = {
    "postgresql": "database/postgresql.dump",
    "sqlite": "database/sqlite3.db",
}
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or a restore that cannot go on; the message is for the operator."""


@dataclass
class BackupResult:
    path: Path
    manifest: dict


@dataclass
class RestoreReport:
    tables: int
    rows: int
    files: int
    bytes: int
    warnings: list[str] = field(default_factory=list)


# --- Shared helpers -----------------------------------------------------------------


def backup_dir() -> Path:
    """Where archives go without --output: BACKUP_DIR (environment; by default
    ``backups-data`` next to the code, ignored by git)."""
    return Path(settings.BACKUP_DIR)


def media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _media_paths(root: Path) -> Iterator[tuple[str, Path]]:
    """Every regular file under ``root`` as (relative POSIX name, path), sorted.
    Symbolic links are not followed: MEDIA_ROOT only holds uploaded files."""
    if not root.is_dir():
        return
    found = []
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in files:
            path = Path(folder) / name
            if path.is_file() and not path.is_symlink():
                found.append((path.relative_to(root).as_posix(), path))
    yield from sorted(found)


def media_digest(root: Path) -> dict[str, dict]:
    """sha256 and size of every file under ``root``, by relative name."""
    return {
        name: {"sha256": sha256_file(path), "size": path.stat().st_size}
        for name, path in _media_paths(root)
    }


def table_row_counts(connection, cursor) -> dict[str, int]:
    """Row count of every table the introspection of ``connection`` lists,
    read through ``cursor`` (a DB-API cursor, possibly of another connection to
    the same kind of database: the snapshot, or the SQLite copy). Views are
    skipped: their rows belong to their tables."""
    tables = sorted(
        info.name for info in connection.introspection.get_table_list(cursor) if info.type != "v"
    )
    counts = {}
    for table in tables:
        cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
        counts[table] = cursor.fetchone()[0]
    return counts


def _applied_migrations(connection, cursor, tables) -> dict[str, list[str]]:
    if "django_migrations" not in tables:
        return {}
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, id")
    applied: dict[str, list[str]] = {}
    for app, name in cursor.fetchall():
        applied.setdefault(app, []).append(name)
    return applied


def _run(args: list[str], *, env: dict[str, str], what: str) -> None:
    result = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip()[-2000:]
        raise BackupError(
            _("Échec de {what} (code {code}) :\n{detail}").format(
                what=what, code=result.returncode, detail=detail
            )
        )


# --- PostgreSQL -----------------------------------------------------------------------


def _pg_tool(connection, name: str) -> str:
    """The pg_dump or pg_restore able to talk to the server: one of the
    server's major version (Debian's /usr/lib/postgresql/<major>/bin) first,
    then the one on PATH if it is at least as recent (pg_dump refuses an older
    client, and an older pg_restore cannot read a newer dump)."""
    connection.ensure_connection()
    major = connection.pg_version // 10000
    candidates = []
    if getattr(settings, "BACKUP_PG_BIN_DIR", None):
        candidates.append(Path(settings.BACKUP_PG_BIN_DIR) / name)
    candidates.append(Path(f"/usr/lib/postgresql/{major}/bin/{name}"))
    on_path = shutil.which(name)
    if on_path:
        candidates.append(Path(on_path))
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            version = subprocess.run(
                [str(candidate), "--version"], capture_output=True, text=True, check=False
            ).stdout
            match = re.search(r"(\d+)(?:\.\d+)?", version)
            if match and int(match.group(1)) >= major:
                return str(candidate)
    raise BackupError(
        _(
            "{name} (PostgreSQL {major} ou plus récent) est introuvable : installez le "
            "paquet postgresql-client-{major}."
        ).format(name=name, major=major)
    )


def _pg_env(connection) -> dict[str, str]:
    """libpq variables for pg_dump / pg_restore: the password (and host, user,
    port, SSL options) never appear on a command line, where `ps` shows them."""
    db = connection.settings_dict
    _args, client_env = connection.client.settings_to_cmd_args_env(db, [])
    env = dict(os.environ)
    env.update(client_env or {})
    for variable, value in (
        ("PGHOST", db.get("HOST")),
        ("PGPORT", db.get("PORT")),
        ("PGUSER", db.get("USER")),
        ("PGDATABASE", db.get("NAME")),
    ):
        if value:
            env[variable] = str(value)
    return env


def _pg_dump(connection, dump_path: Path) -> tuple[dict[str, int], dict[str, list[str]]]:
    """Dump with pg_dump and count every table in the very same snapshot.

    A connection of our own (outside Django's, whatever transaction that one
    is in) opens a REPEATABLE READ, READ ONLY transaction and exports its
    snapshot; pg_dump imports it with --snapshot while the transaction stays
    open, and the counts are read in that transaction."""
    pg_dump = _pg_tool(connection, "pg_dump")
    raw = connection.Database.connect(**connection.get_connection_params())
    try:
        raw.autocommit = True
        with raw.cursor() as cursor:
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            counts = table_row_counts(connection, cursor)
            migrations = _applied_migrations(connection, cursor, counts)
            _run(
                [pg_dump, "--format=custom", "--no-password", f"--snapshot={snapshot}"]
                + [f"--file={dump_path}"],
                env=_pg_env(connection),
                what="pg_dump",
            )
            cursor.execute("COMMIT")
    finally:
        raw.close()
    return counts, migrations


def _pg_restore(connection, dump_path: Path, expected_tables) -> None:
    """pg_restore in one transaction (all or nothing), without the source's
    owners and grants (the target role owns what it restores). --clean
    --if-exists replaces what a --force restore finds; tables the archive does
    not know are dropped first (CASCADE, since they may reference restored
    ones), so the database ends exactly as it was backed up."""
    pg_restore = _pg_tool(connection, "pg_restore")
    with connection.cursor() as cursor:
        tables = connection.introspection.get_table_list(cursor)
        extra = [
            info.name for info in tables if info.type == "t" and info.name not in expected_tables
        ]
        if extra:
            quoted = ", ".join(connection.ops.quote_name(name) for name in extra)
            cursor.execute(f"DROP TABLE IF EXISTS {quoted} CASCADE")
    connection.close()
    _run(
        [pg_restore, "--no-owner", "--no-privileges", "--clean", "--if-exists"]
        + ["--single-transaction", "--exit-on-error", "--no-password"]
        + [f"--dbname={connection.settings_dict['NAME']}", str(dump_path)],
        env=_pg_env(connection),
        what="pg_restore",
    )


# --- SQLite ---------------------------------------------------------------------------


def _sqlite_dump(connection, dump_path: Path) -> tuple[dict[str, int], dict[str, list[str]]]:
    """Copy with SQLite's online backup API (a consistent copy even while the
    portal writes), then count in the copy: the counts are the archive's.

    Refused inside a transaction of the same connection that has written:
    the backup would wait forever on its own lock (and a PostgreSQL dump
    would not see those rows either: a backup holds committed data only)."""
    connection.ensure_connection()
    if connection.in_atomic_block:
        raise BackupError(_("La sauvegarde ne peut pas avoir lieu dans une transaction."))
    target = sqlite3.connect(dump_path)
    try:
        connection.connection.backup(target)
        cursor = target.cursor()
        counts = table_row_counts(connection, cursor)
        migrations = _applied_migrations(connection, cursor, counts)
        cursor.close()
    finally:
        target.close()
    return counts, migrations


def _sqlite_restore(connection, dump_path: Path) -> None:
    """Replace the whole content of the configured database (schema included)
    with the archived copy, through the backup API on Django's own connection
    (it also works for an in-memory database)."""
    connection.ensure_connection()
    if connection.in_atomic_block:
        raise BackupError(_("La restauration ne peut pas avoir lieu dans une transaction."))
    source = sqlite3.connect(f"file:{dump_path}?mode=ro", uri=True)
    try:
        source.backup(connection.connection)
    finally:
        source.close()


# --- Backup ---------------------------------------------------------------------------


class _HashingReader:
    """A file object that hashes what tarfile reads from it, so the manifest
    describes exactly the bytes that went into the archive."""

    def __init__(self, stream):
        self.stream = stream
        self.digest = hashlib.sha256()

    def read(self, size=-1):
        data = self.stream.read(size)
        self.digest.update(data)
        return data


def _add_file(tar: tarfile.TarFile, path: Path, arcname: str) -> dict:
    info = tar.gettarinfo(str(path), arcname)
    # Owners of the source machine mean nothing on the target.
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    with path.open("rb") as stream:
        reader = _HashingReader(stream)
        tar.addfile(info, reader)
    return {"sha256": reader.digest.hexdigest(), "size": info.size}


def _add_bytes(tar: tarfile.TarFile, data: bytes, arcname: str) -> None:
    info = tarfile.TarInfo(arcname)
    info.size = len(data)
    info.mtime = int(timezone.now().timestamp())
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))


def backup_default_name(now=None) -> str:
    now = now or timezone.now()
    return f"fabriques-backup-{now.astimezone(UTC):%Y%m%d-%H%M%S}.tar.gz"


def backup_create(*, output: Path | None = None, using: str = "default") -> BackupResult:
    """Write one archive of the database and MEDIA_ROOT; return its path and manifest.

    ``output`` is the archive's path, or an existing folder to write the
    default name into; by default backup_dir(). An existing file is never
    overwritten. The archive is written under a temporary name and renamed
    once complete, so a failed backup leaves no half archive behind."""
    connection = connections[using]
    vendor = connection.vendor
    if vendor not in DUMP_NAMES:
        raise BackupError(
            _("Base de données non prise en charge : {vendor}.").format(vendor=vendor)
        )
    created_at = timezone.now()
    if output is None:
        folder = backup_dir()
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        output = folder / backup_default_name(created_at)
    else:
        output = Path(output)
        if output.is_dir():
            output = output / backup_default_name(created_at)
        output.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if output.exists():
        raise BackupError(_("Le fichier {path} existe déjà.").format(path=output))

    partial = output.with_name(output.name + ".partial")
    with tempfile.TemporaryDirectory(prefix=".backup-", dir=output.parent) as work:
        dump_path = Path(work) / Path(DUMP_NAMES[vendor]).name
        if vendor == "postgresql":
            counts, migrations = _pg_dump(connection, dump_path)
        else:
            counts, migrations = _sqlite_dump(connection, dump_path)
        try:
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
                dump = _add_file(tar, dump_path, DUMP_NAMES[vendor])
                files = {}
                for name, path in _media_paths(media_root()):
                    files[name] = _add_file(tar, path, f"{MEDIA_PREFIX}/{name}")
                manifest = {
                    "format": FORMAT,
                    "format_version": FORMAT_VERSION,
                    "created_at": created_at.astimezone(UTC).isoformat(),
                    "django_version": django.get_version(),
                    "database": {
                        "vendor": vendor,
                        "file": DUMP_NAMES[vendor],
                        **dump,
                        "tables": counts,
                        "rows": sum(counts.values()),
                    },
                    "migrations": {
                        "applied": sum(len(names) for names in migrations.values()),
                        "apps": migrations,
                    },
                    "media": {
                        "count": len(files),
                        "bytes": sum(item["size"] for item in files.values()),
                        "files": files,
                    },
                }
                _add_bytes(
                    tar,
                    json.dumps(manifest, indent=2, ensure_ascii=False).encode(),
                    MANIFEST_NAME,
                )
            os.replace(partial, output)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    return BackupResult(path=output, manifest=manifest)


# --- Restore --------------------------------------------------------------------------


def _member_problem(member: tarfile.TarInfo) -> str | None:
    name = member.name
    path = PurePosixPath(name)
    if name.startswith(("/", "\\")) or path.is_absolute() or re.match(r"^[A-Za-z]:", name):
        return _("chemin absolu")
    if ".." in path.parts or ".." in PurePosixPath(name.replace("\\", "/")).parts:
        return _("remontée de dossier (..)")
    if not (member.isfile() or member.isdir()):
        return _("ni fichier ni dossier (lien ou fichier spécial)")
    top = path.parts[0] if path.parts else ""
    if name != MANIFEST_NAME and top not in {"database", MEDIA_PREFIX}:
        return _("membre inattendu")
    return None


def _extract(archive: Path, destination: Path) -> None:
    """Extract after checking every member: an absolute path, a '..', a link or
    a device is refused outright (nothing is extracted). tarfile's "data"
    filter then applies its own checks again."""
    try:
        with tarfile.open(archive, mode="r:*") as tar:
            members = tar.getmembers()
            problems = [
                f"{member.name} : {problem}"
                for member in members
                if (problem := _member_problem(member))
            ]
            if problems:
                raise BackupError(
                    _("Archive refusée, membres dangereux :\n{problems}").format(
                        problems="\n".join(f"  - {line}" for line in problems)
                    )
                )
            tar.extractall(destination, members=members, filter="data")
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BackupError(
            _("Archive illisible ({path}) : {error}").format(path=archive, error=exc)
        ) from exc


def _manifest_read(folder: Path) -> dict:
    try:
        manifest = json.loads((folder / MANIFEST_NAME).read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(_("Manifeste absent ou illisible : {error}").format(error=exc)) from exc
    if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            _("Format d'archive inconnu : {format} version {version}.").format(
                format=manifest.get("format"), version=manifest.get("format_version")
            )
        )
    return manifest


def _compare_files(expected: dict[str, dict], found: dict[str, dict], where: str) -> list[str]:
    differences = []
    for name in sorted(expected.keys() | found.keys()):
        want, got = expected.get(name), found.get(name)
        if got is None:
            differences.append(
                _("fichier manquant {where} : {name}").format(where=where, name=name)
            )
        elif want is None:
            differences.append(_("fichier en trop {where} : {name}").format(where=where, name=name))
        elif want["sha256"] != got["sha256"] or want["size"] != got["size"]:
            differences.append(
                _(
                    "fichier différent {where} : {name} (sha256 {got}…, {got_size} octets ; "
                    "attendu {want}…, {want_size} octets)"
                ).format(
                    where=where,
                    name=name,
                    got=got["sha256"][:12],
                    got_size=got["size"],
                    want=want["sha256"][:12],
                    want_size=want["size"],
                )
            )
    return differences


def archive_check(folder: Path, manifest: dict) -> list[str]:
    """Differences between an extracted archive and its manifest (dump and files)."""
    database = manifest["database"]
    dump = folder / database["file"]
    where = _("dans l'archive")
    differences = _compare_files(
        {database["file"]: {"sha256": database["sha256"], "size": database["size"]}},
        {database["file"]: {"sha256": sha256_file(dump), "size": dump.stat().st_size}}
        if dump.is_file()
        else {},
        where,
    )
    differences += _compare_files(
        manifest["media"]["files"], media_digest(folder / MEDIA_PREFIX), where
    )
    return differences


def target_contents(using: str = "default") -> tuple[dict[str, int], list[str]]:
    """The tables of the target database holding rows, and the files of MEDIA_ROOT."""
    connection = connections[using]
    with connection.cursor() as cursor:
        counts = table_row_counts(connection, cursor)
    return (
        {table: count for table, count in counts.items() if count},
        [name for name, _path in _media_paths(media_root())],
    )


def restore_verify(manifest: dict, using: str = "default") -> list[str]:
    """Every difference between the restored database and MEDIA_ROOT and the
    manifest: tables missing, in excess or with another row count, files
    missing, in excess or with another sha256 or size."""
    connection = connections[using]
    with connection.cursor() as cursor:
        counts = table_row_counts(connection, cursor)
    expected = manifest["database"]["tables"]
    differences = []
    for table in sorted(expected.keys() | counts.keys()):
        if table not in counts:
            differences.append(
                _("table absente : {table} ({rows} lignes attendues)").format(
                    table=table, rows=expected[table]
                )
            )
        elif table not in expected:
            differences.append(
                _("table absente de la sauvegarde : {table} ({rows} lignes)").format(
                    table=table, rows=counts[table]
                )
            )
        elif counts[table] != expected[table]:
            differences.append(
                _("table {table} : {rows} lignes au lieu de {expected}").format(
                    table=table, rows=counts[table], expected=expected[table]
                )
            )
    differences += _compare_files(
        manifest["media"]["files"], media_digest(media_root()), _("dans MEDIA_ROOT")
    )
    return differences


def _media_replace(source: Path, force: bool) -> None:
    root = media_root()
    root.mkdir(parents=True, exist_ok=True)
    if force:
        # The content only: MEDIA_ROOT itself may be a mounted volume.
        for entry in root.iterdir():
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
    for name, path in _media_paths(source):
        destination = root / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(path, destination)


def _migration_warnings(connection) -> list[str]:
    """What `migrate` would still do on the restored database, or migrations
    it has applied that this code does not know (an archive newer than it)."""
    executor = MigrationExecutor(connection)
    loader = executor.loader
    pending = executor.migration_plan(loader.graph.leaf_nodes())
    unknown = sorted(set(loader.applied_migrations) - set(loader.graph.nodes))
    warnings = []
    if pending:
        warnings.append(
            _(
                "{count} migration(s) de ce code ne sont pas appliquées à la base restaurée : "
                "lancez « python manage.py migrate »."
            ).format(count=len(pending))
        )
    if unknown:
        warnings.append(
            _(
                "La sauvegarde a des migrations que ce code ne connaît pas ({names}) : "
                "restaurez-la avec la version du portail qui l'a produite."
            ).format(names=", ".join(f"{app}.{name}" for app, name in unknown))
        )
    return warnings


def restore_archive(*, archive: Path, force: bool = False, using: str = "default") -> RestoreReport:
    """Restore ``archive`` into the configured database and MEDIA_ROOT, then verify.

    In order: safe extraction into a temporary folder; the archive checked
    against its manifest (nothing touched yet if it is damaged or altered);
    refusal of a target holding rows or files unless ``force``; the database,
    then the files; last, every table recounted and every file rehashed."""
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(_("Archive introuvable : {path}").format(path=archive))
    connection = connections[using]
    with tempfile.TemporaryDirectory(prefix="fabriques-restore-") as work:
        folder = Path(work)
        _extract(archive, folder)
        manifest = _manifest_read(folder)
        vendor = manifest["database"]["vendor"]
        if vendor != connection.vendor:
            raise BackupError(
                _(
                    "Cette sauvegarde vient d'une base {source} et ne peut pas être restaurée "
                    "dans une base {target}."
                ).format(source=vendor, target=connection.vendor)
            )
        damaged = archive_check(folder, manifest)
        if damaged:
            raise BackupError(
                _("Archive altérée ou incomplète, rien n'a été restauré :\n{lines}").format(
                    lines="\n".join(f"  - {line}" for line in damaged)
                )
            )
        if not force:
            tables, files = target_contents(using)
            if tables or files:
                lines = [
                    _("table {table} : {rows} ligne(s)").format(table=table, rows=rows)
                    for table, rows in sorted(tables.items())
                ][:10]
                if files:
                    lines.append(
                        _("{count} fichier(s) dans {root}").format(
                            count=len(files), root=media_root()
                        )
                    )
                raise BackupError(
                    _(
                        "La base ou le dossier des fichiers n'est pas vide, rien n'a été "
                        "restauré :\n{lines}\nRelancez avec --force pour tout remplacer par "
                        "la sauvegarde."
                    ).format(lines="\n".join(f"  - {line}" for line in lines))
                )
        dump = folder / manifest["database"]["file"]
        if vendor == "postgresql":
            _pg_restore(connection, dump, manifest["database"]["tables"])
        else:
            _sqlite_restore(connection, dump)
        _media_replace(folder / MEDIA_PREFIX, force)
    differences = restore_verify(manifest, using)
    if differences:
        raise BackupError(
            _(
                "La vérification après restauration a trouvé {count} différence(s) avec la "
                "sauvegarde :\n{lines}"
            ).format(
                count=len(differences),
                lines="\n".join(f"  - {line}" for line in differences),
            )
        )
    return RestoreReport(
        tables=len(manifest["database"]["tables"]),
        rows=manifest["database"]["rows"],
        files=manifest["media"]["count"],
        bytes=manifest["media"]["bytes"],
        warnings=_migration_warnings(connection),
    )

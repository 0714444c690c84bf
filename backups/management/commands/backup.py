"""`manage.py backup`: one archive of the database and of every stored file.

The work is in backups.services; this only reads the options and reports."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from backups.services import BackupError, backup_create, backup_dir


class Command(BaseCommand):
    help = (
        "Sauvegarde la base de données et tous les fichiers déposés (MEDIA_ROOT) dans une "
        "seule archive .tar.gz, avec un manifeste (nombre de lignes de chaque table, sha256 "
        "de chaque fichier) que « restore » vérifie."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            type=Path,
            help=(
                "Chemin de l'archive à écrire, ou dossier où l'écrire "
                f"(par défaut : {backup_dir()}/fabriques-backup-AAAAMMJJ-HHMMSS.tar.gz, UTC)."
            ),
        )

    def handle(self, *args, output=None, **options):
        try:
            result = backup_create(output=output)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        manifest = result.manifest
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Sauvegarde écrite : {path} ({size} octets) — {tables} tables, {rows} lignes, "
                    "{files} fichiers ({bytes} octets)."
                ).format(
                    path=result.path,
                    size=result.path.stat().st_size,
                    tables=len(manifest["database"]["tables"]),
                    rows=manifest["database"]["rows"],
                    files=manifest["media"]["count"],
                    bytes=manifest["media"]["bytes"],
                )
            )
        )

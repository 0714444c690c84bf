"""`manage.py restore ARCHIVE`: the database and the stored files back from
an archive of `manage.py backup`, then checked against its manifest.

The work is in backups.services; this only reads the options and reports."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from backups.services import BackupError, restore_archive


class Command(BaseCommand):
    help = (
        "Restaure une archive de « backup » dans la base configurée et MEDIA_ROOT, puis "
        "vérifie le nombre de lignes de chaque table et le sha256 de chaque fichier. Refuse "
        "une base ou un dossier non vide sans --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path, help="Archive .tar.gz écrite par « backup ».")
        parser.add_argument(
            "--force",
            action="store_true",
            help=(
                "Remplace le contenu d'une base ou d'un dossier de fichiers non vide "
                "(tout ce qui n'est pas dans la sauvegarde est perdu)."
            ),
        )

    def handle(self, *args, archive, force=False, **options):
        try:
            report = restore_archive(archive=archive, force=force)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        for warning in report.warnings:
            self.stdout.write(self.style.WARNING(warning))
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Restauration vérifiée : {tables} tables et {rows} lignes, {files} fichiers "
                    "({bytes} octets), identiques à la sauvegarde."
                ).format(
                    tables=report.tables, rows=report.rows, files=report.files, bytes=report.bytes
                )
            )
        )

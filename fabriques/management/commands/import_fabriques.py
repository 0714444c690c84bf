from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from fabriques.importer import DEFAULT_SOURCE, fabriques_import


class Command(BaseCommand):
    help = "Charge les Fabriques Prospectives 2018-2022, leurs partenaires et leurs territoires."

    def add_arguments(self, parser):
        parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)

    def handle(self, *args, source, **options):
        try:
            counts = fabriques_import(source=source)
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Fabriques importées : {counts['fabriques']} Fabriques, "
                f"{counts['territories']} territoires, {counts['participations']} participations "
                f"({counts['changed']} enregistrements créés ou modifiés)."
            )
        )

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from territories.geography import DEFAULT_DIR, geography_import


class Command(BaseCommand):
    help = (
        "Importe (ou met à jour) régions, départements, EPCI et communes depuis "
        "l'extrait du découpage administratif officiel. Ne supprime jamais de ligne."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--source",
            type=Path,
            default=DEFAULT_DIR,
            help=f"Dossier de l'extrait (défaut : {DEFAULT_DIR}).",
        )

    def handle(self, *args, **options):
        source = options["source"]
        if not (source / "regions.csv").is_file():
            raise CommandError(f"Aucun extrait de géographie dans {source}.")
        counts = geography_import(source_dir=source)
        self.stdout.write(
            self.style.SUCCESS(
                f"Géographie importée : {counts['regions']} régions, "
                f"{counts['departements']} départements, {counts['epcis']} EPCI, "
                f"{counts['communes']} communes."
            )
        )
        if counts["skipped_communes"]:
            self.stdout.write(
                self.style.WARNING(
                    f"{counts['skipped_communes']} commune(s) ignorée(s) : département inconnu."
                )
            )

from django.core.management.base import BaseCommand, CommandError

from seminars.quarantine import quarantine_rescan


class Command(BaseCommand):
    help = (
        "Analyse de nouveau les fichiers en quarantaine (déposés pendant une indisponibilité "
        "de l'antivirus) : la même opération que la tâche planifiée de Celery beat."
    )

    def handle(self, *args, **options):
        report = quarantine_rescan()
        if not report.enabled:
            self.stdout.write(
                f"Antivirus non configuré (CLAMAV_URL vide) : {report.pending} fichier(s) "
                "restent en quarantaine."
            )
            return
        self.stdout.write(
            f"Fichiers sains : {report.clean} ; refusés (virus) et supprimés : "
            f"{report.infected} ; toujours en attente : {report.pending} ; "
            f"introuvables : {report.missing}."
        )
        if report.pending:
            raise CommandError(
                "L'antivirus reste injoignable : les fichiers restants seront analysés au "
                f"prochain passage ({'; '.join(report.details)})."
            )

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from reminders.services import reminders_sweep


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"Date invalide : {value!r} (format attendu AAAA-MM-JJ).") from None


class Command(BaseCommand):
    help = (
        "Calcule les rappels dus et les envoie, chacun une seule fois "
        "(la même opération que la tâche planifiée de Celery beat)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Affiche ce qui partirait, sans rien envoyer ni enregistrer.",
        )
        parser.add_argument(
            "--date",
            type=_day,
            help="Calcule les rappels dus à cette date (AAAA-MM-JJ) au lieu d'aujourd'hui.",
        )

    def handle(self, *args, dry_run, date, **options):
        report = reminders_sweep(today=date, dry_run=dry_run)
        if dry_run:
            self.stdout.write(f"Simulation : {len(report.would_send)} rappel(s) partiraient.")
            for kind, email, key in report.would_send:
                self.stdout.write(f"- {kind} → {email} ({key})")
            self.stdout.write("Rien n'a été envoyé ni enregistré.")
            return
        self.stdout.write(
            f"Rappels planifiés : {report.planned} ; envoyés : {report.sent} ; "
            f"à retenter : {report.retrying} ; en échec : {report.failed} ; "
            f"caducs : {report.obsolete}."
        )

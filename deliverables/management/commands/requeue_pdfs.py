from datetime import timedelta

from django.core.management.base import BaseCommand

from deliverables.services.rendering import stale_pdfs_requeue


class Command(BaseCommand):
    help = (
        "Renvoie aux workers les PDF restés en file d'attente (courtier indisponible) "
        "ou bloqués en cours de production (worker arrêté)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--minutes",
            type=int,
            default=10,
            help="Âge minimal d'un PDF en file d'attente pour être renvoyé (10 par défaut).",
        )

    def handle(self, *args, minutes, **options):
        sent = stale_pdfs_requeue(queued_for=timedelta(minutes=minutes))
        self.stdout.write(f"{sent} PDF renvoyé(s) aux workers.")

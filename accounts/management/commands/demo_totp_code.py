from django.core.management.base import BaseCommand

from accounts.demo import DEMO_TOTP_SECRET
from accounts.mfa import current_totp_code


class Command(BaseCommand):
    help = (
        "Affiche le code de double authentification actuel des comptes de démonstration "
        "(équipe ANCT, prestataire). Leur clé est publique : démonstration locale seulement."
    )

    def handle(self, *args, **options):
        self.stdout.write(current_totp_code(DEMO_TOTP_SECRET))

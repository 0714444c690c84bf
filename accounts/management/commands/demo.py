from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.demo import DEMO_TOTP_SECRET, demo_accounts_ensure
from accounts.mfa import totp_hint

PORTAL_URL = "http://127.0.0.1:8000/"


class Command(BaseCommand):
    help = (
        "Fait vivre la Fabrique « Villes moyennes et transition écologique » comme si elle "
        "était en cours, crée un compte de démonstration par rôle (idempotent) et les affiche. "
        "À lancer après import_geography et import_fabriques."
    )

    def add_arguments(self, parser):
        parser.add_argument("--password", required=True, help="Mot de passe des comptes.")

    @transaction.atomic
    def handle(self, *args, password, **options):
        try:
            accounts = demo_accounts_ensure(password=password)
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        role_width = max(len(account.role) for account in accounts)
        email_width = max(len(account.email) for account in accounts)
        self.stdout.write(self.style.SUCCESS("Comptes de démonstration :"))
        for account in accounts:
            line = (
                f"  {account.role:<{role_width}}  {account.email:<{email_width}}  "
                f"mot de passe : {password}"
            )
            self.stdout.write(f"{line}  + {account.note}" if account.note else line)
        if any(account.note for account in accounts):
            self.stdout.write(totp_hint(DEMO_TOTP_SECRET))
        self.stdout.write(f"Portail : {PORTAL_URL}")
        self.stdout.write(f"Back-office : {PORTAL_URL}admin/")

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.demo import demo_accounts_ensure


class Command(BaseCommand):
    help = "Crée ou met à jour les comptes de démonstration (idempotent) et les affiche."

    def add_arguments(self, parser):
        parser.add_argument("--password", required=True, help="Mot de passe des comptes.")

    @transaction.atomic
    def handle(self, *args, password, **options):
        accounts = demo_accounts_ensure(password=password)
        self.stdout.write(self.style.SUCCESS("Comptes de démonstration :"))
        for account in accounts:
            self.stdout.write(f"  {account.role:<28} {account.email:<32} mot de passe : {password}")
        self.stdout.write("Back-office : http://127.0.0.1:8000/admin/")

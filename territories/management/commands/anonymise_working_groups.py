from datetime import date

from django.core.management.base import BaseCommand
from django.utils import timezone

from territories.retention import retention_sweep


class Command(BaseCommand):
    help = (
        "Anonymise les membres des groupes de travail dont la durée de conservation est "
        "écoulée (années après le suivi à six mois de leur Fabrique)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Lister sans rien modifier.")
        parser.add_argument(
            "--date", type=date.fromisoformat, help="Jour de référence (AAAA-MM-JJ)."
        )
        parser.add_argument("--years", type=int, help="Durée de conservation en années.")

    def handle(self, *args, dry_run, date, years, **options):
        report = retention_sweep(today=date or timezone.localdate(), years=years, dry_run=dry_run)
        count = len(report.member_ids)
        verb = "seraient anonymisés" if dry_run else "anonymisés"
        self.stdout.write(
            f"{count} membre(s) de groupe de travail {verb} "
            f"(Fabriques suivies au plus tard le {report.cutoff:%d/%m/%Y})."
        )
        if dry_run and count:
            self.stdout.write("Identifiants : " + ", ".join(map(str, report.member_ids)))

import json
from pathlib import Path

from django.core.management.base import BaseCommand

from bench import measure


class Command(BaseCommand):
    help = "Mesure une partie du banc d'essai (pages, pdfs, sweep, plan de charge) en JSON."

    def add_arguments(self, parser):
        parser.add_argument("part", choices=["pages", "pdfs", "sweep", "load-plan"])
        parser.add_argument("--output", type=Path, required=True)
        parser.add_argument("--requests", type=int, default=60)
        parser.add_argument("--job", choices=list(measure.PDF_JOBS), default="roadmap_25")
        parser.add_argument("--untimed", action="store_true", help="query counts only")

    def handle(self, *args, part, output, requests, job, untimed, **options):
        if part == "pages":
            result = measure.measure_pages(requests=requests, timed=not untimed)
        elif part == "pdfs":
            result = measure.measure_pdf(job)
        elif part == "sweep":
            result = measure.measure_sweep()
        else:
            result = measure.load_plan()
        output.write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str))

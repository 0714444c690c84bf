from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from bench.dataset import build


class Command(BaseCommand):
    help = (
        "Construit le jeu de données synthétique du banc d'essai (issue 9) dans une base "
        "vide : --scale 1 pour 20 éditions x 10 Fabriques x 8 territoires, 0.1 pour un dixième."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--scale", type=float, default=1.0)
        parser.add_argument("--media-root", type=Path, default=None)

    def handle(self, *args, seed, scale, media_root, **options):
        if scale <= 0:
            raise CommandError("--scale must be positive")
        self.stdout.write(f"Bench data: seed {seed}, scale {scale}")
        try:
            report = build(
                seed=seed,
                scale=scale,
                media_root=media_root or settings.MEDIA_ROOT,
                log=self.stdout.write,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        for label, count in sorted(report.counts.items()):
            self.stdout.write(f"  {label:40} {count:>8}")
        for note in report.notes:
            self.stdout.write(f"  note: {note}")

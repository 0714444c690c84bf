"""Load the official geography extract into Region, Departement, Epci, Commune.

The extract lives in ``territories/data/geography/`` and is produced by
``scripts/refresh_geography.py`` (see its docstring and ``SOURCE.md``).
"""

import csv
import gzip
from collections.abc import Iterator
from pathlib import Path

from django.db import models, transaction

from .models import Commune, Departement, Epci, Region

DEFAULT_DIR = Path(__file__).resolve().parent / "data" / "geography"

# Loads 35,000 communes in under two seconds while keeping each statement
# modest; Django lowers it further if a backend allows fewer parameters.
BATCH_SIZE = 2000


def read_rows(*, path: Path) -> Iterator[dict[str, str]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def population(value: str) -> int | None:
    return int(value) if value else None


def upsert(*, model: type[models.Model], objects: list[models.Model], update_fields: list[str]):
    model.objects.bulk_create(
        objects,
        batch_size=BATCH_SIZE,
        update_conflicts=True,
        unique_fields=[model._meta.pk.name],
        update_fields=update_fields,
    )


def geography_import(*, source_dir: Path = DEFAULT_DIR) -> dict[str, int]:
    """Upsert the whole referential from the extract; return the rows per level.

    Rows that are no longer in the extract (merged communes, dissolved EPCI)
    are deliberately kept: a Territory, and through it the history of the
    Fabriques, may still point to them. Running the import twice leaves the
    tables unchanged.

    Communes whose département is neither in the extract nor in the database
    are skipped and counted under ``skipped_communes`` rather than failing the
    whole import.
    """
    regions = [
        Region(code=row["code"], name=row["name"])
        for row in read_rows(path=source_dir / "regions.csv")
    ]
    departements = [
        Departement(code=row["code"], name=row["name"], region_id=row["region"])
        for row in read_rows(path=source_dir / "departements.csv")
    ]
    epcis = [
        Epci(
            siren=row["siren"],
            name=row["name"],
            kind=row["kind"],
            population=population(row["population"]),
            departement_id=row["departement"],
        )
        for row in read_rows(path=source_dir / "epcis.csv")
    ]
    communes = [
        Commune(
            insee_code=row["insee_code"],
            name=row["name"],
            departement_id=row["departement"],
            population=population(row["population"]),
            epci_id=row["epci"] or None,
        )
        for row in read_rows(path=source_dir / "communes.csv.gz")
    ]
    with transaction.atomic():
        upsert(model=Region, objects=regions, update_fields=["name"])
        upsert(model=Departement, objects=departements, update_fields=["name", "region"])
        upsert(
            model=Epci,
            objects=epcis,
            update_fields=["name", "kind", "population", "departement"],
        )
        known_departements = set(Departement.objects.values_list("code", flat=True))
        loadable = [c for c in communes if c.departement_id in known_departements]
        upsert(
            model=Commune,
            objects=loadable,
            update_fields=["name", "departement", "population", "epci"],
        )
    return {
        "regions": len(regions),
        "departements": len(departements),
        "epcis": len(epcis),
        "communes": len(loadable),
        "skipped_communes": len(communes) - len(loadable),
    }

"""Load the real Fabriques of 2018-2022 (``fabriques/data/``) into the database.

Idempotent: a second run finds every row as it should be and writes nothing,
so it is safe in ``make run`` and after a data correction.
"""

from datetime import date
from pathlib import Path

import yaml
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from seminars.services import seminar_template_default
from territories.models import Commune, Epci, Participation, Territory

from .models import (
    CopilMeeting,
    CopilMember,
    Fabrique,
    Organisation,
    Partnership,
    PrestataireContract,
    Transition,
)

DEFAULT_SOURCE = Path(__file__).resolve().parent / "data" / "fabriques-2018-2022.yaml"


def upsert(model, *, lookup: dict, values: dict):
    """Create the row, or update only the fields that differ. Returns (row, changed)."""
    row = model.objects.filter(**lookup).first()
    if row is None:
        return model.objects.create(**lookup, **values), True
    changed = [field for field, value in values.items() if getattr(row, field) != value]
    if changed:
        for field in changed:
            setattr(row, field, values[field])
        row.save(update_fields=changed)
    return row, bool(changed)


@transaction.atomic
def fabriques_import(*, source: Path = DEFAULT_SOURCE) -> dict[str, int]:
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    organisations = {
        entry["key"]: upsert(
            Organisation,
            lookup={"name": entry["name"]},
            values={"acronym": entry.get("acronym", ""), "kind": entry["kind"]},
        )[0]
        for entry in data["organisations"]
    }
    transitions = {t.code: t for t in Transition.objects.all()}
    template = seminar_template_default()
    counts = {"fabriques": 0, "territories": 0, "participations": 0, "changed": 0}
    for entry in data["fabriques"]:
        fabrique, changed = _import_fabrique(entry, organisations, template)
        counts["changed"] += changed
        wanted = {transitions[code] for code in entry["transitions"]}
        if set(fabrique.transitions.all()) != wanted:
            fabrique.transitions.set(wanted)
            counts["changed"] += 1
        for partner in entry["partners"]:
            counts["changed"] += upsert(
                Partnership,
                lookup={
                    "fabrique": fabrique,
                    "organisation": organisations[partner["organisation"]],
                },
                values={"role": partner["role"]},
            )[1]
        if "prestataire" in entry:
            counts["changed"] += upsert(
                PrestataireContract,
                lookup={"fabrique": fabrique},
                values={"prestataire": organisations[entry["prestataire"]]},
            )[1]
        copil = entry.get("copil", {})
        for key in copil.get("members", []):
            # A seat is found by organisation alone: once ANCT names its
            # representative, a re-import must not add an empty seat beside it.
            counts["changed"] += upsert(
                CopilMember,
                lookup={"fabrique": fabrique, "organisation": organisations[key]},
                values={},
            )[1]
        for meeting in copil.get("meetings", []):
            counts["changed"] += upsert(
                CopilMeeting,
                lookup={
                    "fabrique": fabrique,
                    "kind": meeting["kind"],
                    "date": date.fromisoformat(meeting["date"]),
                },
                values={"agenda": "\n".join(f"- {item}" for item in meeting["agenda"])},
            )[1]
        for item in entry["territories"]:
            territory, changed = _import_territory(item)
            counts["changed"] += changed
            counts["changed"] += upsert(
                Participation,
                lookup={"fabrique": fabrique, "territory": territory},
                values={
                    "status": Participation.Status.CONFIRMED,
                    "confirmed_on": fabrique.start_date,
                },
            )[1]
            counts["participations"] += 1
        counts["fabriques"] += 1
    counts["territories"] = (
        Territory.objects.filter(participations__isnull=False).distinct().count()
    )
    return counts


def _import_fabrique(entry: dict, organisations: dict, template) -> tuple[Fabrique, bool]:
    start = date.fromisoformat(entry["start_date"]) if "start_date" in entry else None
    start = start or date(entry["edition"], 1, 1)
    draft = Fabrique(start_date=start)
    draft.fill_default_dates()
    programme = organisations[entry["anct_programme"]] if "anct_programme" in entry else None
    return upsert(
        Fabrique,
        lookup={"slug": entry["slug"]},
        values={
            "title": entry["title"],
            "short_title": entry.get("short_title", ""),
            "edition": entry["edition"],
            "objective": entry.get("objective", ""),
            "anct_programme": programme,
            # Every Fabrique of the file is over; the follow-up is not documented.
            "status": Fabrique.Status.FINISHED,
            "start_date": draft.start_date,
            "end_date": draft.end_date,
            "follow_up_due_date": draft.follow_up_due_date,
            "seminar_template": template,
            "is_public": True,
        },
    )


def _import_territory(item: dict) -> tuple[Territory, bool]:
    code = item["code"]
    if len(code) == 5:
        source = Commune.objects.filter(pk=code).first()
        lookup = {"commune": source}
    else:
        source = Epci.objects.filter(pk=code).first()
        lookup = {"epci": source}
    if source is None:
        raise ImproperlyConfigured(
            f"Code officiel {code} ({item['name']}) absent du référentiel : "
            "lancez d'abord « python manage.py import_geography »."
        )
    if source.departement_id != item["dept"]:
        raise ImproperlyConfigured(
            f"{item['name']} ({code}) est dans le département {source.departement_id}, "
            f"pas {item['dept']} : vérifiez le code."
        )
    draft = Territory(name=item["name"], **lookup)
    draft.fill_from_referential()
    return upsert(
        Territory,
        lookup=lookup,
        values={
            "name": draft.name,
            "kind": draft.kind,
            "departement_id": draft.departement_id,
            "population": draft.population,
        },
    )

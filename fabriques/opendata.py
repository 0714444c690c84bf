"""The public catalogue of Fabriques as open data (CSV, JSON) and its schema.

Both files come from ``catalogue_rows`` so they can never disagree, and they
only carry what the public pages show: no person, no contract, no working group.
"""

import csv
import io
import json

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from territories.models import Participation, Territory

from .models import Fabrique, Partnership, Transition

# Inside a CSV cell, a list is joined with this delimiter (declared in the schema).
LIST_DELIMITER = ";"
LICENCE = {
    "name": "etalab-2.0",
    "path": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
    "title": "Licence Ouverte / Open Licence version 2.0",
}


def _fields() -> list[dict]:
    """Table Schema fields, in the order of the CSV columns."""

    def field(name, type_, title, description, **extra):
        return {"name": name, "type": type_, "title": title, "description": description} | extra

    def text_list(name, title, description, **extra):
        return field(
            name,
            "list",
            title,
            description
            + " "
            + _("Liste : valeurs séparées par « %(delimiter)s » dans le CSV, tableau dans le JSON.")
            % {"delimiter": LIST_DELIMITER},
            delimiter=LIST_DELIMITER,
            itemType="string",
            **extra,
        )

    return [
        field(
            "slug",
            "string",
            _("Identifiant"),
            _("Identifiant stable de la Fabrique, utilisé dans l'adresse de sa page."),
            constraints={"required": True, "unique": True},
        ),
        field("titre", "string", _("Intitulé"), _("La question de la Fabrique.")),
        field(
            "titre_court", "string", _("Titre court"), _("Titre d'usage, vide s'il n'y en a pas.")
        ),
        field("edition", "integer", _("Édition"), _("Année de programmation de la Fabrique.")),
        text_list(
            "transitions",
            _("Transitions"),
            _("Codes des transitions abordées."),
            constraints={"enum": list(Transition.Code.values)},
        ),
        field(
            "programme_anct",
            "string",
            _("Programme de l'ANCT"),
            _("Programme de l'ANCT concerné, vide s'il n'y en a pas."),
        ),
        field(
            "statut",
            "string",
            _("Statut"),
            _("Code du statut de la Fabrique."),
            constraints={"enum": list(Fabrique.Status.values)},
        ),
        field("date_debut", "date", _("Date de début"), _("Premier jour de la Fabrique.")),
        field("date_fin", "date", _("Date de fin"), _("Dernier jour de la Fabrique.")),
        text_list("partenaires", _("Partenaires"), _("Noms des organisations partenaires.")),
        text_list(
            "roles_partenaires",
            _("Rôles des partenaires"),
            _("Code du rôle de chaque partenaire, dans l'ordre de la colonne « partenaires »."),
            constraints={"enum": list(Partnership.Role.values)},
        ),
        text_list(
            "territoires",
            _("Territoires"),
            _("Noms des territoires accompagnés (participations confirmées)."),
        ),
        text_list(
            "natures_territoires",
            _("Natures des territoires"),
            _(
                "Code de la nature de chaque territoire, "
                "dans l'ordre de la colonne « territoires »."
            ),
            constraints={"enum": list(Territory.Kind.values)},
        ),
        text_list(
            "codes_territoires",
            _("Codes officiels des territoires"),
            _(
                "Code INSEE d'une commune ou SIREN d'un EPCI, "
                "dans l'ordre de la colonne « territoires »."
            ),
        ),
        text_list(
            "departements_territoires",
            _("Départements des territoires"),
            _(
                "Code INSEE du département de chaque territoire, "
                "dans l'ordre de la colonne « territoires »."
            ),
        ),
    ]


def schema() -> dict:
    return {
        "name": "fabriques-prospectives",
        "title": _("Catalogue des Fabriques Prospectives de l'ANCT"),
        "description": _(
            "Une ligne par Fabrique publique : son intitulé, son édition, ses "
            "transitions, ses partenaires et les territoires qu'elle a accompagnés. "
            "Fichier CSV en UTF-8 séparé par des virgules, avec une ligne d'en-tête."
        ),
        "licenses": [LICENCE],
        "fields": _fields(),
        "primaryKey": "slug",
    }


def catalogue_rows() -> list[dict]:
    """One dict per public Fabrique, keyed by the schema's field names
    (lists stay lists). Four queries, whatever the number of Fabriques."""
    fabriques = (
        Fabrique.objects.public()
        .select_related("anct_programme")
        .prefetch_related(
            "transitions",
            Prefetch(
                "partnerships",
                queryset=Partnership.objects.select_related("organisation").order_by(
                    "organisation__name"
                ),
            ),
            Prefetch(
                "participations",
                queryset=Participation.objects.confirmed()
                .select_related("territory")
                .order_by("territory__name"),
                to_attr="confirmed_participations",
            ),
        )
        .order_by("edition", "title")
    )
    rows = []
    for fabrique in fabriques:
        partnerships = list(fabrique.partnerships.all())
        territories = [p.territory for p in fabrique.confirmed_participations]
        rows.append(
            {
                "slug": fabrique.slug,
                "titre": fabrique.title,
                "titre_court": fabrique.short_title,
                "edition": fabrique.edition,
                "transitions": sorted(t.code for t in fabrique.transitions.all()),
                "programme_anct": fabrique.anct_programme.name if fabrique.anct_programme else "",
                "statut": fabrique.status,
                "date_debut": fabrique.start_date.isoformat(),
                "date_fin": fabrique.end_date.isoformat(),
                "partenaires": [p.organisation.name for p in partnerships],
                "roles_partenaires": [p.role for p in partnerships],
                "territoires": [t.name for t in territories],
                "natures_territoires": [t.kind for t in territories],
                "codes_territoires": [t.official_code for t in territories],
                "departements_territoires": [t.departement_id for t in territories],
            }
        )
    return rows


def catalogue_csv() -> str:
    output = io.StringIO()
    writer = csv.DictWriter(output, fieldnames=[f["name"] for f in _fields()])
    writer.writeheader()
    for row in catalogue_rows():
        writer.writerow(
            {
                key: LIST_DELIMITER.join(value) if isinstance(value, list) else value
                for key, value in row.items()
            }
        )
    return output.getvalue()


def catalogue_json() -> str:
    return json.dumps(catalogue_rows(), ensure_ascii=False, indent=2)


def schema_json() -> str:
    return json.dumps(schema(), ensure_ascii=False, indent=2)

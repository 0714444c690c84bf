"""Refresh the compact extract of the official French geography.

The portal's reference geography (régions, départements, EPCI, communes) is a
small extract of the npm package ``@etalab/decoupage-administratif`` (MIT
licence, Etalab), committed under ``territories/data/geography/`` and loaded
with ``python manage.py import_geography``.

Run it each January, once Etalab has published the package for the new
official geography (INSEE's code officiel géographique of 1 January and the
year's EPCI perimeters)::

    cd "$(mktemp -d)"
    npm pack @etalab/decoupage-administratif@<version>
    tar xzf etalab-decoupage-administratif-<version>.tgz
    cd /path/to/portal
    python scripts/refresh_geography.py "$OLDPWD/package/data"
    python manage.py import_geography

then review the diff and commit the extract with the code.

The output is deterministic (sorted rows, gzip without timestamp, SOURCE.md
keeps its date when nothing else changed), so a re-run on the same package
leaves the files byte for byte identical.

The script only needs the standard library: it does not load Django.
"""

import argparse
import csv
import datetime
import gzip
import io
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

PACKAGE = "@etalab/decoupage-administratif"
DEFAULT_OUTPUT = Path(__file__).resolve().parents[1] / "territories" / "data" / "geography"

# Upstream EPCI types mapped onto ``Epci.Kind``. The Métropole de Lyon has its
# own type (``MET69``) because it is a collectivité à statut particulier; for
# the portal it is a métropole like the others.
EPCI_KINDS = {"CC": "CC", "CA": "CA", "CU": "CU", "METRO": "METRO", "MET69": "METRO"}

# Overseas collectivities (975 Saint-Pierre-et-Miquelon, 977 Saint-Barthélemy,
# 978 Saint-Martin, 984 TAAF, 986 Wallis-et-Futuna, 987 Polynésie française,
# 988 Nouvelle-Calédonie, 989 Clipperton) belong to no région. Upstream lists
# each of them in regions.json as a pseudo-région with its own code and name,
# so that every département has a région; if a release ever drops one, the
# same convention is applied here rather than inventing another code.
COLLECTIVITY_ZONE = "com"

SOURCE_TEMPLATE = """\
# Géographie officielle : source de l'extrait

- Paquet : `{package}` version {version}
  (<https://www.npmjs.com/package/@etalab/decoupage-administratif>,
  <https://github.com/etalab/decoupage-administratif>)
- Licence : MIT, Etalab (données issues du code officiel géographique de
  l'INSEE et de la base BANATIC)
- Date d'extraction : {date}
- Produit par `scripts/refresh_geography.py`, chargé par
  `python manage.py import_geography`.

## Contenu

| Fichier | Lignes | Colonnes |
| --- | ---: | --- |
| `regions.csv` | {regions} | code, name |
| `departements.csv` | {departements} | code, name, region |
| `epcis.csv` | {epcis} | siren, name, kind, population, departement |
| `communes.csv.gz` | {communes} | insee_code, name, departement, population, epci |

- Communes : seulement les communes actuelles (`type == "commune-actuelle"`),
  sans communes déléguées, associées ni arrondissements municipaux ; la
  population est la population municipale ; `epci` est le SIREN de l'EPCI dont
  la commune est membre (vide si elle n'en a pas, par exemple outre-mer).
- EPCI : `kind` vaut CC, CA, CU ou METRO (la Métropole de Lyon, `MET69` dans
  la source, est rangée en METRO) ; la population est la population totale ;
  `departement` est le département qui rassemble la plus grande part de la
  population (totale) des communes membres.
- Collectivités d'outre-mer (975, 977, 978, 984, 986, 987, 988, 989) : la
  source les décrit à la fois comme départements et comme « régions » de même
  code ; l'extrait garde cette convention.
"""


def read_json(*, data_dir: Path, name: str) -> list[dict]:
    return json.loads((data_dir / name).read_text(encoding="utf-8"))


def package_version(*, data_dir: Path) -> str:
    manifest = data_dir.parent / "package.json"
    if not manifest.exists():
        sys.exit(f"{manifest} introuvable : passez le dossier data/ du paquet npm décompressé.")
    package = json.loads(manifest.read_text(encoding="utf-8"))
    if package.get("name") != PACKAGE:
        sys.exit(f"{manifest} décrit {package.get('name')!r}, pas {PACKAGE}.")
    return package["version"]


def build_regions_and_departements(*, data_dir: Path) -> tuple[list[list], list[list]]:
    regions = {r["code"]: r["nom"] for r in read_json(data_dir=data_dir, name="regions.json")}
    departements = []
    for dep in read_json(data_dir=data_dir, name="departements.json"):
        region = dep.get("region") or dep["code"]
        if region not in regions:
            if dep.get("zone") != COLLECTIVITY_ZONE:
                sys.exit(f"Département {dep['code']} : région {region} absente de regions.json.")
            regions[region] = dep["nom"]
        departements.append([dep["code"], dep["nom"], region])
    return sorted([code, name] for code, name in regions.items()), sorted(departements)


def build_communes(*, data_dir: Path, departement_codes: set[str]) -> dict[str, dict]:
    communes = {}
    orphans = []
    for commune in read_json(data_dir=data_dir, name="communes.json"):
        if commune["type"] != "commune-actuelle":
            continue
        if commune.get("departement") not in departement_codes:
            orphans.append(commune["code"])
            continue
        communes[commune["code"]] = commune
    if orphans:
        print(
            f"{len(orphans)} commune(s) ignorée(s), département absent de departements.json : "
            + ", ".join(sorted(orphans)),
            file=sys.stderr,
        )
    return communes


def main_departement(*, members: list[dict], communes: dict[str, dict]) -> str | None:
    """Département holding the largest share of the members' population.

    An EPCI may straddle départements (about 90 do); the model keeps one, the
    one where most of its inhabitants live. Ties go to the lowest code so that
    the result does not depend on the order of the members.
    """
    population = defaultdict(int)
    for member in members:
        commune = communes.get(member["code"])
        if commune is not None:
            population[commune["departement"]] += member.get("populationTotale") or 0
    if not population:
        return None
    return min(population, key=lambda code: (-population[code], code))


def build_epcis_and_membership(
    *, data_dir: Path, communes: dict[str, dict]
) -> tuple[list[list], dict[str, str]]:
    epcis = []
    epci_of_commune = {}
    for epci in read_json(data_dir=data_dir, name="epci.json"):
        kind = EPCI_KINDS.get(epci["type"])
        if kind is None:
            sys.exit(f"EPCI {epci['code']} : type {epci['type']!r} inconnu, complétez EPCI_KINDS.")
        departement = main_departement(members=epci["membres"], communes=communes)
        if departement is None:
            print(f"EPCI {epci['code']} ignoré : aucune commune membre connue.", file=sys.stderr)
            continue
        epcis.append(
            [epci["code"], epci["nom"], kind, epci.get("populationTotale", ""), departement]
        )
        for member in epci["membres"]:
            previous = epci_of_commune.setdefault(member["code"], epci["code"])
            if previous != epci["code"]:
                sys.exit(f"La commune {member['code']} est membre de {previous} et {epci['code']}.")
    return sorted(epcis), epci_of_commune


def csv_bytes(*, header: list[str], rows: list[list]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(["" if value is None else value for value in row] for row in rows)
    return buffer.getvalue().encode("utf-8")


def gzip_bytes(data: bytes) -> bytes:
    buffer = io.BytesIO()
    # mtime=0 and no file name keep the archive identical from one run to the next.
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=9, mtime=0) as gz:
        gz.write(data)
    return buffer.getvalue()


def source_markdown(*, output: Path, version: str, counts: dict[str, int], changed: bool) -> str:
    """SOURCE.md, keeping the previous extraction date when nothing changed."""
    date = datetime.date.today().isoformat()
    previous_path = output / "SOURCE.md"
    if not changed and previous_path.exists():
        previous = previous_path.read_text(encoding="utf-8")
        match = re.search(r"^- Date d'extraction : (\S+)$", previous, flags=re.MULTILINE)
        if match and previous == SOURCE_TEMPLATE.format(
            package=PACKAGE, version=version, date=match.group(1), **counts
        ):
            date = match.group(1)
    return SOURCE_TEMPLATE.format(package=PACKAGE, version=version, date=date, **counts)


def refresh(*, data_dir: Path, output: Path) -> dict[str, int]:
    version = package_version(data_dir=data_dir)
    regions, departements = build_regions_and_departements(data_dir=data_dir)
    communes = build_communes(
        data_dir=data_dir, departement_codes={code for code, _, _ in departements}
    )
    epcis, epci_of_commune = build_epcis_and_membership(data_dir=data_dir, communes=communes)
    commune_rows = sorted(
        [code, c["nom"], c["departement"], c.get("population"), epci_of_commune.get(code)]
        for code, c in communes.items()
    )
    files = {
        "regions.csv": csv_bytes(header=["code", "name"], rows=regions),
        "departements.csv": csv_bytes(header=["code", "name", "region"], rows=departements),
        "epcis.csv": csv_bytes(
            header=["siren", "name", "kind", "population", "departement"], rows=epcis
        ),
        "communes.csv.gz": gzip_bytes(
            csv_bytes(
                header=["insee_code", "name", "departement", "population", "epci"],
                rows=commune_rows,
            )
        ),
    }
    counts = {
        "regions": len(regions),
        "departements": len(departements),
        "epcis": len(epcis),
        "communes": len(commune_rows),
    }
    output.mkdir(parents=True, exist_ok=True)
    changed = False
    for name, content in files.items():
        path = output / name
        if not path.exists() or path.read_bytes() != content:
            path.write_bytes(content)
            changed = True
    (output / "SOURCE.md").write_text(
        source_markdown(output=output, version=version, counts=counts, changed=changed),
        encoding="utf-8",
    )
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data_dir", type=Path, help="dossier package/data du paquet npm")
    parser.add_argument(
        "--output", type=Path, default=DEFAULT_OUTPUT, help=f"défaut : {DEFAULT_OUTPUT}"
    )
    args = parser.parse_args()
    counts = refresh(data_dir=args.data_dir, output=args.output)
    print(
        f"Extrait écrit dans {args.output} : {counts['regions']} régions, "
        f"{counts['departements']} départements, {counts['epcis']} EPCI, "
        f"{counts['communes']} communes."
    )


if __name__ == "__main__":
    main()

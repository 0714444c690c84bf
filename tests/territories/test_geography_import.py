import csv
import gzip
import importlib.util
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from territories.geography import DEFAULT_DIR, geography_import, read_rows
from territories.models import Commune, Departement, Epci, Region

REPO_ROOT = Path(__file__).resolve().parents[2]
OVERSEAS_DEPARTEMENTS = ["971", "972", "973", "974", "976"]


def extract(name: str) -> list[dict[str, str]]:
    return list(read_rows(path=DEFAULT_DIR / name))


def snapshot() -> dict[str, list[tuple]]:
    return {
        "regions": list(Region.objects.order_by("code").values_list()),
        "departements": list(Departement.objects.order_by("code").values_list()),
        "epcis": list(Epci.objects.order_by("siren").values_list()),
        "communes": list(Commune.objects.order_by("insee_code").values_list()),
    }


def write_extract(
    directory: Path, *, communes: list[list], epcis: list[list] | None = None
) -> Path:
    directory.mkdir(exist_ok=True)
    files = {
        "regions.csv": (["code", "name"], [["53", "Bretagne"]]),
        "departements.csv": (
            ["code", "name", "region"],
            [["29", "Finistère", "53"], ["56", "Morbihan", "53"]],
        ),
        "epcis.csv": (
            ["siren", "name", "kind", "population", "departement"],
            epcis
            or [
                ["200042174", "CA Lorient Agglomération", "CA", "213310", "56"],
                ["200043123", "CC Blavet Bellevue Océan", "CC", "", "56"],
            ],
        ),
    }
    for name, (header, rows) in files.items():
        with open(directory / name, "w", encoding="utf-8", newline="") as handle:
            csv.writer(handle, lineterminator="\n").writerows([header, *rows])
    with gzip.open(directory / "communes.csv.gz", "wt", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(
            [["insee_code", "name", "departement", "population", "epci"], *communes]
        )
    return directory


# --- The committed extract ----------------------------------------------------


def test_extract_stays_compact():
    size = sum(path.stat().st_size for path in DEFAULT_DIR.iterdir())
    assert size < 1_500_000
    source = (DEFAULT_DIR / "SOURCE.md").read_text(encoding="utf-8")
    assert "@etalab/decoupage-administratif" in source
    assert "MIT" in source


@pytest.mark.django_db
def test_import_loads_every_departement_including_overseas():
    counts = geography_import()

    expected = extract("departements.csv")
    assert counts["departements"] == len(expected) == Departement.objects.count()
    assert counts["regions"] == len(extract("regions.csv")) == Region.objects.count()
    assert set(Departement.objects.values_list("code", flat=True)) == {
        row["code"] for row in expected
    }
    for code in [*OVERSEAS_DEPARTEMENTS, "2A", "2B", "75"]:
        assert Departement.objects.filter(code=code).exists(), code
    assert Departement.objects.get(code="974").region.name == "La Réunion"
    assert Departement.objects.get(code="976").region.name == "Mayotte"
    # Collectivities have no région upstream; each is its own pseudo-région.
    assert Departement.objects.get(code="988").region_id == "988"
    assert Departement.objects.get(code="29").region.name == "Bretagne"
    assert not Departement.objects.exclude(region__in=Region.objects.values("code")).exists()


@pytest.mark.django_db
def test_import_loads_every_epci():
    counts = geography_import()

    assert counts["epcis"] == len(extract("epcis.csv")) == Epci.objects.count() == 1255
    sirens = Epci.objects.values_list("siren", flat=True)
    assert all(len(siren) == 9 and siren.isdigit() for siren in sirens)
    assert set(Epci.objects.values_list("kind", flat=True)) == set(Epci.Kind.values)
    assert not Epci.objects.filter(population__isnull=True).exists()

    brest = Epci.objects.get(siren="242900314")
    assert (brest.name, brest.kind, brest.departement_id) == ("Brest Métropole", "METRO", "29")
    lyon = Epci.objects.get(name="Métropole de Lyon")
    assert (lyon.kind, lyon.departement_id) == ("METRO", "69")
    # The Métropole du Grand Paris spans six départements; most people live in Paris.
    grand_paris = Epci.objects.get(name="Métropole du Grand Paris")
    assert grand_paris.departement_id == "75"
    assert set(grand_paris.communes.values_list("departement", flat=True)) == {
        "75",
        "91",
        "92",
        "93",
        "94",
        "95",
    }


@pytest.mark.django_db
def test_import_loads_every_current_commune():
    counts = geography_import()

    expected = extract("communes.csv.gz")
    assert counts["communes"] == len(expected) == Commune.objects.count()
    assert 34_000 < counts["communes"] < 36_000
    assert counts["skipped_communes"] == 0
    assert all(len(code) == 5 for code in Commune.objects.values_list("insee_code", flat=True))

    lorient = Commune.objects.select_related("epci").get(insee_code="56121")
    assert lorient.name == "Lorient"
    assert lorient.departement_id == "56"
    assert lorient.epci.name == "CA Lorient Agglomération"
    assert lorient.population > 50_000
    assert Commune.objects.get(insee_code="2A004").name == "Ajaccio"
    for code in OVERSEAS_DEPARTEMENTS:
        assert Commune.objects.filter(departement_id=code).exists(), code
    assert Commune.objects.get(insee_code="97411").name == "Saint-Denis"
    # Paris, Lyon, Marseille are loaded once, without their arrondissements.
    assert not Commune.objects.filter(insee_code__in=["75101", "69381", "13201"]).exists()
    # Every commune of mainland France belongs to an EPCI, barring a few islands.
    assert (
        Commune.objects.filter(epci__isnull=True)
        .exclude(departement__code__startswith="98")
        .exclude(departement__code__in=["975", "977", "978"])
        .count()
        < 10
    )


@pytest.mark.django_db
def test_import_twice_changes_nothing():
    first_counts = geography_import()
    before = snapshot()

    second_counts = geography_import()

    assert second_counts == first_counts
    assert snapshot() == before


# --- Updates from a new extract (small extracts written by the tests) ---------


@pytest.mark.django_db
def test_commune_moving_to_another_epci_is_updated(tmp_path):
    geography_import(
        source_dir=write_extract(
            tmp_path / "2025",
            communes=[
                ["56121", "Lorient", "56", "57000", "200042174"],
                ["56186", "Quéven", "56", "8800", "200042174"],
            ],
        )
    )
    assert Commune.objects.get(insee_code="56186").epci_id == "200042174"

    counts = geography_import(
        source_dir=write_extract(
            tmp_path / "2026",
            communes=[
                ["56121", "Lorient", "56", "58329", "200042174"],
                ["56186", "Quéven", "56", "8900", "200043123"],
            ],
        )
    )

    queven = Commune.objects.get(insee_code="56186")
    assert (queven.epci_id, queven.population) == ("200043123", 8900)
    assert Commune.objects.get(insee_code="56121").population == 58329
    assert counts["communes"] == 2
    assert Commune.objects.count() == 2


@pytest.mark.django_db
def test_rows_missing_from_a_new_extract_are_kept(tmp_path):
    geography_import(
        source_dir=write_extract(
            tmp_path / "2025",
            communes=[
                ["56121", "Lorient", "56", "57000", "200042174"],
                ["29019", "Brest", "29", "139000", ""],
            ],
        )
    )

    geography_import(
        source_dir=write_extract(
            tmp_path / "2026",
            communes=[["56121", "Lorient", "56", "58329", "200042174"]],
            epcis=[["200042174", "CA Lorient Agglomération", "CA", "213310", "56"]],
        )
    )

    assert Commune.objects.filter(insee_code="29019").exists()
    assert Epci.objects.filter(siren="200043123").exists()


@pytest.mark.django_db
def test_commune_of_an_unknown_departement_is_skipped(tmp_path):
    counts = geography_import(
        source_dir=write_extract(
            tmp_path,
            communes=[
                ["56121", "Lorient", "56", "58329", "200042174"],
                ["99999", "Nulle part", "999", "", ""],
            ],
        )
    )

    assert counts["communes"] == 1
    assert counts["skipped_communes"] == 1
    assert list(Commune.objects.values_list("insee_code", flat=True)) == ["56121"]


@pytest.mark.django_db
def test_command_prints_counts_in_french(tmp_path):
    out = StringIO()
    source = write_extract(tmp_path, communes=[["56121", "Lorient", "56", "58329", "200042174"]])

    call_command("import_geography", "--source", str(source), stdout=out)

    assert out.getvalue().strip() == (
        "Géographie importée : 1 régions, 2 départements, 2 EPCI, 1 communes."
    )
    assert Commune.objects.get().epci.name == "CA Lorient Agglomération"


# --- The refresh script, on a tiny fake npm package ---------------------------


def load_refresh_script():
    spec = importlib.util.spec_from_file_location(
        "refresh_geography", REPO_ROOT / "scripts" / "refresh_geography.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_package(directory: Path) -> Path:
    data = directory / "package" / "data"
    data.mkdir(parents=True)
    (directory / "package" / "package.json").write_text(
        json.dumps({"name": "@etalab/decoupage-administratif", "version": "9.9.9"})
    )
    documents = {
        "regions.json": [{"code": "84", "nom": "Auvergne-Rhône-Alpes"}],
        "departements.json": [
            {"code": "01", "nom": "Ain", "region": "84", "zone": "metro"},
            {"code": "69", "nom": "Rhône", "region": "84", "zone": "metro"},
            {"code": "975", "nom": "Saint-Pierre-et-Miquelon", "zone": "com"},
        ],
        "communes.json": [
            {
                "code": "69123",
                "nom": "Lyon",
                "departement": "69",
                "type": "commune-actuelle",
                "population": 520000,
            },
            {
                "code": "69381",
                "nom": "Lyon 1er Arrondissement",
                "departement": "69",
                "type": "arrondissement-municipal",
                "population": 30000,
            },
            {
                "code": "01001",
                "nom": "L'Abergement-Clémenciat",
                "departement": "01",
                "type": "commune-actuelle",
                "population": 860,
            },
            {
                "code": "01002",
                "nom": "L'Abergement-de-Varey",
                "departement": "01",
                "type": "commune-actuelle",
                "population": 270,
            },
            {
                "code": "69264",
                "nom": "Villefranche-sur-Saône",
                "departement": "69",
                "type": "commune-actuelle",
                "population": 1800,
            },
            {
                "code": "97502",
                "nom": "Saint-Pierre",
                "departement": "975",
                "type": "commune-actuelle",
                "population": 5194,
            },
            {
                "code": "99901",
                "nom": "Hors référentiel",
                "departement": "999",
                "type": "commune-actuelle",
            },
        ],
        "epci.json": [
            {
                "code": "200046977",
                "nom": "Métropole de Lyon",
                "type": "MET69",
                "populationTotale": 1400000,
                "membres": [{"code": "69123", "populationTotale": 520000}],
            },
            {
                "code": "200000001",
                "nom": "CC de part et d'autre",
                "type": "CC",
                "populationTotale": 3000,
                "membres": [
                    {"code": "01001", "populationTotale": 900},
                    {"code": "01002", "populationTotale": 300},
                    {"code": "69264", "populationTotale": 1800},
                ],
            },
        ],
    }
    for name, document in documents.items():
        (data / name).write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return data


def test_refresh_script_writes_a_deterministic_consistent_extract(tmp_path):
    refresh = load_refresh_script().refresh
    data = write_package(tmp_path)
    output = tmp_path / "extract"

    counts = refresh(data_dir=data, output=output)
    first = {path.name: path.read_bytes() for path in output.iterdir()}
    refresh(data_dir=data, output=output)

    assert counts == {"regions": 2, "departements": 3, "epcis": 2, "communes": 5}
    assert {path.name: path.read_bytes() for path in output.iterdir()} == first
    assert list(read_rows(path=output / "regions.csv")) == [
        {"code": "84", "name": "Auvergne-Rhône-Alpes"},
        {"code": "975", "name": "Saint-Pierre-et-Miquelon"},
    ]
    epcis = {row["siren"]: row for row in read_rows(path=output / "epcis.csv")}
    assert epcis["200046977"]["kind"] == "METRO"
    # 1,800 inhabitants in the Rhône against 1,200 in the Ain.
    assert epcis["200000001"]["departement"] == "69"
    communes = list(read_rows(path=output / "communes.csv.gz"))
    assert [row["insee_code"] for row in communes] == ["01001", "01002", "69123", "69264", "97502"]
    assert communes[0]["epci"] == "200000001"
    assert communes[2]["epci"] == "200046977"
    assert communes[4] == {
        "insee_code": "97502",
        "name": "Saint-Pierre",
        "departement": "975",
        "population": "5194",
        "epci": "",
    }
    assert "version 9.9.9" in (output / "SOURCE.md").read_text(encoding="utf-8")


@pytest.mark.django_db
def test_refresh_script_output_imports(tmp_path):
    output = tmp_path / "extract"
    load_refresh_script().refresh(data_dir=write_package(tmp_path), output=output)

    counts = geography_import(source_dir=output)

    assert counts["communes"] == 5
    assert Departement.objects.get(code="975").region_id == "975"
    assert Commune.objects.get(insee_code="69264").epci_id == "200000001"
    assert Commune.objects.get(insee_code="69123").epci.kind == "METRO"

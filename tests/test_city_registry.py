"""A city added with ``city add`` works everywhere: import, export, queries, analysis, API, web, validate, demo."""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from bildungsnetz.api.auth import hash_token, new_token
from bildungsnetz.cli import app
from bildungsnetz.iris import Iris
from bildungsnetz.settings import Settings

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "docs" / "beispiel-import"
SHARED = REPO.parent / "shared"
GEBIETE = SHARED / "data" / "gebiete"
IRIS = Iris()
REDAKTION = new_token()

# The example workbook is Dortmund's; the same rows moved to Köln's districts.
KOELN_NAMES = {
    "stadtbezirk": {"Hörde": "Ehrenfeld", "Innenstadt-Nord": "Nippes", "Innenstadt-West": "Innenstadt"},
    "stadtteil": {
        "Hörde": "Ehrenfeld",
        "Wellinghofen": "Neuehrenfeld",
        "Benninghofen": "Bickendorf",
        "Borsigplatz": "Riehl",
        "Nordmarkt": "Mauenheim",
        "City": "Altstadt/Nord",
    },
    "gebiet": {
        "Stadtteil Hörde": "Stadtteil Ehrenfeld",
        "Stadtbezirk Hörde": "Stadtbezirk Ehrenfeld",
        "Borsigplatz": "Riehl",
        "Nordmarkt": "Mauenheim",
        "Syburg": "Ossendorf",
    },
}

runner = CliRunner()


def _koeln_example(folder: Path) -> Path:
    """docs/beispiel-import with Köln's districts (coordinates dropped: they lie in Dortmund)."""
    folder.mkdir(parents=True)
    for path in sorted(EXAMPLE.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh, delimiter=";"))
            columns = list(rows[0]) if rows else []
        for row in rows:
            for column, names in KOELN_NAMES.items():
                if row.get(column):
                    row[column] = "; ".join(names.get(v.strip(), v.strip()) for v in row[column].split(";"))
            for column in ("lat", "lon"):
                if column in row:
                    row[column] = ""
            if row.get("ort") == "Dortmund":
                row["ort"] = "Köln"
        with (folder / path.name).open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, columns, delimiter=";")
            writer.writeheader()
            writer.writerows(rows)
    return folder


def cli(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(app, list(args), env={"BILDUNGSNETZ_CITY": None, **(env or {})})


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """Köln and Duisburg added with ``city add`` into BILDUNGSNETZ_CITIES_DIR, Köln's example data imported."""
    if not GEBIETE.is_dir():
        pytest.skip(f"{GEBIETE} fehlt / is missing: the district lists of Köln and Duisburg come from ../shared")
    base = tmp_path_factory.mktemp("registry")
    store, cities = base / "store", base / "cities"
    env = {"BILDUNGSNETZ_CITIES_DIR": str(cities)}
    koeln = cli("city", "add", "Köln", "--gebiete", str(GEBIETE / "koeln_gebiete.csv"),
                "--polygons", str(GEBIETE / "koeln_stadtbezirke.geojson"),
                "--polygons", str(GEBIETE / "koeln_stadtteile.geojson"),
                "--ags", "05315000", "--store", str(store), env=env)  # fmt: skip
    assert koeln.exit_code == 0, koeln.output
    duisburg = cli("city", "add", "Duisburg", "--gebiete", str(GEBIETE / "duisburg_gebiete.csv"),
                   "--polygons", str(GEBIETE / "duisburg_stadtbezirke.geojson"),
                   "--polygons", str(GEBIETE / "duisburg_ortsteile.geojson"),
                   "--store", str(store), env=env)  # fmt: skip
    assert duisburg.exit_code == 0, duisburg.output
    data = _koeln_example(base / "koeln-import")
    tables = [str(p) for p in sorted(data.glob("*.csv"))]
    imported = cli("import", *tables, "--city", "koeln", "--source", "koeln", "--store", str(store), env=env)
    assert imported.exit_code == 0, imported.output
    return {"store": store, "cities": cities, "env": env, "data": data, "base": base}


def run(world, *args: str, env: dict[str, str] | None = None):
    return cli(*args, "--store", str(world["store"]), env={**world["env"], **(env or {})})


# -- CLI -----------------------------------------------------------------------------------------------------


def test_added_cities_are_listed_and_written_into_the_cities_dir(world):
    listed = run(world, "city", "list")
    assert listed.exit_code == 0, listed.output
    assert "koeln" in listed.output and "duisburg" in listed.output
    assert (world["cities"] / "koeln" / "profil.toml").is_file()
    assert not (world["store"] / "staedte").exists()  # BILDUNGSNETZ_CITIES_DIR wins over staedte/ beside the store


@pytest.mark.parametrize("table", sorted(p.name for p in EXAMPLE.glob("*.csv")))
def test_each_table_of_the_example_imports_with_city_koeln(world, table):
    # Each table on its own (a dry run: the store holds the actors the other tables point at).
    result = run(world, "import", str(world["data"] / table), "--city", "koeln", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "kein Stadtprofil" not in result.output


def test_the_whole_example_imported_for_koeln_holds_koeln_districts(world):
    graphs = run(world, "graphs")
    assert graphs.exit_code == 0, graphs.output
    assert "stadt/koeln" in graphs.output


@pytest.mark.parametrize("city", [["--city", "koeln"], []], ids=["--city koeln", "the store's only city"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_writes_koeln_district_names(world, tmp_path, fmt, city):
    target = tmp_path / ("out" if fmt == "csv" else "out.xlsx")
    result = run(world, "export", "--format", fmt, "--out", str(target), *city)
    assert result.exit_code == 0, result.output
    if fmt == "csv":
        with (target / "akteure.csv").open(encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh, delimiter=";"))
        bezirke = {r["stadtbezirk"] for r in rows}
    else:
        import openpyxl

        sheet = openpyxl.load_workbook(target, read_only=True)["akteure"]
        values = list(sheet.iter_rows(values_only=True))
        header = list(values[0])
        bezirke = {row[header.index("stadtbezirk")] for row in values[1:]}
    assert {"Ehrenfeld", "Nippes", "Innenstadt"} <= bezirke


@pytest.mark.parametrize("value", ["Ehrenfeld", "ehrenfeld", "4"])
@pytest.mark.parametrize("city", [["--city", "koeln"], []], ids=["--city koeln", "the store's only city"])
def test_query_by_district_name_or_code_finds_koeln_actors(world, value, city):
    result = run(world, "query", "actors", "-p", f"stadtbezirk={value}", "--format", "json", *city)
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    names = {r["label"] if "label" in r else json.dumps(r) for r in rows}
    assert len(rows) >= 2, names
    assert any("Phoenixsee" in json.dumps(r, ensure_ascii=False) for r in rows)


def test_query_with_a_misspelt_district_is_an_error_with_a_suggestion_not_zero_rows(world):
    result = run(world, "query", "actors", "-p", "stadtbezirk=Ehrenfelt", "--city", "koeln")
    assert result.exit_code == 2
    assert "meinten Sie" in result.output and "Ehrenfeld" in result.output


def test_query_with_an_unknown_city_is_an_error_with_a_suggestion(world):
    result = run(world, "query", "actors", "-p", "stadtbezirk=Ehrenfeld", "--city", "Koln")
    assert result.exit_code == 2
    assert "koeln" in result.output


def test_analyse_and_report_take_a_koeln_stadtbezirk(world, tmp_path):
    analysed = run(world, "analyse", "--stadtbezirk", "Ehrenfeld", "--format", "json")
    assert analysed.exit_code == 0, analysed.output
    report = run(world, "report", "gaps", "--stadtbezirk", "Ehrenfeld", "--out", str(tmp_path / "r.html"))
    assert report.exit_code == 0, report.output
    assert (tmp_path / "r.html").is_file()


@pytest.mark.parametrize("command", [["analyse", "--format", "json"], ["report", "gaps", "--out", "r.html"]])
def test_analyse_and_report_refuse_a_misspelt_stadtbezirk_with_a_suggestion(world, tmp_path, command):
    args = [a if a != "r.html" else str(tmp_path / "r.html") for a in command]
    result = run(world, *args, "--stadtbezirk", "Ehrenfelt")
    assert result.exit_code == 2
    assert "meinten Sie" in result.output and "Ehrenfeld" in result.output
    assert not (tmp_path / "r.html").exists()


def test_validate_checks_koeln_data_against_the_added_profile(world, tmp_path):
    trig = tmp_path / "koeln.ttl"
    exported = run(world, "export", "--format", "ttl", "--graph", "quelle/koeln", "--out", str(trig))
    assert exported.exit_code == 0, exported.output
    for city in ([], ["--city", "koeln"]):
        result = run(world, "validate", str(trig), *city)
        assert result.exit_code == 0, result.output
    # Against Dortmund alone, Köln's districts are unknown areas.
    assert run(world, "validate", str(trig), "--city", "dortmund").exit_code == 1
    misspelt = run(world, "validate", str(trig), "--city", "Kölln")
    assert misspelt.exit_code == 2 and "koeln" in misspelt.output


# -- demo ----------------------------------------------------------------------------------------------------


def test_demo_of_another_city_does_not_silently_serve_the_demo_the_store_holds(tmp_path):
    store = str(tmp_path / "s")
    assert cli("demo", "--actors", "100", "--store", store, "--no-serve").exit_code == 0
    misspelt = cli("demo", "--city", "Dortmnd", "--store", store, "--no-serve")
    assert misspelt.exit_code == 2 and "dortmund" in misspelt.output
    other = cli("demo", "--city", "duesseldorf", "--store", store, "--no-serve")
    assert other.exit_code == 2
    assert "dortmund" in other.output and "--rebuild" in other.output
    same = cli("demo", "--city", "dortmund", "--store", store, "--no-serve")
    assert same.exit_code == 0, same.output


# -- the server ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site(world, tmp_path_factory):
    """The Köln store served over HTTP; cities from BILDUNGSNETZ_CITIES_DIR (read from the environment)."""
    from test_api import LiveServer

    # A copy: the CLI tests above keep using the original store.
    store = tmp_path_factory.mktemp("served") / "store"
    shutil.copytree(world["store"], store)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("BILDUNGSNETZ_CITIES_DIR", str(world["cities"]))
        mp.delenv("BILDUNGSNETZ_CITY", raising=False)
        settings = Settings(store=store, api_tokens=[hash_token(REDAKTION, roles=["redaktion"])])
    assert settings.cities_dir == world["cities"]
    with LiveServer(settings) as server:
        yield server


def test_api_actors_by_koeln_district_name(site):
    answer = httpx.get(f"{site.url}/api/actors", params={"stadtbezirk": "Innenstadt"}, timeout=60)
    assert answer.status_code == 200, answer.text
    assert answer.json()["items"]
    for value in ("Ehrenfeld", "4"):
        answer = httpx.get(f"{site.url}/api/actors", params={"stadtbezirk": value}, timeout=60)
        assert any("Phoenixsee" in item["label"] for item in answer.json()["items"]), answer.text


def test_api_refuses_a_misspelt_district_with_a_suggestion(site):
    answer = httpx.get(f"{site.url}/api/actors", params={"stadtbezirk": "Ehrenfelt"}, timeout=60)
    assert 400 <= answer.status_code < 500
    assert "Ehrenfeld" in answer.json()["error"]


@pytest.mark.parametrize(
    "path", ["/api/analysis/isolates", "/api/analysis/brokers", "/api/analysis/transitions", "/api/reports/gaps"]
)
def test_api_analysis_takes_a_koeln_stadtbezirk(site, path):
    answer = httpx.get(f"{site.url}{path}", params={"stadtbezirk": "Ehrenfeld"}, timeout=120)
    assert answer.status_code == 200, answer.text
    wrong = httpx.get(f"{site.url}{path}", params={"stadtbezirk": "Ehrenfelt"}, timeout=60)
    assert 400 <= wrong.status_code < 500 and "Ehrenfeld" in wrong.json()["error"]


def test_api_district_network_by_koeln_name(site):
    answer = httpx.get(f"{site.url}/api/districts/Ehrenfeld/network", timeout=120)
    assert answer.status_code == 200, answer.text
    assert answer.json()["nodes"]


def test_api_district_by_koeln_name_and_a_misspelt_one(site):
    answer = httpx.get(f"{site.url}/api/districts/Ehrenfeld", timeout=60)
    assert answer.status_code == 200, answer.text
    assert answer.json()["code"] == "4" and answer.json()["label"] == "Ehrenfeld"
    wrong = httpx.get(f"{site.url}/api/districts/Ehrenfelt", timeout=60)
    assert wrong.status_code == 404 and "meinten Sie 'Ehrenfeld'" in wrong.json()["error"]


def test_web_gap_report_takes_a_district_name(site):
    answer = httpx.get(f"{site.url}/berichte/luecken.html", params={"stadtbezirk": "Ehrenfeld"}, timeout=120)
    assert answer.status_code == 200 and "Ehrenfeld" in answer.text
    wrong = httpx.get(f"{site.url}/berichte/luecken.html", params={"stadtbezirk": "Ehrenfelt"}, timeout=60)
    assert wrong.status_code == 404 and "Ehrenfeld" in wrong.text


def test_api_import_of_an_added_city_the_store_does_not_hold(site, world, tmp_path):
    # Duisburg is only in BILDUNGSNETZ_CITIES_DIR: the server finds it there.
    table = tmp_path / "akteure.csv"
    table.write_text(
        "id;name;typ;stadtbezirk;stadtteil\nDU-1;Kita am Rhein;kita;Homberg/Ruhrort/Baerl;Ruhrort\n", encoding="utf-8"
    )
    auth = {"Authorization": f"Bearer {REDAKTION}"}
    for city, status in (("duisburg", 200), ("koeln", 422), ("Duisbrg", 400)):
        with table.open("rb") as fh:
            answer = httpx.post(f"{site.url}/api/imports", headers=auth, timeout=120,
                                files={"files": ("akteure.csv", fh, "text/csv")},
                                data={"city": city, "dry_run": "true"})  # fmt: skip
        assert answer.status_code == status, (city, answer.text)
    assert "duisburg" in answer.text  # the suggestion for "Duisbrg"
    with (world["data"] / "akteure.csv").open("rb") as fh:
        answer = httpx.post(f"{site.url}/api/imports", headers=auth, timeout=120,
                            files={"files": ("akteure.csv", fh, "text/csv")}, data={"dry_run": "true"})  # fmt: skip
    assert answer.status_code == 200, answer.text


def test_web_import_checks_koeln_data_against_koeln(site, world):
    with httpx.Client(base_url=site.url, timeout=120) as web:
        csrf = re.search(r'name="csrf" value="([^"]+)"', web.get("/anmelden").text)[1]
        assert web.post("/anmelden", data={"token": REDAKTION, "csrf": csrf}).status_code in (200, 303)
        page = web.get("/import")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)[1]
        with (world["data"] / "akteure.csv").open("rb") as fh:
            checked = web.post("/import/pruefen", data={"csrf": csrf, "source": "web"},
                               files={"files": ("akteure.csv", fh, "text/csv")})  # fmt: skip
    assert checked.status_code == 200, checked.text
    assert "kein Stadtprofil" not in checked.text
    assert 'action="/import/ausfuehren"' in checked.text  # offered for import: the check passed

"""Many cities in one store: ``--city``/``--stadt`` on every command, the default rules, analyses and reports per
city with the city's label, the web's city chooser, REST's ``city`` parameter, and ``city add`` without ``--ags``."""

from __future__ import annotations

import csv
import io
import json
import re
import tomllib
from pathlib import Path

import httpx
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from bildungsnetz.analysis.graphs import load
from bildungsnetz.cities import CityProfileError, CityRegistry, load_profile
from bildungsnetz.cli import app
from bildungsnetz.ingest.pipeline import import_files
from bildungsnetz.sdg.coverage import coverage
from bildungsnetz.settings import Settings, get_settings
from conftest import IRIS, TOKENS, LiveServer, needs_shared, virtuoso_settings

runner = CliRunner()
SHARED = Path(__file__).resolve().parents[1].parent / "shared"

# Three actors and one cooperation in Düsseldorf (shipped profile), beside the demo city Dortmund.
AKTEURE = """id;name;typ;strasse;plz;ort;stadtbezirk;stadtteil
DUS-1;Grundschule am Rhein;schule;Rheinufer 1;40213;Düsseldorf;1;Altstadt
DUS-2;Kita Sonnenschein;kita;Sonnenweg 2;40213;Düsseldorf;1;Altstadt
DUS-3;Stadtbibliothek Bilk;bibliothek;Bilker Allee 3;40217;Düsseldorf;3;Bilk
"""
KOOPERATIONEN = """id;akteur_a;akteur_b;art;handlungsfeld;programm;beginn;ende;beschreibung
DUS-K-1;DUS-1;DUS-2;kooperationsvereinbarung;uebergangsmanagement;;2022-08-01;;Übergang Kita–Grundschule
"""
DUS_ACTORS = {str(IRIS.akteur(f"DUS-{n}")) for n in (1, 2, 3)}
BOTH = "dortmund (Dortmund), duesseldorf (Düsseldorf)"


def _dus_tables(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "akteure.csv").write_text(AKTEURE, encoding="utf-8")
    (folder / "kooperationen.csv").write_text(KOOPERATIONEN, encoding="utf-8")
    return [folder / "akteure.csv", folder / "kooperationen.csv"]


def cli(*args: str, env: dict[str, str | None] | None = None):
    get_settings.cache_clear()  # the command reads the environment given here
    try:
        return runner.invoke(app, list(args), env={"BILDUNGSNETZ_CITY": None, **(env or {})})
    finally:
        get_settings.cache_clear()


@pytest.fixture(scope="module")
def two_cities(tmp_path_factory) -> Path:
    """An embedded store with the demo city Dortmund (100 actors) and three actors imported for Düsseldorf."""
    base = tmp_path_factory.mktemp("two-cities")
    store = base / "store"
    demo = cli("demo", "--actors", "100", "--no-serve", "--store", str(store))
    assert demo.exit_code == 0, demo.output
    tables = [str(p) for p in _dus_tables(base / "dus")]
    imported = cli("import", *tables, "--stadt", "duesseldorf", "--source", "dus", "--store", str(store))
    assert imported.exit_code == 0, imported.output
    return store


def run(store: Path, *args: str, env: dict[str, str | None] | None = None):
    return cli(*args, "--store", str(store), env=env)


def _analysis(store: Path, *city: str, env: dict[str, str | None] | None = None) -> dict:
    result = run(store, "analyse", "--format", "json", *city, env=env)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# -- Which city a command works on ---------------------------------------------------------------------------


def test_a_store_with_two_cities_and_none_configured_asks_for_one_and_lists_both(two_cities):
    result = run(two_cities, "analyse")
    assert result.exit_code == 2
    assert BOTH in result.output and "--city" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("option", ["--city", "--stadt"])
def test_city_option_selects_the_city_the_analysis_sees(two_cities, option):
    dus = _analysis(two_cities, option, "Düsseldorf")
    assert dus["city"]["nodes"] == 3
    assert {d["name"] for d in dus["districts"]} == {f"Stadtbezirk {n}" for n in range(1, 11)}
    dortmund = _analysis(two_cities, option, "dortmund")
    assert dortmund["city"]["nodes"] == 100
    assert "Hörde" in {d["name"] for d in dortmund["districts"]}


def test_the_configured_city_answers_when_several_are_held(two_cities):
    assert _analysis(two_cities, env={"BILDUNGSNETZ_CITY": "duesseldorf"})["city"]["nodes"] == 3


def test_a_store_with_one_city_needs_no_city_and_names_it(tmp_path):
    store = tmp_path / "store"
    assert cli("demo", "--city", "duesseldorf", "--actors", "100", "--no-serve", "--store", str(store)).exit_code == 0
    assert _analysis(store)["city"]["nodes"] == 100
    table = run(store, "analyse")
    assert table.exit_code == 0, table.output
    assert "Düsseldorf" in table.output


def test_the_analysis_table_is_headed_with_the_city_label(two_cities):
    result = run(two_cities, "analyse", "--stadt", "duesseldorf")
    assert result.exit_code == 0, result.output
    assert "Düsseldorf" in result.output


@pytest.mark.parametrize("suffix", [".html", ".md", ".xlsx"])
def test_the_gap_report_is_per_city_and_headed_with_its_label(two_cities, tmp_path, suffix):
    out = tmp_path / f"bericht{suffix}"
    result = run(two_cities, "report", "gaps", "--city", "duesseldorf", "--out", str(out))
    assert result.exit_code == 0, result.output
    if suffix == ".xlsx":
        heading = load_workbook(out).active["A1"].value
        assert "Düsseldorf" in heading
        return
    text = out.read_text(encoding="utf-8")
    assert "Bildungsnetz Düsseldorf" in text
    assert "Grundschule am Rhein" in text or "Stadtbezirk 1" in text
    assert "Hörde" not in text  # no Dortmund district in Düsseldorf's report


def test_the_sdg_report_is_headed_with_the_city_label(two_cities, tmp_path):
    out = tmp_path / "sdg.html"
    result = run(two_cities, "report", "sdg", "--stadt", "duesseldorf", "--out", str(out))
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "Düsseldorf" in text and "Hörde" not in text


def test_a_query_resolves_district_names_in_the_chosen_city(two_cities):
    result = run(two_cities, "query", "cooperations-in-stadtbezirk", "-p", "stadtbezirk=Stadtbezirk 1",
                 "--stadt", "duesseldorf", "--format", "json")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "DUS-K-1" in result.stdout


def test_export_needs_the_city_where_the_store_holds_several(two_cities, tmp_path):
    refused = run(two_cities, "export", "--format", "csv", "--out", str(tmp_path / "a"))
    assert refused.exit_code == 2 and BOTH in refused.output
    assert not (tmp_path / "a").exists()
    done = run(two_cities, "export", "--format", "csv", "--out", str(tmp_path / "b"), "--stadt", "duesseldorf")
    assert done.exit_code == 0, done.output


def test_the_rdf_export_says_it_holds_every_city(two_cities, tmp_path):
    done = run(two_cities, "export", "--format", "nq", "--out", str(tmp_path / "alle.nq"), "--stadt", "duesseldorf")
    assert done.exit_code == 0, done.output
    assert "alle Städte" in done.output and "every city" in done.output


def test_the_offer_catalogue_on_the_command_line_lists_only_the_chosen_citys_offers(two_cities):
    def offers(city: str) -> list:
        result = run(two_cities, "offers", "--search", "Kita", "--stadt", city, "--format", "json")
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    assert offers("dortmund") and offers("duesseldorf") == []  # Düsseldorf's three actors offer nothing


def test_the_table_export_holds_only_the_chosen_citys_actors_and_what_is_theirs(two_cities, tmp_path):
    for city in ("duesseldorf", "dortmund"):
        done = run(two_cities, "export", "--format", "csv", "--out", str(tmp_path / city), "--stadt", city)
        assert done.exit_code == 0, done.output

    def ids(city: str, table: str) -> set[str]:
        text = (tmp_path / city / f"{table}.csv").read_text(encoding="utf-8-sig")
        return {row["id"] for row in csv.DictReader(io.StringIO(text), delimiter=";")}

    dus = {"DUS-1", "DUS-2", "DUS-3"}
    assert ids("duesseldorf", "akteure") == dus
    assert ids("duesseldorf", "kooperationen") == {"DUS-K-1"}
    assert ids("duesseldorf", "netzwerke") == set() and ids("duesseldorf", "angebote") == set()
    dortmund = ids("dortmund", "akteure")
    assert len(dortmund) >= 100 and not dortmund & dus
    assert ids("dortmund", "kooperationen") and "DUS-K-1" not in ids("dortmund", "kooperationen")
    assert ids("dortmund", "netzwerke") and ids("dortmund", "angebote")


# -- Both stores: the analysis, the SDG coverage, the registry, the web and REST -----------------------------


def test_two_cities_on_each_store(each_store, demo_graphs, tmp_path):
    each_store.replace_graphs(demo_graphs)
    networks = tmp_path / "netzwerke.csv"  # one network of Düsseldorf beside the demo city's
    networks.write_text("id;name;art;stadtbezirk\nDUS-N-1;Bildungsnetzwerk Rhein;bildungsnetzwerk;1\n",
                        encoding="utf-8")
    import_files([*_dus_tables(tmp_path / "dus"), networks], store=each_store, iris=IRIS,
                 city=load_profile("duesseldorf"), source="dus")  # fmt: skip

    dus = load(each_store, iris=IRIS, city="duesseldorf")
    assert set(dus.actors) == DUS_ACTORS
    assert dus.areas and all("/gebiet/duesseldorf/" in a for a in dus.areas)
    assert [c.partners for c in dus.cooperations.values()] == [tuple(sorted(DUS_ACTORS - {str(IRIS.akteur("DUS-3"))}))]
    dortmund = load(each_store, iris=IRIS, city="dortmund")
    assert len(dortmund.actors) == 150 and not DUS_ACTORS & set(dortmund.actors)
    assert all("/gebiet/dortmund/" in a for a in dortmund.areas)
    districts = {d["label"] for d in coverage(each_store, iris=IRIS, city="duesseldorf")["districts"]}
    assert districts <= {f"Stadtbezirk {n}" for n in range(1, 11)}

    # Default rules: several cities and none configured → an error listing them; configured → that one.
    with pytest.raises(CityProfileError, match=re.escape(BOTH)):
        CityRegistry(store=each_store, default_is_explicit=False).load()
    assert CityRegistry(store=each_store, default="duesseldorf").load().label == "Düsseldorf"

    settings = Settings(api_tokens=TOKENS) if each_store.__class__.__name__ == "EmbeddedStore" else (
        virtuoso_settings(api_tokens=TOKENS))  # fmt: skip
    with LiveServer(settings, store=each_store) as live, httpx.Client(base_url=live.url, timeout=120) as client:
        start = client.get("/")
        assert start.status_code == 200
        assert 'href="/?stadt=duesseldorf"' in start.text and ">Düsseldorf<" in start.text
        assert 'id="stadt-wahl"' in start.text  # the chooser in the header
        chosen = client.get("/?stadt=duesseldorf")
        assert "<h1>Bildungslandschaft Düsseldorf</h1>" in chosen.text
        # The choice stays for the next pages (a cookie), so their links need not carry it.
        reports = client.get("/berichte")
        assert re.search(r"<title>[^<]*Düsseldorf</title>", reports.text)
        assert "Stadtbezirk 1" in reports.text and "Hörde" not in reports.text
        for report in ("/berichte/luecken.html", "/berichte/sdg.html"):
            text = client.get(report).text
            assert "Düsseldorf" in text and "Hörde" not in text, report
        client.cookies.clear()
        assert "<h1>Bildungslandschaft Dortmund</h1>" in client.get("/?stadt=dortmund").text
        unknown_page = client.get("/?stadt=Koeln", headers={"accept": "text/html"})
        assert unknown_page.status_code == 404 and "text/html" in unknown_page.headers["content-type"]
        assert re.search(r"kein Stadtprofil (&#39;|')koeln", unknown_page.text)
        assert "dortmund, duesseldorf" in unknown_page.text

        api = httpx.Client(base_url=live.url, timeout=120)
        undecided = api.get("/api/districts")
        assert undecided.status_code == 422 and BOTH in undecided.json()["error"]
        districts = api.get("/api/districts", params={"city": "duesseldorf"}).json()
        assert {d["label"] for d in districts} == {f"Stadtbezirk {n}" for n in range(1, 11)}
        unknown = api.get("/api/districts", params={"city": "koeln"})
        assert unknown.status_code == 404 and "koeln" in unknown.json()["error"]
        sdg = api.get("/api/sdgs/coverage", params={"city": "duesseldorf"}).json()
        assert {d["label"] for d in sdg["districts"]} <= {f"Stadtbezirk {n}" for n in range(1, 11)}
        brokers = api.get("/api/analysis/brokers", params={"city": "dortmund"}).json()
        assert brokers["city"] and not {b["iri"] for b in brokers["city"]} & DUS_ACTORS

        # The networks of the chosen city only
        dus_networks = api.get("/api/networks", params={"city": "duesseldorf"}).json()["items"]
        assert [n["id"] for n in dus_networks] == ["DUS-N-1"]
        dortmund_networks = {n["id"] for n in api.get("/api/networks", params={"city": "dortmund"}).json()["items"]}
        assert dortmund_networks and "DUS-N-1" not in dortmund_networks

        # Search: REST and the start page find only the chosen city's actors, networks and offers.
        found = api.get("/api/actors", params={"q": "Kita", "city": "duesseldorf"}).json()["items"]
        assert [a["id"] for a in found] == ["DUS-2"]
        found = api.get("/api/actors", params={"q": "Kita", "city": "dortmund"}).json()["items"]
        assert found and "DUS-2" not in {a["id"] for a in found}
        assert api.get("/api/offers", params={"city": "duesseldorf"}).json()["items"] == []  # it has none
        assert api.get("/api/offers", params={"city": "dortmund"}).json()["items"]
        assert api.get("/api/offers", params={"city": "duesseldorf", "sdg": "4"}).json()["items"] == []
        api.close()
        client.cookies.clear()
        dus_search = client.get("/", params={"stadt": "duesseldorf", "q": "Kita"}).text
        client.cookies.clear()
        dortmund_search = client.get("/", params={"stadt": "dortmund", "q": "Kita"}).text
        assert 'href="/akteur/DUS-2"' in dus_search and 'href="/akteur/DUS-2"' not in dortmund_search
        assert 'href="/akteur/D-0' in dortmund_search and 'href="/akteur/D-0' not in dus_search
        for dortmund_only in ("Arbeitskreis Übergang Kita", "Tandem Kita"):  # a network and an offer
            assert dortmund_only in dortmund_search and dortmund_only not in dus_search, dortmund_only
        client.cookies.clear()
        dus_offers = client.get("/angebote", params={"stadt": "duesseldorf", "q": "Kita"}).text
        client.cookies.clear()
        assert "Tandem Kita" in client.get("/angebote", params={"stadt": "dortmund", "q": "Kita"}).text
        assert "Tandem Kita" not in dus_offers


def test_a_store_with_one_city_shows_no_chooser_and_the_label(embedded):
    page = httpx.get(embedded.url + "/", timeout=60)
    assert "<h1>Bildungslandschaft Dortmund</h1>" in page.text
    assert re.search(r"<title>[^<]*Dortmund</title>", page.text)
    assert 'id="stadt-wahl"' not in page.text


# -- city add without --ags ----------------------------------------------------------------------------------


def _gebiete(tmp_path: Path) -> Path:
    path = tmp_path / "gebiete.csv"
    path.write_text("ebene,code,name,stadtbezirk_code\nstadtbezirk,1,Innenstadt,\n", encoding="utf-8")
    return path


def test_city_add_takes_the_ags_of_an_nrw_municipality_from_its_name(tmp_path):
    result = cli("city", "add", "Köln", "--gebiete", str(_gebiete(tmp_path)), "--store", str(tmp_path / "s"))
    assert result.exit_code == 0, result.output
    profile = tomllib.loads((Path(get_settings().cities_dir) / "koeln" / "profil.toml").read_text("utf-8"))
    assert profile["ags"] == "05315000" and profile["label"] == "Köln"


def test_city_add_with_an_ambiguous_name_lists_the_candidates_and_writes_nothing(tmp_path):
    result = cli("city", "add", "Bad", "--gebiete", str(_gebiete(tmp_path)), "--store", str(tmp_path / "s"))
    assert result.exit_code == 2
    assert "Bad Honnef (05382008)" in result.output and "Bad Salzuflen (05766008)" in result.output
    assert "--ags" in result.output
    assert not (Path(get_settings().cities_dir) / "bad").exists()


def test_city_add_with_an_unknown_name_says_the_ags_is_missing(tmp_path):
    result = cli("city", "add", "Atlantis", "--gebiete", str(_gebiete(tmp_path)), "--store", str(tmp_path / "s"))
    assert result.exit_code == 0, result.output
    assert "keine bekannte Gemeinde in NRW" in result.output and "--ags" in result.output
    assert "ags" not in tomllib.loads((Path(get_settings().cities_dir) / "atlantis" / "profil.toml").read_text())


def test_the_shipped_table_of_nrw_municipalities_is_the_school_lists():
    schools = SHARED / "data" / "schulen" / "nrw_schuldaten_2021.csv"
    needs_shared(schools)
    from bildungsnetz.resources import cities_dir
    from bildungsnetz.tools.nrw_gemeinden import build_table

    assert (cities_dir() / "nrw-gemeinden.csv").read_text(encoding="utf-8") == build_table(schools)


def test_saving_one_citys_analysis_keeps_the_other_citys_measures(two_cities, tmp_path):
    import shutil

    from bildungsnetz.store import EmbeddedStore

    store = tmp_path / "store"
    shutil.copytree(two_cities, store)  # the module's store stays without measures
    for city in ("dortmund", "duesseldorf"):
        saved = run(store, "analyse", "--date", "2026-06-30", "--save", "--stadt", city)
        assert saved.exit_code == 0, saved.output
    with EmbeddedStore(store) as st:
        graphs = {g: st.count(g) for g in st.named_graphs() if "/graph/analyse/" in g}
    assert sorted(g.rsplit("/graph/analyse/", 1)[1] for g in graphs) == ["dortmund/2026-06-30",
                                                                          "duesseldorf/2026-06-30"]
    assert all(graphs.values())

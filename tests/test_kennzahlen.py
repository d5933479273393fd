"""Wirkungsmonitoring: own indicators from a sheet, suppressed and rounded values kept, per district and year."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from bildungsnetz.app import create_app
from bildungsnetz.cli import app
from bildungsnetz.ingest.pipeline import import_files
from bildungsnetz.ingest.tables import map_tables
from bildungsnetz.iris import Iris
from bildungsnetz.namespace import BN
from bildungsnetz.settings import Settings
from bildungsnetz.store import EmbeddedStore

IRIS = Iris()
runner = CliRunner()

DEFINITIONS = (
    "code;name;name_en;einheit;polaritaet;ebene\n"
    "kinderarmut;Kinderarmut;child poverty;Prozent;höher ist schlechter;stadtteil\n"
)
VALUES = (
    "gebiet;indikator;jahr;wert;einheit\n"
    "Hörde;kinderarmut;2023;24,6;Prozent\n"
    "Hörde;kinderarmut;2024;*;Prozent\n"
    "Syburg;kinderarmut;2024;<5;Prozent\n"
    "Nordmarkt;Kinderarmut;2024;ca. 45;Prozent\n"
)


def _folder(tmp_path: Path, definitions: str = DEFINITIONS, values: str = VALUES) -> Path:
    folder = tmp_path / "monitoring"
    folder.mkdir()
    (folder / "indikatordefinitionen.csv").write_text(definitions, encoding="utf-8")
    (folder / "indikatoren.csv").write_text(values, encoding="utf-8")
    return folder


def _objects(triples, predicate) -> list[str]:
    return sorted(t.object.value for t in triples if t.predicate.value == str(predicate))


def test_an_own_indicator_defined_in_a_sheet_imports_with_its_values(tmp_path):
    staged = map_tables([_folder(tmp_path)], city="dortmund", iris=IRIS, source="test")
    assert not staged.problems
    own = str(IRIS.indikator("kinderarmut"))
    assert {t.object.value for t in staged.data if t.predicate.value == str(BN.indikator)} == {own}
    assert _objects(staged.data, BN.hoeherIstBesser) == ["false"]
    assert _objects(staged.data, BN.gebietsebene) == ["stadtteil"]


def test_suppressed_values_are_kept_as_suppressed_and_never_become_a_number(tmp_path):
    staged = map_tables([_folder(tmp_path)], city="dortmund", iris=IRIS, source="test")
    assert _objects(staged.data, BN.wert) == ["24.6", "45"]  # the "*" and "<5" rows have no number at all
    assert _objects(staged.data, BN.wertAngabe) == ["*", "<5", "ca. 45"]
    assert len(_objects(staged.data, BN.wertUnterdrueckt)) == 2
    assert _objects(staged.data, BN.wertGerundet) == ["true"]


def test_an_indicator_neither_built_in_nor_defined_is_refused_naming_row_and_column(tmp_path):
    staged = map_tables([_folder(tmp_path, values="gebiet;indikator;jahr;wert\nSyburg;armut;2024;3\n")],
                        city="dortmund", iris=IRIS, source="test")
    [problem] = staged.problems
    assert (problem.row, problem.column, problem.value) == (2, "indikator", "armut")
    assert "indikatordefinitionen" in problem.message_de


def test_a_wrong_polarity_or_level_names_its_column(tmp_path):
    definitions = "code;name;polaritaet;ebene\nk1;K1;mehr ist gut;stadtteil\nk2;K2;höher ist besser;kreis\n"
    staged = map_tables([_folder(tmp_path, definitions=definitions, values="gebiet;indikator;jahr;wert\n")],
                        city="dortmund", iris=IRIS, source="test")
    assert sorted((p.row, p.column) for p in staged.problems) == [(2, "polaritaet"), (3, "ebene")]
    assert "höher ist besser" in staged.problems[0].message_de
    assert "planungsraum" in staged.problems[1].message_de  # a city's own planning areas are a level


def test_a_built_in_code_cannot_be_defined_again(tmp_path):
    definitions = "code;name;polaritaet\nsgb2-quote;SGB II;höher ist schlechter\n"
    staged = map_tables([_folder(tmp_path, definitions=definitions, values="gebiet;indikator;jahr;wert\n")],
                        city="dortmund", iris=IRIS, source="test")
    [problem] = staged.problems
    assert problem.column == "code" and "eingebauter" in problem.message_de


def test_values_of_an_indicator_defined_in_an_earlier_import_import_on_their_own(tmp_path):
    store = EmbeddedStore()
    first = _folder(tmp_path)
    (first / "indikatoren.csv").unlink()
    assert import_files([first], store=store, source="definitionen").report.conforms
    values = tmp_path / "werte"
    values.mkdir()
    (values / "indikatoren.csv").write_text(VALUES, encoding="utf-8")
    result = import_files([values], store=store, source="werte")
    assert result.report.conforms, result.report.to_text(lang="en")


@pytest.fixture
def imported(tmp_path, settings):
    with EmbeddedStore(settings.store) as store:
        assert import_files([_folder(tmp_path)], store=store, source="monitoring").report.conforms
    gc.collect()  # the store's lock goes with the object; the command opens it again
    return settings


def test_the_cli_shows_an_indicator_per_district_and_year_with_the_suppressed_value_as_star(imported):
    result = runner.invoke(app, ["indikator", "show", "Kinderarmut"])
    assert result.exit_code == 0, result.output
    assert "24,6" in result.output and "*" in result.output and "<5" in result.output and "≈ 45" in result.output
    assert " 0 " not in result.output


def test_the_cli_csv_keeps_suppressed_values_as_written(imported):
    result = runner.invoke(app, ["indikator", "show", "kinderarmut", "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = {tuple(line.split(";")[1:2] + line.split(";")[4:6]) for line in result.output.splitlines()[1:]}
    assert ("Hörde", "2024", "*") in rows and ("Syburg", "2024", "<5") in rows and ("Hörde", "2023", "24,6") in rows


def test_the_cli_names_the_closest_indicator_for_a_typo(imported):
    result = runner.invoke(app, ["indikator", "show", "kinderamut"])
    assert result.exit_code == 2
    assert "kinderarmut" in result.output


def test_the_api_gives_suppressed_values_as_null_with_their_text_never_zero(server):
    import httpx

    listed = httpx.get(server.url + "/api/indicators", timeout=60).json()
    own = next(i for i in listed if i["code"] == "kinderarmut")
    assert own["own"] is True and own["higher_is_better"] is False and own["suppressed"] > 0
    body = httpx.get(server.url + "/api/indicators/kinderarmut", timeout=60).json()
    hidden = [v for v in body["values"] if v["suppressed"]]
    assert hidden and all(v["value"] is None and v["shown"] == "*" for v in hidden)
    assert body["years"] == ["2022", "2023", "2024"]
    csv = httpx.get(server.url + "/api/indicators/kinderarmut?format=csv", timeout=60).text
    starred = [line for line in csv.splitlines() if line.endswith(",ja,") or ",*," in line]
    assert len(starred) == len(hidden)
    assert httpx.get(server.url + "/api/indicators/kinderamut", timeout=60).status_code == 404


def test_need_versus_network_ranks_by_a_weighted_combination_the_user_names(server):
    import httpx

    url = server.url + "/api/indicators/need"
    combined = httpx.get(url, params={"need": "kinderarmut:2, sgb2-quote"}, timeout=120).json()
    assert combined["indicator"] == "kinderarmut:2, sgb2-quote"
    assert combined["parts"] == [["kinderarmut", 2.0], ["sgb2-quote", 1.0]]
    rows = combined["rows"]
    assert rows and [r["rank"] for r in rows] == list(range(1, len(rows) + 1))
    assert all(0 <= r["need"] <= 1 for r in rows)  # a weighted mean of percentile ranks
    single = httpx.get(url, params={"need": "sgb2-quote"}, timeout=120).json()
    assert {r["stadtteil"] for r in single["rows"]} >= {r["stadtteil"] for r in rows}
    refused = httpx.get(url, params={"need": "kinderarmut:x"}, timeout=60)
    assert refused.status_code == 400 and "'need'" in refused.json()["error"]


def test_need_per_stadtbezirk_counts_the_mediations_the_mediation_page_counts(server):
    import httpx

    from bildungsnetz.analysis.mediations import district_reach

    url = server.url + "/api/indicators/need"
    body = httpx.get(url, params={"need": "sgb2-quote", "level": "stadtbezirk"}, timeout=120).json()
    assert body["level"] == "stadtbezirk" and body["rows"]
    service = server.service
    reached = {d["code"]: d["reached"] for d in district_reach(service.reader, service.analysis(None),
                                                              iris=service.iris)}  # fmt: skip
    assert {r["area"]: r["mediations"] for r in body["rows"]} == {r["area"]: reached[r["area"]] for r in body["rows"]}
    assert sum(r["mediations"] for r in body["rows"]) > 0
    # Nothing configured: the demo's invented number of children (code kinder-zahl) fills offers per 1,000 children
    assert body["children"] == "kinder-zahl" and body["children_note"] is None
    assert all(r["offers_per_1000_children"] == pytest.approx(1000 * r["offers"] / r["children"])
               for r in body["rows"]) and any(r["offers"] for r in body["rows"])
    refused = httpx.get(url, params={"need": "sgb2-quote", "children": "kinder-gibt-es-nicht"}, timeout=60)
    assert refused.status_code == 400 and '"children"' in refused.json()["error"]


def _children_table(tmp_path: Path) -> Path:
    from bildungsnetz.cities import load_profile

    teile = load_profile("dortmund").stadtteile
    values = "".join(f"{t.name};kinder-u18;2024;{500 + 10 * i}\n" for i, t in enumerate(teile))
    folder = _folder(tmp_path, "code;name;einheit;polaritaet;ebene\n"
                     "kinder-u18;Kinder unter 18;Anzahl;höher ist schlechter;stadtteil\n",
                     "gebiet;indikator;jahr;wert\n" + values)  # fmt: skip
    return folder


def test_the_gap_report_ranks_need_by_an_own_indicator_with_offers_per_1000_children(settings, demo_graphs, tmp_path):
    with EmbeddedStore(settings.store) as store:
        store.replace_graphs(demo_graphs)
        assert import_files([_children_table(tmp_path)], store=store, source="kinder").report.conforms
    gc.collect()
    out = tmp_path / "luecken.md"
    result = runner.invoke(app, ["report", "gaps", "--out", str(out), "--need", "kinderarmut",
                                 "--children", "kinder-u18"])  # fmt: skip
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "Hoher Bedarf, dünnes Netz (kinderarmut, 2024)" in text
    head = "| Rang | Stadtteil | Name | Bezirk | Bedarf | Partner je Akteur | Isolierte | Angebote | Angebote je 1.000 "
    assert head + "Kinder | Vermittlungen | Lücke |" in text
    kids = {line.split(";")[0]: int(line.split(";")[3]) for line in
            (tmp_path / "monitoring" / "indikatoren.csv").read_text(encoding="utf-8").splitlines()[1:]}
    rows = [line.split(" | ") for line in text.split("dünnes Netz")[1].split("\n\n")[1].splitlines()[2:]]
    assert rows
    for row in rows:
        name, offers, per_children = row[2], int(row[7]), row[8]
        assert per_children == f"{1000 * offers / kids[name]:.2f}".replace(".", ","), row
    # none chosen: the demo's own number of children (kinder-zahl) stands in, per Stadtbezirk too, with no note
    result = runner.invoke(app, ["indikator", "bedarf", "kinderarmut", "--level", "stadtbezirk"],
                           env={"COLUMNS": "250"})  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Stadtbezirk" in result.output and "Hörde" in result.output
    assert "keine Kennzahl mit der Zahl der Kinder" not in result.output


# -- A city's own planning areas (Sozialräume) ---------------------------------------------------------------

PLANNING = "code;name;stadtteile\nSR-H;Sozialraum Hörde;Hörde, Syburg\nSR-N;Sozialraum Nordstadt;Hafen, Nordmarkt\n"
PLANNING_DEFINITION = "code;name;einheit;polaritaet;ebene\nkita-quote;Kita-Quote;Prozent;höher ist besser;Sozialraum\n"


def _planning_city(settings) -> None:
    """A user profile "dortmund" (the shipped one copied) with two planning areas."""
    import shutil

    from bildungsnetz.cities import load_profile

    folder = settings.cities_dir / "dortmund"
    shutil.copytree(load_profile("dortmund").source, folder)
    (folder / "planungsraeume.csv").write_text(PLANNING, encoding="utf-8")


def test_indicator_values_per_planning_area_import_and_show_per_area_and_year(settings, tmp_path):
    _planning_city(settings)
    values = "gebiet;indikator;jahr;wert\nSozialraum Hörde;kita-quote;2024;88,5\nSR-N;kita-quote;2024;*\n"
    folder = _folder(tmp_path, PLANNING_DEFINITION, values + "SR-N;kita-quote;2023;71\n")
    result = runner.invoke(app, ["import", str(folder), "--source", "sozialraeume"])
    assert result.exit_code == 0, result.output
    shown = runner.invoke(app, ["indikator", "show", "kita-quote", "--format", "csv"])
    assert shown.exit_code == 0, shown.output
    rows = {tuple(line.split(";")[1:6]) for line in shown.output.splitlines()[1:]}
    assert ("Sozialraum Hörde", "SR-H", "planungsraum", "2024", "88,5") in rows
    assert ("Sozialraum Nordstadt", "SR-N", "planungsraum", "2024", "*") in rows

    gc.collect()  # the command's store goes with its object; the app opens it again
    with TestClient(create_app(Settings(sparql_workers=1))) as client:
        page = client.get("/kennzahlen/kita-quote").text
        profile = client.get("/kennzahlen/gebiet/planungsraum/SR-H").text
    assert 'data-area="SR-H"' in page and "88,5" in page  # the table …
    assert '<ul class="tiles" id="indicator-tiles">' in page  # … and the tile grid, no polygons needed
    assert 'href="/kennzahlen/gebiet/planungsraum/SR-N"' in page
    assert "Sozialraum Hörde" in profile and "88,5" in profile and ">Syburg</a>" in profile


def test_an_unknown_planning_area_is_refused_naming_file_row_and_column(settings, tmp_path):
    _planning_city(settings)
    folder = _folder(tmp_path, PLANNING_DEFINITION, "gebiet;indikator;jahr;wert\nSozialraum Hörde;kita-quote;2024;8\n"
                     "Sozialraum Nord;kita-quote;2024;7\n")  # fmt: skip
    result = runner.invoke(app, ["import", str(folder), "--source", "sozialraeume"])
    assert result.exit_code == 1
    text = " ".join(result.output.split())
    assert "indikatoren.csv" in text and "Sozialraum Nord" in text and "Sozialraum Nordstadt" in text
    assert "indikatoren.csv, Zeile 3, Spalte gebiet" in text


def test_a_planning_area_naming_a_stadtteil_the_city_lacks_names_file_row_and_column(settings, tmp_path):
    _planning_city(settings)
    (settings.cities_dir / "dortmund" / "planungsraeume.csv").write_text(PLANNING + "SR-X;X;Hörd\n", encoding="utf-8")
    result = runner.invoke(app, ["indikator", "list"])
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert "planungsraeume.csv" in text and "Zeile 4" in text and "stadtteile" in text and "Hörde" in text


def test_a_planning_area_is_outlined_by_its_stadtteile_where_every_one_has_a_polygon():
    from types import SimpleNamespace

    import shapely

    from bildungsnetz.cities import CityProfile, District, PlanningArea
    from bildungsnetz.web.routes.indicators import _planning_outlines

    def square(x: float) -> str:
        return f"POLYGON (({x} 51, {x + 0.1} 51, {x + 0.1} 51.1, {x} 51.1, {x} 51))"

    profile = CityProfile("x", "X", None, (
        District("stadtbezirk", "1", "Nord"), District("stadtteil", "11", "A", parent="1", wkt=square(7.0)),
        District("stadtteil", "12", "B", parent="1", wkt=square(7.1)), District("stadtteil", "13", "C", parent="1"),
    ), planning_areas=(PlanningArea("S1", "Eins", ("11", "12")), PlanningArea("S2", "Zwei", ("12", "13"))))
    iris = {c: str(IRIS.gebiet("x", "planungsraum", c)) for c in ("S1", "S2")}
    by_area = {iri: {"area": iri, "label": c, "cells": {}} for c, iri in iris.items()}
    [one] = _planning_outlines(SimpleNamespace(profile=profile, iris=IRIS), by_area, {iris["S1"]: "q4"}, "2024")
    outline = shapely.from_wkt(one.wkt)  # one polygon of both squares; S2 lacks C's polygon and is not drawn
    assert one.label.startswith("S1") and one.klass == "q4"
    assert outline.geom_type == "Polygon" and outline.area == pytest.approx(0.02)

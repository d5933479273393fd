"""Wirkungsmonitoring: own indicators from a sheet, suppressed and rounded values kept, per district and year."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bildungsnetz.cli import app
from bildungsnetz.ingest.pipeline import import_files
from bildungsnetz.ingest.tables import map_tables
from bildungsnetz.iris import Iris
from bildungsnetz.namespace import BN
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
    definitions = "code;name;polaritaet;ebene\nk1;K1;mehr ist gut;stadtteil\nk2;K2;höher ist besser;sozialraum\n"
    staged = map_tables([_folder(tmp_path, definitions=definitions, values="gebiet;indikator;jahr;wert\n")],
                        city="dortmund", iris=IRIS, source="test")
    assert sorted((p.row, p.column) for p in staged.problems) == [(2, "polaritaet"), (3, "ebene")]
    assert "höher ist besser" in staged.problems[0].message_de


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


def test_the_gap_report_ranks_need_by_an_own_indicator(settings, demo_graphs, tmp_path):
    with EmbeddedStore(settings.store) as store:
        store.replace_graphs(demo_graphs)
    gc.collect()
    out = tmp_path / "luecken.md"
    result = runner.invoke(app, ["report", "gaps", "--out", str(out), "--need", "kinderarmut"])
    assert result.exit_code == 0, result.output
    assert "Hoher Bedarf, dünnes Netz (kinderarmut, 2024)" in out.read_text(encoding="utf-8")

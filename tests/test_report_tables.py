"""Spreadsheet outputs: formula-like text from imported data stays text everywhere; numbers stay numbers."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from bildungsnetz.cli import app

runner = CliRunner()
EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "beispiel-import"
SKOS_LABEL = "http://www.w3.org/2004/02/skos/core#prefLabel"

HYPERLINK = '=HYPERLINK("http://evil.example","Klick")'
#: What a hostile or careless table puts into names: a link, a function, DDE, and text that only looks negative.
NAMES = [HYPERLINK, "@SUM(1+1)", "+cmd|' /C calc'!A0", "-5 Punkte"]


def formula_tables(target: Path, *, bad_kind: bool = False, control: bool = False) -> Path:
    """The example tables with formula-like actor names (the rest start with '='), optionally broken."""
    shutil.copytree(EXAMPLE, target)
    path = target / "akteure.csv"
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig")), delimiter=";"))
    for i, row in enumerate(rows[1:]):
        row[1] = NAMES[i] if i < len(NAMES) else "=" + row[1]
    if bad_kind:
        rows[2][2] = "Kitta"
    if control:
        rows[3][1] = "Kita\x01Nord"
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return target


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    """A store holding the example tables with formula-like names."""
    base = tmp_path_factory.mktemp("formulas")
    tables = formula_tables(base / "tabellen")
    store = base / "store"
    result = runner.invoke(app, ["import", *map(str, sorted(tables.glob("*.csv"))), "--store", str(store)])
    assert result.exit_code == 0, result.output
    return store


def cells(path: Path, sheet: str | None = None) -> list[list]:
    wb = load_workbook(path)
    return [list(row) for row in (wb[sheet] if sheet else wb.active).iter_rows()]


def column(rows: list[list], name: str) -> list:
    index = [c.value for c in rows[0]].index(name)
    return [row[index] for row in rows[1:]]


def assert_text(found: list, expected: list[str]) -> None:
    """Each expected value is among the cells, and every such cell is text, not a formula."""
    by_value = {c.value: c for c in found}
    for value in expected:
        assert value in by_value, value
        assert by_value[value].data_type == "s", (value, by_value[value].data_type)


def test_query_xlsx_writes_formula_like_names_as_text_and_counts_as_numbers(store, tmp_path):
    out = tmp_path / "akteure.xlsx"
    result = runner.invoke(app, ["query", "actors", "--format", "xlsx", "--out", str(out), "--store", str(store)])
    assert result.exit_code == 0, result.output
    assert_text(column(cells(out), "actorLabel"), NAMES)
    counts = tmp_path / "arten.xlsx"  # no --format: the file name says xlsx
    result = runner.invoke(app, ["query", "actors-in-district-by-kind", "--out", str(counts), "--store", str(store)])
    assert result.exit_code == 0, result.output
    assert {c.data_type for c in column(cells(counts), "actors")} == {"n"}


def test_query_csv_is_for_german_excel_and_neutralises_text_but_not_numbers(store, tmp_path):
    out = tmp_path / "akteure.csv"
    result = runner.invoke(app, ["query", "actors", "--format", "csv", "--out", str(out), "--store", str(store)])
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["actor", "actorId", "actorLabel"]
    labels = {row[2] for row in rows[1:]}
    assert {"'" + name for name in NAMES} <= labels
    assert not any(label.startswith(("=", "+", "-", "@")) for label in labels)

    from bildungsnetz.tables import people_csv

    number_and_text = people_csv(["zahl", "text"], [{"zahl": -5, "text": "-5"}, {"zahl": 2.5, "text": "2.5"}])
    assert number_and_text.decode("utf-8-sig").splitlines()[1:] == ["-5;'-5", "2,5;2.5"]


def test_analyse_writes_xlsx_and_german_csv_with_the_brokers_name_as_text(store, tmp_path):
    out = tmp_path / "analyse.xlsx"
    result = runner.invoke(app, ["analyse", "--format", "xlsx", "--out", str(out), "--store", str(store)])
    assert result.exit_code == 0, result.output
    rows = cells(out)
    assert_text(column(rows, "top_broker_label"), ["@SUM(1+1)"])
    assert {c.data_type for c in column(rows, "density")} == {"n"}
    out = tmp_path / "analyse.csv"
    result = runner.invoke(app, ["analyse", "--format", "csv", "--out", str(out), "--store", str(store)])
    text = out.read_bytes().decode("utf-8-sig")
    hoerde = next(line for line in text.splitlines() if ";Hörde;" in line)
    assert "'@SUM(1+1)" in hoerde and "," in hoerde.split(";")[4]  # density with a decimal comma


def test_analyse_comparison_to_an_xlsx_file_is_a_workbook_not_json(store, tmp_path):
    out = tmp_path / "v.xlsx"
    args = ["analyse", "--vergleich", "2020-01-01", "--format", "xlsx", "--out", str(out), "--store", str(store)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    rows = cells(out)
    assert [c.value for c in rows[0]][:4] == ["change", "district", "actor", "partner"]
    assert "new_tie" in [c.value for c in column(rows, "change")]
    out.unlink()
    assert runner.invoke(app, args[:3] + args[5:]).exit_code == 0  # --out v.xlsx alone decides the format
    assert load_workbook(out).active["A1"].value == "change"
    result = runner.invoke(app, ["analyse", "--format", "json", "--out", str(out), "--store", str(store)])
    assert result.exit_code == 2 and "v.xlsx" in result.output


def test_export_keeps_formula_like_names_as_text_and_its_csv_reads_back_unchanged(store, tmp_path):
    from bildungsnetz.ingest.tables import read_tables

    book = tmp_path / "export.xlsx"
    result = runner.invoke(app, ["export", "--format", "xlsx", "--out", str(book), "--store", str(store)])
    assert result.exit_code == 0, result.output
    assert_text(column(cells(book, "akteure"), "name"), NAMES)
    folder = tmp_path / "export"
    result = runner.invoke(app, ["export", "--format", "csv", "--out", str(folder), "--store", str(store)])
    assert result.exit_code == 0, result.output
    text = (folder / "akteure.csv").read_bytes().decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "\n=" not in text and ";=" not in text and ";-5 Punkte" not in text
    (raw,) = read_tables(folder / "akteure.csv")
    names = {cells[raw.columns.index("name")] for _, cells in raw.rows}
    assert set(NAMES) <= names  # the importer takes the apostrophe off again: a lossless round trip


def test_the_error_workbook_shows_the_users_formula_like_cells_as_text(tmp_path):
    tables = formula_tables(tmp_path / "tabellen", bad_kind=True)
    report = tmp_path / "bericht.xlsx"
    result = runner.invoke(
        app, ["import", str(tables / "akteure.csv"), "--report", str(report), "--store", str(tmp_path / "s")]
    )
    assert result.exit_code == 1, result.output
    rows = cells(report, "akteure")
    assert_text(column(rows, "name"), NAMES)
    assert "Kitta" in str(column(rows, "Fehler / errors")[1].value)


def test_the_web_download_is_text_for_people_and_the_api_csv_is_unchanged_for_programs(store):
    from fastapi.testclient import TestClient

    from bildungsnetz.app import create_app
    from bildungsnetz.settings import Settings

    with TestClient(create_app(Settings(store=store, sparql_workers=1))) as client:
        book = client.get("/abfragen/actors", params={"format": "xlsx"})
        people = client.get("/abfragen/actors", params={"format": "csv"})
        programs = client.get("/api/actors", params={"limit": 100}, headers={"Accept": "text/csv"})
    assert book.status_code == 200
    assert_text(column(cells(io.BytesIO(book.content)), "actorLabel"), NAMES)
    assert people.content.startswith(b"\xef\xbb\xbf") and "'=HYPERLINK" in people.content.decode("utf-8-sig")
    assert people.content.decode("utf-8-sig").splitlines()[0].startswith("actor;")
    assert programs.status_code == 200 and not programs.content.startswith(b"\xef\xbb\xbf")
    assert '"=HYPERLINK(""http://evil.example"",""Klick"")"' in programs.text  # RFC 4180 quoting, no apostrophe
    assert programs.text.splitlines()[0].count(",") >= 1 and "\r\n" in programs.text


def test_a_control_character_in_a_cell_refuses_the_import_naming_file_row_and_column(tmp_path):
    from bildungsnetz.ingest.pipeline import import_files
    from bildungsnetz.store import EmbeddedStore

    tables = formula_tables(tmp_path / "tabellen", control=True)
    store = EmbeddedStore()
    result = import_files([tables / "akteure.csv"], store=store)
    assert result.exit_code == 1 and not result.imported and not store.named_graphs()
    (problem,) = [v for v in result.report.violations if "U+0001" in v.message_de]
    assert problem.source_file.endswith("akteure.csv") and problem.row == 4 and problem.column == "name"
    assert "U+0001" in problem.message_en


def test_xlsx_outputs_survive_a_control_character_already_in_the_store(store, tmp_path):
    st = ox.Store(str(store))
    # The label is in its source graph and in the landscape view (store/view.py): tamper with both.
    quads = list(st.quads_for_pattern(None, ox.NamedNode(SKOS_LABEL), ox.Literal("-5 Punkte"), None))
    assert quads
    for quad in quads:
        st.remove(quad)
        st.add(ox.Quad(quad.subject, quad.predicate, ox.Literal("Kita\x01Nord"), quad.graph_name))
    st.flush()
    del st
    try:
        for args in (["query", "actors", "--format", "xlsx"], ["export", "--format", "xlsx"]):
            out = tmp_path / f"{args[0]}.xlsx"
            result = runner.invoke(app, [*args, "--out", str(out), "--store", str(store)])
            assert result.exit_code == 0, result.output
            assert "Kita\ufffdNord" in [c.value for row in cells(out, None if args[0] == "query" else "akteure")
                                        for c in row]
    finally:
        st = ox.Store(str(store))
        for quad in quads:
            st.remove(ox.Quad(quad.subject, quad.predicate, ox.Literal("Kita\x01Nord"), quad.graph_name))
            st.add(quad)
        st.flush()

"""The command line, run in-process: what a user types and what they get back."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from typer.testing import CliRunner

from bildungsnetz.cli import app
from bildungsnetz.iris import Iris
from bildungsnetz.store import EmbeddedStore

runner = CliRunner()
IRIS = Iris()
DATA = Path(__file__).parent / "data"


def test_demo_builds_the_city_into_the_store_directory_and_prints_a_summary(tmp_path):
    store = tmp_path / "store"
    result = runner.invoke(app, ["demo", "--actors", "150", "--store", str(store), "--no-serve"])
    assert result.exit_code == 0, result.output
    assert "Akteure / actors" in result.output and "SDG" in result.output
    st = EmbeddedStore(store)
    graphs = st.named_graphs()
    for name in ("quelle/demo", "privat/demo", "meta/demo", "ontologie", "vokabulare", "stadt/dortmund"):
        assert str(IRIS.graph(name)) in graphs
    before = st.count()
    st.close()
    del st
    # Running it again with the same seed replaces the demo, it does not add to it.
    assert runner.invoke(app, ["demo", "--actors", "150", "--store", str(store), "--no-serve"]).exit_code == 0
    assert EmbeddedStore(store).count() == before


def test_demo_store_directory_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("BILDUNGSNETZ_STORE", str(tmp_path / "env-store"))
    assert runner.invoke(app, ["demo", "--actors", "100", "--no-serve"]).exit_code == 0
    assert (tmp_path / "env-store").is_dir()


def test_demo_out_writes_trig_that_validates(tmp_path):
    out = tmp_path / "demo.trig"
    result = runner.invoke(app, ["demo", "--actors", "120", "--seed", "5", "--out", str(out), "--no-serve"])
    assert result.exit_code == 0, result.output
    with out.open("rb") as fh:
        graphs = {q.graph_name.value for q in ox.parse(fh, ox.RdfFormat.TRIG)}
    assert str(IRIS.graph("quelle/demo")) in graphs
    assert runner.invoke(app, ["validate", str(out)]).exit_code == 0


def test_demo_refuses_an_actor_count_out_of_range_with_one_line():
    result = runner.invoke(app, ["demo", "--actors", "5", "--no-serve"])
    assert result.exit_code == 2
    assert "100" in result.output and "Traceback" not in result.output


def test_demo_names_an_unknown_city_with_a_suggestion():
    result = runner.invoke(app, ["demo", "--city", "Dortmnd", "--actors", "100", "--no-serve"])
    assert result.exit_code == 2
    assert "dortmund" in result.output.lower()


def test_validate_exit_codes_follow_the_outcome(tmp_path):
    ok = Path(__file__).resolve().parents[1] / "docs" / "beispiel.trig"
    assert runner.invoke(app, ["validate", str(ok)]).exit_code == 0
    bad = tmp_path / "bad.ttl"
    bad.write_text(
        "@prefix bn: <https://w3id.org/bildungsnetz/ontology#> .\n"
        "<https://w3id.org/bildungsnetz/id/kooperation/X> a bn:Kooperation ; "
        "bn:partner <https://w3id.org/bildungsnetz/id/akteur/A> .\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["validate", str(bad), "--lang", "en"])
    assert result.exit_code == 1
    assert "A partnership needs at least two partners" in result.output
    broken = tmp_path / "broken.ttl"
    broken.write_text("<a> <b> .", encoding="utf-8")
    result = runner.invoke(app, ["validate", str(broken)])
    assert result.exit_code == 2
    assert "broken.ttl" in result.output and "Traceback" not in result.output


def test_city_add_and_list(tmp_path, shared):
    gebiete = shared / "data" / "gebiete"
    store = tmp_path / "store"
    result = runner.invoke(app, [
        "city", "add", "Köln", "--gebiete", str(gebiete / "koeln_gebiete.csv"),
        "--polygons", str(gebiete / "koeln_stadtbezirke.geojson"),
        "--polygons", str(gebiete / "koeln_stadtteile.geojson"), "--ags", "05315000", "--store", str(store),
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "9 Stadtbezirke" in result.output and "86 Stadtteile" in result.output
    listing = runner.invoke(app, ["city", "list", "--store", str(store)])
    assert "koeln" in listing.output and "dortmund" in listing.output
    # The added city carries a demo too.
    assert (
        runner.invoke(
            app, ["demo", "--city", "koeln", "--actors", "100", "--store", str(store), "--no-serve"]
        ).exit_code
        == 0
    )


def test_query_lists_the_catalogue_and_runs_with_bound_parameters(tmp_path):
    store = tmp_path / "store"
    assert runner.invoke(app, ["demo", "--actors", "150", "--store", str(store), "--no-serve"]).exit_code == 0
    listing = runner.invoke(app, ["query", "--list"])
    assert "partners-of-actor" in listing.output
    result = runner.invoke(
        app,
        ["query", "actors-in-district-by-kind", "-p", "stadtbezirk=Hoerde", "--format", "csv", "--store", str(store)],
    )
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0] == "district;districtLabel;kind;actors"  # CSV for people: German Excel's separator
    assert len(lines) > 2 and all(";Hörde;" in line for line in lines[1:])
    xlsx = tmp_path / "out.xlsx"
    result = runner.invoke(
        app, ["query", "sdg-coverage", "--format", "xlsx", "--out", str(xlsx), "--store", str(store)]
    )
    assert result.exit_code == 0 and xlsx.stat().st_size > 0


def test_query_errors_name_the_parameter_and_change_nothing(tmp_path):
    store = tmp_path / "store"
    assert runner.invoke(app, ["demo", "--actors", "100", "--store", str(store), "--no-serve"]).exit_code == 0
    result = runner.invoke(
        app, ["query", "offers-by-sdg", "-p", "sdg=13", "-p", "date=31.02.2024", "--store", str(store)]
    )
    assert result.exit_code == 2 and '"date"' in result.output
    result = runner.invoke(app, ["query", "partners-of-actr", "--store", str(store)])
    assert result.exit_code == 2 and "partners-of-actor" in result.output
    result = runner.invoke(app, ["query", "partners-of-actor", "-p", "actor=x", "--store", str(tmp_path / "none")])
    assert result.exit_code == 2 and "bildungsnetz demo" in result.output


@pytest.mark.parametrize("module", ["bildungsnetz", "bildungsnetz.cli"])
def test_python_m_serves_with_its_sparql_worker_processes(tmp_path, module):
    # The /sparql workers are spawned: they re-import the __main__ module. Run as "python -m", that once broke
    # on a circular import in every worker, and the service did not start.
    import socket
    import subprocess
    import sys
    import time

    import httpx

    from bildungsnetz.demo.city import generate

    store_dir = tmp_path / "store"
    st = EmbeddedStore(store_dir)
    st.replace_graphs(generate(city="dortmund", actors=100, seed=3, iris=Iris()).graphs)
    st.close()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", module, "serve", "--store", str(store_dir), "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
        answer = httpx.post(
            f"http://127.0.0.1:{port}/sparql", data={"query": "ASK { ?s ?p ?o }"},
            headers={"Accept": "application/sparql-results+json"}, timeout=30,
        )  # fmt: skip
        assert answer.status_code == 200 and answer.json()["boolean"] is True
    finally:
        proc.terminate()
        proc.wait(30)


def test_import_of_a_folder_reads_its_csv_and_xlsx_files(tmp_path):
    # docs/import.md: "ein Ordner wird wie alle CSV- und XLSX-Dateien darin gelesen"
    folder = Path(__file__).resolve().parents[1] / "docs" / "beispiel-import"
    store = tmp_path / "store"
    result = runner.invoke(app, ["import", f"{folder}/", "--source", "beispiel", "--store", str(store)])
    assert result.exit_code == 0, result.output
    assert "akteure.csv" in result.output and "kooperationen.csv" in result.output
    with EmbeddedStore(store) as s:
        assert s.count(str(Iris().graph("quelle/beispiel"))) > 500
    empty = tmp_path / "leer"
    empty.mkdir()
    refused = runner.invoke(app, ["import", str(empty), "--source", "leer", "--store", str(store)])
    assert refused.exit_code != 0 and "leer" in refused.output

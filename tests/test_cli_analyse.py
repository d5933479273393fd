"""bildungsnetz analyse and report gaps, as an analyst runs them."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from bildungsnetz.cli import app

runner = CliRunner()


def test_analyse_json_has_the_documented_shape_and_report_gaps_writes_every_district(tmp_path):
    store = tmp_path / "store"
    assert runner.invoke(app, ["demo", "--actors", "300", "--store", str(store), "--no-serve"]).exit_code == 0
    result = runner.invoke(app, ["analyse", "--date", "2026-06-30", "--format", "json", "--store", str(store)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["date"] == "2026-06-30" and len(data["districts"]) == 12
    for d in data["districts"]:
        assert {"code", "name", "nodes", "ties", "density", "components", "isolates", "brokers",
                "cross_border_ties"} <= set(d)  # fmt: skip
        for b in d["brokers"]:
            assert set(b["roles"]) == {"coordinator", "itinerant", "gatekeeper", "representative", "liaison"}
    one = runner.invoke(app, ["analyse", "--stadtbezirk", "Hoerde", "--format", "json", "--store", str(store)])
    assert [d["name"] for d in json.loads(one.output)["districts"]] == ["Hörde"]
    report = tmp_path / "luecken.html"
    assert runner.invoke(app, ["report", "gaps", "--out", str(report), "--store", str(store)]).exit_code == 0
    page = report.read_text(encoding="utf-8")
    assert all(name in page for name in ("Innenstadt-West", "Hörde", "Mengede"))
    assert "http://" not in page.split("</head>")[0] and "<script src" not in page


def test_save_writes_the_measures_as_an_analysis_graph(tmp_path):
    from bildungsnetz.store import EmbeddedStore

    store = tmp_path / "store"
    assert runner.invoke(app, ["demo", "--actors", "150", "--store", str(store), "--no-serve"]).exit_code == 0
    result = runner.invoke(app, ["analyse", "--date", "2026-06-30", "--save", "--store", str(store)])
    assert result.exit_code == 0, result.output
    assert any("/graph/analyse/" in g for g in EmbeddedStore(store).named_graphs())


def test_unknown_district_and_save_with_without_are_refused_with_one_line(tmp_path):
    store = tmp_path / "store"
    assert runner.invoke(app, ["demo", "--actors", "100", "--store", str(store), "--no-serve"]).exit_code == 0
    r = runner.invoke(app, ["analyse", "--stadtbezirk", "Hombrch", "--store", str(store)])
    assert r.exit_code == 2 and "Hombruch" in r.output
    r = runner.invoke(app, ["analyse", "--save", "--without", "vhs", "--store", str(store)])
    assert r.exit_code == 2


def test_every_district_figure_is_the_same_in_the_cli_the_web_pages_and_the_gap_report(tmp_path):
    """One number, one source: actors, ties, isolated actors and actors with partners only outside, for every
    Stadtbezirk of the demo city, as the CLI prints them, the district page shows them and the gap report
    draws them ("Ohne Partner im Bezirk" once counted on its own and matched nothing else)."""
    import re

    from fastapi.testclient import TestClient

    from bildungsnetz.app import create_app
    from bildungsnetz.settings import Settings

    store = tmp_path / "store"
    assert runner.invoke(app, ["demo", "--actors", "300", "--store", str(store), "--no-serve"]).exit_code == 0
    result = runner.invoke(app, ["analyse", "--format", "json", "--store", str(store)])
    assert result.exit_code == 0, result.output
    cli = {d["code"]: d for d in json.loads(result.output)["districts"]}
    with TestClient(create_app(Settings(store=store, sparql_workers=1))) as client:
        report = client.get("/berichte/luecken.html").text
        for code, d in cli.items():
            page = client.get(f"/gebiet/stadtbezirk/{code}").text
            shown = dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", page))
            assert shown["Akteure"] == str(d["nodes"]) and shown["Verbindungen"] == str(d["ties"]), code
            assert f"Isolierte Akteure ({len(d['isolates'])})" in page, code
            if d["isolated_in_district"]:
                assert f"Nur Partner außerhalb ({len(d['isolated_in_district'])})" in page, code
    drawn = [tuple(map(int, m)) for m in re.findall(r"Ohne Partner im Bezirk: (\d+) isoliert, (\d+) nur", report)]
    expected = [(len(d["isolates"]), len(d["isolated_in_district"])) for d in cli.values()
                if d["isolates"] or d["isolated_in_district"]]  # fmt: skip
    assert drawn == expected

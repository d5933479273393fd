"""The SDG commands as BiNaKom staff use them: suggest, confirm, reject, partners, report."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from bildungsnetz.cli import app

runner = CliRunner()


def test_suggest_prints_json_sorted_by_score_with_evidence():
    text = "Klimaschutzprojekt: Wir sparen Energie im Schulhaus"
    result = runner.invoke(app, ["sdg", "suggest", text, "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert rows and 13 in [r["sdg"] for r in rows[:3]]
    assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)
    assert all(r["evidence"] for r in rows)


def test_a_text_outside_bne_gets_no_suggestion():
    result = runner.invoke(app, ["sdg", "suggest", "Mathe-Nachhilfe für die Klassen 5 bis 7", "--format", "json"])
    assert result.exit_code == 0 and json.loads(result.output) == []


def test_confirm_reject_and_the_report_on_a_demo_store(tmp_path):
    store = tmp_path / "store"
    assert runner.invoke(app, ["demo", "--actors", "150", "--store", str(store), "--no-serve"]).exit_code == 0
    summary = runner.invoke(app, ["sdg", "suggest", "--alle", "--store", str(store)])
    assert summary.exit_code == 0, summary.output
    confirmed = runner.invoke(app, ["sdg", "confirm", "DA-000001", "4", "--user", "redaktion", "--store", str(store)])
    assert confirmed.exit_code == 0, confirmed.output
    assert "bestaetigt" in confirmed.output
    unknown = runner.invoke(app, ["sdg", "reject", "GIBT-ES-NICHT", "4", "--store", str(store)])
    assert unknown.exit_code == 2 and "GIBT-ES-NICHT" in unknown.output
    report = tmp_path / "sdg.html"
    assert runner.invoke(app, ["report", "sdg", "--out", str(report), "--store", str(store)]).exit_code == 0
    page = report.read_text(encoding="utf-8")
    assert "SDG" in page and "<script src" not in page

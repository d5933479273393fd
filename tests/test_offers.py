"""The offer catalogue and mediations: recorded with PROV as versions of their own source, listed, undone."""

from __future__ import annotations

import gc
from pathlib import Path

import pyoxigraph as ox
import pytest
from typer.testing import CliRunner

from bildungsnetz.cli import app
from bildungsnetz.errors import UnknownActor, UnknownMediation, UnknownOffer, UsageError
from bildungsnetz.ingest.mediations import MEDIATION_SOURCE, record_mediation, set_mediation_status, stored_mediations
from bildungsnetz.ingest.sources import source_graphs
from bildungsnetz.ingest.versions import Versions, undo
from bildungsnetz.iris import Iris
from bildungsnetz.queries import run
from bildungsnetz.store import EmbeddedStore

REPO = Path(__file__).resolve().parents[1]
FIXTURE = REPO / "tests" / "data" / "queries" / "fixture.trig"
IRIS = Iris()
D = "2025-06-01"
CITY = ["--city", "musterstadt"]  # the fixture holds two cities, so every command names one


def fixture_graphs() -> dict[str, list[ox.Triple]]:
    """The query fixture city (offers A-1…A-7, schools, three mediations V-1…V-3)."""
    graphs: dict[str, list[ox.Triple]] = {}
    with FIXTURE.open("rb") as fh:
        for quad in ox.parse(fh, ox.RdfFormat.TRIG):
            graphs.setdefault(quad.graph_name.value, []).append(quad.triple)
    return graphs


@pytest.fixture
def store() -> EmbeddedStore:
    st = EmbeddedStore()
    st.replace_graphs(fixture_graphs())
    return st


def dump(store) -> list[str]:
    return sorted(str(q) for g in store.named_graphs() for q in store.quads(g))


def listed(store, **values) -> list[dict]:
    return run("mediations", values, store=store, iris=IRIS, city="").rows


# -- the library call ------------------------------------------------------------------------------------


def test_a_recorded_mediation_is_listed_with_the_next_id_and_its_person_only_in_the_private_graph(store, tmp_path):
    versions = Versions(tmp_path / "versionen")
    done = record_mediation(store, offer="A-7", institution="KITA-1", status="vermittelt", on="2025-06-02",
                            note="Vorlesen freitags", user="anna", versions=versions)  # fmt: skip
    assert (done["id"], done["status"], done["institutionLabel"]) == ("V-4", "vermittelt", "Kita Möwe")
    top = listed(store, institution="KITA-1")
    assert [(r["mediationId"], r["title"], r["note"]) for r in top] == [("V-4", "Lesesommer", "Vorlesen freitags")]
    public, private, _ = source_graphs(IRIS, MEDIATION_SOURCE)
    assert not any("nutzer/anna" in str(q) for q in store.quads(public))
    assert any(q.object.value.endswith("/nutzer/anna") for q in store.quads(private))
    assert [v.id for v in versions.history(MEDIATION_SOURCE)] == ["vermittlungen@1"]


def test_status_changes_are_versions_and_undo_brings_back_the_state_before(store, tmp_path):
    versions = Versions(tmp_path / "versionen")
    before = dump(store)
    record_mediation(store, offer="A-2", institution="100005", user="anna", on="2025-06-03", versions=versions)
    set_mediation_status(store, "V-4", "durchgeführt", user="ben", versions=versions)
    assert [r["status"] for r in listed(store, institution="100005")] == ["durchgefuehrt", "vermittelt"]
    undo(store, IRIS, versions, "vermittlungen@2")
    assert [r["status"] for r in listed(store, institution="100005")] == ["angefragt", "vermittelt"]
    undo(store, IRIS, versions, "vermittlungen@1")
    assert [r["mediationId"] for r in listed(store, institution="100005")] == ["V-3"]
    assert dump(store) == before


@pytest.mark.parametrize(
    ("values", "error", "named"),
    [
        ({"offer": "A-99", "institution": "100001"}, UnknownOffer, '"offer"'),
        ({"offer": "A-1", "institution": "NIEMAND"}, UnknownActor, '"institution"'),
        ({"offer": "A-1", "institution": "100001", "status": "vielleicht"}, UsageError, '"status"'),
        ({"offer": "A-1", "institution": "100001", "on": "1.13.2025"}, UsageError, '"date"'),
        ({"offer": "A-1", "institution": "100001", "user": " "}, UsageError, '"user"'),
    ],
)
def test_a_wrong_mediation_names_the_parameter_and_changes_nothing(store, tmp_path, values, error, named):
    versions = Versions(tmp_path / "versionen")
    before = dump(store)
    with pytest.raises(error) as raised:
        record_mediation(store, **{"user": "anna", **values}, versions=versions)
    assert named in str(raised.value) and " / " in str(raised.value)
    assert dump(store) == before and versions.history(MEDIATION_SOURCE) == []


def test_an_unknown_mediation_id_is_refused(store):
    with pytest.raises(UnknownMediation, match="V-42"):
        set_mediation_status(store, "V-42", "abgelehnt", user="anna")
    assert [m["id"] for m in stored_mediations(store)] == ["V-1", "V-2", "V-3"]


# -- the command line -------------------------------------------------------------------------------------


@pytest.fixture
def cli_store(settings):
    with EmbeddedStore(settings.store) as st:
        st.replace_graphs(fixture_graphs())
    gc.collect()
    return settings


def test_offers_on_the_command_line_filter_by_field_of_action_and_cost_as_csv(cli_store):
    runner = CliRunner()
    result = runner.invoke(app, ["offers", "--handlungsfeld", "Zukunftsbildung", "--date", D, "--format", "csv",
                                 "--city", "musterstadt"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Klimadetektive" in result.output and "Lesepaten" not in result.output
    german = runner.invoke(app, ["angebote", "--max-cost", "50", "--date", D, "--format", "csv", "--stadt",
                                 "musterstadt"])  # fmt: skip
    assert german.exit_code == 0 and "Lesepaten" in german.output and "Lesesommer" not in german.output


def test_vermittlung_add_set_status_list_history_and_undo_on_the_command_line(cli_store):
    runner = CliRunner()
    added = runner.invoke(app, ["vermittlung", "add", "A-7", "KITA-1", "--date", "2025-06-02", "--note", "Fr",
                                *CITY])  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "V-4" in added.output and "vermittlungen@1" in added.output
    changed = runner.invoke(app, ["vermittlung", "set-status", "V-4", "durchgefuehrt", *CITY])
    assert changed.exit_code == 0 and "vermittlungen@2" in changed.output
    shown = runner.invoke(app, ["vermittlung", "list", "--institution", "KITA-1", "--format", "csv", *CITY])
    assert "V-4" in shown.output and "durchgefuehrt" in shown.output
    assert "vermittlungen@2" in runner.invoke(app, ["history", "vermittlungen"]).output
    assert runner.invoke(app, ["undo", "vermittlungen@1"]).exit_code == 0
    shown = runner.invoke(app, ["vermittlung", "list", "--institution", "KITA-1", "--format", "csv", *CITY])
    assert "V-4" not in shown.output


def test_a_wrong_status_on_the_command_line_is_one_line_and_exit_2(cli_store):
    result = CliRunner().invoke(app, ["vermittlung", "add", "A-1", "100001", "--status", "vielleicht", *CITY])
    assert result.exit_code == 2
    assert 'Parameter "status"' in result.output and "Traceback" not in result.output


# -- spreadsheets ---------------------------------------------------------------------------------------------

ACTORS = "id;name;typ;stadtteil\nVHS-T;Volkshochschule Test;weiterbildung;Syburg\n"


def test_places_and_cost_of_offers_go_through_the_spreadsheet_and_back(tmp_path):
    from bildungsnetz.ingest.pipeline import import_files
    from bildungsnetz.ingest.tables.export import export_tables

    (tmp_path / "akteure.csv").write_text(ACTORS, encoding="utf-8")
    (tmp_path / "angebote.csv").write_text(
        "id;titel;anbieter;handlungsfeld;plaetze;kosten_eur\n"
        "T-1;Forscherwerkstatt;VHS-T;mint;12;0\nT-2;Theaterwoche;VHS-T;kulturelle-bildung;;1.250,50\n",
        encoding="utf-8",
    )
    store = EmbeddedStore()
    result = import_files([tmp_path / "akteure.csv", tmp_path / "angebote.csv"], store=store, source="t")
    assert result.imported, [v.message_de for v in result.report.violations]
    rows = {r["id"]: r for r in export_tables(store, city="dortmund", iris=IRIS)["angebote"]}
    assert (rows["T-1"]["plaetze"], rows["T-1"]["kosten_eur"]) == ("12", "0.00")
    assert (rows["T-2"]["plaetze"], rows["T-2"]["kosten_eur"]) == ("", "1250.50")
    free = run("offer-catalogue", {"maxkosten": "0"}, store=store, iris=IRIS, city="dortmund").rows
    assert [r["offerId"] for r in free] == ["T-1"]


@pytest.mark.parametrize(("column", "value"), [("plaetze", "0"), ("plaetze", "2,5"), ("kosten_eur", "-10")])
def test_wrong_places_or_cost_name_file_row_and_column_and_import_nothing(tmp_path, column, value):
    from bildungsnetz.ingest.pipeline import import_files

    (tmp_path / "akteure.csv").write_text(ACTORS, encoding="utf-8")
    (tmp_path / "angebote.csv").write_text(
        f"id;titel;anbieter;{column}\nT-1;Forscherwerkstatt;VHS-T;{value}\n", encoding="utf-8"
    )
    store = EmbeddedStore()
    result = import_files([tmp_path / "akteure.csv", tmp_path / "angebote.csv"], store=store, source="t")
    assert not result.imported
    assert not any(g.endswith("/quelle/t") for g in store.named_graphs())
    wrong = [v for v in result.report.violations if v.column == column]
    assert wrong and wrong[0].row == 2 and wrong[0].source_file.endswith("angebote.csv")


def test_a_mediation_recorded_on_the_command_line_shows_on_the_running_server_at_once(demo_graphs, tmp_path):
    import httpx

    from conftest import stored
    from test_store_access import Served, cli

    store = stored(demo_graphs, tmp_path).store
    with Served(store) as served:
        school = httpx.get(f"{served.url}/api/actors", params={"typ": "schule", "limit": 1}, timeout=60)
        school_id = school.json()["items"][0]["id"]
        added = cli(store, "vermittlung", "add", "DA-000001", school_id, "--status", "vermittelt", "--note", "CLI")
        assert added.returncode == 0, added.stderr
        mediation = added.stdout.split("mediation ", 1)[1].split(":", 1)[0]
        listed = httpx.get(f"{served.url}/api/mediations", params={"institution": school_id}, timeout=60).json()
        assert [(m["id"], m["note"]) for m in listed["items"] if m["id"] == mediation] == [(mediation, "CLI")]
        wrong = cli(store, "vermittlung", "set-status", "V-99999", "abgelehnt")
        assert wrong.returncode == 2 and "V-99999" in wrong.stderr


# -- the city of a command ------------------------------------------------------------------------------------

#: The commands added beside offers, campuses, indicators and the survey that only read.
READING = [["offers", "--date", D], ["angebote", "--date", D], ["vermittlung", "list"],
           ["vermittlung", "districts", "--date", D], ["programme"], ["campus", "list"], ["indikator", "list"],
           ["survey", "list"]]  # fmt: skip
#: ... and those that write (a survey round "x" need not exist: the city is checked first).
WRITING = [["vermittlung", "add", "A-7", "KITA-1"], ["vermittlung", "set-status", "V-1", "abgelehnt"],
           ["survey", "new", "2026"], ["survey", "close", "x"]]  # fmt: skip


@pytest.mark.parametrize("command", READING, ids=" ".join)
def test_every_new_command_works_on_the_city_named_with_city_or_stadt(cli_store, command):
    runner = CliRunner()
    undecided = runner.invoke(app, command)  # two cities in the store, none named or configured
    assert undecided.exit_code == 2 and "musterstadt (Musterstadt), nachbarort (Nachbarort)" in undecided.output
    for option in ("--city", "--stadt"):
        chosen = runner.invoke(app, [*command, option, "musterstadt"])
        assert chosen.exit_code == 0, chosen.output


@pytest.mark.parametrize("command", READING + WRITING, ids=" ".join)
def test_a_new_command_naming_an_unknown_city_is_one_clear_line_and_changes_nothing(cli_store, command):
    with EmbeddedStore(cli_store.store) as st:
        before = sorted(map(str, st.quads()))
    gc.collect()
    result = CliRunner().invoke(app, [*command, "--stadt", "atlantis"])
    assert result.exit_code == 2 and "atlantis" in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    with EmbeddedStore(cli_store.store) as st:
        assert sorted(map(str, st.quads())) == before
# -- mediations as a spreadsheet -----------------------------------------------------------------------------


def _source_triples(store, source: str) -> tuple[set[str], set[str]]:
    data, private, _ = source_graphs(IRIS, source)
    present = set(store.named_graphs())
    return tuple({str(q.triple) for q in store.quads(g)} if g in present else set() for g in (data, private))


def test_mediations_go_to_a_spreadsheet_and_back_into_the_same_store(store, tmp_path):
    from bildungsnetz.ingest.pipeline import import_files
    from bildungsnetz.ingest.tables.export import export_tables
    from bildungsnetz.ingest.tables.templates import write_tables

    record_mediation(store, offer="A-7", institution="KITA-1", status="vermittelt", on="2025-06-02",
                     note="Vorlesen freitags", user="anna")  # fmt: skip
    before = _source_triples(store, MEDIATION_SOURCE)
    rows = export_tables(store, city="dortmund", iris=IRIS, include_private=True)["vermittlungen"]
    assert [r["id"] for r in rows] == ["V-1", "V-2", "V-3", "V-4"] and rows[-1]["nutzer"] == "anna"
    public = export_tables(store, city="dortmund", iris=IRIS)["vermittlungen"]
    assert not any(r["nutzer"] for r in public)  # who mediated is personal data
    files = write_tables({"vermittlungen": rows}, tmp_path / "aus.xlsx", "xlsx")
    fresh = EmbeddedStore()
    mediations = set(source_graphs(IRIS, MEDIATION_SOURCE))
    fresh.replace_graphs({g: ts for g, ts in fixture_graphs().items() if g not in mediations})
    versions = Versions(tmp_path / "versionen")
    result = import_files(files, store=fresh, source=MEDIATION_SOURCE, versions=versions)
    assert result.imported, [v.message_de for v in result.report.violations]
    assert _source_triples(fresh, MEDIATION_SOURCE) == before
    assert result.version and result.version in [v.id for v in versions.history(MEDIATION_SOURCE)]


def test_a_wrong_mediation_row_names_file_row_and_column_and_imports_nothing(store, tmp_path):
    from bildungsnetz.ingest.pipeline import import_files

    sheet = tmp_path / "vermittlungen.csv"
    sheet.write_text("id;angebot;einrichtung;datum;status\nV-10;A-7;KITA-1;2025-06-02;vermittelt\n"
                     "V-11;A-7;KITA-1;2025-06-02;vielleicht\nV-12;A-99;KITA-1;2025-06-02;angefragt\n",
                     encoding="utf-8")  # fmt: skip
    before = dump(store)
    result = import_files([sheet], store=store, source="meine-vermittlungen")
    assert not result.imported
    assert dump(store) == before
    wrong = sorted({(v.row, v.column) for v in result.report.violations if v.severity == "Violation"})
    assert wrong == [(3, "status"), (4, "angebot")], [(v.row, v.column, v.message_de) for v in result.report.violations]
    assert all(v.source_file.endswith("vermittlungen.csv") and v.message_en for v in result.report.violations)

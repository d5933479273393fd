"""Names instead of ids in an import workbook: safe matches linked and reported, the rest refused and queued.

Offices write partners, members and providers by name ("Lesewelt Röttgersbach"), not by id. The importer
asks the matcher (docs/abgleich.md): one candidate above its threshold with a clear margin is linked and named
in the import report; anything else is one located error naming the candidates, the import is refused, and
the name waits on the review list until a person decides; the next import then links it. Both stores.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from bildungsnetz.ingest.pipeline import import_files
from bildungsnetz.iris import Iris
from bildungsnetz.matching.decisions import QUEUE_GRAPH, decide, queue
from bildungsnetz.matching.linker import StoreLinker

IRIS = Iris()
BN = "https://w3id.org/bildungsnetz/ontology#"
ORG = "http://www.w3.org/ns/org#"
ACTORS = (
    "id;name;typ;stadtteil\n"
    "KITA-1;Kita Sonnenschein Nord;Kita;Syburg\n"
    "KITA-2;Kita Sonnenschein Süd;Kita;Syburg\n"
    "VER-1;Lesewelt Röttgersbach e. V.;Verein;Syburg\n"
    "VER-2;Förderverein Hafenkinder;Verein;Syburg\n"
)


@pytest.fixture
def store(each_store, tmp_path):
    """Four actors imported as source ``akteure`` (by id, as every table did so far)."""
    (tmp_path / "akteure.csv").write_text(ACTORS, encoding="utf-8")
    done = import_files([tmp_path / "akteure.csv"], store=each_store, iris=IRIS, city="dortmund", source="akteure")
    assert done.imported, done.report.violations
    return each_store


def workbook(path: Path, *, partner_k3: str = "Kita Sonnenschein") -> Path:
    """The office's workbook: partners, a member and a provider written by name; one name fits two Kitas."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Kooperationen"
    ws.append(["id", "akteur_a", "akteur_b", "art"])
    ws.append(["K-1", "Lesewelt Röttgersbach", "KITA-1", "informell"])  # legal form left out
    ws.append(["K-2", "Lesewelt Rötgersbah", "KITA-2", "informell"])  # two typos
    ws.append(["K-3", partner_k3, "VER-2", "informell"])  # Nord or Süd?
    nets = wb.create_sheet("Netzwerke")
    nets.append(["id", "name", "art"])
    nets.append(["N-1", "Runder Tisch Syburg", "arbeitskreis"])
    members = wb.create_sheet("Mitgliedschaften")
    members.append(["netzwerk", "akteur"])
    members.append(["N-1", "Foerderverein Hafenkinder"])  # umlaut written out
    offers = wb.create_sheet("Angebote")
    offers.append(["id", "titel", "anbieter"])
    offers.append(["A-1", "Vorlesestunde", "Lesewelt Röttgersbach e.V."])
    wb.save(path)
    return path


def partner_import(store, path: Path, *, dry_run: bool = False):
    return import_files([path], store=store, iris=IRIS, city="dortmund", source="partner", dry_run=dry_run,
                        names=StoreLinker(store, iris=IRIS))


def landscape(store) -> list[str]:
    """Every quad of every graph but the review list's, sorted."""
    waiting = str(IRIS.graph(QUEUE_GRAPH))
    return sorted(str(q) for g in store.named_graphs() if g != waiting for q in store.quads(g))


def objects(store, predicate: str, graph: str = "quelle/partner") -> set[tuple[str, str]]:
    return {(q.subject.value.rsplit("/", 1)[-1], q.object.value.rsplit("/", 1)[-1])
            for q in store.quads(str(IRIS.graph(graph))) if q.predicate.value == predicate}


def test_an_ambiguous_name_refuses_the_import_naming_file_sheet_row_column_and_candidates(store, tmp_path):
    before = landscape(store)
    result = partner_import(store, workbook(tmp_path / "partner.xlsx"))
    assert not result.imported and result.exit_code == 1
    assert landscape(store) == before  # nothing imported half; only the review list gained the name
    errors = [v for v in result.report.violations if v.severity == "Violation"]
    assert len(errors) == 1  # one clear message, not a second one about a partnership short of a partner
    (error,) = errors
    assert (Path(error.source_file).name, error.row, error.column) == ("partner.xlsx#Kooperationen", 4, "akteur_a")
    for text in (error.message_de, error.message_en):
        assert '"Kita Sonnenschein"' in text
        assert '"Kita Sonnenschein Nord" (KITA-1' in text and '"Kita Sonnenschein Süd" (KITA-2' in text
    assert "Kandidaten" in error.message_de and "candidates" in error.message_en


def test_safe_matches_are_named_in_the_import_report_with_their_score(store, tmp_path):
    result = partner_import(store, workbook(tmp_path / "partner.xlsx"), dry_run=True)
    notes = "\n".join(result.notes)
    assert "partner.xlsx, Blatt Kooperationen, Zeile 2, Spalte akteur_a: 'Lesewelt Röttgersbach' → " \
           "Lesewelt Röttgersbach e. V. (1.00)" in notes
    assert "Zeile 3, Spalte akteur_a: 'Lesewelt Rötgersbah' → Lesewelt Röttgersbach e. V. (0.9" in notes
    assert "Blatt Mitgliedschaften, Zeile 2, Spalte akteur: 'Foerderverein Hafenkinder' → " \
           "Förderverein Hafenkinder" in notes
    assert "Blatt Angebote, Zeile 2, Spalte anbieter: 'Lesewelt Röttgersbach e.V.' → Lesewelt" in notes


def test_the_ambiguous_name_waits_on_the_review_list_with_where_it_came_from(store, tmp_path):
    result = partner_import(store, workbook(tmp_path / "partner.xlsx"), dry_run=True)
    assert result.queued == 1
    (waiting,) = queue(store, iris=IRIS)
    assert waiting["text"] == "Kita Sonnenschein"
    assert waiting["source"] == "partner.xlsx, Blatt Kooperationen, Zeile 4, Spalte akteur_a"
    again = partner_import(store, workbook(tmp_path / "partner.xlsx"), dry_run=True)
    assert again.queued == 0 and len(queue(store, iris=IRIS)) == 1  # asked once, however often it is checked


def test_once_decided_the_next_import_links_every_name_to_the_right_actor(store, tmp_path):
    path = workbook(tmp_path / "partner.xlsx")
    partner_import(store, path)
    decide(store, "Kita Sonnenschein", "KITA-1", "bestaetigt", user="anna", iris=IRIS)
    result = partner_import(store, path)
    assert result.imported, [v.message_de for v in result.report.violations]
    assert objects(store, BN + "partner") == {
        ("K-1", "VER-1"), ("K-1", "KITA-1"), ("K-2", "VER-1"), ("K-2", "KITA-2"), ("K-3", "KITA-1"),
        ("K-3", "VER-2"),
    }
    assert {o for _, o in objects(store, ORG + "member")} == {"VER-2"}
    assert objects(store, BN + "anbieter") == {("A-1", "VER-1")}
    assert "Kita Sonnenschein" not in [w["text"] for w in queue(store, iris=IRIS)]


def test_an_id_written_in_the_cell_never_asks_the_matcher(store, tmp_path):
    class Refuse:
        def link(self, text):
            raise AssertionError(f"asked for {text!r}")

        def hold(self, names):
            return 0

    ids = tmp_path / "ids.csv"
    ids.write_text("id;akteur_a;akteur_b;art\nK-9;VER-1;KITA-2;informell\n", encoding="utf-8")
    result = import_files([ids], store=store, iris=IRIS, city="dortmund", source="ids", kind="kooperationen",
                          names=Refuse())
    assert result.imported


def test_the_office_imports_names_from_the_command_line_decides_the_unsure_one_and_imports_again(tmp_path):
    from typer.testing import CliRunner

    from bildungsnetz.cli import app

    runner = CliRunner()
    store = ["--store", str(tmp_path / "store")]
    (tmp_path / "akteure.csv").write_text(ACTORS, encoding="utf-8")
    assert runner.invoke(app, ["import", str(tmp_path / "akteure.csv"), "--source", "akteure", *store]).exit_code == 0
    path = workbook(tmp_path / "partner.xlsx")
    refused = runner.invoke(app, ["import", str(path), "--source", "partner", *store])
    assert refused.exit_code == 1
    assert '"Kita Sonnenschein Nord" (KITA-1' in refused.output and "Zeile 4" in refused.output
    assert "neu auf der Prüfliste" in refused.output
    waiting = runner.invoke(app, ["abgleich-queue", "--format", "json", *store])
    assert "Kita Sonnenschein" in waiting.output
    assert runner.invoke(app, ["abgleich-queue", "confirm", "Kita Sonnenschein", "KITA-1", *store]).exit_code == 0
    done = runner.invoke(app, ["import", str(path), "--source", "partner", *store])
    assert done.exit_code == 0, done.output
    assert "'Kita Sonnenschein' → Kita Sonnenschein Nord (1.00)" in done.output

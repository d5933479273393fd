"""The import pipeline end to end: validated, atomic, idempotent, traced back to the input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bildungsnetz.ingest.pipeline import import_files
from bildungsnetz.iris import Iris
from bildungsnetz.store import EmbeddedStore

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "docs" / "beispiel.trig"
IRIS = Iris()
BN = "https://w3id.org/bildungsnetz/ontology#"


def dump(store) -> list[str]:
    """A canonical dump: every quad of every named graph, sorted."""
    return sorted(str(q) for g in store.named_graphs() for q in store.quads(g))


@pytest.fixture
def store(each_store):
    """An empty store: embedded Oxigraph, and a real Virtuoso (``each_store`` of conftest)."""
    return each_store


def actors_ttl(path: Path, *, second_partner: str = "akteur/A-2", extra: str = "") -> Path:
    path.write_text(
        f"""@prefix bn: <{BN}> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix schema: <https://schema.org/> .
@prefix bnv: <https://w3id.org/bildungsnetz/vocab/> .
@prefix id: <https://w3id.org/bildungsnetz/id/> .
<https://w3id.org/bildungsnetz/id/akteur/A-1> a bn:Verein ; skos:prefLabel "Leseclub Nord" ;
  dcterms:identifier "A-1" ; bn:akteursart <https://w3id.org/bildungsnetz/vocab/akteursart/verein> ;
  bn:sektor <https://w3id.org/bildungsnetz/vocab/sektor/zivilgesellschaft> .
<https://w3id.org/bildungsnetz/id/akteur/A-2> a bn:Kita ; skos:prefLabel "Kita Nord" ;
  dcterms:identifier "A-2" ; bn:akteursart <https://w3id.org/bildungsnetz/vocab/akteursart/kita> ;
  bn:sektor <https://w3id.org/bildungsnetz/vocab/sektor/jugendhilfe> .
<https://w3id.org/bildungsnetz/id/kooperation/K-1> a bn:Kooperation ; dcterms:identifier "K-1" ;
  bn:partner <https://w3id.org/bildungsnetz/id/akteur/A-1> , <https://w3id.org/bildungsnetz/id/{second_partner}> ;
  bn:handlungsfeld <https://w3id.org/bildungsnetz/vocab/handlungsfeld/sprachbildung> ;
  schema:startDate "2024-01-01"^^<http://www.w3.org/2001/XMLSchema#date> .
{extra}
""",
        encoding="utf-8",
    )
    return path


def test_an_import_writes_the_source_graph_its_private_graph_and_a_prov_record(store):
    result = import_files([EXAMPLE], store=store)
    assert result.exit_code == 0 and result.imported
    graphs = set(store.named_graphs())
    for name in ("quelle/beispiel", "privat/beispiel", "meta/beispiel", "ontologie", "vokabulare", "stadt/dortmund"):
        assert str(IRIS.graph(name)) in graphs
    private = {q.triple for q in store.quads(str(IRIS.graph("privat/beispiel")))}
    public = {q.triple for q in store.quads(str(IRIS.graph("quelle/beispiel")))}
    assert any(t.object.value == BN + "Kontaktperson" for t in private)
    assert not any("Mustermann" in str(t) for t in public)
    meta = IRIS.graph("meta/beispiel")
    checksum = list(store.select(f"SELECT ?c WHERE {{ GRAPH <{meta}> {{ ?f <{BN}pruefsumme> ?c }} }}"))
    assert len(checksum) == 1 and len(checksum[0][0].value) == 64


def test_importing_the_same_file_again_changes_nothing(store):
    import_files([EXAMPLE], store=store)
    before = dump(store)
    again = import_files([EXAMPLE], store=store)
    assert again.exit_code == 0 and again.unchanged and not again.imported
    assert dump(store) == before


def test_a_failing_import_leaves_the_store_exactly_as_it_was(store, tmp_path):
    import_files([EXAMPLE], store=store)
    before = dump(store)
    bad = actors_ttl(tmp_path / "bad.ttl", second_partner="akteur/GIBT-ES-NICHT")
    result = import_files([bad], store=store)
    assert result.exit_code == 1 and not result.imported
    assert any(v.shape.endswith("Kooperation-partnerAkteur") for v in result.report.errors)
    assert dump(store) == before


def test_references_to_actors_of_another_source_are_resolved_from_the_store(store, tmp_path):
    import_files([actors_ttl(tmp_path / "akteure.ttl")], store=store)
    other = tmp_path / "kooperationen.ttl"
    other.write_text(
        f"""<https://w3id.org/bildungsnetz/id/kooperation/K-2> a <{BN}Kooperation> ;
  <{BN}partner> <https://w3id.org/bildungsnetz/id/akteur/A-1> , <https://w3id.org/bildungsnetz/id/akteur/A-2> ;
  <{BN}handlungsfeld> <https://w3id.org/bildungsnetz/vocab/handlungsfeld/sprachbildung> .""",
        encoding="utf-8",
    )
    result = import_files([other], store=store)
    assert result.exit_code == 0, result.report.to_text(lang="en")
    assert str(IRIS.graph("quelle/kooperationen")) in store.named_graphs()


def test_dry_run_validates_but_writes_nothing(store):
    result = import_files([EXAMPLE], store=store, dry_run=True)
    assert result.exit_code == 0 and not result.imported
    assert store.named_graphs() == []


def test_a_crash_before_the_swap_leaves_the_store_as_it_was(store, tmp_path, monkeypatch):
    import_files([EXAMPLE], store=store)
    before = dump(store)
    import bildungsnetz.ingest.pipeline as imp

    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(imp, "_meta_triples", boom)
    with pytest.raises(KeyboardInterrupt):
        import_files([actors_ttl(tmp_path / "neu.ttl")], store=store)
    assert dump(store) == before


def test_a_crash_inside_the_swap_leaves_the_store_as_it_was(tmp_path, monkeypatch):
    store = EmbeddedStore(tmp_path / "s")
    import_files([EXAMPLE], store=store)
    before = dump(store)
    changed = EXAMPLE.read_text(encoding="utf-8").replace("Kita Sonnenschein", "Kita Regenbogen")
    (tmp_path / "beispiel.trig").write_text(changed, encoding="utf-8")

    real = store._store

    class Exploding:
        """The real store, except that the one transaction of the swap fails (disk full)."""

        def __getattr__(self, name):
            return getattr(real, name)

        def update(self, text):
            raise OSError("disk full")

    monkeypatch.setattr(store, "_store", Exploding())
    with pytest.raises(OSError):
        import_files([tmp_path / "beispiel.trig"], store=store)
    monkeypatch.undo()
    assert dump(store) == before


def test_unreadable_input_is_exit_code_2_with_the_file_named(store, tmp_path):
    from bildungsnetz.errors import InputError

    broken = tmp_path / "kaputt.ttl"
    broken.write_text("<a> <b> .", encoding="utf-8")
    with pytest.raises(InputError, match="kaputt.ttl") as err:
        import_files([broken], store=store)
    assert err.value.exit_code == 2
    with pytest.raises(InputError, match="fehlt.csv"):
        import_files([tmp_path / "fehlt.csv"], store=store)
    assert store.named_graphs() == []


def test_reports_are_written_as_html_json_and_xlsx(store, tmp_path):
    from openpyxl import load_workbook

    from bildungsnetz.report.imports import write_report

    bad = actors_ttl(tmp_path / "bad.ttl", second_partner="akteur/GIBT-ES-NICHT")
    result = import_files([bad], store=store)
    for suffix in ("html", "json", "xlsx"):
        write_report(result, tmp_path / f"r.{suffix}")
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "kein bekannter Akteur" in page and "http" not in page.split("<style>")[0].split("<title>")[0]
    assert "<script" not in page and "src=" not in page
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert data["ok"] is False and data["report"]["violations"]
    wb = load_workbook(tmp_path / "r.xlsx")
    assert "Bericht" in wb.sheetnames


def test_school_list_reimport_ends_schools_that_disappeared(store, tmp_path, shared):
    city_list = shared / "data" / "schulen" / "nrw_schuldaten_2021.csv"
    first = import_files([city_list], store=store, source="schulen")
    assert first.exit_code == 0 and first.imported
    lines = city_list.read_text(encoding="utf-8").splitlines()
    dortmund = [i for i, line in enumerate(lines) if '"05913000"' in line and '"1";' in line.split('"05913000"')[1][:5]]
    gone = dortmund[:3]
    newer = tmp_path / "schuldaten.csv"
    newer.write_text("\n".join(line for i, line in enumerate(lines) if i not in gone) + "\n", encoding="utf-8")
    second = import_files([newer], store=store, source="schulen")
    assert second.exit_code == 0 and second.imported
    ended = list(store.select(f"SELECT ?s WHERE {{ ?s <{BN}inBetriebBis> ?d }}"))
    numbers = {lines[i].split(";")[0].strip('"') for i in gone}
    assert {row[0].value.rsplit("/", 1)[1] for row in ended} == numbers


def test_the_xlsx_report_is_the_users_workbook_with_the_bad_cells_marked(store, tmp_path):
    from openpyxl import load_workbook

    from bildungsnetz.ingest.tables import write_example
    from bildungsnetz.report.imports import write_report

    book = write_example(tmp_path / "beispiel.xlsx")
    wb = load_workbook(book)
    ws = wb["kooperationen"]
    header = [c.value for c in ws[1]]
    ws.cell(row=3, column=header.index("art") + 1, value="Kooperatoinsvereinbarung")
    ws.cell(row=4, column=header.index("akteur_b") + 1, value="GIBT-ES-NICHT")
    wb.save(tmp_path / "kaputt.xlsx")
    before = dump(store)
    result = import_files([tmp_path / "kaputt.xlsx"], store=store)
    assert result.exit_code == 1 and dump(store) == before
    write_report(result, tmp_path / "bericht.xlsx")
    marked = load_workbook(tmp_path / "bericht.xlsx")["kooperationen"]
    art = marked.cell(row=3, column=header.index("art") + 1)
    partner = marked.cell(row=4, column=header.index("akteur_b") + 1)
    assert art.fill.fgColor.rgb.endswith("FFC7CE") and "Kooperationsvereinbarung" in art.comment.text
    assert partner.fill.fgColor.rgb.endswith("FFC7CE")
    errors = marked.cell(row=4, column=marked.max_column).value
    assert "kein bekannter Akteur" in errors
    assert marked.cell(row=2, column=marked.max_column).value is None

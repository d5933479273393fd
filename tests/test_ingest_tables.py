"""Spreadsheets in and out: reading CSV/XLSX import tables, mapping them to RDF, exporting the store back."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import openpyxl
import pyoxigraph as ox
import pytest
import rdflib

from bildungsnetz.ingest import TABLES
from bildungsnetz.ingest.tables import (
    TableError,
    column_spec,
    detect_table,
    example_dir,
    export_tables,
    map_tables,
    source_location,
    split_values,
    tables_from_files,
    write_example,
    write_tables,
    write_template,
)
from bildungsnetz.iris import Iris
from bildungsnetz.namespace import BN, VOCAB
from bildungsnetz.store import EmbeddedStore

IRIS = Iris()
ID = IRIS.base
SKOS_LABEL = "http://www.w3.org/2004/02/skos/core#prefLabel"
START, END = "https://schema.org/startDate", "https://schema.org/endDate"
WKT = "http://www.opengis.net/ont/geosparql#asWKT"
LIEGT_IN = str(BN.liegtIn)
FIXED = dt.datetime(2025, 3, 1, 10, 0, tzinfo=dt.UTC)
AKTEURE = "id;name;typ;schulform;traeger;strasse;plz;ort;stadtbezirk;stadtteil;lat;lon;website\n"


def mapped(*paths, **options):
    options.setdefault("generated", FIXED)
    return map_tables(list(paths), city="dortmund", iris=IRIS, source="test", **options)


def objects(triples, subject: str, predicate: str) -> set[str]:
    return {t.object.value for t in triples if t.subject.value == subject and t.predicate.value == predicate}


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


# -- Reading -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
@pytest.mark.parametrize("delimiter", [",", ";"])
def test_csv_in_utf8_bom_or_windows_1252_with_comma_or_semicolon_keeps_umlauts(tmp_path, encoding, delimiter):
    text = delimiter.join(["id", "name", "typ", "stadtteil"]) + "\n"
    text += delimiter.join(["KITA-17", "Kita Sonnenschein Hörde", "Kita", "Hörde"]) + "\n"
    staged = mapped(write(tmp_path / "akteure.csv", text, encoding))
    assert objects(staged.data, ID + "akteur/KITA-17", SKOS_LABEL) == {"Kita Sonnenschein Hörde"}
    assert objects(staged.data, ID + "standort/KITA-17/1", LIEGT_IN) == {ID + "gebiet/dortmund/stadtteil/53"}
    assert not staged.problems


def test_xlsx_with_date_cells_float_numbers_and_a_stray_sheet(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Akteure"
    ws.append(["ID", "Name", "Typ", "Schulform", "PLZ", "Stadtteil", "lat", "lon"])
    ws.append([199001.0, "Grundschule am See", "Schule", 2, 4263, "Syburg", 51.4905, 7.5051])
    ws.append([None, None, None, None, None, None, None, None])  # empty rows are skipped
    ws.append(["KITA-17", "Kita Sonnenschein", "kita", None, 44263, 55, None, None])
    ko = wb.create_sheet("kooperationen")
    ko.append(["id", "akteur_a", "akteur_b", "beginn", "ende"])
    ko.append(["K-1", 199001, "KITA-17", dt.datetime(2022, 8, 1), "31.07.2026"])
    wb.create_sheet("Notizen").append(["nur für uns"])
    book = tmp_path / "daten.xlsx"
    wb.save(book)

    assert detect_table(book) == ["akteure", "kooperationen"]
    staged = mapped(book)
    school = ID + "schule/199001"
    assert objects(staged.data, school, str(BN.schulnummer)) == {"199001"}
    assert objects(staged.data, school, str(BN.schulform)) == {str(VOCAB["schulform/02"])}
    site = ID + "standort/199001/1"
    assert objects(staged.data, site + "/adresse", "https://schema.org/postalCode") == {"04263"}
    assert objects(staged.data, site + "/geometrie", WKT) == {"POINT(7.5051 51.4905)"}
    assert objects(staged.data, ID + "kooperation/K-1", START) == {"2022-08-01"}
    assert objects(staged.data, ID + "kooperation/K-1", END) == {"2026-07-31"}
    assert any("Notizen" in note for note in staged.notes)
    assert staged.origins[school].row == 2 and staged.origins[ID + "akteur/KITA-17"].row == 4
    assert not staged.problems


def test_a_missing_required_column_is_an_input_error_naming_file_and_column(tmp_path):
    path = write(tmp_path / "akteure.csv", "id;name\nK;Kita\n")
    with pytest.raises(TableError, match=r"akteure\.csv.*Spalte 'typ'.*column 'typ'") as info:
        mapped(path)
    assert info.value.exit_code == 2


def test_an_unknown_column_is_an_input_error_with_a_suggestion_and_blanks_and_case_do_not_count(tmp_path):
    header = "id;akteur_a;akteur_b;begin\n"
    with pytest.raises(TableError, match=r"Spalte 'begin'.*meinten Sie 'beginn'\?.*did you mean 'beginn'"):
        mapped(write(tmp_path / "kooperationen.csv", header + "K-1;A;B;2024-01-01\n"))
    fine = write(tmp_path / "kooperationen.csv", "ID; Akteur A ;AKTEUR_B; Beginn \nK-1;A;B;2024-01-01\n")
    assert objects(mapped(fine).data, ID + "kooperation/K-1", START) == {"2024-01-01"}


def test_an_unknown_column_in_a_workbook_names_the_sheet(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "netzwerke"
    wb.active.append(["id", "name", "koordinaton"])
    wb.save(tmp_path / "n.xlsx")
    with pytest.raises(TableError, match=r"Blatt 'netzwerke'.*Spalte 'koordinaton'.*'koordination'"):
        detect_table(tmp_path / "n.xlsx")


def test_the_table_of_a_csv_comes_from_its_name_or_header_or_kind(tmp_path):
    assert detect_table(write(tmp_path / "Akteure 2024.csv", AKTEURE)) == ["akteure"]
    assert detect_table(write(tmp_path / "liste.csv", "netzwerk,akteur,rolle\n")) == ["mitgliedschaften"]
    with pytest.raises(TableError, match="nicht erkannt.*--kind"):
        detect_table(write(tmp_path / "liste.csv", "foo,bar\n"))
    forced = mapped(write(tmp_path / "x.csv", "akteur,name\nVHS,Erika\n"), kind="kontakte")
    assert forced.private and not forced.data


# -- Row-level problems --------------------------------------------------------------------------------------


def test_bad_cells_become_problems_with_row_and_column_and_the_rest_of_the_row_is_mapped(tmp_path):
    path = write(tmp_path / "kooperationen.csv",
                 "id;akteur_a;akteur_b;art;beginn\n"
                 "K-1;A;B;Kooperatoinsvereinbarung;2024-08-01\n"
                 "K-2;A;B;informell;31.02.2024\n")  # fmt: skip
    staged = mapped(path)
    found = {(p.row, p.column, p.value): p for p in staged.problems}
    assert set(found) == {(2, "art", "Kooperatoinsvereinbarung"), (3, "beginn", "31.02.2024")}
    vocab = found[2, "art", "Kooperatoinsvereinbarung"]
    assert 'meinten Sie "Kooperationsvereinbarung"' in vocab.message_de
    assert 'did you mean "Kooperationsvereinbarung"' in vocab.message_en
    assert vocab.shape.endswith("#import-vokabular") and vocab.severity == "Violation"
    assert vocab.source_file == str(path) and vocab.focus == ID + "kooperation/K-1"
    assert found[3, "beginn", "31.02.2024"].shape.endswith("#import-datum")
    # the rest of both rows is there
    assert objects(staged.data, ID + "kooperation/K-1", START) == {"2024-08-01"}
    assert objects(staged.data, ID + "kooperation/K-2", str(BN.kooperationsart)) == {
        str(VOCAB["kooperationsart/informell"])
    }


def test_district_names_are_matched_like_people_write_them_and_a_near_miss_gets_a_suggestion(tmp_path):
    path = write(tmp_path / "akteure.csv", AKTEURE
                 + "A;Treff;verein;;;;;;Hoerde;;;;\n"
                 + "B;Treff;verein;;;;;;Hörd;;;;\n"
                 + "C;Treff;verein;;;;;;Innenstadt-Nord;Syburg;;;\n")  # fmt: skip
    staged = mapped(path)
    assert objects(staged.data, ID + "standort/A/1", LIEGT_IN) == {ID + "gebiet/dortmund/stadtbezirk/8"}
    problems = {(p.row, p.column): p for p in staged.problems}
    assert set(problems) == {(3, "stadtbezirk"), (4, "stadtteil")}
    assert "Hörde" in problems[3, "stadtbezirk"].message_de and problems[3, "stadtbezirk"].value == "Hörd"
    assert "Innenstadt-Nord" in problems[4, "stadtteil"].message_de
    assert not objects(staged.data, ID + "standort/C/1", LIEGT_IN)


def test_bad_numbers_websites_and_emails_are_reported_and_skipped(tmp_path):
    write(tmp_path / "akteure.csv", AKTEURE + "A;Treff;verein;;;;;;;;51,5;sieben;keine Angabe\n")
    write(tmp_path / "kontakte.csv", "akteur;name;email\nA;Erika;erika(at)example\n")
    staged = mapped(tmp_path)
    assert {(p.column, p.severity) for p in staged.problems} == {
        ("lon", "Violation"), ("website", "Warning"), ("email", "Warning")
    }


# -- Mapping -------------------------------------------------------------------------------------------------


def test_several_values_in_one_cell_and_references_to_actors_of_other_imports(tmp_path):
    write(tmp_path / "kooperationen.csv",
          'id;akteur_a;akteur_b;handlungsfeld\nK-4;199003;"BIB-1; FZ-5 ;";"MINT; Sprachbildung"\n')
    staged = mapped(tmp_path)
    k4 = ID + "kooperation/K-4"
    partners = {ID + "schule/199003", ID + "akteur/BIB-1", ID + "akteur/FZ-5"}
    assert objects(staged.data, k4, str(BN.partner)) == partners
    assert objects(staged.data, k4, str(BN.handlungsfeld)) == {
        str(VOCAB["handlungsfeld/mint"]), str(VOCAB["handlungsfeld/sprachbildung"])
    }
    assert staged.references == partners
    assert split_values("a; b;; a") == ["a", "b"]


def test_traeger_is_a_reference_when_it_names_an_actor_and_a_name_otherwise(tmp_path):
    write(tmp_path / "akteure.csv", AKTEURE
          + "AWO;AWO Dortmund;verein;;;;;;;;;;\nK1;Kita;kita;;AWO;;;;;;;;\n"
          + "K2;Kita;kita;;Ev. Kirche;;;;;;;;\nK3;Kita;kita;;DRK;;;;;;;;\n")
    staged = mapped(tmp_path, existing_actors={ID + "akteur/DRK"})
    assert objects(staged.data, ID + "akteur/K1", str(BN.traeger)) == {ID + "akteur/AWO"}
    assert objects(staged.data, ID + "akteur/K2", str(BN.traegername)) == {"Ev. Kirche"}
    assert objects(staged.data, ID + "akteur/K3", str(BN.traeger)) == {ID + "akteur/DRK"}
    assert staged.references == {ID + "akteur/DRK"}


def test_an_sdg_target_implies_its_goal_and_the_assignment_is_confirmed_by_the_import(tmp_path):
    write(tmp_path / "angebote.csv", 'id;titel;anbieter;sdg\nA-1;Klima;VHS;"13.3; 4.7; SDG 6.3; 6.6"\n')
    data = mapped(tmp_path).data
    nodes = objects(data, ID + "angebot/A-1", str(BN.sdgZuordnung))
    assert nodes == {ID + f"angebot/A-1/sdg/{k}" for k in ("13", "4", "6.3", "6.6")}
    z = ID + "angebot/A-1/sdg/13"
    assert objects(data, z, str(BN.sdg)) == {str(VOCAB["sdg/13"])}
    assert objects(data, z, str(BN.sdgUnterziel)) == {str(VOCAB["sdg/13.3"])}
    assert objects(data, z, str(BN.status)) == {str(VOCAB["zuordnungsstatus/bestaetigt"])}
    assert objects(data, z, str(BN.methode)) == {"import"}
    assert objects(data, z, "http://www.w3.org/ns/prov#generatedAtTime") == {"2025-03-01T10:00:00Z"}
    assert objects(data, ID + "angebot/A-1/sdg/6.6", str(BN.sdg)) == {str(VOCAB["sdg/6"])}


def test_contact_persons_go_only_to_the_private_triples(tmp_path):
    write(tmp_path / "kontakte.csv", "akteur;name;funktion;email;telefon\n"
          "199001;Erika Mustermann;Schulleitung;erika@schule.example;+49 231 0\n"
          "199001;Max Muster;Sekretariat;max@schule.example;\n")
    staged = mapped(tmp_path)
    assert not staged.data
    texts = {t.object.value for t in staged.private}
    assert {"Erika Mustermann", "erika@schule.example", "Max Muster"} <= texts
    assert {t.subject.value for t in staged.private} == {ID + "kontakt/199001/1", ID + "kontakt/199001/2"}


def test_the_example_maps_without_problems_and_conforms_to_the_shapes():
    from bildungsnetz.validate.shacl import reference_graph, validate

    staged = mapped(example_dir())
    assert not staged.problems
    assert not staged.references  # every reference of the example is an actor or network of the example
    graph = rdflib.Graph().parse(data=ox.serialize(staged.data, format=ox.RdfFormat.N_TRIPLES), format="nt")
    report = validate(graph, reference=reference_graph())
    assert report.conforms, report.to_text(lang="en")
    assert not report.warnings, report.to_text(lang="en")
    subjects = {t.subject.value for t in staged.data} | {t.subject.value for t in staged.private}
    assert subjects - set(staged.origins) == {ID + "datensatz/indikatoren"}


def test_mapping_the_same_file_again_gives_the_same_triples():
    first = map_tables([example_dir()], city="dortmund", iris=IRIS, source="a")
    again = map_tables([example_dir()], city="dortmund", iris=IRIS, source="a")
    assert first.data == again.data and first.private == again.private


def test_a_large_table_maps(tmp_path):
    lines = [AKTEURE]
    lines += [f"A-{i};Akteur {i};Kita;;Träger {i % 7};Weg {i};44{i % 1000:03d};Dortmund;Hörde;Syburg;"
              f"51,{4000 + i % 999};7.{5000 + i % 999};\n" for i in range(5_000)]
    staged = mapped(write(tmp_path / "akteure.csv", "".join(lines)))
    assert staged.rows == 5_000 and not staged.problems
    assert sum(1 for t in staged.data if t.predicate.value == str(BN.akteursart)) == 5_000


# -- Export, templates, example ------------------------------------------------------------------------------


def _normalised(tables):
    """Cells as sets where a column takes several values, numbers as numbers, rows in any order."""
    out = {}
    for table, rows in tables.items():
        spec = column_spec()[table]["spalten"]
        seen = []
        for row in rows:
            cells = {}
            for column, value in row.items():
                if spec[column].get("mehrfach"):
                    cells[column] = frozenset(split_values(value))
                elif spec[column]["art"] in ("koordinate", "zahl", "betrag") and value[:1].isdigit():
                    cells[column] = Decimal(value.replace(",", ".")).normalize()  # not "*" or "ca. 45": kept as text
                else:
                    cells[column] = value
            if table == "kooperationen":  # partners are a set: which one is akteur_a is not kept
                cells["akteur_a"] = cells.pop("akteur_a") | cells.pop("akteur_b")
            seen.append(tuple(sorted(cells.items())))
        out[table] = sorted(seen, key=repr)
    return out


def _store(staged):
    store = EmbeddedStore()
    store.replace_graphs({
        str(IRIS.graph("quelle/test")): staged.data, str(IRIS.graph("privat/test")): staged.private,
    })  # fmt: skip
    return store


def test_spreadsheet_to_store_to_spreadsheet_is_lossless():
    source = tables_from_files([example_dir()])
    exported = export_tables(_store(mapped(example_dir())), city="dortmund", iris=IRIS, include_private=True)
    assert set(exported) == set(TABLES)
    assert _normalised(exported) == _normalised(source)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_imports_again_to_the_same_triples(tmp_path, fmt):
    staged = mapped(example_dir())
    tables = export_tables(_store(staged), city="dortmund", iris=IRIS, include_private=True)
    target = tmp_path / ("export.xlsx" if fmt == "xlsx" else "export")
    write_tables(tables, target, fmt)
    again = mapped(target)
    assert not again.problems
    assert set(again.data) == set(staged.data) and set(again.private) == set(staged.private)


def test_csv_export_is_what_german_excel_opens_by_double_click(tmp_path):
    tables = export_tables(_store(mapped(example_dir())), city="dortmund", iris=IRIS)
    assert "kontakte" not in tables  # personal data only on request
    write_tables(tables, tmp_path, "csv")
    raw = (tmp_path / "akteure.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with byte-order mark
    header, first = raw[3:].decode("utf-8").split("\r\n")[:2]
    assert header == ";".join(TABLES["akteure"])
    assert ";Hörde;" in first and ";51,4905;7,5051;" in first  # decimal comma in number columns


def test_schools_from_the_school_list_export_their_schulnummer_and_district_names():
    school = ox.NamedNode(ID + "schule/100132")
    site = ox.NamedNode(ID + "standort/100132/1")
    def t(s, p, o):
        return ox.Triple(s, ox.NamedNode(str(p)), o)
    store = EmbeddedStore()
    store.replace_graphs({str(IRIS.graph("quelle/schulliste")): [
        t(school, rdflib.RDF.type, ox.NamedNode(str(BN.Schule))),
        t(school, BN.akteursart, ox.NamedNode(str(VOCAB["akteursart/schule"]))),
        t(school, BN.schulnummer, ox.Literal("100132")),
        t(school, SKOS_LABEL, ox.Literal("Grundschule am Beispielpark")),
        t(school, "http://www.w3.org/ns/org#hasSite", site),
        t(site, BN.liegtIn, ox.NamedNode(ID + "gebiet/dortmund/stadtteil/55")),
    ]})  # fmt: skip
    [row] = export_tables(store, city="dortmund", iris=IRIS)["akteure"]
    shown = (row["id"], row["typ"], row["stadtbezirk"], row["stadtteil"])
    assert shown == ("100132", "schule", "Hörde", "Syburg")


def test_templates_have_the_header_and_hints_that_are_never_read_as_data(tmp_path):
    [book] = write_template("alle", "xlsx", tmp_path / "vorlage.xlsx")
    wb = openpyxl.load_workbook(book)
    assert [c.value for c in wb["angebote"][1]] == list(TABLES["angebote"])
    assert wb["angebote"]["H1"].comment is not None and "Unterziel" in wb["angebote"]["H1"].comment.text
    assert {"Hinweise", "Codes"} <= set(wb.sheetnames)
    staged = mapped(book)
    assert staged.rows == 0 and not staged.data and not staged.problems
    [csv_file] = write_template("akteure", "csv", tmp_path / "akteure.csv")
    assert csv_file.read_text(encoding="utf-8-sig").strip() == ";".join(TABLES["akteure"])


def test_the_example_workbook_holds_every_table_of_the_example(tmp_path):
    book = write_example(tmp_path / "beispiel.xlsx")
    assert detect_table(book) == list(TABLES)
    assert set(mapped(book).data) == set(mapped(example_dir()).data)


def test_the_column_description_covers_exactly_the_import_columns():
    spec = column_spec()
    assert list(spec) == list(TABLES)
    for table, columns in TABLES.items():
        assert tuple(spec[table]["spalten"]) == columns


def test_problems_in_a_workbook_name_file_and_sheet(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "Angebote"
    wb.active.append(["id", "titel", "anbieter", "zielgruppe"])
    wb.active.append(["A-1", "Kurs", "VHS", "Kinnder"])
    wb.save(tmp_path / "b.xlsx")
    [problem] = mapped(tmp_path / "b.xlsx").problems
    assert source_location(problem.source_file) == (str(tmp_path / "b.xlsx"), "Angebote")
    assert (problem.row, problem.column) == (2, "zielgruppe") and '"Kinder"' in problem.message_de


def test_the_documentation_describes_every_column():
    doc = (Path(__file__).resolve().parents[1] / "docs" / "import.md").read_text(encoding="utf-8")
    for table, columns in TABLES.items():
        assert f"## {table}" in doc
        for column in columns:
            assert f"`{column}`" in doc, (table, column)

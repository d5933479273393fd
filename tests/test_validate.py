"""Tests of the SHACL shapes and of bildungsnetz.validate: fixtures, meta-validation, the example, reports."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyshacl
import pytest
import rdflib
from rdflib import RDF, SH, Graph, Literal, URIRef

from bildungsnetz import resources
from bildungsnetz.errors import FileUnreadable
from bildungsnetz.ingest.files import read_rdf_file, validate_files
from bildungsnetz.namespace import BN, BNSH
from bildungsnetz.tools.shapesdoc import shapes_markdown
from bildungsnetz.validate import (
    ValidationReport,
    compact,
    compact_path,
    load_ontology,
    load_shapes,
    reference_graph,
    validate,
)

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "data" / "shapes"
CASES = sorted(p for p in FIXTURES.glob("*-*.ttl"))
ID = rdflib.Namespace("https://w3id.org/bildungsnetz/id/")
SHAPE_KINDS = (SH.NodeShape, SH.PropertyShape)
# Objects of these predicates are shapes too (nested shapes must also be named and explained).
SHAPE_REFERENCES = (SH.property, SH.node, SH.qualifiedValueShape, SH["not"])


@pytest.fixture(scope="module")
def referenz() -> Graph:
    """The fixtures' small reference graph plus the real vocabularies."""
    graph = Graph().parse(FIXTURES / "referenz.ttl")
    for path in resources.vocabulary_files():
        graph.parse(path)
    return graph


def expected(path: Path) -> set[tuple[str, str, str]]:
    """The ``# erwartet: SHAPE PATH SEVERITY`` lines of a fixture."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return {tuple(line.split()[2:5]) for line in lines if line.startswith("# erwartet:")}


def found(report: ValidationReport) -> set[tuple[str, str, str]]:
    return {(compact(v.shape), compact_path(v.path) or "-", v.severity) for v in report.violations}


def all_shapes(sg: Graph) -> set[rdflib.term.Node]:
    shapes = {s for kind in SHAPE_KINDS for s in sg.subjects(RDF.type, kind)}
    shapes |= {o for p in SHAPE_REFERENCES for o in sg.objects(None, p)}
    return shapes


# -- Fixtures --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fixture", CASES, ids=[p.stem for p in CASES])
def test_fixture_fails_exactly_the_expected_rules(fixture: Path, referenz: Graph) -> None:
    report = validate(Graph().parse(fixture), reference=referenz)
    want = expected(fixture)
    if "-ok" in fixture.stem:
        assert not want, "an -ok fixture declares no expected results"
    else:
        assert want, f"{fixture.name} declares no '# erwartet:' line"
    assert found(report) == want, report.to_text(lang="en")
    assert report.conforms == (not any(sev == "Violation" for _, _, sev in want))


def test_every_targeted_node_shape_has_a_conforming_and_a_violating_fixture() -> None:
    sg = load_shapes()
    targets = (SH.targetClass, SH.targetObjectsOf, SH.targetSubjectsOf, SH.targetNode, SH.target)
    targeted = {s for p in targets for s in sg.subjects(p, None)}
    names = {p.stem for p in CASES}
    for shape in targeted:
        name = compact(str(shape)).removeprefix("bnsh:")
        assert f"{name}-ok" in names, f"no fixture {name}-ok.ttl"
        assert any(n.startswith(f"{name}-bad-") for n in names), f"no fixture {name}-bad-*.ttl"


def test_every_bad_fixture_names_shapes_that_exist() -> None:
    shapes = {compact(str(s)) for s in all_shapes(load_shapes())}
    for fixture in CASES:
        for shape, _, severity in expected(fixture):
            assert shape in shapes, f"{fixture.name}: unknown shape {shape}"
            assert severity in {"Violation", "Warning", "Info"}


# -- The shapes themselves -------------------------------------------------------------------------------


def test_shapes_conform_to_shacl_for_shacl() -> None:
    conforms, _, text = pyshacl.validate(Graph(), shacl_graph=load_shapes(), meta_shacl=True, advanced=True)
    assert conforms, text


def test_meta_validation_catches_a_broken_shape() -> None:
    broken = Graph()
    broken += load_shapes()
    broken.set((BNSH["Kooperation-partner"], SH.minCount, Literal("zwei")))
    with pytest.raises(pyshacl.errors.ReportableRuntimeError):
        pyshacl.validate(Graph(), shacl_graph=broken, meta_shacl=True, advanced=True)


def test_every_shape_is_a_named_iri_with_a_german_and_an_english_message() -> None:
    sg = load_shapes()
    shapes = all_shapes(sg)
    assert len(shapes) > 100
    for shape in shapes:
        assert isinstance(shape, URIRef), f"blank-node shape: {sorted(sg.predicate_objects(shape))}"
        assert str(shape).startswith(str(BNSH)), shape
        langs = sorted(m.language for m in sg.objects(shape, SH.message))
        assert langs == ["de", "en"], f"{compact(str(shape))}: messages {langs}"


def test_every_property_shape_states_its_severity() -> None:
    sg = load_shapes()
    for shape in sg.subjects(RDF.type, SH.PropertyShape):
        assert sg.value(shape, SH.severity) in {SH.Violation, SH.Warning, SH.Info}, compact(str(shape))


def test_every_bn_term_in_the_shapes_is_declared_in_the_ontology() -> None:
    sg, ontology = load_shapes(), load_ontology()
    ns = str(BN._NS)
    terms = {t for triple in sg for t in triple if isinstance(t, URIRef) and str(t).startswith(ns)}
    for query in sg.objects(None, SH.select):  # prefixed names inside SPARQL text count too
        terms |= {URIRef(ns + name) for name in re.findall(r"\bbn:(\w+)", str(query))}
    assert terms
    undeclared = sorted(compact(str(t)) for t in terms if (t, RDF.type, None) not in ontology)
    assert not undeclared


def test_running_the_shapes_flattened_gives_the_same_results_as_nested(
    referenz: Graph, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bildungsnetz.validate.shacl as module

    data = Graph()
    for fixture in CASES:
        if "-bad-" in fixture.stem and fixture.stem.startswith(("Kooperation", "Akteur", "BNE", "SDGUnterziel")):
            data.parse(fixture)
    flat = validate(data, reference=referenz)
    monkeypatch.setattr(module, "execution_shapes", load_shapes)
    nested = validate(data, reference=referenz)
    assert len(flat.violations) > 10
    assert sorted(flat.violations, key=repr) == sorted(nested.violations, key=repr)


# -- The reference example -------------------------------------------------------------------------------


def test_the_reference_example_conforms_with_the_real_vocabularies_and_city_profiles() -> None:
    data = rdflib.Dataset()
    data.parse(REPO / "docs" / "beispiel.trig", format="trig")
    report = validate(data, reference=reference_graph())
    assert report.conforms, report.to_text(lang="en")
    # Decided: no warnings; two sites have no coordinates, which is only nice to have.
    assert not report.warnings, report.to_text(lang="en")
    assert sorted((compact(v.shape), v.focus) for v in report.infos) == [
        ("bnsh:Standort-geometrieFehlt", str(ID["standort/KITA-17/1"])),
        ("bnsh:Standort-geometrieFehlt", str(ID["standort/VHS/1"])),
    ]


def test_the_reference_example_read_strictly_from_file_conforms_too() -> None:
    report = validate_files([REPO / "docs" / "beispiel.trig"])
    assert report.conforms, report.to_text(lang="en")


@pytest.mark.parametrize("profile", ["dortmund", "duesseldorf"])
def test_shipped_city_profiles_conform(profile: str) -> None:
    cities = pytest.importorskip("bildungsnetz.cities.profiles")
    from bildungsnetz.iris import Iris

    names = {p.name for p in cities.list_profiles()}
    if profile not in names:
        pytest.skip(f"city profile {profile} not shipped")
    graph = cities.profile_graph(cities.load_profile(profile), Iris())
    report = validate(graph)
    assert report.conforms and not report.warnings, report.to_text(lang="en")


def test_the_shipped_vocabularies_and_programmes_conform() -> None:
    vocab = Graph()
    for path in resources.vocabulary_files():
        vocab.parse(path)
    report = validate(vocab)
    assert report.conforms and not report.warnings, report.to_text(lang="en")


# -- Reference data is looked up, not validated ---------------------------------------------------------


def test_nodes_described_only_by_the_reference_are_not_reported(referenz: Graph) -> None:
    # referenz.ttl holds an actor stub with nothing but its type: as data it breaks several rules ...
    stub = Graph()
    stub.add((ID["akteur/REF-VEREIN"], RDF.type, BN.Verein))
    as_data = validate(stub, reference=referenz)
    assert "bnsh:Akteur-name" in {compact(v.shape) for v in as_data.errors}
    # ... as reference it is only looked up.
    data = Graph().parse(FIXTURES / "Kooperation-ok.ttl")
    report = validate(data, reference=referenz)
    assert report.violations == []


def test_a_node_the_data_describes_is_validated_with_what_the_reference_says(referenz: Graph) -> None:
    data = Graph()
    data.add((ID["akteur/REF-VEREIN"], BN.traegername, Literal("Stadt Musterstadt")))
    report = validate(data, reference=referenz)
    assert {v.focus for v in report.errors} == {str(ID["akteur/REF-VEREIN"])}


def test_validate_does_not_change_the_callers_graphs(referenz: Graph) -> None:
    data = Graph().parse(FIXTURES / "Kooperation-ok.ttl")
    before = (len(data), len(referenz))
    validate(data, reference=referenz)
    assert (len(data), len(referenz)) == before


def test_a_dataset_is_validated_across_all_its_graphs(referenz: Graph) -> None:
    data = rdflib.Dataset()
    data.graph(ID["graph/quelle/a"]).parse(FIXTURES / "Kooperation-bad-ein-partner.ttl")
    report = validate(data, reference=referenz)
    assert found(report) == {("bnsh:Kooperation-partner", "bn:partner", "Violation")}


def test_the_table_row_of_a_focus_node_is_reported(referenz: Graph) -> None:
    data = Graph().parse(FIXTURES / "Kooperation-bad-ein-partner.ttl")
    data.add((ID["kooperation/K-1"], BN.zeile, Literal(7)))
    report = validate(data, reference=referenz)
    assert [v.row for v in report.errors] == [7]
    assert "Zeile 7" in report.to_text(lang="de")


# -- Files -----------------------------------------------------------------------------------------------


def test_a_broken_turtle_file_raises_file_unreadable_naming_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "kaputt.ttl"
    bad.write_text(
        '@prefix bn: <https://w3id.org/bildungsnetz/ontology#> .\n\n<https://x.example/a> bn:code "offen .\n',
        encoding="utf-8",
    )
    with pytest.raises(FileUnreadable) as info:
        validate_files([bad])
    message = str(info.value)
    assert "kaputt.ttl" in message and "Zeile 3" in message and "line 3" in message
    assert "\n" not in message
    assert info.value.exit_code == 2


def test_rdflib_would_accept_what_the_strict_parser_rejects(tmp_path: Path) -> None:
    # A space inside an IRI: rdflib parses it, pyoxigraph refuses it; the import must refuse it too.
    bad = tmp_path / "leerzeichen.ttl"
    bad.write_text("<https://x.example/a b> <https://x.example/p> 1 .\n", encoding="utf-8")
    Graph().parse(bad)
    with pytest.raises(FileUnreadable, match="leerzeichen.ttl"):
        read_rdf_file(bad)


def test_an_unknown_extension_or_a_missing_file_is_unreadable(tmp_path: Path) -> None:
    odd = tmp_path / "daten.csv"
    odd.write_text("a,b\n", encoding="utf-8")
    with pytest.raises(FileUnreadable, match="daten.csv"):
        validate_files([odd])
    with pytest.raises(FileUnreadable, match="fehlt.ttl"):
        validate_files([tmp_path / "fehlt.ttl"])


def test_validate_files_names_the_file_that_described_the_focus_node(tmp_path: Path, referenz: Graph) -> None:
    good = FIXTURES / "Kooperation-ok.ttl"
    bad = tmp_path / "kooperationen.ttl"
    bad.write_text(
        "@prefix bn: <https://w3id.org/bildungsnetz/ontology#> .\n"
        "<https://w3id.org/bildungsnetz/id/kooperation/K-2> a bn:Kooperation ;\n"
        "    bn:partner <https://w3id.org/bildungsnetz/id/schule/199999> .\n",
        encoding="utf-8",
    )
    assert validate_files([good], reference=referenz).conforms
    report = validate_files([good, bad], reference=referenz)
    partner = [v for v in report.errors if compact(v.shape) == "bnsh:Kooperation-partner"]
    assert [(v.focus, v.source_file) for v in partner] == [(str(ID["kooperation/K-2"]), str(bad))]
    assert str(bad) in report.to_text()


def test_blank_nodes_of_two_files_stay_apart(tmp_path: Path) -> None:
    a, b = tmp_path / "a.ttl", tmp_path / "b.ttl"
    a.write_text("_:x <https://x.example/p> 1 .\n", encoding="utf-8")
    b.write_text("_:x <https://x.example/p> 2 .\n", encoding="utf-8")
    report = validate_files([a, b], reference=Graph())
    assert report.conforms
    subjects = {s for path in (a, b) for s in read_rdf_file(path).subjects()}
    assert len(subjects) == 2


def test_read_rdf_file_reads_named_graphs_as_the_import_does_and_keeps_plain_strings() -> None:
    graph = read_rdf_file(REPO / "docs" / "beispiel.trig")
    assert (ID["schule/100132"], BN.schulnummer, Literal("100132")) in graph


# -- The report ------------------------------------------------------------------------------------------


def test_the_report_groups_equal_messages_with_counts(referenz: Graph) -> None:
    data = Graph()
    for n in range(3):
        data.add((ID[f"kooperation/K-{n}"], RDF.type, BN.Kooperation))
        data.add((ID[f"kooperation/K-{n}"], BN.partner, ID["schule/199999"]))
        data.add((ID[f"kooperation/K-{n}"], BN.handlungsfeld, URIRef(
            "https://w3id.org/bildungsnetz/vocab/handlungsfeld/mint")))
    report = validate(data, reference=referenz)
    groups = {compact(g.shape): g for g in report.grouped()}
    assert groups["bnsh:Kooperation-partner"].count == 3
    assert groups["bnsh:Kooperation-partner"].severity == "Violation"
    assert report.grouped()[0].severity == "Violation"  # most severe first, then the Info about the kind
    text = report.to_text(lang="de")
    assert text.count("Eine Kooperation braucht mindestens zwei Partner.") == 1
    assert "3× Eine Kooperation braucht mindestens zwei Partner." in text
    assert text.splitlines()[0] == "Nicht konform: 3 Verstöße, 0 Warnungen, 3 Hinweise."
    english = report.to_text(lang="en")
    assert "3× A partnership needs at least two partners." in english and "Kooperation braucht" not in english
    both = report.to_text(lang="both")
    assert "zwei Partner. / A partnership needs" in both
    assert "[" not in text  # safe to print through terminal markup


def test_warnings_do_not_break_conformance(referenz: Graph) -> None:
    report = validate(Graph().parse(FIXTURES / "BNEAngebot-bad-ohne-sdg.ttl"), reference=referenz)
    assert report.conforms
    assert [compact(v.shape) for v in report.warnings] == ["bnsh:BNEAngebot-sdg"]
    assert report.errors == []


def test_the_report_as_json(referenz: Graph) -> None:
    report = validate(Graph().parse(FIXTURES / "Foerderung-bad-negativer-betrag.ttl"), reference=referenz)
    data = json.loads(json.dumps(report.to_dict()))
    assert data["conforms"] is False and data["violations"] == 1
    (result,) = data["results"]
    assert result["path"] == str(BN.betragEUR) and result["value"] == "-500.00"
    assert result["message_en"].startswith("The amount in euros")


# -- Documentation ---------------------------------------------------------------------------------------


def test_docs_shapes_md_is_current() -> None:
    doc = REPO / "docs" / "shapes.md"
    assert doc.read_text(encoding="utf-8") == shapes_markdown(), (
        "docs/shapes.md is stale: regenerate it with python -m bildungsnetz.tools.shapesdoc"
    )


# -- One reader: validate reads files exactly as import does ---------------------------------------------

_XML_HEAD = '<?xml version="1.0"?>\n'
_RDF_BODY = (
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:bn="https://w3id.org/bildungsnetz/ontology#">'
    '<bn:Verein rdf:about="https://w3id.org/bildungsnetz/id/akteur/V-1"><bn:name>{value}</bn:name></bn:Verein>'
    "</rdf:RDF>\n"
)


def _laughs(levels: int) -> str:
    """A billion-laughs file: ``levels`` nested entities, each ten times the one before (under 1 KB)."""
    entities = ['<!ENTITY l0 "lollollollollollollollollollol">']
    entities += [f'<!ENTITY l{n} "{("&l" + str(n - 1) + ";") * 10}">' for n in range(1, levels + 1)]
    return _XML_HEAD + f"<!DOCTYPE rdf:RDF [{''.join(entities)}]>\n" + _RDF_BODY.format(value=f"&l{levels};")


_REFUSED = {
    "doctype.rdf": _XML_HEAD + "<!DOCTYPE rdf:RDF>\n" + _RDF_BODY.format(value="x"),
    "laughs.rdf": _laughs(8),
    "leer.ttl": "# nichts / nothing\n",
    "riesig.nt": "<https://x.example/a> <https://x.example/p> \"" + "x" * (17 << 20) + '" .\n',
}


@pytest.mark.parametrize("name", sorted(_REFUSED))
def test_validate_refuses_what_import_refuses_and_says_so_in_one_line(tmp_path: Path, name: str, monkeypatch) -> None:
    from typer.testing import CliRunner

    from bildungsnetz.cli import app

    path = tmp_path / name
    path.write_text(_REFUSED[name], encoding="utf-8")
    if name.endswith(".rdf"):  # refused before any parser sees the entities
        import pyoxigraph

        def parse(*args, **kwargs):
            raise AssertionError("the XML was handed to a parser")

        monkeypatch.setattr(pyoxigraph, "parse", parse)
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    assert name in result.output and "Konform" not in result.output
    store = tmp_path / "store"
    imported = CliRunner().invoke(app, ["import", str(path), "--store", str(store), "--dry-run"])
    assert imported.exit_code == 2, imported.output


def test_validating_a_billion_laughs_file_stays_small_in_memory(tmp_path: Path) -> None:
    """In a child process limited to 1 GiB of address space: expanding the entities would need ~10 GB."""
    import resource
    import subprocess
    import sys

    bomb = tmp_path / "laughs.rdf"
    bomb.write_text(_laughs(9), encoding="utf-8")
    assert bomb.stat().st_size < 1000

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    done = subprocess.run(
        [sys.executable, "-m", "bildungsnetz", "validate", str(bomb)],
        capture_output=True, text=True, preexec_fn=limit, timeout=300,
    )  # fmt: skip
    assert done.returncode == 2, done.stdout + done.stderr
    assert "laughs.rdf, Zeile 2" in done.stdout + done.stderr


def test_an_ill_typed_literal_breaks_conformance_in_validate_as_in_import(tmp_path: Path, referenz: Graph) -> None:
    path = tmp_path / "datum.ttl"
    path.write_text(
        "@prefix bn: <https://w3id.org/bildungsnetz/ontology#> .\n"
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
        '<https://w3id.org/bildungsnetz/id/kooperation/K-1> bn:beginn "2024-13-45"^^xsd:date .\n',
        encoding="utf-8",
    )
    report = validate_files([path], reference=referenz)
    assert not report.conforms
    (bad,) = [v for v in report.errors if v.value == "2024-13-45"]
    assert bad.shape == str(BNSH["import-literal"]) and bad.source_file == str(path)

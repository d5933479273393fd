"""The SKOS vocabularies, the SDG build step and the resolver the importer uses."""

from __future__ import annotations

import csv
import pickle
from pathlib import Path

import pyoxigraph
import pytest
from rdflib import OWL, RDF, SKOS, Graph, URIRef
from rdflib.compare import isomorphic

from bildungsnetz.iris import Iris
from bildungsnetz.namespace import BN, VOCAB
from bildungsnetz.resources import ontology_file, vocabulary_files
from bildungsnetz.tools.vocab_build import UN_SDG, build_sdg_vocabulary, parse_simple_yaml, to_turtle
from bildungsnetz.vocab import UnknownTerm, Vocabulary, fold, get_vocabulary, vocabulary_graph
from conftest import SHARED, needs_shared

REPO = Path(__file__).resolve().parents[1]

# The bn concept class of every scheme; SDG targets are checked separately.
SCHEME_CLASS = {
    "akteursart": BN.Akteursart, "sektor": BN.Sektor, "schulform": BN.Schulform,
    "kooperationsart": BN.Kooperationsart, "netzwerkart": BN.Netzwerkart, "rolle": BN.Rolle,
    "handlungsfeld": BN.Handlungsfeld, "bildungsphase": BN.Bildungsphase, "zielgruppe": BN.Zielgruppe,
    "zuordnungsstatus": BN.Zuordnungsstatus, "indikator": BN.Indikator, "sdg": BN.SDG,
    "vermittlungsstatus": BN.Vermittlungsstatus,
}

# The codes fixed in the team contract: renaming one breaks every imported graph.
CONTRACT_CODES = {
    "akteursart": "schule kita familienzentrum jugendhilfe jugendfreizeit weiterbildung hochschule "
                  "bibliothek kultur sportverein verein stiftung unternehmen kammer verwaltung beratung "
                  "arbeitsagentur",
    "sektor": "bildung jugendhilfe kultur sport wirtschaft verwaltung zivilgesellschaft",
    "schulform": "02 04 06 08 10 13 14 15 16 17 18 19 20 25 30 81 83 85 87 88 0A",
    "kooperationsart": "kooperationsvereinbarung bildungspartnerschaft projektpartnerschaft foerderbeziehung "
                       "traegerschaft informell",
    "netzwerkart": "bildungsnetzwerk kooperationsverbund bildungskonferenz lenkungskreis beirat-uebergang "
                   "arbeitskreis",
    "rolle": "mitglied koordination vorsitz geschaeftsfuehrung beratend gast",
    "handlungsfeld": "bildungsteilhabe uebergangsmanagement zukunftsbildung uebergang-schule-beruf "
                     "schulpsychologische-beratung fruehkindliche-bildung sprachbildung neuzugewanderte mint "
                     "kulturelle-bildung sport demokratiebildung",
    "bildungsphase": "fruehkindlich primar sekundar-1 sekundar-2 berufliche-bildung hochschule weiterbildung "
                     "ausserschulisch uebergang-kita-grundschule uebergang-grundschule-sek1 "
                     "uebergang-schule-beruf uebergang-schule-hochschule",
    "zielgruppe": "kinder-u3 kinder-u6 kinder jugendliche junge-erwachsene erwachsene eltern familien "
                  "fachkraefte lehrkraefte senioren neuzugewanderte familien-schwierige-lebenslagen "
                  "menschen-mit-behinderung maedchen-frauen",
    "zuordnungsstatus": "vorgeschlagen bestaetigt abgelehnt",
    "indikator": "sgb2-quote sprachfoerderbedarf migrationshintergrund alleinerziehende "
                 "uebergangsquote-gymnasium schulabgaenge-ohne-abschluss kinder-u6-anteil",
}
CONTRACT_PROGRAMMES = "bildung-integriert kommunale-koordinierung-neuzugewanderte kaoa binakom " \
                      "aufholen-nach-corona kindercampus bildungspartner-nrw"
CC_BY = URIRef("https://creativecommons.org/licenses/by/4.0/")
KIM_SCHULARTEN = "https://w3id.org/kim/schularten/"


@pytest.fixture(scope="module")
def graph() -> Graph:
    return vocabulary_graph()


@pytest.fixture(scope="module")
def voc() -> Vocabulary:
    return get_vocabulary()


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ontology_file(), format="turtle")


def _shared_file(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    needs_shared(path)
    return path


def _in_scheme(graph: Graph, scheme: str) -> list[URIRef]:
    return sorted(graph.subjects(SKOS.inScheme, VOCAB[scheme]))


# -- Files -----------------------------------------------------------------------


def test_there_is_one_file_per_scheme_plus_programmes():
    names = {path.stem for path in vocabulary_files()}
    assert names == set(SCHEME_CLASS) | {"programme"}


@pytest.mark.parametrize("path", vocabulary_files(), ids=lambda p: p.name)
def test_every_vocabulary_file_parses_with_a_strict_turtle_parser(path: Path):
    triples = list(pyoxigraph.parse(path=str(path), format=pyoxigraph.RdfFormat.TURTLE))
    assert triples


@pytest.mark.parametrize("scheme", sorted(SCHEME_CLASS))
def test_every_scheme_has_bilingual_title_and_cc_by_licence(graph: Graph, scheme: str):
    iri = VOCAB[scheme]
    assert (iri, RDF.type, SKOS.ConceptScheme) in graph
    assert {t.language for t in graph.objects(iri, URIRef("http://purl.org/dc/terms/title"))} == {"de", "en"}
    assert (iri, URIRef("http://purl.org/dc/terms/license"), CC_BY) in graph


# -- Concepts --------------------------------------------------------------------


@pytest.mark.parametrize("scheme", sorted(SCHEME_CLASS))
def test_every_concept_has_labels_notation_scheme_and_class(graph: Graph, scheme: str):
    concepts = _in_scheme(graph, scheme)
    assert concepts, f"scheme {scheme} has no concepts"
    problems = []
    for concept in concepts:
        langs = [label.language for label in graph.objects(concept, SKOS.prefLabel)]
        notations = [str(n) for n in graph.objects(concept, SKOS.notation)]
        if sorted(langs) != ["de", "en"]:
            problems.append(f"{concept}: prefLabel languages {langs}")
        if len(notations) != 1 or str(concept) != str(VOCAB[f"{scheme}/{notations[0]}"]):
            problems.append(f"{concept}: notation {notations} does not match the IRI")
        if (concept, RDF.type, SKOS.Concept) not in graph:
            problems.append(f"{concept}: not a skos:Concept")
        classes = {SCHEME_CLASS[scheme], BN.SDGUnterziel} if scheme == "sdg" else {SCHEME_CLASS[scheme]}
        if not classes & set(graph.objects(concept, RDF.type)):
            problems.append(f"{concept}: lacks its concept class")
    assert not problems


@pytest.mark.parametrize("scheme", sorted(CONTRACT_CODES))
def test_all_contract_codes_exist(voc: Vocabulary, scheme: str):
    codes = {code for _, code, _ in voc.concepts(scheme)}
    assert set(CONTRACT_CODES[scheme].split()) <= codes


def test_no_label_or_synonym_is_claimed_by_two_concepts_of_one_scheme(voc: Vocabulary):
    assert voc.ambiguous == {}


def test_every_bn_term_used_in_the_vocabularies_is_declared_in_the_ontology(graph: Graph, ontology: Graph):
    used = {term for triple in graph for term in triple if isinstance(term, URIRef)
            and str(term).startswith(str(BN._NS))}
    declared = set(ontology.subjects(RDF.type, None))
    assert used - declared == set()


def test_every_actor_kind_names_a_declared_class_and_a_sector(graph: Graph, ontology: Graph, voc: Vocabulary):
    sectors = set(_in_scheme(graph, "sektor"))
    for kind in _in_scheme(graph, "akteursart"):
        assert (voc.actor_class(kind), RDF.type, OWL.Class) in ontology, kind
        assert voc.default_sector(kind) in sectors, kind


def test_actor_kinds_follow_the_contract(voc: Vocabulary):
    assert voc.actor_class(VOCAB["akteursart/weiterbildung"]) == BN.Weiterbildungseinrichtung
    assert voc.default_sector(VOCAB["akteursart/weiterbildung"]) == VOCAB["sektor/bildung"]
    assert voc.actor_class(VOCAB["akteursart/verein"]) == BN.Verein
    assert voc.default_sector(VOCAB["akteursart/verein"]) == VOCAB["sektor/zivilgesellschaft"]
    with pytest.raises(KeyError):
        voc.actor_class(VOCAB["sektor/bildung"])


def test_every_school_type_except_the_administration_has_an_education_stage(graph: Graph):
    stages = set(_in_scheme(graph, "bildungsphase"))
    for school_type in _in_scheme(graph, "schulform"):
        found = set(graph.objects(school_type, BN.bildungsphase))
        assert found <= stages
        assert found or school_type == VOCAB["schulform/0A"], school_type


def test_transitions_lead_from_one_stage_to_another(graph: Graph):
    transitions = [c for c in _in_scheme(graph, "bildungsphase") if "uebergang" in str(c)]
    assert len(transitions) == 4
    for transition in transitions:
        assert set(graph.objects(transition, BN.vonPhase)) and set(graph.objects(transition, BN.zuPhase))
    kita_to_school = VOCAB["bildungsphase/uebergang-kita-grundschule"]
    assert set(graph.objects(kita_to_school, BN.vonPhase)) == {VOCAB["bildungsphase/fruehkindlich"]}
    assert set(graph.objects(kita_to_school, BN.zuPhase)) == {VOCAB["bildungsphase/primar"]}


def test_every_school_type_in_the_nrw_school_list_exists(voc: Vocabulary):
    path = _shared_file("data", "schulen", "nrw_schuldaten_2021.csv")
    with path.open(encoding="utf-8") as handle:
        next(handle)  # "sep=;" line
        found = {row["Schulform"] for row in csv.DictReader(handle, delimiter=";")}
    assert found, "no Schulform column read"
    codes = {code for _, code, _ in voc.concepts("schulform")}
    assert found <= codes


def test_the_kim_school_types_we_link_to_exist():
    kim = Graph().parse(_shared_file("data", "vokabulare", "kim_schularten.ttl"), format="turtle")
    ours = Graph().parse(REPO / "ontology" / "vokabulare" / "schulform.ttl", format="turtle")
    linked = {o for o in ours.objects() if str(o).startswith(KIM_SCHULARTEN)}
    assert URIRef(KIM_SCHULARTEN + "s02") in linked
    assert linked <= set(kim.subjects(RDF.type, SKOS.Concept))


# -- SDGs ----------------------------------------------------------------------


def test_there_are_17_goals_and_169_targets(graph: Graph):
    assert len(set(graph.subjects(RDF.type, BN.SDG))) == 17
    assert len(set(graph.subjects(RDF.type, BN.SDGUnterziel))) == 169


def test_every_goal_and_target_matches_its_un_concept_and_targets_sit_under_their_goal(graph: Graph):
    for cls in (BN.SDG, BN.SDGUnterziel):
        for concept in graph.subjects(RDF.type, cls):
            code = str(concept).rpartition("/")[2]
            assert (concept, SKOS.exactMatch, UN_SDG[code]) in graph
            assert {label.language for label in graph.objects(concept, SKOS.prefLabel)} == {"de", "en"}
            assert {text.language for text in graph.objects(concept, SKOS.definition)} == {"de", "en"}
            if cls == BN.SDGUnterziel:
                assert list(graph.objects(concept, SKOS.broader)) == [VOCAB[f"sdg/{code.split('.')[0]}"]]


def test_goal_4_has_its_german_and_english_short_titles(voc: Vocabulary):
    assert voc.label(VOCAB["sdg/4"]) == "Hochwertige Bildung"
    assert voc.label(VOCAB["sdg/4"], lang="en") == "Quality education"


def test_the_committed_sdg_file_equals_a_fresh_build_from_the_published_sources():
    _shared_file("data", "vokabulare", "un_sdg_kos_goals_targets_indicators.ttl")
    built = build_sdg_vocabulary(SHARED)
    committed = Graph().parse(REPO / "ontology" / "vokabulare" / "sdg.ttl", format="turtle")
    assert isomorphic(built, committed), "sdg.ttl is stale: run python -m bildungsnetz.tools.vocab_build"


def test_the_sdg_turtle_writer_round_trips():
    committed = Graph().parse(REPO / "ontology" / "vokabulare" / "sdg.ttl", format="turtle")
    assert isomorphic(Graph().parse(data=to_turtle(committed), format="turtle"), committed)


def test_the_yaml_reader_handles_wrapped_quoted_and_escaped_values():
    text = (
        "1-title: Armut beenden\n  überall\n"
        "2-title: 'Den Hunger beenden, ''sofort''\n  und überall'\n"
        '3-title: "Ziffer\\\n  \\ 158 des Dokuments \\x84Die Zukunft\\x93"\n'
    )
    assert parse_simple_yaml(text) == {
        "1-title": "Armut beenden überall",
        "2-title": "Den Hunger beenden, 'sofort' und überall",
        "3-title": "Ziffer 158 des Dokuments „Die Zukunft“",
    }
    with pytest.raises(ValueError):
        parse_simple_yaml("key: |\n  block scalar\n")


# -- Programmes ------------------------------------------------------------------


def test_contract_programmes_exist_with_funder_and_field(graph: Graph, voc: Vocabulary):
    iris = Iris()
    for code in CONTRACT_PROGRAMMES.split():
        programme = voc.programme(code)
        assert programme == iris.programm(code)
        assert (programme, RDF.type, BN.Programm) in graph
        assert list(graph.objects(programme, URIRef("https://schema.org/funder")))
        assert list(graph.objects(programme, BN.handlungsfeld))
    assert voc.programme("Kein Abschluss ohne Anschluss") == iris.programm("kaoa")


def test_every_funder_is_an_organisation_with_an_iri_from_iris(graph: Graph):
    iris = Iris()
    for funder in set(graph.objects(None, URIRef("https://schema.org/funder"))):
        code = str(next(graph.objects(funder, SKOS.notation)))
        assert funder == iris.foerdergeber(code)
        assert (funder, RDF.type, URIRef("http://www.w3.org/ns/org#Organization")) in graph


def test_an_unknown_programme_suggests_the_near_miss(voc: Vocabulary):
    with pytest.raises(UnknownTerm) as caught:
        voc.programme("Kulturrucksak NRW")
    assert caught.value.scheme == "programm"
    assert caught.value.suggestions[0] == "Kulturrucksack NRW"


# -- Resolving user input ------------------------------------------------------


@pytest.mark.parametrize(("scheme", "value", "code"), [
    ("kooperationsart", "kooperationsvereinbarung", "kooperationsvereinbarung"),
    ("schulform", "02", "02"),
    ("schulform", "2", "02"),  # a spreadsheet dropped the leading zero
    ("schulform", "0a", "0A"),
    ("bildungsphase", "sekundar-1", "sekundar-1"),
])
def test_resolve_accepts_codes(voc: Vocabulary, scheme: str, value: str, code: str):
    assert voc.resolve(scheme, value) == VOCAB[f"{scheme}/{code}"]


@pytest.mark.parametrize(("scheme", "value", "code"), [
    ("akteursart", "Kindertageseinrichtung", "kita"),
    ("akteursart", "Day-care centre", "kita"),
    ("schulform", "Gymnasium", "20"),
    ("handlungsfeld", "Übergang Schule–Arbeitswelt", "uebergang-schule-beruf"),
    ("rolle", "Chair", "vorsitz"),
])
def test_resolve_accepts_german_and_english_labels(voc: Vocabulary, scheme: str, value: str, code: str):
    assert voc.resolve(scheme, value) == VOCAB[f"{scheme}/{code}"]


@pytest.mark.parametrize(("scheme", "value", "code"), [
    ("akteursart", "VHS", "weiterbildung"),
    ("akteursart", "Volkshochschule", "weiterbildung"),
    ("akteursart", "Kita", "kita"),
    ("akteursart", "Kindergarten", "kita"),
    ("akteursart", "Kindertagesstätte", "kita"),
    ("akteursart", "freier Träger", "verein"),
    ("akteursart", "Wohlfahrtsverband", "verein"),
    ("schulform", "OGS", "02"),
    ("schulform", "Offene Ganztagsschule", "02"),
    ("handlungsfeld", "BNE", "zukunftsbildung"),
    ("handlungsfeld", "KAoA", "uebergang-schule-beruf"),
])
def test_resolve_accepts_synonyms(voc: Vocabulary, scheme: str, value: str, code: str):
    assert voc.resolve(scheme, value) == VOCAB[f"{scheme}/{code}"]


@pytest.mark.parametrize(("scheme", "value", "code"), [
    ("handlungsfeld", "Uebergangsmanagement Kita-Grundschule-weiterfuehrende Schule", "uebergangsmanagement"),
    ("akteursart", "Kindertagesstaette", "kita"),
    ("schulform", "Foerderschule", "08"),
    ("zuordnungsstatus", "Geprueft", "bestaetigt"),
    ("akteursart", "Jugendfreizeitstaette", "jugendfreizeit"),
    ("bildungsphase", "Ausserschulische Bildung", "ausserschulisch"),
    ("sdg", "Massnahmen zum Klimaschutz", "13"),
    ("zielgruppe", "Mädchen und Frauen", "maedchen-frauen"),
    ("sektor", "OEFFENTLICHE VERWALTUNG", "verwaltung"),
])
def test_resolve_folds_umlauts_both_ways(voc: Vocabulary, scheme: str, value: str, code: str):
    assert voc.resolve(scheme, value) == VOCAB[f"{scheme}/{code}"]


@pytest.mark.parametrize("value", ["GYMNASIUM", "gymnasium", "  Gymnasium\t", "gYmNaSiUm "])
def test_resolve_ignores_case_and_surrounding_blanks(voc: Vocabulary, value: str):
    assert voc.resolve("schulform", value) == VOCAB["schulform/20"]


@pytest.mark.parametrize(("value", "code"), [
    ("13", "13"), ("13.3", "13.3"), ("SDG 13", "13"), ("sdg13", "13"), ("Ziel 13", "13"),
    ("Goal 4", "4"), ("Unterziel 4.7", "4.7"), ("4.A", "4.a"), ("04.07", "4.7"),
    ("Hochwertige Bildung", "4"), ("Quality education", "4"), ("Maßnahmen zum Klimaschutz", "13"),
])
def test_resolve_sdg_accepts_numbers_and_titles(voc: Vocabulary, value: str, code: str):
    assert voc.resolve("sdg", value) == VOCAB[f"sdg/{code}"]


@pytest.mark.parametrize("value", ["18", "4.99", "SDG", "0"])
def test_resolve_sdg_rejects_numbers_outside_the_agenda(voc: Vocabulary, value: str):
    with pytest.raises(UnknownTerm):
        voc.resolve("sdg", value)


def test_resolve_accepts_the_full_iri(voc: Vocabulary):
    iri = str(VOCAB["sektor/kultur"])
    assert voc.resolve("sektor", f" {iri} ") == VOCAB["sektor/kultur"]
    with pytest.raises(UnknownTerm):
        voc.resolve("akteursart", iri)  # a concept of another scheme is no actor kind


def test_a_near_miss_names_the_right_suggestion_in_german_and_english(voc: Vocabulary):
    with pytest.raises(UnknownTerm) as caught:
        voc.resolve("kooperationsart", "Kooperatoinsvereinbarung")
    error = caught.value
    assert (error.scheme, error.value) == ("kooperationsart", "Kooperatoinsvereinbarung")
    assert error.suggestions[0] == "Kooperationsvereinbarung"
    message = str(error)
    assert "\n" not in message
    assert 'Unbekannter Wert "Kooperatoinsvereinbarung" für kooperationsart' in message
    assert 'meinten Sie "Kooperationsvereinbarung"?' in message
    assert 'did you mean "Kooperationsvereinbarung"?' in message


def test_a_misspelt_sdg_title_suggests_the_goal(voc: Vocabulary):
    with pytest.raises(UnknownTerm) as caught:
        voc.resolve("sdg", "Hochwertge Bildung")
    assert caught.value.suggestions[0] == "Hochwertige Bildung"


def test_a_hopeless_value_gets_no_suggestion_but_the_allowed_codes(voc: Vocabulary):
    with pytest.raises(UnknownTerm) as caught:
        voc.resolve("sektor", "xq-17")
    assert caught.value.suggestions == ()
    assert "zivilgesellschaft" in str(caught.value)


def test_unknown_term_survives_pickling_for_worker_processes():
    error = UnknownTerm("rolle", "Gst", ["Gast"])
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.scheme, copy.value, copy.suggestions, str(copy)) == ("rolle", "Gst", ("Gast",), str(error))


def test_an_unknown_scheme_is_a_key_error_naming_the_known_ones(voc: Vocabulary):
    with pytest.raises(KeyError, match="kooperationsart"):
        voc.resolve("kooperationsarten", "informell")


# -- Labels and listings ---------------------------------------------------------


def test_label_falls_back_to_german_and_rejects_unknown_iris(voc: Vocabulary):
    assert voc.label(VOCAB["rolle/vorsitz"], lang="fr") == "Vorsitz"
    assert voc.label(Iris().programm("kaoa")).startswith("Kein Abschluss ohne Anschluss")
    with pytest.raises(KeyError):
        voc.label(URIRef("https://example.org/nothing"))


def test_concepts_are_listed_in_notation_order(voc: Vocabulary):
    sdg_codes = [code for _, code, _ in voc.concepts("sdg")]
    assert sdg_codes[:3] == ["1", "1.1", "1.2"]
    # 8.9 < 8.10 < 8.a: numbers compare as numbers, lettered targets follow
    assert sdg_codes.index("8.10") == sdg_codes.index("8.9") + 1
    assert sdg_codes.index("8.a") == sdg_codes.index("8.10") + 1
    school_codes = [code for _, code, _ in voc.concepts("schulform")]
    assert school_codes[0] == "02" and school_codes[-1] == "0A"
    assert ("02", "Grundschule") == voc.concepts("schulform")[0][1:]


def test_vocabulary_graph_returns_an_independent_copy():
    first = vocabulary_graph()
    first.remove((None, None, None))
    assert len(vocabulary_graph()) > 3000


def test_fold_treats_codes_and_labels_alike():
    assert fold("Übergang Schule–Beruf") == fold("uebergang-schule-beruf")
    assert fold("Straße") == fold("STRASSE")


# -- Documentation ---------------------------------------------------------------


def test_every_code_is_documented(voc: Vocabulary):
    text = (REPO / "docs" / "vokabulare.md").read_text(encoding="utf-8")
    missing = [f"{scheme}/{code}" for scheme in voc.schemes if scheme != "sdg"
               for _, code, _ in voc.concepts(scheme) if f"`{code}`" not in text]
    missing += [code for code in CONTRACT_PROGRAMMES.split() if f"`{code}`" not in text]
    assert not missing

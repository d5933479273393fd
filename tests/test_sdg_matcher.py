"""SDG suggestions from short German texts: morphology, evidence, abstention, files, the vocabulary itself."""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

import pytest

from bildungsnetz.errors import InputError
from bildungsnetz.namespace import VOCAB
from bildungsnetz.sdg import suggest, suggest_file
from bildungsnetz.sdg.keywords import VocabularyError, load_rules, parse_rules
from bildungsnetz.vocab import get_vocabulary

REPO = Path(__file__).resolve().parents[1]


def goals(text: str, **kw) -> list[int]:
    return [s.sdg for s in suggest(text, **kw)]


def evidence(text: str, goal: int) -> list[str]:
    return next(s.evidence for s in suggest(text) if s.sdg == goal)


# -- Morphology -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "goal", "word"),
    [
        ("Unser Klimaschutzprojekt startet im Herbst.", 13, "Klimaschutzprojekt"),
        ("Die Müllvermeidungs-AG trifft sich donnerstags.", 12, "Müllvermeidungs-AG"),
        ("Wir pflegen die Streuobstwiese hinter der Schule.", 15, "Streuobstwiese"),
        ("Klima- und Umweltschutz im Alltag", 13, "Klima"),
        ("Die Kinder bauen Nistkästen für Vögel.", 15, "Nistkästen"),
        ("Ein Ausflug in die Wälder am Stadtrand.", 15, "Wälder"),
    ],
)
def test_compounds_hyphenated_words_and_inflected_forms_are_found(text, goal, word):
    assert goal in goals(text)
    assert word in evidence(text, goal)


def test_umlaut_and_its_spelt_out_form_give_the_same_suggestion():
    with_umlaut = suggest("Mülltrennung in der Kita")
    spelt_out = suggest("Muelltrennung in der Kita")
    assert [(s.sdg, s.target, s.score) for s in with_umlaut] == [
        (s.sdg, s.target, s.score) for s in spelt_out
    ]
    assert with_umlaut[0].sdg == 12 and spelt_out[0].evidence == ["Muelltrennung"]


def test_a_longer_entry_overrides_a_shorter_one_inside_the_same_word():
    # "Schulklima" is the social climate of a school, "Müller" a family name: no climate, no waste.
    assert goals("Wir verbessern das Schulklima mit Frau Müller.") == []
    assert goals("Energie tanken beim Yoga am Morgen") == []


# -- Evidence, order, shape -------------------------------------------------------------------------------


def test_each_suggestion_lists_the_words_that_matched_it():
    result = {s.sdg: s for s in suggest("Kinder lernen Mülltrennung und bauen ein Insektenhotel.")}
    assert result[12].evidence == ["Mülltrennung"]
    assert result[15].evidence == ["Insektenhotel"]


def test_suggestions_are_sorted_by_score_with_german_labels_and_json_fields():
    result = suggest("Klimaschutz an der Schule: Wir sparen Strom und Energie.")
    assert [s.score for s in result] == sorted((s.score for s in result), reverse=True)
    top = result[0].to_dict()
    assert set(top) == {"sdg", "target", "label", "score", "evidence"}
    assert top["sdg"] == 13 and top["label"] == "Maßnahmen zum Klimaschutz"
    assert all(0 < s.score <= 1 for s in result)


def test_a_clear_target_is_named_and_an_unclear_one_left_empty():
    assert suggest("Alphabetisierungskurs für Erwachsene")[0].target == "4.6"
    assert suggest("Wir reden über den Klimawandel.")[0].target is None


def test_the_title_counts_more_than_the_description():
    weak = "Wir sprechen über Mädchen und Jungen."
    assert goals(weak) == []
    assert goals(weak, title="Mädchenförderung") == [5]


# -- Abstention -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Mathe-Nachhilfe für die Klassen 5 bis 10",
        "Mathe-Nachhilfe: Wir helfen bei Hausaufgaben und bereiten auf Klassenarbeiten vor.",
        "Englisch-Konversation für Erwachsene mit Grundkenntnissen",
        "Töpfern am Abend an der Drehscheibe",
        "Fußballtraining für die E-Jugend, zweimal pro Woche",
        "Anmeldung für den Kindergarten im Familienbüro",
    ],
)
def test_texts_outside_bne_get_no_suggestion(text):
    assert suggest(text) == []


# -- Files ----------------------------------------------------------------------------------------------


def test_a_csv_file_gives_one_list_per_offer_id(tmp_path):
    path = tmp_path / "angebote.csv"
    path.write_text(
        "id;titel;beschreibung\nA1;Klimadetektive;Wir messen den CO2-Ausstoß.\n"
        "A2;Mathe-Nachhilfe;Für Klasse 7.\n",
        encoding="utf-8",
    )
    result = suggest_file(path)
    assert list(result) == ["A1", "A2"]
    assert result["A1"][0]["sdg"] == 13 and "CO2-Ausstoß" in result["A1"][0]["evidence"]
    assert result["A2"] == []


def test_a_csv_without_the_description_column_is_refused_naming_the_column(tmp_path):
    path = tmp_path / "kaputt.csv"
    path.write_text("id,titel\nA1,Klima\n", encoding="utf-8")
    with pytest.raises(InputError, match="beschreibung"):
        suggest_file(path)


def test_a_repeated_id_is_refused_naming_the_row(tmp_path):
    path = tmp_path / "doppelt.csv"
    path.write_text("id,titel,beschreibung\nA1,x,y\nA1,x,y\n", encoding="utf-8")
    with pytest.raises(InputError, match="Zeile/row 3"):
        suggest_file(path)


# -- The vocabulary --------------------------------------------------------------------------------------


def test_every_goal_and_target_of_the_keyword_table_is_an_sdg_concept():
    voc = get_vocabulary()
    known = {code for _, code, _ in voc.concepts("sdg")}
    used = {target or str(goal) for rule in load_rules() for goal, target, _ in rule.weights}
    assert used - known == set()
    assert {str(g) for g in range(1, 18)} <= used
    assert VOCAB["sdg/4.7"] in {c for c, _, _ in voc.concepts("sdg")}


def test_a_malformed_keyword_line_names_file_line_and_column():
    text = "muster\tziele\thinweis\nklima*\t13:0.8\nenergie*\t7=0.7\n"
    with pytest.raises(VocabularyError, match=r"t\.tsv, Zeile/line 3, Spalte/column ziele"):
        parse_rules(Path("t.tsv"), text=text)
    with pytest.raises(VocabularyError, match="steht schon in Zeile 2"):
        parse_rules(Path("t.tsv"), text="muster\tziele\nklima*\t13:0.8\nKlima*\t13:0.5\n")


# -- The labelled evaluation set ------------------------------------------------------------------------


def _bench():
    spec = importlib.util.spec_from_file_location("bench_sdg", REPO / "benchmarks" / "bench_sdg.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_labelled_set_has_the_documented_size_and_a_fixed_split():
    with (REPO / "tests" / "data" / "sdg" / "angebote.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) >= 150
    assert sum(1 for r in rows if not r["sdgs"]) >= 25
    assert {r["teil"] for r in rows} == {"entwicklung", "pruefung"}
    # The split is fixed by the id: every 2nd and 4th of five is held out.
    assert all((r["teil"] == "pruefung") == (int(r["id"][1:]) % 5 in (2, 4)) for r in rows)


def test_the_suggester_keeps_the_quality_the_issue_asks_for_on_the_labelled_set():
    bench = _bench()
    result = bench.evaluate(bench.load())
    assert result["precision_at_1"] >= 0.7
    assert result["recall_at_3"] >= 0.8
    assert result["abstention_accuracy_non_bne"] >= 0.9

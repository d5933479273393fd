"""The survey's Excel variant: a workbook per invited actor with dropdowns, filled in offline and read back as
that actor's answers, with every problem named by file, sheet, row and column."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bildungsnetz.errors import TableError, UnsafeWorkbook
from bildungsnetz.survey import Answers, PartnerAnswer, open_questionnaire, save_answers
from bildungsnetz.survey.workbook import SHEET, questionnaire_workbook, read_workbook, round_workbooks
from conftest import IRIS
from test_survey import actor, city, new_round, tokens  # noqa: F401 - city is the hand-built city fixture


def _row_of(ws, iri: str) -> int:
    return next(r for r in range(6, ws.max_row + 1) if ws.cell(row=r, column=1).value == iri)


def _column(ws, name: str) -> int:
    return next(c for c in range(1, ws.max_column + 1) if ws.cell(row=5, column=c).value == name)


@pytest.fixture
def adler(city):  # noqa: F811 - the fixture of test_survey
    """Grundschule Adler's questionnaire in round 2026, with a draft naming Kita Bär, and its link."""
    _, made = new_round(city)
    link = tokens(made)[actor("A")]
    draft = Answers(partners=(PartnerAnswer(actor("B"), frequency=3, intensity=2, kinds=("angebot",)),),
                    desired=(actor("D"),), contributes=("raeume",))
    save_answers(city, IRIS, link, draft, final=False)
    return city, link


def test_the_workbook_lists_the_roster_own_district_first_prefilled_with_dropdowns(adler):
    store, link = adler
    wb = load_workbook(io.BytesIO(questionnaire_workbook(open_questionnaire(store, IRIS, link))))
    ws = wb[SHEET]
    assert ws["A2"].value == "Einrichtung: Grundschule Adler"
    names = [ws.cell(row=r, column=2).value for r in range(6, ws.max_row + 1)]
    assert names[:2] == ["Kita Bär", "Verein Chamäleon"] and "Grundschule Adler" not in names  # own district first
    bear = _row_of(ws, actor("B"))
    assert ws.cell(row=bear, column=_column(ws, "Häufigkeit")).value == "etwa 1× im Quartal"
    assert ws.cell(row=bear, column=_column(ws, "Art: gemeinsames Angebot/Projekt")).value == "x"
    assert ws.cell(row=_row_of(ws, actor("D")), column=_column(ws, "künftig gewünscht (ja)")).value == "ja"
    validated = {str(r) for dv in ws.data_validations.dataValidation for r in dv.sqref.ranges}
    frequency = ws.cell(row=5, column=_column(ws, "Häufigkeit")).column_letter
    assert f"{frequency}6:{frequency}{ws.max_row}" in validated
    listed = next(dv for dv in ws.data_validations.dataValidation if f"{frequency}6:{frequency}{ws.max_row}"
                  in {str(r) for r in dv.sqref.ranges})  # fmt: skip
    sheet, _, cells = listed.formula1.partition("!")
    assert [row[0].value for row in wb[sheet][cells.replace("$", "")]] == ["nie", "seltener als 1× im Halbjahr",
                                                                          "etwa 1× im Quartal", "etwa 1× im Monat",
                                                                          "wöchentlich oder öfter"]  # fmt: skip
    assert wb["Listen"].sheet_state == "hidden" and wb["Info"]["B2"].value == actor("A")


def test_a_filled_in_workbook_reads_back_as_the_actors_answers(adler, tmp_path):
    store, link = adler
    q = open_questionnaire(store, IRIS, link)
    wb = load_workbook(io.BytesIO(questionnaire_workbook(q)))
    ws = wb[SHEET]
    dachs = _row_of(ws, actor("D"))
    for column, value in (("Zusammenarbeit (ja)", "ja"), ("Häufigkeit", "wöchentlich oder öfter"),
                          ("Intensität", "Koordination (gemeinsame Ressourcen, abgestimmte Angebote)"),
                          ("Art: Raumnutzung", "x"), ("Vertrauen: … ist zuverlässig", "sehr")):  # fmt: skip
        ws.cell(row=dachs, column=_column(ws, column), value=value)
    own = wb["Einrichtung"]
    consent = next(r for r in range(2, own.max_row + 1) if own.cell(row=r, column=1).value.startswith("Einwilligung"))
    own.cell(row=consent, column=2, value="ja")
    wb["Weitere Partner"].append(["VHS Dortmund"])
    path = tmp_path / "adler.xlsx"
    wb.save(path)
    got = read_workbook(path, round_name="2026", actor=actor("A"), roster=[e.actor for e in q.roster])
    by_partner = {p.partner: p for p in got.answers.partners}
    assert set(by_partner) == {actor("B"), actor("D")}
    d = by_partner[actor("D")]
    assert (d.frequency, d.intensity, d.kinds, d.trust) == (5, 3, ("raum",), (4, None, None))
    assert got.answers.consent and got.answers.others == ("VHS Dortmund",) and got.answers.contributes == ("raeume",)
    # what was read is a valid submission of the questionnaire
    save_answers(store, IRIS, link, got.answers, final=True)
    assert len(open_questionnaire(store, IRIS, link).answers.partners) == 2


def _broken(adler, tmp_path, change) -> TableError:
    store, link = adler
    q = open_questionnaire(store, IRIS, link)
    wb = load_workbook(io.BytesIO(questionnaire_workbook(q)))
    change(wb)
    path = tmp_path / "upload-123.xlsx"
    wb.save(path)
    with pytest.raises(TableError) as error:
        read_workbook(path, round_name="2026", actor=actor("A"), roster=[e.actor for e in q.roster],
                      filename="Rückmeldung Adler.xlsx")  # fmt: skip
    return error.value


def test_a_value_off_the_list_is_named_by_sheet_row_and_column_in_german_and_english(adler, tmp_path):
    def change(wb):
        ws = wb[SHEET]
        ws.cell(row=_row_of(ws, actor("B")), column=_column(ws, "Häufigkeit"), value="ständig")

    error = _broken(adler, tmp_path, change)
    assert error.text("de").startswith("Rückmeldung Adler.xlsx, Blatt 'Fragebogen', Zeile 6, Spalte 'Häufigkeit': "
                                       "unbekannter Wert 'ständig'")  # fmt: skip
    assert "sheet 'Fragebogen', row 6, column 'Häufigkeit': unknown value 'ständig'" in error.text("en")
    assert "upload-123" not in str(error)


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda wb: wb[SHEET].append(["https://example.org/fremd", "Fremde Schule", "", "", "ja"]), "Kennung"),
        (lambda wb: wb[SHEET].cell(row=7, column=6, value="nie"), "Häufigkeit"),
        (lambda wb: wb["Info"].cell(row=1, column=2, value="2030"), "Info"),
    ],
    ids=["row added", "details without ja", "other round"],
)
def test_rows_added_details_without_ja_and_another_rounds_workbook_are_refused(adler, tmp_path, change, where):
    error = _broken(adler, tmp_path, change)
    assert where in error.text("de")


def test_a_workbook_with_a_document_type_declaration_is_refused_unopened(adler, tmp_path):
    store, link = adler
    data = questionnaire_workbook(open_questionnaire(store, IRIS, link))
    path = tmp_path / "bombe.xlsx"
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(path, "w") as target:
        for info in source.infolist():
            body = source.read(info)
            if info.filename == "xl/workbook.xml":
                dtd = b'<!DOCTYPE x [<!ENTITY a "aaaaaaaa">]>'
                body = body.replace(b"?>", b"?>" + dtd, 1) if body.startswith(b"<?xml") else dtd + body
            target.writestr(info, body)
    with pytest.raises(UnsafeWorkbook):
        read_workbook(path, round_name="2026")


def test_every_invited_actor_gets_a_workbook_of_its_own(adler):
    store, _ = adler
    files = dict(round_workbooks(store, IRIS, "2026"))
    assert len(files) == 6 and "Grundschule-Adler.xlsx" in files
    owner = load_workbook(io.BytesIO(files["Kita-Elch.xlsx"]))["Info"]["B2"].value
    assert owner == actor("E")


def _filled(store, tmp_path, *, consent: bool) -> Path:
    """Kita Elch's workbook from the round's ZIP (no link needed), naming Verein Fuchs weekly."""
    wb = load_workbook(io.BytesIO(dict(round_workbooks(store, IRIS, "2026"))["Kita-Elch.xlsx"]))
    ws = wb[SHEET]
    fox = _row_of(ws, actor("F"))
    ws.cell(row=fox, column=_column(ws, "Zusammenarbeit (ja)"), value="ja")
    ws.cell(row=fox, column=_column(ws, "Häufigkeit"), value="wöchentlich oder öfter")
    if consent:
        own = wb["Einrichtung"]
        row = next(r for r in range(2, own.max_row + 1) if own.cell(row=r, column=1).value.startswith("Einwilligung"))
        own.cell(row=row, column=2, value="ja")
    path = tmp_path / "elch.xlsx"
    wb.save(path)
    return path


def test_a_returned_workbook_imports_as_its_actors_answers_and_is_refused_once_the_round_is_closed(adler, tmp_path):
    from bildungsnetz.errors import RoundClosed
    from bildungsnetz.survey import close_round
    from bildungsnetz.survey.answers import answers_of
    from bildungsnetz.survey.workbook import import_workbook

    store, _ = adler
    q = import_workbook(store, IRIS, "2026", _filled(store, tmp_path, consent=True), agent="anna")
    answers, state, _ = answers_of(store, IRIS, "2026", actor("E"))
    assert q.actor.actor == actor("E") and state == "beantwortet"
    assert [(p.partner, p.frequency) for p in answers.partners] == [(actor("F"), 5)]
    close_round(store, IRIS, "2026", "anna")
    before = sorted(str(x) for x in store.quads())
    with pytest.raises(RoundClosed):
        import_workbook(store, IRIS, "2026", _filled(store, tmp_path, consent=True), agent="anna")
    assert sorted(str(x) for x in store.quads()) == before


def test_a_workbook_without_consent_is_refused_naming_the_sheet_and_nothing_is_saved(adler, tmp_path):
    from bildungsnetz.survey.answers import answers_of
    from bildungsnetz.survey.workbook import import_workbook

    store, _ = adler
    with pytest.raises(TableError) as error:
        import_workbook(store, IRIS, "2026", _filled(store, tmp_path, consent=False), agent="anna",
                        filename="Elch.xlsx")  # fmt: skip
    assert error.value.text("de").startswith("Elch.xlsx, Blatt 'Einrichtung', Spalte 'Antwort': die Einwilligung")
    assert answers_of(store, IRIS, "2026", actor("E"))[1] == "eingeladen"


def test_the_command_line_writes_one_actors_workbook_or_all_of_them_as_a_zip(settings, tmp_path):
    from bildungsnetz.cli import app
    from test_survey import _cli_store, runner

    _cli_store(settings)
    assert runner.invoke(app, ["survey", "new", "2026", "--stichtag", "2026-03-01"]).exit_code == 0
    one = tmp_path / "elch.xlsx"
    result = runner.invoke(app, ["survey", "workbook", "2026", "S-E", "--out", str(one)])
    assert result.exit_code == 0, result.output
    assert load_workbook(one)[SHEET]["A2"].value == "Einrichtung: Kita Elch"
    every = tmp_path / "alle.zip"
    assert runner.invoke(app, ["survey", "workbook", "2026", "--out", str(every)]).exit_code == 0
    assert len(zipfile.ZipFile(every).namelist()) == 6
    wrong = runner.invoke(app, ["survey", "workbook", "2026", "S-X", "--out", str(tmp_path / "x.xlsx")])
    assert wrong.exit_code == 2 and "nicht eingeladen" in wrong.output and not (tmp_path / "x.xlsx").exists()

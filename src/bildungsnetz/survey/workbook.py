"""The survey's Excel variant: one workbook per invited actor with dropdowns for the answers, and reading it back.

A workbook holds the actor's roster (its own Stadtbezirk first), one row per possible partner, and the
answers as dropdowns (openpyxl data validation from a hidden list sheet, so labels may contain commas). A
hidden sheet ``Info`` names the round and the actor: a returned workbook imports as that actor's answers, only
into that round, only while it is open. Reading goes through the import's guards against spreadsheet bombs
(:func:`bildungsnetz.ingest.tables.read.check_workbook` and its row reader); every problem names file, sheet,
row and column, in German and English.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from bildungsnetz.errors import TableError
from bildungsnetz.iris import Iris
from bildungsnetz.store.base import Store
from bildungsnetz.survey.model import (
    AGREEMENT,
    CONTRIBUTES,
    FREQUENCY,
    INTENSITY,
    TIE_KINDS,
    TRUST_ITEMS,
    VALUE_ITEMS,
    Answers,
    PartnerAnswer,
    Questionnaire,
    RosterEntry,
)

__all__ = ["SHEET", "ReturnedWorkbook", "questionnaire_workbook", "read_workbook", "round_workbooks", "round_zip",
           "import_workbook"]

#: The sheet a respondent fills in.
SHEET = "Fragebogen"
_OWN = "Einrichtung"
_OTHERS = "Weitere Partner"
_INFO = "Info"
_LISTS = "Listen"
_HEADER_ROW = 5
_YES = ("ja", "x", "yes", "j", "1", "✓")
_FIXED = ("Kennung", "Einrichtung", "Art", "Stadtbezirk")
_PARTNER = "Zusammenarbeit (ja)"
_FREQUENCY = "Häufigkeit"
_INTENSITY = "Intensität"
_DESIRED = "künftig gewünscht (ja)"


def _kind_column(code: str) -> str:
    return f"Art: {TIE_KINDS[code][0]}"


def _item_column(prefix: str, item: tuple[str, str, str]) -> str:
    return f"{prefix}: {item[1]}"


def _columns() -> list[str]:
    """The columns of the questionnaire sheet, in order."""
    return [
        *_FIXED, _PARTNER, _FREQUENCY, _INTENSITY, *(_kind_column(c) for c in TIE_KINDS),
        *(_item_column("Vertrauen", i) for i in TRUST_ITEMS), *(_item_column("Wert", i) for i in VALUE_ITEMS),
        _DESIRED,
    ]  # fmt: skip


def _own_rows() -> list[tuple[str, str]]:
    """The questions of the ``Einrichtung`` sheet: ``(key, question)``."""
    return [
        *((f"beitrag:{code}", f"Wir bringen ein: {labels[0]} (ja)") for code, labels in CONTRIBUTES.items()),
        ("consent", "Einwilligung: Die Angaben dürfen in die Netzwerkanalyse eingehen (ja)"),
        ("name", "Ausgefüllt von (Name, freiwillig, wird nicht veröffentlicht)"),
        ("mail", "E-Mail für Rückfragen (freiwillig, wird nicht veröffentlicht)"),
    ]


def _ordered(q: Questionnaire) -> list[RosterEntry]:
    """The roster without the actor itself: its own Stadtbezirk first, then by Stadtbezirk, kind and name."""
    others = [e for e in q.roster if e.actor != q.actor.actor]
    return sorted(others, key=lambda e: (e.stadtbezirk != q.actor.stadtbezirk, e.stadtbezirk_label, e.kind_label,
                                         e.label.casefold()))  # fmt: skip


def _label(scale: dict, value: int | None) -> str | None:
    return scale[value][0] if value in scale else None


def questionnaire_workbook(q: Questionnaire) -> bytes:
    """The questionnaire of one invited actor as an XLSX workbook, pre-filled with what was saved so far.

    Parameters
    ----------
    q : Questionnaire
        The actor's questionnaire (round, own actor, roster, saved answers).

    Returns
    -------
    bytes
        The workbook: sheet ``Fragebogen`` (one row per possible partner, dropdowns for the answers),
        ``Einrichtung`` (questions about the own institution), ``Weitere Partner`` (free text), and the hidden
        ``Info`` and ``Listen``.

    Examples
    --------
    >>> from datetime import date, datetime
    >>> from bildungsnetz.survey.model import Round
    >>> r = Round("w1", "Welle 1", date(2026, 1, 1), None, "offen", (), (), datetime(2026, 1, 1))
    >>> a = RosterEntry("https://x/a", "Kita A", "kita", "Kita", "sb1", "Mitte")
    >>> b = RosterEntry("https://x/b", "Schule B", "schule", "Schule", "sb1", "Mitte")
    >>> q = Questionnaire(r, a, (a, b), None, None, False, False)
    >>> from openpyxl import load_workbook
    >>> wb = load_workbook(io.BytesIO(questionnaire_workbook(q)))
    >>> wb.sheetnames[0], wb[SHEET]["B6"].value, wb[SHEET].data_validations.dataValidation[0].formula1
    ('Fragebogen', 'Schule B', 'Listen!$A$1:$A$1')
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    from bildungsnetz.tables import clean_text

    answers = q.answers or Answers()
    given = {p.partner: p for p in answers.partners}
    desired = set(answers.desired)
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    lists = wb.create_sheet(_LISTS)
    lists.sheet_state = "hidden"
    choices = {"ja": ["ja"], "freq": [v[0] for v in FREQUENCY.values()], "int": [v[0] for v in INTENSITY.values()],
               "agree": [v[0] for v in AGREEMENT.values()], "x": ["x"]}  # fmt: skip
    ranges = {}
    for i, (key, values) in enumerate(choices.items(), start=1):
        letter = get_column_letter(i)
        for j, value in enumerate(values, start=1):
            lists.cell(row=j, column=i, value=value)
        ranges[key] = f"{_LISTS}!${letter}$1:${letter}${len(values)}"

    def text(value: str | None) -> str | None:
        return clean_text(value) if value else value

    ws["A1"] = text(f"Netzwerkbefragung: {q.round.title or q.round.name}")
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = text(f"Einrichtung: {q.actor.label}")
    ws["A2"].font = Font(bold=True)
    ws["A3"] = ("Bitte in Spalte »Zusammenarbeit« »ja« wählen für jede Einrichtung, mit der Sie in den letzten "
                "12 Monaten zusammengearbeitet haben, und die Angaben dazu aus den Auswahllisten wählen. "
                "Vertrauen und Wert sind freiwillig. Einrichtungen, die fehlen: Blatt »Weitere Partner«.")  # fmt: skip
    ws["A3"].alignment = Alignment(wrap_text=False)
    columns = _columns()
    for i, name in enumerate(columns, start=1):
        cell = ws.cell(row=_HEADER_ROW, column=i, value=name)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="2F5597" if i <= len(_FIXED) else "5B9BD5")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.column_dimensions[get_column_letter(i)].width = 40 if i == 2 else (14 if i > len(_FIXED) else 18)
    ws.row_dimensions[_HEADER_ROW].height = 75
    ws.freeze_panes = ws.cell(row=_HEADER_ROW + 1, column=3)
    entries = _ordered(q)
    for r, e in enumerate(entries, start=_HEADER_ROW + 1):
        p = given.get(e.actor)
        row = [e.actor, e.label, e.kind_label, e.stadtbezirk_label]
        if p is None:
            row += [None] * (len(columns) - len(_FIXED) - 1)
        else:
            row += ["ja", _label(FREQUENCY, p.frequency), _label(INTENSITY, p.intensity)]
            row += ["x" if code in p.kinds else None for code in TIE_KINDS]
            row += [_label(AGREEMENT, v) for v in (*p.trust, *p.value)]
        row.append("ja" if e.actor in desired else None)
        for c, value in enumerate(row, start=1):
            if value is not None:  # empty answer cells stay unwritten: a tenth of the work for a large roster
                ws.cell(row=r, column=c, value=text(value)).data_type = "s"
    last = _HEADER_ROW + max(1, len(entries))
    first_answer = len(_FIXED) + 1
    kinds = {"ja": [first_answer, len(columns)], "freq": [first_answer + 1], "int": [first_answer + 2],
             "x": list(range(first_answer + 3, first_answer + 3 + len(TIE_KINDS))),
             "agree": list(range(first_answer + 3 + len(TIE_KINDS), len(columns)))}  # fmt: skip
    for key, cols in kinds.items():
        dv = DataValidation(type="list", formula1=ranges[key], allow_blank=True, showErrorMessage=True,
                            errorTitle="Ungültiger Wert", error="Bitte einen Wert aus der Liste wählen.")  # fmt: skip
        for c in cols:
            letter = get_column_letter(c)
            dv.add(f"{letter}{_HEADER_ROW + 1}:{letter}{last}")
        ws.add_data_validation(dv)

    own = wb.create_sheet(_OWN)
    own.append(["Frage", "Antwort"])
    own["A1"].font = own["B1"].font = Font(bold=True)
    own.column_dimensions["A"].width = 70
    own.column_dimensions["B"].width = 40
    values = {"consent": "ja" if answers.consent else None, "name": answers.respondent_name,
              "mail": answers.respondent_mail}  # fmt: skip
    values.update({f"beitrag:{c}": "ja" for c in answers.contributes})
    dv = DataValidation(type="list", formula1=ranges["ja"], allow_blank=True)
    own.add_data_validation(dv)
    for key, question in _own_rows():
        own.append([question, text(values.get(key))])
        if key.startswith("beitrag:") or key == "consent":
            dv.add(f"B{own.max_row}")
    others = wb.create_sheet(_OTHERS)
    others.append(["Name der Einrichtung (eine pro Zeile)"])
    others["A1"].font = Font(bold=True)
    others.column_dimensions["A"].width = 60
    for name in answers.others:
        others.append([text(name)])
    info = wb.create_sheet(_INFO)
    info.sheet_state = "hidden"
    info.append(["runde", q.round.name])
    info.append(["akteur", q.actor.actor])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def round_workbooks(store: Store, iris: Iris, name: str) -> Iterator[tuple[str, bytes]]:
    """Every invited actor's workbook of round ``name`` as ``(file name, bytes)``, for one ZIP."""
    from bildungsnetz.survey.answers import answers_of
    from bildungsnetz.survey.rounds import get_round, roster

    found = get_round(store, iris, name)
    entries = roster(store, iris, found.name)
    used: set[str] = set()
    for e in entries:
        answers, state, submitted = answers_of(store, iris, found.name, e.actor)
        q = Questionnaire(round=found, actor=e, roster=entries, answers=answers, submitted=submitted,
                          draft=state == "entwurf", closed=found.closed)  # fmt: skip
        stem = re.sub(r"[^\w-]+", "-", e.label).strip("-")[:60] or "einrichtung"
        filename = f"{stem}.xlsx"
        n = 2
        while filename.casefold() in used:
            filename, n = f"{stem}-{n}.xlsx", n + 1
        used.add(filename.casefold())
        yield filename, questionnaire_workbook(q)


def round_zip(store: Store, iris: Iris, name: str) -> tuple[bytes, int]:
    """Every invited actor's workbook of round ``name`` in one ZIP, and how many it holds."""
    import zipfile

    buffer = io.BytesIO()
    count = 0
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for filename, data in round_workbooks(store, iris, name):
            archive.writestr(filename, data)
            count += 1
    return buffer.getvalue(), count


# -- Reading a returned workbook -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReturnedWorkbook:
    """What a returned workbook says: its round, its actor and the answers in it."""

    round: str
    actor: str
    answers: Answers


def _fold(value: object) -> str:
    return " ".join(str(value or "").split()).casefold()


def _reverse(scale: dict) -> dict[str, int]:
    found = {}
    for value, labels in scale.items():
        found[str(value)] = value
        for label in labels:
            found[_fold(label)] = value
    return found


class _Reader:
    """One workbook's sheets, read under the import's limits; errors name the file as the user knows it."""

    def __init__(self, path: Path, shown: str, limits) -> None:
        from bildungsnetz.ingest.tables.read import _open_workbook, check_workbook

        self.path, self.shown, self.limits = path, shown, limits
        try:
            check_workbook(path, limits)
            self.wb = _open_workbook(path)
        except TableError as exc:
            raise self.again(exc) from None

    def error(self, de: str, en: str, **where) -> TableError:
        return TableError(de, en, file=self.shown, **where)

    def again(self, exc: TableError) -> TableError:
        """``exc`` (a refusal of the import's reader: too large, unsafe …) naming the file as the user knows it."""
        return type(exc)(exc.de, exc.en, file=self.shown, sheet=exc.sheet, row=exc.row, column=exc.column)

    def rows(self, sheet: str) -> list[tuple[int, tuple]]:
        from bildungsnetz.ingest.tables.read import _sheet_rows

        if sheet not in self.wb.sheetnames:
            raise self.error(f"Blatt '{sheet}' fehlt – ist das ein Fragebogen aus bildungsnetz?",
                             f"sheet '{sheet}' is missing – is this a questionnaire from bildungsnetz?")  # fmt: skip
        try:
            return list(_sheet_rows(self.wb[sheet], self.path, self.limits))
        except TableError as exc:
            raise self.again(exc) from None

    def close(self) -> None:
        self.wb.close()


def _yes(value: object) -> bool:
    return _fold(value) in _YES


def _partner_row(reader: _Reader, number: int, cells: dict[str, object]) -> PartnerAnswer | None:
    scales = {_FREQUENCY: _reverse(FREQUENCY), _INTENSITY: _reverse(INTENSITY), "agree": _reverse(AGREEMENT)}

    def scale(column: str, key: str | None = None) -> int | None:
        raw = cells.get(column)
        if raw is None or _fold(raw) == "":
            return None
        found = scales[key or column].get(_fold(raw))
        if found is None:
            allowed = ", ".join(v[0] for v in (FREQUENCY if column == _FREQUENCY else INTENSITY if column ==
                                               _INTENSITY else AGREEMENT).values())  # fmt: skip
            raise reader.error(f"unbekannter Wert {str(raw)[:40]!r}; erlaubt: {allowed}",
                               f"unknown value {str(raw)[:40]!r}; allowed: {allowed}", sheet=SHEET, row=number,
                               column=column)  # fmt: skip
        return found

    answers = [c for c in _columns()[len(_FIXED) + 1 : -1] if cells.get(c) not in (None, "")]
    if not _yes(cells.get(_PARTNER)):
        if cells.get(_PARTNER) not in (None, "") and _fold(cells.get(_PARTNER)) not in ("nein", "no", "-"):
            raise reader.error(f"bitte »ja« oder nichts eintragen, nicht {str(cells[_PARTNER])[:40]!r}",
                               f"please enter 'ja' or nothing, not {str(cells[_PARTNER])[:40]!r}", sheet=SHEET,
                               row=number, column=_PARTNER)  # fmt: skip
        if answers:
            raise reader.error(f"Angaben zur Zusammenarbeit, aber in »{_PARTNER}« steht kein »ja«",
                               f"details on a cooperation, but '{_PARTNER}' does not say 'ja'", sheet=SHEET,
                               row=number, column=answers[0])  # fmt: skip
        return None
    return PartnerAnswer(
        partner=str(cells["Kennung"]),
        frequency=scale(_FREQUENCY),
        intensity=scale(_INTENSITY),
        kinds=tuple(code for code in TIE_KINDS if cells.get(_kind_column(code)) not in (None, "")),
        trust=tuple(scale(_item_column("Vertrauen", i), "agree") for i in TRUST_ITEMS),
        value=tuple(scale(_item_column("Wert", i), "agree") for i in VALUE_ITEMS),
    )


def _read_partners(reader: _Reader, roster: set[str]) -> tuple[tuple[PartnerAnswer, ...], tuple[str, ...]]:
    rows = reader.rows(SHEET)
    header = next(((n, cells) for n, cells in rows if cells and _fold(cells[0]) == "kennung"), None)
    if header is None:
        raise reader.error("Kopfzeile mit 'Kennung' fehlt", "header row with 'Kennung' is missing", sheet=SHEET)
    number, cells = header
    names = [" ".join(str(c or "").split()) for c in cells]
    missing = [c for c in _columns() if c not in names]
    if missing:
        raise reader.error("Spalte fehlt – bitte die Spalten des Fragebogens nicht ändern",
                           "column missing – please do not change the questionnaire's columns", sheet=SHEET,
                           row=number, column=missing[0])  # fmt: skip
    positions = {c: names.index(c) for c in _columns()}
    partners: list[PartnerAnswer] = []
    desired: list[str] = []
    for n, values in rows:
        if n <= number:
            continue
        row = {c: values[i] if i < len(values) else None for c, i in positions.items()}
        actor = str(row["Kennung"] or "").strip()
        answer = _partner_row(reader, n, row)
        wished = _yes(row[_DESIRED])
        if (answer is not None or wished) and (not actor or (roster and actor not in roster)):
            raise reader.error(f"Kennung {actor[:80]!r} gehört nicht zu dieser Befragung; bitte keine Zeilen "
                               "hinzufügen (fehlende Einrichtungen: Blatt »Weitere Partner«)",
                               f"id {actor[:80]!r} is not part of this survey; please add no rows (missing "
                               "institutions: sheet 'Weitere Partner')", sheet=SHEET, row=n,
                               column="Kennung")  # fmt: skip
        if answer is not None:
            partners.append(answer)
        if wished:
            desired.append(actor)
    return tuple(partners), tuple(dict.fromkeys(desired))


def _read_own(reader: _Reader) -> dict[str, object]:
    questions = {q: key for key, q in _own_rows()}
    found: dict[str, object] = {}
    for n, row in reader.rows(_OWN):
        key = questions.get(" ".join(str(row[0] or "").split())) if row else None
        if key is None:
            continue
        value = row[1] if len(row) > 1 else None
        if key in ("name", "mail"):
            found[key] = " ".join(str(value).split()) if value not in (None, "") else None
        elif value not in (None, "") and not _yes(value) and _fold(value) not in ("nein", "no"):
            raise reader.error(f"bitte »ja« oder nichts eintragen, nicht {str(value)[:40]!r}",
                               f"please enter 'ja' or nothing, not {str(value)[:40]!r}", sheet=_OWN, row=n,
                               column="Antwort")  # fmt: skip
        else:
            found[key] = _yes(value)
    return {
        "contributes": tuple(code for code in CONTRIBUTES if found.get(f"beitrag:{code}")),
        "consent": bool(found.get("consent")),
        "respondent_name": found.get("name"),
        "respondent_mail": found.get("mail"),
    }


def read_workbook(path: str | Path, *, round_name: str, actor: str | None = None, roster: Sequence[str] = (),
                  filename: str | None = None, limits=None) -> ReturnedWorkbook:  # fmt: skip
    """The answers in a returned questionnaire workbook of round ``round_name``.

    Parameters
    ----------
    path : path-like
        The ``.xlsx`` file.
    round_name : str
        The round it must belong to (its hidden sheet ``Info`` names round and actor).
    actor : str, optional
        The actor it must belong to, if known.
    roster : sequence of str, optional
        The round's actors: a partner row whose ``Kennung`` is not among them is refused.
    filename : str, optional
        The name errors give the file (an upload's own name instead of a temporary path).
    limits : ReadLimits, optional
        The import's limits against spreadsheet bombs (default: from the settings).

    Returns
    -------
    ReturnedWorkbook

    Raises
    ------
    TableError, LimitExceeded, UnsafeWorkbook
        Naming file, sheet, row and column of the first problem, in German and English.

    Examples
    --------
    >>> import tempfile
    >>> from datetime import date, datetime
    >>> from openpyxl import load_workbook
    >>> from bildungsnetz.survey.model import Round
    >>> r = Round("w1", "Welle 1", date(2026, 1, 1), None, "offen", (), (), datetime(2026, 1, 1))
    >>> a = RosterEntry("https://x/a", "Kita A", "kita", "Kita", "sb1", "Mitte")
    >>> b = RosterEntry("https://x/b", "Schule B", "schule", "Schule", "sb1", "Mitte")
    >>> wb = load_workbook(io.BytesIO(questionnaire_workbook(Questionnaire(r, a, (a, b), None, None, False, False))))
    >>> wb[SHEET]["E6"], wb[SHEET]["F6"] = "ja", "etwa 1× im Monat"
    >>> path = Path(tempfile.mkdtemp()) / "kita-a.xlsx"
    >>> wb.save(path)
    >>> got = read_workbook(path, round_name="w1", roster=[a.actor, b.actor])
    >>> got.actor, got.answers.partners[0].partner, got.answers.partners[0].frequency
    ('https://x/a', 'https://x/b', 4)
    >>> wb[SHEET]["F6"] = "dauernd"
    >>> wb.save(path)
    >>> read_workbook(path, round_name="w1", filename="kita-a.xlsx").text("en")
    Traceback (most recent call last):
    ...
    bildungsnetz.errors.TableError: kita-a.xlsx, Blatt 'Fragebogen', Zeile 6, Spalte 'Häufigkeit': unbekannter ...
    """
    from bildungsnetz.ingest.tables.read import ReadLimits

    path = Path(path)
    reader = _Reader(path, filename or str(path), limits or ReadLimits.from_settings())
    try:
        info = {str(row[0]): str(row[1]) for _, row in reader.rows(_INFO) if len(row) > 1 and row[0]}
        if info.get("runde") != round_name:
            raise reader.error(f"gehört zur Befragung {info.get('runde')!r}, nicht zu {round_name!r}",
                               f"belongs to the survey {info.get('runde')!r}, not to {round_name!r}",
                               sheet=_INFO)  # fmt: skip
        owner = info.get("akteur") or ""
        if not owner or (actor is not None and owner != actor):
            raise reader.error(f"gehört zu {owner or '?'!r}, nicht zu {actor!r}",
                               f"belongs to {owner or '?'!r}, not to {actor!r}", sheet=_INFO)  # fmt: skip
        partners, desired = _read_partners(reader, set(roster))
        own = _read_own(reader)
        others = tuple(dict.fromkeys(" ".join(str(row[0]).split()) for number, row in reader.rows(_OTHERS)
                                     if number > 1 and row and row[0] not in (None, "")))  # fmt: skip
    finally:
        reader.close()
    answers = Answers(partners=partners, desired=desired, others=others, **own)
    return ReturnedWorkbook(round=round_name, actor=owner, answers=answers)


def import_workbook(store: Store, iris: Iris, name: str, path: str | Path, *, agent: str, filename: str | None = None,
                    limits=None) -> Questionnaire:  # fmt: skip
    """A returned workbook saved as its actor's submitted answers in round ``name``, checked like every import
    (the questionnaire's rules, then the shapes); nothing is written when a check fails.

    Raises
    ------
    TableError, LimitExceeded, UnsafeWorkbook
        From :func:`read_workbook`, naming file, sheet, row and column; also when the consent is missing.
    RoundClosed
        (HTTP 409) when the round is closed.
    SurveyAnswerError, ValidationFailed
        As :func:`~bildungsnetz.survey.answers.save_answers`.
    """
    from bildungsnetz.survey.answers import save_actor_answers
    from bildungsnetz.survey.rounds import get_round, roster

    found = get_round(store, iris, name)
    entries = roster(store, iris, found.name)
    got = read_workbook(path, round_name=found.name, roster=[e.actor for e in entries], filename=filename,
                        limits=limits)  # fmt: skip
    if not got.answers.consent:
        raise TableError("die Einwilligung fehlt: bitte »ja« eintragen, sonst können die Antworten nicht zählen",
                         "consent is missing: please enter 'ja', else the answers cannot count",
                         file=filename or str(path), sheet=_OWN, column="Antwort")  # fmt: skip
    return save_actor_answers(store, iris, found.name, got.actor, got.answers, final=True, agent=agent)

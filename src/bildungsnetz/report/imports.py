"""Import reports as files: JSON for programs, self-contained HTML for people, and the user's own workbook marked up."""

from __future__ import annotations

import html
import json
from collections import defaultdict
from pathlib import Path

from bildungsnetz.errors import UsageError
from bildungsnetz.ingest.pipeline import ImportResult
from bildungsnetz.tables import clean_text, xlsx_cell
from bildungsnetz.validate.report import Violation, compact, compact_path

__all__ = ["write_report", "render_html", "write_xlsx"]

_FILL = {"Violation": "FFC7CE", "Warning": "FFEB9C", "Info": "DDEBF7"}
_RANK = {"Violation": 0, "Warning": 1, "Info": 2}
_LABEL = {"Violation": "Verstoß / violation", "Warning": "Warnung / warning", "Info": "Hinweis / info"}


def write_report(result: ImportResult, path: Path) -> None:
    """Write the report as ``.json``, ``.html`` or ``.xlsx`` by the file's extension."""
    suffix = path.suffix.lower()
    if suffix == ".json":
        path.write_text(json.dumps(result.to_dict(), ensure_ascii=False, indent=2), encoding="utf-8")
    elif suffix in (".html", ".htm"):
        path.write_text(render_html(result), encoding="utf-8")
    elif suffix == ".xlsx":
        write_xlsx(result, path)
    else:
        raise UsageError(f"--report {path.name}: erlaubt sind .html, .json, .xlsx / allowed are .html, .json, .xlsx")


def _where(v: Violation) -> str:
    parts = [Path(v.source_file).name.replace("#", " › ") if v.source_file else ""]
    if v.row is not None:
        parts.append(f"Zeile/row {v.row}")
    if v.column:
        parts.append(f"Spalte/column {v.column}")
    return ", ".join(p for p in parts if p)


def render_html(result: ImportResult) -> str:
    """A self-contained HTML page (no external requests): summary, then one table per message with counts."""
    r = result.report
    e = html.escape
    if result.imported:
        status = "importiert / imported"
    elif result.unchanged:
        status = "unverändert / unchanged"
    elif not r.conforms:
        status = "nicht importiert: Prüfung fehlgeschlagen / not imported: validation failed"
    else:
        status = "Probelauf: würde importieren / dry run: would import"
    rows = []
    for group in r.grouped(examples=50):
        items = [v for v in r.violations if v.shape == group.shape and v.message_de == group.message_de][:200]
        body = "".join(
            f"<tr><td>{e(_where(v))}</td><td><code>{e(v.focus)}</code></td><td>{e(compact_path(v.path) or '')}</td>"
            f"<td>{e(v.value or '')}</td></tr>"
            for v in items
        )
        rows.append(
            f'<section class="{e(group.severity)}"><h2>{e(_LABEL[group.severity])}: {group.count}×</h2>'
            f'<p lang="de">{e(group.message_de)}</p><p lang="en">{e(group.message_en)}</p>'
            f"<p class=rule>Regel / rule: <code>{e(compact(group.shape))}</code></p>"
            "<table><thead><tr><th>Wo / where</th><th>Knoten / node</th><th>Feld / field</th><th>Wert / value</th>"
            f"</tr></thead><tbody>{body}</tbody></table></section>"
        )
    notes = "".join(f"<li>{e(n)}</li>" for n in result.notes)
    files = ", ".join(e(f.path.name) for f in result.files)
    return f"""<!doctype html>
<html lang="de"><head><meta charset="utf-8">
<title>Importbericht {e(result.source)}</title>
<style>
body{{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem;color:#1a1a1a}}
table{{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}} td,th{{border:1px solid #bbb;padding:.3rem .5rem;
text-align:left;vertical-align:top}} th{{background:#eee}} code{{font-size:.85em;word-break:break-all}}
section{{border-left:.4rem solid #888;padding-left:1rem;margin:1rem 0}} .Violation{{border-color:#c00}}
.Warning{{border-color:#d90}} .Info{{border-color:#36c}} .rule{{color:#555}} p[lang=en]{{color:#444}}
@media print{{section{{break-inside:avoid}}}}
</style></head><body>
<h1>Importbericht / import report: {e(result.source)}</h1>
<table><tbody>
<tr><th>Ergebnis / result</th><td>{e(status)}</td></tr>
<tr><th>Dateien / files</th><td>{files}</td></tr>
<tr><th>Zeilen / rows</th><td>{result.rows}</td></tr>
<tr><th>Tripel / triples</th><td>{result.triples}</td></tr>
<tr><th>Verstöße / violations</th><td>{len(r.errors)}</td></tr>
<tr><th>Warnungen / warnings</th><td>{len(r.warnings)}</td></tr>
</tbody></table>
{f"<h2>Hinweise / notes</h2><ul>{notes}</ul>" if notes else ""}
{"".join(rows) or "<p>Keine Befunde / no findings.</p>"}
</body></html>
"""


def _table_of(v: Violation, result: ImportResult) -> str | None:
    origin = result.origins.get(v.focus)
    return origin.table if origin is not None else None


def write_xlsx(result: ImportResult, path: Path) -> None:
    """The user's own tables with an error column and the offending cells highlighted, plus a summary sheet.

    For an XLSX source the workbook itself is copied and marked; CSV sources become one sheet each.
    """
    from openpyxl import Workbook, load_workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill

    by_file: dict[str, list[Violation]] = defaultdict(list)
    for v in result.report.violations:
        if v.source_file:
            by_file[Path(v.source_file.split("#", 1)[0]).name].append(v)
    wb = None
    sheets: list[tuple[str, object]] = []  # (file name, worksheet)
    for f in result.files:
        if f.path.suffix.lower() in (".xlsx", ".xlsm") and f.path.is_file():
            if wb is None:
                wb = load_workbook(f.path)
                sheets += [(f.path.name, ws) for ws in wb.worksheets]
    if wb is None:
        wb = Workbook()
        wb.remove(wb.active)
    for f in result.files:
        if f.path.suffix.lower() == ".csv" and f.path.is_file():
            ws = wb.create_sheet(clean_text(f.path.stem)[:31])
            for row in _read_csv_rows(f.path):
                ws.append([xlsx_cell(ws, value) for value in row])  # text stays text: "=…" is shown, not run
            sheets.append((f.path.name, ws))
    for file_name, ws in sheets:
        found = by_file.get(file_name, [])
        if not found:
            continue
        header = {str(c.value).strip().lower(): c.column for c in ws[1] if c.value is not None}
        err_col = ws.max_column + 1
        _text(ws, 1, err_col, "Fehler / errors").font = Font(bold=True)
        messages: dict[int, list[str]] = defaultdict(list)
        multi_sheet = len([s for s in sheets if s[0] == file_name]) > 1
        marked: dict[tuple[int, int], int] = {}
        # Most severe first, so a violation's colour is not painted over by a warning on the same cell.
        for v in sorted(found, key=lambda v: _RANK[v.severity]):
            if v.row is None:
                continue
            table = v.source_file.split("#", 1)[1] if "#" in (v.source_file or "") else _table_of(v, result)
            if multi_sheet and table and table.lower() != ws.title.lower():
                continue
            messages[v.row].append(f"{v.column or ''}: {v.message_de}".strip(": "))
            col = header.get((v.column or "").lower())
            if col and (v.row, col) not in marked:
                marked[(v.row, col)] = 1
                cell = ws.cell(row=v.row, column=col)
                cell.fill = PatternFill("solid", fgColor=_FILL[v.severity])
                cell.comment = Comment(clean_text(f"{v.message_de}\n{v.message_en}"), "bildungsnetz")
        for row, msgs in messages.items():
            _text(ws, row, err_col, " | ".join(dict.fromkeys(msgs)))
    summary = wb.create_sheet("Bericht", 0)
    head = ["Schwere / severity", "Anzahl / count", "Meldung", "message", "Regel / rule"]
    summary.append([xlsx_cell(summary, value) for value in head])
    for g in result.report.grouped():
        values = [_LABEL[g.severity], g.count, g.message_de, g.message_en, compact(g.shape)]
        summary.append([xlsx_cell(summary, value) for value in values])
    for c in summary[1]:
        c.font = Font(bold=True)
    wb.save(path)


def _text(ws, row: int, column: int, text: str):
    """Write ``text`` into a cell as text (a message may quote a user's "=…"), without control characters."""
    cell = ws.cell(row=row, column=column)
    cell.value = clean_text(text)
    cell.data_type = "s"
    return cell


def _read_csv_rows(path: Path) -> list[list[str]]:
    import csv

    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    return list(csv.reader(text.splitlines(), delimiter=delimiter))

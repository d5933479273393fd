"""Imports that cannot lose data, crash or be bombed: empty files, spreadsheet bombs, orphaned workers, Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from bildungsnetz.cli import app
from bildungsnetz.ingest.pipeline import import_files
from bildungsnetz.ingest.tables import TableError, read_tables
from bildungsnetz.settings import Settings
from bildungsnetz.store import EmbeddedStore

REPO = Path(__file__).resolve().parents[1]
EXAMPLE_TABLES = sorted((REPO / "docs" / "beispiel-import").glob("*.csv"))
runner = CliRunner()


def dump(store) -> list[str]:
    """A canonical dump: every quad of every named graph, sorted."""
    return sorted(str(q) for g in store.named_graphs() for q in store.quads(g))


def store_dump(path: Path) -> list[str]:
    store = EmbeddedStore(path)
    try:
        return dump(store)
    finally:
        store.close()




# -- spreadsheets built by hand: a zip and a sheet XML, small on disk ---------------------------------------------

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"'
    '/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType='
    '"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName='
    '"/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
    'worksheet+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
    'main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name='
    '"akteure" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
HEADER = [("A", "id"), ("B", "name"), ("C", "typ"), ("D", "stadtteil")]


def row(number: int, cells: list[tuple[str, str | None]]) -> str:
    """One sheet row; a cell without value is a blank (styled) cell, as Excel writes them."""
    out = [f'<row r="{number}">']
    for column, value in cells:
        if value is None:
            out.append(f'<c r="{column}{number}" s="1"/>')
        else:
            out.append(f'<c r="{column}{number}" t="inlineStr"><is><t>{value}</t></is></c>')
    return "".join(out) + "</row>"


def workbook(path: Path, rows, *, prolog: str = "", dimension: str = "", big_mb: int = 0) -> Path:
    """An XLSX workbook with one sheet ``akteure``; ``big_mb`` megabytes of one cell, streamed into the zip."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(
                f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<worksheet xmlns="http://schemas.openxmlformats.org/'
                f'spreadsheetml/2006/main">{dimension}<sheetData>'.encode()
            )
            for r in rows:
                sheet.write(r.encode())
            if big_mb:
                sheet.write(b'<row r="9"><c r="B9" t="inlineStr"><is><t>')
                block = b"a" * (1 << 20)
                for _ in range(big_mb):
                    sheet.write(block)
                sheet.write(b"</t></is></c></row>")
            sheet.write(b"</sheetData></worksheet>")
    return path


def example_store(path: Path) -> Path:
    """A store holding the example tables as source ``beispiel`` (593 public, 12 private triples)."""
    result = runner.invoke(app, ["import", *map(str, EXAMPLE_TABLES), "--source", "beispiel", "--store", str(path)])
    assert result.exit_code == 0, result.output
    return path


# -- 2: a spreadsheet without data rows never empties a source ----------------------------------------------------


@pytest.mark.parametrize("kind", ["header only", "blank rows"])
def test_a_spreadsheet_without_data_rows_is_refused_and_the_source_keeps_its_data(tmp_path, kind):
    store = example_store(tmp_path / "store")
    before = store_dump(store)
    if kind == "header only":
        empty = tmp_path / "akteure.csv"
        empty.write_text("id;name;typ;stadtbezirk;stadtteil\n", encoding="utf-8")
    else:
        blank = [row(n, [("A", None), ("B", " "), ("C", None)]) for n in range(2, 50)]
        empty = workbook(tmp_path / "akteure.xlsx", [row(1, HEADER), *blank])
    result = runner.invoke(app, ["import", str(empty), "--source", "beispiel", "--store", str(store)])
    assert result.exit_code == 1, result.output
    assert empty.name in result.output and "bildungsnetz drop-source beispiel" in result.output
    assert "Traceback" not in result.output
    assert store_dump(store) == before


def test_on_every_store_an_empty_file_is_refused_and_a_contacts_only_source_reimports_unchanged(each_store, tmp_path):
    from bildungsnetz.ingest.pipeline import EmptyImport

    store = each_store
    assert import_files(EXAMPLE_TABLES, store=store, source="beispiel").imported
    contacts = REPO / "docs" / "beispiel-import" / "kontakte.csv"
    assert import_files([contacts], store=store, source="kontakte").imported
    before = dump(store)
    empty = tmp_path / "akteure.csv"
    empty.write_text("id;name;typ\n", encoding="utf-8")
    with pytest.raises(EmptyImport, match="drop-source beispiel"):
        import_files([empty], store=store, source="beispiel")
    again = import_files([contacts], store=store, source="kontakte")
    assert again.unchanged and not again.imported
    assert dump(store) == before


def test_the_api_refuses_an_upload_without_data_rows_with_400_and_changes_nothing(tmp_path):
    from test_api import REDAKTION, TOKENS, LiveServer

    store = example_store(tmp_path / "store")
    empty = tmp_path / "akteure.csv"
    empty.write_text("id;name;typ;stadtbezirk;stadtteil\n", encoding="utf-8")
    with LiveServer(Settings(store=store, api_tokens=TOKENS, sparql_workers=1)) as live:
        before = dump(live.service.store)
        answer = upload(live, empty, REDAKTION, source="beispiel")
        assert answer.status_code == 400, answer.text
        assert "akteure.csv" in answer.json()["error"] and "drop-source beispiel" in answer.json()["error"]
        assert dump(live.service.store) == before


def upload(live, path: Path, token: str, **data) -> httpx.Response:
    with path.open("rb") as fh:
        return httpx.post(
            live.url + "/api/imports",
            files=[("files", (path.name, fh))],
            data=data,
            headers={"Authorization": f"Bearer {token}"},
            timeout=600,
        )


# -- 9: spreadsheet bombs -------------------------------------------------------------------------------------


def test_a_small_workbook_that_unpacks_to_hundreds_of_megabytes_is_refused_unopened(tmp_path):
    bomb = workbook(tmp_path / "akteure.xlsx", [row(1, HEADER)], big_mb=400)
    assert bomb.stat().st_size < 2_000_000
    with pytest.raises(TableError, match="BILDUNGSNETZ_IMPORT_MAX_UNCOMPRESSED_MB") as caught:
        read_tables(bomb)
    assert "akteure.xlsx" in str(caught.value) and caught.value.http_status == 413


def test_a_blank_cell_in_column_xfd_on_every_row_is_refused_naming_sheet_row_and_column(tmp_path):
    rows = [row(1, HEADER)] + [
        row(n, [("A", f"X-{n}"), ("B", "Treff"), ("C", "Verein"), ("D", "Syburg"), ("XFD", None)])
        for n in range(2, 20_000)
    ]
    bomb = workbook(tmp_path / "akteure.xlsx", rows)
    with pytest.raises(TableError) as caught:
        read_tables(bomb)
    message = str(caught.value)
    assert "Blatt 'akteure', Zeile 2, Spalte 'XFD'" in message and "BILDUNGSNETZ_IMPORT_MAX_COLUMNS" in message
    # A sheet that states its size is refused before a single row is read.
    stated = workbook(tmp_path / "stated.xlsx", rows[:3], dimension='<dimension ref="A1:XFD200000"/>')
    with pytest.raises(TableError, match="Spalte 'XFD'"):
        read_tables(stated, kind="akteure")


def test_a_workbook_with_a_dtd_is_refused_naming_the_part(tmp_path):
    bomb = workbook(
        tmp_path / "akteure.xlsx",
        [row(1, HEADER), row(2, [("A", "X-1"), ("B", "&x;"), ("C", "Verein")])],
        prolog='<!DOCTYPE worksheet [<!ENTITY x "lol">]>',
    )
    with pytest.raises(TableError, match="DTD") as caught:
        read_tables(bomb)
    assert caught.value.exit_code == 1 and "xl/worksheets/sheet1.xml" in str(caught.value)


def test_cells_rows_and_cell_length_have_limits_that_name_where_they_were_crossed(tmp_path):
    from bildungsnetz.ingest.tables import LimitExceeded, ReadLimits

    rows = [row(1, HEADER)] + [row(n, [("A", f"X-{n}"), ("B", "b" * 50), ("C", "Verein")]) for n in range(2, 40)]
    sheet = workbook(tmp_path / "akteure.xlsx", rows)
    with pytest.raises(LimitExceeded, match="Zeile 31: mehr als 30 Zeilen"):
        read_tables(sheet, limits=ReadLimits(rows=30))
    with pytest.raises(LimitExceeded, match="Zeile 34: mehr als 100 Zellen"):
        read_tables(sheet, limits=ReadLimits(cells=100))
    with pytest.raises(LimitExceeded, match="Zeile 2, Spalte 'B': Zelle länger als 40 Zeichen"):
        read_tables(sheet, limits=ReadLimits(cell_chars=40))
    csv = tmp_path / "akteure.csv"
    csv.write_text("id;name;typ\nA-1;" + "n" * 40_000 + ";Verein\n", encoding="utf-8")
    with pytest.raises(LimitExceeded, match="Zeile 2, Spalte 'name': Zelle länger als 32767 Zeichen"):
        read_tables(csv)


def test_a_csv_header_over_128_kib_is_a_clean_refusal_not_an_internal_error(tmp_path):
    store = tmp_path / "store"
    wide = tmp_path / "akteure.csv"
    wide.write_text("id;name;typ;" + "x" * 140_000 + "\nA-1;Treff;Verein;\n", encoding="utf-8")
    result = runner.invoke(app, ["import", str(wide), "--store", str(store)])
    assert result.exit_code == 1, result.output
    assert "akteure.csv, Zeile 1" in result.output and "Interner Fehler" not in result.output


def test_the_api_answers_bombs_with_413_or_400_naming_the_limit_and_changes_nothing(tmp_path):
    from test_api import REDAKTION, TOKENS, LiveServer

    store = example_store(tmp_path / "store")
    big = workbook(tmp_path / "akteure.xlsx", [row(1, HEADER)], big_mb=300)
    dtd = workbook(tmp_path / "dtd.xlsx", [row(1, HEADER)], prolog="<!DOCTYPE worksheet>")
    header = tmp_path / "kopf.csv"
    header.write_text("id;name;" + "x" * 140_000 + "\n", encoding="utf-8")
    with LiveServer(Settings(store=store, api_tokens=TOKENS, sparql_workers=1)) as live:
        before = dump(live.service.store)
        answer = upload(live, big, REDAKTION, source="beispiel")
        assert answer.status_code == 413, answer.text
        assert "BILDUNGSNETZ_IMPORT_MAX_UNCOMPRESSED_MB" in answer.json()["error"]
        answer = upload(live, dtd, REDAKTION, source="beispiel")
        assert answer.status_code == 400 and "DTD" in answer.json()["error"], answer.text
        answer = upload(live, header, REDAKTION, source="beispiel", kind="akteure")
        assert answer.status_code == 413 and "kopf.csv" in answer.json()["error"], answer.text
        assert dump(live.service.store) == before


def test_an_upload_that_needs_more_memory_than_allowed_stops_only_the_reading_child(tmp_path):
    """The size check is lifted here, so the 200 MB cell reaches the reader: the child dies, the server answers."""
    from test_api import REDAKTION, TOKENS, LiveServer

    store = example_store(tmp_path / "store")
    big = workbook(tmp_path / "akteure.xlsx", [row(1, HEADER)], big_mb=200)
    settings = Settings(store=store, api_tokens=TOKENS, sparql_workers=1, import_max_uncompressed_mb=4096,
                        import_parse_memory_mb=400)  # fmt: skip
    with LiveServer(settings) as live:
        before = dump(live.service.store)
        answer = upload(live, big, REDAKTION, source="beispiel")
        assert answer.status_code == 413, answer.text
        assert "BILDUNGSNETZ_IMPORT_PARSE_MEMORY_MB" in answer.json()["error"]
        assert dump(live.service.store) == before
        # and the server still imports what fits
        ok = upload(live, EXAMPLE_TABLES[0], REDAKTION, source="noch-da")
        assert ok.status_code == 200, ok.text


# -- 11: workers die with their import; contacts-only sources are unchanged; Ctrl-C tells the truth ---------------


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state not in ("Z", "X")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux only")
def test_kill_9_of_an_import_during_validation_takes_its_worker_processes_with_it(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text(
        textwrap.dedent(
            """
            import multiprocessing, sys, threading, time
            import pyoxigraph as ox
            from rdflib import Graph
            from bildungsnetz.validate.chunks import validate_chunked

            def report():
                while len(multiprocessing.active_children()) < 2:
                    time.sleep(0.05)
                print(" ".join(str(p.pid) for p in multiprocessing.active_children()), flush=True)

            if __name__ == "__main__":
                n = ox.NamedNode
                kind = n("https://w3id.org/bildungsnetz/ontology#Kooperation")
                rdf_type = n("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
                data = [ox.Triple(n(f"https://w3id.org/bildungsnetz/id/kooperation/K-{i}"), rdf_type, kind)
                        for i in range(20000)]
                threading.Thread(target=report, daemon=True).start()
                validate_chunked(data, reference=Graph(), size=5, workers=2)
            """
        ),
        encoding="utf-8",
    )
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    parent = subprocess.Popen([sys.executable, str(probe)], stdout=subprocess.PIPE, text=True, env=env)
    try:
        line = parent.stdout.readline()
        workers = [int(pid) for pid in line.split()]
        assert len(workers) >= 2 and all(_alive(pid) for pid in workers), line
    finally:
        parent.send_signal(signal.SIGKILL)
        parent.wait()
    for _ in range(600):  # the kernel kills them at once; give a loaded machine time to get there
        if not any(_alive(pid) for pid in workers):
            break
        time.sleep(0.1)
    left = [pid for pid in workers if _alive(pid)]
    for pid in left:  # do not leave them behind when the test fails
        os.kill(pid, signal.SIGKILL)
    assert not left, f"workers still alive after their import was killed: {left}"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux only")
def test_kill_9_of_a_server_while_its_child_reads_an_upload_takes_the_child_with_it(tmp_path):
    fifo = tmp_path / "akteure.csv"
    os.mkfifo(fifo)  # nobody writes: the child blocks reading it, as on a file that takes long
    probe = tmp_path / "probe.py"
    probe.write_text(
        textwrap.dedent(
            f"""
            import multiprocessing, threading, time
            from pathlib import Path
            from bildungsnetz.ingest.guarded import ChildLimits, read_in_child
            from bildungsnetz.ingest.tables import ReadLimits

            def report():
                while not multiprocessing.active_children():
                    time.sleep(0.05)
                time.sleep(0.5)
                print(" ".join(str(p.pid) for p in multiprocessing.active_children()), flush=True)

            if __name__ == "__main__":
                threading.Thread(target=report, daemon=True).start()
                read_in_child([Path({str(fifo)!r})], kind=None, limits=ReadLimits(), child=ChildLimits())
            """
        ),
        encoding="utf-8",
    )
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    parent = subprocess.Popen([sys.executable, str(probe)], stdout=subprocess.PIPE, text=True, env=env)
    try:
        children = [int(pid) for pid in parent.stdout.readline().split()]
        assert children and all(_alive(pid) for pid in children)
    finally:
        parent.send_signal(signal.SIGKILL)
        parent.wait()
    for _ in range(600):
        if not any(_alive(pid) for pid in children):
            break
        time.sleep(0.1)
    left = [pid for pid in children if _alive(pid)]
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert not left, f"reading child still alive after its server was killed: {left}"


def test_a_file_that_takes_more_cpu_time_than_allowed_is_refused_naming_the_limit(tmp_path):
    from bildungsnetz.ingest.guarded import ChildLimits, read_in_child
    from bildungsnetz.ingest.tables import LimitExceeded, ReadLimits

    rows = [row(1, HEADER)] + [row(n, [("A", f"X-{n}"), ("XFD", None)]) for n in range(2, 20_000)]
    slow = workbook(tmp_path / "akteure.xlsx", rows)  # 16,384 cells a row, if the column limit lets it through
    lifted = ReadLimits(columns=20_000, cells=10**12)
    with pytest.raises(LimitExceeded, match="BILDUNGSNETZ_IMPORT_PARSE_CPU_SECONDS") as caught:
        read_in_child([slow], kind=None, limits=lifted, child=ChildLimits(cpu_seconds=5))
    assert "akteure.xlsx" in str(caught.value) and caught.value.http_status == 413


def test_reimporting_a_source_of_contact_persons_only_changes_nothing(tmp_path):
    store = example_store(tmp_path / "store")
    contacts = REPO / "docs" / "beispiel-import" / "kontakte.csv"
    first = runner.invoke(app, ["import", str(contacts), "--source", "kontakte", "--store", str(store)])
    assert first.exit_code == 0, first.output
    before = store_dump(store)
    again = runner.invoke(app, ["import", str(contacts), "--source", "kontakte", "--store", str(store)])
    assert again.exit_code == 0 and "unverändert" in again.output, again.output
    assert store_dump(store) == before


def test_ctrl_c_right_after_the_swap_says_the_new_data_is_in(tmp_path, monkeypatch):
    store = tmp_path / "store"
    swap = EmbeddedStore.replace_graphs

    def swap_then_ctrl_c(self, graphs):
        swap(self, graphs)
        raise KeyboardInterrupt  # the user's Ctrl-C, landing just after the commit

    monkeypatch.setattr(EmbeddedStore, "replace_graphs", swap_then_ctrl_c)
    result = runner.invoke(app, ["import", *map(str, EXAMPLE_TABLES), "--source", "beispiel", "--store", str(store)])
    assert result.exit_code == 130
    assert "nichts geändert" not in result.output and "gespeichert" in result.output, result.output
    monkeypatch.undo()
    assert any("graph/quelle/beispiel" in quad for quad in store_dump(store))


def test_ctrl_c_before_the_swap_still_says_nothing_changed(tmp_path, monkeypatch):
    def ctrl_c(self, graphs):
        raise KeyboardInterrupt

    monkeypatch.setattr(EmbeddedStore, "replace_graphs", ctrl_c)
    store = EmbeddedStore()
    with pytest.raises(KeyboardInterrupt, match="nichts geändert"):
        import_files(EXAMPLE_TABLES, store=store, source="beispiel")
    assert dump(store) == []


def test_the_import_page_refuses_bombs_with_413_and_empty_files_with_400_naming_the_file(tmp_path):
    import re

    from test_api import REDAKTION, TOKENS, LiveServer

    store = example_store(tmp_path / "store")
    rows = [row(1, HEADER)] + [row(n, [("A", f"X-{n}"), ("XFD", None)]) for n in range(2, 2000)]
    wide = workbook(tmp_path / "breit.xlsx", rows)
    empty = tmp_path / "akteure.csv"
    empty.write_text("id;name;typ\n", encoding="utf-8")

    def csrf(page: httpx.Response) -> str:
        return re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)

    with LiveServer(Settings(store=store, api_tokens=TOKENS, sparql_workers=1)) as live:
        before = dump(live.service.store)
        with httpx.Client(base_url=live.url, timeout=600) as browser:
            login = browser.get("/anmelden")
            browser.post("/anmelden", data={"token": REDAKTION, "csrf": csrf(login), "next": "/import"})
            for path, status in ((wide, 413), (empty, 400)):
                form = browser.get("/import")
                assert form.status_code == 200, form.text
                with path.open("rb") as fh:
                    page = browser.post(
                        "/import/pruefen",
                        data={"csrf": csrf(form), "source": "beispiel"},
                        files=[("files", (path.name, fh))],
                    )
                assert page.status_code == status, page.text[:2000]
                assert path.name in page.text
        assert dump(live.service.store) == before

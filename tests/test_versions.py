"""Many sources, one landscape: the change before an import, the removal guard, history and undo, content not time."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from bildungsnetz.errors import RemovalsRefused, UnknownVersion
from bildungsnetz.ingest.pipeline import import_files
from bildungsnetz.ingest.versions import Versions, record_drop, undo
from bildungsnetz.iris import Iris
from bildungsnetz.store import EmbeddedStore

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "docs" / "beispiel-import"
IRIS = Iris()
HEADER = "id;name;typ;stadtteil"


def dump(store) -> list[str]:
    """A canonical dump: every quad of every named graph, sorted."""
    return sorted(str(q) for g in store.named_graphs() for q in store.quads(g))


@pytest.fixture
def store(each_store):
    """An empty store: embedded Oxigraph, and a real Virtuoso (``each_store`` of conftest)."""
    return each_store


def actors(path: Path, rows: dict[str, str]) -> Path:
    """An ``akteure.csv`` with one row per id: name, typ Verein, district Syburg."""
    path.write_text(HEADER + "\n" + "".join(f"{k};{v};verein;Syburg\n" for k, v in rows.items()), encoding="utf-8")
    return path


def ten() -> dict[str, str]:
    return {f"V-{i}": f"Verein {i}" for i in range(1, 11)}


def test_the_change_of_a_reimport_names_the_changed_added_and_removed_rows(store, tmp_path):
    folder = tmp_path / "a"
    folder.mkdir()
    assert import_files([actors(folder / "akteure.csv", ten())], store=store, source="vereine").imported
    rows = ten()
    rows["V-3"] = "Verein drei"
    del rows["V-7"]
    rows["V-11"] = "Verein 11"
    result = import_files([actors(folder / "akteure.csv", rows)], store=store, source="vereine", dry_run=True)
    change = result.change.to_dict()["tables"]
    assert set(change) == {"akteure"}
    akteure = change["akteure"]
    assert akteure["new_keys"] == ["V-11"]
    assert akteure["removed_keys"] == ["V-7"]
    assert akteure["changed_rows"] == [{"key": "V-3", "fields": ["name"]}]
    assert result.change.needs_confirmation is None
    # another source describing V-3 too is named in the change
    other = actors(tmp_path / "andere.csv", {"V-3": "Verein 3 (Stadtsportbund)"})
    assert import_files([other], store=store, source="sport").imported
    again = import_files([actors(folder / "akteure.csv", rows)], store=store, source="vereine", dry_run=True)
    assert again.change.elsewhere == {"V-3": ["sport"]}


def test_a_truncated_file_is_refused_without_allow_removals_and_accepted_with_the_right_number(tmp_path):
    store = EmbeddedStore()
    path = actors(tmp_path / "akteure.csv", ten())
    import_files([path], store=store, source="vereine")
    before = dump(store)
    half = dict(list(ten().items())[:5])
    actors(path, half)
    for allowed in (None, 4):
        with pytest.raises(RemovalsRefused, match="--allow-removals 5"):
            import_files([path], store=store, source="vereine", allow_removals=allowed)
        assert dump(store) == before
    assert import_files([path], store=store, source="vereine", allow_removals=5).imported


def test_the_cli_refuses_a_truncated_file_with_exit_1_and_prints_the_change(tmp_path, settings):
    from bildungsnetz.cli import app

    path = actors(tmp_path / "akteure.csv", ten())
    runner = CliRunner()
    assert runner.invoke(app, ["import", str(path), "--source", "vereine"]).exit_code == 0
    actors(path, dict(list(ten().items())[:5]))
    refused = runner.invoke(app, ["import", str(path), "--source", "vereine"])
    assert refused.exit_code == 1 and "--allow-removals 5" in refused.output
    dry = runner.invoke(app, ["import", str(path), "--source", "vereine", "--dry-run"])
    assert "- V-10" in dry.output and "--allow-removals 5" in dry.output
    done = runner.invoke(app, ["import", str(path), "--source", "vereine", "--allow-removals", "5"])
    assert done.exit_code == 0, done.output
    history = runner.invoke(app, ["history", "vereine"])
    assert "vereine@1" in history.output and "vereine@2" in history.output


def test_a_copied_and_touched_file_with_the_same_content_records_nothing_new(store, tmp_path):
    versions = Versions(tmp_path / "versionen")
    first = import_files(sorted(EXAMPLE.glob("*.csv")), store=store, source="beispiel", versions=versions)
    assert first.imported
    copy = tmp_path / "kopie"
    shutil.copytree(EXAMPLE, copy)
    for p in copy.iterdir():
        os.utime(p, (1_900_000_000, 1_900_000_000))
    before = dump(store)
    again = import_files(sorted(copy.glob("*.csv")), store=store, source="beispiel", versions=versions)
    assert again.unchanged and not again.imported
    assert again.change.empty, again.change.lines()
    assert dump(store) == before
    assert [v.number for v in versions.history("beispiel")] == [1]


def view(store) -> list[str]:
    return sorted(str(q.triple) for q in store.quads(store.landscape.view))


def test_import_then_undo_gives_back_the_store_as_it_was(store, tmp_path):
    if hasattr(store, "landscape_reads"):  # the remote store keeps the landscape when told (docs/speicher.md)
        store.landscape_reads = True
    versions = Versions(tmp_path / "versionen")
    path = actors(tmp_path / "akteure.csv", ten())
    import_files([path], store=store, source="vereine", versions=versions)
    before, landscape = dump(store), view(store)
    assert any("Verein 1" in t for t in landscape)
    rows = ten()
    rows["V-1"] = "Umbenannt"
    rows["V-12"] = "Neu"
    second = import_files([actors(path, rows)], store=store, source="vereine", versions=versions)
    assert second.imported and second.version == "vereine@2"
    assert dump(store) != before
    done = undo(store, IRIS, versions, "vereine@2", agent="erika")
    assert done is not None and done.action == "undo" and done.agent == "erika"
    assert dump(store) == before
    assert view(store) == landscape  # the landscape of the undone change's subjects is back too
    # undo of the undo brings the second import back
    after_second = undo(store, IRIS, versions, done.id)
    assert after_second is not None
    assert any("Umbenannt" in q for q in dump(store)) and any("Umbenannt" in t for t in view(store))
    # and --to the first version is the first import again
    undo(store, IRIS, versions, "vereine@1", to=True)
    assert dump(store) == before


def test_undo_of_the_first_import_removes_the_source_and_drop_is_undone_too(tmp_path):
    store = EmbeddedStore()
    versions = Versions(tmp_path / "versionen")
    path = actors(tmp_path / "akteure.csv", ten())
    import_files([path], store=store, source="vereine", versions=versions)
    imported = dump(store)
    record_drop(store, IRIS, versions, "vereine")
    assert str(IRIS.graph("quelle/vereine")) not in store.named_graphs()
    undo(store, IRIS, versions, "vereine@2")
    assert dump(store) == imported
    undo(store, IRIS, versions, "vereine@1")
    assert not [g for g in store.named_graphs() if g.endswith("/vereine")]


def test_retention_keeps_the_last_versions_and_their_snapshots_only(tmp_path):
    store = EmbeddedStore()
    versions = Versions(tmp_path / "versionen", keep=20)
    path = tmp_path / "akteure.csv"
    for i in range(23):
        import_files([actors(path, {"V-1": f"Name {i}"})], store=store, source="vereine", versions=versions)
    kept = versions.history("vereine")
    assert [v.number for v in kept] == list(range(4, 24))
    assert sorted(p.name for p in (tmp_path / "versionen" / "vereine").glob("*.nq.gz")) == sorted(
        f"{n}.nq.gz" for n in range(4, 24)
    )
    with pytest.raises(UnknownVersion):
        undo(store, IRIS, versions, "vereine@3")


def _csrf(client: httpx.Client, url: str) -> str:
    page = client.get(url)
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found, page.text[:500]
    return found.group(1)


def test_the_api_answers_with_the_change_guards_removals_lists_history_and_undoes(tmp_path):
    from bildungsnetz.settings import Settings
    from conftest import INTERN, REDAKTION, TOKENS, LiveServer

    path = actors(tmp_path / "akteure.csv", ten())
    with LiveServer(Settings(store=tmp_path / "store", api_tokens=TOKENS, sparql_workers=1)) as live:
        auth = {"Authorization": f"Bearer {REDAKTION}"}

        def upload(**data) -> httpx.Response:
            with path.open("rb") as fh:
                return httpx.post(live.url + "/api/imports", files=[("files", ("akteure.csv", fh))],
                                  data={"source": "vereine", **data}, headers=auth, timeout=120)  # fmt: skip

        first = upload()
        assert first.status_code == 200, first.text
        assert first.json()["version"] == "vereine@1"
        actors(path, dict(list(ten().items())[:5]))
        preview = upload(dry_run="true").json()
        assert preview["change"]["needs_confirmation"] == 5
        assert preview["change"]["tables"]["akteure"]["removed_keys"] == [f"V-{i}" for i in (10, 6, 7, 8, 9)]
        refused = upload()
        assert refused.status_code == 409 and "--allow-removals 5" in refused.json()["error"]
        assert upload(allow_removals="5").json()["version"] == "vereine@2"
        history = httpx.get(live.url + "/api/sources/vereine/history", headers=auth).json()
        assert [v["id"] for v in history["versions"]] == ["vereine@2", "vereine@1"]
        forbidden = httpx.get(live.url + "/api/sources/vereine/history",
                              headers={"Authorization": f"Bearer {INTERN}"})  # fmt: skip
        assert forbidden.status_code == 403
        done = httpx.post(live.url + "/api/sources/vereine/undo", json={"version": 2}, headers=auth, timeout=120).json()
        assert done["version"]["id"] == "vereine@3"
        assert httpx.get(live.url + "/api/actors/V-10").status_code == 200
        missing = httpx.post(live.url + "/api/sources/vereine/undo", json={"version": 99}, headers=auth)
        assert missing.status_code == 404
        # deleting the source through the API is a version too, and undo brings it back
        assert httpx.delete(live.url + "/api/graphs/quelle/vereine", headers=auth, timeout=120).status_code == 200
        assert httpx.get(live.url + "/api/actors/V-1").status_code == 404
        history = httpx.get(live.url + "/api/sources/vereine/history", headers=auth).json()["versions"]
        assert history[0]["action"] == "drop" and history[0]["id"] == "vereine@4"
        httpx.post(live.url + "/api/sources/vereine/undo", json={"version": 4}, headers=auth,
                   timeout=120).raise_for_status()
        assert httpx.get(live.url + "/api/actors/V-10").status_code == 200


def test_the_quellen_page_lists_sources_and_undoes_a_version_after_confirmation(tmp_path):
    from bildungsnetz.settings import Settings
    from conftest import REDAKTION, TOKENS, LiveServer

    settings = Settings(store=tmp_path / "store", api_tokens=TOKENS, sparql_workers=1)
    versions = Versions.from_settings(settings)
    with EmbeddedStore(settings.store) as st:
        path = actors(tmp_path / "akteure.csv", ten())
        import_files([path], store=st, source="vereine", versions=versions)
        import_files([actors(path, {**ten(), "V-1": "Umbenannt"})], store=st, source="vereine", versions=versions)
    with LiveServer(settings) as live, httpx.Client(base_url=live.url, timeout=60) as client:
        assert client.get("/quellen").status_code == 401
        csrf = _csrf(client, "/anmelden")
        assert client.post("/anmelden", data={"token": REDAKTION, "csrf": csrf, "next": "/quellen"}).status_code == 303
        overview = client.get("/quellen")
        assert overview.status_code == 200 and 'href="/quellen/vereine"' in overview.text
        page = client.get("/quellen/vereine")
        assert "vereine@2" in page.text and "V-1 (name)" in page.text
        csrf = _csrf(client, "/quellen/vereine")
        unconfirmed = client.post("/quellen/vereine/rueckgaengig", data={"csrf": csrf, "version": "2"})
        assert unconfirmed.status_code == 400
        assert client.get("/api/actors/V-1").json()["label"] == "Umbenannt"
        bad_csrf = client.post("/quellen/vereine/rueckgaengig", data={"csrf": "x", "version": "2", "confirm": "ja"})
        assert bad_csrf.status_code == 403
        done = client.post("/quellen/vereine/rueckgaengig", data={"csrf": csrf, "version": "2", "confirm": "ja"})
        assert done.status_code == 200 and "vereine@3" in done.text
        assert client.get("/api/actors/V-1").json()["label"] == "Verein 1"


def test_the_web_check_step_shows_the_change_and_the_import_needs_the_tick_naming_the_removals(tmp_path):
    from bildungsnetz.settings import Settings
    from conftest import REDAKTION, TOKENS, LiveServer

    settings = Settings(store=tmp_path / "store", api_tokens=TOKENS, sparql_workers=1)
    path = actors(tmp_path / "akteure.csv", ten())
    with EmbeddedStore(settings.store) as st:
        import_files([path], store=st, source="vereine", versions=Versions.from_settings(settings))
    actors(path, dict(list(ten().items())[:5]))
    with LiveServer(settings) as live, httpx.Client(base_url=live.url, timeout=120) as client:
        client.post("/anmelden", data={"token": REDAKTION, "csrf": _csrf(client, "/anmelden"), "next": "/"})

        def check() -> tuple[str, str]:
            csrf = _csrf(client, "/import")
            with path.open("rb") as fh:
                page = client.post("/import/pruefen", data={"csrf": csrf, "source": "vereine"},
                                   files=[("files", ("akteure.csv", fh))]).text  # fmt: skip
            return page, re.search(r'name="stage" value="([^"]+)"', page)[1]

        page, stage = check()
        assert 'id="import-change"' in page and "V-10" in page
        assert 'name="allow_removals" value="5"' in page
        csrf = _csrf(client, "/import")
        refused = client.post("/import/ausfuehren", data={"csrf": csrf, "stage": stage})
        assert refused.status_code == 409 and "--allow-removals 5" in refused.text
        assert client.get("/api/actors/V-10").status_code == 200
        _, stage = check()
        done = client.post("/import/ausfuehren", data={"csrf": csrf, "stage": stage, "allow_removals": "5"})
        assert done.status_code == 200 and "Importiert" in done.text
        assert client.get("/api/actors/V-10").status_code == 404


def test_an_altered_snapshot_is_not_restored(tmp_path):
    store = EmbeddedStore()
    versions = Versions(tmp_path / "versionen")
    path = actors(tmp_path / "akteure.csv", ten())
    import_files([path], store=store, source="vereine", versions=versions)
    import_files([actors(path, {**ten(), "V-1": "Neu"})], store=store, source="vereine", versions=versions)
    before = dump(store)
    snapshot = tmp_path / "versionen" / "vereine" / "2.nq.gz"
    snapshot.write_bytes(snapshot.read_bytes()[:-4] + b"\0\0\0\0")
    with pytest.raises(UnknownVersion, match="verändert"):
        undo(store, IRIS, versions, "vereine@2")
    assert dump(store) == before


def test_an_import_whose_source_changed_after_its_preview_still_stores_exactly_its_rows(tmp_path, monkeypatch):
    """A re-import writes its difference to the source as its preview read it; if another write changed the source
    in between, it replaces the source's graphs whole instead, so nothing of the other write is left over."""
    import pyoxigraph as ox

    import bildungsnetz.ingest.pipeline as pipeline

    store = EmbeddedStore()
    path = actors(tmp_path / "akteure.csv", ten())
    import_files([path], store=store, source="vereine")
    rows = ten()
    rows["V-1"] = "Umbenannt"
    second = actors(tmp_path / "zweite.csv", rows)
    fresh = EmbeddedStore()
    import_files([second], store=fresh, source="vereine")
    graph = str(IRIS.graph("quelle/vereine"))
    stray = ox.Triple(ox.NamedNode(str(IRIS.akteur("V-2"))), ox.NamedNode("https://example.org/p"), ox.Literal("x"))
    preview = pipeline._preview_change

    def racing(store, iris, name, staged, result):
        before = preview(store, iris, name, staged, result)
        store.change_graphs({graph: ([], [stray])})  # another writer, between the preview and this write
        return before

    monkeypatch.setattr(pipeline, "_preview_change", racing)
    assert import_files([second], store=store, source="vereine").imported
    assert sorted(map(str, store.quads(graph))) == sorted(map(str, fresh.quads(graph)))

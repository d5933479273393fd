"""Sources and reference data through the API and the CLI: what a source is, what may be removed, what
an import error may show."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from bildungsnetz.api.auth import hash_token, new_token
from bildungsnetz.app import create_app
from bildungsnetz.cli import app as cli
from bildungsnetz.iris import Iris
from bildungsnetz.reference import reference_graphs
from bildungsnetz.settings import Settings
from bildungsnetz.store import EmbeddedStore

IRIS = Iris()
REDAKTION = new_token()
AUTH = {"Authorization": f"Bearer {REDAKTION}"}
TOKENS = [hash_token(REDAKTION, roles=["redaktion"])]
BN = "https://w3id.org/bildungsnetz/ontology#"
REFERENCE = ["ontologie", "vokabulare", "stadt/dortmund"]


def _triple(n: int) -> ox.Triple:
    return ox.Triple(ox.NamedNode(f"{IRIS.base}akteur/A-{n}"), ox.NamedNode(BN + "name"), ox.Literal(f"A {n}"))


def _fill(path: Path) -> set[str]:
    """A store with the reference data, two sources of three graphs each and a graph of no source."""
    graphs = reference_graphs(["dortmund"], IRIS)
    for n, source in enumerate(("demo", "andere")):
        for part in ("quelle", "privat", "meta"):
            graphs[str(IRIS.graph(f"{part}/{source}"))] = [_triple(n)]
    graphs[str(IRIS.graph("sdg/vorschlaege"))] = [_triple(9)]
    store = EmbeddedStore(path)
    store.replace_graphs(graphs)
    store.close()
    return set(graphs)


def _graphs(path: Path) -> set[str]:
    store = EmbeddedStore(path)
    try:
        return set(store.named_graphs())
    finally:
        store.close()


def _served(client: TestClient) -> set[str]:
    return set(client.app.state.service.store.named_graphs())


@pytest.fixture
def api(tmp_path) -> Iterator[tuple[TestClient, Path]]:
    path = tmp_path / "store"
    _fill(path)
    application = create_app(Settings(store=path, api_tokens=TOKENS, sparql_workers=1))
    with TestClient(application, raise_server_exceptions=False) as client:
        yield client, path


def _spellings(short: str) -> list[str]:
    full = str(IRIS.graph(short))
    head, _, tail = short.partition("/")
    return [
        full,
        short,
        "/" + short,  # /api/graphs//stadt/dortmund
        f"{head}//{tail}" if tail else f"{head}/",
        full.replace("/graph/", "/graph//"),
        full.replace("/graph/", "/graph/./"),
    ]


@pytest.mark.parametrize("short", REFERENCE)
def test_reference_data_cannot_be_deleted_through_the_api_however_its_name_is_written(api, short):
    client, _ = api
    districts = client.get("/api/districts").json()
    assert districts, "the city profile holds the districts"
    for name in _spellings(short):
        response = client.delete(f"/api/graphs/{name}", headers=AUTH)
        assert response.status_code == 409, (name, response.text)
        assert response.json()["ok"] is False
    assert client.get("/api/districts").json() == districts
    names = {g["graph"] for g in client.get("/api/graphs", headers=AUTH).json()}
    assert str(IRIS.graph(short)) in names


def test_drop_source_and_the_api_remove_exactly_the_same_graphs(tmp_path):
    by_cli, by_api = tmp_path / "cli", tmp_path / "api"
    before = _fill(by_cli)
    _fill(by_api)
    result = CliRunner().invoke(cli, ["drop-source", "demo", "--store", str(by_cli)])
    assert result.exit_code == 0, result.output
    application = create_app(Settings(store=by_api, api_tokens=TOKENS, sparql_workers=1))
    with TestClient(application, raise_server_exceptions=False) as client:
        response = client.delete("/api/graphs/quelle/demo", headers=AUTH)
        assert response.status_code == 200, response.text
        assert response.json()["dropped"] == str(IRIS.graph("quelle/demo"))
    gone = {str(IRIS.graph(f"{part}/demo")) for part in ("quelle", "privat", "meta")}
    assert _graphs(by_cli) == _graphs(by_api) == before - gone


def test_deleting_the_private_graph_of_a_source_removes_the_source(api):
    client, _ = api
    assert client.delete("/api/graphs/privat/andere", headers=AUTH).status_code == 200
    assert not {g for g in _served(client) if g.endswith("/andere")}


@pytest.mark.parametrize("name", ["quelle//demo", "quelle/demo/", "//quelle/demo"])
def test_doubled_slashes_in_a_source_graph_name_are_the_same_source_not_an_internal_error(api, name):
    client, _ = api
    response = client.delete(f"/api/graphs/{name}", headers=AUTH)
    assert response.status_code == 200, response.text
    assert str(IRIS.graph("quelle/demo")) not in _served(client)


@pytest.mark.parametrize("name", ["/demo", "a//b", "a/b", ""])
def test_drop_source_refuses_a_name_that_is_no_source_name_in_one_line(tmp_path, name):
    path = tmp_path / "store"
    before = _fill(path)
    result = CliRunner().invoke(cli, ["drop-source", name, "--store", str(path)])
    assert result.exit_code == 2, result.output
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert _graphs(path) == before


# -- Import errors name the user's file, never the server's temporary path --------------------------------


def test_import_errors_show_the_uploaded_file_name_not_the_servers_temporary_path(api):
    client, _ = api
    broken = client.post(
        "/api/imports", files=[("files", ("Meine Daten.ttl", b"<a> <b> ."))], headers=AUTH
    )
    assert broken.status_code == 400, broken.text
    error = broken.json()["error"]
    assert "Meine Daten.ttl" in error and "bildungsnetz-upload-" not in error and "/tmp" not in error
    ill = (
        f"<{IRIS.base}kooperation/K-1> <{BN}beginn> "
        '"2024-13-45"^^<http://www.w3.org/2001/XMLSchema#date> .\n'
    ).encode()
    refused = client.post(
        "/api/imports", files=[("files", ("Datum falsch.nt", ill))], data={"dry_run": "true"}, headers=AUTH
    )
    assert refused.status_code == 422, refused.text
    assert "bildungsnetz-upload-" not in refused.text
    files = {r["source_file"] for r in refused.json()["report"]["results"] if r["source_file"]}
    assert files == {"Datum falsch.nt"}


def test_a_value_over_16_mib_is_refused_as_unreadable_by_import_and_api(api, tmp_path):
    client, _ = api
    huge = b'<https://x.example/a> <https://x.example/p> "' + b"x" * (17 << 20) + b'" .\n'
    response = client.post("/api/imports", files=[("files", ("gross.nt", huge))], headers=AUTH)
    assert response.status_code == 400, response.text
    assert "gross.nt" in response.json()["error"] and "16 MiB" in response.json()["error"]
    file = tmp_path / "gross.nt"
    file.write_bytes(huge)
    result = CliRunner().invoke(cli, ["import", str(file), "--store", str(tmp_path / "s2"), "--dry-run"])
    assert result.exit_code == 2, result.output

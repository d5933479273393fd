"""The HTTP service as clients meet it: REST, SPARQL protocol, errors, tokens, and its safety promises."""

from __future__ import annotations

import contextlib
import http.server
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import hypothesis
import pyoxigraph as ox
import pytest
import uvicorn

from bildungsnetz.api.auth import TokenTable, hash_token, new_token
from bildungsnetz.app import create_app
from bildungsnetz.settings import Settings
from bildungsnetz.store import EmbeddedStore
from conftest import (
    BN,
    INTERN,
    IRIS,
    REDAKTION,
    REPO,
    SENTINEL_GRAPH,
    SENTINEL_MAIL,
    SENTINEL_NAME,
    TOKENS,
    LiveServer,
    stored,
)

EXAMPLE = REPO / "docs" / "beispiel.trig"


# -- Servers ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def strict(demo_graphs, tmp_path_factory) -> Iterator[LiveServer]:
    """A server with a short time limit, a small row cap, a memory limit and one worker."""
    settings = stored(
        demo_graphs,
        tmp_path_factory.mktemp("api-strict"),
        query_timeout=3,
        row_cap=20,
        sparql_workers=1,
        sparql_worker_memory_mb=768,
    )
    with LiveServer(settings) as live:
        yield live


def get(live: LiveServer, path: str, **kwargs) -> httpx.Response:
    return httpx.get(live.url + path, timeout=60, **kwargs)


def sparql(
    live: LiveServer,
    query: str,
    *,
    accept: str | None = None,
    token: str | None = None,
    params: dict | None = None,
) -> httpx.Response:
    headers = {"Content-Type": "application/sparql-query"}
    if accept:
        headers["Accept"] = accept
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.post(
        live.url + "/sparql", content=query.encode(), headers=headers, params=params, timeout=60
    )


def assert_error_shape(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) >= {"ok", "status", "error"} and body["ok"] is False and body["status"] == status
    assert isinstance(body["error"], str) and body["error"]
    assert "Traceback" not in response.text and 'File "' not in response.text
    return body


# -- REST ------------------------------------------------------------------------------------------------


def test_actors_are_searched_by_name_kind_and_district_page_by_page(server):
    everyone = get(server, "/api/actors", params={"limit": 5}).json()
    assert everyone["count"] == 5 and everyone["next"] and "offset=5" in everyone["next"]
    labels = [a["label"] for a in everyone["items"]]
    assert labels == sorted(labels)
    kitas = get(server, "/api/actors", params={"typ": "Kita", "limit": 1000}).json()["items"]
    assert kitas and {a["kind"] for a in kitas} == {"kita"}
    in_hoerde = get(server, "/api/actors", params={"stadtbezirk": "Hörde", "limit": 1000}).json()["items"]
    assert in_hoerde and {a["district_label"] for a in in_hoerde} == {"Hörde"}
    one = in_hoerde[0]
    found = get(server, "/api/actors", params={"q": one["id"]}).json()["items"]
    assert [a["iri"] for a in found] == [one["iri"]]
    # Without a district filter each actor still names where it is (one query for the page's districts).
    assert found[0]["district_label"] == "Hörde" and found[0]["area_label"]
    assert all(a["district_label"] and a["area_label"] for a in everyone["items"])
    teil = get(server, "/api/actors", params={"stadtteil": one["area_label"], "limit": 1000}).json()["items"]
    assert one["iri"] in {a["iri"] for a in teil} and {a["area_label"] for a in teil} == {one["area_label"]}


def test_an_actor_comes_with_sites_partners_networks_offers_and_sdgs(server):
    partners = get(server, "/api/actors/D-000001/partners").json()
    assert partners["actor"]["id"] == "D-000001"
    detail = get(server, "/api/actors/D-000001").json()
    assert detail["id"] == "D-000001" and detail["sites"] and detail["sites"][0]["district_label"]
    assert {p["partner"] for p in detail["partners"]} == {p["partner"] for p in partners["partners"]}
    for key in ("networks", "offers", "sdgs"):
        assert isinstance(detail[key], list)
    assert detail["contacts"] is None
    provider = get(server, "/api/offers", params={"sdg": "4", "limit": 1}).json()["items"][0]
    offer_row = get(server, "/api/queries/offers-by-sdg?sdg=4").json()["rows"]
    provider_id = next(r["providerId"] for r in offer_row if r["offer"] == provider["iri"])
    offered = get(server, f"/api/actors/{provider_id}").json()
    assert provider["iri"] in {o["offer"] for o in offered["offers"]} and "4" in offered["sdgs"]


def test_districts_networks_offers_and_sdgs_answer(server):
    districts = get(server, "/api/districts").json()
    assert len(districts) == 12 and all(d["stadtteile"] for d in districts)
    hoerde = get(server, "/api/districts/8").json()
    assert hoerde["label"] == "Hörde" and hoerde["actors_by_kind"]
    part = get(
        server, f"/api/districts/{hoerde['stadtteile'][0]['code']}", params={"ebene": "stadtteil"}
    ).json()
    assert part["parent"]["code"] == "8"
    networks = get(server, "/api/networks", params={"limit": 1000}).json()["items"]
    one = get(server, f"/api/networks/{networks[0]['id']}").json()
    assert (
        one["label"] == networks[0]["label"]
        and len({m["member"] for m in one["members"]}) == one["member_count"]
    )
    offers = get(server, "/api/offers", params={"sdg": "4", "stadtbezirk": "8", "limit": 1000}).json()[
        "items"
    ]
    assert all("4" in o["sdgs"] for o in offers)
    sdgs = get(server, "/api/sdgs").json()
    assert [s["sdg"] for s in sdgs] == list(range(1, 18))
    four = get(server, "/api/sdgs/4").json()
    assert four["label_de"] == "Hochwertige Bildung" and any(t["code"] == "4.7" for t in four["targets"])


def test_csv_comes_with_accept_or_format(server):
    by_accept = get(server, "/api/actors", params={"limit": 3}, headers={"Accept": "text/csv"})
    by_param = get(server, "/api/actors", params={"limit": 3, "format": "csv"})
    for response in (by_accept, by_param):
        assert response.headers["content-type"].startswith("text/csv")
        lines = response.text.strip().splitlines()
        assert lines[0].startswith("id,label,kind") and len(lines) == 4
    assert 'rel="next"' in by_param.headers["link"]


def test_every_named_query_has_its_own_route_and_parameters(server):
    catalogue = get(server, "/api/queries").json()
    spec = get(server, "/openapi.json").json()
    for query in catalogue:
        operation = spec["paths"][f"/api/queries/{query['name']}"]["get"]
        documented = {p["name"]: p.get("required", False) for p in operation["parameters"]}
        for param in query["params"]:
            if param["name"] not in ("limit", "offset"):
                assert documented[param["name"]] == param["required"], (query["name"], param["name"])
    rows = get(server, "/api/queries/partners-of-actor", params={"actor": "D-000001"}).json()
    assert rows["columns"][0] == "partner" and rows["rows"]


def test_graphs_are_listed_and_private_ones_only_with_a_token(embedded):
    public = {g["name"] for g in get(embedded, "/api/graphs").json()}
    assert "quelle/demo" in public and "privat/demo" not in public
    token = {"Authorization": f"Bearer {INTERN}"}
    assert "privat/sentinel" in {g["name"] for g in get(embedded, "/api/graphs", headers=token).json()}


# -- One error shape ---------------------------------------------------------------------------------------


def test_every_error_has_one_json_shape(embedded):
    assert_error_shape(get(embedded, "/nowhere"), 404)
    assert_error_shape(httpx.put(embedded.url + "/api/actors", timeout=30), 405)
    assert_error_shape(get(embedded, "/api/actors", params={"limit": 0}), 422)
    body = assert_error_shape(
        get(embedded, "/api/actors/D-000001/partners", params={"date": "31.02.2024"}), 400
    )
    assert '"date"' in body["error"]
    body = assert_error_shape(get(embedded, "/api/queries/partners-of-actr"), 404)
    assert "partners-of-actor" in body["error"]
    assert_error_shape(get(embedded, "/api/actors/NIEMAND-123"), 404)
    assert_error_shape(get(embedded, "/api/sdgs/18"), 422)
    assert_error_shape(sparql(embedded, "SELECT * WHERE {"), 400)


def test_a_bug_is_a_500_in_the_same_shape_without_its_text(tmp_path):
    from fastapi.testclient import TestClient

    from bildungsnetz.api.deps import get_service

    class Broken:
        def query(self, *args, **kwargs):
            raise RuntimeError("geheimer interner Text")

        page = query

    app = create_app(Settings(store=tmp_path / "s", sparql_workers=1))
    app.dependency_overrides[get_service] = lambda: Broken()
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/api/actors")
    assert response.status_code == 500
    assert response.json() == {"ok": False, "status": 500, "error": "Interner Fehler / internal error"}


class _Refusing:
    """The real service, except that every named query is refused as a bad parameter."""

    def __init__(self, real) -> None:
        self.real = real

    def __getattr__(self, name: str):
        return getattr(self.real, name)

    def query(self, *args, **kwargs):
        from bildungsnetz.errors import ParameterError

        raise ParameterError("actor", "x", "ist ungültig", "is invalid")


def test_a_web_page_shows_an_error_with_its_own_status_in_the_page_language(tmp_path):
    from fastapi.testclient import TestClient

    from bildungsnetz.api.deps import get_service

    app = create_app(Settings(store=tmp_path / "s", sparql_workers=1))
    app.dependency_overrides[get_service] = lambda: _Refusing(app.state.service)
    browser = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    with TestClient(app) as client:
        de = client.get("/akteur/x", headers=browser)
        missing = client.get("/nirgends", headers=browser)
        en = client.get("/akteur/x?lang=en", headers=browser)
        api = client.get("/api/nirgends", headers=browser)
    # the status of the error itself (a bad parameter: 400, not a made-up 404), as a page, one language
    assert de.status_code == 400 and de.headers["content-type"].startswith("text/html")
    assert "ist ungültig" in de.text and "is invalid" not in de.text
    assert en.status_code == 400 and "is invalid" in en.text and "ist ungültig" not in en.text
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/html")
    assert "<h1>Nicht gefunden</h1>" in missing.text
    assert_error_shape(api, 404)  # the API answers JSON, even to a browser


# -- SPARQL protocol --------------------------------------------------------------------------------------


def test_sparql_answers_get_form_and_direct_post_in_every_format(server):
    query = "SELECT ?s WHERE { ?s a <https://w3id.org/bildungsnetz/ontology#Stadtbezirk> } ORDER BY ?s"
    direct = sparql(server, query)
    assert direct.headers["content-type"].startswith("application/sparql-results+json")
    rows = direct.json()["results"]["bindings"]
    assert len(rows) == 12
    by_get = httpx.get(server.url + "/sparql", params={"query": query}, timeout=30)
    by_form = httpx.post(server.url + "/sparql", data={"query": query}, timeout=30)
    assert by_get.json() == by_form.json() == direct.json()
    for accept, marker in [
        ("application/sparql-results+xml", "<sparql"),
        ("text/csv", "s\r\n"),
        ("text/tab-separated-values", "?s\n"),
    ]:
        response = sparql(server, query, accept=accept)
        assert response.headers["content-type"].startswith(accept) and marker in response.text
    ask = sparql(server, "ASK { ?s a <https://w3id.org/bildungsnetz/ontology#Stadtbezirk> }").json()
    assert ask["boolean"] is True
    construct = f"CONSTRUCT {{ ?s a ?t }} WHERE {{ ?s a ?t FILTER(?t = <{BN}Stadtbezirk>) }}"
    for accept, fmt in [
        ("text/turtle", ox.RdfFormat.TURTLE),
        ("application/n-triples", ox.RdfFormat.N_TRIPLES),
        ("application/ld+json", ox.RdfFormat.JSON_LD),
        ("application/rdf+xml", ox.RdfFormat.RDF_XML),
    ]:
        response = sparql(server, construct, accept=accept)
        assert response.headers["content-type"].startswith(accept)
        assert len(list(ox.parse(response.content, format=fmt))) == 12


def test_sparql_without_a_query_describes_the_service(server):
    response = httpx.get(server.url + "/sparql", headers={"Accept": "text/turtle"}, timeout=30)
    triples = list(ox.parse(response.content, format=ox.RdfFormat.TURTLE))
    sd = "http://www.w3.org/ns/sparql-service-description#"
    assert any(t.object == ox.NamedNode(sd + "Service") for t in triples)
    names = {t.object.value for t in triples if t.predicate == ox.NamedNode(sd + "name")}
    assert str(IRIS.graph("quelle/demo")) in names and SENTINEL_GRAPH not in names


def test_sparqlwrapper_and_rdflib_sparqlstore_can_use_the_endpoint(server):
    from rdflib import Graph
    from rdflib.plugins.stores.sparqlstore import SPARQLStore
    from SPARQLWrapper import JSON, TURTLE, SPARQLWrapper

    client = SPARQLWrapper(server.url + "/sparql")
    client.setQuery(
        "SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://w3id.org/bildungsnetz/ontology#Stadtbezirk> }"
    )
    client.setReturnFormat(JSON)
    assert client.query().convert()["results"]["bindings"][0]["n"]["value"] == "12"
    client.setQuery("CONSTRUCT WHERE { ?s a <https://w3id.org/bildungsnetz/ontology#Stadtbezirk> }")
    client.setReturnFormat(TURTLE)
    assert len(Graph().parse(data=client.query().convert(), format="turtle")) == 12
    store = SPARQLStore(server.url + "/sparql")
    graph = Graph(store=store)
    rows = list(
        graph.query(
            "SELECT ?l WHERE { ?s a <https://w3id.org/bildungsnetz/ontology#Stadtbezirk> ; "
            "<http://www.w3.org/2004/02/skos/core#prefLabel> ?l }"
        )
    )
    assert "Hörde" in {str(r[0]) for r in rows}


# -- W3C SPARQL 1.1 Protocol tests -----------------------------------------------------------------------

MF = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#"
HT = "http://www.w3.org/2011/http#"
CNT = "http://www.w3.org/2011/content#"
UT = "http://www.w3.org/2009/sparql/tests/test-update#"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
HTS = "http://www.w3.org/2011/http-statusCodes#"


def _manifest(shared: Path):
    folder = shared / "conformance" / "w3c-rdf-tests" / "sparql" / "sparql11" / "protocol"
    base = "http://www.w3.org/2009/sparql/docs/tests/data-sparql11/protocol/manifest.ttl"
    data = ox.Dataset(ox.parse(path=str(folder / "manifest.ttl"), format=ox.RdfFormat.TURTLE, base_iri=base))
    graph = {(q.subject, q.predicate): [] for q in data}
    for q in data:
        graph[(q.subject, q.predicate)].append(q.object)

    def one(s, p):
        values = graph.get((s, ox.NamedNode(p)), [])
        return values[0] if values else None

    def items(head):
        out = []
        rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
        while head is not None and head != ox.NamedNode(rdf + "nil"):
            out.append(one(head, rdf + "first"))
            head = one(head, rdf + "rest")
        return out

    manifest = ox.NamedNode(base)
    tests = []
    for entry in items(one(manifest, MF + "entries")):
        name = entry.value.rsplit("#", 1)[1]
        graph_data = {}
        for gd in graph.get((entry, ox.NamedNode(UT + "graphData")), []):
            file = one(gd, UT + "graph").value.rsplit("/", 1)[1]
            graph_data[one(gd, RDFS_LABEL).value] = folder / file
        requests = []
        for request in items(one(one(entry, MF + "action"), HT + "requests")):
            body = one(request, HT + "body")
            headers = {
                one(h, HT + "fieldName").value: one(h, HT + "fieldValue").value
                for h in items(one(request, HT + "headers"))
            }
            response = one(request, HT + "resp")
            statuses = graph.get((response, ox.NamedNode(MF + "expectedStatus")), [])
            expected = {s.value.rsplit("#", 1)[1] for s in statuses}
            boolean = one(response, MF + "expectedBoolean")
            requests.append(
                {
                    "method": one(request, HT + "methodName").value,
                    "path": one(request, HT + "absolutePath").value,
                    "body": one(body, CNT + "chars").value if body is not None else None,
                    "headers": headers,
                    "status": expected,
                    "boolean": None if boolean is None else boolean.value == "true",
                    "format": (one(response, MF + "expectedFormat") or ox.Literal("")).value,
                }
            )
        tests.append((name, graph_data, requests))
    return tests


@pytest.fixture(scope="module")
def protocol_server(shared, tmp_path_factory) -> Iterator[tuple[LiveServer, list]]:
    tests = _manifest(shared)
    graphs: dict[str, list[ox.Triple]] = {}
    for _, data, _ in tests:
        for label, file in data.items():
            graphs[label] = [q.triple for q in ox.parse(path=str(file), format=ox.RdfFormat.N_TRIPLES)]
    path = tmp_path_factory.mktemp("protocol") / "store"
    store = EmbeddedStore(path)
    store.replace_graphs(graphs)
    store.close()
    del store
    with LiveServer(Settings(store=path)) as live:
        yield live, tests


def test_the_w3c_sparql_protocol_tests_pass(protocol_server):
    live, tests = protocol_server
    known = {label for _, data, _ in tests for label in data}
    passed, not_applicable = [], []
    for name, _data, requests in tests:
        if name.startswith("update_"):
            # The endpoint is read-only: an update must be refused, and that is all this test can show.
            first = requests[0]
            response = httpx.request(
                first["method"],
                live.url + first["path"].replace("/sparql/", "/sparql", 1),
                content=(first["body"] or "").encode(),
                headers=first["headers"],
                timeout=30,
            )
            assert 400 <= response.status_code < 500, name
            not_applicable.append(name)
            continue
        for request in requests:
            path = request["path"].replace("/sparql/", "/sparql", 1)
            response = httpx.request(
                request["method"],
                live.url + path,
                headers=request["headers"],
                content=(request["body"] or "").encode("utf-8"),
                timeout=30,
            )
            fetches = any(
                label.startswith("http://kasei.us/") and label not in known
                for label in _graph_params(path, request["body"])
            )
            if fetches and "StatusCode2xx" in request["status"]:
                # The test names a document the endpoint would have to fetch: refused, not applicable.
                assert 400 <= response.status_code < 500 and "never fetches" in response.json()["error"], name
                not_applicable.append(name)
                break
            codes = {int(response.status_code / 100)}
            expected = {int(s[len("StatusCode")]) for s in request["status"]}
            assert codes & expected, (name, response.status_code, response.text)
            if request["boolean"] is not None:
                assert response.json()["boolean"] is request["boolean"], name
            if request["format"] == "tabular":
                assert response.headers["content-type"].split(";")[0] in (
                    "application/sparql-results+json",
                    "application/sparql-results+xml",
                    "text/csv",
                    "text/tab-separated-values",
                )
            if request["format"] == "RDF":
                assert response.headers["content-type"].split(";")[0] in (
                    "text/turtle",
                    "application/n-triples",
                    "application/rdf+xml",
                    "application/ld+json",
                )
        else:
            passed.append(name)
    negative = [n for n in passed if n.startswith("bad_")]
    assert len(negative) == 14 and len(passed) + len(not_applicable) == len(tests) == 34
    assert {
        "query_dataset_default_graphs_get",
        "query_dataset_full",
        "query_multiple_dataset",
        "query_post_direct",
    } <= set(passed)


def _graph_params(path: str, body: str | None) -> list[str]:
    from urllib.parse import parse_qs, urlsplit

    params = parse_qs(urlsplit(path).query)
    if body and "=" in body and not body.lstrip().upper().startswith(("ASK", "SELECT", "PREFIX")):
        params.update(parse_qs(body))
    return params.get("default-graph-uri", []) + params.get("named-graph-uri", [])


# -- Safety ------------------------------------------------------------------------------------------------


def _dump(live: LiveServer) -> list[str]:
    store = live.service.store
    return sorted(str(q) for q in store.quads())


@pytest.mark.parametrize(
    "update",
    [
        "INSERT DATA { <http://e/a> <http://e/p> <http://e/o> }",
        "DELETE WHERE { ?s ?p ?o }",
        "LOAD <http://127.0.0.1:9/x>",
        "CLEAR ALL",
        "DROP ALL",
        "CREATE GRAPH <http://e/g>",
        "COPY DEFAULT TO <http://e/g>",
        "MOVE DEFAULT TO <http://e/g>",
        "ADD DEFAULT TO <http://e/g>",
        "WITH <http://e/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
        "PREFIX e: <http://e/> CLEAR GRAPH e:g",
    ],
)
def test_sparql_is_read_only(embedded, update):
    before = len(embedded.service.store.named_graphs()), embedded.service.store.count()
    for response in (
        httpx.post(embedded.url + "/sparql", data={"update": update}, timeout=30),
        httpx.post(
            embedded.url + "/sparql",
            content=update,
            headers={"Content-Type": "application/sparql-update"},
            timeout=30,
        ),
        sparql(embedded, update),
        httpx.get(embedded.url + "/sparql", params={"query": update}, timeout=30),
        sparql(embedded, update, token=REDAKTION),
    ):
        assert 400 <= response.status_code < 500, (update, response.status_code)
        assert_error_shape(response, response.status_code)
    assert (len(embedded.service.store.named_graphs()), embedded.service.store.count()) == before


class Canary:
    """An HTTP server on 127.0.0.1 that counts every request it gets."""

    def __init__(self) -> None:
        hits = self.hits = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def _any(self):
                hits.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "application/sparql-results+json")
                self.end_headers()
                self.wfile.write(b'{"head":{"vars":[]},"results":{"bindings":[{}]}}')

            do_GET = do_POST = _any

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sparql"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def canary() -> Iterator[Canary]:
    c = Canary()
    yield c
    c.close()


def test_the_canary_does_see_a_request_pyoxigraph_makes_for_service(canary):
    # The proof below is only worth something if the engine would call out: it does.
    with contextlib.suppress(OSError):
        ox.Store().query(f"SELECT * WHERE {{ SERVICE <{canary.url}> {{ ?s ?p ?o }} }}")
    assert canary.hits


def test_no_query_form_reaches_outside_the_store(server, canary):
    c = canary.url
    escaped = "\\u0053ERVICE"
    refused = [
        f"SELECT * WHERE {{ SERVICE <{c}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE SILENT <{c}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ BIND(<{c}> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ ?x ?y ?z {{ SELECT * WHERE {{ SERVICE <{c}> {{ ?s ?p ?o }} }} }} }} LIMIT 1",
        f"SELECT * WHERE {{ ?x ?y ?z FILTER EXISTS {{ SERVICE <{c}> {{ ?s ?p ?o }} }} }} LIMIT 1",
        f"SELECT * WHERE {{ ?x ?y ?z OPTIONAL {{ SERVICE SILENT <{c}> {{ ?s ?p ?o }} }} }} LIMIT 1",
        f"ASK {{ FILTER NOT EXISTS {{ SERVICE <{c}> {{ }} }} }}",
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{c}> {{ ?s ?p ?o }} }}",
        f"PREFIX c: <{c.rsplit('/', 1)[0]}/> SELECT * WHERE {{ service c:sparql {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ {escaped} <{c}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ FILTER(1<2) SERVICE?e#>\n{{ ?s ?p ?o }} VALUES ?e {{ <{c}> }} }}",
        f"SELECT * FROM <{c}> WHERE {{ ?s ?p ?o }}",
        f"SELECT * FROM NAMED <{c}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        f"DESCRIBE <{c}> FROM <{c}>",
    ]
    for query in refused:
        response = sparql(server, query)
        assert 400 <= response.status_code < 500, (query, response.status_code, response.text)
    for key in ("default-graph-uri", "named-graph-uri"):
        response = sparql(server, "SELECT * WHERE { ?s ?p ?o } LIMIT 1", params={key: c})
        assert response.status_code == 400
    # Mentioning the address as data is no request.
    assert sparql(server, f"SELECT * WHERE {{ BIND(<{c}> AS ?x) }}").status_code == 200
    time.sleep(0.2)
    assert canary.hits == []


def _evasions(c: str) -> list[str]:
    """SERVICE hidden from a tokenizer: the issue's payload and a family of our own (strings, comments inside
    IRIs, escapes, nesting, case, prefixes, variables)."""
    base, _, local = c.rpartition("/")
    triple = "'" * 3
    return [
        # the reported bypass: <'> read as an IRI, so a string swallows SERVICE; # inside an IRI as a comment
        f"SELECT * WHERE {{ BIND(1<'>' AS ?x) BIND(<http://e/#> AS ?y) SERVICE SILENT <{c}> {{ ?a ?b ?c }} "
        "BIND('q' AS ?z) }",
        f"ASK {{ BIND(1<'>' AS ?x) BIND(<http://e/#> AS ?y) SERVICE SILENT <{c}> {{ ?a ?b ?c }} BIND('q' AS ?z) }}",
        f'SELECT * WHERE {{ BIND(2<">" AS ?x) SERVICE <{c}> {{ ?a ?b ?c }} BIND("<" AS ?z) }}',
        f"SELECT * WHERE {{ BIND(<http://e/#> AS ?y) SERVICE <{c}> {{ ?a ?b ?c }} }}",
        f'SELECT * WHERE {{ BIND("#" AS ?y) sErViCe <{c}> {{ ?a ?b ?c }} }}',
        f"SELECT * WHERE {{ BIND({triple}#\n{triple} AS ?y) Service\t<{c}> {{ ?a ?b ?c }} }}",
        f'SELECT * WHERE {{ ?s ?p "\\"" . SERVICE <{c}> {{ ?a ?b ?c }} }}',
        f"SELECT * WHERE {{ SERV\\u0049CE <{c}> {{ ?a ?b ?c }} }}",
        f"SELECT * WHERE {{ \\u0073ervice <{c}> {{ ?a ?b ?c }} }}",
        f"SELECT * WHERE {{ {{ {{ {{ OPTIONAL {{ MINUS {{ SERVICE SILENT <{c}> {{ }} }} }} }} }} }} }}",
        f"SELECT * WHERE {{ GRAPH ?g {{ SERVICE <{c}> {{ ?a ?b ?c }} }} }}",
        f"SELECT * WHERE {{ VALUES ?u {{ <{c}> }} SERVICE ?u {{ ?a ?b ?c }} }}",
        f"PREFIX s: <{base}/> SELECT * WHERE {{ SERVICE s:{local} {{ ?a ?b ?c }} }}",
        f"SELECT * WHERE {{ FILTER(?a <?b) SERVICE <{c}> {{ }} FILTER(?b> ?a) }}",
        f"SELECT * WHERE {{ BIND(1<'>'#'\n AS ?x) SERVICE <{c}> {{ }} }}",
        f"CONSTRUCT {{ ?a ?b ?c }} WHERE {{ BIND(1<'>' AS ?x) SERVICE <{c}> {{ ?a ?b ?c }} }}",
        f"SELECT * WHERE {{ ?x ?y ?z FILTER EXISTS {{ BIND(1<'>' AS ?q) SERVICE <{c}> {{ }} }} }}",
    ]


def test_no_tokenizer_evasion_of_service_reaches_outside_the_store(server, canary):
    for query in _evasions(canary.url):
        for response in (
            sparql(server, query),
            get(server, "/sparql", params={"query": query}),
            httpx.post(server.url + "/sparql", data={"query": query}, timeout=60),
        ):
            assert 400 <= response.status_code < 500, (query, response.status_code, response.text)
        page = get(server, "/sparql-editor", params={"query": query})
        assert page.status_code < 500
    time.sleep(0.2)
    assert canary.hits == []


def test_a_worker_process_cannot_reach_the_network_even_past_the_query_check(canary):
    # Defence in depth: what a sandboxed worker runs, every check skipped, straight into Oxigraph.
    port = canary.server.server_address[1]
    script = f"""
import socket
import pyoxigraph as ox
from bildungsnetz.api.sparql.sandbox import deny_network
box = deny_network()
assert box.closed, box
try:
    list(ox.Store().query("SELECT * WHERE {{ SERVICE <{canary.url}> {{ ?s ?p ?o }} }}"))
    print("answered")
except OSError as exc:
    print("refused", exc)
try:
    socket.create_connection(("127.0.0.1", {port}), timeout=2)
    print("connected")
except OSError as exc:
    print("no socket", exc.errno)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "refused" in done.stdout and "no socket" in done.stdout, done.stdout
    assert canary.hits == []


def test_a_bad_query_is_refused_with_its_position_or_the_reason(server):
    cases = [
        ("SELECT * WHERE {\n  ?s ?p ?o .\n  FILTER(?s = ) }", 400, "line 3, column"),
        ("SELECT * WHERE { ?s ex:p ?o }", 400, "prefix 'ex' is not declared"),
        ("PREFIX b: <bif:> SELECT * WHERE { BIND(b:http_get('http://127.0.0.1/') AS ?x) }", 403, "bif:, sql:"),
        ("SELECT * WHERE { BIND(<bif:http_get>('http://127.0.0.1/') AS ?x) }", 403, "bif:, sql:"),
        ("SELECT * WHERE { BIND(<SQL:x>() AS ?x) }", 403, "bif:, sql:"),
        ('DEFINE input:grab-all "yes" SELECT * WHERE { ?s ?p ?o }', 400, "only SELECT, ASK"),
    ]
    for query, status, said in cases:
        body = assert_error_shape(sparql(server, query), status)
        assert said in body["error"], (query, body)


def test_from_by_prefixed_name_picks_that_public_graph(server):
    graph = next(g for g in server.service.store.named_graphs() if g.endswith("/graph/vokabulare"))
    prefix, local = graph.rsplit("/", 1)
    query = f"PREFIX g: <{prefix}/> SELECT (COUNT(*) AS ?n) FROM g:{local} WHERE {{ ?s ?p ?o }}"
    response = sparql(server, query, accept="application/sparql-results+json")
    assert response.status_code == 200, response.text
    n = int(response.json()["results"]["bindings"][0]["n"]["value"])
    assert n == server.service.store.count(graph)


def test_a_runaway_query_is_stopped_while_the_service_keeps_answering(strict):
    pool = strict.service.pool
    pids = {w.process.pid for w in pool._all}
    runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    answer: dict = {}
    thread = threading.Thread(target=lambda: answer.update(r=sparql(strict, runaway)))
    thread.start()
    healthy = 0
    while thread.is_alive():
        if get(strict, "/health").status_code == 200:
            healthy += 1
        time.sleep(0.2)
    thread.join()
    assert healthy >= 3  # /health answered again and again while the query ran
    body = assert_error_shape(answer["r"], 503)
    assert "time limit" in body["error"]
    for pid in pids:  # the worker that ran it is gone: the work really stopped
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    assert get(strict, "/health").json()["queries_stopped"] >= 1
    deadline = time.monotonic() + 60
    while sparql(strict, "ASK {}").status_code != 200 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert sparql(strict, "ASK {}").json()["boolean"] is True


def test_a_query_that_wants_too_much_memory_is_stopped_before_the_time_limit(strict):
    # Sorting a cross product of VALUES needs gigabytes within a second, on any store, long before 3 s pass.
    values = " ".join(map(str, range(1000)))
    hungry = (
        f"SELECT * WHERE {{ VALUES ?a {{ {values} }} VALUES ?b {{ {values} }} VALUES ?c {{ 1 2 3 4 5 6 7 8 }} }} "
        "ORDER BY DESC(?a) ?b ?c LIMIT 1"
    )
    started = time.monotonic()
    body = assert_error_shape(sparql(strict, hungry), 422)
    assert "768 MB" in body["error"] and time.monotonic() - started < 3
    deadline = time.monotonic() + 60
    while sparql(strict, "ASK {}").status_code != 200 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert sparql(strict, "ASK {}").json()["boolean"] is True  # a fresh worker answers


def test_the_row_cap_refuses_instead_of_cutting_silently(strict):
    too_many = sparql(strict, "SELECT * WHERE { ?s ?p ?o }")
    assert_error_shape(too_many, 422)
    assert too_many.headers["x-row-cap"] == "20" and "LIMIT" in too_many.json()["error"]
    assert len(sparql(strict, "SELECT * WHERE { ?s ?p ?o } LIMIT 20").json()["results"]["bindings"]) == 20
    assert sparql(strict, "CONSTRUCT WHERE { ?s ?p ?o }").status_code == 422
    assert_error_shape(get(strict, "/api/queries/district-hierarchy"), 422)
    page = get(strict, "/api/queries/district-hierarchy", params={"limit": 10}).json()
    assert page["count"] == 10 and page["next"]


# -- Fair share, depth and size limits of /sparql --------------------------------------------------------------

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@pytest.fixture(scope="module")
def fair(demo_graphs, tmp_path_factory) -> Iterator[LiveServer]:
    """Two workers, a short time limit: one query per client at a time (half the workers)."""
    path = tmp_path_factory.mktemp("api-fair") / "store"
    store = EmbeddedStore(path)
    store.replace_graphs(demo_graphs)
    store.close()
    del store
    with LiveServer(Settings(store=path, api_tokens=TOKENS, query_timeout=3, sparql_workers=2)) as live:
        yield live


def _from(address: str) -> httpx.Client:
    """A client whose requests come from another loopback address: another client to the server."""
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=60)


def _wait_until_answered(live: LiveServer, client: httpx.Client | None = None) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        response = (client or httpx).post(
            live.url + "/sparql", content=b"ASK {}", headers={"Content-Type": "application/sparql-query"}, timeout=60
        )
        if response.status_code == 200:
            return
        time.sleep(0.3)
    raise AssertionError("no answer within 60 s")


def test_one_client_cannot_take_every_sparql_worker(fair):
    _wait_until_answered(fair)
    answers: list[httpx.Response] = []
    threads = [threading.Thread(target=lambda: answers.append(sparql(fair, RUNAWAY))) for _ in range(3)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 1.5
    while len(answers) < 2 and time.monotonic() < deadline:  # the refusals come at once; the query runs 3 s
        time.sleep(0.05)
    with _from("127.0.0.2") as other:
        started = time.monotonic()
        response = other.post(
            fair.url + "/sparql", content=b"ASK {}", headers={"Content-Type": "application/sparql-query"}
        )
        assert response.status_code == 200 and time.monotonic() - started < 2, response.text
    assert sparql(fair, "ASK {}", token=INTERN).status_code == 200  # a token is a client of its own
    for thread in threads:
        thread.join()
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [429, 429, 503], statuses  # one ran into the time limit; the others were refused at once
    for refused in (a for a in answers if a.status_code == 429):
        body = assert_error_shape(refused, 429)
        assert "at most 1" in body["error"] and 1 <= int(refused.headers["retry-after"]) <= 5
    _wait_until_answered(fair)  # the share came back after the time limit


def test_a_client_keeps_its_share_until_its_query_really_stopped(fair):
    _wait_until_answered(fair)
    with pytest.raises(httpx.ReadTimeout):  # the client hangs up; the query runs on
        httpx.post(
            fair.url + "/sparql",
            content=RUNAWAY.encode(),
            headers={"Content-Type": "application/sparql-query"},
            timeout=0.5,
        )
    assert_error_shape(sparql(fair, "ASK {}"), 429)
    _wait_until_answered(fair)  # given back once the time limit stopped it
    # a worker that dies under a query gives the share back too
    pool = fair.service.pool
    deadline = time.monotonic() + 60
    while (len(pool._all), pool._idle.qsize()) != (2, 2) and time.monotonic() < deadline:
        time.sleep(0.1)
    answer: dict = {}
    thread = threading.Thread(target=lambda: answer.update(r=sparql(fair, RUNAWAY)))
    thread.start()
    while pool._idle.qsize() != 1 and time.monotonic() < deadline:
        time.sleep(0.02)
    (pid,) = {w.process.pid for w in pool._all} - {w.process.pid for w in pool._idle._queue}
    os.kill(pid, signal.SIGSEGV)
    thread.join()
    assert_error_shape(answer["r"], 500)
    _wait_until_answered(fair)


def _deep(n: int, open_: str, close: str) -> str:
    return open_ * n + close * n


@pytest.mark.parametrize(
    ("query", "said"),
    [
        ("SELECT * WHERE " + _deep(3000, "{", "}"), "more than 128 levels of { ( ["),
        ("ASK { FILTER(" + _deep(3000, "(", ")").replace("()", "(1)") + ") }", "more than 128 levels"),
        ("ASK { FILTER(" + "!" * 3000 + "true) }", "more than 128 '!' in a row"),
        ("SELECT * WHERE " + "{ SELECT * WHERE " * 3000 + "{}" + "}" * 3000, "more than 128 levels"),
        ("SELECT * WHERE { " + " UNION ".join(["{}"] * 10_000) + " }", "more than 1000 UNION"),
        ("SELECT * WHERE { " + "FILTER EXISTS { " * 1000 + "}" * 1000 + " }", "more than 128 levels"),
        ("SELECT * WHERE { " + " ".join(f"BIND(1 AS ?x{i})" for i in range(3000)) + " }", "more than 4000 syntax"),
        ("SELECT * WHERE { \\u007B" * 200 + "}" * 200 + "}", "more than 128 levels"),
    ],
    ids=["braces", "parentheses", "negations", "sub-selects", "unions", "exists", "binds", "escaped"],
)
def test_a_query_nested_too_deeply_is_refused_before_any_worker_sees_it(server, query, said):
    pids = {w.process.pid for w in server.service.pool._all}
    body = assert_error_shape(sparql(server, query), 400)
    assert said in body["error"], body
    assert {w.process.pid for w in server.service.pool._all} == pids  # no worker crashed or was replaced
    assert sparql(server, "ASK {}").status_code == 200


@pytest.mark.parametrize("path", sorted((REPO / "queries").glob("**/*.rq")), ids=lambda p: p.stem)
def test_every_catalogue_query_is_well_within_the_structure_limits(path):
    from bildungsnetz.api.sparql import check as sparqlcheck

    text = path.read_text(encoding="utf-8")
    sparqlcheck.check_structure(text)
    # the same query nested ten times over still passes: the limits leave room for hand-written queries
    sparqlcheck.check_structure(_deep(10, "{", "}") + text)


def test_oversized_sparql_requests_are_refused_with_a_message_never_500(embedded):
    query = "ASK {} #" + "x" * 250_000
    huge = "ASK {} #" + "x" * 900_000
    for response, said in (
        (sparql(embedded, huge), "larger than 800000 bytes"),
        (httpx.post(embedded.url + "/sparql", data={"query": huge}, timeout=60), "larger than 800000 bytes"),
        (sparql(embedded, query), "longer than 200000 characters"),
        (httpx.post(embedded.url + "/sparql", data={"query": query}, timeout=60), "longer than 200000 characters"),
    ):
        assert said in assert_error_shape(response, 413)["error"]
    # uvicorn (httptools) itself refuses a request line over 64 KB, before the app: a 400, never a 500
    import http.client
    from urllib.parse import urlencode

    for path in ("/sparql", "/sparql-editor"):
        connection = http.client.HTTPConnection(embedded.url.removeprefix("http://"), timeout=60)
        connection.request("GET", path + "?" + urlencode({"query": "ASK {} #" + "x" * 100_000}))
        assert connection.getresponse().status == 400
        connection.close()
    page = get(embedded, "/sparql-editor", params={"query": "SELECT * WHERE " + _deep(200, "{", "}")})
    assert page.status_code == 200 and "more than 128 levels" in page.text


def _contains_sentinel(text: str) -> bool:
    return SENTINEL_NAME in text or SENTINEL_MAIL in text


def test_contact_persons_are_only_for_role_intern(server):
    anonymous = [
        get(server, "/api/actors/D-000001"),
        get(server, "/api/actors", params={"q": SENTINEL_NAME}),
        get(server, "/api/queries/actors", params={"q": SENTINEL_NAME}),
        get(server, "/api/graphs"),
        sparql(server, f'SELECT * WHERE {{ ?s ?p "{SENTINEL_NAME}" }}'),
        sparql(
            server, "SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } FILTER(CONTAINS(STR(?o), 'Sentinel')) }"
        ),
        sparql(server, f"SELECT * WHERE {{ ?s ?p ?o FILTER(?p = <{BN}kontaktFuer>) }}"),
        sparql(server, "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o FILTER(CONTAINS(STR(?o), 'Sentinel')) }"),
        sparql(server, f"SELECT * FROM <{SENTINEL_GRAPH}> WHERE {{ ?s ?p ?o }}"),
        sparql(server, "SELECT * WHERE { ?s ?p ?o } LIMIT 1", params={"named-graph-uri": SENTINEL_GRAPH}),
        sparql(server, f"SELECT * WHERE {{ GRAPH <{SENTINEL_GRAPH}> {{ ?s ?p ?o }} }}"),
        sparql(server, f"DESCRIBE <{IRIS.kontakt('sentinel', 1)}>"),
        httpx.get(server.url + "/sparql", timeout=30),
        sparql(
            server,
            "SELECT * WHERE { ?s ?p ?o }",
            token=REDAKTION,
            params={"default-graph-uri": SENTINEL_GRAPH},
        ),
    ]
    for response in anonymous:
        assert not _contains_sentinel(response.text), response.request.url
    assert (
        get(server, "/api/actors/D-000001", headers={"Authorization": f"Bearer {REDAKTION}"}).json()[
            "contacts"
        ]
        is None
    )
    intern = {"Authorization": f"Bearer {INTERN}"}
    contacts = get(server, "/api/actors/D-000001", headers=intern).json()["contacts"]
    assert SENTINEL_MAIL in {c["email"] for c in contacts}
    rows = sparql(server, f'SELECT ?s WHERE {{ ?s ?p "{SENTINEL_NAME}" }}', token=INTERN).json()
    assert rows["results"]["bindings"]


# -- Tokens and writes -----------------------------------------------------------------------------------


def test_tokens_are_stored_as_hashes_and_carry_roles():
    token = new_token()
    entry = hash_token(token, roles=["intern", "redaktion"])
    assert token not in entry and entry.startswith("intern,redaktion:sha256:")
    table = TokenTable([entry, hash_token(new_token())])
    assert table.roles(token) == frozenset({"intern", "redaktion"})
    assert table.roles(token + "x") is None
    with pytest.raises(Exception, match="sha256"):
        TokenTable(["redaktion:" + token])


@pytest.fixture
def writable(tmp_path) -> Iterator[LiveServer]:
    with LiveServer(Settings(store=tmp_path / "store", api_tokens=TOKENS, sparql_workers=1)) as live:
        yield live


def test_imports_need_role_redaktion_and_follow_the_pipeline(writable, tmp_path):
    url = writable.url + "/api/imports"

    def upload(path: Path, token: str | None = None, **data) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        with path.open("rb") as fh:
            return httpx.post(
                url, files=[("files", (path.name, fh))], data=data, headers=headers, timeout=120
            )

    assert_error_shape(upload(EXAMPLE), 401)
    assert_error_shape(upload(EXAMPLE, "falsch-" + new_token()), 401)
    assert_error_shape(upload(EXAMPLE, INTERN), 403)
    ok = upload(EXAMPLE, REDAKTION)
    assert ok.status_code == 200, ok.text
    assert ok.json()["imported"] is True and ok.json()["source"] == "beispiel"
    # The new data is visible at once, through REST and through /sparql (the workers read a fresh snapshot).
    assert get(writable, "/api/actors/100132").json()["schulnummer"] == "100132"
    ask = sparql(writable, "ASK { <https://w3id.org/bildungsnetz/id/schule/100132> ?p ?o }").json()
    assert ask["boolean"] is True
    bad = tmp_path / "bad.ttl"
    bad.write_text(
        f"<https://w3id.org/bildungsnetz/id/kooperation/X> a <{BN}Kooperation> ; <{BN}partner> "
        "<https://w3id.org/bildungsnetz/id/akteur/A> .\n",
        encoding="utf-8",
    )
    refused = upload(bad, REDAKTION)
    body = assert_error_shape(refused, 422)
    assert body["report"]["violations"] and body["imported"] is False
    broken = tmp_path / "broken.ttl"
    broken.write_text("<a> <b> .", encoding="utf-8")
    body = assert_error_shape(upload(broken, REDAKTION), 400)
    assert "broken.ttl" in body["error"]


def test_deleting_a_graph_needs_role_redaktion_and_takes_it_out_of_every_answer(writable):
    with EXAMPLE.open("rb") as fh:
        httpx.post(
            writable.url + "/api/imports",
            files=[("files", ("beispiel.trig", fh))],
            headers={"Authorization": f"Bearer {REDAKTION}"},
            timeout=120,
        ).raise_for_status()
    assert_error_shape(httpx.delete(writable.url + "/api/graphs/quelle/beispiel", timeout=30), 401)
    auth = {"Authorization": f"Bearer {REDAKTION}"}
    assert_error_shape(httpx.delete(writable.url + "/api/graphs/ontologie", headers=auth, timeout=30), 409)
    assert_error_shape(
        httpx.delete(writable.url + "/api/graphs/quelle/nichts", headers=auth, timeout=30), 404
    )
    gone = httpx.delete(writable.url + "/api/graphs/quelle/beispiel", headers=auth, timeout=30)
    assert gone.status_code == 200 and gone.json()["dropped"] == str(IRIS.graph("quelle/beispiel"))
    assert_error_shape(get(writable, "/api/actors/100132"), 404)
    assert (
        sparql(writable, "ASK { <https://w3id.org/bildungsnetz/id/schule/100132> a ?t }").json()["boolean"]
        is False
    )


# -- Schemathesis --------------------------------------------------------------------------------------------


def test_the_openapi_document_holds_against_generated_requests(embedded):
    """Schemathesis against /openapi.json: every GET operation, 5 generated requests each, fixed seed.

    Not checked: that every schema-valid value is accepted. A value may fit the schema and still be refused
    with 400 and a message naming the parameter (an unknown SDG code, 31.02.2024), as documented.
    """
    schemathesis = pytest.importorskip("schemathesis")
    from schemathesis.specs.openapi.checks import positive_data_acceptance

    schema = schemathesis.openapi.from_url(embedded.url + "/openapi.json")
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.method.upper() != "GET" or operation.path == "/sparql":
            continue

        @hypothesis.settings(
            max_examples=5,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(hypothesis.HealthCheck),
            phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
        )
        @hypothesis.given(operation.as_strategy())
        def check(case):
            case.call_and_validate(excluded_checks=[positive_data_acceptance])

        try:
            check()
        except Exception as exc:  # noqa: BLE001 - collected, so that one run names every failing operation
            parts = getattr(exc, "exceptions", [exc])
            failures.append(f"{operation.path}: " + " | ".join(str(e).strip()[:400] for e in parts))
    assert failures == [], "\n".join(failures)


# -- CLI -----------------------------------------------------------------------------------------------------


def test_serve_starts_uvicorn_with_the_app_on_the_given_address(monkeypatch, tmp_path):
    from typer.testing import CliRunner

    from bildungsnetz.cli import app

    called = {}
    monkeypatch.setattr(uvicorn, "run", lambda app_, **kw: called.update(kw, app=app_))
    result = CliRunner().invoke(app, ["serve", "--port", "8123", "--store", str(tmp_path / "s")])
    assert result.exit_code == 0, result.output
    assert called["host"] == "127.0.0.1" and called["port"] == 8123
    assert set(called["app"].openapi()["paths"]) >= {"/sparql", "/api/actors", "/health"}


def test_demo_serves_an_existing_demo_without_rebuilding_it(monkeypatch, tmp_path):
    from typer.testing import CliRunner

    from bildungsnetz.cli import app

    store = tmp_path / "s"
    runner = CliRunner()
    assert runner.invoke(app, ["demo", "--actors", "100", "--store", str(store), "--no-serve"]).exit_code == 0
    served = []
    monkeypatch.setattr(uvicorn, "run", lambda app_, **kw: served.append(kw))
    result = runner.invoke(app, ["demo", "--actors", "100", "--store", str(store)])
    assert (
        result.exit_code == 0
        and "--rebuild" in result.output
        and served
        and "Akteure / actors" not in result.output
    )


# -- The API's own queries -------------------------------------------------------------------------------------

API_QUERIES = sorted((REPO / "queries" / "api").glob("*.rq"))


@pytest.mark.parametrize("path", API_QUERIES, ids=lambda p: p.stem)
def test_every_api_query_is_sound_and_only_one_reads_contact_persons(path):
    from bildungsnetz.queries import check_query, parse_query_file

    query = parse_query_file(path)
    assert check_query(query) == []
    personal = any(term in query.text for term in ("bn:Kontaktperson", "bn:kontaktFuer", "schema:email"))
    assert personal == (path.stem == "actor-contacts")


def test_xml_answers_stay_well_formed_when_the_data_holds_a_control_character():
    # Data already in a store (an old import, an RDF file) may hold U+0001; XML 1.0 cannot carry it at all.
    import xml.dom.minidom

    from bildungsnetz.api.sparql.worker import Job, _answer_local

    store = ox.Store()
    graph = ox.NamedNode("https://w3id.org/bildungsnetz/id/graph/quelle/alt")
    store.add(ox.Quad(ox.NamedNode("http://e/a"), ox.NamedNode("http://e/p"), ox.Literal("Kita\x01Sonne"), graph))
    for query, accept in (
        ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "application/rdf+xml"),
        ("SELECT ?o WHERE { ?s ?p ?o }", "application/sparql-results+xml"),
    ):
        answer = _answer_local(store, Job(query=query, accept=accept, allowed=(graph.value,)))
        assert answer.status == 200, answer.error
        text = xml.dom.minidom.parseString(answer.body).toxml()
        assert "Kita\ufffdSonne" in text
    json_answer = _answer_local(store, Job(query="SELECT ?o WHERE { ?s ?p ?o }", accept=None, allowed=(graph.value,)))
    assert "Kita\\u0001Sonne" in json_answer.body.decode()  # JSON carries the character unchanged


def test_after_an_import_the_pages_analysis_starts_in_the_background_without_a_request(embedded):
    """The first visitor after an import must not wait for a whole-city analysis: every full refresh (at start,
    after each import or drop) starts the background computation that start-up starts."""
    service = embedded.service
    service.refresh()  # what an import does once its write is done
    started = service.cached("web:warm", lambda: [False])
    assert started == [True]

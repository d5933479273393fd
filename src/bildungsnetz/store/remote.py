"""A remote SPARQL 1.1 store (Virtuoso, Fuseki, GraphDB …) behind the same ``Store`` protocol."""

from __future__ import annotations

import http.client
import json
import logging
import os
import random
import re
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Self

import pyoxigraph as ox

from bildungsnetz.errors import StoreError
from bildungsnetz.iris import DEFAULT_BASE

__all__ = ["RemoteStore", "RemoteSolutions", "DEFAULT_GRAPH_PREFIX", "STAGING_PREFIX", "WRITER_GRAPH"]

#: Named graphs of bildungsnetz (``Iris.graph``); ``named_graphs`` lists only these, writes touch only these.
DEFAULT_GRAPH_PREFIX = DEFAULT_BASE + "graph/"
#: Temporary graphs that hold new content until the swap; outside the data prefix, removed after each write.
#: Named ``<prefix><start time>-<run>:new:<i>:<chunk>``.
STAGING_PREFIX = "urn:x-bildungsnetz:staging:"
#: The writer lease and the journal of the running write (which graphs, how far the swap got).
WRITER_GRAPH = "urn:x-bildungsnetz:schreiber"
_RUN_PREFIX = "urn:x-bildungsnetz:lauf:"
_P_PREFIX, _P_HOST, _P_PID, _P_UNTIL, _P_TARGET, _P_SWAP, _P_DONE = (
    ox.NamedNode("urn:x-bildungsnetz:" + name)
    for name in ("praefix", "rechner", "prozess", "bis", "ziel", "tausch", "fertig")
)
_HOST = socket.gethostname()
_XSD_INT = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
# Blank nodes are written as skolem IRIs (so any graph can be chunked) and read back as blank nodes.
_GENID = "/.well-known/genid/"

_log = logging.getLogger(__name__)
_RESULTS_JSON = "application/sparql-results+json"
_N_TRIPLES = "application/n-triples"
# A blank-node label Oxigraph accepts; Virtuoso answers "nodeID://b10006", others "b0" or "genid-…".
_BNODE_UNSAFE = re.compile(r"[^A-Za-z0-9_]")
_BLOCK = 1_000
# Statuses with which a server refuses a request before running any of it (syntax, access, size).
_REFUSED = frozenset({400, 401, 403, 404, 405, 413, 414, 415})
_XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"
_WKT = ox.NamedNode("http://www.opengis.net/ont/geosparql#wktLiteral")
# Virtuoso 7.2 stores geo:wktLiteral as its own geometry type and answers with this datatype.
_VIRTUOSO_GEOMETRY = "http://www.openlinksw.com/schemas/virtrdf#Geometry"


@dataclass(frozen=True)
class _Response:
    status: int
    headers: Mapping[str, str]
    body: bytes


class RemoteSolutions:
    """SELECT results in the shape of ``pyoxigraph.QuerySolutions``: ``.variables`` and rows of terms.

    Each row is a tuple of pyoxigraph terms (``None`` where unbound) in the order of ``.variables``; it can
    also be indexed by variable name, like ``pyoxigraph.QuerySolution``.

    >>> s = RemoteSolutions._from_json({"head": {"vars": ["x"]}, "results": {"bindings": [
    ...     {"x": {"type": "literal", "value": "2025-06-01",
    ...            "datatype": "http://www.w3.org/2001/XMLSchema#date"}}, {}]}})
    >>> [v.value for v in s.variables]
    ['x']
    >>> [None if row["x"] is None else str(row[0]) for row in s]
    ['"2025-06-01"^^<http://www.w3.org/2001/XMLSchema#date>', None]
    """

    def __init__(self, variables: list[ox.Variable], rows: list[_Row]) -> None:
        self.variables = variables
        self._rows = rows

    def __iter__(self) -> Iterator[_Row]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    @classmethod
    def _from_json(cls, document: dict) -> RemoteSolutions:
        names = list(document.get("head", {}).get("vars", []))
        index = {name: i for i, name in enumerate(names)}
        rows = [
            _Row((tuple(_term(binding[name]) if name in binding else None for name in names)), index)
            for binding in document.get("results", {}).get("bindings", [])
        ]
        return cls([ox.Variable(name) for name in names], rows)


class _Row(tuple):
    """One solution: a tuple of terms that can also be read by variable name."""

    def __new__(cls, values: tuple, index: dict[str, int]) -> _Row:
        row = super().__new__(cls, values)
        row._index = index
        return row

    def __getitem__(self, key):  # type: ignore[override]
        if isinstance(key, ox.Variable):
            key = key.value
        if isinstance(key, str):
            return tuple.__getitem__(self, self._index[key])
        return tuple.__getitem__(self, key)


def _term(cell: Mapping[str, str]) -> ox.NamedNode | ox.Literal | ox.BlankNode:
    """One cell of SPARQL JSON results as a pyoxigraph term (also the SPARQL 1.0 ``typed-literal``)."""
    kind, value = cell.get("type"), cell.get("value", "")
    if kind == "uri":
        return _blank_again(value) if _GENID in value else ox.NamedNode(value)
    if kind in ("literal", "typed-literal"):
        if "xml:lang" in cell:
            return ox.Literal(value, language=cell["xml:lang"])
        if "datatype" in cell:
            return _literal(value, cell["datatype"])
        return ox.Literal(value)
    if kind == "bnode":
        label = _BNODE_UNSAFE.sub("_", value.removeprefix("nodeID://").removeprefix("_:")) or "b"
        return ox.BlankNode(label)
    raise ValueError(f"unknown SPARQL JSON term type {kind!r}")


def _literal(value: str, datatype: str) -> ox.Literal:
    """A typed literal, undoing Virtuoso's renamings: booleans as 1/0, WKT as ``virtrdf:Geometry``."""
    if datatype == _XSD_BOOLEAN and value in ("1", "0"):
        value = "true" if value == "1" else "false"
    elif datatype == _VIRTUOSO_GEOMETRY:
        return ox.Literal(value, datatype=_WKT)
    return ox.Literal(value, datatype=ox.NamedNode(datatype))


def _blank_again(iri: str) -> ox.NamedNode | ox.BlankNode:
    """A skolem IRI read back as the blank node it stands for.

    >>> _blank_again("https://w3id.org/.well-known/genid/bildungsnetz-20260101T000000Z-ab12_adresse")
    <BlankNode value=bildungsnetz_20260101T000000Z_ab12_adresse>
    """
    if _GENID not in iri:
        return ox.NamedNode(iri)
    return ox.BlankNode(_BNODE_UNSAFE.sub("_", iri.split(_GENID, 1)[1]) or "b")


def _restored(t: ox.Triple) -> ox.Triple:
    s, o = t.subject, t.object
    if isinstance(s, ox.NamedNode) and _GENID in s.value:
        s = _blank_again(s.value)
    if isinstance(o, ox.NamedNode) and _GENID in o.value:
        o = _blank_again(o.value)
    elif isinstance(o, ox.Literal) and o.datatype.value in (_XSD_BOOLEAN, _VIRTUOSO_GEOMETRY):
        o = _literal(o.value, o.datatype.value)
    return t if s is t.subject and o is t.object else ox.Triple(s, t.predicate, o)


def _public(url: str) -> str:
    """The endpoint as it may appear in a message: no user, password, query string or fragment.

    >>> _public("http://dba:secret@127.0.0.1:8890/sparql-auth?x=1")
    'http://127.0.0.1:8890/sparql-auth'
    """
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    if parts.port:
        host += f":{parts.port}"
    return urllib.parse.urlunsplit((parts.scheme, host, parts.path, "", ""))


def _without_userinfo(url: str, user: str | None, password: str | None) -> tuple[str, str | None, str | None]:
    parts = urllib.parse.urlsplit(url)
    if parts.username is None:
        return url, user, password
    netloc = parts.netloc.rpartition("@")[2]
    clean = urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return (
        clean,
        user or urllib.parse.unquote(parts.username),
        password or urllib.parse.unquote(parts.password or ""),
    )


def _iri(value: str) -> str:
    """``<value>``, or a StoreError if ``value`` is no IRI (Oxigraph checks it)."""
    try:
        return str(ox.NamedNode(value))
    except ValueError:
        raise StoreError(f'"{value[:80]}" ist keine gültige Graph-IRI / is not a valid graph IRI') from None


class RemoteStore:
    """A SPARQL 1.1 server (query, update and, where there is one, Graph Store Protocol endpoint).

    Every request has a timeout. Any answer other than HTTP 200 (201/204 for Graph Store writes) is a
    :class:`~bildungsnetz.store.StoreError`: Virtuoso answers 206 when it stops a query at its time limit,
    and marks a result cut at ``ResultSetMaxRows`` with an ``X-SPARQL-MaxRows`` header, which is an error too,
    never a partial result. Error messages name the endpoint and the status, never the query or credentials.
    User and password are sent with HTTP Digest or Basic authentication, whichever the server asks for.

    Only graphs under ``graph_prefix`` are listed, counted, replaced or dropped: the server's own graphs
    (Virtuoso's ``virtrdf#``, DAV, …) stay untouched. Queries run over the server's default graph, which on
    Virtuoso is the union of all graphs, as in the embedded store.

    Writes hold a writer lease on the server (:meth:`writer`) and keep a journal there (:data:`WRITER_GRAPH`).
    ``replace_graphs`` writes each graph's new content, blank nodes skolemised, in chunks of ``chunk_size``
    triples (Graph Store ``POST`` when ``gsp_endpoint`` is given, else ``INSERT DATA`` written by Oxigraph's
    N-Triples serializer) into a staging graph, or in place if the graph does not exist yet; then swaps graph
    by graph in requests of at most ``chunk_size`` quads: copy what is new, delete what is gone. No request
    outgrows Virtuoso's ``TransactionAfterImageLimit``, and Virtuoso (7.2) rolls back nothing of a request that
    fails half way anyway.

    Guarantee: a failure or crash before the swap changes no graph (the staging graphs, and graphs the run
    created, are dropped, after a crash by the next writer or the next store object's first request); a
    failure or crash during the swap is finished the same way, never left half done. Readers are not
    isolated: over the union default graph they see old content plus staged triples, during a graph's swap
    old ∪ new shrinking to new (see docs/speicher.md).

    Parameters
    ----------
    endpoint
        SPARQL 1.1 query endpoint, e.g. ``http://127.0.0.1:8890/sparql``.
    update_endpoint
        SPARQL 1.1 update endpoint (default: ``endpoint``), e.g. Virtuoso's ``/sparql-auth``.
    gsp_endpoint
        Graph Store HTTP Protocol endpoint, e.g. Virtuoso's ``/sparql-graph-crud-auth``; ``None``: use
        updates only.
    user, password
        Credentials for every endpoint (Digest or Basic, as the server asks).
    timeout
        Seconds any one request may take, connecting and reading included.
    graph_prefix
        IRI prefix of this project's named graphs (``Settings.base_iri`` + ``graph/``).
    chunk_size
        Triples per write request, and quads per swap request.
    lock_wait
        Seconds a write waits for another writer's lease before it fails with a :class:`StoreError`.

    Examples
    --------
    Nothing is contacted before the first call; a server that is not there is a one-line ``StoreError``:

    >>> store = RemoteStore("http://127.0.0.1:9/sparql", timeout=2)
    >>> try:
    ...     store.ask("ASK {}")
    ... except StoreError as error:
    ...     print(str(error).split(" / ")[1])
    SPARQL endpoint http://127.0.0.1:9/sparql is unreachable (connection refused)
    """

    def __init__(
        self,
        endpoint: str,
        *,
        update_endpoint: str | None = None,
        gsp_endpoint: str | None = None,
        user: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
        graph_prefix: str = DEFAULT_GRAPH_PREFIX,
        chunk_size: int = 10_000,
        lock_wait: float = 60.0,
    ) -> None:
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        # Credentials written into an endpoint URL (http://user:pw@host/…) become user and password.
        endpoint, user, password = _without_userinfo(endpoint, user, password)
        if update_endpoint:
            update_endpoint, user, password = _without_userinfo(update_endpoint, user, password)
        if gsp_endpoint:
            gsp_endpoint, user, password = _without_userinfo(gsp_endpoint, user, password)
        self.endpoint = endpoint
        self.update_endpoint = update_endpoint or endpoint
        self.gsp_endpoint = gsp_endpoint
        self.timeout = float(timeout)
        self.graph_prefix = graph_prefix
        self.chunk_size = chunk_size
        self.lock_wait = float(lock_wait)
        # The lease outlives any one request by far; it is renewed while a run writes.
        self._lease = max(120.0, 4 * self.timeout)
        self._run: str | None = None
        self._renewed = 0.0
        self._opened = False
        self._keep = False
        # Threads of one process (the API server) share this object: they queue here before the server's lease.
        self._local = threading.RLock()
        handlers: list[urllib.request.BaseHandler] = []
        if user is not None:
            passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            urls = [u for u in (endpoint, update_endpoint, gsp_endpoint) if u]
            passwords.add_password(None, urls, user, password or "")
            # Both handlers: urllib answers whichever challenge the server sends (Digest is tried first).
            handlers += [
                urllib.request.HTTPDigestAuthHandler(passwords),
                urllib.request.HTTPBasicAuthHandler(passwords),
            ]
        # Our own opener: nothing is installed process-wide (SPARQLWrapper's Digest support would do that).
        self._opener = urllib.request.build_opener(*handlers)

    def __repr__(self) -> str:
        return f"RemoteStore({_public(self.endpoint)!r})"

    # -- HTTP ---------------------------------------------------------------------------------------------

    def _send(
        self,
        url: str,
        *,
        method: str = "POST",
        data: bytes | None = None,
        headers: Mapping[str, str],
        ok: tuple[int, ...] = (200,),
    ) -> _Response:
        """One request; the deadline covers connecting, sending and reading the whole answer."""
        shown = _public(url)
        request = urllib.request.Request(url, data=data, method=method, headers=dict(headers))
        deadline = time.monotonic() + self.timeout
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                chunks = []
                while chunk := response.read(1 << 16):
                    chunks.append(chunk)
                    if time.monotonic() > deadline:
                        raise TimeoutError
                status, answer_headers = response.status, response.headers
        except urllib.error.HTTPError as exc:
            detail = exc.read(300).decode("utf-8", "replace").strip().splitlines()
            _log.debug("HTTP %s from %s: %s", exc.code, shown, detail[:1])  # the server's first line only
            raise self._status_error(shown, exc.code) from None
        except (TimeoutError, urllib.error.URLError, http.client.HTTPException, OSError) as exc:
            reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
            if isinstance(reason, TimeoutError) or "timed out" in str(reason):
                raise StoreError(
                    f"SPARQL-Endpunkt {shown} antwortet nicht innerhalb von {self.timeout:g} s / "
                    f"SPARQL endpoint {shown} did not answer within {self.timeout:g} s"
                ) from None
            why = (
                "connection refused" if isinstance(reason, ConnectionRefusedError) else type(reason).__name__
            )
            raise StoreError(
                f"SPARQL-Endpunkt {shown} ist nicht erreichbar / "
                f"SPARQL endpoint {shown} is unreachable ({why})"
            ) from None
        if status not in ok:
            raise self._status_error(shown, status)
        return _Response(status, answer_headers, b"".join(chunks))

    @staticmethod
    def _status_error(shown: str, status: int) -> StoreError:
        if status == 206:
            german, english = "lieferte nur ein Teilergebnis", "returned a partial result"
        elif status in (401, 403):
            german, english = "verweigert den Zugriff", "refused access"
        else:
            german, english = "meldet einen Fehler", "reported an error"
        error = StoreError(
            f"SPARQL-Endpunkt {shown} {german} (HTTP {status}) / "
            f"SPARQL endpoint {shown} {english} (HTTP {status})"
        )
        error.status = status  # type: ignore[attr-defined]
        return error

    def _query(self, sparql: str, accept: str) -> _Response:
        if not self._opened:  # the first request of this store object: recover a crashed writer's leftovers
            self._opened = True
            try:
                self.recover()
            except BaseException:
                self._opened = False
                raise
        data = urllib.parse.urlencode({"query": sparql}).encode("ascii")
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": accept}
        return self._send(self.endpoint, data=data, headers=headers)

    def _update(self, sparql: str) -> None:
        data = urllib.parse.urlencode({"update": sparql}).encode("ascii")
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": f"{_RESULTS_JSON}, */*;q=0.1",
        }
        self._send(self.update_endpoint, data=data, headers=headers)

    def _json(self, sparql: str) -> dict:
        response = self._query(sparql, _RESULTS_JSON)
        try:
            return json.loads(response.body)
        except ValueError:
            shown = _public(self.endpoint)
            raise StoreError(
                f"SPARQL-Endpunkt {shown} lieferte kein SPARQL-JSON / SPARQL endpoint {shown} did not return "
                "SPARQL JSON results"
            ) from None

    # -- Reading ----------------------------------------------------------------------------------------

    def select(self, sparql: str) -> RemoteSolutions:
        response = self._query(sparql, _RESULTS_JSON)
        try:
            solutions = RemoteSolutions._from_json(json.loads(response.body))
        except ValueError:
            shown = _public(self.endpoint)
            raise StoreError(
                f"SPARQL-Endpunkt {shown} lieferte kein SPARQL-JSON / SPARQL endpoint {shown} did not return "
                "SPARQL JSON results"
            ) from None
        # Virtuoso cuts a result at ResultSetMaxRows and still answers 200, with this header.
        limit = response.headers.get("X-SPARQL-MaxRows")
        if limit is not None and limit.strip().isdigit() and len(solutions) >= int(limit):
            shown = _public(self.endpoint)
            raise StoreError(
                f"SPARQL-Endpunkt {shown} hat das Ergebnis bei {limit} Zeilen abgeschnitten "
                "(ResultSetMaxRows) / "
                f"SPARQL endpoint {shown} cut the result at {limit} rows (ResultSetMaxRows)"
            )
        return solutions

    def ask(self, sparql: str) -> bool:
        document = self._json(sparql)
        if isinstance(document.get("boolean"), bool):
            return document["boolean"]
        # Virtuoso 7.2 answers ASK in JSON as a one-column SELECT: one row "1" for true, no row for false.
        if document.get("head", {}).get("vars") == ["__ASK_RETVAL"]:
            rows = document.get("results", {}).get("bindings", [])
            return any(row.get("__ASK_RETVAL", {}).get("value") not in (None, "0") for row in rows)
        shown = _public(self.endpoint)
        raise StoreError(f"SPARQL-Endpunkt {shown}: ASK ohne Wahrheitswert / ASK answer without a boolean")

    def construct(self, sparql: str) -> list[ox.Triple]:
        response = self._query(sparql, f"{_N_TRIPLES}, text/turtle;q=0.5")
        media = (response.headers.get("Content-Type") or _N_TRIPLES).split(";")[0].strip()
        rdf_format = ox.RdfFormat.from_media_type(media) or ox.RdfFormat.N_TRIPLES
        try:
            return [_restored(q.triple) for q in ox.parse(response.body, format=rdf_format)]
        except (SyntaxError, ValueError):
            shown = _public(self.endpoint)
            raise StoreError(
                f"SPARQL-Endpunkt {shown} lieferte unlesbares RDF ({media}) / "
                f"SPARQL endpoint {shown} returned "
                f"unreadable RDF ({media})"
            ) from None

    def _ours(self) -> str:
        """A FILTER that keeps ``?g`` to this project's graphs (the prefix enters as an escaped literal)."""
        return f"FILTER(STRSTARTS(STR(?g), {ox.Literal(self.graph_prefix)}))"

    def named_graphs(self) -> list[str]:
        rows = self.select(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {self._ours()} }}")
        return sorted(row[0].value for row in rows if isinstance(row[0], ox.NamedNode))

    def count(self, graph: str | None = None) -> int:
        if graph is None:
            where = f"GRAPH ?g {{ ?s ?p ?o }} {self._ours()}"
        else:
            where = f"GRAPH {_iri(graph)} {{ ?s ?p ?o }}"
        rows = list(self.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}"))
        return int(rows[0][0].value) if rows and rows[0][0] is not None else 0

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]:
        if graph is None:
            sparql = f"SELECT ?s ?p ?o ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {self._ours()} }}"
        else:
            sparql = f"SELECT ?s ?p ?o ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} VALUES ?g {{ {_iri(graph)} }} }}"
        return iter([ox.Quad(*row) for row in self.select(sparql)])

    # -- Writing ----------------------------------------------------------------------------------------

    def _check_ours(self, graphs: Iterable[str]) -> list[str]:
        names = list(graphs)
        for name in names:
            _iri(name)
            if not name.startswith(self.graph_prefix):
                raise StoreError(
                    f"Graph {name[:80]} liegt nicht unter {self.graph_prefix}; bildungsnetz schreibt "
                    f"nur eigene Graphen / graph is not under {self.graph_prefix}; bildungsnetz only "
                    "writes its own graphs"
                )
        return names

    def _upload(self, target: str, triples: list[ox.Triple], *, split: bool = False) -> None:
        """Write ``triples`` (no blank nodes: they are skolemised first) into ``target``, in chunks.

        ``split``: chunk ``k`` goes into its own graph ``<target>:<k>``, so that the swap can copy one chunk per
        request without paging through what it copied before.
        """
        for k, start in enumerate(range(0, len(triples), max(self.chunk_size, 1))):
            self._renew()
            chunk = triples[start : start + self.chunk_size]
            target_k = f"{target}:{k}" if split else target
            # Oxigraph's serializer escapes every term: the request holds RDF terms, never raw user text.
            body = ox.serialize(chunk, format=ox.RdfFormat.N_TRIPLES)
            if self.gsp_endpoint:
                url = self.gsp_endpoint + "?" + urllib.parse.urlencode({"graph": target_k})
                self._send(
                    url,
                    method="POST",
                    data=body,
                    headers={"Content-Type": _N_TRIPLES},
                    ok=(200, 201, 204),
                )
            else:
                # Virtuoso's parser runs out of stack ("memory exhausted") at ~5,000 triples in one block:
                # one GRAPH block per _BLOCK triples keeps any chunk size parseable.
                lines = body.decode("utf-8").splitlines(keepends=True)
                blocks = "".join(
                    f"GRAPH {_iri(target_k)} {{\n" + "".join(lines[i : i + _BLOCK]) + "}\n"
                    for i in range(0, len(lines), _BLOCK)
                )
                self._update("INSERT DATA {\n" + blocks + "}")

    def _clear(self, graph: str) -> None:
        """Remove ``graph``. Virtuoso's ``DROP`` is not held to ``TransactionAfterImageLimit`` (tested: 200,000
        quads under a 5 MB limit, where a ``MOVE`` of 60,000 failed); a ``DROP`` cut short is simply run again."""
        self._update(f"DROP SILENT GRAPH {_iri(graph)}")

    def _swap_graph(self, run: str, i: int, graph: str, filled: bool, direct: bool = False) -> None:
        """Turn ``graph`` into the content of its staging graphs; may be run again after a crash.

        The graph is dropped, then each staged chunk is copied in, one request per chunk. The staging graphs stay
        until the graph is done, so a query over the union default graph sees the new content from the drop on
        (old ∪ new before it, while staging); only a query of this one graph sees it empty, then filling. Run
        again, it drops what it had copied and copies everything. A ``direct`` graph did not exist and was
        written in place: nothing to swap.
        """
        g = _iri(graph)
        if direct:
            pass
        elif filled:
            # One request per staged chunk (at most chunk_size quads). Copying only the difference needed
            # LIMIT pages over the graph, each skipping what the ones before kept: 19 min at 20,000 actors.
            self._clear(graph)
            for part in self._parts(run, i):
                self._renew()
                self._update(f"INSERT {{ GRAPH {g} {{ ?s ?p ?o }} }} WHERE {{ GRAPH {_iri(part)} {{ ?s ?p ?o }} }}")
        else:
            self._clear(graph)
        # Recorded before the staging graphs go: after a crash, "done" means they are only rubbish.
        self._journal(run, [(_P_DONE, ox.Literal(str(i)))])
        for part in self._parts(run, i):
            self._clear(part)

    def _parts(self, run: str, i: int) -> list[str]:
        """The staging graphs of graph ``i`` of ``run`` (one per chunk)."""
        prefix = _stage(run, i) + ":"
        parts = [g for g in self._staging_graphs() if g.startswith(prefix)]
        return sorted(parts, key=lambda g: int(g.rsplit(":", 1)[1]))

    def replace_graphs(self, graphs: Mapping[str, Iterable[ox.Triple]]) -> None:
        names = self._check_ours(graphs)
        if not names:
            return
        with self.writer() as run:
            genid = _genid_base(self.graph_prefix) + run.rsplit(":", 1)[1] + "_"
            plan: list[tuple[str, list[ox.Triple]]] = []
            # A graph that does not exist yet is written in place (no copy): recovery drops it if the run dies
            # before its swap, as the embedded store drops a half-done bulk load.
            existing = set(self.named_graphs())
            direct = [False] * len(names)
            try:
                for name, triples in graphs.items():
                    plan.append((name, list(dict.fromkeys(_skolemised(t, genid) for t in triples))))
                direct = [bool(ts) and g not in existing for g, ts in plan]
                # The plan is journalled before anything is staged: recovery knows every graph this run touches.
                self._journal(run, [(_P_TARGET, ox.Literal(f"{i} {int(bool(ts))} {int(direct[i])} {g}"))
                                    for i, (g, ts) in enumerate(plan)])  # fmt: skip
                for i, (name, triples) in enumerate(plan):
                    if direct[i]:
                        self._upload(name, triples)
                    else:
                        self._upload(_stage(run, i), triples, split=True)
            except BaseException:
                self._discard(run, [(i, g, d) for i, (g, d) in enumerate(zip(names, direct, strict=True))])
                raise
            # From here on the run goes forward: a failure, or a crash, is finished by the next writer or opener.
            self._journal(run, [(_P_SWAP, ox.Literal("1"))])
            try:
                for i, (name, triples) in enumerate(plan):
                    self._swap_graph(run, i, name, bool(triples), direct[i])
            except StoreError as exc:
                self._abandon(run)
                raise StoreError(
                    "Austausch der Graphen unterbrochen; der nächste Schreib- oder Lesezugriff von bildungsnetz "
                    "führt ihn zu Ende, bis dahin zeigen die betroffenen Graphen alten und neuen Inhalt / "
                    "swapping the graphs was interrupted; the next bildungsnetz write or start finishes it, until "
                    "then the graphs concerned show old and new content"
                ) from exc

    def _abandon(self, run: str) -> None:
        """Give up ``run`` but keep its journal: its lease ends now, so the next writer finishes its swap."""
        self._keep = True
        try:
            w, r, p = _iri(WRITER_GRAPH), _iri(run), _iri(_P_UNTIL.value)
            self._update(f"DELETE {{ GRAPH {w} {{ {r} {p} ?u }} }} INSERT {{ GRAPH {w} {{ {r} {p} 0 }} }} "
                         f"WHERE {{ GRAPH {w} {{ {r} {p} ?u }} }}")  # fmt: skip
        except StoreError:
            _log.warning("run %s is left to expire (server unreachable)", run)

    def _discard(self, run: str, targets: list[tuple[int, str, bool]]) -> None:
        """Drop what a run wrote before its swap: staging graphs and graphs it created (best effort)."""
        try:
            for i, graph, direct in targets:
                for part in [graph] if direct else self._parts(run, i):
                    self._clear(part)
            self._journal(run, [], forget=True)
        except StoreError:
            _log.warning("staging graphs %s:* were left behind; the next write removes them", run)

    def drop_graphs(self, graphs: Iterable[str]) -> None:
        """Drop graphs as a replacement by nothing (in chunks, under the writer lease)."""
        self.replace_graphs(dict.fromkeys(graphs, ()))

    # -- One writer at a time, and recovery -------------------------------------------------------------

    @contextmanager
    def writer(self) -> Iterator[str]:
        """Hold the server's writer lease; yields this run's id. Re-entrant within one store object.

        The lease is a few triples in :data:`WRITER_GRAPH`; a second writer waits up to ``lock_wait`` seconds,
        then gets a :class:`StoreError` naming the holder. Once the lease is held, runs whose writer is gone
        (its lease expired, or its process on this host no longer exists) are recovered and leftover staging
        graphs dropped. The lease is renewed while the run writes.
        """
        if not self._local.acquire(timeout=self.lock_wait):
            raise StoreError(
                "Ein anderer Import dieses Prozesses schreibt gerade; später erneut versuchen / "
                "another import of this process is writing; try again later"
            )
        try:
            if self._run is not None:  # the same thread again (an import, then its replace_graphs)
                yield self._run
                return
            run = self._acquire()
            self._run, self._renewed, self._keep = run, time.monotonic(), False
            try:
                self._recover(self._runs(), mine=run)
                yield run
            finally:
                self._run = None
                try:
                    if not self._keep:  # an abandoned swap keeps its journal for recovery
                        self._journal(run, [], forget=True)
                except StoreError:
                    _log.warning("writer lease %s was not released; it expires by itself", run)
        finally:
            self._local.release()

    def _acquire(self) -> str:
        deadline = time.monotonic() + self.lock_wait
        while True:
            run = _new_run()
            until = int(time.time() + self._lease)
            self._journal(run, [
                (_P_PREFIX, ox.Literal(self.graph_prefix)), (_P_HOST, ox.Literal(_HOST)),
                (_P_PID, ox.Literal(str(os.getpid()), datatype=_XSD_INT)),
                (_P_UNTIL, ox.Literal(str(until), datatype=_XSD_INT)),
            ])  # fmt: skip
            # Insert, then look: of two writers that claim at once, at least the later one sees the other and
            # steps back (each reads after its own insert). Both may step back; then both try again.
            others = [r for r in self._runs().values() if r.run != run and r.alive()]
            if not others:
                return run
            self._journal(run, [], forget=True)
            if time.monotonic() >= deadline:
                holder = others[0]
                raise StoreError(
                    f"Ein anderer Import schreibt gerade in {_public(self.update_endpoint)} (Rechner "
                    f"{holder.host}, Prozess {holder.pid}, seit {holder.started}); später erneut versuchen / "
                    f"another import is writing to {_public(self.update_endpoint)} (host {holder.host}, "
                    f"process {holder.pid}, since {holder.started}); try again later"
                )
            time.sleep(min(1.0, max(deadline - time.monotonic(), 0.05)) * random.uniform(0.5, 1.0))

    def _renew(self) -> None:
        """Extend the lease while writing; a run whose lease was taken over stops with an error."""
        if self._run is None or time.monotonic() - self._renewed < self._lease / 4:
            return
        run, until = _iri(self._run), int(time.time() + self._lease)
        w, p = _iri(WRITER_GRAPH), _iri(_P_UNTIL.value)
        self._update(
            f"DELETE {{ GRAPH {w} {{ {run} {p} ?u }} }} INSERT {{ GRAPH {w} {{ {run} {p} {until} }} }} "
            f"WHERE {{ GRAPH {w} {{ {run} {p} ?u }} }}"
        )
        if not self.ask(f"ASK {{ GRAPH {w} {{ {run} {p} {until} }} }}"):
            raise StoreError(
                "Schreibrecht (Lease) verloren, ein anderer Schreiber hat übernommen / "
                "lost the writer lease, another writer took over"
            )
        self._renewed = time.monotonic()

    def _journal(self, run: str, facts: list[tuple[ox.NamedNode, ox.Term]], *, forget: bool = False) -> None:
        """Add facts about ``run`` to the writer graph, or (``forget``) remove the run from it."""
        if forget:
            self._update(f"DELETE WHERE {{ GRAPH {_iri(WRITER_GRAPH)} {{ {_iri(run)} ?p ?o }} }}")
        if facts:
            body = ox.serialize([ox.Triple(ox.NamedNode(run), p, o) for p, o in facts], format=ox.RdfFormat.N_TRIPLES)
            self._update(f"INSERT DATA {{ GRAPH {_iri(WRITER_GRAPH)} {{ {body.decode('utf-8')} }} }}")

    def _runs(self) -> dict[str, _RunInfo]:
        rows = self.select(f"SELECT ?r ?p ?o WHERE {{ GRAPH {_iri(WRITER_GRAPH)} {{ ?r ?p ?o }} }}")
        runs: dict[str, _RunInfo] = {}
        for row in rows:
            if len(row) != 3:  # not an answer to this query (a server that answers anything)
                continue
            r, p, o = row
            if isinstance(r, ox.NamedNode) and r.value.startswith(_RUN_PREFIX) and o is not None:
                runs.setdefault(r.value, _RunInfo(r.value)).add(p.value, o.value)
        return runs

    def _staging_graphs(self) -> dict[str, int]:
        """Every staging graph on the server with its size (one scan of the quads)."""
        rows = self.select(
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
            f"FILTER(STRSTARTS(STR(?g), {ox.Literal(STAGING_PREFIX)})) }} GROUP BY ?g"
        )
        return {row[0].value: int(row[1].value) for row in rows if isinstance(row[0], ox.NamedNode)}

    def _recover(self, runs: dict[str, _RunInfo], *, mine: str) -> None:
        """Finish or discard the runs whose writer is gone, and drop staging graphs nobody owns (holding the lease)."""
        stale = [r for r in runs.values() if r.run != mine and not r.alive()]
        for info in stale:
            if info.swapping:  # staged completely: go forward
                _log.warning("finishing the interrupted swap of %s", info.run)
                for i, graph, filled, direct in info.targets:
                    if i not in info.done:
                        self._swap_graph(info.run, i, graph, filled, direct)
            else:  # back: graphs it created go again, its staging graphs go below
                for _, graph, _, direct in info.targets:
                    if direct:
                        self._clear(graph)
        for graph in self._staging_graphs():
            if not graph.startswith(_stage_prefix(mine)):
                _log.warning("dropping leftover staging graph %s", graph)
                self._clear(graph)
        for info in stale:
            self._journal(info.run, [], forget=True)

    def recover(self) -> bool:
        """Recover what a writer that is gone left behind, if no other writer is at work; True if it did.

        Called before the first request of each store object, and by every write (under the lease), so a
        crashed import shows nowhere once any bildungsnetz process touches the server again.
        """
        runs = self._runs()
        if not any(not r.alive() for r in runs.values()):
            return False
        waited, self.lock_wait = self.lock_wait, 0.0
        try:
            with self.writer():
                return True
        except StoreError as exc:
            _log.warning("could not recover leftovers now: %s", exc)
            return False
        finally:
            self.lock_wait = waited

    def leftovers(self) -> list[tuple[str, int]]:
        """Staging graphs on the server with their sizes: an import at work, or one that recovery has not reached."""
        return sorted(self._staging_graphs().items())

    def close(self) -> None:
        """Nothing to release: every request opens and closes its own connection."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass
class _RunInfo:
    """One run in the writer graph: its lease, its plan and how far its swap got."""

    run: str
    host: str = "?"
    pid: int = 0
    until: int = 0
    swapping: bool = False
    targets: list[tuple[int, str, bool, bool]] = field(default_factory=list)
    done: set[int] = field(default_factory=set)

    @property
    def started(self) -> str:
        return self.run.removeprefix(_RUN_PREFIX).split("-")[0]

    def add(self, predicate: str, value: str) -> None:
        if predicate == _P_HOST.value:
            self.host = value
        elif predicate == _P_PID.value:
            self.pid = int(value)
        elif predicate == _P_UNTIL.value:
            self.until = max(self.until, int(value))
        elif predicate == _P_SWAP.value:
            self.swapping = True
        elif predicate == _P_DONE.value:
            self.done.add(int(value))
        elif predicate == _P_TARGET.value:
            i, filled, direct, graph = value.split(" ", 3)
            self.targets.append((int(i), graph, filled == "1", direct == "1"))

    def alive(self) -> bool:
        """Lease not expired, and, for a writer on this host, its process still there."""
        if self.until < time.time():
            return False
        if self.host == _HOST and self.pid:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                return False
            except PermissionError:
                return True
        return True


def _new_run() -> str:
    """A run id that says when it started: ``urn:x-bildungsnetz:lauf:20261206T202500Z-<12 hex>``."""
    return f"{_RUN_PREFIX}{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}-{uuid.uuid4().hex[:12]}"


def _stage_prefix(run: str) -> str:
    return f"{STAGING_PREFIX}{run.removeprefix(_RUN_PREFIX)}:new:"


def _stage(run: str, i: int) -> str:
    return f"{_stage_prefix(run)}{i}"


def _genid_base(graph_prefix: str) -> str:
    """Skolem IRIs (RDF 1.1, section 3.5) on the authority of the graph prefix.

    >>> _genid_base("https://w3id.org/bildungsnetz/id/graph/")
    'https://w3id.org/.well-known/genid/bildungsnetz-'
    """
    return urllib.parse.urljoin(graph_prefix, "/.well-known/genid/bildungsnetz-")


def _skolemised(t: ox.Triple, genid: str) -> ox.Triple:
    """``t`` with blank nodes as IRIs under ``genid`` (the same label gives the same IRI within one run)."""
    s, o = t.subject, t.object
    if not isinstance(s, ox.BlankNode) and not isinstance(o, ox.BlankNode):
        return t
    if isinstance(s, ox.BlankNode):
        s = ox.NamedNode(genid + _BNODE_UNSAFE.sub("_", s.value))
    if isinstance(o, ox.BlankNode):
        o = ox.NamedNode(genid + _BNODE_UNSAFE.sub("_", o.value))
    return ox.Triple(s, t.predicate, o)

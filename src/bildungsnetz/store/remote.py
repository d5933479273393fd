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
from bildungsnetz.store.base import applied
from bildungsnetz.store.view import Landscape

__all__ = ["RemoteStore", "RemoteSolutions", "DEFAULT_GRAPH_PREFIX", "STAGING_PREFIX", "WRITER_GRAPH"]

#: Named graphs of bildungsnetz (``Iris.graph``); ``named_graphs`` lists only these, writes touch only these.
DEFAULT_GRAPH_PREFIX = DEFAULT_BASE + "graph/"
#: Temporary graphs that hold new content until the swap; outside the data prefix, removed after each write.
#: Named ``<prefix><start time>-<run>:new:<i>:<chunk>``.
STAGING_PREFIX = "urn:x-bildungsnetz:staging:"
#: The writer lease and the journal of the running write (which graphs, how far the swap got).
WRITER_GRAPH = "urn:x-bildungsnetz:schreiber"
_RUN_PREFIX = "urn:x-bildungsnetz:lauf:"
_P_PREFIX, _P_HOST, _P_PID, _P_UNTIL, _P_TARGET, _P_SWAP, _P_DONE, _STALE = (
    ox.NamedNode("urn:x-bildungsnetz:" + name)
    for name in ("praefix", "rechner", "prozess", "bis", "ziel", "tausch", "fertig", "landschaft-veraltet")
)
#: The journal of a change (``change_graphs``): each graph's key, the go of its run, each graph done.
_P_CHANGE, _P_CHANGE_GO, _P_CHANGE_DONE = (
    ox.NamedNode("urn:x-bildungsnetz:" + name) for name in ("aenderung", "aenderung-los", "aenderung-fertig")
)
#: Seconds a read reuses the list of graphs for its dataset (the landscape + the graphs that are no source data);
#: this process's own writes renew it at once.
_DATASET_TTL = 2.0
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
        landscape: Landscape | None = None,
        landscape_reads: bool = True,
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
        #: The landscape view this store keeps (:mod:`bildungsnetz.store.view`).
        self.landscape = landscape or Landscape(graph_prefix)
        self._dataset: tuple[float, list[str], list[str]] | None = None
        #: Keep the landscape and read it (``default-graph-uri``: the view and the graphs that are no source data)
        #: instead of the server's union (``BILDUNGSNETZ_ENDPOINT_LANDSCAPE``). Off, the store reads the union and
        #: keeps no landscape. Virtuoso 7.2 answers some query forms wrongly over several default graphs, which no
        #: query uses (docs/speicher.md).
        self.landscape_reads = landscape_reads
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

    def _query(self, sparql: str, accept: str, union: bool = True) -> _Response:
        if not self._opened:  # the first request of this store object: recover a crashed writer's leftovers
            self._opened = True
            try:
                self.recover()
            except BaseException:
                self._opened = False
                raise
        fields: list[tuple[str, str]] = [("query", sparql)]
        if not union and self.landscape_reads:
            default, named = self._graphs_read()
            if default != named:  # the landscape stands in for the sources' statements; GRAPH ?g sees all
                fields += [("default-graph-uri", g) for g in default] + [("named-graph-uri", g) for g in named]
        data = urllib.parse.urlencode(fields).encode("ascii")
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": accept}
        return self._send(self.endpoint, data=data, headers=headers)

    def _update(self, sparql: str) -> None:
        data = urllib.parse.urlencode({"update": sparql}).encode("ascii")
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": f"{_RESULTS_JSON}, */*;q=0.1",
        }
        self._send(self.update_endpoint, data=data, headers=headers)

    def _graphs_read(self) -> tuple[list[str], list[str]]:
        now = time.monotonic()
        if self._dataset is None or now - self._dataset[0] > _DATASET_TTL:
            named = self._all_graphs()
            self._dataset = (now, self.landscape.dataset(named), named)
        return self._dataset[1], self._dataset[2]

    def _json(self, sparql: str, union: bool = True) -> dict:
        response = self._query(sparql, _RESULTS_JSON, union)
        try:
            return json.loads(response.body)
        except ValueError:
            shown = _public(self.endpoint)
            raise StoreError(
                f"SPARQL-Endpunkt {shown} lieferte kein SPARQL-JSON / SPARQL endpoint {shown} did not return "
                "SPARQL JSON results"
            ) from None

    # -- Reading ----------------------------------------------------------------------------------------

    def select(self, sparql: str, *, union: bool = False) -> RemoteSolutions:
        response = self._query(sparql, _RESULTS_JSON, union)
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

    def ask(self, sparql: str, *, union: bool = False) -> bool:
        document = self._json(sparql, union)
        if isinstance(document.get("boolean"), bool):
            return document["boolean"]
        # Virtuoso 7.2 answers ASK in JSON as a one-column SELECT: one row "1" for true, no row for false.
        if document.get("head", {}).get("vars") == ["__ASK_RETVAL"]:
            rows = document.get("results", {}).get("bindings", [])
            return any(row.get("__ASK_RETVAL", {}).get("value") not in (None, "0") for row in rows)
        shown = _public(self.endpoint)
        raise StoreError(f"SPARQL-Endpunkt {shown}: ASK ohne Wahrheitswert / ASK answer without a boolean")

    def construct(self, sparql: str, *, union: bool = False) -> list[ox.Triple]:
        response = self._query(sparql, f"{_N_TRIPLES}, text/turtle;q=0.5", union)
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
        """The graphs that hold data; the landscape is derived from them and not listed (like an index)."""
        return [g for g in self._all_graphs() if g not in (self.landscape.view, self.landscape.private_view)]

    def _all_graphs(self) -> list[str]:
        rows = self.select(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {self._ours()} }}", union=True)
        return sorted(row[0].value for row in rows if isinstance(row[0], ox.NamedNode))

    def count(self, graph: str | None = None) -> int:
        if graph is None:  # without the landscape, which is not listed either
            views = f"{_iri(self.landscape.view)}, {_iri(self.landscape.private_view)}"
            where = f"GRAPH ?g {{ ?s ?p ?o }} {self._ours()} FILTER(?g NOT IN ({views}))"
        else:
            where = f"GRAPH {_iri(graph)} {{ ?s ?p ?o }}"
        rows = list(self.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}", union=True))
        return int(rows[0][0].value) if rows and rows[0][0] is not None else 0

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]:
        if graph is None:
            views = f"{_iri(self.landscape.view)}, {_iri(self.landscape.private_view)}"
            where = f"GRAPH ?g {{ ?s ?p ?o }} {self._ours()} FILTER(?g NOT IN ({views}))"
            sparql = f"SELECT ?s ?p ?o ?g WHERE {{ {where} }}"
        else:
            sparql = f"SELECT ?s ?p ?o ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} VALUES ?g {{ {_iri(graph)} }} }}"
        return iter([ox.Quad(*row) for row in self.select(sparql, union=True)])

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
        graphs = {g: list(ts) for g, ts in graphs.items()}
        with self.writer():
            touched = self._view_before(graphs)
            self._replace(graphs, names)
            self._view_after(touched)
            self._dataset = None

    def _replace(self, graphs: Mapping[str, list[ox.Triple]], names: list[str]) -> None:
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

    def change_graphs(self, changes: Mapping[str, tuple[Iterable[ox.Triple], Iterable[ox.Triple]]]) -> None:
        """Remove, then add triples per graph, with the crash safety of :meth:`replace_graphs`.

        The change itself is staged (removed and added triples of each graph in staging graphs of their own) and
        journalled; then, graph by graph, ``DELETE … WHERE`` the staged removals and ``INSERT … WHERE`` the staged
        additions, one request per staged chunk. A failure or crash before that step changes nothing; one during
        it is finished by the next writer or opener (both steps may run again: ``(G − R) ∪ A`` is the same however
        often). Blank nodes get new skolem IRIs in every write, so a change that names any is written as
        :meth:`replace_graphs` of its graphs, read and changed in memory.
        """
        self._check_ours(changes)
        delta = {g: (list(dict.fromkeys(gone)), list(dict.fromkeys(new))) for g, (gone, new) in changes.items()}
        delta = {g: d for g, d in delta.items() if d[0] or d[1]}
        if not delta:
            return
        if any(isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode)
               for d in delta.values() for ts in d for t in ts):  # fmt: skip
            self.replace_graphs(applied(self, delta))
            return
        with self.writer():
            touched = self._delta_before(delta)
            self._change(delta)
            if touched is not None:
                names, subjects = touched
                self._refresh_view(subjects | self._shared(self._own_graphs(names)) if names else subjects)
                self._mark_stale(False)
            self._dataset = None

    def _delta_before(self, delta: Mapping[str, tuple[list, list]]) -> tuple[set[str], set] | None:
        """Subjects whose landscape a change may alter, and the sources whose precedence it may move; marks the
        landscape stale (as ``_view_before``)."""
        land = self.landscape
        found = {g: part for g in delta if (part := land.source_part(g)) is not None}
        if not found or not self.landscape_reads:
            return None
        subjects = {t.subject for g, (kind, _) in found.items() if kind != "meta" for ts in delta[g] for t in ts}
        # The source's import time (or formats) changes: precedence may turn for what others describe too.
        moved = [g for g, (kind, _) in found.items() if kind == "meta" and land.moves_precedence([*delta[g][0],
                                                                                                   *delta[g][1]])]
        meta = self._meta_quads() if moved else []
        names = {found[g][1] for g in moved if land.turns_precedence(g, meta, *delta[g])}
        subjects |= self._shared(self._own_graphs(names))
        self._mark_stale(True)
        return names, subjects

    def _change(self, delta: Mapping[str, tuple[list[ox.Triple], list[ox.Triple]]]) -> None:
        with self.writer() as run:
            token = uuid.uuid4().hex[:8]
            plan = [(f"{token}-{i}", g, removed, added) for i, (g, (removed, added)) in enumerate(delta.items())]
            self._journal(run, [(_P_CHANGE, ox.Literal(f"{key} {g}")) for key, g, _, _ in plan])
            try:
                for key, _, removed, added in plan:
                    self._upload(_stage(run, key + "-weg"), removed, split=True)
                    self._upload(_stage(run, key), added, split=True)
            except BaseException:
                try:
                    for key, *_ in plan:
                        for part in self._parts(run, key + "-weg") + self._parts(run, key):
                            self._clear(part)
                except StoreError:
                    _log.warning("staging graphs %s:* were left behind; the next write removes them", run)
                raise
            # From here on the change goes forward: a failure, or a crash, is finished by the next writer or opener.
            self._journal(run, [(_P_CHANGE_GO, ox.Literal(token))])
            size = max(self.chunk_size, 1)
            try:
                for key, g, removed, added in plan:
                    self._apply_change(run, key, g, (-(-len(removed) // size), -(-len(added) // size)))
            except StoreError as exc:
                self._abandon(run)
                raise StoreError(
                    "Änderung der Graphen unterbrochen; der nächste Schreib- oder Lesezugriff von bildungsnetz "
                    "führt sie zu Ende / changing the graphs was interrupted; the next bildungsnetz write or start "
                    "finishes it"
                ) from exc

    def _apply_change(self, run: str, key: str, graph: str, chunks: tuple[int, int] | None = None) -> None:
        """Delete the staged removals from ``graph``, then insert the staged additions; may be run again.

        ``chunks``: how many staging graphs of removals and of additions the run wrote (after a crash: looked up).
        """
        g = _iri(graph)
        if chunks is None:
            gone, new = self._parts(run, key + "-weg"), self._parts(run, key)
        else:
            gone = [f"{_stage(run, key + '-weg')}:{k}" for k in range(chunks[0])]
            new = [f"{_stage(run, key)}:{k}" for k in range(chunks[1])]
        # By pattern, not as data: Virtuoso keeps WKT as its own geometry type (as the swap copies).
        for verb, parts in (("DELETE", gone), ("INSERT", new)):
            for part in parts:
                self._renew()
                self._update(f"{verb} {{ GRAPH {g} {{ ?s ?p ?o }} }} WHERE {{ GRAPH {_iri(part)} {{ ?s ?p ?o }} }}")
        self._journal(run, [(_P_CHANGE_DONE, ox.Literal(key))])
        for part in gone + new:
            self._clear(part)

    def drop_graphs(self, graphs: Iterable[str]) -> None:
        """Drop graphs as a replacement by nothing (in chunks, under the writer lease)."""
        self.replace_graphs(dict.fromkeys(graphs, ()))

    # -- the landscape (store/view.py) --------------------------------------------------------------------

    def _own_graphs(self, names: set[str]) -> list[str]:
        return [f"{self.graph_prefix}{part}/{name}" for name in sorted(names) for part in ("quelle", "privat")]

    def _shared(self, own: list[str]) -> set[ox.Term]:
        """Subjects of ``own`` that another source describes too (precedence may turn on import times)."""
        if not own:
            return set()
        values = " ".join(_iri(g) for g in own)
        prefixes = " || ".join(
            f"STRSTARTS(STR(?h), {ox.Literal(self.graph_prefix + part + '/')})" for part in ("quelle", "privat")
        )
        rows = self.select(
            f"SELECT DISTINCT ?s WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} GRAPH ?h {{ ?s ?q ?x }} "
            f"FILTER(({prefixes}) && ?h NOT IN ({', '.join(_iri(g) for g in own)}, "
            f"{_iri(self.landscape.private_view)})) }}",
            union=True,
        )
        return {row[0] for row in rows if isinstance(row[0], ox.NamedNode)}  # blank nodes: one source each

    def _view_before(self, graphs: Mapping[str, list[ox.Triple]]) -> tuple[set[str], set, bool] | None:
        land = self.landscape
        names = {found[1] for g in graphs if (found := land.source_part(g)) is not None}
        if not names or not self.landscape_reads:
            return None
        subjects: set = set()
        blank = False
        for g in self._own_graphs(names):
            old = {q.triple for q in self.quads(g)}
            fresh = set(graphs.get(g, old))
            blank = blank or any(isinstance(t.subject, ox.BlankNode) for t in old | fresh)
            # Blank nodes get new skolem IRIs in every write: they are handled together after it.
            subjects |= {t.subject for t in old ^ fresh if not isinstance(t.subject, ox.BlankNode)}
        subjects |= self._shared(self._own_graphs(names))
        self._mark_stale(True)
        return names, subjects, blank

    def _raw_subjects(self, where: str) -> set[ox.NamedNode]:
        """Subjects as stored (skolem IRIs not turned back into blank nodes)."""
        rows = self.select(f"SELECT DISTINCT (STR(?s) AS ?id) WHERE {{ {where} }}", union=True)
        return {ox.NamedNode(row[0].value) for row in rows if row[0] is not None}

    def _mark_stale(self, stale: bool) -> None:
        triple = f"{_iri(self.landscape.view)} {_iri(_STALE.value)} 1"
        self._update(f"{'INSERT' if stale else 'DELETE'} DATA {{ GRAPH {_iri(WRITER_GRAPH)} {{ {triple} }} }}")

    def _is_stale(self) -> bool:
        rows = self.select(f"SELECT ?v WHERE {{ GRAPH {_iri(WRITER_GRAPH)} {{ ?v {_iri(_STALE.value)} ?x }} }}",
                           union=True)  # fmt: skip
        return any(len(row) == 1 and row[0] == ox.NamedNode(self.landscape.view) for row in rows)

    def _view_after(self, touched: tuple[set[str], set, bool] | None) -> None:
        if touched is None:
            return
        names, subjects, blank = touched
        subjects |= self._shared(self._own_graphs(names))
        if blank:
            # The blank nodes of every source, afresh (rare: RDF files with blank nodes).
            genid = ox.Literal(_GENID)
            for graph in (self.landscape.view, self.landscape.private_view):
                self._update(f"DELETE {{ GRAPH {_iri(graph)} {{ ?s ?p ?o }} }} WHERE {{ GRAPH {_iri(graph)} "
                             f"{{ ?s ?p ?o }} FILTER(CONTAINS(STR(?s), {genid})) }}")  # fmt: skip
            subjects |= self._raw_subjects(f"GRAPH ?g {{ ?s ?p ?o }} FILTER(CONTAINS(STR(?s), {genid})) "
                                           f"{self._source_filter()}")  # fmt: skip
        self._refresh_view(subjects)
        self._mark_stale(False)

    def _source_filter(self) -> str:
        parts = " || ".join(
            f"STRSTARTS(STR(?g), {ox.Literal(self.graph_prefix + part + '/')})" for part in ("quelle", "privat")
        )
        return f"FILTER(({parts}) && ?g != {_iri(self.landscape.private_view)})"

    def _meta_quads(self) -> list[ox.Quad]:
        """Every source's ``meta/`` graph: import times and formats, which precedence reads."""
        land = self.landscape
        return [q for g in self.named_graphs() if (found := land.source_part(g)) and found[0] == "meta"
                for q in self.quads(g)]  # fmt: skip

    def _refresh_view(self, subjects: set) -> None:
        """Bring the landscape of ``subjects`` up to date: each subject whose view changed is rewritten."""
        land = self.landscape
        sources = land.sources(self._meta_quads())
        # A skolem IRI as stored finds the source's statements; its form in the view finds the old view.
        ordered = sorted({_skolem_again(_blank_again(s.value), self.graph_prefix) if isinstance(s, ox.NamedNode)
                          and _GENID in s.value else s for s in subjects} | {s for s in subjects
                          if isinstance(s, ox.NamedNode)}, key=str)  # fmt: skip
        step = 200
        for start in range(0, len(ordered), step):
            self._renew()
            values = " ".join(_iri(s.value) for s in ordered[start : start + step])
            rows = self.select(
                f"SELECT ?s ?p ?o ?g WHERE {{ VALUES ?s {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} {self._ours()} }}",
                union=True,
            )
            quads = [ox.Quad(*row) for row in rows]
            public, private = land.merge(quads, sources)
            for graph, triples in ((land.view, public), (land.private_view, private)):
                fresh: dict[ox.Term, set] = {}
                for t in triples:
                    fresh.setdefault(t.subject, set()).add(t)
                old: dict[ox.Term, set] = {}
                for q in quads:
                    if q.graph_name.value == graph:
                        old.setdefault(q.subject, set()).add(q.triple)
                changed = [s for s in set(fresh) | set(old) if fresh.get(s) != old.get(s)]
                if not changed:
                    continue
                # Deleted by pattern, not as data: Virtuoso keeps WKT as its own geometry type.
                gone = " ".join(_iri(_skolem_again(s, self.graph_prefix).value) for s in changed)
                self._update(f"DELETE {{ GRAPH {_iri(graph)} {{ ?s ?p ?o }} }} WHERE {{ VALUES ?s {{ {gone} }} "
                             f"GRAPH {_iri(graph)} {{ ?s ?p ?o }} }}")  # fmt: skip
                new = [_skolem_triple(t, self.graph_prefix) for s in changed for t in fresh.get(s, ())]
                if new:
                    self._upload(graph, new)

    def rebuild_view(self) -> int:
        """Build the landscape anew from every source (repair; a store from before the view). Returns its size."""
        land = self.landscape
        if not self.landscape_reads:
            raise StoreError(
                "Der entfernte Speicher führt keine Landschaft (BILDUNGSNETZ_ENDPOINT_LANDSCAPE ist aus) / "
                "the remote store keeps no landscape (BILDUNGSNETZ_ENDPOINT_LANDSCAPE is off)"
            )
        with self.writer():
            self._mark_stale(True)
            for g in (land.view, land.private_view):
                self._clear(g)
            self._refresh_view(self._raw_subjects(f"GRAPH ?g {{ ?s ?p ?o }} {self._source_filter()}"))
            self._mark_stale(False)
            self._dataset = None
        return self.count(land.view) + self.count(land.private_view)

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
                if self.landscape_reads and (self._is_stale() or self.landscape.needs_build(self._all_graphs())):
                    _log.warning("building the landscape view anew")
                    self.rebuild_view()
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
        if not self.ask(f"ASK {{ GRAPH {w} {{ {run} {p} {until} }} }}", union=True):
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
        rows = self.select(f"SELECT ?r ?p ?o WHERE {{ GRAPH {_iri(WRITER_GRAPH)} {{ ?r ?p ?o }} }}", union=True)
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
            f"FILTER(STRSTARTS(STR(?g), {ox.Literal(STAGING_PREFIX)})) }} GROUP BY ?g",
            union=True,
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
            for key, graph in info.changes:  # a change_graphs past its staging: forward
                if key.split("-")[0] in info.change_go and key not in info.changed:
                    _log.warning("finishing the interrupted change of %s in %s", info.run, graph)
                    self._apply_change(info.run, key, graph)
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
        # A landscape a write left half-updated is rebuilt, and a store from before the landscape (sources, no
        # view: written by an older version, or with BILDUNGSNETZ_ENDPOINT_LANDSCAPE off) gets it built here.
        stale = self.landscape_reads and (self._is_stale() or self.landscape.needs_build(self._all_graphs()))
        if not stale and not any(not r.alive() for r in runs.values()):
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
    changes: list[tuple[str, str]] = field(default_factory=list)
    change_go: set[str] = field(default_factory=set)
    changed: set[str] = field(default_factory=set)

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
        elif predicate == _P_CHANGE.value:
            key, graph = value.split(" ", 1)
            self.changes.append((key, graph))
        elif predicate == _P_CHANGE_GO.value:
            self.change_go.add(value)
        elif predicate == _P_CHANGE_DONE.value:
            self.changed.add(value)
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


def _skolem_again(term: ox.Term, graph_prefix: str) -> ox.Term:
    """The skolem IRI a blank node read from this server stands for (the inverse of :func:`_blank_again`).

    A source's skolem IRI (``…-20260101T000000Z-ab12_…``) loses its dashes on the way back; the IRI made
    here is the view's name for the same blank node, and reads back as the same blank node.

    >>> view = _skolem_again(_blank_again("https://w3id.org/.well-known/genid/bildungsnetz-2026-ab12_a"),
    ...                      "https://w3id.org/bildungsnetz/id/graph/")
    >>> view.value, _blank_again(view.value)
    ('https://w3id.org/.well-known/genid/bildungsnetz-2026_ab12_a', <BlankNode value=bildungsnetz_2026_ab12_a>)
    """
    if not isinstance(term, ox.BlankNode):
        return term
    label = term.value.removeprefix("bildungsnetz_")
    return ox.NamedNode(_genid_base(graph_prefix) + _BNODE_UNSAFE.sub("_", label))


def _skolem_triple(t: ox.Triple, graph_prefix: str) -> ox.Triple:
    return ox.Triple(_skolem_again(t.subject, graph_prefix), t.predicate, _skolem_again(t.object, graph_prefix))


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

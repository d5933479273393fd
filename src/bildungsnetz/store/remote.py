"""A remote SPARQL 1.1 store (Virtuoso, Fuseki, GraphDB …) behind the same ``Store`` protocol."""

from __future__ import annotations

import http.client
import json
import logging
import re
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Self

import pyoxigraph as ox

from bildungsnetz.errors import StoreError
from bildungsnetz.iris import DEFAULT_BASE

__all__ = ["RemoteStore", "RemoteSolutions", "DEFAULT_GRAPH_PREFIX", "STAGING_PREFIX"]

#: Named graphs of bildungsnetz (``Iris.graph``); ``named_graphs`` lists only these, writes touch only these.
DEFAULT_GRAPH_PREFIX = DEFAULT_BASE + "graph/"
#: Temporary graphs that hold new content until the swap; outside the data prefix, removed after each write.
STAGING_PREFIX = "urn:x-bildungsnetz:staging:"

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
        return ox.NamedNode(value)
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


def _restored(t: ox.Triple) -> ox.Triple:
    o = t.object
    if isinstance(o, ox.Literal) and o.datatype.value in (_XSD_BOOLEAN, _VIRTUOSO_GEOMETRY):
        return ox.Triple(t.subject, t.predicate, _literal(o.value, o.datatype.value))
    return t


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


def _has_blank(t: ox.Triple) -> bool:
    return isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode)


@dataclass
class _Plan:
    """The graphs of one ``replace_graphs`` call and their temporary companions."""

    graphs: dict[str, list[ox.Triple]]
    token: str = field(default_factory=lambda: uuid.uuid4().hex)

    def stage(self, i: int) -> str:
        return f"{STAGING_PREFIX}{self.token}:new:{i}"

    def backup(self, i: int) -> str:
        return f"{STAGING_PREFIX}{self.token}:old:{i}"

    def temporaries(self) -> list[str]:
        return [g for i in range(len(self.graphs)) for g in (self.stage(i), self.backup(i))]


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

    ``replace_graphs`` first writes each graph's new content into a temporary graph (Graph Store ``POST``
    when ``gsp_endpoint`` is given, else ``INSERT DATA`` in chunks of ``chunk_size`` triples written by
    Oxigraph's N-Triples serializer), then swaps all graphs in one update request::

        MOVE SILENT <g> TO <old-g> ; MOVE <new-g> TO <g> ; …   (then DROP the old-g graphs)

    Guarantee: if anything fails while the new content is written (bad data, timeout, lost connection),
    no graph has changed and the temporary graphs are dropped. The swap itself is one request, but Virtuoso
    (7.2) does **not** roll back the operations of a request that fails half way, and readers are not isolated
    from it; so if the swap request fails, the store moves every old graph back from its ``old-g`` copy and
    raises. Only if that repair fails too can graphs be left mixed; the error then says so. While new content
    is being written, queries over the union default graph see it in its temporary graph besides the old
    content (see docs/speicher.md).

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
        Triples per write request.

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

    def _upload(self, target: str, triples: list[ox.Triple]) -> None:
        """Write ``triples`` into the (empty) graph ``target``, in chunks unless blank nodes forbid it."""
        # A blank node is scoped to one request: a graph with blank nodes goes in one piece.
        blank = any(map(_has_blank, triples))
        size = len(triples) if blank else self.chunk_size
        for start in range(0, len(triples), max(size, 1)):
            chunk = triples[start : start + size]
            # Oxigraph's serializer escapes every term: the request holds RDF terms, never raw user text.
            body = ox.serialize(chunk, format=ox.RdfFormat.N_TRIPLES)
            if self.gsp_endpoint:
                url = self.gsp_endpoint + "?" + urllib.parse.urlencode({"graph": target})
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
                    f"GRAPH {_iri(target)} {{\n" + "".join(lines[i : i + _BLOCK]) + "}\n"
                    for i in range(0, len(lines), _BLOCK)
                )
                if (
                    blank
                ):  # Virtuoso refuses blank nodes in INSERT DATA; a template with an empty WHERE is the same
                    self._update("INSERT {\n" + blocks + "} WHERE {}")
                else:
                    self._update("INSERT DATA {\n" + blocks + "}")

    def _swap_operations(self, plan: _Plan) -> list[str]:
        """The operations of the one swap request: park each old graph, move its new content in."""
        operations: list[str] = []
        for i, (graph, triples) in enumerate(plan.graphs.items()):
            operations.append(f"MOVE SILENT {_iri(graph)} TO {_iri(plan.backup(i))}")
            if triples:
                operations.append(f"MOVE {_iri(plan.stage(i))} TO {_iri(graph)}")
        return operations

    def _drop(self, graphs: Iterable[str]) -> None:
        text = " ;\n".join("DROP SILENT GRAPH " + _iri(g) for g in graphs)
        if text:
            self._update(text)

    def _restore(self, plan: _Plan) -> None:
        """Undo a swap request that failed part-way, from the parked old graphs (see the class docstring)."""
        operations: list[str] = []
        for i, (graph, triples) in enumerate(plan.graphs.items()):
            if self.count(plan.backup(i)):
                operations.append(f"MOVE {_iri(plan.backup(i))} TO {_iri(graph)}")  # old content back
            elif triples and not self.count(plan.stage(i)):
                operations.append(f"DROP SILENT GRAPH {_iri(graph)}")  # it was empty and got new content
        if operations:
            self._update(" ;\n".join(operations))

    def replace_graphs(self, graphs: Mapping[str, Iterable[ox.Triple]]) -> None:
        plan = _Plan({name: list(dict.fromkeys(triples)) for name, triples in graphs.items()})
        self._check_ours(plan.graphs)
        if not plan.graphs:
            return
        try:
            for i, triples in enumerate(plan.graphs.values()):
                if triples:
                    self._upload(plan.stage(i), triples)
        except BaseException:
            self._cleanup(plan)
            raise
        try:
            self._update(" ;\n".join(self._swap_operations(plan)))
        except BaseException as exc:
            if getattr(exc, "status", None) in _REFUSED:  # the server refused the request: nothing ran
                self._cleanup(plan)
                raise
            try:
                self._restore(plan)
            except StoreError:
                raise StoreError(
                    "Austausch der Graphen abgebrochen und nicht rückgängig zu machen; alte Inhalte in "
                    f"{STAGING_PREFIX}{plan.token}:old:* / swapping the graphs failed and could not be "
                    "undone; "
                    f"the old contents are kept in {STAGING_PREFIX}{plan.token}:old:*"
                ) from exc
            self._cleanup(plan)
            raise
        self._cleanup(plan, strict=True)

    def _cleanup(self, plan: _Plan, *, strict: bool = False) -> None:
        try:
            self._drop(plan.temporaries())
        except StoreError:
            if strict:  # the data is right, but leftovers would show up in union queries
                raise StoreError(
                    f"Graphen ersetzt, aber temporäre Graphen {STAGING_PREFIX}{plan.token}:* blieben "
                    "übrig / "
                    f"graphs replaced, but temporary graphs {STAGING_PREFIX}{plan.token}:* were left behind"
                ) from None
            _log.warning("temporary graphs %s%s:* were left behind", STAGING_PREFIX, plan.token)

    def drop_graphs(self, graphs: Iterable[str]) -> None:
        """Drop graphs as a replacement by nothing, with the same undo as ``replace_graphs``."""
        self.replace_graphs(dict.fromkeys(graphs, ()))

    def close(self) -> None:
        """Nothing to release: every request opens and closes its own connection."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

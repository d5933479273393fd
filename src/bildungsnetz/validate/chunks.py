"""Validate large imports in chunks of related nodes, with exactly the results of validating them whole."""

from __future__ import annotations

import gc
import multiprocessing
import os
from array import array
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import cache

import pyoxigraph as ox
from rdflib import RDF, RDFS, SH, Graph, URIRef, Variable
from rdflib.collection import Collection
from rdflib.plugins.sparql import prepareQuery
from rdflib.term import Node

from bildungsnetz.lifeline import tie_to_parent
from bildungsnetz.validate.report import ValidationReport, Violation
from bildungsnetz.validate.shacl import execution_shapes, rdflib_term, run_pyshacl

__all__ = ["Locality", "locality", "plan_chunks", "validate_chunked", "to_rdflib_triples"]

#: Triples per chunk: large enough that pySHACL's fixed cost per shape and chunk stays small, small enough
#: that one chunk's rdflib graph stays far below the memory of the whole import (measured: see benchmarks/).
CHUNK_TRIPLES = 40_000

# Constraint and target parameters whose results can depend on nodes other than the focus node, its own
# triples and the rdf:type of its values. Shapes using any of them are validated in one piece.
_NON_LOCAL = (SH.node, SH.qualifiedValueShape, SH["and"], SH["or"], SH.xone, SH["not"], SH.sparql,
              SH.targetNode, SH.rule, SH.closed)  # fmt: skip
_RDF_TYPE = ox.NamedNode(str(RDF.type))
_SUBCLASS = ox.NamedNode(str(RDFS.subClassOf))
#: Blank nodes become rdflib blank nodes with this prefix, as in ``importer.to_rdflib``, so that results
#: name the same node.
_BNODE_PREFIX = "b"


@dataclass(frozen=True)
class Locality:
    """Why the shapes can be checked chunk by chunk, and what a chunk must keep together.

    ``links`` are predicates whose subject and object must land in the same chunk: the predicates of
    ``sh:targetObjectsOf`` (the object becomes a focus node through that very triple), of inverse paths
    (the focus node's value sits in another node's triple) and of every step of a sequence or recursive path
    but the last (the next step reads the intermediate node's triples). ``targets_objects`` is the subset
    from ``sh:targetObjectsOf``: those objects are kept with their subject even when they have no triples.
    Everything else a shape reads is the focus node's own triples, and ``sh:class`` reads the ``rdf:type`` of
    its values, which each chunk receives as reference data.
    """

    links: frozenset[str]
    targets_objects: frozenset[str]


@cache
def locality(shapes: Graph | None = None) -> Locality | None:
    """What chunked validation must keep together for ``shapes``, or None if they are not node-local.

    ``shapes`` defaults to the shapes as validation runs them. None means some shape may read data beyond
    its focus node (``sh:node``, logical constraints, SPARQL constraints, ``sh:targetNode``, a SPARQL target
    that looks at other nodes, ``sh:closed``): such shapes are validated in one piece.

    >>> loc = locality()
    >>> sorted(p.rsplit("/", 1)[-1] for p in loc.links)
    ['address', 'geosparql#hasGeometry', 'ontology#sdgUnterziel', 'ontology#sdgZuordnung']
    """
    sg = shapes if shapes is not None else execution_shapes()
    if any(True for p in _NON_LOCAL for _ in sg.triples((None, p, None))):
        return None
    # Property shapes nested under property shapes validate value nodes: not node-local.
    for prop in set(sg.subjects(SH.path, None)):
        if (prop, SH.property, None) in sg:
            return None
    links: set[str] = set()
    for path in set(sg.objects(None, SH.path)):
        needed = _path_links(sg, path)
        if needed is None:
            return None
        links |= needed
    objects_of = {str(p) for p in sg.objects(None, SH.targetObjectsOf)}
    for target in set(sg.objects(None, SH.target)):
        if not _local_sparql_target(sg, target):
            return None
    return Locality(frozenset(links | objects_of), frozenset(objects_of))


def _path_links(sg: Graph, path: Node, *, last: bool = True) -> set[str] | None:
    """Predicates of ``path`` whose subject and object must share a chunk; None for paths not understood."""
    if isinstance(path, URIRef):
        return set() if last else {str(path)}
    inverse = sg.value(path, SH.inversePath)
    if inverse is not None:
        return {str(inverse)} if isinstance(inverse, URIRef) else None
    for recursive in (SH.zeroOrMorePath, SH.oneOrMorePath, SH.zeroOrOnePath):
        inner = sg.value(path, recursive)
        if inner is not None:
            return {str(inner)} if isinstance(inner, URIRef) else None
    alternatives = sg.value(path, SH.alternativePath)
    if alternatives is not None:
        out: set[str] = set()
        for step in Collection(sg, alternatives):
            found = _path_links(sg, step, last=last)
            if found is None:
                return None
            out |= found
        return out
    if sg.value(path, RDF.first) is not None:
        steps = list(Collection(sg, path))
        out = set()
        for i, step in enumerate(steps):
            found = _path_links(sg, step, last=i == len(steps) - 1)
            if found is None:
                return None
            out |= found
        return out
    return None


def _local_sparql_target(sg: Graph, target: Node) -> bool:
    """True when a SPARQL-based target only reads triples whose subject is ``?this``."""
    select = sg.value(target, SH.select)
    if select is None:
        return False
    namespaces = {}
    for ontology in sg.objects(target, SH.prefixes):
        for decl in sg.objects(ontology, SH.declare):
            prefix, ns = sg.value(decl, SH.prefix), sg.value(decl, SH.namespace)
            if prefix is not None and ns is not None:
                namespaces[str(prefix)] = str(ns)
    try:
        query = prepareQuery(str(select), initNs=namespaces)
    except Exception:  # noqa: BLE001 - anything rdflib cannot parse is treated as not local
        return False
    this = Variable("this")
    patterns = list(_patterns(query.algebra))
    return bool(patterns) and all(s == this and isinstance(p, (URIRef, Variable)) for s, p, _ in patterns)


def _patterns(node: object) -> Iterator[tuple]:
    if isinstance(node, dict):  # rdflib's CompValue is a dict of its parts
        if getattr(node, "name", None) == "BGP":
            yield from node["triples"]
        for value in node.values():
            yield from _patterns(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            yield from _patterns(value)


# -- two passes per chunk -----------------------------------------------------------------------------------

# Parameters that do not constrain anything: a shape left with only these is not evaluated in a pass.
_NOT_CONSTRAINTS = {RDF.type, SH.path, SH.severity, SH.message, SH.name, SH.description, SH.order, SH.group,
                    SH.deactivated, SH.targetClass, SH.targetObjectsOf, SH.targetSubjectsOf, SH.target,
                    SH.targetNode, SH.property, SH.declare, SH.prefixes, SH.select, SH.prefix, SH.namespace,
                    SH.flags, SH.defaultValue}  # fmt: skip
_TARGET_PARAMS = (SH.targetClass, SH.targetObjectsOf, SH.targetSubjectsOf, SH.target, SH.targetNode)


@cache
def split_shapes() -> tuple[Graph, Graph]:
    """The execution shapes in two passes: everything but ``sh:class``, and ``sh:class`` alone.

    Why: ``sh:class`` needs the types of nodes in other chunks, and every typed node is a target of its
    class's shapes. Given those types in the same pass as ``sh:minCount`` & co., each referenced node would
    fail "needs a name" and the like, results pySHACL builds at about 0.5 ms each only for them to be dropped
    (measured: three times the validation time of partnership chunks). In the second pass the referenced
    nodes have no values, so ``sh:class`` finds nothing to report on them. Each constraint is still checked
    once, by the shape of the same IRI with the same severity and message, so the results are the same.
    """
    flat = execution_shapes()
    first, second = Graph(), Graph()
    first += flat
    second += flat
    for shape in set(flat.subjects(SH.path, None)) | set(flat.subjects(RDF.type, SH.NodeShape)):
        params = {p for p in flat.predicates(shape, None) if p not in _NOT_CONSTRAINTS}
        for graph, kept in ((first, params - {SH["class"]}), (second, params & {SH["class"]})):
            for p in params - kept:
                graph.remove((shape, p, None))
            if not kept:  # nothing left to check in this pass: do not even look for its focus nodes
                for p in _TARGET_PARAMS:
                    graph.remove((shape, p, None))
    return first, second


# -- planning ------------------------------------------------------------------------------------------------


@dataclass
class _Plan:
    chunks: list[array]  # triple indices per chunk, in data order within a chunk
    chunk_of: array  # node id -> chunk number
    ids: dict  # ox term (subject or linked object) -> node id
    types: dict[int, list[int]]  # node id -> indices of its rdf:type triples
    schema: list[int]  # indices of rdfs:subClassOf triples (every chunk needs the class hierarchy)


def plan_chunks(triples: Sequence[ox.Triple], *, size: int = CHUNK_TRIPLES,
                loc: Locality | None = None) -> list[list[int]]:
    """Group triple indices into chunks that can be validated on their own.

    All triples of one subject share a chunk, and so do the two ends of every ``loc.links`` triple. Groups are
    packed in data order until a chunk holds at least ``size`` triples. Without ``loc`` (shapes that are not
    node-local) everything is one chunk.

    >>> a, b, p = ox.NamedNode("urn:a"), ox.NamedNode("urn:b"), ox.NamedNode("urn:p")
    >>> ts = [ox.Triple(a, p, b), ox.Triple(b, p, ox.Literal("x")), ox.Triple(a, p, ox.Literal("y"))]
    >>> plan_chunks(ts, size=1, loc=Locality(frozenset(), frozenset()))
    [[0, 2], [1]]
    >>> plan_chunks(ts, size=1, loc=Locality(frozenset({"urn:p"}), frozenset()))
    [[0, 1, 2]]
    """
    return [list(c) for c in _plan(triples, size=size, loc=loc).chunks]


def _plan(triples: Sequence[ox.Triple], *, size: int, loc: Locality | None) -> _Plan:
    n = len(triples)
    ids: dict = {}
    owner = array("i", bytes(4 * n))
    parent = array("i")
    types: dict[int, list[int]] = {}
    schema: list[int] = []
    links = {ox.NamedNode(p) for p in loc.links} if loc is not None else set()
    always = {ox.NamedNode(p) for p in loc.targets_objects} if loc is not None else set()
    pending: list[tuple[int, object, bool]] = []

    def node_id(term) -> int:
        i = ids.get(term)
        if i is None:
            i = ids[term] = len(parent)
            parent.append(i)
        return i

    last_s, last_id = None, -1
    for i, t in enumerate(triples):
        s = t.subject
        if s != last_s:
            last_s, last_id = s, node_id(s)
        owner[i] = last_id
        p = t.predicate
        if p == _RDF_TYPE:
            types.setdefault(last_id, []).append(i)
        elif p == _SUBCLASS:
            schema.append(i)
        if p in links:
            o = t.object
            if not isinstance(o, ox.Literal):
                pending.append((last_id, o, p in always))

    def find(i: int) -> int:
        root = i
        while parent[root] != root:
            root = parent[root]
        while parent[i] != root:
            parent[i], i = root, parent[i]
        return root

    for sid, o, always_link in pending:
        # Objects without triples are linked only where they become focus nodes through the triple
        # (sh:targetObjectsOf); a vocabulary concept reached by a path step must not glue chunks together.
        oid = ids.get(o) if not always_link else node_id(o)
        if oid is not None:
            a, b = find(sid), find(oid)
            if a != b:
                parent[max(a, b)] = min(a, b)  # the earlier node stays the root: chunks follow data order

    chunk_of = array("i", bytes(4 * len(parent)))
    if loc is None:
        return _Plan([array("I", range(n))], chunk_of, ids, types, schema)
    # Pack groups in order of first appearance; a group's size is known only after the pass, so count first.
    group_size: dict[int, int] = {}
    for i in range(n):
        root = find(owner[i])
        group_size[root] = group_size.get(root, 0) + 1
    group_chunk: dict[int, int] = {}
    filled, current = 0, 0
    for root, count in group_size.items():  # dicts keep insertion order: data order
        if filled >= size:
            current, filled = current + 1, 0
        group_chunk[root] = current
        filled += count
    chunks = [array("I") for _ in range(current + 1)]
    for i in range(n):
        chunks[group_chunk[find(owner[i])]].append(i)
    for node in range(len(parent)):
        chunk_of[node] = group_chunk.get(find(node), -1)
    return _Plan(chunks, chunk_of, ids, types, schema)


# -- validation ----------------------------------------------------------------------------------------------


def validate_chunked(
    data: Sequence[ox.Triple],
    *,
    reference: Graph,
    reference_types: Iterable[ox.Triple] = (),
    size: int = CHUNK_TRIPLES,
    workers: int | None = None,
) -> ValidationReport:
    """Validate ``data`` against the shapes chunk by chunk, with the results of one ``validate()`` call.

    Each chunk is validated by :func:`bildungsnetz.validate.shacl.validate`'s own pySHACL run over the chunk's
    triples plus, as reference (looked up, never reported): ``reference`` (vocabularies, city profiles), the
    ``rdf:type`` triples of every node the chunk points at that lives in another chunk or in
    ``reference_types`` (types of actors in the store), and the class hierarchy of the data. The shapes are
    node-local (see :func:`locality`), so every focus node sees exactly what it would see in one big graph;
    shapes that are not are validated in one piece.

    Parameters
    ----------
    data : sequence of pyoxigraph.Triple
        What the import would write.
    reference : rdflib.Graph
        Reference data the data points at.
    reference_types : iterable of pyoxigraph.Triple
        ``rdf:type`` triples of referenced nodes read from the store.
    size : int
        Triples per chunk.
    workers : int, optional
        Worker processes for more than two chunks (default: up to 2, the cores of the machines we run on).

    Returns
    -------
    ValidationReport
        Sorted like :func:`bildungsnetz.validate.shacl.validate`'s report; no file/row tracing.

    Examples
    --------
    >>> n = ox.NamedNode
    >>> k = n("https://w3id.org/bildungsnetz/id/kooperation/K-1")
    >>> t = ox.Triple(k, n(str(RDF.type)), n("https://w3id.org/bildungsnetz/ontology#Kooperation"))
    >>> report = validate_chunked([t], reference=Graph())
    >>> report.conforms, sorted({v.shape.rsplit("#")[1] for v in report.errors})
    (False, ['Kooperation-partner'])
    """
    loc = locality()
    frozen = gc.isenabled()
    gc.disable()  # millions of long-lived objects: the cyclic collector would rescan them again and again
    try:
        plan = _plan(data, size=size, loc=loc)
        store_types: dict = {}
        for t in reference_types:
            store_types.setdefault(t.subject, []).append(t)
        jobs = (_job(data, plan, k, store_types) for k in range(len(plan.chunks)))
        n_workers = workers if workers is not None else min(2, os.cpu_count() or 1)
        static = [(s, p, o) for s, p, o in reference]
        if len(plan.chunks) <= 2 or n_workers <= 1:
            _init(static)
            violations = [v for job in jobs for v in _check(*job)]
        else:
            violations = _parallel(jobs, static, n_workers)
    finally:
        if frozen:
            gc.enable()
    return ValidationReport.of(dict.fromkeys(violations))  # a node reached from two chunks is reported once


def _parallel(jobs: Iterator[tuple[bytes, bytes]], static: list, n_workers: int) -> list[Violation]:
    # spawn, not fork: the parent holds pyoxigraph/RocksDB threads, and a fresh worker holds only its chunk.
    ctx = multiprocessing.get_context("spawn")
    out: list[Violation] = []
    # Workers die with this process (a kill -9 of an import left them running forever).
    with ProcessPoolExecutor(n_workers, mp_context=ctx, initializer=_init_worker,
                             initargs=(static, os.getpid())) as pool:
        pending = []
        for job in jobs:
            pending.append(pool.submit(_check, *job))
            if len(pending) >= 2 * n_workers:  # a bounded queue: chunks in flight, not the whole import
                out += pending.pop(0).result()
        for future in pending:
            out += future.result()
    return out


def _job(data: Sequence[ox.Triple], plan: _Plan, k: int, store_types: dict) -> tuple[bytes, bytes]:
    """One chunk as N-Triples: its own triples, and the reference triples it needs from elsewhere."""
    own = [data[i] for i in plan.chunks[k]]
    ref_idx: set[int] = set(plan.schema)
    ref_extra: list[ox.Triple] = []
    seen: set = set()
    for t in own:
        o = t.object
        if isinstance(o, ox.Literal) or o in seen:
            continue
        seen.add(o)
        oid = plan.ids.get(o)
        if oid is not None and plan.chunk_of[oid] != k:
            ref_idx.update(plan.types.get(oid, ()))
        extra = store_types.get(o)
        if extra:
            ref_extra += extra
    refs = [data[i] for i in sorted(ref_idx)] + ref_extra
    return (ox.serialize(own, format=ox.RdfFormat.N_TRIPLES),
            ox.serialize(refs, format=ox.RdfFormat.N_TRIPLES))  # fmt: skip


_STATIC: Graph | None = None
_STATIC_SUBJECTS: set = set()


def _init_worker(static: list, parent: int) -> None:
    """Per worker process: die with the import that started it, then load the reference data."""
    tie_to_parent(parent)
    _init(static)


def _init(static: list) -> None:
    """Per process: the reference data every chunk shares."""
    global _STATIC, _STATIC_SUBJECTS
    g = Graph()
    g.addN((s, p, o, g) for s, p, o in static)
    _STATIC, _STATIC_SUBJECTS = g, set(g.subjects())


def _check(own: bytes, refs: bytes) -> list[Violation]:
    """Validate one chunk in two pySHACL passes (:func:`split_shapes`); report only the chunk's own nodes."""
    work = Graph()
    work += _STATIC
    convert = _converter()
    subjects: set = set()
    ref_subjects: set = set()

    def keep(node: Node) -> bool:
        # as validate(): the import's own nodes, and nodes neither the import nor the reference describes
        return node in subjects or not (node in ref_subjects or node in _STATIC_SUBJECTS)

    first, second = split_shapes()
    ref_rows = list(_noting(to_rdflib_triples(
        (q.triple for q in ox.parse(refs, ox.RdfFormat.N_TRIPLES)), convert), ref_subjects))
    rows = to_rdflib_triples((q.triple for q in ox.parse(own, ox.RdfFormat.N_TRIPLES)), convert)
    work.addN((s, p, o, work) for s, p, o in _noting(rows, subjects))
    found = run_pyshacl(work, first, keep)
    work.addN((s, p, o, work) for s, p, o in ref_rows)
    return found + run_pyshacl(work, second, keep)


def _noting(rows: Iterable[tuple], described: set) -> Iterator[tuple]:
    for row in rows:
        described.add(row[0])
        yield row


def _converter():
    cache: dict = {}

    def term(t):
        hit = cache.get(t)
        if hit is None:
            hit = cache[t] = rdflib_term(t, _BNODE_PREFIX)
        return hit

    return term


def to_rdflib_triples(triples: Iterable[ox.Triple], term=None) -> Iterator[tuple[Node, Node, Node]]:
    """rdflib term triples of pyoxigraph triples; each distinct term is built once (IRIs, dates repeat).

    >>> t = ox.Triple(ox.NamedNode("urn:a"), ox.NamedNode("urn:p"), ox.BlankNode("x"))
    >>> [tuple(map(str, r)) for r in to_rdflib_triples([t])]
    [('urn:a', 'urn:p', 'bx')]
    """
    term = term or _converter()
    for t in triples:
        yield term(t.subject), term(t.predicate), term(t.object)

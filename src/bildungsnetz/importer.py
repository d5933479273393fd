"""The import pipeline: map sources, validate them with their reference data, swap the source's graphs atomically."""

from __future__ import annotations

import dataclasses
import hashlib
import re
import time
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from .errors import InputError, UsageError
from .ingest import SourceFile, Staged
from .iris import Iris
from .namespace import BN, PROV
from .store import Store
from .validate import ValidationReport, Violation

__all__ = ["ImportResult", "import_files", "detect_kind", "source_name", "KINDS", "RDF_SUFFIXES"]

RDF_SUFFIXES = {".ttl", ".nt", ".nq", ".trig", ".jsonld", ".json-ld", ".json", ".rdf", ".xml", ".owl"}
TABLE_SUFFIXES = {".csv", ".xlsx", ".xlsm"}
#: What ``--kind`` accepts: a family, or one spreadsheet table.
KINDS = ("tabelle", "schulliste", "rdf")

_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_XSD = "http://www.w3.org/2001/XMLSchema#"
_DCT = "http://purl.org/dc/terms/"
_SOURCE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")


@dataclass
class ImportResult:
    """What an import did, for the CLI summary, the API response and the report files."""

    source: str
    kinds: list[str]
    files: list[SourceFile]
    report: ValidationReport
    notes: list[str] = field(default_factory=list)
    rows: int = 0
    triples: int = 0
    private_triples: int = 0
    imported: bool = False
    dry_run: bool = False
    unchanged: bool = False
    timings: dict[str, float] = field(default_factory=dict)
    origins: dict = field(default_factory=dict, repr=False)

    @property
    def exit_code(self) -> int:
        """0 imported (or would import), 1 validation failed and nothing was written."""
        return 0 if self.report.conforms else 1

    def to_dict(self) -> dict:
        """JSON-ready summary with the full report."""
        return {
            "ok": self.report.conforms,
            "source": self.source,
            "kinds": self.kinds,
            "files": [{"name": f.path.name, "sha256": f.sha256, "kind": f.kind, "rows": f.rows} for f in self.files],
            "rows": self.rows,
            "triples": self.triples,
            "private_triples": self.private_triples,
            "imported": self.imported,
            "dry_run": self.dry_run,
            "unchanged": self.unchanged,
            "notes": self.notes,
            "timings_s": {k: round(v, 3) for k, v in self.timings.items()},
            "report": self.report.to_dict(),
        }


def source_name(paths: Sequence[Path], given: str | None) -> str:
    """The source name: given, or the first file's stem. One source = one named graph.

    >>> source_name([Path("Akteure 2024.xlsx")], None)
    'Akteure-2024'
    """
    name = given if given is not None else re.sub(r"[^A-Za-z0-9._-]+", "-", paths[0].stem).strip("-.")
    if not _SOURCE_NAME.match(name or ""):
        raise UsageError(
            f"--source {name!r}: nur Buchstaben, Ziffern, . _ - (höchstens 80) / only letters, digits, . _ - (max 80)"
        )
    return name


def detect_kind(path: Path, given: str | None = None) -> str:
    """``tabelle``, ``schulliste`` or ``rdf`` from ``--kind``, the extension and the header."""
    if given:
        from .ingest import TABLES

        if given in KINDS:
            return given
        if given in TABLES:
            return "tabelle"
        raise UsageError(
            f"--kind {given!r}: erlaubt sind {', '.join(KINDS)} oder eine Tabelle ({', '.join(TABLES)}) / "
            f"allowed are {', '.join(KINDS)} or a table name"
        )
    suffix = path.suffix.lower()
    if suffix in RDF_SUFFIXES:
        return "rdf"
    if suffix == ".csv":
        from .ingest.schools import looks_like_school_list

        return "schulliste" if looks_like_school_list(path) else "tabelle"
    if suffix in TABLE_SUFFIXES:
        return "tabelle"
    raise InputError(
        f"{path.name}: Dateityp {suffix or '(ohne Endung)'} unbekannt – erwartet CSV, XLSX oder RDF / "
        f"unknown file type – expected CSV, XLSX or RDF (ttl, nt, nq, trig, jsonld, rdf)"
    )


def _check_readable(paths: Sequence[Path]) -> None:
    if not paths:
        raise UsageError("keine Datei angegeben / no file given")
    for p in paths:
        if not p.is_file():
            raise InputError(f"{p}: Datei nicht gefunden / file not found")
        try:
            with p.open("rb") as fh:
                fh.read(1)
        except OSError as exc:
            raise InputError(f"{p}: Datei nicht lesbar / file cannot be read ({exc.strerror})") from None


def _merge(parts: Iterable[Staged]) -> Staged:
    out = Staged()
    for s in parts:
        out.data += s.data
        out.private += s.private
        out.origins.update(s.origins)
        out.references |= s.references
        out.files += s.files
        out.notes += s.notes
        out.rows += s.rows
        out.problems += s.problems
    return out


# -- reference data ----------------------------------------------------------------


def _reference_types(store: Store, iris: Iterable[str], described: set[str] | None = None) -> list[ox.Triple]:
    """rdf:type of referenced IRIs that this import does not describe itself, read from the store.

    Values are bound as IRI terms in a VALUES block, 400 at a time.
    """
    wanted = sorted(i for i in iris if not described or i not in described)
    out: list[ox.Triple] = []
    for start in range(0, len(wanted), 400):
        block = " ".join(str(ox.NamedNode(i)) for i in wanted[start : start + 400])
        sparql = "SELECT ?s ?t WHERE { VALUES ?s { " + block + " } ?s a ?t }"
        for row in store.select(sparql):
            s, t = row[0], row[1]
            if isinstance(s, ox.NamedNode) and isinstance(t, ox.NamedNode):
                out.append(ox.Triple(s, _RDF_TYPE, t))
    return out


def _city_reference(city: str, iris: Iris, extra_dirs: tuple[Path, ...]) -> Graph:
    from .cities import load_profile, profile_graph
    from .validate import reference_graph

    ref = Graph()
    ref += reference_graph(iris.base)
    profile = load_profile(city, extra_dirs=extra_dirs)
    if profile.source is None or profile.name not in _shipped_profiles():
        ref += profile_graph(profile, iris)
    return ref


def _shipped_profiles() -> set[str]:
    from .cities import list_profiles

    return {p.name for p in list_profiles()}


def to_rdflib(triples: Iterable[ox.Triple]) -> Graph:
    """An rdflib graph of pyoxigraph triples, building terms directly (no serialise/parse round trip).

    Each distinct term (IRI, date, code literal) is built once; blank nodes get the prefix ``b``.
    """
    from .validate_chunks import to_rdflib_triples

    g = Graph()
    g.addN((s, p, o, g) for s, p, o in to_rdflib_triples(triples))
    return g


def _trace(v: Violation, origins: dict) -> Violation:
    origin = origins.get(v.focus)
    if origin is None or v.row is not None:
        return v
    column = origin.columns.get(v.path) if v.path else None
    return dataclasses.replace(v, source_file=origin.file, row=origin.row, column=column)


def validate_staged(staged: Staged, *, store: Store, reference: Graph) -> ValidationReport:
    """Validate what a mapper staged: SHACL over the new data plus the reference it points at, and the
    mapper's own row-level problems, every result traced back to file, row and column.

    The SHACL part runs in chunks of related nodes (:func:`bildungsnetz.validate_chunks.validate_chunked`),
    on two worker processes for large imports, with the same results as one pySHACL run over everything:
    memory follows the chunk, not the import, and a small import costs a small validation.
    """
    from .validate_chunks import validate_chunked

    types: list[ox.Triple] = []
    if staged.references:
        described = {t.subject.value for t in staged.data if isinstance(t.subject, ox.NamedNode)}
        types = _reference_types(store, staged.references, described)
    shacl = validate_chunked(staged.data + staged.private, reference=reference, reference_types=types)
    violations = [_trace(v, staged.origins) for v in shacl.violations] + list(staged.problems)
    conforms = not any(v.severity == "Violation" for v in violations)
    return ValidationReport(conforms=conforms, violations=violations)


# -- provenance --------------------------------------------------------------------


def _lit(value: object, dtype: str | None = None) -> ox.Literal:
    return ox.Literal(str(value), datatype=ox.NamedNode(_XSD + dtype)) if dtype else ox.Literal(str(value))


def _meta_triples(
    *,
    iris: Iris,
    source: str,
    staged: Staged,
    report: ValidationReport,
    started: datetime,
    ended: datetime,
    agent: str,
    previous: list[ox.Triple],
    checksum: str,
) -> list[ox.Triple]:
    n = ox.NamedNode
    stamp = started.strftime("%Y%m%dT%H%M%S%fZ")
    activity = n(str(iris.import_(source, stamp)))
    data_graph = n(str(iris.graph(f"quelle/{source}")))
    private_graph = n(str(iris.graph(f"privat/{source}")))
    # Earlier import records of this source stay: the meta graph is the source's history.
    out = [t for t in previous if t.subject not in (data_graph, private_graph)]
    out += [
        ox.Triple(activity, _RDF_TYPE, n(str(BN.Import))),
        ox.Triple(activity, n(str(BN.quelle)), _lit(source)),
        ox.Triple(activity, n(str(PROV.startedAtTime)), _lit(started.isoformat(), "dateTime")),
        ox.Triple(activity, n(str(PROV.endedAtTime)), _lit(ended.isoformat(), "dateTime")),
        ox.Triple(activity, n(str(PROV.wasAssociatedWith)), n(str(iris.nutzer(agent)))),
        ox.Triple(activity, n(str(BN.anzahlZeilen)), _lit(staged.rows, "integer")),
        ox.Triple(activity, n(str(BN.anzahlTripel)), _lit(len(staged.data) + len(staged.private), "integer")),
        ox.Triple(activity, n(str(BN.konform)), _lit("true" if report.conforms else "false", "boolean")),
        ox.Triple(activity, n(str(BN.anzahlVerstoesse)), _lit(len(report.errors), "integer")),
        ox.Triple(activity, n(str(BN.anzahlWarnungen)), _lit(len(report.warnings), "integer")),
        ox.Triple(activity, n(str(PROV.generated)), data_graph),
    ]
    for i, f in enumerate(staged.files, start=1):
        entity = n(f"{activity.value}/datei/{i}")
        out += [
            ox.Triple(activity, n(str(PROV.used)), entity),
            ox.Triple(entity, _RDF_TYPE, n(str(BN.Quelldatei))),
            ox.Triple(entity, n(_DCT + "title"), _lit(f.path.name)),
            ox.Triple(entity, n(str(BN.pruefsumme)), _lit(f.sha256)),
            ox.Triple(entity, n(_DCT + "format"), _lit(f.kind)),
        ]
    for graph, triples, private in ((data_graph, staged.data, False), (private_graph, staged.private, True)):
        if private and not triples:
            continue
        out += [
            ox.Triple(graph, _RDF_TYPE, n(str(BN.Quellgraph))),
            ox.Triple(graph, n(str(BN.quelle)), _lit(source)),
            ox.Triple(graph, n(str(BN.privat)), _lit("true" if private else "false", "boolean")),
            ox.Triple(graph, n(str(BN.synthetisch)), _lit("false", "boolean")),
            ox.Triple(graph, n(str(BN.anzahlTripel)), _lit(len(triples), "integer")),
            ox.Triple(graph, n(str(BN.konform)), _lit("true" if report.conforms else "false", "boolean")),
            ox.Triple(graph, n(str(PROV.wasGeneratedBy)), activity),
            ox.Triple(graph, n(_DCT + "modified"), _lit(ended.isoformat(), "dateTime")),
        ]
        if not private:
            out.append(ox.Triple(graph, n(str(BN.inhaltsPruefsumme)), _lit(checksum)))
    return out


# -- the pipeline ------------------------------------------------------------------


class _StoreActors:
    """``iri in actors`` asks the store whether an actor with that IRI exists (for ``traeger`` references)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.known: dict[str, bool] = {}

    def __contains__(self, iri: object) -> bool:
        key = str(iri)
        if key not in self.known:
            sparql = "ASK { " + str(ox.NamedNode(key)) + " <" + str(BN.akteursart) + "> ?k }"
            self.known[key] = self.store.ask(sparql)
        return self.known[key]


def _map(
    paths: Sequence[Path],
    kinds: list[str],
    *,
    store: Store,
    iris: Iris,
    city: str,
    source: str,
    table: str | None,
    extra_dirs: tuple[Path, ...],
    today: date,
) -> Staged:
    parts: list[Staged] = []
    tables = [p for p, k in zip(paths, kinds, strict=True) if k == "tabelle"]
    if tables:
        from .ingest.tables import map_tables

        parts.append(
            map_tables(tables, city=city, iris=iris, source=source, kind=table, existing_actors=_StoreActors(store))
        )
    schools = [p for p, k in zip(paths, kinds, strict=True) if k == "schulliste"]
    if len(schools) > 1:
        # Each list would take the other's schools for closed ones: one school list per source.
        raise UsageError(
            "höchstens eine Schulliste je Import / at most one school list per import: "
            + ", ".join(p.name for p in schools)
        )
    if schools:
        from .cities import load_profile
        from .ingest.schools import map_schools

        profile = load_profile(city, extra_dirs=extra_dirs)
        previous = [q.triple for q in store.quads(str(iris.graph(f"quelle/{source}")))]
        for p in schools:
            parts.append(map_schools(p, profile=profile, iris=iris, source=source, previous=previous, today=today))
    rdf = [p for p, k in zip(paths, kinds, strict=True) if k == "rdf"]
    if rdf:
        from .ingest.rdf import map_rdf

        parts.append(map_rdf(rdf, source=source, iris=iris))
    return _merge(parts)


def import_files(
    paths: Sequence[Path | str],
    *,
    store: Store,
    iris: Iris | None = None,
    city: str = "dortmund",
    source: str | None = None,
    kind: str | None = None,
    dry_run: bool = False,
    agent: str = "bildungsnetz",
    extra_city_dirs: tuple[Path, ...] = (),
    progress: Callable[[str], None] | None = None,
) -> ImportResult:
    """Import files as one source: map, validate, then replace the source's graphs in one transaction.

    Nothing is written when validation finds a violation, when ``dry_run`` is set, or when the data is exactly
    what the store already holds for this source. Reference data (ontology, vocabularies, the city profile) is
    written into its own graphs in the same transaction if the store lacks it.

    Raises
    ------
    InputError
        A file is missing, unreadable or not of a known kind (exit code 2).
    UsageError
        A bad ``source`` or ``kind`` (exit code 2).
    """
    step = progress or (lambda _msg: None)
    iris = iris or Iris()
    paths = [Path(p) for p in paths]
    _check_readable(paths)
    name = source_name(paths, source)
    table = kind if kind not in (None, *KINDS) else None
    kinds = [detect_kind(p, kind) for p in paths]
    timings: dict[str, float] = {}
    started = datetime.now(UTC)

    t0 = time.perf_counter()
    step("Lese und wandle um / reading and mapping")
    staged = _map(paths, kinds, store=store, iris=iris, city=city, source=name, table=table,
                  extra_dirs=extra_city_dirs, today=started.date())  # fmt: skip
    timings["map"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    step("Prüfe gegen die Formen / validating against the shapes")
    reference = _city_reference(city, iris, extra_city_dirs)
    report = validate_staged(staged, store=store, reference=reference)
    timings["validate"] = time.perf_counter() - t0

    result = ImportResult(
        source=name,
        kinds=sorted(set(kinds)),
        files=staged.files,
        report=report,
        notes=staged.notes,
        rows=staged.rows,
        triples=len(staged.data),
        private_triples=len(staged.private),
        dry_run=dry_run,
        timings=timings,
        origins=staged.origins,
    )
    if not report.conforms or dry_run:
        return result

    t0 = time.perf_counter()
    # One writer from the check to the swap: two imports of one source at once must not both decide from the
    # same old state (one of them then wrongly "unchanged", or its swap lost).
    with store.writer():
        _write(store, result, staged=staged, report=report, iris=iris, name=name, city=city, agent=agent,
               started=started, extra_city_dirs=extra_city_dirs, step=step)  # fmt: skip
    timings["load"] = time.perf_counter() - t0
    return result


def _write(
    store: Store, result: ImportResult, *, staged: Staged, report: ValidationReport, iris: Iris, name: str,
    city: str, agent: str, started: datetime, extra_city_dirs: tuple[Path, ...], step: Callable[[str], None],
) -> None:  # fmt: skip
    """Compare with what the store holds for the source, then replace its graphs (the caller is the writer)."""
    data_graph = str(iris.graph(f"quelle/{name}"))
    private_graph = str(iris.graph(f"privat/{name}"))
    meta_graph = str(iris.graph(f"meta/{name}"))
    existing = set(store.named_graphs())
    checksum = content_checksum(staged.data, staged.private)
    if data_graph in existing and _stored_checksum(store, meta_graph, data_graph) == checksum:
        result.unchanged = True
        return
    step("Schreibe in den Speicher / writing to the store")
    previous_meta = [q.triple for q in store.quads(meta_graph)] if meta_graph in existing else []
    graphs: dict[str, list[ox.Triple]] = {data_graph: staged.data}
    if staged.private or private_graph in existing:
        graphs[private_graph] = staged.private
    graphs[meta_graph] = _meta_triples(
        iris=iris, source=name, staged=staged, report=report, started=started, ended=datetime.now(UTC),
        agent=agent, previous=previous_meta, checksum=checksum,
    )  # fmt: skip
    graphs.update(_missing_reference_graphs(existing, city, iris, extra_city_dirs))
    store.replace_graphs(graphs)
    result.imported = True


def content_checksum(data: list[ox.Triple], private: list[ox.Triple]) -> str:
    """A SHA-256 over the set of N-Triples lines an import produced (public, then private), in any order.

    Stored with the source graph (``bn:inhaltsPruefsumme``): a re-import with the same checksum changes nothing,
    on any store, however the store writes literals back (Oxigraph turns "12500.00" into "12500", Virtuoso
    rounds WKT coordinates).

    Each line is reduced to a 64-bit BLAKE2b hash, and the sorted, distinct hashes are digested: the set of
    lines, without holding it (sorting the lines themselves held 1.5 GB more at 100,000 actors, 4.6 million
    triples; this holds about 250 MB). Two different imports collide with a chance of about n²/2⁶⁵.

    >>> t = ox.Triple(ox.NamedNode("https://ex.org/a"), ox.NamedNode("https://ex.org/p"), ox.Literal("x"))
    >>> u = ox.Triple(ox.NamedNode("https://ex.org/b"), ox.NamedNode("https://ex.org/p"), ox.Literal("x"))
    >>> same = content_checksum([t, u], [])
    >>> same == content_checksum([u, t, t], []), same == content_checksum([t], [])
    (True, False)
    >>> content_checksum([t], []) == content_checksum([], [t])
    False
    """
    digest = hashlib.sha256()
    for part in (data, private):
        hashes = array("Q")
        for i in range(0, len(part), 100_000):
            blob = ox.serialize(part[i : i + 100_000], format=ox.RdfFormat.N_TRIPLES)
            hashes.extend(
                int.from_bytes(hashlib.blake2b(line, digest_size=8).digest(), "little") for line in blob.splitlines()
            )
        distinct = array("Q")
        previous = None
        for h in sorted(hashes):
            if h != previous:
                distinct.append(h)
                previous = h
        del hashes
        digest.update(distinct.tobytes())
        digest.update(b"\n--\n")
    return digest.hexdigest()


def _stored_checksum(store: Store, meta_graph: str, data_graph: str) -> str | None:
    sparql = (
        "SELECT ?c WHERE { GRAPH " + str(ox.NamedNode(meta_graph)) + " { " + str(ox.NamedNode(data_graph))
        + " <" + str(BN.inhaltsPruefsumme) + "> ?c } }"
    )  # fmt: skip
    for row in store.select(sparql):
        return row[0].value if row[0] is not None else None
    return None


def _missing_reference_graphs(existing: set[str], city: str, iris: Iris, extra_dirs: tuple[Path, ...]) -> dict:
    from .cities import load_profile
    from .reference import ontology_triples, rdflib_to_triples, vocabulary_triples

    out: dict[str, list[ox.Triple]] = {}
    if str(iris.graph("ontologie")) not in existing:
        out[str(iris.graph("ontologie"))] = ontology_triples()
    if str(iris.graph("vokabulare")) not in existing:
        out[str(iris.graph("vokabulare"))] = vocabulary_triples()
    profile = load_profile(city, extra_dirs=extra_dirs)
    city_graph = str(iris.graph(f"stadt/{profile.name}"))
    if city_graph not in existing:
        from .cities import profile_graph

        out[city_graph] = rdflib_to_triples(profile_graph(profile, iris))
    return out

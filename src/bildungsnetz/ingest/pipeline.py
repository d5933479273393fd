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
from typing import TYPE_CHECKING

import pyoxigraph as ox
from rdflib import Graph

from bildungsnetz.cities import CityProfile, CityRegistry
from bildungsnetz.errors import InputError, UsageError
from bildungsnetz.ingest import SourceFile, Staged
from bildungsnetz.ingest.sources import SOURCE_NAME, source_graphs
from bildungsnetz.iris import Iris
from bildungsnetz.namespace import BN, PROV
from bildungsnetz.queries import bind_terms, get
from bildungsnetz.reference import missing_reference_graphs
from bildungsnetz.store import Store
from bildungsnetz.validate.report import ValidationReport, Violation

if TYPE_CHECKING:
    from bildungsnetz.ingest.change import Change
    from bildungsnetz.ingest.guarded import ChildLimits
    from bildungsnetz.ingest.names import NameLinker
    from bildungsnetz.ingest.tables import ReadLimits
    from bildungsnetz.ingest.versions import Versions

__all__ = [
    "EmptyImport",
    "ImportInterrupted",
    "ImportResult",
    "import_files",
    "detect_kind",
    "source_name",
    "KINDS",
    "RDF_SUFFIXES",
]

RDF_SUFFIXES = {".ttl", ".nt", ".nq", ".trig", ".jsonld", ".json-ld", ".json", ".rdf", ".xml", ".owl"}
TABLE_SUFFIXES = {".csv", ".xlsx", ".xlsm"}
#: What ``--kind`` accepts: a family, or one spreadsheet table.
KINDS = ("tabelle", "schulliste", "rdf")

_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_XSD = "http://www.w3.org/2001/XMLSchema#"
_DCT = "http://purl.org/dc/terms/"


class EmptyImport(InputError):
    """The files hold no data row: importing them would empty the source. Refused (exit 1, HTTP 400)."""

    exit_code = 1
    http_status = 400


class ImportInterrupted(KeyboardInterrupt):
    """Ctrl-C during an import, telling whether the new data had already been swapped in.

    ``written`` is True (the new data is in), False (nothing changed) or None (the store could not be asked).
    """

    def __init__(self, source: str, written: bool | None) -> None:
        self.source, self.written = source, written
        if written:
            message = (
                f"Abgebrochen – die neuen Daten der Quelle »{source}« waren schon gespeichert und bleiben / "
                f"interrupted – the new data of source »{source}« had already been stored and stays"
            )
        elif written is None:
            message = (
                f"Abgebrochen – ob die neuen Daten der Quelle »{source}« gespeichert sind, ist unklar; "
                f"'bildungsnetz graphs' zeigt den Stand / interrupted – whether the new data of source »{source}« "
                "was stored is unknown; 'bildungsnetz graphs' shows what the store holds"
            )
        else:
            message = "Abgebrochen, nichts geändert / interrupted, nothing changed"
        super().__init__(message)
        self.message = message


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
    #: What the import changes (or would change) in the source; None when validation failed.
    change: Change | None = None
    #: The version this import was recorded as (``source@n``), when it wrote and a history is kept.
    version: str | None = None
    #: Names this import put on the review list (no safe match; see ``names`` of :func:`import_files`).
    queued: int = 0

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
            "change": self.change.to_dict() if self.change is not None else None,
            "version": self.version,
            "queued": self.queued,
            "timings_s": {k: round(v, 3) for k, v in self.timings.items()},
            "report": self.report.to_dict(),
        }


def source_name(paths: Sequence[Path], given: str | None) -> str:
    """The source name: given, or the first file's stem. One source = one named graph.

    >>> source_name([Path("Akteure 2024.xlsx")], None)
    'Akteure-2024'
    """
    name = given if given is not None else re.sub(r"[^A-Za-z0-9._-]+", "-", paths[0].stem).strip("-.")
    if not SOURCE_NAME.match(name or ""):
        raise UsageError(
            f"--source {name!r}: nur Buchstaben, Ziffern, . _ - (höchstens 80) / only letters, digits, . _ - (max 80)"
        )
    return name


def detect_kind(path: Path, given: str | None = None) -> str:
    """``tabelle``, ``schulliste`` or ``rdf`` from ``--kind``, the extension and the header."""
    if given:
        from bildungsnetz.ingest import TABLES

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
        from bildungsnetz.ingest.schools import looks_like_school_list

        return "schulliste" if looks_like_school_list(path) else "tabelle"
    if suffix in TABLE_SUFFIXES:
        return "tabelle"
    raise InputError(
        f"{path.name}: Dateityp {suffix or '(ohne Endung)'} unbekannt – erwartet CSV, XLSX oder RDF / "
        f"unknown file type – expected CSV, XLSX or RDF (ttl, nt, nq, trig, jsonld, rdf)"
    )


def _expand_folders(paths: Sequence[Path]) -> list[Path]:
    """A folder stands for the CSV and XLSX files in it (docs/import.md, "Ordner"); an empty one is an error."""
    from bildungsnetz.ingest.tables import expand_paths

    out: list[Path] = []
    for p in paths:
        found = expand_paths([p])
        if p.is_dir() and not found:
            raise InputError(f"{p}: Ordner ohne CSV- oder XLSX-Datei / folder without a CSV or XLSX file")
        out += found
    return out


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
        out.unmatched += s.unmatched
    return out


# -- reference data ----------------------------------------------------------------


def _reference_types(store: Store, iris: Iterable[str], described: set[str] | None = None) -> list[ox.Triple]:
    """rdf:type of referenced IRIs that this import does not describe itself, read from the store.

    Values are bound as IRI terms (``queries/system/reference-types.rq``), 400 at a time.
    """
    wanted = sorted(i for i in iris if not described or i not in described)
    query = get("reference-types", folder="system")
    out: list[ox.Triple] = []
    for start in range(0, len(wanted), 400):
        block = [ox.NamedNode(i) for i in wanted[start : start + 400]]
        for row in store.select(bind_terms(query, {"s": block})):
            s, t = row[0], row[1]
            if isinstance(s, ox.NamedNode) and isinstance(t, ox.NamedNode):
                out.append(ox.Triple(s, _RDF_TYPE, t))
    return out


def _city_reference(profile: CityProfile, iris: Iris) -> Graph:
    """Vocabularies and city profiles the import is checked against: the shipped ones and the import's city."""
    from bildungsnetz.reference import _shipped_profiles, reference_graph

    others = [p for p in _shipped_profiles() if p.name != profile.name]
    return reference_graph(iris, profiles=[*others, profile])


def to_rdflib(triples: Iterable[ox.Triple]) -> Graph:
    """An rdflib graph of pyoxigraph triples, building terms directly (no serialise/parse round trip).

    Each distinct term (IRI, date, code literal) is built once; blank nodes get the prefix ``b``.
    """
    from bildungsnetz.validate.chunks import to_rdflib_triples

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

    The SHACL part runs in chunks of related nodes (:func:`bildungsnetz.validate.chunks.validate_chunked`),
    on two worker processes for large imports, with the same results as one pySHACL run over everything:
    memory follows the chunk, not the import, and a small import costs a small validation.
    """
    from bildungsnetz.validate.chunks import validate_chunked

    types: list[ox.Triple] = []
    if staged.references:
        described = {t.subject.value for t in staged.data if isinstance(t.subject, ox.NamedNode)}
        types = _reference_types(store, staged.references, described)
    shacl = validate_chunked(staged.data + staged.private, reference=reference, reference_types=types)
    # A name left unlinked is reported once, by its own problem, not again as a partner the shapes miss.
    named = {(v.focus, v.path) for v in staged.problems if v.shape.endswith("#import-name")}
    violations = [_trace(v, staged.origins) for v in shacl.violations if (v.focus, v.path) not in named]
    violations += staged.problems
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
    activity = _activity(iris, source, started)
    data_graph, private_graph, _ = (n(g) for g in source_graphs(iris, source))
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


def _activity(iris: Iris, source: str, started: datetime) -> ox.NamedNode:
    """The IRI of one import's PROV record."""
    return ox.NamedNode(str(iris.import_(source, started.strftime("%Y%m%dT%H%M%S%fZ"))))


# -- the pipeline ------------------------------------------------------------------


class _StoreActors:
    """``iri in actors`` asks the store whether an actor with that IRI exists (for ``traeger`` references)."""

    query, param = "actor-kind", "actor"

    def __init__(self, store: Store) -> None:
        self.store = store
        self.known: dict[str, bool] = {}

    def __contains__(self, iri: object) -> bool:
        key = str(iri)
        if key not in self.known:
            query = bind_terms(get(self.query, folder="system"), {self.param: [ox.NamedNode(key)]})
            self.known[key] = any(True for _ in self.store.select(query))
        return self.known[key]


class _StoreResources(_StoreActors):
    """``iri in resources`` asks the store whether it holds a resource with that IRI (own indicators, campuses)."""

    query, param = "resource-kind", "resource"


def _stored_indicators(store: Store) -> dict[str, tuple[str, str]]:
    """The city's own indicators in the store, by folded code and label: (IRI, district level or "")."""
    from bildungsnetz.ingest.tables.read import fold_column

    found: dict[str, tuple[str, str]] = {}
    for row in store.select(get("own-indicators", folder="system").text):
        iri, code, label, level = (getattr(v, "value", v) if v is not None else "" for v in row)
        found[fold_column(code)] = (str(iri), str(level))
        found.setdefault(fold_column(label), (str(iri), str(level)))
    return found


def _map(
    paths: Sequence[Path],
    kinds: list[str],
    *,
    store: Store,
    iris: Iris,
    source: str,
    table: str | None,
    profile: CityProfile,
    today: date,
    limits: ReadLimits | None,
    child: ChildLimits | None,
    names: NameLinker | None = None,
) -> Staged:
    parts: list[Staged] = []
    tables = [p for p, k in zip(paths, kinds, strict=True) if k == "tabelle"]
    if tables:
        from functools import partial

        from bildungsnetz.ingest.tables import ReadLimits, map_tables, read_tables

        limits = limits or ReadLimits.from_settings()
        if child is not None:
            from bildungsnetz.ingest.guarded import child_reader

            read = child_reader(tables, kind=table, limits=limits, child=child)
        else:
            read = partial(read_tables, limits=limits)
        parts.append(
            map_tables(tables, city=profile.name, profile=profile, iris=iris, source=source, kind=table,
                       existing_actors=_StoreActors(store), read=read, names=names,
                       existing_resources=_StoreResources(store), stored_indicators=_stored_indicators(store))
        )
    schools = [p for p, k in zip(paths, kinds, strict=True) if k == "schulliste"]
    if len(schools) > 1:
        # Each list would take the other's schools for closed ones: one school list per source.
        raise UsageError(
            "höchstens eine Schulliste je Import / at most one school list per import: "
            + ", ".join(p.name for p in schools)
        )
    if schools:
        from bildungsnetz.ingest.schools import map_schools

        previous = [q.triple for q in store.quads(str(iris.graph(f"quelle/{source}")))]
        for p in schools:
            parts.append(map_schools(p, profile=profile, iris=iris, source=source, previous=previous, today=today))
    rdf = [p for p, k in zip(paths, kinds, strict=True) if k == "rdf"]
    if rdf:
        from bildungsnetz.ingest.rdf import map_rdf

        parts.append(map_rdf(rdf, source=source, iris=iris))
    return _merge(parts)


def import_files(
    paths: Sequence[Path | str],
    *,
    store: Store,
    iris: Iris | None = None,
    city: str | CityProfile = "dortmund",
    source: str | None = None,
    kind: str | None = None,
    dry_run: bool = False,
    agent: str = "bildungsnetz",
    registry: CityRegistry | None = None,
    progress: Callable[[str], None] | None = None,
    limits: ReadLimits | None = None,
    child: ChildLimits | None = None,
    allow_removals: int | None = None,
    versions: Versions | None = None,
    names: NameLinker | None = None,
) -> ImportResult:
    """Import files as one source: map, validate, then replace the source's graphs in one transaction.

    ``city`` is a loaded profile, or a name that ``registry`` resolves (default: the shipped profiles, the
    store's cities). Nothing is written when validation finds a violation, when ``dry_run`` is set, or when
    the data is exactly what the store already holds for this source. Reference data (ontology, vocabularies,
    the city profile) is written into its own graphs in the same transaction if the store lacks it.

    Spreadsheets are read within ``limits`` (default: the settings); with ``child`` they are read in a child
    process under those memory and CPU limits (the API and the web pages do this with uploads).

    The change against what the source holds (``result.change``: new, changed, removed rows per table) is
    computed for every valid import, dry runs included. An import that would remove more than a tenth of the
    source's rows, or all of them, is refused unless ``allow_removals`` is exactly that number. With
    ``versions``, the source as it was is kept as a version before the write (:mod:`bildungsnetz.ingest.versions`).

    With ``names`` (a linker from :mod:`bildungsnetz.matching.linker`), a partner, member, provider, recipient
    or coordinator cell that holds a name instead of a known id is matched to the city's actors: a safe match is
    linked and noted in ``result.notes``; any other name with candidates is a violation naming them (so nothing
    is written), and goes to the review list, also on a dry run (``result.queued`` counts the new entries there).

    Raises
    ------
    InputError
        A file is missing, unreadable or not of a known kind (exit code 2).
    UsageError
        A bad ``source`` or ``kind`` (exit code 2).
    EmptyImport
        The files hold no data row, so the import would empty the source (exit code 1).
    RemovalsRefused
        The import would remove too many rows and ``allow_removals`` does not confirm their number (exit code 1).
    LimitExceeded
        A spreadsheet is over a limit (exit code 1, HTTP 413).
    ImportInterrupted
        Ctrl-C while writing, saying whether the new data had been stored.
    """
    step = progress or (lambda _msg: None)
    iris = iris or Iris()
    profile = city if isinstance(city, CityProfile) else (registry or CityRegistry(store=store, iris=iris)).load(city)
    paths = _expand_folders([Path(p) for p in paths])
    _check_readable(paths)
    name = source_name(paths, source)
    table = kind if kind not in (None, *KINDS) else None
    kinds = [detect_kind(p, kind) for p in paths]
    timings: dict[str, float] = {}
    started = datetime.now(UTC)

    t0 = time.perf_counter()
    step("Lese und wandle um / reading and mapping")
    staged = _map(paths, kinds, store=store, iris=iris, source=name, table=table, profile=profile,
                  today=started.date(), limits=limits, child=child, names=names)  # fmt: skip
    timings["map"] = time.perf_counter() - t0
    if not staged.data and not staged.private and not staged.problems:
        raise _empty(store, iris, name, staged, paths)

    t0 = time.perf_counter()
    step("Prüfe gegen die Formen / validating against the shapes")
    reference = _city_reference(profile, iris)
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
    if staged.unmatched and names is not None:
        result.queued = names.hold(staged.unmatched)  # decided there, the next import links them
    if not report.conforms:
        return result
    before = _preview_change(store, iris, name, staged, result)
    if dry_run:
        return result

    t0 = time.perf_counter()
    # One writer from the check to the swap: two imports of one source at once must not both decide from the
    # same old state (one of them then wrongly "unchanged", or its swap lost).
    with store.writer():
        _write(store, result, staged=staged, report=report, iris=iris, name=name, profile=profile, agent=agent,
               started=started, step=step, before=before, versions=versions,
               allow_removals=allow_removals)  # fmt: skip
    timings["load"] = time.perf_counter() - t0
    return result


def _write(
    store: Store, result: ImportResult, *, staged: Staged, report: ValidationReport, iris: Iris, name: str,
    profile: CityProfile, agent: str, started: datetime, step: Callable[[str], None], before: list[ox.Quad],
    versions: Versions | None, allow_removals: int | None,
) -> None:  # fmt: skip
    """Compare with what the store holds for the source, guard against large removals, keep the source's
    version, then replace its graphs (the caller is the writer)."""
    data_graph, private_graph, meta_graph = source_graphs(iris, name)
    existing = set(store.named_graphs())
    checksum = content_checksum(staged.data, staged.private)
    # The checksum sits in the meta graph: a source of contact persons only has no public graph to look at.
    if (
        meta_graph in existing
        and (data_graph in existing or not staged.data)
        and (private_graph in existing or not staged.private)
        and _stored_checksum(store, meta_graph, data_graph) == checksum
    ):
        result.unchanged = True
        return
    from bildungsnetz.ingest.change import guard_removals

    guard_removals(result.change, allow_removals)
    step("Schreibe in den Speicher / writing to the store")
    version = _record_version(versions, name, before, staged, result, agent)
    previous_meta = [q.triple for q in store.quads(meta_graph)] if meta_graph in existing else []
    graphs: dict[str, list[ox.Triple]] = {data_graph: staged.data}
    if staged.private or private_graph in existing:
        graphs[private_graph] = staged.private
    graphs[meta_graph] = _meta_triples(
        iris=iris, source=name, staged=staged, report=report, started=started, ended=datetime.now(UTC),
        agent=agent, previous=previous_meta, checksum=checksum,
    )  # fmt: skip
    # a profile's planning areas may have come after the store's city graph: write it again with them
    graphs.update(missing_reference_graphs(existing, profile, iris, refresh_city=bool(profile.planning_areas)))
    change = _as_change(store, graphs, before, previous_meta, existing, source_graphs(iris, name))
    try:
        try:
            if change is None:
                store.replace_graphs(graphs)
            else:
                store.change_graphs(change)
        except BaseException:
            if version is not None and versions is not None:
                versions.discard(version)
            raise
        result.imported = True
        step("Gespeichert / stored")
    except KeyboardInterrupt:
        # Ctrl-C may land just before or after the commit: ask the store whether this import's record is in.
        raise ImportInterrupted(name, True if result.imported else _recorded(store, meta_graph, iris, name,
                                                                             started)) from None


def _as_change(
    store: Store, graphs: dict[str, list[ox.Triple]], before: list[ox.Quad], meta_now: list[ox.Triple],
    existing: set[str], own: list[str],
) -> dict[str, tuple[list[ox.Triple], list[ox.Triple]]] | None:  # fmt: skip
    """The import as a change against ``before`` (the source as the preview read it), so that the store writes and
    the landscape recomputes only what differs; None when the source changed since the preview (its meta graph,
    read under the writer, or the size of a graph differs): then the graphs are replaced whole."""
    held: dict[str, set[ox.Triple]] = {g: set() for g in own}
    for q in before:
        held.setdefault(q.graph_name.value, set()).add(q.triple)
    meta = own[2]
    if held[meta] != set(meta_now):
        return None
    for g, ts in held.items():
        if g != meta and ((g in existing) != bool(ts) or (ts and store.count(g) != len(ts))):
            return None
    out: dict[str, tuple[list[ox.Triple], list[ox.Triple]]] = {}
    for g, triples in graphs.items():
        old = held[g] if g in held else {q.triple for q in store.quads(g)} if g in existing else set()
        new = dict.fromkeys(triples)
        out[g] = ([t for t in old if t not in new], [t for t in new if t not in old])
    return out


# -- change preview and versions (ingest/change.py, ingest/versions.py) -----------------------------------


def _preview_change(store: Store, iris: Iris, name: str, staged: Staged, result: ImportResult) -> list[ox.Quad]:
    """Read what the source holds, keep its SDG time stamps where the content is the same, and set
    ``result.change``. Returns the source's quads (the snapshot a version keeps)."""
    from bildungsnetz.ingest.change import compute_change
    from bildungsnetz.ingest.versions import read_source

    before = read_source(store, iris, name)
    data_graph, private_graph, _ = source_graphs(iris, name)
    old_data = [q.triple for q in before if q.graph_name.value == data_graph]
    old_private = [q.triple for q in before if q.graph_name.value == private_graph]
    staged.data = _keep_stamps(staged.data, old_data)
    result.change = compute_change(
        name, old_data=old_data, old_private=old_private, new_data=staged.data, new_private=staged.private,
        iris=iris, origins=staged.origins, store=store,
    )  # fmt: skip
    return before


_GENERATED = ox.NamedNode(str(PROV.generatedAtTime))


def _keep_stamps(new: list[ox.Triple], old: list[ox.Triple]) -> list[ox.Triple]:
    """``new`` with the stored ``prov:generatedAtTime`` of every subject whose other statements are unchanged.

    A spreadsheet's SDG assignments are stamped with the file's modification time; a copied or touched file
    with the same content must not count as new content, so an unchanged assignment keeps the time it has.
    """
    from bildungsnetz.ingest.change import _norm

    stamped = {t.subject for t in new if t.predicate == _GENERATED}
    if not stamped or not old:
        return new

    def statements(triples: list[ox.Triple]) -> tuple[dict, dict]:
        rest: dict = {}
        stamps: dict = {}
        for t in triples:
            if t.subject not in stamped:
                continue
            if t.predicate == _GENERATED:
                stamps.setdefault(t.subject, []).append(t.object)
            else:
                rest.setdefault(t.subject, set()).add((t.predicate.value, _norm(t.object)))
        return rest, stamps

    new_rest, _ = statements(new)
    old_rest, old_stamps = statements(old)
    keep = {s: old_stamps[s][0] for s in stamped
            if len(old_stamps.get(s, ())) == 1 and old_rest.get(s) == new_rest.get(s)}  # fmt: skip
    if not keep:
        return new
    return [ox.Triple(t.subject, t.predicate, keep[t.subject]) if t.predicate == _GENERATED and t.subject in keep
            else t for t in new]  # fmt: skip


def _record_version(
    versions: Versions | None, name: str, before: list[ox.Quad], staged: Staged, result: ImportResult, agent: str
) -> str | None:
    """Keep the source as it was before this import as a version; returns its id."""
    if versions is None:
        return None
    version = versions.record(
        name, before=before, action="import", agent=agent,
        files=[{"name": f.path.name, "sha256": f.sha256, "kind": f.kind, "rows": f.rows} for f in staged.files],
        counts={"rows": staged.rows, "triples": len(staged.data), "private_triples": len(staged.private)},
        change=result.change.to_dict() if result.change is not None else {},
    )  # fmt: skip
    result.version = version.id
    return version.id


def _recorded(store: Store, meta_graph: str, iris: Iris, source: str, started: datetime) -> bool | None:
    sparql = (
        "ASK { GRAPH " + str(ox.NamedNode(meta_graph)) + " { " + str(_activity(iris, source, started))
        + " a <" + str(BN.Import) + "> } }"
    )  # fmt: skip
    try:
        return store.ask(sparql)
    except BaseException:  # noqa: BLE001 - a second Ctrl-C or a broken connection: we cannot tell
        return None


def _empty(store: Store, iris: Iris, source: str, staged: Staged, paths: Sequence[Path]) -> EmptyImport:
    """The refusal of an import without data, saying what the source holds and how to empty it on purpose."""
    files = ", ".join(p.name for p in paths)
    held = 0
    for part in ("quelle", "privat"):
        sparql = ("SELECT (COUNT(*) AS ?n) WHERE { GRAPH " + str(ox.NamedNode(str(iris.graph(f"{part}/{source}"))))
                  + " { ?s ?p ?o } }")  # fmt: skip
        for row in store.select(sparql):
            held += int(row[0].value) if row[0] is not None else 0
    if held:
        de = (f"keine einzige Datenzeile; der Import würde die Quelle »{source}« leeren (sie hält {held} Tripel). "
              "Nichts geändert. Eine Quelle absichtlich leeren: bildungsnetz drop-source " + source)
        en = (f"not a single data row; importing would empty source »{source}« (it holds {held} triples). "
              "Nothing changed. To empty a source on purpose: bildungsnetz drop-source " + source)
    else:
        de = f"keine einzige Datenzeile; nichts zu importieren in die Quelle »{source}«. Nichts geändert"
        en = f"not a single data row; nothing to import into source »{source}«. Nothing changed"
    return EmptyImport(f"{files}: {de} / {en}")


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
    query = get("stored-checksum", folder="system")
    terms = {"meta": [ox.NamedNode(meta_graph)], "graph": [ox.NamedNode(data_graph)]}
    for row in store.select(bind_terms(query, terms)):
        return row[0].value if row[0] is not None else None
    return None



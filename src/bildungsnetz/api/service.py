"""The state behind the API: the store, a read copy, the prepared named queries, the graphs, the workers."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import threading
from collections import OrderedDict
from collections.abc import Mapping
from datetime import date as Date
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from bildungsnetz.analysis import graphs as g
from bildungsnetz.analysis.run import Analysis, run_analysis
from bildungsnetz.api.auth import Principal, TokenTable, hash_token
from bildungsnetz.api.errors import ApiError
from bildungsnetz.api.sparql.worker import Job, WorkerPool, WorkerSource, snapshot_store
from bildungsnetz.cities import CityProfile, CityProfileError, CityRegistry
from bildungsnetz.iris import Iris
from bildungsnetz.queries import PAGING, NamedQuery, Param, QueryResult, load_catalogue, run
from bildungsnetz.report.gaps import render
from bildungsnetz.settings import Settings
from bildungsnetz.store import EmbeddedStore, Store

__all__ = ["Service", "Page", "PRIVATE_PART"]

_log = logging.getLogger("bildungsnetz.api")
#: Named graphs under ``…/graph/privat/`` hold personal data: only role ``intern`` reads them.
PRIVATE_PART = "graph/privat/"
#: Virtuoso refuses an ORDER BY with LIMIT + OFFSET above its ``MaxSortedTopRows`` (default 10,000, error
#: SR353). Beyond this a remote store gets the query without LIMIT/OFFSET and the page is cut here.
REMOTE_SORTED_ROWS = 10_000


@dataclasses.dataclass(frozen=True)
class Page:
    """One page of rows, and whether more follow."""

    rows: list[dict[str, object]]
    columns: list[str]
    limit: int
    offset: int
    more: bool


def _strip_header(text: str) -> str:
    """The query without its comment header: shorter text for the binder and the engine to read."""
    lines = text.splitlines()
    start = 0
    while start < len(lines) and (not lines[start].strip() or lines[start].lstrip().startswith("#")):
        start += 1
    return "\n".join(lines[start:]) + "\n"


def _prepare(query: NamedQuery, *, max_limit: int) -> NamedQuery:
    """A copy for serving: header stripped, and ``limit``/``offset`` paging even where the file has none.

    The limit accepts one more than the API allows, so that one extra row tells whether a next page exists.
    """
    params = [p for p in query.params if not p.paging]
    params.append(Param("limit", "int", str(max_limit + 1), False, f"1..{max_limit + 1}"))
    params.append(Param("offset", "int", "0", False, "0..100000000"))
    return dataclasses.replace(query, text=_strip_header(query.text), params=tuple(params))


class Service:
    """Everything a request needs, created once at startup (see :func:`bildungsnetz.app.create_app`)."""

    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings = settings
        self.store = store
        self.iris = Iris(settings.base_iri)
        # Every city a request may name: shipped, added (BILDUNGSNETZ_CITIES_DIR) and held by the store.
        self.cities = CityRegistry.from_settings(settings, store=store)
        self.tokens = TokenTable(settings.api_tokens)
        self.embedded = isinstance(store, EmbeddedStore)
        #: A demo store (embedded, holding the demo city) also accepts the token ``bildungsnetz demo`` printed.
        self.demo_login = False
        if self.embedded and not settings.endpoint:
            from bildungsnetz.demo.login import DEMO_NAME, DEMO_ROLES, demo_token  # noqa: PLC0415

            token = demo_token(settings.store, store, self.iris)
            if token is not None:
                self.tokens.add(hash_token(token, roles=DEMO_ROLES, name=DEMO_NAME))
                self.demo_login = True
        self.catalogue: dict[str, NamedQuery] = load_catalogue()
        self.api_queries = load_catalogue(folder="api")
        cap = settings.row_cap
        self._prepared = {f"api/{n}": _prepare(q, max_limit=cap) for n, q in self.api_queries.items()}
        self._prepared.update({n: _prepare(q, max_limit=cap) for n, q in self.catalogue.items()})
        self._unpaged = {
            n: dataclasses.replace(q, params=tuple(p for p in q.params if not p.paging))
            for n, q in self._prepared.items()
        }
        #: What requests read: the store, or (embedded, ``api_memory_copy``) a copy in memory of it.
        self.reader: Store = store
        self.graphs: tuple[str, ...] = ()
        self.public_graphs: tuple[str, ...] = ()
        #: The ``/sparql`` default graph per role: the landscape, and the allowed graphs that are no source data.
        self.landscape_graphs: tuple[str, ...] = ()
        self.public_landscape: tuple[str, ...] = ()
        self.pool: WorkerPool | None = None
        self.write_lock = asyncio.Lock()
        #: The token command-line processes on this machine hand their writes over with (``None``: not announced).
        self.local_token: str | None = None
        self.generation = 0
        self._cache: dict[str, Any] = {}
        self._key_locks: dict[str, threading.Lock] = {}
        self._locks_lock = threading.Lock()
        # Query results per state of the store: only the embedded store, whose every write goes through this
        # process (it holds the store's lock), so that a write can empty the cache exactly.
        self._results: OrderedDict[tuple, QueryResult] = OrderedDict()
        self._results_size = settings.api_cache_size if self.embedded else 0

    @property
    def profile(self) -> CityProfile:
        """The city the service answers for (``Settings.city``, or the only city the store holds), loaded once
        per state of the store; :class:`~bildungsnetz.cities.CityNotFoundError` when no registry source knows it."""
        return self.cached("city:profile", self.cities.load)

    @property
    def city(self) -> str:
        """The name of :attr:`profile` (the configured name when no profile of that name exists)."""
        try:
            return self.profile.name
        except CityProfileError:
            return self.settings.city

    def _city(self) -> CityProfile | str:
        """What queries resolve district names with: the loaded profile, or the name (whose lookup then fails
        with a message naming the missing profile)."""
        try:
            return self.profile
        except CityProfileError:
            return self.settings.city

    # -- startup and writes ------------------------------------------------------------------------------

    def _memory_copy(self) -> EmbeddedStore | None:
        if not (isinstance(self.store, EmbeddedStore) and self.settings.api_memory_copy):
            return None
        return self.store.memory_copy()

    def refresh(self) -> None:
        """Re-read what the store holds: graph lists, read copy, cached results (blocking: use a thread)."""
        land = self.store.landscape
        views = [g for g in (land.view, land.private_view)
                 if self.store.ask(f"ASK {{ GRAPH {ox.NamedNode(g)} {{ ?s ?p ?o }} }}", union=True)]  # fmt: skip
        graphs = tuple(self.store.named_graphs()) + tuple(views)
        private = self.iris.base + PRIVATE_PART
        self.graphs = graphs
        self.public_graphs = tuple(g for g in graphs if not g.startswith(private))
        # The /sparql default graph reads the landscape where the store does (not on Virtuoso: docs/speicher.md).
        reads = getattr(self.store, "landscape_reads", True)
        self.landscape_graphs = tuple(land.dataset(self.graphs)) if reads else ()
        self.public_landscape = tuple(land.dataset(self.public_graphs)) if reads else ()
        copy = self._memory_copy()
        if copy is not None:
            self.reader = copy
        self._cache = {}
        self._key_locks = {}
        self._results = OrderedDict()
        self.generation += 1

    def worker_source(self) -> WorkerSource:
        """A fresh snapshot (embedded) or the endpoint (remote) for the ``/sparql`` workers."""
        if self.embedded:
            store: EmbeddedStore = self.store  # type: ignore[assignment]
            path = snapshot_store(store.oxigraph, store.path)
            return WorkerSource("embedded", path=str(path), memory_mb=self.settings.sparql_worker_memory_mb)
        s = self.settings
        password = s.endpoint_password.get_secret_value() if s.endpoint_password else None
        return WorkerSource(
            "remote", endpoint=s.endpoint, user=s.endpoint_user, password=password, memory_mb=s.sparql_worker_memory_mb
        )

    async def start(self) -> None:
        """Read the store and start the ``/sparql`` workers."""
        await asyncio.to_thread(self.refresh)
        source = await asyncio.to_thread(self.worker_source)
        s = self.settings
        self.pool = WorkerPool(
            source, size=s.sparql_workers, timeout=s.query_timeout, per_client=s.sparql_per_client, queue=s.sparql_queue
        )
        await self.pool.start()

    async def after_write(self) -> None:
        """After an import or a drop: fresh read copy, fresh graph lists, workers on a fresh snapshot."""
        await asyncio.to_thread(self.refresh)
        if self.pool is not None:
            source = await asyncio.to_thread(self.worker_source)
            await self.pool.reload(source)

    def close(self) -> None:
        """Stop the workers, remove their snapshot, flush the store."""
        if self.pool is not None:
            self.pool.close()
        self.store.close()

    # -- reading ----------------------------------------------------------------------------------------

    def allowed_graphs(self, who: Principal) -> tuple[str, ...]:
        """Graphs ``who`` may query: the public ones, and the private ones too for role ``intern``."""
        return self.graphs if who.intern else self.public_graphs

    def landscape_default(self, who: Principal) -> tuple[str, ...]:
        """The ``/sparql`` default graph for ``who``: the landscape (its private part for role ``intern``) and
        the allowed graphs that are no source's statements."""
        return self.landscape_graphs if who.intern else self.public_landscape

    def query(self, name: str, values: Mapping[str, object] | None = None) -> QueryResult:
        """Run a prepared named query (``api/…``: the API's own) on the read copy; rows of plain values."""
        query = self._prepared.get(name)
        if query is None:
            raise ApiError(500, "Interner Fehler / internal error")
        clean = {k: str(v) for k, v in (values or {}).items() if v is not None and v != ""}
        if not self.embedded:
            return self._remote(name, query, clean)
        if not self._results_size:
            return run(query, clean, store=self.reader, iris=self.iris, city=self._city())
        key = (name, Date.today(), tuple(sorted(clean.items())))  # "today" is a default: part of the key
        hit = self._results.get(key)
        if hit is not None:
            self._results.move_to_end(key)
            return hit
        result = run(query, clean, store=self.reader, iris=self.iris, city=self._city())
        if len(result.rows) <= 5_000:  # big answers are not kept: the cache stays small
            self._results[key] = result
            while len(self._results) > self._results_size:
                self._results.popitem(last=False)
        return result

    def _remote(self, name: str, query: NamedQuery, clean: dict[str, str]) -> QueryResult:
        """Run on a remote store; a page reaching past :data:`REMOTE_SORTED_ROWS` is cut here, not there."""
        limit = int(clean.get("limit") or query.param("limit").default or 0)
        offset = int(clean.get("offset") or 0)
        if limit + offset <= REMOTE_SORTED_ROWS:
            return run(query, clean, store=self.reader, iris=self.iris, city=self._city())
        rest = {k: v for k, v in clean.items() if k not in PAGING}
        result = run(self._unpaged[name], rest, store=self.reader, iris=self.iris, city=self._city())
        return QueryResult(result.columns, result.rows[offset : offset + limit])

    def page(self, name: str, values: Mapping[str, object] | None, *, limit: int, offset: int) -> Page:
        """One page of a named query: ``limit`` rows from ``offset``, and whether there are more."""
        clean = dict(values or {})
        clean["limit"] = limit + 1
        clean["offset"] = offset
        result = self.query(name, clean)
        return Page(result.rows[:limit], result.columns, limit, offset, len(result.rows) > limit)

    def cached(self, key: str, compute: Any) -> Any:
        """A value computed once per state of the store (district tree, SDG list, analysis …).

        The first caller computes; callers that ask for the same key meanwhile wait for that one computation
        (the API's and the web's threads alike). A value computed while an import refreshed the service goes to
        the old state's cache, never into the new one.
        """
        cache = self._cache
        if key in cache:
            return cache[key]
        with self._locks_lock:
            lock = self._key_locks.setdefault(key, threading.Lock())
        with lock:
            if key not in cache:
                cache[key] = compute()
            return cache[key]

    def city_data(self, date: str | Date | None = None) -> g.CityData:
        """Actors, districts, cooperations, networks and offers valid at ``date`` (default today), read once."""
        day = g.resolve_date(date)
        return self.cached(f"data:{day}", lambda: g.load(self.reader, date=day, iris=self.iris, city=self.city))

    def analysis(
        self,
        date: str | Date | None = None,
        *,
        ebene: str = "stadtbezirk",
        stadtbezirk: str | None = None,
        gruppe: str = "sektor",
    ) -> Analysis:
        """The network analysis at ``date``, computed once per state of the store for the API and the web pages.

        ``stadtbezirk`` is a Stadtbezirk's code (``None``: the whole city); see
        :func:`bildungsnetz.analysis.run.run_analysis`.
        """
        day = g.resolve_date(date)
        return self.cached(
            f"analysis:{day}:{ebene}:{stadtbezirk}:{gruppe}",
            lambda: run_analysis(self.city_data(day), ebene=ebene, stadtbezirk=stadtbezirk, gruppe=gruppe),
        )

    def gaps_report(self, fmt: str, *, date: str | Date | None = None, stadtbezirk: str | None = None) -> bytes:
        """The gap report (``html``, ``xlsx``, ``md``) of :meth:`analysis`, rendered once for the API and the web."""
        a = self.analysis(date, stadtbezirk=stadtbezirk)
        return self.cached(f"report:gaps:{a.data.date}:{stadtbezirk}:{fmt}", lambda: render(a, fmt))

    def district_tree(self) -> list[dict[str, Any]]:
        """Stadtbezirke of the city with their Stadtteile, both ordered by code, read once per store state.

        Each area: ``code``, ``iri``, ``label``, ``level``, ``einwohner`` (a Stadtbezirk's is the sum of its
        Stadtteile's where all are known); a Stadtbezirk also ``stadtteile``. Used by the API and the web pages.
        """

        def by_code(d: dict) -> tuple:
            code = str(d["code"] or "")
            return (len(code), code)

        def compute() -> list[dict[str, Any]]:
            tree: dict[str, dict[str, Any]] = {}
            for row in self.query("district-hierarchy", {"gemeinde": self.city}).rows:
                bezirk = tree.setdefault(row["stadtbezirk"], {
                    "code": row.get("stadtbezirkCode"), "iri": row["stadtbezirk"],
                    "label": row.get("stadtbezirkLabel"), "level": "stadtbezirk", "einwohner": None,
                    "stadtteile": [],
                })  # fmt: skip
                if row.get("stadtteil"):
                    bezirk["stadtteile"].append({
                        "code": row.get("stadtteilCode"), "iri": row["stadtteil"], "label": row.get("stadtteilLabel"),
                        "level": "stadtteil", "einwohner": row.get("einwohner"),
                    })  # fmt: skip
            for bezirk in tree.values():
                bezirk["stadtteile"].sort(key=by_code)
                counts = [t["einwohner"] for t in bezirk["stadtteile"]]
                if counts and all(isinstance(n, int) for n in counts):
                    bezirk["einwohner"] = sum(counts)
            return sorted(tree.values(), key=by_code)

        return self.cached("districts", compute)

    async def sparql(self, job: Job, *, client: str | None = None) -> Any:
        """Run a ``/sparql`` job on a worker process, within the share of ``client`` (see :func:`deps.client_id`)."""
        if self.pool is None:
            raise ApiError(503, "Dienst startet noch / service is starting")
        return await self.pool.run(job, client=client)

    def store_path(self) -> Path | None:
        """Directory of an embedded store on disk."""
        return getattr(self.store, "path", None)

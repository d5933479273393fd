"""The state behind the API: the store, a read copy, the prepared named queries, the graphs, the workers."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import threading
from collections import OrderedDict
from collections.abc import Collection, Iterable, Mapping, Sequence
from contextvars import ContextVar, copy_context
from datetime import date as Date
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from bildungsnetz.analysis import graphs as g
from bildungsnetz.analysis.gaps import need_ranking
from bildungsnetz.analysis.run import Analysis, run_analysis
from bildungsnetz.api.auth import Principal, TokenTable, hash_token
from bildungsnetz.api.errors import ApiError
from bildungsnetz.api.sparql.worker import Job, WorkerPool, WorkerSource, snapshot_store
from bildungsnetz.cities import CityNotFoundError, CityProfile, CityProfileError, CityRegistry
from bildungsnetz.iris import Iris
from bildungsnetz.queries import PAGING, NamedQuery, Param, QueryResult, load_catalogue, run, run_terms
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
#: Seconds without a small write (an SDG decision) before the ``/sparql`` workers move to a fresh snapshot.
_RELOAD_PAUSE = 2.0


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


#: The city a request asked for (``?stadt=``, ``?city=`` or the web's city chooser, see
#: :func:`bildungsnetz.app.create_app`); ``None``: the service's default city.
REQUEST_CITY: ContextVar[str | None] = ContextVar("bildungsnetz_request_city", default=None)


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
        self._workers_stale = False
        self._reloading: asyncio.Task | None = None
        self._cache: dict[str, Any] = {}
        #: Called (without waiting) after every full refresh, at start and after each import: the app starts the
        #: background computation of what the pages need here, so that no request waits for a whole-city analysis.
        self.after_refresh: list[Any] = []
        #: Values from before the last small write, served by ``cached(…, stale_ok=True)`` while recomputed.
        self._stale: dict[str, Any] = {}
        self._revalidating: set[str] = set()
        #: When true, :meth:`ready` waits like :meth:`cached` (pages never say "wird berechnet"): for tests that
        #: read figures from pages right after a start or an import.
        self.pages_wait = False
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
        return self.cached("city:profile", lambda: self.cities.load(REQUEST_CITY.get()))

    def page_city(self) -> str | None:
        """The city the web pages show when the request names none: ``None`` for the default city, or, where
        that is undecided (several cities in the store, none configured), the first of them (with the chooser).
        Read once per state of the store."""

        def compute() -> str | None:
            try:
                self.cities.default_name()
            except CityProfileError:
                held = self.held_cities()
                return held[0][0] if held else None
            return None

        return self.cached("city:page", compute, per_city=False)

    def known_cities(self) -> frozenset[str]:
        """Names of every city a request may name (see :meth:`CityRegistry.names`), read once per state of the
        store (``city add`` refreshes the server)."""
        return self.cached("city:known", lambda: frozenset(self.cities.names()), per_city=False)

    def held_cities(self) -> list[tuple[str, str]]:
        """``(name, label)`` of every city the store holds, read once per state of the store (for the chooser)."""
        return self.cached(
            "city:held", lambda: [(n, self.cities.label(n)) for n in self.cities.held()], per_city=False
        )

    def city_area(self) -> str | None:
        """The municipality IRI of the city the request shows where the store holds several cities (lists and
        searches walk down from it as from a Stadtbezirk), else ``None`` (nothing to narrow: with one city, an
        actor or offer without a place is listed too)."""
        return str(self.iris.gemeinde(self.city)) if len(self.held_cities()) > 1 else None

    @property
    def city_label(self) -> str:
        """The label of :attr:`profile` ("Köln"); see :attr:`city` where no profile of that name exists."""
        return self._profile_or_name(lambda p: p.label)

    @property
    def city(self) -> str:
        """The name of :attr:`profile` (the configured name when no profile of that name exists and the request
        named none; a city the request named must exist, and a store with several cities needs one named)."""
        return self._profile_or_name(lambda p: p.name)

    def _city(self) -> CityProfile | str:
        """What queries resolve district names with: the loaded profile, or the name (whose lookup then fails
        with a message naming the missing profile)."""
        return self._profile_or_name(lambda p: p)

    def _profile_or_name(self, pick: Any) -> Any:
        try:
            return pick(self.profile)
        except CityNotFoundError:
            if REQUEST_CITY.get() is not None:
                raise
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
        # The /sparql default graph reads the landscape where the store does (remote: BILDUNGSNETZ_ENDPOINT_LANDSCAPE).
        reads = getattr(self.store, "landscape_reads", True)
        complete = getattr(self.store, "landscape_complete", False)
        self.landscape_graphs = tuple(land.dataset(self.graphs, complete=complete)) if reads else ()
        self.public_landscape = tuple(land.dataset(self.public_graphs, complete=complete)) if reads else ()
        copy = self._memory_copy()
        if copy is not None:
            self.reader = copy
        self._cache = {}
        self._stale = {}
        self._key_locks = {}
        self._results = OrderedDict()
        self.generation += 1
        for start in self.after_refresh:
            start(self)

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

    async def after_write(self, graphs: Collection[str] | None = None, *, keep: tuple[str, ...] = ()) -> None:
        """After an import or a drop: fresh read copy, fresh graph lists, workers on a fresh snapshot.

        With ``graphs``, a small write that touched only these graphs (an SDG decision): the read copy takes just
        them, cached values whose key starts with one of ``keep`` stay (they do not read those graphs), and the
        ``/sparql`` workers move to a fresh snapshot in the background. A whole copy of the store and new worker
        processes cost seconds; a reviewer deciding one suggestion after another must not wait for them.
        """
        if graphs is None:
            if self._reloading is not None:  # one reload of the workers at a time
                await self._reloading
            await asyncio.to_thread(self.refresh)
            if self.pool is not None:
                source = await asyncio.to_thread(self.worker_source)
                await self.pool.reload(source)
            return
        await asyncio.to_thread(self._refresh_graphs, tuple(graphs), keep)
        self._workers_stale = True
        if self.pool is not None and self._reloading is None:
            self._reloading = asyncio.create_task(self._reload_workers())

    def apply_change(self, change: Mapping[str, tuple[Iterable[ox.Triple], Iterable[ox.Triple]]]) -> None:
        """A small write (an SDG decision) to the store, and the same change to the read copy: then
        ``after_write(())`` copies no graph (copying the two SDG graphs whole grew with every decision)."""
        change = {name: (list(removed), list(added)) for name, (removed, added) in change.items()}
        self.store.change_graphs(change)
        if self.reader is not self.store:
            self.reader.change_graphs(change)

    def _refresh_graphs(self, graphs: tuple[str, ...], keep: tuple[str, ...]) -> None:
        if graphs and self.reader is not self.store:
            self.reader.replace_graphs({g: [q.triple for q in self.store.quads(g)] for g in graphs})
        names = tuple(self.store.named_graphs())
        private = self.iris.base + PRIVATE_PART
        self.graphs = names
        self.public_graphs = tuple(g for g in names if not g.startswith(private))
        # keys kept per city carry the city before "|" (see cached): ``keep`` names what follows it
        kept = {k: v for k, v in self._cache.items() if keep and (k.partition("|")[2] or k).startswith(keep)}
        self._stale = {**self._stale, **{k: v for k, v in self._cache.items() if k not in kept}}
        self._cache = kept
        self._key_locks = {}
        self._results = OrderedDict()
        self.generation += 1

    async def _reload_workers(self) -> None:
        """Move the workers to a fresh snapshot once the small writes pause (one reload at a time).

        A reviewer deciding one suggestion after another would otherwise have a snapshot and new worker
        processes made after every decision, taking the processor from the next decision; ``/sparql`` answers
        from the snapshot before them until then.
        """
        try:
            while self._workers_stale and self.pool is not None:
                self._workers_stale = False
                await asyncio.sleep(_RELOAD_PAUSE)
                if self._workers_stale:
                    continue  # another write came meanwhile: wait for the pause after it
                source = await asyncio.to_thread(self.worker_source)
                await self.pool.reload(source)
        except Exception:  # noqa: BLE001 - a failed reload leaves the old snapshot; the next write tries again
            _log.exception("sparql workers: reload after a write failed")
        finally:
            self._reloading = None

    async def settle(self) -> None:
        """Wait for a background move of the workers to a fresh snapshot (before :meth:`close`)."""
        if self._reloading is not None:
            await self._reloading

    def close(self) -> None:
        """Stop the workers, remove their snapshot, flush the store."""
        if self._reloading is not None:
            self._reloading.cancel()
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
        key = (name, REQUEST_CITY.get(), Date.today(), tuple(sorted(clean.items())))  # "today" is a default
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

    def query_many(self, name: str, param: str, iris: Sequence[str]) -> QueryResult:
        """Run a prepared named query with several IRIs for one parameter (one ``VALUES`` block) on the read copy:
        one query for a page of actors instead of one per actor. The IRIs are the store's own (from an answer)."""
        query = self._unpaged.get(name)
        if query is None:
            raise ApiError(500, "Interner Fehler / internal error")
        if not iris:
            return QueryResult(columns=[], rows=[])
        return run_terms(query, {param: [ox.NamedNode(i) for i in iris]}, store=self.reader)

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

    def cached(self, key: str, compute: Any, *, per_city: bool = True, stale_ok: bool = False) -> Any:
        """A value computed once per state of the store (district tree, SDG list, analysis …) and, unless
        ``per_city`` is false, per city the request asked for (:data:`REQUEST_CITY`).

        The first caller computes; callers that ask for the same key meanwhile wait for that one computation
        (the API's and the web's threads alike). A value computed while an import refreshed the service goes to
        the old state's cache, never into the new one.

        ``stale_ok``: after a small write (see :meth:`after_write`) the value from before it is returned at once
        while the new one is computed in the background; a figure a moment behind a reviewer's last decision is
        better than a page that waits seconds after every decision.
        """
        if per_city:
            key = f"{REQUEST_CITY.get() or ''}|{key}"
        cache = self._cache
        if key in cache:
            return cache[key]
        if stale_ok and key in self._stale:
            self._revalidate(key, compute, cache)
            return self._stale[key]
        with self._locks_lock:
            lock = self._key_locks.setdefault(key, threading.Lock())
        with lock:
            if key not in cache:
                cache[key] = compute()
            return cache[key]

    def ready(self, key: str, compute: Any, *, per_city: bool = True) -> Any | None:
        """The value :meth:`cached` holds for ``key``, or ``None`` at once while it is computed in the background
        (started here unless a computation of it already runs): for pages that show what is cheap now and the
        rest when it is ready, instead of waiting for a whole-city analysis."""
        if self.pages_wait:
            return self.cached(key, compute, per_city=per_city)
        if per_city:
            key = f"{REQUEST_CITY.get() or ''}|{key}"
        cache = self._cache
        if key in cache:
            return cache[key]
        if key in self._stale:
            self._revalidate(key, compute, cache)
            return self._stale[key]
        self._revalidate(key, compute, cache)
        return cache.get(key)

    def _revalidate(self, key: str, compute: Any, cache: dict[str, Any]) -> None:
        """Compute ``key`` again in a thread of its own (one at a time per key) into ``cache``."""
        with self._locks_lock:
            if key in self._revalidating:
                return
            self._revalidating.add(key)

        def work() -> None:
            try:
                self.cached(key, compute, per_city=False) if cache is self._cache else None
            except Exception:  # noqa: BLE001 - the next request computes it again and meets the error itself
                _log.exception("computing %s in the background failed", key)
            finally:
                with self._locks_lock:
                    self._revalidating.discard(key)

        context = copy_context()  # the request's city (REQUEST_CITY) goes along into the thread
        threading.Thread(target=context.run, args=(work,), name="bildungsnetz-revalidate", daemon=True).start()

    def city_data(self, date: str | Date | None = None, *, ties: str = "alle", wait: bool = True) -> g.CityData:
        """Actors, districts, cooperations, networks and offers valid at ``date`` (default today), with the
        survey ties of the tie rule ``ties``, read once; without ``wait`` ``None`` while it is read (see
        :meth:`ready`)."""
        day = g.resolve_date(date)
        key = f"data:{day}:{ties}"

        def compute() -> g.CityData:
            return g.load(self.reader, date=day, iris=self.iris, city=self.city, label=self.city_label, ties=ties)

        return self.cached(key, compute) if wait else self.ready(key, compute)

    def analysis(
        self,
        date: str | Date | None = None,
        *,
        ebene: str = "stadtbezirk",
        stadtbezirk: str | None = None,
        gruppe: str = "sektor",
        ties: str = "alle",
        need: str | None = None,
        need_level: str = "stadtteil",
        children: str | None = None,
        wait: bool = True,
    ) -> Analysis:
        """The network analysis at ``date``, computed once per state of the store for the API and the web pages.

        ``stadtbezirk`` is a Stadtbezirk's code (``None``: the whole city); ``ties`` the tie rule (``alle``,
        ``bestaetigt``, ``dokumentiert``); ``need`` the indicator or weighted combination need versus network is
        ranked by (``kinderarmut:2, sgb2-quote``), ``need_level`` its areas and ``children`` the indicator of
        the number of children (default the setting ``children_indicator``); see
        :func:`bildungsnetz.analysis.run.run_analysis`. Without ``wait``: ``None`` while it is computed (see
        :meth:`ready`).
        """
        day = g.resolve_date(date)
        children = children or self.settings.children_indicator or None
        key = f"analysis:{day}:{ebene}:{stadtbezirk}:{gruppe}:{ties}:{need}:{need_level}:{children}"

        def compute() -> Analysis:
            data = self.city_data(day, ties=ties)
            return run_analysis(
                data, ebene=ebene, stadtbezirk=stadtbezirk, gruppe=gruppe, need=need, need_level=need_level,
                children=children,
            )

        return self.cached(key, compute) if wait else self.ready(key, compute)

    def need_ranking(
        self, date: str | Date | None = None, *, need: str | None = None, level: str = "stadtteil",
        children: str | None = None, ties: str = "alle",
    ) -> dict[str, Any]:
        """Need versus network (:func:`bildungsnetz.analysis.gaps.need_ranking`) for the API and the web pages,
        once per state of the store; ``children`` defaults to the setting ``children_indicator``."""
        day = g.resolve_date(date)
        children = children or self.settings.children_indicator or None
        data = self.city_data(day, ties=ties)
        return self.cached(
            f"need:{day}:{ties}:{need}:{level}:{children}",
            lambda: need_ranking(g.cooperation_graph(data), data, indicator=need, level=level, children=children),
        )

    def gaps_report(
        self, fmt: str, *, date: str | Date | None = None, stadtbezirk: str | None = None, ties: str = "alle",
        need: str | None = None, need_level: str = "stadtteil", children: str | None = None,
    ) -> bytes:
        """The gap report (``html``, ``xlsx``, ``md``) of :meth:`analysis`, rendered once for the API and the web."""
        a = self.analysis(date, stadtbezirk=stadtbezirk, ties=ties, need=need, need_level=need_level,
                          children=children)
        key = f"report:gaps:{a.data.date}:{stadtbezirk}:{ties}:{need}:{need_level}:{children}:{fmt}"
        return self.cached(key, lambda: render(a, fmt))

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

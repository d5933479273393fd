"""``/sparql`` queries run in worker processes, so that a query past its time limit can really be stopped.

pyoxigraph cannot cancel a running query from Python (Oxigraph has a cancellation token only in its Rust API
and its own server), and a thread cannot be killed. So each query goes to one of a few worker processes; one
that does not answer within ``query_timeout`` is killed (which ends the query and frees its memory) and a
fresh
one takes its place, while the server process goes on answering other requests.

An embedded store is read by the workers from a *snapshot*: a RocksDB checkpoint of the store (hard links,
taken in milliseconds; an in-memory store is copied to disk once). The server process alone writes the store
itself; after each write it takes a new snapshot and restarts the workers on it, so a worker never reads files
another process is writing. With a remote store the workers send the query to the remote endpoint.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import multiprocessing as mp
import os
import re
import shutil
import signal
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Job", "Answer", "WorkerSource", "WorkerPool", "snapshot_store", "serve"]

_log = logging.getLogger("bildungsnetz.api.sparql.worker")
_EMPTY_GRAPH = "urn:x-bildungsnetz:leer"


@dataclass(frozen=True)
class WorkerSource:
    """Where workers read: ``kind`` ``embedded`` (``path`` of a snapshot) or ``remote`` (an endpoint)."""

    kind: str
    path: str | None = None
    endpoint: str | None = None
    user: str | None = None
    password: str | None = None
    #: the worker's limit on allocated memory (RLIMIT_DATA), in MB; 0 for none
    memory_mb: int = 0


@dataclass(frozen=True)
class Job:
    """One ``/sparql`` request as the worker needs it."""

    query: str
    accept: str | None
    allowed: tuple[str, ...]
    #: The default graph when the request names none: the landscape and the allowed graphs that are no
    #: source's statements (:mod:`bildungsnetz.store.view`); empty: all allowed graphs.
    landscape: tuple[str, ...] = ()
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    cap: int = 10_000
    timeout: float = 30.0


@dataclass(frozen=True)
class Answer:
    """What a worker sends back: a status, and either a body with its media type or an error message."""

    status: int
    body: bytes = b""
    media_type: str = "application/json"
    error: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


# -- Inside the worker process ------------------------------------------------------------------------------


def _refuse_graph(iri: str) -> Exception:
    from bildungsnetz.api.sparql.check import QueryRefused  # noqa: PLC0415

    shown = iri if len(iri) <= 120 else iri[:120] + "…"
    return QueryRefused(
        400,
        f"Graph <{shown}> ist hier nicht abfragbar (nicht im Speicher oder nicht öffentlich); "
        "der Endpunkt lädt "
        f"keine Dokumente / graph <{shown}> cannot be queried here (not in the store or not public); this "
        "endpoint never fetches documents",
    )


def _dataset(job: Job, info: Any) -> tuple[list[str], list[str]]:
    """Default and named graphs: the protocol's, else the query's FROM / FROM NAMED, else all allowed."""
    allowed = set(job.allowed)
    if job.default_graphs is not None or job.named_graphs is not None:
        default, named = list(job.default_graphs or ()), list(job.named_graphs or ())
    elif info.from_graphs or info.from_named:
        default, named = list(info.from_graphs), list(info.from_named)
    else:
        return list(job.landscape or job.allowed), list(job.allowed)
    for iri in default + named:
        if iri not in allowed:
            raise _refuse_graph(iri)
    return default, named


def _answer_local(store: Any, job: Job) -> Answer:
    import pyoxigraph as ox  # noqa: PLC0415

    from bildungsnetz.api.sparql import results  # noqa: PLC0415
    from bildungsnetz.api.sparql.check import inspect_query  # noqa: PLC0415

    info = inspect_query(job.query)
    default, named = _dataset(job, info)
    try:
        outcome = store.query(
            job.query,
            default_graph=[ox.NamedNode(g) for g in default],
            named_graphs=[ox.NamedNode(g) for g in named],
        )
    except SyntaxError as exc:
        # pyoxigraph says "error at 3:17: expected …": the position goes to the client, never the text.
        at = re.search(r"(\d+):(\d+)", str(exc))
        if at is None:
            return Answer(400, error="SPARQL-Anfrage nicht lesbar / cannot read the SPARQL query")
        return Answer(
            400,
            error=f"SPARQL-Syntaxfehler in Zeile {at[1]}, Spalte {at[2]} / SPARQL syntax error at line {at[1]}, "
            f"column {at[2]}",
        )
    if isinstance(outcome, ox.QueryBoolean):
        fmt, media = results.negotiate(job.accept, results.BOOLEAN)
        return Answer(200, results.ask_body(bool(outcome), fmt), media)
    if isinstance(outcome, ox.QuerySolutions):
        fmt, media = results.negotiate(job.accept, results.TABULAR)
        variables = [v.value for v in outcome.variables]
        return Answer(200, results.select_body(variables, outcome, fmt, job.cap), media)
    fmt, media = results.negotiate(job.accept, results.GRAPH)
    return Answer(200, results.graph_body(outcome, fmt, job.cap), media)


def _answer_remote(source: WorkerSource, job: Job) -> Answer:
    import urllib.error  # noqa: PLC0415
    import urllib.parse  # noqa: PLC0415
    import urllib.request  # noqa: PLC0415

    import pyoxigraph as ox  # noqa: PLC0415

    from bildungsnetz.api.sparql import results  # noqa: PLC0415
    from bildungsnetz.api.sparql.check import inspect_query  # noqa: PLC0415

    info = inspect_query(job.query)
    default, named = _dataset(job, info)
    # An empty list cannot be said in the protocol (it means "the server's default"): name an empty graph.
    params = [("query", job.query)]
    params += [("default-graph-uri", g) for g in default or [_EMPTY_GRAPH]]
    params += [("named-graph-uri", g) for g in named or [_EMPTY_GRAPH]]
    params.append(("timeout", str(int(job.timeout * 1000))))  # Virtuoso stops its own work at this limit
    graph = info.form in ("CONSTRUCT", "DESCRIBE")
    accept = "application/n-triples" if graph else "application/sparql-results+json"
    handlers: list[Any] = []
    if source.user:
        passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        passwords.add_password(None, [source.endpoint], source.user, source.password or "")
        handlers += [
            urllib.request.HTTPDigestAuthHandler(passwords),
            urllib.request.HTTPBasicAuthHandler(passwords),
        ]
    request = urllib.request.Request(
        source.endpoint or "",
        data=urllib.parse.urlencode(params).encode("ascii"),
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": accept},
    )
    try:
        with urllib.request.build_opener(*handlers).open(request, timeout=job.timeout + 5) as response:
            body = response.read()
            status = response.status
            partial = response.headers.get("X-SQL-State") or response.headers.get("X-SPARQL-MaxRows")
    except urllib.error.HTTPError as exc:
        return Answer(
            502,
            error=f"Der entfernte Speicher meldet HTTP {exc.code} / the remote store answered HTTP "
            f"{exc.code}",
        )
    except (urllib.error.URLError, OSError):
        return Answer(
            503, error="Der entfernte Speicher ist nicht erreichbar / the remote store is unreachable"
        )
    if status == 206 or partial:
        return Answer(
            503,
            error="Der entfernte Speicher lieferte nur ein Teilergebnis (Zeitlimit) / the remote "
            "store returned a partial result (time limit)",
        )
    if graph:
        fmt, media = results.negotiate(job.accept, results.GRAPH)
        triples = (q.triple for q in ox.parse(body, format=ox.RdfFormat.N_TRIPLES))
        return Answer(200, results.graph_body(triples, fmt, job.cap), media)
    parsed = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
    if info.form == "ASK":
        fmt, media = results.negotiate(job.accept, results.BOOLEAN)
        if isinstance(parsed, ox.QueryBoolean):
            value = bool(parsed)
        else:  # Virtuoso answers ASK in JSON as one row of __ASK_RETVAL
            value = any(row[0] is not None and row[0].value not in ("0", "false") for row in parsed)
        return Answer(200, results.ask_body(value, fmt), media)
    fmt, media = results.negotiate(job.accept, results.TABULAR)
    variables = [v.value for v in parsed.variables]
    return Answer(200, results.select_body(variables, parsed, fmt, job.cap), media)


def _answer(store: Any, source: WorkerSource, job: Job) -> Answer:
    from bildungsnetz.api.sparql.check import QueryRefused  # noqa: PLC0415
    from bildungsnetz.api.sparql.results import RowCapExceeded  # noqa: PLC0415

    try:
        if source.kind == "remote":
            return _answer_remote(source, job)
        return _answer_local(store, job)
    except QueryRefused as refused:
        return Answer(refused.status, error=str(refused))
    except RowCapExceeded:
        return Answer(
            422,
            error=f"Das Ergebnis hat mehr als {job.cap} Zeilen (Obergrenze); bitte mit LIMIT/OFFSET "
            f"seitenweise abfragen / the result has more than {job.cap} rows (the row cap); page through it "
            "with LIMIT/OFFSET",
            headers={"X-Row-Cap": str(job.cap)},
        )
    except MemoryError:
        return _too_much_memory(source.memory_mb)
    except Exception:  # noqa: BLE001 - a bug or a store error: the client learns the status, never the text
        _log.exception("sparql worker failed")
        return Answer(500, error="Interner Fehler / internal error")


def _too_much_memory(limit_mb: int) -> Answer:
    return Answer(
        422,
        error=f"Abfrage abgebrochen: sie braucht mehr als {limit_mb} MB Arbeitsspeicher; bitte enger fassen / "
        f"query stopped: it needs more than {limit_mb} MB of memory; please narrow it down",
    )


def serve(conn: Any, source: WorkerSource) -> None:
    """The worker's loop: open the source, then answer jobs from ``conn`` until it closes."""
    if source.memory_mb > 0:
        # RLIMIT_DATA counts what the process allocates (heap and anonymous maps: Oxigraph's sort buffers,
        # result rows), not the store's files. A query that wants more gets MemoryError, or the Rust
        # allocator aborts the process (SIGABRT), which the pool reports as _too_much_memory and replaces.
        import resource  # noqa: PLC0415

        limit = source.memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    if source.kind == "embedded":
        # Oxigraph would answer SERVICE with an HTTP request: this process gets no network at all (a remote
        # store's workers need theirs to reach the endpoint; there the query check is the guard).
        from bildungsnetz.api.sparql.sandbox import deny_network  # noqa: PLC0415

        sandbox = deny_network()
        if not sandbox.closed and os.environ.get("BILDUNGSNETZ_SPARQL_ALLOW_UNSANDBOXED") != "1":
            _log.error(
                "sparql worker: neither seccomp nor a network namespace is available on this machine; "
                "set BILDUNGSNETZ_SPARQL_ALLOW_UNSANDBOXED=1 to run without (docs/security.md)"
            )
            return
    import pyoxigraph as ox  # noqa: PLC0415

    store = ox.Store.read_only(source.path) if source.kind == "embedded" else None
    from rdflib.plugins.sparql import parser  # noqa: F401, PLC0415  - every query is parsed: import it up front

    from bildungsnetz.api.sparql import check  # noqa: F401, PLC0415

    conn.send("ready")
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        conn.send(_answer(store, source, job))


# -- In the server process -----------------------------------------------------------------------------------


def snapshot_store(oxigraph: Any, near: Path | None) -> Path:
    """A read-only copy of the store for the workers: a RocksDB checkpoint, or a disk copy of a memory store.

    The snapshot lives in a new temporary folder beside the store (same file system, so the checkpoint can
    use hard links), or in the system's temporary folder for an in-memory store.
    """
    import pyoxigraph as ox  # noqa: PLC0415

    folder = Path(tempfile.mkdtemp(prefix=".bildungsnetz-sparql-", dir=near.parent if near else None))
    target = folder / "db"
    if near is not None:
        oxigraph.flush()
        oxigraph.backup(str(target))
    else:
        copy = ox.Store(str(target))
        copy.bulk_extend(oxigraph.quads_for_pattern(None, None, None, None))
        copy.flush()
        del copy
    return target


class _Worker:
    def __init__(self, source: WorkerSource) -> None:
        self.source = source
        ctx = mp.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(
            target=serve, args=(child, source), daemon=True, name="bildungsnetz-sparql"
        )
        self.process.start()
        child.close()
        if not self.conn.poll(60) or self.conn.recv() != "ready":
            self.kill()
            raise RuntimeError("sparql worker did not start")

    def call(self, job: Job, timeout: float) -> Answer | None:
        """The answer, or ``None`` if none came within ``timeout`` seconds (the worker is then killed)."""
        try:
            self.conn.send(job)
            if self.conn.poll(timeout):
                return self.conn.recv()
        except (EOFError, OSError, BrokenPipeError):
            pass
        self.kill()
        return None

    @property
    def alive(self) -> bool:
        return self.process.is_alive()

    def kill(self) -> None:
        with contextlib.suppress(Exception):
            self.process.kill()
            self.process.join(5)
        with contextlib.suppress(Exception):
            self.conn.close()

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.conn.send(None)
            self.process.join(2)
        if self.process.is_alive():
            self.kill()
        with contextlib.suppress(Exception):
            self.conn.close()


class WorkerPool:
    """A few worker processes; :meth:`run` hands a job to a free one and waits at most the query timeout.

    Each client (an address or a token, named by the caller) may have ``per_client`` queries in flight
    (running or waiting for a worker), all clients together ``size + queue``; past either :meth:`run` answers
    429 with ``Retry-After`` at once, so one client cannot hold every worker while others wait.
    """

    def __init__(
        self, source: WorkerSource, *, size: int, timeout: float, per_client: int | None = None, queue: int = 32
    ) -> None:
        self.source = source
        self.size = max(1, size)
        self.timeout = timeout
        self.per_client = max(1, per_client or self.size // 2)
        self.queue = max(0, queue)
        #: admission times (monotonic) of the queries in flight, by client; touched only on the event loop
        self._in_flight: dict[str | None, list[float]] = {}
        self._idle: asyncio.Queue[_Worker] | None = None
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self.killed = 0  # workers stopped at the time limit (for /health)

    def _spawn(self, source: WorkerSource) -> _Worker:
        worker = _Worker(source)
        with self._lock:
            self._all.add(worker)
        return worker

    async def start(self) -> None:
        """Start all workers (in parallel threads: each takes a moment to import and open the store)."""
        self._idle = asyncio.Queue()
        source = self.source
        workers = await asyncio.gather(*(asyncio.to_thread(self._spawn, source) for _ in range(self.size)))
        for worker in workers:
            self._idle.put_nowait(worker)

    async def _replace(self, source: WorkerSource) -> None:
        try:
            worker = await asyncio.to_thread(self._spawn, source)
        except Exception:  # noqa: BLE001
            _log.exception("could not start a sparql worker")
            return
        if source is self.source and self._idle is not None:
            self._idle.put_nowait(worker)
        else:
            await asyncio.to_thread(worker.stop)

    def _retry_after(self, admitted: list[float]) -> str:
        # By then the oldest of these queries has ended: answered, or stopped at the time limit.
        left = min(admitted) + self.timeout + 1 - time.monotonic()
        return str(max(1, math.ceil(left)))

    def _admit(self, client: str | None) -> Answer | float:
        """The admission time of a new query of ``client``, or the 429 answer if there is no room for it."""
        mine = self._in_flight.get(client, [])
        if client is not None and len(mine) >= self.per_client:
            return Answer(
                429,
                error=f"Zu viele gleichzeitige SPARQL-Abfragen von diesem Client (höchstens {self.per_client}); "
                f"bitte auf die laufenden warten / too many concurrent SPARQL queries from this client (at most "
                f"{self.per_client}); please wait for the running ones",
                headers={"Retry-After": self._retry_after(mine)},
            )
        everyone = [t for times in self._in_flight.values() for t in times]
        if len(everyone) >= self.size + self.queue:
            return Answer(
                429,
                error=f"Die Warteschlange des SPARQL-Endpunkts ist voll ({self.queue} wartende Abfragen); bitte "
                f"später erneut / the SPARQL endpoint's queue is full ({self.queue} waiting queries); please "
                "try again later",
                headers={"Retry-After": self._retry_after(everyone)},
            )
        admitted = time.monotonic()
        self._in_flight.setdefault(client, []).append(admitted)
        return admitted

    def _release(self, client: str | None, admitted: float) -> None:
        times = self._in_flight.get(client, [])
        with contextlib.suppress(ValueError):
            times.remove(admitted)
        if not times:
            self._in_flight.pop(client, None)

    async def run(self, job: Job, *, client: str | None = None) -> Answer:
        """Run ``job`` for ``client`` on a free worker; a worker that exceeds the time limit is killed and replaced.

        The query's structure is checked here, in the server process, so that no worker ever parses a query
        nested deep enough to crash it. The client's share is given back when the worker is done with the
        query, on every path: answer, error, time limit, a dead worker, or the caller cancelled (a client that
        hung up does not free its share before its query really stopped).
        """
        admitted = self._admit(client)
        if isinstance(admitted, Answer):
            return admitted
        task = asyncio.ensure_future(self._checked(job))
        task.add_done_callback(lambda done: self._done(done, client, admitted))
        return await asyncio.shield(task)

    def _done(self, task: asyncio.Future, client: str | None, admitted: float) -> None:
        self._release(client, admitted)
        if not task.cancelled():
            task.exception()  # retrieved: the caller, if still there, has it too

    async def _checked(self, job: Job) -> Answer:
        from bildungsnetz.api.sparql.check import QueryRefused, check_structure  # noqa: PLC0415

        try:
            if len(job.query) <= 4_000:  # a few ms at most (and cached): not worth a thread
                check_structure(job.query)
            else:  # up to ~0.3 s for a query at the size limit: off the event loop
                await asyncio.to_thread(check_structure, job.query)
        except QueryRefused as refused:
            return Answer(refused.status, error=str(refused))
        return await self._run(job)

    async def _run(self, job: Job) -> Answer:
        assert self._idle is not None, "WorkerPool.start() first"
        started = time.monotonic()
        try:
            worker = await asyncio.wait_for(self._idle.get(), timeout=self.timeout)
        except TimeoutError:
            return Answer(
                503,
                error="Alle SPARQL-Arbeitsprozesse sind belegt / all SPARQL workers are busy",
                headers={"Retry-After": "5"},
            )
        source = self.source
        remaining = max(0.5, self.timeout - (time.monotonic() - started))
        answer = await asyncio.to_thread(worker.call, job, remaining)
        if answer is None:
            with self._lock:
                self._all.discard(worker)
            self._maybe_remove(source)
            asyncio.get_running_loop().create_task(self._replace(self.source))
            if worker.process.exitcode == -signal.SIGABRT and source.memory_mb > 0:
                # Oxigraph's allocator aborts the process when the memory limit is reached
                return _too_much_memory(source.memory_mb)
            if worker.process.exitcode not in (None, -9):  # died on its own, not killed by us
                return Answer(500, error="Interner Fehler / internal error")
            self.killed += 1
            return Answer(
                503,
                error=f"Abfrage nach {self.timeout:g} s abgebrochen (Zeitlimit) / query stopped after "
                f"{self.timeout:g} s (time limit)",
                headers={"Retry-After": "1"},
            )
        if source is self.source:
            self._idle.put_nowait(worker)
        else:  # the store changed while it ran: retire it
            with self._lock:
                self._all.discard(worker)
            await asyncio.to_thread(worker.stop)
            self._maybe_remove(source)
        return answer

    def _maybe_remove(self, source: WorkerSource) -> None:
        with self._lock:
            in_use = source is self.source or any(w.source is source for w in self._all)
        if not in_use:
            _remove_snapshot(source)

    async def reload(self, source: WorkerSource) -> None:
        """Switch to a new source (after a write): new workers start, idle old ones stop, busy ones later."""
        old_source, self.source = self.source, source
        assert self._idle is not None
        old: list[_Worker] = []
        while not self._idle.empty():
            old.append(self._idle.get_nowait())
        await self.start_more(source)
        with self._lock:
            for worker in old:
                self._all.discard(worker)
        await asyncio.gather(*(asyncio.to_thread(w.stop) for w in old))
        self._maybe_remove(old_source)

    async def start_more(self, source: WorkerSource) -> None:
        workers = await asyncio.gather(*(asyncio.to_thread(self._spawn, source) for _ in range(self.size)))
        assert self._idle is not None
        for worker in workers:
            self._idle.put_nowait(worker)

    def close(self) -> None:
        """Stop every worker and remove the snapshot."""
        with self._lock:
            workers, self._all = list(self._all), set()
        for worker in workers:
            worker.stop()
        _remove_snapshot(self.source)


def _remove_snapshot(source: WorkerSource) -> None:
    if source.kind == "embedded" and source.path:
        folder = Path(source.path).parent
        if folder.name.startswith(".bildungsnetz-sparql-"):
            # A worker still finishing a query keeps its open files readable (POSIX), so removal is safe.
            shutil.rmtree(folder, ignore_errors=True)

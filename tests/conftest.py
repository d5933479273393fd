"""Shared fixtures, each written once: every test's own settings and store, the reference data ``../shared``
(or skip), a real Virtuoso (or skip), the demo graphs, and a live server over real HTTP."""

from __future__ import annotations

import atexit
import functools
import gc
import os
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox
import pytest

from bildungsnetz.api.auth import hash_token, new_token
from bildungsnetz.iris import Iris
from bildungsnetz.settings import Settings, get_settings
from bildungsnetz.store import EmbeddedStore

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
IRIS = Iris()
BN = "https://w3id.org/bildungsnetz/ontology#"
#: A contact person in a private graph of the demo graphs: never in a public answer.
SENTINEL_NAME = "Sentinel Kontakt 7F3A"
SENTINEL_MAIL = "sentinel-7f3a@example.invalid"
SENTINEL_GRAPH = str(IRIS.graph("privat/sentinel"))
#: One token of each role, known to every live server.
REDAKTION = new_token()
INTERN = new_token()
TOKENS = [hash_token(REDAKTION, roles=["redaktion"]), hash_token(INTERN, roles=["intern"])]

# What the tests themselves read from the environment (the test Virtuoso), kept; every other setting is reset.
_KEEP = ("BILDUNGSNETZ_TEST_", "BILDUNGSNETZ_VIRTUOSO_")


# -- Every test its own settings ---------------------------------------------------------------------------


def _own_settings(mp: pytest.MonkeyPatch, root: Path) -> None:
    mp.setenv("BILDUNGSNETZ_STORE", str(root / "store"))
    mp.setenv("BILDUNGSNETZ_CITIES_DIR", str(root / "staedte"))
    get_settings.cache_clear()


@pytest.fixture(scope="session", autouse=True)
def _session_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """No setting of the shell reaches a test (a remote endpoint, a store folder …); the session's fixtures
    (servers, shared stores) see a store and a city folder in a temporary directory."""
    mp = pytest.MonkeyPatch()
    for name in list(os.environ):
        if name.startswith("BILDUNGSNETZ_") and not name.startswith(_KEEP):
            mp.delenv(name)
    _own_settings(mp, tmp_path_factory.mktemp("session-settings"))
    yield
    mp.undo()
    get_settings.cache_clear()


@pytest.fixture(autouse=True)
def settings(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """This test's settings: ``BILDUNGSNETZ_STORE`` and ``BILDUNGSNETZ_CITIES_DIR`` point into a fresh temporary
    folder, so no test reads or writes the ``bildungsnetz-data`` of the folder it runs in."""
    _own_settings(monkeypatch, tmp_path_factory.mktemp("settings"))
    yield Settings()  # not get_settings(): a test may still change the environment before the code reads it
    # The next module's fixtures run before the next test's setup: they must not meet this test's settings.
    get_settings.cache_clear()


# -- Data beside the checkout, and servers we do not start ourselves ---------------------------------------


@pytest.fixture(scope="session")
def shared() -> Path:
    """``../shared`` beside the checkout; tests that need it skip when it is missing."""
    if not SHARED.is_dir():
        pytest.skip("../shared (reference data) is not beside this checkout")
    return SHARED


def needs_shared(*paths: Path) -> None:
    """Skip, naming what is missing, unless every path (files or folders in ``../shared``) exists."""
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        pytest.skip(f"../shared not available (missing {', '.join(missing)}); shared data is not part of the repo")


def virtuoso_or_skip() -> dict[str, str]:
    """The test Virtuoso's endpoints (``.ci/virtuoso.sh`` exports them); missing: FAIL in CI, skip elsewhere."""
    endpoint = os.environ.get("BILDUNGSNETZ_TEST_VIRTUOSO")
    if not endpoint:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but BILDUNGSNETZ_TEST_VIRTUOSO is not set: .ci/virtuoso.sh did not start Virtuoso")
        pytest.skip('no Virtuoso: set BILDUNGSNETZ_TEST_VIRTUOSO (eval "$(.ci/virtuoso.sh start)")')
    return {
        "endpoint": endpoint,
        "update_endpoint": os.environ.get("BILDUNGSNETZ_TEST_VIRTUOSO_UPDATE", endpoint),
        "gsp_endpoint": os.environ.get("BILDUNGSNETZ_TEST_VIRTUOSO_GSP", ""),
        "user": os.environ.get("BILDUNGSNETZ_TEST_VIRTUOSO_USER", ""),
        "password": os.environ.get("BILDUNGSNETZ_TEST_VIRTUOSO_PASSWORD", ""),
    }


def virtuoso_settings(**options: object) -> Settings:
    """Settings that serve from the test Virtuoso (or skip, see :func:`virtuoso_or_skip`)."""
    cfg = virtuoso_or_skip()
    return Settings(
        endpoint=cfg["endpoint"],
        update_endpoint=cfg["update_endpoint"],
        endpoint_user=cfg["user"] or None,
        endpoint_password=cfg["password"] or None,
        endpoint_timeout=120,
        **options,
    )


# -- The demo city and a live server -----------------------------------------------------------------------


def demo_city(actors: int) -> dict[str, list[ox.Triple]]:
    """The demo city of ``actors`` actors (seed 1) and the reference graphs of Dortmund (a copy the caller
    may change; generated once per size)."""
    return {g: list(ts) for g, ts in _demo_city(actors).items()}


@functools.cache
def _demo_city(actors: int) -> dict[str, tuple[ox.Triple, ...]]:
    from bildungsnetz.demo.city import generate
    from bildungsnetz.reference import reference_graphs

    result = generate(city="dortmund", actors=actors, seed=1, iris=IRIS)
    graphs = {g: tuple(ts) for g, ts in result.graphs.items()}
    graphs.update({g: tuple(ts) for g, ts in reference_graphs(["dortmund"], IRIS).items()})
    return graphs


@pytest.fixture(scope="session")
def demo_graphs() -> dict[str, list[ox.Triple]]:
    """The demo city (150 actors), its reference graphs, and a sentinel contact person in a private graph."""
    graphs = demo_city(150)
    actor = ox.NamedNode(str(IRIS.akteur("D-000001")))
    person = ox.NamedNode(str(IRIS.kontakt("sentinel", 1)))

    def n(iri: str) -> ox.NamedNode:
        return ox.NamedNode(iri)

    graphs[SENTINEL_GRAPH] = [
        ox.Triple(person, n("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), n(BN + "Kontaktperson")),
        ox.Triple(person, n("http://xmlns.com/foaf/0.1/name"), ox.Literal(SENTINEL_NAME)),
        ox.Triple(person, n("https://schema.org/email"), ox.Literal(SENTINEL_MAIL)),
        ox.Triple(person, n(BN + "kontaktFuer"), actor),
    ]
    return graphs


def stored(graphs: Mapping[str, Iterable[ox.Triple]], folder: Path, **options: object) -> Settings:
    """Write ``graphs`` into an embedded store in ``folder``/store and return settings that serve it (with the
    role tokens :data:`TOKENS`)."""
    path = folder / "store"
    graphs = {g: list(ts) for g, ts in graphs.items()}
    key = frozenset((g, hash(frozenset(ts))) for g, ts in graphs.items())
    if key in _BUILT:  # the same graphs written before: a copy of that store (RocksDB writes them slowly)
        shutil.copytree(_BUILT[key], path)
    else:
        with EmbeddedStore(path) as store:
            store.replace_graphs(graphs)
        gc.collect()  # the store's lock goes with the object; the server opens it again
        _BUILT[key] = Path(tempfile.mkdtemp(prefix="bildungsnetz-test-store-")) / "store"
        atexit.register(shutil.rmtree, _BUILT[key].parent, True)
        shutil.copytree(path, _BUILT[key])
    return Settings(store=path, api_tokens=TOKENS, **options)


#: Stores written by :func:`stored`, closed and untouched since: a fingerprint of their graphs -> their folder.
_BUILT: dict[frozenset, Path] = {}


class LiveServer:
    """The app under uvicorn on 127.0.0.1 and a free port, in a thread: real HTTP for real clients."""

    def __init__(self, settings: Settings, store=None) -> None:
        import uvicorn

        from bildungsnetz.app import create_app

        self.app = create_app(settings, store=store)
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(self.app, log_level="warning", lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.05)
        self.service.pages_wait = True  # pages show their figures, never "wird berechnet" (test_web_pending's)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(30)
        self.sock.close()

    @property
    def service(self):
        return self.app.state.service


@pytest.fixture(scope="session")
def embedded(demo_graphs, tmp_path_factory) -> Iterator[LiveServer]:
    """The demo city served from the embedded store, shared by every test that only reads."""
    with LiveServer(stored(demo_graphs, tmp_path_factory.mktemp("api-embedded"))) as live:
        yield live


@contextmanager
def served(graphs: Mapping[str, Iterable[ox.Triple]], kind: str, folder: Path) -> Iterator[LiveServer]:
    """``graphs`` served over HTTP from a store of ``kind``: ``embedded`` (in ``folder``) or ``virtuoso`` (the
    test Virtuoso, or skip; the graphs are dropped again at the end)."""
    if kind == "embedded":
        with LiveServer(stored(graphs, folder)) as live:
            yield live
        return
    from bildungsnetz.store import open_store

    settings = virtuoso_settings(api_tokens=TOKENS)
    store = open_store(settings)
    store.replace_graphs(graphs)
    try:
        with LiveServer(settings) as live:
            yield live
    finally:
        store.drop_graphs(list(graphs))


@pytest.fixture(scope="session", params=["embedded", "virtuoso"])
def server(request, demo_graphs, embedded, tmp_path_factory) -> Iterator[LiveServer]:
    """The demo city served over HTTP: from the embedded store, and from Virtuoso when one is configured."""
    if request.param == "embedded":
        yield embedded
        return
    with served(demo_graphs, "virtuoso", tmp_path_factory.mktemp("api-virtuoso")) as live:
        yield live


@pytest.fixture(params=["embedded", "virtuoso"])
def each_store(request):
    """An empty store: embedded Oxigraph, and a real Virtuoso (skipped where none is configured; fails under CI)."""
    if request.param == "embedded":
        yield EmbeddedStore()
        return
    from bildungsnetz.store.remote import DEFAULT_GRAPH_PREFIX
    from test_store import virtuoso

    remote = virtuoso(DEFAULT_GRAPH_PREFIX, chunk_size=1000)
    remote.drop_graphs(remote.named_graphs())
    try:
        yield remote
    finally:
        remote.drop_graphs(remote.named_graphs())

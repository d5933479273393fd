"""Server and command line on one store: with ``bildungsnetz serve`` running, every command works on its store
(reads beside it, writes through it), and two writing commands never share the store. Real processes only."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bildungsnetz.store import EmbeddedStore, open_store
from bildungsnetz.store.access import OWNER_FILE, SERVER_FILE, TOKEN_FILE, announce, withdraw
from conftest import REPO, stored

EXAMPLES = REPO / "docs" / "beispiel-import"
#: An actor of docs/beispiel-import/akteure.csv, not in the demo city.
NEW_ACTOR = "Grundschule am Phoenixsee"


def _env(store: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(BILDUNGSNETZ_STORE=str(store), BILDUNGSNETZ_SPARQL_WORKERS="1", **extra)
    return env


def cli(store: Path, *args: str, **extra: str) -> subprocess.CompletedProcess:
    """``bildungsnetz ARGS`` in its own process on ``store``."""
    return subprocess.run(
        [sys.executable, "-m", "bildungsnetz", *args], capture_output=True, text=True, timeout=300,
        env=_env(store, **extra), cwd=store.parent,
    )  # fmt: skip


def _without_timings(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if "Zeit / time" not in line)


class Served:
    """``bildungsnetz serve`` in its own process on 127.0.0.1 and a free port."""

    def __init__(self, store: Path) -> None:
        self.store = store
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bildungsnetz", "serve", "--port", str(self.port)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=_env(store),
        )  # fmt: skip

    def __enter__(self) -> Served:
        deadline = time.monotonic() + 120
        while self.proc.poll() is None and time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/health", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.3)
        self.__exit__()
        raise RuntimeError(f"server did not start: {self.proc.stdout.read() if self.proc.stdout else ''}")

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        self.proc.wait(60)


@pytest.fixture(scope="module")
def served(demo_graphs, tmp_path_factory) -> Iterator[Served]:
    settings = stored(demo_graphs, tmp_path_factory.mktemp("served"))
    with Served(settings.store) as server:
        yield server


@pytest.fixture(scope="module")
def unserved(demo_graphs, tmp_path_factory) -> Path:
    """A second store with the same demo data and no server: where the command line runs by itself."""
    return stored(demo_graphs, tmp_path_factory.mktemp("unserved")).store


def test_the_server_leaves_its_address_and_a_private_token_beside_the_store(served):
    notice = served.store / SERVER_FILE
    assert notice.is_file() and f'"url": "{served.url}"' in notice.read_text()
    assert (served.store / TOKEN_FILE).stat().st_mode & 0o077 == 0


def test_read_commands_work_while_the_server_runs(served, tmp_path):
    graphs = cli(served.store, "graphs")
    assert graphs.returncode == 0, graphs.stderr
    assert "quelle/demo" in graphs.stdout
    query = cli(served.store, "query", "actors", "--format", "csv")
    assert query.returncode == 0, query.stderr
    assert len(query.stdout.splitlines()) > 100
    out = tmp_path / "alles.nq"
    export = cli(served.store, "export", "--format", "nq", "--out", str(out))
    assert export.returncode == 0, export.stderr
    assert "quelle/demo" in out.read_text(encoding="utf-8")


def test_an_import_through_the_command_line_shows_on_the_running_server_at_once(served, unserved):
    result = cli(served.store, "import", str(EXAMPLES / "akteure.csv"))
    assert result.returncode == 0, result.stderr
    assert "importiert / imported" in result.stdout
    api = httpx.get(f"{served.url}/api/actors", params={"q": "Phoenixsee"}, timeout=30).json()
    assert NEW_ACTOR in str(api)
    page = httpx.get(f"{served.url}/akteur/199001", timeout=30)
    assert page.status_code == 200 and NEW_ACTOR in page.text
    # The same import without a server prints the same (only the time it took differs).
    alone = cli(unserved, "import", str(EXAMPLES / "akteure.csv"))
    assert alone.returncode == 0, alone.stderr
    assert _without_timings(result.stdout) == _without_timings(alone.stdout)
    assert result.stderr == alone.stderr

    dropped = cli(served.store, "drop-source", "akteure")
    assert dropped.returncode == 0, dropped.stderr
    assert httpx.get(f"{served.url}/akteur/199001", timeout=30).status_code == 404
    assert NEW_ACTOR not in str(httpx.get(f"{served.url}/api/actors", params={"q": "Phoenixsee"}, timeout=30).json())

    # The drop was recorded as a version: undoing it through the running server brings the actor back at once.
    history = cli(served.store, "history", "akteure")
    assert history.returncode == 0, history.stderr
    last = [line.split()[0] for line in history.stdout.splitlines() if line.startswith("akteure@")][0]  # newest
    undone = cli(served.store, "undo", last)
    assert undone.returncode == 0, undone.stderr
    assert "Wiederhergestellt / restored" in undone.stdout
    assert httpx.get(f"{served.url}/akteur/199001", timeout=30).status_code == 200


def test_an_error_on_the_server_is_the_command_lines_own_message_and_exit_code(served, unserved):
    there = cli(served.store, "drop-source", "gibt-es-nicht")
    here = cli(unserved, "drop-source", "gibt-es-nicht")
    assert (there.returncode, there.stderr) == (here.returncode, here.stderr)
    assert there.returncode != 0 and "gibt-es-nicht" in there.stderr


def test_the_local_endpoint_wants_this_stores_token_and_is_not_documented(served, tmp_path):
    url = f"{served.url}/api/local/commands"
    body = {"command": "drop-source", "args": {"name": "demo"}}
    assert httpx.post(url, json=body, timeout=30).status_code == 401
    other = tmp_path / "other-store"
    other.mkdir()
    foreign = announce(other, served.url)  # a token as another store's server would write it
    try:
        answer = httpx.post(url, json=body, headers={"X-Bildungsnetz-Local-Token": foreign.token()}, timeout=30)
    finally:
        withdraw(other)
    assert answer.status_code == 401
    assert "quelle/demo" in str(httpx.get(f"{served.url}/api/graphs", timeout=30).json())  # nothing dropped
    assert not [p for p in httpx.get(f"{served.url}/openapi.json", timeout=30).json()["paths"] if "local" in p]


def test_a_command_that_cannot_go_through_the_server_says_so_and_changes_nothing(served, tmp_path):
    backup = tmp_path / "b.nq"
    assert cli(served.store, "backup", str(backup)).returncode == 0
    restored = cli(served.store, "restore", str(backup))
    assert restored.returncode == 2
    assert "laufenden Server" in restored.stderr and "running server" in restored.stderr


def test_the_notice_goes_with_the_server_and_a_stale_one_is_ignored(demo_graphs, tmp_path):
    store = stored(demo_graphs, tmp_path).store
    with Served(store):
        assert (store / SERVER_FILE).exists()
    assert not (store / SERVER_FILE).exists() and not (store / TOKEN_FILE).exists()
    # A server killed without clean-up leaves its notice; the next command ignores and removes it.
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (store / SERVER_FILE).write_text(f'{{"pid": {dead.stdout.strip()}, "url": "http://127.0.0.1:9", "token_file": ""}}')
    result = cli(store, "drop-source", "demo")
    assert result.returncode == 0, result.stderr
    assert not (store / SERVER_FILE).exists()


# -- two writers without a server --------------------------------------------------------------------------


def _dump(store: Path, prefix: str) -> list[str]:
    """The data graphs (``…/graph/quelle/…``) of ``store`` as sorted N-Quads lines."""
    with EmbeddedStore(store, read_only=True) as st:
        return sorted(str(q) for q in st.quads() if q.graph_name.value.split("/graph/")[-1].startswith(prefix))


def test_a_second_writer_waits_for_the_first_and_is_refused_naming_it_when_it_waits_too_long(
    demo_graphs, tmp_path, settings
):
    store = stored(demo_graphs, tmp_path).store
    holder = open_store(settings.model_copy(update={"store": store}), write=True)
    try:
        assert (store / OWNER_FILE).exists()
        refused = cli(store, "import", str(EXAMPLES / "akteure.csv"), BILDUNGSNETZ_WRITE_WAIT="0.5")
        assert refused.returncode == 2
        assert f"pid {os.getpid()}" in refused.stderr and "nichts geändert" in refused.stderr
        waiting = subprocess.Popen(
            [sys.executable, "-m", "bildungsnetz", "import", str(EXAMPLES / "akteure.csv")],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=_env(store, BILDUNGSNETZ_WRITE_WAIT="120"),
        )  # fmt: skip
        time.sleep(1)  # not a timing assertion: the import succeeds whether it had to wait or not
    finally:
        holder.close()
        del holder
    stdout, stderr = waiting.communicate(timeout=300)
    assert waiting.returncode == 0, stderr
    assert "importiert / imported" in stdout
    assert _dump(store, "quelle/akteure")


def test_two_imports_at_once_both_land_as_if_run_one_after_the_other(demo_graphs, tmp_path):
    together = stored(demo_graphs, tmp_path / "together").store
    apart = stored(demo_graphs, tmp_path / "apart").store
    jobs = [
        ["import", str(EXAMPLES / "akteure.csv")],
        ["import", str(EXAMPLES / "akteure.csv"), str(EXAMPLES / "netzwerke.csv"), "--source", "zwei"],
    ]
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "bildungsnetz", *job],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(together),
        )  # fmt: skip
        for job in jobs
    ]
    for proc in procs:
        _, stderr = proc.communicate(timeout=300)
        assert proc.returncode == 0, stderr
    for job in jobs:
        assert cli(apart, *job).returncode == 0
    assert _dump(together, "quelle/") == _dump(apart, "quelle/")
    assert _dump(together, "quelle/zwei") and _dump(together, "quelle/akteure")


def _offer_ids(url: str, **params: str) -> set[str]:
    answer = httpx.get(f"{url}/api/offers", params={"limit": 1000, **params}, timeout=30).json()
    return {item["id"] for item in answer["items"]}


def test_an_sdg_decision_through_the_command_line_shows_on_the_running_server_at_once(served):
    before = _offer_ids(served.url, sdg="17")
    offer = sorted(_offer_ids(served.url) - before)[0]
    confirmed = cli(served.store, "sdg", "confirm", offer, "17", "--user", "test")
    assert confirmed.returncode == 0, confirmed.stderr
    assert '"bestaetigt"' in confirmed.stdout
    assert _offer_ids(served.url, sdg="17") == before | {offer}
    rejected = cli(served.store, "sdg", "reject", offer, "17", "--user", "test")
    assert rejected.returncode == 0, rejected.stderr
    assert _offer_ids(served.url, sdg="17") == before


def test_a_survey_round_made_on_the_command_line_goes_through_the_running_server(served, tmp_path):
    out = tmp_path / "einladungen.csv"
    made = cli(served.store, "survey", "new", "cli-2026", "--stadtbezirk", "Hörde", "--out", str(out),
               "--url", served.url)  # fmt: skip
    assert made.returncode == 0, made.stderr
    rows = out.read_text(encoding="utf-8-sig").splitlines()
    link = rows[1].rsplit(";", 1)[1].strip('"')
    assert link.startswith(f"{served.url}/befragung/")
    opened = httpx.get(link.replace("/befragung/", "/api/befragung/"), timeout=30)
    assert opened.status_code == 200 and opened.json()["round"]["name"] == "cli-2026"
    closed = cli(served.store, "survey", "close", "cli-2026")
    assert closed.returncode == 0, closed.stderr
    assert "geschlossen" in closed.stdout

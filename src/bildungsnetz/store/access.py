"""Who holds the embedded store: the running server's notice (its loopback address and a token file), the
command that has it open for writing, and :func:`open_embedded`, which reads beside them and waits for them."""

from __future__ import annotations

import json
import os
import secrets
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bildungsnetz.errors import StoreBusy, StoreError
from bildungsnetz.store.embedded import EmbeddedStore
from bildungsnetz.store.view import Landscape

__all__ = [
    "SERVER_FILE",
    "TOKEN_FILE",
    "OWNER_FILE",
    "LocalServer",
    "announce",
    "withdraw",
    "live_server",
    "holder",
    "open_embedded",
]

#: Written by the serving process into the store folder: its pid, its loopback URL and where its token lies.
SERVER_FILE = ".bildungsnetz-server.json"
#: The server's token for commands handed to it (mode 0600, beside :data:`SERVER_FILE`).
TOKEN_FILE = ".bildungsnetz-server.token"
#: Written by whoever opened the store for writing: pid and command, so that a waiting command can name it.
OWNER_FILE = ".bildungsnetz-owner.json"


@dataclass(frozen=True)
class LocalServer:
    """A live ``bildungsnetz serve`` on a store: where to reach it and the file holding its token."""

    pid: int
    url: str
    token_file: Path

    def token(self) -> str:
        """The token; a :class:`StoreError` when the file cannot be read (another user's server)."""
        try:
            return self.token_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise StoreError(
                f"Schlüssel des Servers (pid {self.pid}) nicht lesbar: {self.token_file} / cannot read the token of "
                f"the server (pid {self.pid}): {exc.strerror}"
            ) from None


def _alive(pid: int) -> bool:
    """Whether a process ``pid`` exists (one of another user counts as alive)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` to a fresh file only its owner may read (an old file is replaced, never reused)."""
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)


def _write_atomic(path: Path, data: dict) -> None:
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data), encoding="utf-8")
    os.replace(tmp, path)


def _read(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("pid"), int) else None


def announce(store: Path, url: str) -> LocalServer:
    """Tell command-line processes that this process serves ``store`` at ``url`` (a loopback address)."""
    token_file = store / TOKEN_FILE
    _write_private(token_file, secrets.token_urlsafe(32))
    server = LocalServer(os.getpid(), url, token_file.resolve())
    _write_atomic(store / SERVER_FILE, {"pid": server.pid, "url": url, "token_file": str(server.token_file)})
    return server


def withdraw(store: Path) -> None:
    """Remove this process's notice (a notice of another process stays)."""
    data = _read(store / SERVER_FILE)
    if data is not None and data["pid"] == os.getpid():
        (store / SERVER_FILE).unlink(missing_ok=True)
        (store / TOKEN_FILE).unlink(missing_ok=True)


def live_server(store: Path) -> LocalServer | None:
    """The server announced for ``store`` if its process still runs; a stale notice is removed and ignored."""
    data = _read(store / SERVER_FILE)
    if data is None:
        return None
    if not _alive(data["pid"]):
        (store / SERVER_FILE).unlink(missing_ok=True)
        (store / TOKEN_FILE).unlink(missing_ok=True)
        return None
    if data["pid"] == os.getpid():  # the serving process itself opens its store directly
        return None
    return LocalServer(data["pid"], str(data.get("url", "")), Path(str(data.get("token_file", ""))))


def holder(store: Path) -> str:
    """Who holds ``store`` for writing, for a message: ``"pid 123 (bildungsnetz import a.csv)"`` or ``""``."""
    server = live_server(store)
    if server is not None:
        return f"pid {server.pid} (bildungsnetz serve, {server.url})"
    data = _read(store / OWNER_FILE)
    if data is None or not _alive(data["pid"]):
        return ""
    return f"pid {data['pid']} ({str(data.get('command', ''))[:120]})"


def _claim(store: Path) -> None:
    command = " ".join(["bildungsnetz", *sys.argv[1:3]]) if sys.argv else "bildungsnetz"
    try:
        _write_atomic(store / OWNER_FILE, {"pid": os.getpid(), "command": command})
    except OSError:  # only ever used to name the holder in a message
        pass


def _busy(store: Path, waited: float) -> StoreBusy:
    who = holder(store) or "?"
    return StoreBusy(
        f"Speicher {store} ist belegt von {who}; nach {waited:.0f} s Warten nichts geändert – später erneut "
        f"versuchen / store {store} is held by {who}; gave up after {waited:.0f} s, nothing changed – try again later"
    )


def open_embedded(
    path: Path, *, write: bool, wait: float = 30.0, landscape: Landscape | None = None
) -> EmbeddedStore:
    """Open the embedded store in ``path`` beside whoever else holds it.

    ``write=False``: the store itself when it is free, else a read-only view of what the holder has written.
    ``write=True``: a running server is never waited for (writes go through it, see
    :mod:`bildungsnetz.cli.handoff`); another command is waited for up to ``wait`` seconds, then
    :class:`StoreBusy` names it. Two writers never share the store: RocksDB's lock decides.
    """
    path = Path(path)
    if write:
        server = live_server(path)
        if server is not None:
            raise StoreBusy(
                f"Speicher {path} wird vom laufenden Server bedient (pid {server.pid}, {server.url}); dieser Befehl "
                "kann nicht über ihn laufen – Server anhalten und erneut versuchen / store "
                f"{path} is served by a running server (pid {server.pid}, {server.url}); this command cannot go "
                "through it – stop the server and try again"
            )
    started = time.monotonic()
    while True:
        try:
            store = EmbeddedStore(path, landscape=landscape)
        except StoreBusy:
            if not write and path.is_dir():
                return EmbeddedStore(path, read_only=True, landscape=landscape)
            waited = time.monotonic() - started
            if waited >= wait:
                raise _busy(path, waited) from None
            time.sleep(min(0.2, max(wait - waited, 0.01)))
            continue
        if write:
            _claim(path)
            store.owner_file = path / OWNER_FILE
        return store

"""The demo login: a token with roles redaktion and intern, accepted only by a store that holds the demo city."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from bildungsnetz.iris import Iris
from bildungsnetz.store.base import Store

__all__ = ["DEMO_GRAPH", "DEMO_NAME", "DEMO_ROLES", "login_file", "ensure_login", "demo_token"]

#: The named graph of the synthetic demo data (``Iris.graph(DEMO_GRAPH)``); only a store holding it is a demo store.
DEMO_GRAPH = "quelle/demo"
#: Who the demo login is in PROV records: clearly not a person.
DEMO_NAME = "Demo-Anmeldung"
#: The roles of the demo login: everything a newcomer should be able to try.
DEMO_ROLES = ("intern", "redaktion")


def login_file(store: Path) -> Path:
    """Where the demo login of the embedded store in ``store`` is kept: a file beside the store's folder.

    >>> login_file(Path("daten/bildungsnetz-data")).name
    'bildungsnetz-data.demo-anmeldung.json'
    """
    return store.with_name(store.name + ".demo-anmeldung.json")


def ensure_login(store: Path) -> str:
    """The demo token of ``store``, made (random, 256 bits) and kept beside it on the first call."""
    path = login_file(store)
    try:
        return str(json.loads(path.read_text(encoding="utf-8"))["token"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    token = secrets.token_urlsafe(32)
    body = {"token": token, "rollen": list(DEMO_ROLES), "hinweis": "Nur für die Demo-Stadt / demo store only"}
    path.parent.mkdir(parents=True, exist_ok=True)
    # Readable by its owner only: it signs in with every role.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(body, fh, ensure_ascii=False, indent=1)
    return token


def demo_token(path: Path, store: Store, iris: Iris) -> str | None:
    """The demo token kept beside the store folder ``path``, but only when ``store`` holds the demo city.

    A login file copied beside a store of real data signs in no one: ``None``.
    """
    file = login_file(path)
    if not file.is_file() or str(iris.graph(DEMO_GRAPH)) not in set(store.named_graphs()):
        return None
    try:
        token = str(json.loads(file.read_text(encoding="utf-8"))["token"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return token if len(token) >= 16 else None

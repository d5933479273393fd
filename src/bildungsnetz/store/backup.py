"""Back up the whole store as N-Quads and restore it; backup then restore gives an isomorphic dataset."""

from __future__ import annotations

import gzip
from collections import defaultdict
from pathlib import Path

import pyoxigraph as ox

from bildungsnetz.errors import InputError
from bildungsnetz.store.base import Store

__all__ = ["backup_store", "restore_store"]


def _open(path: Path, mode: str):
    return gzip.open(path, mode) if path.suffix == ".gz" else path.open(mode)


def backup_store(store: Store, path: Path) -> int:
    """Write every quad of every named graph to ``path`` (gzip when it ends in ``.gz``); returns the count."""
    quads = [q for q in store.quads() if isinstance(q.graph_name, ox.NamedNode)]
    tmp = path.with_name(path.name + ".tmp")
    with _open(tmp, "wb") as fh:
        ox.serialize(quads, fh, ox.RdfFormat.N_QUADS)
    tmp.replace(path)  # never leave a half-written backup under the real name
    return len(quads)


def restore_store(store: Store, path: Path) -> int:
    """Replace the store's content with the backup in one transaction; graphs not in the backup are removed."""
    graphs: dict[str, list[ox.Triple]] = defaultdict(list)
    try:
        with _open(path, "rb") as fh:
            for q in ox.parse(fh, ox.RdfFormat.N_QUADS):
                if not isinstance(q.graph_name, ox.NamedNode):
                    raise InputError(f"{path}: Quad ohne benannten Graphen / quad outside a named graph")
                graphs[q.graph_name.value].append(q.triple)
    except SyntaxError as exc:
        raise InputError(f"{path}: keine gültige Sicherung / not a valid backup ({exc})") from None
    except (OSError, EOFError) as exc:
        raise InputError(f"{path}: Sicherung nicht lesbar / backup cannot be read ({exc})") from None
    for g in store.named_graphs():
        graphs.setdefault(g, [])
    store.replace_graphs(dict(graphs))
    return sum(len(t) for t in graphs.values())

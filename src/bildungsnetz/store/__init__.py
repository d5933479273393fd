"""The knowledge-graph store: one small interface (:class:`Store`), an embedded Oxigraph
(:class:`EmbeddedStore`) or a remote SPARQL 1.1 server (:class:`~bildungsnetz.store.remote.RemoteStore`)
behind it, and :func:`open_store`, the one way to open the store that the settings name."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from bildungsnetz.store.base import Store, StoreError
from bildungsnetz.store.embedded import EmbeddedStore
from bildungsnetz.store.view import Landscape, Precedence

if TYPE_CHECKING:
    from bildungsnetz.settings import Settings

__all__ = ["Store", "EmbeddedStore", "StoreError", "open_store"]


def open_store(source: Settings | Path | str | None, *, write: bool | None = None) -> Store:
    """The store the settings name: a :class:`~bildungsnetz.store.remote.RemoteStore` when ``endpoint`` is set,
    else the embedded store in ``settings.store``. A path (or ``None`` for memory) opens an embedded store.

    ``write`` says what the caller means to do with an embedded store that another process holds (a running
    server, another command; see :func:`bildungsnetz.store.access.open_embedded`): ``False`` reads a read-only
    view beside it, ``True`` waits ``settings.write_wait`` seconds for it. ``None`` (the default) neither reads
    beside nor waits: a held store is an error at once.

    >>> from bildungsnetz.settings import Settings
    >>> type(open_store(Settings(endpoint="http://127.0.0.1:8890/sparql"))).__name__
    'RemoteStore'
    >>> type(open_store(None)).__name__
    'EmbeddedStore'
    """
    if source is None or isinstance(source, (str, Path)):
        return EmbeddedStore(source)
    from bildungsnetz.iris import Iris  # noqa: PLC0415

    landscape = Landscape(Iris(source.base_iri).base + "graph/", Precedence.load(source.precedence_file))
    if not source.endpoint:
        if write is None:
            return EmbeddedStore(source.store, landscape=landscape)
        from bildungsnetz.store.access import open_embedded  # noqa: PLC0415

        return open_embedded(source.store, write=write, wait=source.write_wait, landscape=landscape)
    from bildungsnetz.store.remote import RemoteStore  # noqa: PLC0415

    password = source.endpoint_password.get_secret_value() if source.endpoint_password else None
    return RemoteStore(
        source.endpoint,
        update_endpoint=source.update_endpoint,
        gsp_endpoint=source.gsp_endpoint,
        user=source.endpoint_user,
        password=password,
        timeout=source.endpoint_timeout,
        graph_prefix=Iris(source.base_iri).base + "graph/",
        landscape=landscape,
        landscape_reads=source.endpoint_landscape,
    )

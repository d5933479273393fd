"""The sources' history: ``history`` lists the versions, ``undo`` restores a source as it was."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Annotated

import typer

from bildungsnetz.cli.common import StoreOpt, _settings, app, domain_errors, out
from bildungsnetz.cli.data import _who
from bildungsnetz.cli.handoff import hand_off
from bildungsnetz.errors import UsageError
from bildungsnetz.iris import Iris
from bildungsnetz.store import open_store

__all__ = ["history", "undo"]


def _change_text(change: dict) -> str:
    parts = []
    for name, t in sorted((change.get("tables") or {}).items()):
        parts.append(f"{name} +{t['new']} ~{t['changed']} -{t['removed']}")
    contacts = change.get("contacts") or {}
    if any(contacts.values()):
        parts.append(f"kontakte +{contacts['new']} ~{contacts['changed']} -{contacts['removed']}")
    return ", ".join(parts) or "–"


@app.command()
@domain_errors
def history(
    source: Annotated[str | None, typer.Argument(help="Name der Quelle / source name (Vorgabe: alle / all)")] = None,
    store: StoreOpt = None,
) -> None:
    """Versionen der Quellen: wer, wann, welche Datei, was geändert / versions of the sources: who, when, what.

    Jeder Import, jedes drop-source und jedes undo ist eine Version QUELLE@NUMMER; 'bildungsnetz undo
    QUELLE@NUMMER' stellt den Stand davor wieder her (BILDUNGSNETZ_VERSIONS_KEEP Versionen je Quelle).
    """
    from bildungsnetz.ingest.versions import Versions

    versions = Versions.from_settings(_settings(store))
    names = [source] if source is not None else versions.sources()
    out.print(f"Versionen / versions – {versions.folder}", markup=False)
    count = 0
    for name in names:
        for v in reversed(versions.history(name)):
            out.print(f"{v.id}  {v.action}  {v.at.replace('+00:00', ' UTC')}  {v.agent}", markup=False,
                      highlight=False)  # fmt: skip
            files = ", ".join(f"{f['name']} (sha256 {f['sha256'][:12]}…)" for f in v.files)
            if files:
                out.print(f"    Dateien / files: {files}", markup=False, highlight=False)
            if v.note:
                out.print(f"    {v.note}", markup=False, highlight=False)
            counts = " · ".join(f"{k} {n}" for k, n in v.counts.items())
            out.print(f"    {counts}  Änderung / change: {_change_text(v.change)}", markup=False, highlight=False)
            count += 1
    if not count:
        out.print("keine Versionen / no versions" + (f" (Quelle / source »{source}«)" if source else ""))


@app.command()
@domain_errors
def undo(
    version: Annotated[
        str | None, typer.Argument(help="QUELLE@NUMMER: den Stand vor dieser Version wiederherstellen / "
                                   "restore the state before this version")
    ] = None,
    to: Annotated[
        str | None, typer.Option("--to", help="QUELLE@NUMMER: den Stand nach dieser Version / the state after it")
    ] = None,
    store: StoreOpt = None,
) -> None:
    """Eine Quelle so wiederherstellen, wie sie war / restore a source exactly as it was.

    'undo akteure@3' macht Version 3 (und alle späteren) rückgängig; 'undo --to akteure@3' stellt den Stand
    direkt nach Version 3 her. Das Rückgängigmachen ist selbst eine Version und lässt sich rückgängig machen.
    """
    from bildungsnetz.ingest.versions import Versions
    from bildungsnetz.ingest.versions import undo as restore

    if (version is None) == (to is None):
        raise UsageError("genau eins: VERSION oder --to VERSION / exactly one: VERSION or --to VERSION")
    settings = _settings(store)
    target = version or to or ""
    # With a server running on the store, it restores (and its pages show it at once); else this process does.
    handed, answer = hand_off(settings, "undo", {"version": target, "to": to is not None, "agent": _who()})
    if handed:
        done = SimpleNamespace(**answer) if answer is not None else None
    else:
        with open_store(settings, write=True) as st:
            done = restore(st, Iris(settings.base_iri), Versions.from_settings(settings), target,
                           to=to is not None, agent=_who())  # fmt: skip
    if done is None:
        out.print("Die Quelle ist schon in diesem Stand, nichts geändert / the source already is in that state, "
                  "nothing changed", markup=False)  # fmt: skip
        return
    out.print(f"Wiederhergestellt / restored: {done.note} – als Version / recorded as {done.id} "
              f"(rückgängig / undo: bildungsnetz undo {done.id})", markup=False)  # fmt: skip
    out.print("Änderung / change: " + _change_text(done.change), markup=False)

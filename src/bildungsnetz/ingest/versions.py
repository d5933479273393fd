"""The history of each source: a compressed snapshot before every change, and undo back to any of them.

Before an import, a drop or an undo changes a source, its graphs (``quelle``, ``privat``, ``meta``) as they were
are written to ``<folder>/<source>/<n>.nq.gz``, and ``<folder>/<source>/index.json`` records version ``n``: who,
when, what (action, files with checksums, counts, the change). The folder is ``versionen/`` beside the store
folder (``BILDUNGSNETZ_VERSIONS_DIR``), for the embedded and the remote store alike, so undo works the same on
both; the last ``BILDUNGSNETZ_VERSIONS_KEEP`` versions per source are kept. Snapshots hold contact persons as the
store does; the change summary never names them.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox

from bildungsnetz.errors import UnknownVersion, UsageError
from bildungsnetz.ingest.sources import SOURCE_NAME, source_graphs
from bildungsnetz.iris import Iris
from bildungsnetz.store import Store

__all__ = ["Version", "Versions", "parse_version", "read_source", "record_drop", "undo"]

_VERSION = re.compile(r"^(?P<source>[A-Za-z0-9][A-Za-z0-9._-]{0,79})@(?P<n>[0-9]{1,9})$")


def parse_version(text: str) -> tuple[str, int]:
    """``SOURCE@N`` → (source, n).

    >>> parse_version("akteure-2024@3")
    ('akteure-2024', 3)
    >>> parse_version("akteure")
    Traceback (most recent call last):
    ...
    bildungsnetz.errors.UsageError: Version "akteure": erwartet QUELLE@NUMMER, z. B. akteure@3 / ...
    """
    found = _VERSION.match(text.strip())
    if not found:
        raise UsageError(
            f'Version "{text[:100]}": erwartet QUELLE@NUMMER, z. B. akteure@3 / '
            "expected SOURCE@NUMBER, e.g. akteure@3 ('bildungsnetz history' lists them)"
        )
    return found["source"], int(found["n"])


@dataclass
class Version:
    """One change of a source. Its snapshot holds the source as it was before that change."""

    source: str
    number: int
    action: str  # import, drop, undo
    agent: str
    at: str
    files: list[dict] = field(default_factory=list)
    counts: dict = field(default_factory=dict)
    change: dict = field(default_factory=dict)
    note: str = ""
    snapshot: str = ""
    snapshot_sha256: str = ""
    snapshot_quads: int = 0

    @property
    def id(self) -> str:
        """``source@number``, as ``bildungsnetz undo`` takes it."""
        return f"{self.source}@{self.number}"

    def to_dict(self, *, private: bool = False) -> dict:
        """JSON-ready; contact-person counts only with ``private`` (role ``intern``)."""
        out = asdict(self) | {"id": self.id}
        if not private and isinstance(out["change"], dict):
            out["change"] = {k: v for k, v in out["change"].items() if k != "contacts"}
        return out


def read_source(store: Store, iris: Iris, source: str) -> list[ox.Quad]:
    """Every quad of the source's graphs as the store holds them now."""
    present = set(store.named_graphs())
    return [q for g in source_graphs(iris, source) if g in present for q in store.quads(g)]


class Versions:
    """The version folder: a folder per source with its snapshots and ``index.json``."""

    def __init__(self, folder: Path | str, *, keep: int = 20) -> None:
        self.folder = Path(folder)
        self.keep = max(1, keep)

    @classmethod
    def from_settings(cls, settings) -> Versions:
        """The folder and retention of ``settings`` (``versions_dir``, default ``versionen/`` beside the store)."""
        folder = getattr(settings, "versions_dir", None) or Path(settings.store) / "versionen"
        return cls(folder, keep=getattr(settings, "versions_keep", 20))

    def _dir(self, source: str) -> Path:
        if not SOURCE_NAME.match(source):
            raise UsageError(f'Quelle "{source[:80]}": kein Quellname / not a source name')
        return self.folder / source

    def _index(self, source: str) -> dict:
        path = self._dir(source) / "index.json"
        if not path.is_file():
            return {"next": 1, "versions": []}
        return json.loads(path.read_text(encoding="utf-8"))

    def _write_index(self, source: str, index: dict) -> None:
        folder = self._dir(source)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".index-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(index, fh, ensure_ascii=False, indent=1)
        os.replace(tmp, folder / "index.json")

    def sources(self) -> list[str]:
        """Sources with a history, by name."""
        if not self.folder.is_dir():
            return []
        return sorted(p.name for p in self.folder.iterdir() if (p / "index.json").is_file())

    def history(self, source: str) -> list[Version]:
        """The kept versions of ``source``, oldest first."""
        return [Version(**v) for v in self._index(source)["versions"]]

    def get(self, source: str, number: int) -> Version:
        """One version; :class:`UnknownVersion` when it is not (or no longer) kept."""
        for v in self.history(source):
            if v.number == number:
                return v
        raise UnknownVersion(
            f"Version {source}@{number} gibt es nicht (mehr) – 'bildungsnetz history {source}' zeigt die Versionen / "
            f"no version {source}@{number} (any more) – 'bildungsnetz history {source}' lists them"
        )

    def record(
        self,
        source: str,
        *,
        before: list[ox.Quad],
        action: str,
        agent: str,
        files: list[dict] | None = None,
        counts: dict | None = None,
        change: dict | None = None,
        note: str = "",
    ) -> Version:
        """Keep ``before`` (the source's quads before the change) as the snapshot of a new version."""
        folder = self._dir(source)
        folder.mkdir(parents=True, exist_ok=True)
        index = self._index(source)
        number = int(index["next"])
        name = f"{number}.nq.gz"
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".snap-", suffix=".nq.gz")
        # Level 6, not gzip's 9: half the time on N-Quads for about 3 % more bytes (every import and undo writes one).
        with os.fdopen(fd, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, compresslevel=6) as gz:
            if before:  # streamed: a large source is never held twice in memory as text
                ox.serialize(before, gz, ox.RdfFormat.N_QUADS)
        checksum = _sha256(Path(tmp))
        os.replace(tmp, folder / name)
        version = Version(
            source=source, number=number, action=action, agent=agent,
            at=datetime.now(UTC).isoformat(timespec="seconds"), files=files or [], counts=counts or {},
            change=change or {}, note=note, snapshot=name,
            snapshot_sha256=checksum, snapshot_quads=len(before),
        )  # fmt: skip
        index["versions"].append(asdict(version))
        index["next"] = number + 1
        dropped, index["versions"] = index["versions"][: -self.keep], index["versions"][-self.keep :]
        self._write_index(source, index)
        for old in dropped:
            (folder / old["snapshot"]).unlink(missing_ok=True)
        return version

    def discard(self, version_id: str) -> None:
        """Forget a version whose write failed (the store never changed)."""
        source, number = parse_version(version_id)
        index = self._index(source)
        gone = [v for v in index["versions"] if v["number"] == number]
        index["versions"] = [v for v in index["versions"] if v["number"] != number]
        self._write_index(source, index)
        for v in gone:
            (self._dir(source) / v["snapshot"]).unlink(missing_ok=True)

    def load(self, version: Version) -> list[ox.Quad]:
        """The quads of a version's snapshot, checked against the checksum recorded with it."""
        path = self._dir(version.source) / version.snapshot
        try:
            if _sha256(path) != version.snapshot_sha256:
                raise UnknownVersion(
                    f"Version {version.id}: Sicherung {path} ist verändert, nichts geändert / "
                    "snapshot was altered, nothing changed"
                )
            with gzip.open(path, "rb") as fh:
                return list(ox.parse(fh, format=ox.RdfFormat.N_QUADS))
        except (OSError, EOFError, SyntaxError) as exc:
            raise UnknownVersion(
                f"Version {version.id}: Sicherung {path} nicht lesbar, nichts geändert / snapshot cannot be read, "
                f"nothing changed ({type(exc).__name__})"
            ) from None


def _sha256(path: Path) -> str:
    """SHA-256 of a (compressed) snapshot file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _summary(before: list[ox.Quad], after: list[ox.Quad], iris: Iris, source: str) -> dict:
    """The change from ``before`` to ``after``, computed over the rows that differ only.

    A row whose statements are the same on both sides adds nothing to a change, so only the rows (table and key,
    :func:`~bildungsnetz.ingest.change.row_key`) of the quads in ``before`` ∆ ``after`` are compared: an undo of
    100 changed rows in a source of 100,000 compares 100 rows. ``held`` still counts every row before.
    """
    from bildungsnetz.ingest.change import compute_change, row_key

    data_graph, private_graph, _ = source_graphs(iris, source)
    old, new = set(before), set(after)

    keys: dict[ox.Term, object] = {}

    def key(term: ox.Term) -> object:
        if term not in keys:
            keys[term] = (row_key(term.value, iris) or term.value) if isinstance(term, ox.NamedNode) else None
        return keys[term]

    rows = {key(q.subject) for q in old ^ new} - {None}

    def part(quads: set[ox.Quad], graph: str) -> list[ox.Triple]:
        return [q.triple for q in quads if q.graph_name.value == graph and key(q.subject) in rows]

    change = compute_change(
        source, old_data=part(old, data_graph), old_private=part(old, private_graph),
        new_data=part(new, data_graph), new_private=part(new, private_graph), iris=iris,
    )  # fmt: skip
    change.held = sum(len({key(s) for s in {q.subject for q in old if q.graph_name.value == g}} - {None})
                      for g in (data_graph, private_graph))  # fmt: skip
    return change.to_dict()


def _counts(quads: list[ox.Quad], iris: Iris, source: str) -> dict:
    data_graph, private_graph, _ = source_graphs(iris, source)
    return {
        "triples": sum(1 for q in quads if q.graph_name.value == data_graph),
        "private_triples": sum(1 for q in quads if q.graph_name.value == private_graph),
    }


def undo(store: Store, iris: Iris, versions: Versions, target: str, *, to: bool = False,
         agent: str = "bildungsnetz") -> Version | None:  # fmt: skip
    """Restore a source as it was before version ``target`` (``to``: right after it), recorded as a version.

    Only the difference between the source and the snapshot is written, in one ``change_graphs`` (one transaction
    on the embedded store; staged and journalled on a remote one), and the landscape recomputed for the subjects
    it touches: the write grows with the change, not with the source. Returns the new version, or None when the
    source already is in that state.
    """
    source, number = parse_version(target)
    version = versions.get(source, number)
    if to:
        later = [v for v in versions.history(source) if v.number > number]
        if not later:
            return None
        restore = versions.load(later[0])
    else:
        restore = versions.load(version)
    before = read_source(store, iris, source)
    changes = _differing(before, restore, source_graphs(iris, source))
    if not changes:
        return None
    store.change_graphs(changes)
    what = f"Stand nach / state after {target}" if to else f"Stand vor / state before {target}"
    return versions.record(source, before=before, action="undo", agent=agent, counts=_counts(restore, iris, source),
                           change=_summary(before, restore, iris, source), note=what)  # fmt: skip


def _differing(
    now: list[ox.Quad], wanted: list[ox.Quad], graphs: list[str]
) -> dict[str, tuple[list[ox.Triple], list[ox.Triple]]]:
    """Per graph whose content in ``now`` is not that of ``wanted``: the triples to remove and those to add.

    Compared as sets of terms (a store holds each quad once), not as sorted text: no canonical dump of the source.
    """
    held: dict[str, set[ox.Triple]] = {g: set() for g in graphs}
    for q in now:
        held.setdefault(q.graph_name.value, set()).add(q.triple)
    want: dict[str, set[ox.Triple]] = {g: set() for g in graphs}
    for q in wanted:
        want.setdefault(q.graph_name.value, set()).add(q.triple)
    return {g: (list(held[g] - want[g]), list(want[g] - held[g])) for g in graphs if held[g] != want[g]}


def record_drop(store: Store, iris: Iris, versions: Versions, source: str, *, agent: str = "bildungsnetz"):
    """Remove a source (:func:`~bildungsnetz.ingest.sources.drop_source`) and record it as a version."""
    from bildungsnetz.ingest.sources import drop_source

    before = read_source(store, iris, source)
    dropped = drop_source(store, iris, source)
    versions.record(source, before=before, action="drop", agent=agent, counts={"triples": 0, "private_triples": 0},
                    change=_summary(before, [], iris, source))  # fmt: skip
    return dropped

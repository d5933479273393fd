"""Read uploaded spreadsheets in a child process under memory and CPU limits, so no file can take the server down."""

from __future__ import annotations

import multiprocessing
import os
import resource
import signal
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bildungsnetz.errors import BildungsnetzError
from bildungsnetz.ingest.tables import LimitExceeded, RawTable, ReadLimits, read_tables

__all__ = ["ChildLimits", "read_in_child", "child_reader"]


@dataclass(frozen=True)
class ChildLimits:
    """What the reading child may use: ``BILDUNGSNETZ_IMPORT_PARSE_CPU_SECONDS`` and ``…_MEMORY_MB``."""

    cpu_seconds: int = 300
    memory_mb: int = 2048

    @classmethod
    def from_settings(cls, settings: object) -> ChildLimits:
        """The limits of ``settings``."""
        return cls(settings.import_parse_cpu_seconds, settings.import_parse_memory_mb)  # type: ignore[attr-defined]


def read_in_child(
    paths: Sequence[Path], *, kind: str | None, limits: ReadLimits, child: ChildLimits
) -> list[tuple[list[RawTable], list[str]]]:
    """Each file read by :func:`~bildungsnetz.ingest.tables.read_tables` in one child process: its tables and notes.

    The child is spawned (a fresh interpreter: nothing of the server's memory or store), dies with this process,
    and runs under ``RLIMIT_AS`` and ``RLIMIT_CPU``. A file that makes it exceed one is refused naming the limit.

    Raises
    ------
    TableError, LimitExceeded
        The child's own refusal, as :func:`read_tables` raises it.
    LimitExceeded
        When the child ran out of memory or CPU time, or died otherwise (HTTP 413).
    """
    ctx = multiprocessing.get_context("spawn")
    receive, send = ctx.Pipe(duplex=False)
    process = ctx.Process(
        target=_child,
        args=(send, [str(p) for p in paths], kind, limits, child, os.getpid()),
        name="bildungsnetz-read",
        daemon=True,
    )
    process.start()
    send.close()  # the child holds the only write end: its death ends recv()
    try:
        answer = receive.recv()
    except EOFError:
        answer = None
    finally:
        receive.close()
        process.join()
    names = ", ".join(Path(p).name for p in paths)
    if answer is None or answer[0] == "memory":
        cpu = process.exitcode in (-signal.SIGXCPU, -signal.SIGKILL)
        if answer is None and cpu:
            raise LimitExceeded(
                f"Lesen nach {child.cpu_seconds} s Rechenzeit abgebrochen (Grenze "
                "BILDUNGSNETZ_IMPORT_PARSE_CPU_SECONDS); nichts geändert",
                f"reading stopped after {child.cpu_seconds} s of CPU time (limit "
                "BILDUNGSNETZ_IMPORT_PARSE_CPU_SECONDS); nothing changed",
                file=names,
            )
        if answer is None:  # died without a word: out of memory where Python could not even raise, or a crash
            raise LimitExceeded(
                f"Leseprozess ohne Ergebnis beendet (Code {process.exitcode}), vermutlich über der Speichergrenze "
                f"von {child.memory_mb} MB (BILDUNGSNETZ_IMPORT_PARSE_MEMORY_MB); nichts geändert",
                f"reading process ended without a result (code {process.exitcode}), probably over the memory "
                f"limit of {child.memory_mb} MB (BILDUNGSNETZ_IMPORT_PARSE_MEMORY_MB); nothing changed",
                file=names,
            )
        raise LimitExceeded(
            f"Lesen braucht mehr als {child.memory_mb} MB Speicher (Grenze BILDUNGSNETZ_IMPORT_PARSE_MEMORY_MB); "
            "nichts geändert",
            f"reading needs more than {child.memory_mb} MB of memory (limit BILDUNGSNETZ_IMPORT_PARSE_MEMORY_MB); "
            "nothing changed",
            file=names,
        )
    if answer[0] == "bug":
        raise RuntimeError(f"reading {names} in the child process failed: {answer[1]}")
    if answer[0] == "error":
        _, cls, message, attributes = answer
        error = cls.__new__(cls)
        Exception.__init__(error, message)
        error.__dict__.update(attributes)
        raise error
    return answer[1]


def child_reader(
    paths: Sequence[Path], *, kind: str | None, limits: ReadLimits, child: ChildLimits
):  # -> Callable like read_tables
    """A ``read`` for :func:`~bildungsnetz.ingest.tables.map_tables` that serves what one child read of ``paths``."""
    read = dict(zip((str(p) for p in paths), read_in_child(paths, kind=kind, limits=limits, child=child), strict=True))

    def serve(path: Path, *, kind: str | None = None, notes: list[str] | None = None, **_: object) -> list[RawTable]:
        tables, found = read[str(path)]
        if notes is not None:
            notes += found
        return tables

    return serve


def _child(send, paths: list[str], kind: str | None, limits: ReadLimits, child: ChildLimits, parent: int) -> None:
    from bildungsnetz.lifeline import tie_to_parent

    tie_to_parent(parent)
    memory = child.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    # SIGXCPU at the soft limit, SIGKILL a little later should it be caught
    resource.setrlimit(resource.RLIMIT_CPU, (child.cpu_seconds, child.cpu_seconds + 5))
    try:
        out = []
        for path in paths:
            notes: list[str] = []
            out.append((read_tables(Path(path), kind=kind, notes=notes, limits=limits), notes))
        answer: tuple = ("ok", out)
    except MemoryError:
        answer = ("memory",)
    except BildungsnetzError as exc:
        answer = ("error", type(exc), str(exc), dict(exc.__dict__))
    except Exception as exc:  # noqa: BLE001 - a bug: the parent reports it as one
        answer = ("bug", f"{type(exc).__name__}: {exc}")
    try:
        send.send(answer)
    except MemoryError:
        send.send(("memory",))
    finally:
        send.close()

"""Worker processes that die with the process that started them, instead of living on as orphans."""

from __future__ import annotations

import ctypes
import os
import signal
import sys

__all__ = ["tie_to_parent"]

_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def tie_to_parent(parent: int) -> None:
    """Call first thing in a worker: the kernel kills it when ``parent`` dies (Linux), and it quits at once if
    ``parent`` is already gone.

    Why: a ``kill -9`` of an import left its validation workers (about 130 MB each) running forever, and a
    reading child must not outlive the server that waits for it. The kernel sends SIGKILL when the parent
    (strictly: the parent's thread that started the worker) ends. The check afterwards closes the gap of a parent
    that died before the request was made: the worker was then handed to another process already.

    Parameters
    ----------
    parent : int
        ``os.getpid()`` of the starting process, taken there and passed to the worker.
    """
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # no prctl (another libc): the ppid check below still holds at start
            pass
    if os.getppid() != parent:
        os._exit(1)

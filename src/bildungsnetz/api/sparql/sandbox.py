"""Cut a ``/sparql`` worker process off the network, so that no query can make it send a request.

Two independent locks, both taken by the worker before it reads its first job:

1. A **seccomp filter** (Linux, x86-64 and aarch64): the ``socket()`` system call fails with ``EACCES`` for
   every address family but ``AF_UNIX`` (the worker talks to the server through a Unix socket pair it already
   holds). Without an Internet socket there is no TCP connection, no UDP, no DNS lookup: Oxigraph's HTTP client,
   which a ``SERVICE`` clause would use, cannot start. The filter needs no privileges (only
   ``PR_SET_NO_NEW_PRIVS``) and cannot be lifted by the process once set; children inherit it.
2. A **network namespace of its own** (``unshare(CLONE_NEWNET)``, as root, or together with a new user namespace
   where unprivileged user namespaces are allowed): the process then sees only a loopback interface that is down,
   so even a socket made some other way reaches nothing, not even 127.0.0.1.

:func:`deny_network` reports which locks hold; the worker refuses to start when neither does, unless
``BILDUNGSNETZ_SPARQL_ALLOW_UNSANDBOXED=1`` says that the operator accepts that (then the query check alone,
a full parse refusing ``SERVICE``, stands between a query and the network).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import platform
import struct
from dataclasses import dataclass

__all__ = ["Sandbox", "deny_network"]

# <linux/filter.h>, <linux/seccomp.h>, <linux/audit.h>
_BPF_LD_W_ABS = 0x00 | 0x00 | 0x20  # BPF_LD | BPF_W | BPF_ABS
_BPF_JEQ_K = 0x05 | 0x10 | 0x00  # BPF_JMP | BPF_JEQ | BPF_K
_BPF_JGE_K = 0x05 | 0x30 | 0x00  # BPF_JMP | BPF_JGE | BPF_K
_BPF_RET_K = 0x06 | 0x00  # BPF_RET | BPF_K
_SECCOMP_RET_ALLOW = 0x7FFF0000
_SECCOMP_RET_ERRNO = 0x00050000
_EACCES = 13
_AF_UNIX = 1
_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_SECCOMP = 22
_SECCOMP_MODE_FILTER = 2
_CLONE_NEWNET = 0x40000000
_CLONE_NEWUSER = 0x10000000
#: machine → (AUDIT_ARCH_*, number of socket(), numbers of other calls that create sockets)
_ARCHES = {
    "x86_64": (0xC000003E, 41, ()),
    "aarch64": (0xC00000B7, 198, ()),
}
_X32_SYSCALL_BIT = 0x40000000


@dataclass(frozen=True)
class Sandbox:
    """Which network locks hold in this process."""

    seccomp: bool
    netns: bool

    @property
    def closed(self) -> bool:
        return self.seccomp or self.netns


def _filter(arch: int, nr_socket: int) -> bytes:
    """The BPF program: ``socket(family != AF_UNIX, …)`` → EACCES; a foreign ABI → EACCES for every call."""
    deny = _SECCOMP_RET_ERRNO | _EACCES
    prog = [
        (_BPF_LD_W_ABS, 0, 0, 4),  # A = seccomp_data.arch
        (_BPF_JEQ_K, 1, 0, arch),  # native ABI? skip the next
        (_BPF_RET_K, 0, 0, deny),  # i386 / x32 entry points: nothing (no socketcall detour)
        (_BPF_LD_W_ABS, 0, 0, 0),  # A = seccomp_data.nr
        (_BPF_JGE_K, 0, 1, _X32_SYSCALL_BIT),  # x32 numbers on x86-64
        (_BPF_RET_K, 0, 0, deny),
        (_BPF_JEQ_K, 0, 3, nr_socket),  # not socket(): allow
        (_BPF_LD_W_ABS, 0, 0, 16),  # A = low word of args[0] (the address family)
        (_BPF_JEQ_K, 1, 0, _AF_UNIX),
        (_BPF_RET_K, 0, 0, deny),
        (_BPF_RET_K, 0, 0, _SECCOMP_RET_ALLOW),
    ]
    return b"".join(struct.pack("HBBI", *insn) for insn in prog)


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def _seccomp() -> bool:
    machine = platform.machine()
    if os.uname().sysname != "Linux" or machine not in _ARCHES:
        return False
    arch, nr_socket, _ = _ARCHES[machine]
    code = _filter(arch, nr_socket)
    buffer = ctypes.create_string_buffer(code, len(code))

    class _Prog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    prog = _Prog(len(code) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    libc = _libc()
    libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong]
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, None, 0, 0) != 0:
        return False
    return libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0) == 0


def _netns() -> bool:
    if os.uname().sysname != "Linux":
        return False
    libc = _libc()
    if libc.unshare(_CLONE_NEWNET) == 0:
        return True
    # Unprivileged: a user namespace of our own may create a network namespace (where the kernel allows it).
    return libc.unshare(_CLONE_NEWUSER | _CLONE_NEWNET) == 0


def deny_network() -> Sandbox:
    """Take both locks that this machine allows; call it before the process starts threads.

    The namespace comes first: ``unshare`` needs a process with one thread, and a seccomp filter would not
    stop it, but the order keeps the two independent.
    """
    netns = _netns()
    seccomp = _seccomp()
    return Sandbox(seccomp=seccomp, netns=netns)

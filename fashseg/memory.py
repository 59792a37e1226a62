"""Keeping the server's resident memory close to what it uses (glibc's allocator; elsewhere these do nothing).

A public Space's memory limit counts what the process holds, not what it uses.
"""

from __future__ import annotations

import ctypes
import os
import threading


def _glibc():
    try:
        libc = ctypes.CDLL("libc.so.6")
        return libc if hasattr(libc, "malloc_trim") else None
    except OSError:  # not glibc (macOS, musl, Windows)
        return None


LIBC = _glibc()


def limit_malloc_arenas(arenas: int = 2) -> None:
    """Cap glibc's malloc arenas before the server's threads start.

    By default each worker thread gets its own arena, and freed image buffers stay
    mapped in all of them: under load the resident memory creeps up by hundreds
    of MB. Two arenas keep it flat at no measurable cost in speed.
    """
    if LIBC is not None:
        LIBC.mallopt(-8, arenas)  # M_ARENA_MAX


def resident_mb() -> float | None:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return None


class FreedMemory:
    """Hands back to the system what a request on a large picture freed.

    glibc keeps freed blocks under 32 MB in its arenas for reuse, so a 48-megapixel
    upload, decoded and processed in bands, leaves a few hundred MB held and unused.
    After a request that left the resident size ``slack_mb`` above where the last
    trim left it, ``malloc_trim`` returns them (1-40 ms, only after such requests;
    a check costs a read of /proc/self/statm).
    """

    def __init__(self, slack_mb: float = 64):
        self.slack_mb, self.base, self.lock = slack_mb, resident_mb(), threading.Lock()

    def settle(self) -> bool:
        """Trim if this request left too much behind; True when it did."""
        now = resident_mb()
        if LIBC is None or now is None:
            return False
        with self.lock:
            if self.base is None or now < self.base:
                self.base = now
            if now - self.base <= self.slack_mb:
                return False
            LIBC.malloc_trim(0)
            self.base = resident_mb()
            return True

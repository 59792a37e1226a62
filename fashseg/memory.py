"""Keeping the server's resident memory close to what it uses (glibc's allocator; elsewhere these do nothing).

A public Space's memory limit counts what the process holds, not what it uses.
"""

from __future__ import annotations

import contextlib
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
    """Hands back to the system what requests on large pictures freed.

    glibc keeps freed blocks under 32 MB in its arenas for reuse, so a 48-megapixel
    upload, decoded and processed in bands, leaves a few hundred MB held and unused.
    When the last request in flight ends ``slack_mb`` above the resident size the
    server had when it was last idle, ``malloc_trim`` returns them (1-40 ms, only
    after such requests; a check reads /proc/self/statm). Only idle moments set that
    baseline: measured while another request still holds its buffers, it would be
    too high, and what that request freed would never be handed back.
    """

    def __init__(self, slack_mb: float = 64):
        self.slack_mb, self.base, self.busy, self.lock = slack_mb, resident_mb(), 0, threading.Lock()

    @contextlib.contextmanager
    def request(self):
        with self.lock:
            self.busy += 1
        try:
            yield
        finally:
            with self.lock:
                self.busy -= 1
                if self.busy == 0:
                    self.settle()

    def settle(self) -> bool:
        """With no request in flight: trim if they left too much behind; True when it did."""
        now = resident_mb()
        if LIBC is None or now is None:
            return False
        if self.base is None or now < self.base:
            self.base = now
        if now - self.base <= self.slack_mb:
            return False
        LIBC.malloc_trim(0)
        self.base = resident_mb()
        return True

"""The little Gradio glue that app.py needs: safe uploads and user-facing errors.

Kept apart from app.py so that the app file stays layout and wiring only.
"""

from __future__ import annotations

import ctypes
import functools
import logging
import traceback

import gradio as gr

from .checkpoint import CheckpointError
from .preprocess import InputError
from .service import Unavailable

log = logging.getLogger("fashseg")


class SafeImage(gr.Image):
    """gr.Image(type="filepath") that hands broken uploads to our own checks.

    Gradio opens uploads with PIL before the handler runs; a non-image, a bomb
    or a truncated file would fail there with a bare error. Here they reach
    ``load_image``, which names the problem and the fix.
    """

    is_template = True  # render with gr.Image's frontend

    def preprocess(self, payload):
        try:
            return super().preprocess(payload)
        except Exception:
            return None if payload is None or payload.path is None else str(payload.path)


def user_errors(fn):
    """Turn our exceptions into gr.Error toasts; log anything unexpected without showing a traceback."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (InputError, Unavailable, CheckpointError) as e:
            raise gr.Error(str(e), title="Cannot do that", print_exception=False) from None
        except gr.Error:
            raise
        except Exception as e:
            log.error("unexpected error in %s: %s", fn.__name__, traceback.format_exc(limit=-3))
            raise gr.Error(
                f"Something went wrong ({type(e).__name__}). Try another image; the app keeps running.", print_exception=False
            ) from None

    return wrapper


def limit_malloc_arenas(arenas: int = 2) -> None:
    """Cap glibc's malloc arenas before the server's threads start.

    By default each worker thread gets its own arena, and freed image buffers stay
    mapped in all of them: under load the resident memory creeps up by hundreds
    of MB. Two arenas keep it flat at no measurable cost in speed.
    """
    try:
        ctypes.CDLL("libc.so.6").mallopt(-8, arenas)  # M_ARENA_MAX
    except (OSError, AttributeError):  # not glibc (macOS, musl, Windows): nothing to do
        pass

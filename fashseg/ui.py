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


def raw_upload(payload):
    """The uploaded file's path (or its ``data:`` URL) exactly as sent, for ``load_image`` to check.

    Gradio would otherwise open, convert to RGB and re-save every upload before the
    app sees it: transparency turns black, and bombs and 2,000-frame GIFs are
    decoded before any size check.
    """
    if payload is None:
        return None
    path, url = getattr(payload, "path", None), getattr(payload, "url", None)
    if path:
        return str(path)
    if isinstance(url, str) and url.startswith("data:"):
        return url
    return None


class SafeImage(gr.Image):
    """gr.Image(type="filepath") that passes uploads on untouched (``raw_upload``)."""

    is_template = True  # render with gr.Image's frontend

    def preprocess(self, payload):
        return raw_upload(payload)


class SafeSketchpad(gr.Sketchpad):
    """gr.Sketchpad whose value is only the composite, untouched: background and layers are never decoded."""

    is_template = True

    def get_block_name(self) -> str:
        return "imageeditor"  # gr.Sketchpad is itself a template of the image editor's frontend

    def preprocess(self, payload):
        if payload is None:
            return None
        composite = payload.composite
        if payload.id is not None:
            cached = self.blob_storage.pop(payload.id, None)
            composite = cached.composite if cached else None
        return {"composite": raw_upload(composite)}


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


MAX_BODY_BYTES = 30 * 1024 * 1024  # a 25 MB upload plus its multipart framing


class BodyLimit:
    """ASGI middleware that refuses request bodies over ``max_bytes`` (413), declared or streamed.

    Gradio caps uploaded files, but not JSON bodies: a picture inlined as a data:
    URL, or any huge body, would otherwise be read into memory whole.
    """

    def __init__(self, app, max_bytes: int = MAX_BODY_BYTES):
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            return await self._refuse(send)
        seen = 0

        async def counted():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, counted, send)
        except _TooLarge:
            await self._refuse(send)

    async def _refuse(self, send):
        mb = self.max_bytes // 2**20
        body = f'{{"error": "The request is larger than {mb} MB. Send a smaller picture (at most 25 MB)."}}'.encode()
        await send({"type": "http.response.start", "status": 413, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": body})


class _TooLarge(Exception):
    pass

"""The little Gradio glue that app.py needs: safe uploads and user-facing errors.

Kept apart from app.py so that the app file stays layout and wiring only.
"""

from __future__ import annotations

import functools
import json
import logging
import math
import traceback

import gradio as gr
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from gradio.components.label import LabelData
from PIL import Image

from .checkpoint import CheckpointError
from .files import Shelf
from .preprocess import HEIC_FIX, PICTURE_FORMATS, InputError
from .service import Unavailable

log = logging.getLogger("fashseg")
REFUSED = "Cannot do that"  # every refusal's title (API clients read it; Gradio 6's toast shows its own "Error")


# Soft's indigo one shade darker, and darker grey for secondary text: Gradio's defaults
# give labels, buttons and the footer 2.4:1 to 4.5:1 contrast (WCAG AA asks 4.5:1).
_INDIGO = gr.themes.Color(
    c50="#eef2ff", c100="#e0e7ff", c200="#c7d2fe", c300="#a5b4fc", c400="#818cf8", c500="#4f46e5",
    c600="#4338ca", c700="#3730a3", c800="#312e81", c900="#1e1b4b", c950="#1a1744", name="fashseg_indigo",
)  # fmt: skip
THEME = gr.themes.Soft(primary_hue=_INDIGO).set(
    body_text_color_subdued="*neutral_600",
    body_text_color_subdued_dark="*neutral_300",
    block_label_text_color="*primary_600",
    block_title_text_color="*primary_600",
)

CSS = """
#note p { margin: 0; }
.caption-label { white-space: normal !important; overflow: visible !important; text-overflow: clip !important; }
@media (max-width: 500px) { .caption-label { font-size: 11px; padding: 2px 4px; } }
/* On a narrow screen the galleries wrap into as many columns as fit (a fixed 5 or 6 of at least 100 px ran off a phone),
   and the captions go under the thumbnails (laid over 96 px pictures, two lines of "✗ T-shirt/top → Shirt" hid half the garment). */
@media (max-width: 640px) {
  .labelled-gallery div.grid-container { grid-template-columns: repeat(auto-fill, minmax(96px, 1fr)); }
  .labelled-gallery .gallery-item:has(> .thumbnail-lg) { height: 100%; }
  .labelled-gallery .thumbnail-lg { height: 100% !important; aspect-ratio: auto !important; display: flex; flex-direction: column; justify-content: flex-start; }
  .labelled-gallery .thumbnail-lg img { aspect-ratio: 1 / 1; width: 100%; height: auto; flex: none; object-fit: contain; }
  .labelled-gallery .thumbnail-lg .caption-label { position: static !important; max-width: none !important; margin: 0; border-radius: 0; text-align: center; }
}
.dark { --color-accent: var(--primary-300); }  /* the selected tab's text, readable on the dark background */
.md table th, .md table td { overflow-wrap: normal; word-break: normal; }  /* table words wrap whole, never split */
.heat-key { display: flex; align-items: center; gap: 8px; font-size: var(--text-sm); color: var(--body-text-color); }
.heat-key .bar { flex: 1; min-width: 60px; height: 10px; border-radius: 4px; }
/* Labels above pictures, not floating over them: every pixel of the uploads, the 28x28 view, the heat map, the overlay and
   the gallery thumbnails stays visible (a floating label hid their top 29 px, 48-68 px on a phone). */
#seen, #heat, #overlay, #photo, #building { display: flex; flex-direction: column; }
:is(#seen, #heat, #overlay, #photo, #building, .labelled-gallery) > [data-testid="block-label"] { position: static; align-self: flex-start; margin-bottom: 4px; }
:is(#photo, #building) > [data-testid="block-label"] { max-width: calc(100% - 72px); }  /* clear of the upload's corner buttons */
:is(#seen, #heat, #overlay, #photo, #building) .image-container { flex: 1; min-height: 0; height: auto; display: flex; flex-direction: column; }
:is(#seen, #heat, #overlay, #photo, #building) :is(.image-container > button, .upload-container) { flex: 1; min-height: 0; height: auto; }
:is(#seen, #heat, #overlay, #photo, #building) .image-frame { height: 100%; }
:is(#seen, #heat, #overlay, #photo, #building) .image-frame img { width: 100%; height: 100%; object-fit: contain; }
img[data-broken] { visibility: hidden; }  /* an upload the browser cannot draw: the refusal says why, no broken-image icon */
"""

# Run once in the browser. Gradio's tabs ignore the arrow keys that the ARIA tabs pattern
# promises: Left/Right (wrapping), Home and End now move between tabs. Then, after every
# change of the page, fill in names that screen readers need (matplotlib images are
# "undefined plot", example thumbnails are unnamed buttons, empty placeholders carry an
# aria-label without a role), and word Gradio's own refusal of a file that is not an image
# ("Only image/* allowed.") as the app's other refusals are: one sentence with the fix (a
# HEIC photo, which Chrome and Firefox refuse before upload because they give it no image
# type, gets the server's HEIC sentence). An upload the browser cannot draw (an empty
# file, for one) is marked data-broken, hidden by the CSS, until a picture loads in that
# element again.
POLISH_JS = r"""
() => {
  document.addEventListener('error', e => { if (e.target instanceof HTMLImageElement) e.target.dataset.broken = ''; }, true);
  document.addEventListener('load', e => { if (e.target instanceof HTMLImageElement) delete e.target.dataset.broken; }, true);
  document.addEventListener('keydown', e => {
    const tab = e.target.closest && e.target.closest('[role="tab"]');
    if (!tab || e.altKey || e.ctrlKey || e.metaKey) return;
    const tabs = [...tab.closest('[role="tablist"]').querySelectorAll('[role="tab"]')].filter(t => t.offsetParent && !t.disabled);
    const i = tabs.indexOf(tab);
    const to = {ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1}[e.key];
    if (to === undefined || i < 0) return;
    e.preventDefault();
    const next = tabs[(to + tabs.length) % tabs.length];
    next.focus();
    next.click();
  });
  const polish = () => {
    document.querySelectorAll('[data-testid="matplotlib"] img').forEach(img => {
      if (!img.alt || img.alt.startsWith('undefined')) {
        const label = img.closest('.block')?.querySelector('[data-testid="block-label"]')?.textContent;
        img.alt = (label || 'Chart').trim();
      }
    });
    document.querySelectorAll('button.gallery-item').forEach((b, i) => {
      const src = b.querySelector('img')?.getAttribute('src') || '';
      const name = 'Example: ' + (decodeURIComponent(src.split('/').pop()) || i + 1);
      if (b.getAttribute('aria-label') !== name) b.setAttribute('aria-label', name);
    });
    document.querySelectorAll('.empty[aria-label]:not([role])').forEach(e => e.setAttribute('role', 'img'));
    document.querySelectorAll('[data-testid="toast-text"]').forEach(t => {
      const m = t.firstChild?.nodeType === 3 && t.firstChild.data.match(/^Invalid file types?: (.+)\. Only image\/\* allowed\.$/);
      if (!m) return;
      const plural = m[0].startsWith('Invalid file types');
      t.firstChild.data = !plural && /\.hei[cf]$/i.test(m[1]) ? `${m[1]} is a HEIC photo, ${HEIC_FIX}`
        : `${m[1]} ${plural ? 'are' : 'is'} not a picture: ${NOT_A_PICTURE_FIX}`;
    });
  };
  new MutationObserver(polish).observe(document.body, {subtree: true, childList: true, attributes: true, attributeFilter: ['class']});
  polish();
}
""".replace("NOT_A_PICTURE_FIX", json.dumps(f"upload a {PICTURE_FORMATS}.")).replace("HEIC_FIX", json.dumps(HEIC_FIX))


def raw_upload(payload):
    """The uploaded file's path (or its ``data:`` URL) exactly as sent, for ``load_image`` to check.

    Events take uploads with ``preprocess=False``: Gradio would otherwise open,
    convert to RGB and re-save every upload before the app sees it (transparency
    turns black; bombs and 2,000-frame GIFs are decoded before any size check).
    Gradio has still checked that the file is one it received, not a server path.
    """
    if not isinstance(payload, dict):
        return None
    path, url = payload.get("path"), payload.get("url")
    if path:
        return str(path)
    if isinstance(url, str) and url.startswith("data:"):
        return url
    return None


class AnswerLabel(gr.Label):
    """``gr.Label`` headed by the app's answer, given as ``(answer, {class: probability})``.

    Gradio heads a Label with its most probable class, so a photo of a cat was headed
    "T-shirt/top" at 10 % above the note saying it is not clothing. The same frontend
    (a template of Label) and the same data; only the headline differs.
    """

    is_template = True

    def postprocess(self, value):
        if isinstance(value, tuple):
            answer, probs = value
            return LabelData(label=answer, confidences=super().postprocess(probs).confidences)
        return super().postprocess(value)


def picture_upload(label: str, height: int, elem_id: str) -> gr.Image:
    """An upload (or paste) box. Its events take ``preprocess=False`` and read the file with ``raw_upload``."""
    return gr.Image(label=label, type="filepath", sources=["upload", "clipboard"], height=height, elem_id=elem_id)


def user_errors(fn):
    """Turn our exceptions into gr.Error toasts; log anything unexpected without showing a traceback."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (InputError, Unavailable, CheckpointError) as e:
            raise gr.Error(str(e), title=REFUSED, print_exception=False) from None
        except gr.Error:
            raise
        except Exception as e:
            log.error("unexpected error in %s: %s", fn.__name__, traceback.format_exc(limit=-3))
            raise gr.Error(
                f"Something went wrong ({type(e).__name__}) but the app keeps running: try another image.", print_exception=False
            ) from None

    return wrapper


# The framework's own refusals, in the app's words: one sentence naming the problem and the fix.
NOT_A_PICTURE = f"The request does not hold a picture upload: upload the picture as a {PICTURE_FORMATS} file."
NO_REMOTE_URLS = "Pictures are not fetched from web addresses: download the picture and upload the file instead."
BAD_NUMBER = "The {label} must be a number from {lo:g} to {hi:g}."
WRONG_COUNT = "The request sends {got} input values where this endpoint takes {need}; see the API page for their order."
UNREADABLE = "The request's inputs could not be read: see the API page for what each endpoint takes."
BAD_BODY = 'The request body is not JSON of the form {"data": [...]}; see the API page for each endpoint\'s inputs.'


def _remote(f) -> bool:
    """A file given by web address, which Gradio would download. (``url`` alone is only where the browser can fetch it.)"""
    return isinstance(f, dict) and str(f.get("path") or "").lower().startswith(("http:", "https:", "ftp:", "//"))


def _refusal(component, value) -> str | None:
    """Our sentence for an input the framework would refuse in its own words (or fetch), else None."""
    if isinstance(component, gr.Slider):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        if ok and component.minimum <= value <= component.maximum:
            return None
        return BAD_NUMBER.format(label=str(component.label).lower(), lo=component.minimum, hi=component.maximum)
    return NO_REMOTE_URLS if _remote(value) else None


def plain_refusals(demo: gr.Blocks) -> gr.Blocks:
    """Route every refusal the framework makes before our handlers run through one plain sentence.

    Gradio otherwise answers a wrong JSON type with pydantic's report, a missing
    input with the component's repr, a bad slider value with a TypeError, and a
    file URL by downloading it. None of that reaches the user now: the request is
    checked here, and whatever Gradio still refuses becomes our sentence.
    """
    original = demo.preprocess_data

    async def preprocess_data(block_fn, inputs, state, explicit_call=False):
        components = list(block_fn.inputs)
        if len(inputs) < len(components):
            raise gr.Error(WRONG_COUNT.format(got=len(inputs), need=len(components)), title=REFUSED, print_exception=False)
        for component, value in zip(components, inputs):
            if (message := _refusal(component, value)) is not None:
                raise gr.Error(message, title=REFUSED, print_exception=False)
        try:
            return await original(block_fn, inputs, state, explicit_call)
        except Exception as e:
            log.warning("refused a request the framework could not read (%s in %s)", type(e).__name__, block_fn.name)
            message = NOT_A_PICTURE if any(isinstance(c, gr.Image) for c in components) else UNREADABLE
            raise gr.Error(message, title=REFUSED, print_exception=False) from None

    demo.preprocess_data = preprocess_data
    return demo


async def _plain_bad_body(request, exc):
    return JSONResponse({"error": BAD_BODY}, status_code=422)


# FastAPI's own 422 report (pydantic's details, the input echoed back) replaced by one sentence.
EXCEPTION_HANDLERS = {RequestValidationError: _plain_bad_body}


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
        body = f'{{"error": "The request is larger than {mb} MB: send a smaller picture (at most 25 MB)."}}'.encode()
        await send({"type": "http.response.start", "status": 413, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": body})


class _TooLarge(Exception):
    pass


_SHOWN = Shelf("fashseg-shown-")


def to_file(im: Image.Image | None, prefix: str = "image") -> str | None:
    """Hand an output picture to Gradio as a file of its own.

    Gradio writes returned PIL images to a cache path named by their content,
    non-atomically; two requests with the same answer then race, and a download
    can be cut short. A file path is copied into the cache atomically instead.
    """
    if im is None:
        return None
    return _SHOWN.put(im, prefix, "jpeg" if max(im.size) > 400 else "png")

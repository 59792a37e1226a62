"""Everything the app does, with no Gradio in it.

``Service`` loads both models and the artefacts once at start-up. A missing or
broken file disables only the part that needs it and keeps its message, so the
app still serves the rest. Handlers return plain Python values and raise
``InputError`` or ``Unavailable`` with a message meant for the user.
"""

from __future__ import annotations

import functools
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from .checkpoint import CHECKPOINT_DIR, CheckpointError, artefact
from .files import Shelf
from .inference import Classifier, Segmenter
from .insights import FacadeInsights, FashionInsights, architecture_markdown
from .memory import FreedMemory
from .overlays import enlarge, heatmap_overlay, legend_html, overlay
from .plots import filter_grid
from .preprocess import InputError, load_image, shrink, to_rgb


class Unavailable(RuntimeError):
    """A model or artefact could not be loaded; the message says how to regenerate it."""


def _try(factory):
    try:
        return factory(), None
    except CheckpointError as e:
        return None, str(e)


NOT_CLOTHING = "Not clothing?"  # the headline when no garment class is believable (the probabilities stay beside it)


@dataclass
class ClassifyResult:
    answer: str  # the headline over the probabilities: the top class, or NOT_CLOTHING when the verdict says so
    probs: dict[str, float]
    seen: Image.Image  # the 28x28 input the network received, enlarged
    heat: Image.Image  # Grad-CAM over that input
    note: str
    verdict: dict  # machine-readable answer: clothing or not, top class, its probability, the threshold


def describe_preprocessing(fin) -> str:
    """One sentence on what happened to the picture before the network saw it."""
    left, top, right, bottom = fin.box
    steps = []
    if fin.backdrop:
        steps.append(f"filled its transparent background with {fin.backdrop}")
    if fin.drawing:
        steps.append("read it as a drawing")
    if fin.background == "shaded":
        steps.append("removed an unevenly lit background")
    if fin.background == "busy":
        steps.append("told it apart from a busy surface by colour and texture")
    if fin.shadow_removed:
        steps.append("dropped a shadow")
    steps.append(
        "inverted it (dark object on a light background)" if fin.inverted else "kept its polarity (light object on a dark background)"
    )
    where = f"({left}, {top})–({right}, {bottom}), {fin.frame_share * 100:.0f} % of the picture"
    steps.append(f"found two alike objects (a pair?) and read the one at {where}" if fin.one_of_two else f"found the object at {where}")
    if fin.closer:
        steps.append("looked again at a close crop around it (it is small in the picture)")
    if fin.turned:
        steps.append(f"stood it upright (turned it {abs(fin.turned):.0f}° {'anticlockwise' if fin.turned > 0 else 'clockwise'})")
    if fin.outline_filled:
        steps.append("filled the closed outline")
    return "Preprocessing " + ", ".join(steps) + ", then scaled it into 28x28."


@dataclass
class SegmentResult:
    overlay: Image.Image
    labels: np.ndarray
    legend: str
    shares: dict[str, float]
    png_path: str


def _stem(image) -> str:
    """The uploaded file's name without extension, safe for a download name ("facade" when there is none)."""
    name = Path(image).stem if isinstance(image, (str, Path)) and not str(image).startswith("data:") else ""
    return re.sub(r"[^\w.-]+", "_", name)[:60].strip("._") or "facade"


def checked_opacity(value) -> float:
    """The overlay opacity as a finite number in [0, 1], or a clear refusal."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        v = float("nan")
    if not (0.0 <= v <= 1.0):  # also false for NaN
        raise InputError("The overlay opacity must be a number from 0 to 1.")
    return v


PREVIEW_SIDE = 1600  # overlays are shown at most this large; the label PNG keeps full size


def _preview(img: Image.Image) -> Image.Image:
    """A display-sized copy: encoding a 12-megapixel overlay for the browser takes seconds."""
    return shrink(img, PREVIEW_SIDE, Image.Resampling.BILINEAR)


def _gives_back_memory(method):
    """After the request, however it ended, return what a large picture left held (see ``FreedMemory``)."""

    @functools.wraps(method)
    def call(self, *args, **kwargs):
        with self._freed.request():
            return method(self, *args, **kwargs)

    return call


class Service:
    def __init__(self, ckpt_dir: str | Path = CHECKPOINT_DIR, keep_files: int = 256):
        self.ckpt_dir = Path(ckpt_dir)
        self.classifier, self.classifier_error = _try(lambda: Classifier(artefact(self.ckpt_dir, "fashion")))
        self.segmenter, self.segmenter_error = _try(lambda: Segmenter(artefact(self.ckpt_dir, "facade")))
        self._fashion_insights, self.fashion_insights_error = _try(lambda: FashionInsights(self.ckpt_dir))
        self._facade_insights, self.facade_insights_error = _try(lambda: FacadeInsights(self.ckpt_dir))
        self._downloads = Shelf("fashseg-downloads-", keep_files)
        self._shown: OrderedDict[tuple, Image.Image] = OrderedDict()  # display copies of the last few uploads
        self._shown_lock = threading.Lock()
        self._freed = FreedMemory()

    SHOWN_KEEP = 4  # display copies kept (at most 1600x1200 RGB each, under 6 MB)

    # ------------------------------------------------------------------ status
    def problems(self) -> list[str]:
        return [e for e in (self.classifier_error, self.segmenter_error, self.fashion_insights_error, self.facade_insights_error) if e]

    @staticmethod
    def _need(obj, error):
        if obj is None:
            raise Unavailable(error)
        return obj

    # ------------------------------------------------------------------ clothing
    @_gives_back_memory
    def classify(self, image, drawing: bool | None = None) -> ClassifyResult:
        clf = self._need(self.classifier, self.classifier_error)
        r = clf.classify(image, drawing=drawing)
        p = r.probs[r.top]
        if r.clothing:
            unsure = ", unsure" if p < clf.threshold else ""  # a drawing that passed only the canvas's lower bar
            head = f"**{r.top}** ({p * 100:.1f} %{unsure})."
        else:
            bar = "a drawn garment needs" if drawing else "nearly all real garments reach"
            head = (
                f"⚠️ **This doesn't look like clothing.** The best guess, {r.top}, has only {p * 100:.0f} %, "
                f"below the {r.threshold * 100:.0f} % that {bar}, so the label is unreliable."
            )
        verdict = {"clothing": r.clothing, "top": r.top, "probability": round(p, 4), "threshold": round(r.threshold, 4)}
        note = f"{head} {describe_preprocessing(r.input)}"
        answer = r.top if r.clothing else NOT_CLOTHING
        return ClassifyResult(answer, r.probs, enlarge(r.input.pixels), heatmap_overlay(r.input.pixels, r.heatmap), note, verdict)

    def classify_drawing(self, picture) -> ClassifyResult:
        """A drawing (the canvas's PNG, or a file sent as a drawing): always read by the drawing path."""
        if picture is None:
            raise InputError("No drawing given: draw on the canvas, or send the drawing as a picture file.")
        return self.classify(picture, drawing=True)

    # ------------------------------------------------------------------ facades
    @_gives_back_memory
    def segment(self, image, opacity: float = 0.5) -> SegmentResult:
        seg = self._need(self.segmenter, self.segmenter_error)
        opacity = checked_opacity(opacity)
        s = seg.segment(image)
        path = self._downloads.put(s.label_png(), "labels", "png", name=f"{_stem(image)}-labels.png")
        labels = s.labels
        shown = self._display_copy(image, s.image)
        if shown.size != s.image.size:
            labels = np.asarray(Image.fromarray(labels).resize(shown.size, Image.Resampling.NEAREST))
        legend = legend_html(seg.classes, seg.colors, shares=s.shares)
        return SegmentResult(overlay(shown, labels, seg.colors, opacity), labels, legend, s.shares, path)

    def _display_copy(self, image, decoded: Image.Image | None = None) -> Image.Image:
        """The photo at display size, kept for the last few upload paths: every move of the opacity
        slider or the class picker redraws the overlay, and decoding a 12-megapixel JPEG each time
        would make the slider lag."""
        key = None
        if isinstance(image, (str, Path)):
            try:
                st = Path(image).stat()
                key = (str(image), st.st_size, st.st_mtime_ns)
            except OSError:
                pass  # load_image below says what is wrong with it
        with self._shown_lock:
            if key in self._shown:
                self._shown.move_to_end(key)
                return self._shown[key]
        shown = _preview(decoded if decoded is not None else to_rgb(load_image(image)))
        if key is not None:
            with self._shown_lock:
                self._shown[key] = shown
                while len(self._shown) > self.SHOWN_KEEP:
                    self._shown.popitem(last=False)
        return shown

    def facade_classes(self) -> list[str]:
        """The segmenter's class names (from its checkpoint); none when it is unavailable."""
        return list(self.segmenter.classes) if self.segmenter else []

    def reblend(self, image, labels: np.ndarray | None, opacity: float, highlight: str | None = None) -> Image.Image | None:
        """Change the overlay's opacity, or pick out one class, without running the network again."""
        if image is None or labels is None:
            return None
        seg = self._need(self.segmenter, self.segmenter_error)
        opacity = checked_opacity(opacity)
        if highlight not in (None, "all", *seg.classes):
            raise InputError(f"There is no class {str(highlight)[:40]!r} to highlight: pick one of all, {', '.join(seg.classes)}.")
        shown = self._display_copy(image)
        pick = None if highlight in (None, "all") else seg.classes.index(highlight)
        return overlay(shown, labels, seg.colors, opacity, pick)

    # ------------------------------------------------------------------ insights
    def architecture(self, kind: str) -> str:
        """Markdown table of a loaded network's layers, output shapes and parameters."""
        if kind == "fashion":
            return architecture_markdown(self._need(self.classifier, self.classifier_error).architecture(), "1 x 28 x 28 greyscale")
        seg = self._need(self.segmenter, self.segmenter_error)
        return architecture_markdown(seg.architecture(), f"3 x {seg.train_size} x {seg.train_size} RGB (any size at inference)")

    def filters_figure(self):
        """The classifier's first-layer convolution filters, as a matplotlib figure."""
        return filter_grid(self._need(self.classifier, self.classifier_error).first_layer_filters())

    def fashion_insights(self) -> FashionInsights:
        return self._need(self._fashion_insights, self.fashion_insights_error)

    def facade_insights(self) -> FacadeInsights:
        return self._need(self._facade_insights, self.facade_insights_error)

"""Turning whatever a person gives the app into what the networks were trained on.

``load_image`` opens and validates any upload (EXIF rotation, odd modes, bombs,
truncation). ``fashion_input`` carries a drawing or product photo into the
Fashion-MNIST domain: a light object on black, cropped, centred and scaled so
the longer side fills the 28x28 frame. ``facade_input`` rescales a building
photo to the scale of the 256x256 training facades.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from .labels import FACADE_SIZE, FASHION_SIZE

MAX_PIXELS = 50_000_000  # ~8000x6000; larger images are refused as likely decompression bombs
MIN_SIDE = 8


class InputError(ValueError):
    """The input cannot be used; the message names the problem and the fix."""


def load_image(src) -> Image.Image:
    """Open a path, bytes, numpy array or PIL image as an upright RGB(A) or L image.

    Every way an upload can be broken ends in an ``InputError`` with a clear message.
    """
    if src is None:
        raise InputError("No image given. Upload a picture (PNG, JPEG, WebP...) or draw on the canvas.")
    if isinstance(src, np.ndarray):
        if src.size == 0:
            raise InputError("The image is empty (0 pixels). Upload a real picture.")
        arr = src
        if arr.dtype != np.uint8:
            hi = float(arr.max()) if arr.size else 1.0
            arr = (arr / (hi if hi > 0 else 1.0) * 255).clip(0, 255).astype(np.uint8)
        img = Image.fromarray(arr)
    elif isinstance(src, Image.Image):
        img = src
    else:
        img = _open(src)
    w, h = img.size
    if w * h > MAX_PIXELS:
        raise InputError(
            f"The image is {w}x{h} = {w * h / 1e6:.0f} megapixels; the limit is {MAX_PIXELS / 1e6:.0f}. Resize it and try again."
        )
    if min(w, h) < MIN_SIDE:
        raise InputError(f"The image is only {w}x{h} pixels; it needs at least {MIN_SIDE} pixels on each side.")
    try:
        img = ImageOps.exif_transpose(img)
        return _normalise_mode(img)
    except (OSError, SyntaxError, ValueError) as e:
        raise InputError(f"The image could not be decoded ({e}). It may be truncated or corrupt: save it again and re-upload.") from e


def _open(src) -> Image.Image:
    name = str(src) if not isinstance(src, (bytes, bytearray)) else "upload"
    data = io.BytesIO(src) if isinstance(src, (bytes, bytearray)) else src
    if isinstance(src, (str, Path)) and not Path(src).is_file():
        raise InputError(f"File {name} does not exist.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            old = Image.MAX_IMAGE_PIXELS
            Image.MAX_IMAGE_PIXELS = MAX_PIXELS
            try:
                img = Image.open(data)
                w, h = img.size
                if w * h > MAX_PIXELS:
                    raise InputError(
                        f"The image is {w}x{h} = {w * h / 1e6:.0f} megapixels; the limit is {MAX_PIXELS / 1e6:.0f}. Resize it and try again."
                    )
                img.load()
            finally:
                Image.MAX_IMAGE_PIXELS = old
    except InputError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise InputError(f"The image is too large to open safely ({e}). Resize it below {MAX_PIXELS / 1e6:.0f} megapixels.") from e
    except Image.UnidentifiedImageError as e:
        raise InputError(f"{Path(name).name} is not an image Pillow can read. Upload a PNG, JPEG, WebP, BMP or GIF.") from e
    except (OSError, SyntaxError, ValueError) as e:
        raise InputError(f"The image could not be decoded ({e}). It may be truncated or corrupt: save it again and re-upload.") from e
    return img


def _normalise_mode(img: Image.Image) -> Image.Image:
    """Map every Pillow mode onto RGB, RGBA or L, keeping transparency."""
    if img.mode in ("RGB", "RGBA", "L"):
        return img
    if img.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        arr = np.asarray(img, dtype=np.float64)
        lo, hi = np.percentile(arr, 0), np.percentile(arr, 100)
        arr = (arr - lo) / (hi - lo) if hi > lo else np.zeros_like(arr)
        return Image.fromarray((arr * 255).round().astype(np.uint8), "L")
    if img.mode in ("1", "LA", "La"):
        return img.convert("LA" if "A" in img.mode else "L").convert("RGBA" if "A" in img.mode else "L")
    if img.mode == "P" or img.mode == "PA":
        return img.convert("RGBA")
    return img.convert("RGB")  # CMYK, YCbCr, LAB, HSV ...


def to_grey(img: Image.Image) -> np.ndarray:
    """float [H,W] in [0,1]; transparent pixels count as white paper."""
    if img.mode in ("RGBA", "LA", "PA"):
        la = np.asarray(img.convert("LA"), dtype=np.float32) / 255.0
        return la[..., 0] * la[..., 1] + (1.0 - la[..., 1])
    return np.asarray(img.convert("L"), dtype=np.float32) / 255.0


# --------------------------------------------------------------------------- clothing


@dataclass
class FashionInput:
    pixels: np.ndarray  # uint8 [28,28], light object on black, as in Fashion-MNIST
    inverted: bool  # the background was light and got inverted
    outline_filled: bool  # closed outlines were filled in
    box: tuple[int, int, int, int]  # object's bounding box in the source (left, top, right, bottom)


WORK_SIDE = 256  # images are shrunk to this before any pixel work: the result is 28x28 anyway
SKETCH_SIDE = 56  # outlines are thickened and filled at twice the final resolution


def fashion_input(img: Image.Image, drawing: bool | None = None, margin: float = 0.02) -> FashionInput:
    """Carry a photo or drawing into Fashion-MNIST's domain.

    ``drawing``: True treats the image as a sketch (fill closed outlines, thicken
    strokes); None decides from the pixels (a near-binary image is a sketch).
    """
    scale = min(1.0, WORK_SIDE / max(img.size))
    if scale < 1:
        img = img.resize((max(1, round(img.width * scale)), max(1, round(img.height * scale))), Image.Resampling.BOX)
    g = to_grey(img)
    h, w = g.shape
    border = np.concatenate([g[0], g[-1], g[:, 0], g[:, -1]])
    bg = float(np.median(border))
    inverted = bg > 0.5
    if inverted:
        g, bg = 1.0 - g, 1.0 - bg
    ink = np.clip((g - bg) / max(1e-6, 1.0 - bg), 0, 1)
    peak = float(ink.max())
    if peak < 0.1:
        raise InputError("Nothing to classify: the picture is blank. Draw a piece of clothing or upload a photo of one.")
    ink = ink / peak
    mask = ink > 0.2
    if mask.sum() < max(4, 1e-4 * h * w):
        raise InputError("Nothing to classify: the drawing is too small or faint. Draw larger, with darker strokes.")
    if drawing is None:
        drawing = looks_like_drawing(ink, mask)
    ys, xs = np.nonzero(mask)
    top, bottom, left, right = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    side = max(bottom - top, right - left)
    pad = int(np.ceil(margin * side))
    crop = ink[max(0, top - pad) : bottom + pad, max(0, left - pad) : right + pad]
    # Pad to a square, then scale so the longer side fills the frame.
    ch, cw = crop.shape
    s = max(ch, cw)
    square = np.zeros((s, s), np.float32)
    square[(s - ch) // 2 : (s - ch) // 2 + ch, (s - cw) // 2 : (s - cw) // 2 + cw] = crop
    filled = False
    if drawing:
        square, filled = _solidify_sketch(_resize(square, SKETCH_SIDE))
    small = _resize(square, FASHION_SIZE)
    box = tuple(int(round(v / scale)) for v in (left, top, right, bottom))
    return FashionInput((small * 255).round().astype(np.uint8), inverted, filled, box)


def _resize(a: np.ndarray, side: int) -> np.ndarray:
    """A float [0,1] square resized with Pillow's antialiasing filter."""
    im = Image.fromarray((np.clip(a, 0, 1) * 255).astype(np.uint8), "L")
    return np.asarray(im.resize((side, side), Image.Resampling.LANCZOS), dtype=np.float32) / 255.0


def looks_like_drawing(ink: np.ndarray, mask: np.ndarray) -> bool:
    """A sketch is near-binary: almost all of its ink is saturated strokes, with no mid-tone texture."""
    vals = ink[mask]
    return bool((vals > 0.85).mean() > 0.85 and ((ink > 0.05) & (ink < 0.6)).sum() < 0.25 * mask.sum())


def _box_filter(mask: np.ndarray, k: int, op) -> np.ndarray:
    """Binary dilation (op=np.max) or erosion (op=np.min) with a k x k square."""
    p = k // 2
    padded = np.pad(mask, p, constant_values=op is np.min)
    return op(np.lib.stride_tricks.sliding_window_view(padded, (k, k)), axis=(2, 3))


def _outside(free: np.ndarray) -> np.ndarray:
    """Pixels of ``free`` connected to the image border (4-neighbourhood), by vectorised flooding."""
    out = np.zeros_like(free)
    out[[0, -1], :] = free[[0, -1], :]
    out[:, [0, -1]] |= free[:, [0, -1]]
    while True:
        grown = out.copy()
        grown[1:] |= out[:-1]
        grown[:-1] |= out[1:]
        grown[:, 1:] |= out[:, :-1]
        grown[:, :-1] |= out[:, 1:]
        grown &= free
        if np.array_equal(grown, out):
            return out
        out = grown


SKETCH_KERNEL = 3  # closing and thickening window on the 56x56 square
SKETCH_FILL = 0.8  # Fashion-MNIST garments are mid-to-light grey, not saturated white


def _solidify_sketch(sq: np.ndarray) -> tuple[np.ndarray, bool]:
    """Turn a sketch on its 56x56 square into a solid silhouette, as Fashion-MNIST's items are.

    A morphological closing bridges small gaps in the outline without growing
    the shape (the gap between trouser legs stays open); whatever a flood from
    the border cannot reach is inside an outline and is filled. A sketch with
    no closed outline keeps its strokes, thickened to about 2 px at 28x28.
    """
    mask = sq > 0.2
    k = SKETCH_KERNEL
    closed = _box_filter(_box_filter(mask, k, np.max), k, np.min)
    inside = ~_outside(np.pad(~closed, 1, constant_values=True))[1:-1, 1:-1] & ~closed
    if inside.sum() > 0.05 * closed.sum():
        return np.where(closed | inside, SKETCH_FILL, 0.0).astype(np.float32), True
    thin = _box_filter(mask, k, np.min).sum() < 0.3 * mask.sum()
    strokes = _box_filter(mask, k, np.max) if thin else mask
    return np.where(strokes, SKETCH_FILL, 0.0).astype(np.float32), False


# --------------------------------------------------------------------------- facades


def to_rgb(img: Image.Image) -> Image.Image:
    """RGB, with any transparency composited on white."""
    if img.mode == "RGB":
        return img
    if img.mode == "RGBA":
        return Image.alpha_composite(Image.new("RGBA", img.size, "white"), img).convert("RGB")
    return img.convert("RGB")


def facade_input(img: Image.Image, target: int = FACADE_SIZE) -> np.ndarray:
    """uint8 RGB [h,w,3] rescaled so its area is about target^2 (the training scale), aspect kept."""
    rgb = to_rgb(img)
    w, h = rgb.size
    scale = target / np.sqrt(w * h)
    size = (max(16, round(w * scale)), max(16, round(h * scale)))
    if size != (w, h):
        rgb = rgb.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
    return np.array(rgb)  # a writable copy, as torch.from_numpy wants

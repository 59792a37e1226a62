"""Turning whatever a person gives the app into what the networks were trained on.

``load_image`` opens and validates any upload (EXIF rotation, odd modes, bombs,
truncation). ``fashion_input`` carries a drawing or photo into the
Fashion-MNIST domain: a light object on black, upright, cropped, centred and
scaled so the longer side fills the 28x28 frame (looked at closer where it is small
in the picture; other turns offered where it may lie turned). ``facade_input`` rescales a building
photo to the scale of the 256x256 training facades.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import functools
import io
import struct
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageOps
from scipy import ndimage

from .headers import orientation, refusal
from .labels import FACADE_SIZE, FASHION_SIZE


def normalize(x_uint8: torch.Tensor, mean, std) -> torch.Tensor:
    """uint8 [N,C,H,W] (or greyscale [N,H,W]) -> float, with the per-channel mean and std a network was trained with."""
    x = x_uint8.float().div_(255.0)
    if x.dim() == 3:
        x = x.unsqueeze(1)
    return (x - torch.tensor(mean, dtype=torch.float32).view(1, -1, 1, 1)) / torch.tensor(std, dtype=torch.float32).view(1, -1, 1, 1)


MAX_PIXELS = 50_000_000  # ~8000x6000; larger images are refused as likely decompression bombs
MAX_BYTES = 25 * 1024 * 1024  # the same cap as the app's upload limit, for data: URLs too
MIN_SIDE = 8
MAX_ASPECT = 20  # longer side over shorter: a thinner strip is no photo, and shrunk for the networks it has no width left
DECODED_AT = "fashseg_decoded_at"  # image info: a JPEG decoded at 1/N of its size carries N (Pillow keeps info through turns and converts)
PICTURE_FORMATS = "PNG, JPEG, WebP, BMP or GIF"  # what the messages ask for instead of a file that is not a picture
# The only decoders an upload can reach (a phone's multi-picture JPEG opens as JPEG): Pillow knows forty formats, and
# its security fixes have mostly been in rare ones (PCX, SGI, FLI, TGA, BLP, DDS...); EPS would even run Ghostscript.
OPENED = ("PNG", "JPEG", "WEBP", "GIF", "BMP", "TIFF")  # not AVIF: its plugin reads the EXIF through Pillow as it opens
# Limits are checked explicitly from the header (below), never by changing Pillow's globals per request;
# Pillow's own bomb warning would only repeat that check, so it is silenced once, here.
warnings.simplefilter("ignore", Image.DecompressionBombWarning)


class InputError(ValueError):
    """The input cannot be used; the message names the problem and the fix."""


def load_image(src, max_side: int | None = None) -> Image.Image:
    """Open a path, bytes, ``data:`` URL, numpy array or PIL image as an upright RGB, RGBA or L image.

    Size is checked from the header before any pixel is decoded, only the first
    frame of an animation or multi-page file is decoded, and ``max_side`` lets a
    JPEG decode at a reduced scale when only a small copy is needed. Every way an
    upload can be broken ends in an ``InputError`` with a clear message.
    """
    if src is None:
        raise InputError("No image given: upload a picture (PNG, JPEG, WebP...) or draw on the canvas.")
    if isinstance(src, np.ndarray):
        if src.size == 0:
            raise InputError("The image is empty (0 pixels): upload a real picture.")
        arr = np.nan_to_num(src.astype(np.float64) if src.dtype != np.uint8 else src)
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
            f"The image is {w}x{h} = {w * h / 1e6:.0f} megapixels, over the limit of {MAX_PIXELS / 1e6:.0f}: resize it and try again."
        )
    if min(w, h) < MIN_SIDE:
        raise InputError(f"The image is only {w}x{h} pixels; it needs at least {MIN_SIDE} pixels on each side.")
    if max(w, h) > MAX_ASPECT * min(w, h):
        raise InputError(
            f"The image is {w}x{h} pixels, more than {MAX_ASPECT} times longer one way than the other: crop it to the garment or building and try again."
        )
    # Pillow's decoders written in Python (among the opened formats, BMP's run-length one): a 25 MB file held a core 8.9 s
    if any(t.codec_name in Image.DECODERS for t in getattr(img, "tile", None) or ()):
        raise InputError(f"The {img.format} file uses a compression the app does not decode: save it as PNG or JPEG and upload that.")
    try:
        if max_side and img.format in ("JPEG", "MPO") and max(w, h) > 2 * max_side:  # MPO: a phone's JPEG with a depth map
            img.draft("RGB", (max(1, w * max_side // max(w, h)), max(1, h * max_side // max(w, h))))  # decode at 1/2..1/8 scale
            img.info[DECODED_AT] = round(w / img.size[0])  # so that places found in it are reported in the photo's own pixels
        img.load()  # the first frame only
        return _normalise_mode(_upright(img))
    except (OSError, SyntaxError, ValueError, EOFError, struct.error) as e:
        raise InputError("The image could not be decoded (it may be truncated or corrupt): save it again and re-upload.") from e


def decode_data_url(url: str) -> bytes:
    """The bytes of a ``data:image/...;base64,`` URL, held to the upload size cap before decoding."""
    head, _, body = url.partition(",")
    if not head.startswith("data:") or ";base64" not in head:
        raise InputError("The data: URL holds no base64 picture: send a PNG or JPEG file instead.")
    if len(body) > MAX_BYTES * 4 // 3 + 4:
        raise InputError(f"The picture is larger than {MAX_BYTES // 2**20} MB: send a smaller file.")
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError) as e:
        raise InputError("The data: URL is not valid base64: send the picture as a file instead.") from e


def _open(src) -> Image.Image:
    """Open lazily: only the header is read here, so size checks come before decoding."""
    if isinstance(src, str) and src.startswith("data:"):
        src = decode_data_url(src)
    if isinstance(src, (bytes, bytearray)):
        name, data = "The upload", io.BytesIO(src)
    else:
        path = Path(src)
        name = path.name
        if not path.is_file():
            raise InputError(f"File {name} does not exist: upload the picture again.")
        if path.stat().st_size > MAX_BYTES:
            raise InputError(f"{name} is larger than {MAX_BYTES // 2**20} MB: send a smaller file.")
        data = path
    slow = refusal(data, name)  # a file built to keep the decoders busy
    if slow:
        raise InputError(slow)
    try:
        return Image.open(data, formats=OPENED)
    except Image.DecompressionBombError as e:
        raise InputError(f"The image is too large to open safely: resize it below {MAX_PIXELS / 1e6:.0f} megapixels.") from e
    except Image.UnidentifiedImageError as e:
        raise InputError(_unreadable(name, data)) from e
    except (OSError, SyntaxError, ValueError, EOFError, struct.error) as e:
        raise InputError("The image could not be decoded (it may be truncated or corrupt): save it again and re-upload.") from e


HEIC_FIX = "which the app cannot read: upload it as JPEG (on an iPhone, Settings > Camera > Formats > Most Compatible)."
HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"heif"}


def _unreadable(name: str, data) -> str:
    """Why Pillow could not identify the file, in the user's terms: iPhones save HEIC photos,
    which a Mac sends as they are, an empty file is a failed save or copy, not a format, and a
    picture in a format the app does not open is told by its magic bytes alone (no decoder runs)."""
    if isinstance(data, io.BytesIO):
        head = data.getvalue()[:16]
    else:
        with data.open("rb") as f:
            head = f.read(16)
    if not head:
        return f"{name} is empty (0 bytes): save the picture again and upload it."
    if head[4:8] == b"ftyp" and head[8:12] in HEIF_BRANDS:
        return f"{name} is a HEIC photo, {HEIC_FIX}"
    if any(f not in OPENED and accept and accept(head) for f, (_, accept) in Image.OPEN.items()):  # magic bytes: TGA's read as CUR's
        return f"{name} is in a picture format the app does not open: save it as PNG or JPEG and upload that."
    return f"{name} is not a picture the app can read: upload a {PICTURE_FORMATS}."


TURNS = {  # EXIF orientation -> the turn that shows the picture upright (as ``ImageOps.exif_transpose``)
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _upright(img: Image.Image) -> Image.Image:
    """Turned as its EXIF orientation says, read without Pillow's ``getexif``, which copies every tag's value
    (``orientation``), and turned without ``exif_transpose``, which copied even an upright picture (190 MB at 48 MP)."""
    turn = TURNS.get(getattr(img, "tag_v2", {}).get(274, 1) if img.format == "TIFF" else orientation(img.info.get("exif")))
    return img.transpose(turn) if turn is not None else img


def _normalise_mode(img: Image.Image) -> Image.Image:
    """Map every Pillow mode onto RGB, RGBA or L, keeping transparency that hides something.

    The app's canvas sends opaque RGBA PNGs; compositing them on white would cost
    2 ms at 400 px, twice per request, to change nothing.
    """
    if img.mode == "RGBA" and img.getchannel("A").getextrema()[0] == 255:
        return img.convert("RGB")
    if img.mode in ("RGB", "RGBA", "L"):
        return img
    if img.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        return Image.fromarray(_stretch_to_bytes(np.asarray(img)), "L")
    if img.mode == "1":
        return img.convert("L")
    if img.mode in ("LA", "La"):
        return (img if img.mode == "LA" else img.convert("LA")).convert("RGBA")
    if img.mode == "PA" or (img.mode == "P" and "transparency" in img.info):
        return img.convert("RGBA")
    if img.mode == "P":
        return img.convert("RGB")  # an opaque palette: RGBA would only be composited on white again, at full size
    return img.convert("RGB")  # CMYK, YCbCr, LAB, HSV ...


def _stretch_to_bytes(a: np.ndarray, band: int = 256) -> np.ndarray:
    """uint8 [H,W] spanning 0-255 from 16-bit, 32-bit or float greys (NaN and infinities as 0), min to max.

    16-bit values go through a 65,536-entry table computed with the same float64
    formula: at 48 megapixels the float64 copies took 1.2 GB, the table takes nothing.
    Other greys take the formula in bands of rows: whole, a 330 KB 32-bit TIFF of
    49 megapixels cost 1.5 GB.
    """
    if a.dtype.kind in "ui" and a.size and a.min() >= 0 and a.max() < 2**16:
        lo, hi = int(a.min()), int(a.max())
        lut = np.zeros(2**16, np.uint8)
        lut[lo : hi + 1] = _stretch_to_bytes(np.arange(lo, hi + 1, dtype=np.float64)) if hi > lo else 0
        return lut[a]
    rows = [slice(r, r + band) for r in range(0, len(a), band)]
    finite = lambda part: np.nan_to_num(np.asarray(part, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)  # noqa: E731
    lo = min(finite(a[r]).min() for r in rows)
    hi = max(finite(a[r]).max() for r in rows)
    out = np.empty(a.shape, np.uint8)
    for r in rows:
        part = (finite(a[r]) - lo) / (hi - lo) if hi > lo else np.zeros(a[r].shape)
        out[r] = (part * 255).round().astype(np.uint8)
    return out


def to_grey(img: Image.Image) -> np.ndarray:
    """float [H,W] in [0,1]; transparent pixels count as white paper."""
    if img.mode in ("RGBA", "LA", "PA"):
        la = np.asarray(img.convert("LA"), dtype=np.float32) / 255.0
        return la[..., 0] * la[..., 1] + (1.0 - la[..., 1])
    return np.asarray(img.convert("L"), dtype=np.float32) / 255.0


# --------------------------------------------------------------------------- binary morphology
# scipy.ndimage's binary operators cost about 0.7 ms each on the 160 px work image, where the
# preprocessing calls a dozen; these give bit-identical results (tests/test_preprocess.py checks
# them against scipy) with whole-array shifts, several times faster.


def _grow(m: np.ndarray, op, border: bool, square: bool) -> np.ndarray:
    """One step of dilation (``op`` or) or erosion (``op`` and) by a 3x3 square or a cross."""
    h, w = m.shape
    p = np.full((h + 2, w + 2), border, bool)
    p[1:-1, 1:-1] = m
    if square:  # separable: rows, then columns
        r = op(op(p[:, :-2], p[:, 1:-1]), p[:, 2:])
        return op(op(r[:-2], r[1:-1]), r[2:])
    out = op(p[1:-1, 1:-1], p[:-2, 1:-1])
    for part in (p[2:, 1:-1], p[1:-1, :-2], p[1:-1, 2:]):
        op(out, part, out=out)
    return out


def dilate(m: np.ndarray, iterations: int = 1, square: bool = False) -> np.ndarray:
    """``ndimage.binary_dilation`` by a cross (or a 3x3 square), outside the image counting as empty."""
    for _ in range(iterations):
        m = _grow(m, np.logical_or, False, square)
    return m


def erode(m: np.ndarray, square: bool = False, border: bool = False) -> np.ndarray:
    """``ndimage.binary_erosion`` by a cross (or a 3x3 square); ``border`` is what lies outside the image."""
    return _grow(m, np.logical_and, border, square)


def close3(m: np.ndarray) -> np.ndarray:
    """``ndimage.binary_closing`` by a 3x3 square (outside empty, so not extensive at the frame)."""
    return erode(dilate(m, square=True), square=True)


def fill_holes(m: np.ndarray) -> np.ndarray:
    """``ndimage.binary_fill_holes``: background parts (4-connected) that do not reach the frame."""
    lab, n = label(~m)
    hole = np.ones(n + 1, bool)
    hole[0] = False
    hole[frame_labels(lab)] = False
    return m | hole[lab]


def frame_labels(lab: np.ndarray) -> np.ndarray:
    """The labels along the picture's four edges (with repeats, which a lookup table does not mind)."""
    return np.concatenate([lab[0], lab[-1], lab[:, 0], lab[:, -1]])


def median(a: np.ndarray):
    """``np.median`` of a flat array, bit for bit, without its 0.1 ms of overhead (a dozen calls per picture)."""
    a = np.ravel(a)
    n = a.size
    if n == 0:
        return np.median(a)
    k = n // 2
    if n % 2:
        return np.partition(a, k)[k]
    p = np.partition(a, (k - 1, k))
    return (p[k - 1] + p[k]) / 2


def label(mask: np.ndarray, structure=None) -> tuple[np.ndarray, int]:
    """``ndimage.label`` into the index type, which ``among`` and ``np.bincount`` use without a conversion."""
    return ndimage.label(mask, structure, output=np.intp)


def among(lab: np.ndarray, labels) -> np.ndarray:
    """``np.isin(lab, labels)`` for non-negative label images, by a lookup table."""
    lut = np.zeros(int(lab.max()) + 1, bool)
    lut[np.asarray(labels, np.intp)] = True
    return lut[lab]


# --------------------------------------------------------------------------- clothing


@dataclasses.dataclass
class FashionInput:
    pixels: np.ndarray  # uint8 [28,28], light object on black, as in Fashion-MNIST
    inverted: bool  # the object was darker than its background, so it was inverted
    outline_filled: bool  # closed outlines were filled in
    box: tuple[int, int, int, int]  # object's bounding box (left, top, right, bottom) in the upright picture's own pixels
    drawing: bool = False  # treated as a drawing (flat or thin strokes) rather than a photo
    frame_share: float = 0.0  # share of the frame the object's box covers (1.0: it fills the picture)
    shadow_removed: bool = False  # shadow-like pixels (darker background, same colour) were dropped
    background: str = "flat"  # "flat" or "shaded" (how much the fitted background varies), or "busy" (gravel, grass, a rug)
    backdrop: str = ""  # "black" or "white": what a cutout's transparent background was filled with ("" when opaque)
    turned: float = 0.0  # degrees the object was turned (counter-clockwise) to stand upright, as Fashion-MNIST's items do
    closer: bool = False  # small in the picture, the object was found again in a crop around it
    one_of_two: bool = False  # the object is one of two alike things side by side (a pair of shoes): this view shows one
    alternatives: tuple[FashionInput, ...] = ()  # other views: turned other ways, or the other of a pair (``served_view``)

    @property
    def views(self) -> tuple[FashionInput, ...]:
        """This view first, then the others the classifier weighs (``served_view``)."""
        return (self, *self.alternatives)


WORK_SIDE = 160  # images are shrunk to this before any pixel work: the result is 28x28 anyway
FIT_SIDE = 40  # the smooth background is fitted on a copy about this small
_THIRDS = np.full(3, 1 / 3, np.float32)
STROKE_POOL = 4  # drawings are pooled from up to 4x the work side, keeping thin strokes dark
SKETCH_SIDE = 84  # outlines are closed and filled at three times the final resolution
FLAT_LEVEL, FLAT_SHARE = 0.97, 0.8  # a drawing's flat fill: this share of its core within 3 % of its 95th percentile
SKETCH_FILL = 0.8  # Fashion-MNIST garments are mid-to-light grey, not saturated white
PEN_SPAN = 9  # at the work size, wider than any pen line: the grey closing that lifts pen strokes off the paper
PEN_DARK = 0.25  # pen lines sit at least this far below the paper beside them (photos' folds and shadow edges: ~0.12)
PEN_DENSE = 0.4  # most ink an outline's box holds (pen sketches: 0.06-0.35; a striped shirt: 0.46)
PEN_EDGE = 0.015  # grey levels per work pixel: shading fades slower than this, a garment's edge is far steeper
BUSY_TEXTURE = 0.015  # border texture (median local spread, of 2x2 means) of a busy surface: gravel, grass, a rug, wood grain
BUSY_WINDOW = 7  # work pixels over which a busy surface's colour and texture are averaged
BUSY_CLUSTERS = 4  # kinds of surface the border may show (stones of several tones, a two-colour pattern)
BUSY_TRIM = 2  # work pixels trimmed off the object's edge, which the averaging window widens
BUSY_FAR = 3.0  # object: this many of the surface's own spreads from every kind of it
BUSY_WHITEN = 0.9  # share of the ring (nearest its cluster) whose spread sets the distance's axes
BUSY_RIDGE = 0.3  # added to that spread's covariance (in units of each feature's own spread): no axis is trusted to 0
LIGHT_CUTOUT = 0.75  # a cutout this light (mean grey of what it shows) goes on black: white paper would all but hide it
BUSY_SMALLEST = 0.01  # share of the picture: anything smaller found on a busy surface is a stone or a leaf, not a garment
TURN_LEAST = 8.0  # degrees: an object turned less than this stays as it is (Fashion-MNIST's own items sit within a degree)
TURN_GAIN = 1.1  # ... or its upright box under 10 % smaller than its box as found (a round shape has no upright)
ZOOM_BELOW = 48  # work pixels: an object smaller than this (longer side) is found again in a crop around it
ZOOM_GAIN = 1.5  # ... where the picture holds at least this many times more pixels across it than the work size
ZOOM_CROP = 2.0  # the crop's side, in object sizes: the object in its middle half, the surface around it
PAIR_ALIKE = 0.6  # two parts at least this alike in size and in each side of their boxes may be a pair (``_pair``)
NECK_DEPTH = 6  # work pixels: two alike things joined by a neck (a shadow, a touch) this thin or thinner are parted (``_necked``)
NECK_COVER = 0.9  # ... where the two cores, grown back as far as they were worn down, cover this much of the object
PAIR_SHAPE = 0.7  # ... and their shapes, each scaled to its box, overlap at least this much (intersection over union), or mirrored
TURN_MARGIN = 0.2  # another turn is served where the network's top probability on it is this much higher (``served_view``)
_TURNS = np.radians(np.arange(-45, 45, 0.5))
_COS, _SIN = np.cos(_TURNS).astype(np.float32), np.sin(_TURNS).astype(np.float32)


def fashion_input(img: Image.Image, drawing: bool | None = None, margin: float = 0.02) -> FashionInput:
    """Carry a photo or drawing into Fashion-MNIST's domain: a light object on black, filling 28x28.

    A cutout (transparent around the object) is first filled in with whichever of
    black and white its visible part stands out from.
    """
    img, backdrop = _on_backdrop(img)
    fin = _fashion_input(img, drawing, margin)
    if drawing is not True:  # the canvas is drawn to fill it
        fin = _closer(img, fin, drawing, margin) or fin
    return dataclasses.replace(fin, backdrop=backdrop) if backdrop else fin


def _closer(img: Image.Image, fin: FashionInput, drawing: bool | None, margin: float) -> FashionInput | None:
    """A garment small in a large picture (a shoe on the floor), found again in a crop around it.

    At the work size such a garment spans a few dozen pixels: its edges blur into the
    background model, thin parts pass for pen lines, and the 28x28 view is enlarged
    from less than itself. The picture usually holds more: the crop around the object
    (ZOOM_CROP times its size) is read again at up to the work size, and its box
    reported in the picture's own pixels. None where the crop adds nothing.
    """
    unit = img.info.get(DECODED_AT, 1)
    boxes = np.array([v.box for v in fin.views if v.one_of_two] or [fin.box])  # a pair: both
    left, top, right, bottom = (v / unit for v in (*boxes[:, :2].min(0), *boxes[:, 2:].max(0)))
    side = max(right - left, bottom - top)
    at_work = side * min(1.0, WORK_SIDE / max(img.size))
    if at_work >= ZOOM_BELOW or side < ZOOM_GAIN * at_work:
        return None
    w, h = img.size
    crop = min(max(w, h), round(ZOOM_CROP * side))
    x0 = int(np.clip(round((left + right - crop) / 2), 0, max(0, w - crop)))
    y0 = int(np.clip(round((top + bottom - crop) / 2), 0, max(0, h - crop)))
    part = img.crop((x0, y0, min(w, x0 + crop), min(h, y0 + crop)))
    part.info[DECODED_AT] = unit
    try:
        near = _fashion_input(part, drawing, margin)
    except InputError:
        return None
    shift = (x0 * unit, y0 * unit, x0 * unit, y0 * unit)

    def placed(v: FashionInput) -> FashionInput:
        box = tuple(int(a + b) for a, b in zip(v.box, shift))
        share = (box[2] - box[0]) * (box[3] - box[1]) / (w * h * unit * unit)
        return dataclasses.replace(v, box=box, frame_share=share, closer=True, alternatives=tuple(map(placed, v.alternatives)))

    return placed(near)


def _on_backdrop(img: Image.Image) -> tuple[Image.Image, str]:
    """A picture with transparent parts filled in with black when what it shows is light, else white.

    Shops cut garments out of their backgrounds: on white paper, as transparency
    counted before, a white shirt vanished ("the picture is blank"). Anything
    darker keeps white paper, as drawings with transparent backgrounds expect.
    """
    if img.mode != "RGBA":
        return img, ""
    small = shrink(img, WORK_SIDE * STROKE_POOL, Image.Resampling.BOX)  # the most any later step reads
    alpha = np.asarray(small.getchannel("A"), dtype=np.float32) / 255.0
    if alpha.min() == 1.0:
        return img, ""
    grey = np.asarray(small.convert("L"), dtype=np.float32) / 255.0
    seen = alpha > 0.5
    light = bool(seen.any()) and float((grey * alpha)[seen].sum() / alpha[seen].sum()) > LIGHT_CUTOUT
    out = _on_white(small, "RGB", colour="black" if light else "white")
    out.info[DECODED_AT] = img.info.get(DECODED_AT, 1) * img.size[0] / small.size[0]  # boxes stay in the picture's own pixels
    return out, "black" if light else "white"


def _fashion_input(img: Image.Image, drawing: bool | None, margin: float) -> FashionInput:
    """``fashion_input`` once no transparency is left to fill in.

    A smooth background (a quadratic surface per colour channel, fitted robustly to
    the border and then to every low-contrast pixel) is removed, so uneven light and
    gradients do not count as object; on a busy surface (gravel, grass, a patterned
    rug) the object is what differs from the border in colour and texture instead.
    ``drawing`` True treats the picture as a sketch
    (strokes closed and filled); None decides from the strokes themselves.
    """
    canvas = drawing is True  # drawn on screen, upright: turned, a scribble on the canvas could pass for a garment
    work, scale = _work_rgb(img)
    rgb = np.asarray(work, dtype=np.float32) / 255.0
    h, w = rgb.shape[:2]
    bg, noise = _fit_background(work)
    diff = rgb - bg
    grey_diff = diff @ _THIRDS
    raw = np.sqrt(np.einsum("ijk,ijk->ij", diff, diff))
    dist = ndimage.uniform_filter(raw, 3)  # a light blur so fine texture does not count
    thr = max(0.06, 4.0 * noise)
    fg = (dist > thr) & (raw > 0.5 * thr)
    grey = rgb @ _THIRDS
    empty = fg.sum() < max(4, 1e-4 * h * w) or dist.max() < 0.1
    # Gravel, grass, a rug: no smooth model sets them apart (texture on 2x2 means: sensor grain is no surface). And where
    # nothing stands out from the smooth model, the surface may be one it cannot fit (checks larger than the window).
    if not drawing and (empty or _border_texture(ndimage.uniform_filter(grey, 2)) > BUSY_TEXTURE):
        found = _on_busy_surface(img, scale, rgb, grey, bg, raw, margin)
        if found is not None:
            return found  # else a scene with no one object (a street, a crowd): read as any photo, to be judged not clothing
    if empty:
        if noise > 0.05:
            raise InputError(
                "Nothing to classify: no object stands out from the background; upload a photo of one garment on a plain surface."
            )
        raise InputError("Nothing to classify: the picture is blank; draw a piece of clothing or upload a photo of one.")
    darker = float(median(grey_diff[fg])) < 0
    ink = np.clip(-grey_diff if darker else grey_diff, 0, None)
    pooled = functools.cache(lambda dark: _pooled_grey(img, scale, dark, (h, w)))  # the pen check and the drawing path share it
    pen = _pen_sketch(pooled, scale, grey, fg, raw, thr) if drawing is None else None
    removed = False
    if pen is not None:  # a pen sketch, found against the paper's own level: shading and table edges do not count
        drawing, darker, ink = True, True, pen
        fg = _main_object(pen > 0.3, keep=0.02)
    else:
        main = None
        if drawing is None:
            main = _main_object(fg)
            drawing = looks_like_drawing(ink, main)
        if not drawing:
            shadow = _shadow_like(rgb, bg, fg)
            removed = bool(shadow.any()) and shadow.sum() < 0.6 * fg.sum()
            if removed:
                fg = _main_object(dilate(erode(fg & ~shadow)))  # and the thin rim a soft shadow edge leaves
            else:
                fg = main if main is not None else _main_object(fg)
        else:
            ink = _stroke_ink(pooled(darker), bg @ _THIRDS, darker)
            fg = _main_object(_off_border((ink > 0.3) & dilate(fg, 3)), keep=0.02)
            if not fg.any():
                raise InputError("Nothing to classify: the drawing is too small or faint; draw larger, with darker strokes.")
    tight = fg if drawing else fg & (raw > thr)  # the light blur above must not widen the box
    spread = float(np.ptp(bg[::4, ::4] @ _THIRDS))
    background = "shaded" if spread > 0.08 else "flat"
    return _framed(img, scale, ink, fg, tight, darker, bool(drawing), removed, background, margin, turn=not canvas)


def _framed(img, scale, ink, fg, tight, darker, drawing, removed, background, margin, turn=True) -> FashionInput:
    """The object's ink cropped to its box, stood upright (``turn``), squared and scaled into 28x28 (a drawing solidified on the way).

    Where the object may lie turned, the other turns it may need (none, its smallest
    enclosing rectangle's, its edges') come along as ``alternatives``, for the
    classifier to weigh (``served_view``). A photo of two alike things apart (a pair
    of shoes) gives one view of each instead.
    """
    h, w = fg.shape
    found = tight if tight.any() else fg
    top, bottom, left, right = _box(found)

    def where(g: np.ndarray) -> tuple[tuple[int, ...], float]:
        """The box of ``g`` in the picture's own pixels, and the share of the frame it covers."""
        t, b_, lft, r = _box(g)
        b = (lft, t, r, b_)
        return tuple(int(round(v / scale * img.info.get(DECODED_AT, 1))) for v in b), float((b[2] - b[0]) * (b[3] - b[1]) / (h * w))

    whole = where(found)

    def view(turned: float, part: np.ndarray | None = None) -> FashionInput:
        """The object (or ``part`` of it) turned counter-clockwise by ``turned`` degrees."""
        f, g = (fg, found) if part is None else (fg & part, found & part)
        px, filled, turned = _view(ink, f, g, turned, drawing, margin)
        box, share = whole if part is None else where(g)
        return FashionInput(px, darker, filled, box, drawing, share, removed, background, turned=turned, one_of_two=part is not None)

    if not turn:
        return view(0.0)
    pair = () if drawing else _pair(fg, found)
    if pair:  # Fashion-MNIST shows one item: each of the two is a view, the larger first
        one, two = (view(_worth_turning(*_least_box_turn(found & part)), part) for part in pair)
        return dataclasses.replace(one, alternatives=(two,))
    least, gain = _least_box_turn(found)
    fin = view(_worth_turning(least, gain))
    edges = _edge_turn(ink[max(0, top - 3) : bottom + 3, max(0, left - 3) : right + 3])
    others: list[FashionInput] = []
    if max(abs(least), abs(edges)) >= TURN_LEAST:
        for degrees in (0.0, least, edges):
            if all(abs(degrees - v.turned) >= 1.0 for v in (fin, *others)):
                others.append(view(degrees))
    return dataclasses.replace(fin, alternatives=tuple(others)) if others else fin


def _worth_turning(least: float, gain: float) -> float:
    """The turn by the smallest rectangle (``_least_box_turn``) where it is worth making, else none."""
    return least if abs(least) >= TURN_LEAST and gain >= TURN_GAIN else 0.0


def _pair(fg: np.ndarray, found: np.ndarray) -> tuple[np.ndarray, ...]:
    """The two parts of an object that are two alike things (a pair of shoes, two T-shirts), else none: apart, or
    joined by a neck (``_necked``).

    Fashion-MNIST shows one item; its network reads two side by side as
    something else (a pair of sneakers as a sandal, two T-shirts as anything but).
    """
    lab, n = label(fg, np.ones((3, 3), bool))
    if n < 2:  # one part (most pictures): two things may touch, or a shadow join them
        return _necked(fg, found)
    closed, m = label(close3(fg) | fg)  # the parts ``_main_object`` keeps together, unless that leaves one
    if m >= 2:
        lab, n = closed, m
    sizes = np.bincount(lab[found], minlength=n + 1)[1:]
    order = np.argsort(sizes)[::-1]
    big, second = sizes[order[0]], sizes[order[1]]
    if second < PAIR_ALIKE * big:
        return _necked(fg & (lab == order[0] + 1), found)  # a speck beside the object
    if n > 2 and sizes[order[2]] >= PAIR_ALIKE * big:
        return ()
    parts = tuple(lab == order[i] + 1 for i in range(2))
    return parts if _alike_boxes(parts, found) else ()


def _alike_boxes(parts, found: np.ndarray) -> bool:
    """Both sides of the two parts' boxes within PAIR_ALIKE of each other."""
    (h1, w1), (h2, w2) = (_box_sides(p & found) for p in parts)
    return min(h1, h2) >= PAIR_ALIKE * max(h1, h2) and min(w1, w2) >= PAIR_ALIKE * max(w1, w2)


def _box(m: np.ndarray) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) of a non-empty mask, bottom and right exclusive (by its rows and columns, not every pixel)."""
    rows, cols = np.flatnonzero(m.any(1)), np.flatnonzero(m.any(0))
    return rows[0], rows[-1] + 1, cols[0], cols[-1] + 1


def _box_sides(m: np.ndarray) -> tuple[int, int]:
    top, bottom, left, right = _box(m)
    return bottom - top, right - left


def _necked(fg: np.ndarray, found: np.ndarray) -> tuple[np.ndarray, ...]:
    """Two alike things that touch, or that a shadow between them joins, parted at the neck between them; else none.

    The object (its holes filled: a print or a lace pattern is no gap) is worn down
    a pixel at a time, up to NECK_DEPTH, as long as anything is left. Two alike
    things wear down alike, so where a neck thinner than that joins them, the last
    cores left are two (or, where one has just worn away, the cores a pixel
    before); only then are the cores looked at from the top, for the first depth
    where the object falls into two alike in size. Grown back as far as they were
    worn down, neither into the other, the two must cover nearly all of the object
    (one thing with thin parts, a sandal's straps or a sleeve, leaves them bare) and
    have alike sizes, boxes and shapes (the same thing twice, or mirrored, as a
    left and a right shoe are).
    """
    if not fg.any():
        return ()
    top, bottom, left, right = _box(fg)
    obj = fill_holes(fg[top:bottom, left:right])
    cores = [obj]
    while len(cores) <= NECK_DEPTH:
        core = erode(cores[-1], square=True)
        if not core.any():
            break
        cores.append(core)
    last = len(cores) - 1
    if label(cores[last], np.ones((3, 3), bool))[1] < 2 and not (
        1 < last < NECK_DEPTH and label(cores[last - 1], np.ones((3, 3), bool))[1] >= 2
    ):
        return ()  # one core to the last (most pictures: one labelling)
    for depth in range(1, last + 1):
        lab, n = label(cores[depth], np.ones((3, 3), bool))
        if n < 2:
            continue
        sizes = np.bincount(lab.ravel())[1:]
        order = np.argsort(sizes)[::-1]
        if sizes[order[1]] < PAIR_ALIKE * sizes[order[0]]:
            continue  # a small piece worn off (a strap, a sleeve's tip): wear on
        if n > 2 and sizes[order[2]] >= PAIR_ALIKE * sizes[order[0]]:
            return ()
        a, b = lab == order[0] + 1, lab == order[1] + 1
        for _ in range(depth + 1):  # grown back as far as worn down (and a pixel), neither into the other
            a = dilate(a, square=True) & obj & ~b
            b = dilate(b, square=True) & obj & ~a
        if a.sum() + b.sum() < NECK_COVER * obj.sum():
            return ()
        parts = []
        for p in (a, b):
            whole = np.zeros_like(fg)
            whole[top:bottom, left:right] = p
            parts.append(whole & fg)
        (one, i), (two, j) = sorted(((int((p & found).sum()), i) for i, p in enumerate(parts)), reverse=True)
        if not two or two < PAIR_ALIKE * one or not _alike_boxes(parts, found) or _shape_overlap(a, b) < PAIR_SHAPE:
            return ()
        return parts[i], parts[j]  # the larger first
    return ()


def _shape_overlap(a: np.ndarray, b: np.ndarray, side: int = 24) -> float:
    """Intersection over union of two masks, each scaled to fill a ``side`` square, as they are or one mirrored."""

    def boxed(m: np.ndarray) -> np.ndarray:
        top, bottom, left, right = _box(m)
        crop = m[top:bottom, left:right].astype(np.float32)
        return np.asarray(Image.fromarray(crop, "F").resize((side, side), Image.Resampling.BILINEAR)) > 0.5

    one, two = boxed(a), boxed(b)
    return max(float((one & t).sum() / max(1, (one | t).sum())) for t in (two, two[:, ::-1]))


def _view(ink, fg, found, turned: float, drawing: bool, margin: float) -> tuple[np.ndarray, bool, float]:
    """The 28x28 pixels of the object turned counter-clockwise by ``turned`` degrees; whether an outline was
    filled; and the turn made (0 where turning would lose a hair-thin object)."""
    upright = _rotated(found, turned) > 0.5 if turned else None
    if upright is not None and upright.any():  # stood upright, then boxed again
        ink, fg, found = _rotated(ink, turned), _rotated(fg, turned) > 0.5, upright
    else:
        turned = 0.0
    top, bottom, left, right = _box(found)
    peak = max(float(np.percentile(ink[fg], 99)), 1e-3)
    soft = ndimage.uniform_filter(dilate(fg).astype(np.float32), 3)
    ink = np.clip(ink / peak, 0, 1) * soft
    side = max(bottom - top, right - left)
    pad = int(np.ceil(margin * side))
    crop = ink[max(0, top - pad) : bottom + pad, max(0, left - pad) : right + pad]
    square = _pad_square(crop)
    filled = False
    if drawing:
        square, filled = _solidify_sketch(_resize(square, SKETCH_SIDE))
    small = _resize(square, FASHION_SIZE)
    return (small * 255).round().astype(np.uint8), filled, turned


def _least_box_turn(mask: np.ndarray) -> tuple[float, float]:
    """Degrees to turn the object (counter-clockwise) so that its smallest enclosing rectangle stands
    upright, and how many times smaller that rectangle is than the upright box (1.0: no gain).

    Fashion-MNIST's items are photographed upright and boxed tightly, so each fills
    its upright box: of every direction, the picture's own axes give the smallest
    enclosing rectangle (true of all ten classes, boots and sandals included, where
    the principal axis is not). A garment lying turned on a table gives a smaller
    rectangle along its own axes; turning it by that angle stands it upright again,
    or on its side past 45 degrees, which nothing can tell from the shape alone.
    """
    rows = np.flatnonzero(mask.any(1))
    if len(rows) < 4:
        return 0.0, 1.0
    inside = mask[rows]  # each row's first and last pixel: every corner of the object's convex hull is one
    ys = np.concatenate([rows, rows]).astype(np.float32)[:, None]
    xs = np.concatenate([inside.argmax(1), mask.shape[1] - 1 - inside[:, ::-1].argmax(1)]).astype(np.float32)[:, None]
    along, across = xs * _COS - ys * _SIN, xs * _SIN + ys * _COS
    area = (along.max(0) - along.min(0) + 1) * (across.max(0) - across.min(0) + 1)
    best = int(area.argmin())
    return -float(np.degrees(_TURNS[best])), float(area[len(_TURNS) // 2] / area[best])


def _edge_turn(ink: np.ndarray) -> float:
    """Degrees to turn the object (counter-clockwise) so that most of its outline runs upright or level.

    A second opinion beside the smallest rectangle, which a soft shadow or a
    phone's perspective bends: the direction of the ink's edges, folded onto a
    quarter turn (a garment's sides and hem are at right angles), weighted by
    their strength and smoothed, at its most common.
    """
    gy, gx = np.gradient(ndimage.gaussian_filter(ink.astype(np.float32), 1.0))
    angle = np.degrees(np.arctan2(gy, gx)) % 90
    hist = np.bincount(np.minimum((angle * 2).astype(np.intp), 179).ravel(), (gx * gx + gy * gy).ravel(), 180)
    peak = (np.argmax(ndimage.gaussian_filter1d(hist, 4.0, mode="wrap")) + 0.5) / 2
    return float((peak + 45) % 90 - 45)


def served_view(tops) -> int:
    """Which of a picture's views (``fin.views``) to answer from, given the network's top probability on
    each: the first, unless another (a turn, the other of a pair) reads at least TURN_MARGIN more surely (then the surest).

    Shape alone cannot always tell how far a garment lies turned; the network, shown
    each way, can (docs/experiments.md, session 27).
    """
    best = 0
    for i in range(1, len(tops)):
        if tops[i] >= tops[0] + TURN_MARGIN and tops[i] > tops[best]:
            best = i
    return best


def _rotated(a: np.ndarray, degrees: float) -> np.ndarray:
    """A float (or mask) image turned counter-clockwise by ``degrees`` about its centre, enlarged to hold all of it."""
    im = Image.fromarray(a.astype(np.float32), "F").rotate(degrees, Image.Resampling.BILINEAR, expand=True)
    return np.asarray(im)


def _on_busy_surface(img, scale, rgb, grey, bg, raw, margin) -> FashionInput | None:
    """A garment on gravel, grass or a patterned rug, found by colour and texture unlike the border's (None: none found).

    Its ink is its contrast with the surface's mean, in brightness, or in colour where
    brightness hardly differs (a purple shirt on grey stones), so the garment shows
    solid rather than as an outline.
    """
    fg = _busy_foreground(rgb, _local_spread(grey), _ring(*grey.shape))
    if fg.sum() < BUSY_SMALLEST * fg.size:
        return None
    grey_diff = (rgb - bg) @ _THIRDS
    darker = float(median(grey_diff[fg])) < 0
    ink = np.clip(-grey_diff if darker else grey_diff, 0, None)
    if float(median(ink[fg])) < 0.5 * float(median(raw[fg])):
        ink = raw
    return _framed(img, scale, ink, fg, fg, darker, False, False, "busy", margin)


def _local_spread(grey: np.ndarray) -> np.ndarray:
    """The standard deviation of brightness in a BUSY_WINDOW square around each pixel: texture."""
    mean = ndimage.uniform_filter(grey, BUSY_WINDOW)
    return np.sqrt(np.clip(ndimage.uniform_filter(grey * grey, BUSY_WINDOW) - mean * mean, 0, None))


def _ring_width(h: int, w: int) -> int:
    return max(2, round(0.06 * min(h, w)))


def _ring(h: int, w: int) -> np.ndarray:
    """The border ring (6 % of the shorter side) where the surface shows."""
    ring = np.zeros((h, w), bool)
    b = _ring_width(h, w)
    ring[:b], ring[-b:], ring[:, :b], ring[:, -b:] = True, True, True, True
    return ring


def _border_texture(grey: np.ndarray) -> float:
    """The median texture (``_local_spread``) over the border ring, filtered on the four border strips alone: every
    photo pays for this check, and a whole-picture filter costs half as much again (the two agree to float rounding)."""
    h, w = grey.shape
    b = _ring_width(h, w)
    m = b + BUSY_WINDOW // 2  # the filter window of a ring pixel stays inside its strip
    if 2 * m >= min(h, w):
        return float(median(_local_spread(grey)[_ring(h, w)]))
    top, bottom = _local_spread(grey[:m])[:b], _local_spread(grey[-m:])[-b:]
    left, right = _local_spread(grey[b:-b, :m])[:, :b], _local_spread(grey[b:-b, -m:])[:, -b:]
    return float(median(np.concatenate([a.ravel() for a in (top, bottom, left, right)])))


def _nearest(x: np.ndarray, centres: np.ndarray, distance: bool = False) -> np.ndarray:
    """Index of the nearest centre for each row of ``x`` (or, with ``distance``, the squared distance to it), by one product."""
    d = (x * x).sum(1)[:, None] - 2 * x @ centres.T + (centres * centres).sum(1)[None]
    return d.min(1) if distance else d.argmin(1)


def _busy_foreground(rgb: np.ndarray, spread: np.ndarray, ring: np.ndarray) -> np.ndarray:
    """The main object on a busy surface: pixels whose local colour and texture match none of the border's.

    Colour and texture (the local spread of brightness) are averaged over a window
    wider than a pebble's gap or a pattern's stripe; the border ring's values are
    grouped into a few clusters (a two-colour rug is two), and a pixel far from
    every cluster, in units of the clusters' own spread, is object. That spread is
    measured along its own axes (a Mahalanobis distance): a two-tone surface of one
    hue varies along brightness alone, so a garment of another hue stands out even
    where its brightness falls between the tones (the window averaging a check's
    edge does that too).
    """
    h, w = rgb.shape[:2]
    mean = ndimage.uniform_filter(rgb, (BUSY_WINDOW, BUSY_WINDOW, 1))
    feats = np.concatenate([mean, spread[..., None]], 2).reshape(-1, 4)
    pts = feats[ring.ravel()][::3]  # a third of the ring is plenty to know the surface
    pts = pts[np.argsort(pts[:, :3].sum(1), kind="stable")]  # darkest to lightest: the clusters start spread out
    centres = pts[((np.arange(BUSY_CLUSTERS) + 0.5) / BUSY_CLUSTERS * len(pts)).astype(int)]
    for _ in range(8):
        near = _nearest(pts, centres)
        member = np.eye(BUSY_CLUSTERS, dtype=np.float32)[near]
        count = member.sum(0)
        centres = np.where(count[:, None] > 0, member.T @ pts / np.maximum(count, 1)[:, None], centres)
    near = _nearest(pts, centres)
    keep = np.bincount(near, minlength=BUSY_CLUSTERS) >= 0.08 * len(pts)  # a garment reaching the border is not surface
    unit = np.maximum(np.median(np.abs(pts - centres[near]), 0) * 1.4826, 0.015)
    res = (pts - centres[near]) / unit
    norm = (res * res).sum(1)
    res = res[norm <= np.quantile(norm, BUSY_WHITEN)]  # the ring's own spread, without a garment's sleeve reaching it
    cov = res.T @ res / max(1, len(res)) + BUSY_RIDGE * np.eye(4)
    white = (np.linalg.cholesky(np.linalg.inv(cov)) / unit[:, None]).astype(np.float32)  # x @ white: Mahalanobis units
    far = _nearest(feats @ white, centres[keep] @ white, distance=True)
    d = np.sqrt(np.maximum(far, 0)).reshape(h, w)
    fg = d > max(BUSY_FAR, 1.3 * float(np.percentile(d[ring], 95)))
    fg = dilate(erode(fg, square=True), square=True)  # no specks of surface
    fg = fill_holes(_main_object(fg))
    for _ in range(BUSY_TRIM):  # the window's reach past the garment's edge
        trimmed = erode(fg)
        fg = trimmed if trimmed.sum() > 0.5 * fg.sum() else fg
    return fg


def shrink(img: Image.Image, side: int, method: Image.Resampling) -> Image.Image:
    """The image with its longer side at most ``side``, aspect kept; never enlarged."""
    return img if max(img.size) <= side else ImageOps.contain(img, (side, side), method)


def _work_rgb(img: Image.Image) -> tuple[Image.Image, float]:
    """RGB, transparency on white, longer side at most WORK_SIDE; and the scale used."""
    small = shrink(img, WORK_SIDE, Image.Resampling.BOX)
    return to_rgb(small), max(small.size) / max(img.size)


@functools.lru_cache(maxsize=8)  # a handful of aspect ratios recur; 0.6 MB each at the work size
def _quad_basis(h: int, w: int, dtype=np.float32) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    yy, xx = yy / max(1, h - 1) * 2 - 1, xx / max(1, w - 1) * 2 - 1
    basis = np.stack([np.ones_like(xx), xx, yy, xx * xx, xx * yy, yy * yy], -1).astype(dtype)  # [H,W,6]
    basis.flags.writeable = False  # shared by every call of the same size
    return basis


def _row_sum(a: np.ndarray) -> np.ndarray:
    """``a.sum(1)`` for [N,3], bit for bit (numpy adds three values in order), without the reduction's overhead."""
    return a[:, 0] + a[:, 1] + a[:, 2]


def _fit_background(work: Image.Image) -> tuple[np.ndarray, float]:
    """A smooth background model [H,W,3] and the residual noise level of the background pixels.

    Fitted on a coarse copy, first to a border ring, then to every pixel close to
    the model, dropping outliers each round: objects touching the border or
    shadows do not bend it.
    """
    w, h = work.size
    f = min(1.0, FIT_SIDE / min(w, h))
    wc, hc = max(4, round(w * f)), max(4, round(h * f))
    px = np.asarray(work.resize((wc, hc), Image.Resampling.BOX), dtype=np.float64).reshape(-1, 3) / 255.0
    basis = _quad_basis(hc, wc, np.float64).reshape(-1, 6)
    ring = np.zeros((hc, wc), bool)
    b = max(1, round(0.06 * min(hc, wc)))
    ring[:b], ring[-b:], ring[:, :b], ring[:, -b:] = True, True, True, True
    ring = ring.ravel()
    edge = px[ring].T
    dev = _row_sum(np.abs(px - np.array([median(c) for c in edge])))
    sel = ring & (dev <= max(3 * float(median(dev[ring])), 0.1))  # start from the border's dominant colour
    ridge = 1e-6 * np.eye(6)
    for it in range(4):
        a = basis[sel]
        coef = np.linalg.solve(a.T @ a + ridge, a.T @ px[sel])
        off = px - basis @ coef
        resid = _row_sum(np.abs(off))
        cut = max(3.0 * float(median(resid[sel])), 0.03)
        sel = (ring if it < 1 else True) & (resid < cut)
        if sel.sum() < 12:
            sel = ring
    noise = float(median(np.sqrt(_row_sum(off**2))[sel]))
    return (_quad_basis(h, w).reshape(-1, 6) @ coef.astype(np.float32)).reshape(h, w, 3), noise


def _shadow_like(rgb: np.ndarray, bg: np.ndarray, fg: np.ndarray) -> np.ndarray:
    """Foreground pixels that are the background's own colour, only darker: a shadow, not an object."""
    if float(np.ptp(bg[::8, ::8].reshape(-1, 3).mean(0))) <= 0.04:
        return np.zeros_like(fg)  # a neutral background cannot tell grey cloth from shade
    ratio = rgb / np.maximum(bg, 1e-3)
    level = ratio @ _THIRDS
    chroma = np.abs(ratio - level[..., None]).max(2) / np.maximum(level, 1e-3)
    return fg & (level > 0.45) & (level < 0.9) & (chroma < 0.06)


def _main_object(mask: np.ndarray, keep: float = 0.1) -> np.ndarray:
    """The largest connected part and every part at least ``keep`` of its size (a pair of shoes, a strap)."""
    lab, n = label(close3(mask) | mask)
    if n == 0:
        return mask
    sizes = np.bincount(lab.ravel())[1:]
    big = np.flatnonzero(sizes >= keep * sizes.max()) + 1
    return among(lab, big) & mask if n > 1 else mask


def _off_border(mask: np.ndarray) -> np.ndarray:
    """Drop strokes that touch the frame: paper edges and table seams, not pen lines (unless nothing else is left)."""
    lab, n = label(mask, np.ones((3, 3), bool))
    inner = mask & ~among(lab, frame_labels(lab))
    return inner if inner.sum() > 0.5 * mask.sum() else mask


def _pooled_grey(img: Image.Image, scale: float, darker: bool, shape) -> np.ndarray:
    """Grey at the work size, pooled from up to STROKE_POOL times finer so that a 2-px pen line stays dark."""
    h, w = shape
    k = int(min(STROKE_POOL, max(1, np.floor(1 / scale))))
    if k == 1:
        return np.asarray(grey_image(img).resize((w, h), Image.Resampling.BOX), dtype=np.float32) / 255.0
    big = np.asarray(grey_image(img).resize((w * k, h * k), Image.Resampling.BOX))
    # the k*k pixels of each block along one leading axis: numpy reduces that 30x faster than two strided axes
    blocks = big.reshape(h, k, w, k).transpose(1, 3, 0, 2).reshape(k * k, h, w)
    return (blocks.min(0) if darker else blocks.max(0)).astype(np.float32) / 255.0


def _lift(grey: np.ndarray) -> np.ndarray:
    """How far each pixel lies below the paper around it (a grey closing wider than any pen line)."""
    return _sliding(_sliding(grey, np.maximum), np.minimum) - grey


def _sliding(a: np.ndarray, op) -> np.ndarray:
    """``ndimage.maximum_filter(a, PEN_SPAN)`` (``op`` maximum) or ``minimum_filter``, reflecting at the edges,
    bit for bit, by doubling windows of shifted copies: a few operations per axis, several times faster."""
    r = PEN_SPAN // 2
    for axis in (0, 1):
        if a.shape[axis] > r:
            a = np.swapaxes(a, 0, axis)
            p = np.concatenate([a[r - 1 :: -1], a, a[: -r - 1 : -1]])  # scipy's "reflect": d c b a | a b c d | d c b a
            p = np.swapaxes(p, 0, axis)
        else:
            p = np.pad(a, [(r, r) if ax == axis else (0, 0) for ax in (0, 1)], mode="symmetric")
        win, span = p, 1
        while 2 * span <= PEN_SPAN:  # windows of 2, 4, 8
            win, span = op(_cut(win, axis, 0, -span), _cut(win, axis, span, None)), 2 * span
        if span < PEN_SPAN:  # what is left: one more window, overlapping (max and min do not mind)
            win = op(_cut(win, axis, 0, span - PEN_SPAN), _cut(win, axis, PEN_SPAN - span, None))
        a = win
    return a


def _cut(a: np.ndarray, axis: int, start, stop) -> np.ndarray:
    return a[start:stop] if axis == 0 else a[:, start:stop]


def _pen_sketch(
    pooled: Callable[[bool], np.ndarray], scale: float, grey: np.ndarray, fg: np.ndarray, raw: np.ndarray, thr: float
) -> np.ndarray | None:
    """Ink [0,1] of a dark pen drawing, or None when the picture is not one.

    Each stroke is measured against the paper right beside it (a grey closing wider
    than any pen line), so light falling off across the page and the table showing
    past a tilted page's edge are not ink. It is a drawing when those strokes form
    one sizeable, thin, line-like figure that the smooth-background foreground
    agrees with, and no solid foreground with edges of its own lies around them
    (a region as dark as the strokes right beside them, or one clear of the
    frame): shading fades out without an edge and the table past the page
    touches the frame, while a photographed garment is a solid region with
    edges, and its seams, print or a bag's handle are not its outline.
    """
    lift = _lift(grey)
    lifted = lift[lift > max(0.08, thr)]
    if lifted.size < 20 or float(median(lifted)) < 0.6 * PEN_DARK:
        return None  # nothing dark and thin enough to be ink: most photos stop here, for a millisecond
    if scale <= 0.5:  # lines under two source pixels wide: measure them again, min-pooled from the finer image
        grey = pooled(True)
        lift = _lift(grey)
    lines = _main_object(_off_border(lift > max(0.08, thr)), keep=0.02)
    if lines.sum() < 20:
        return None
    h, w = grey.shape
    ys, xs = np.nonzero(lines)
    size = max(np.ptp(ys), np.ptp(xs)) + 1
    core = erode(lines, square=True)
    width = 2 * lines.sum() / max(1, (lines & ~core).sum())
    if size < 0.2 * min(h, w) or width > max(4.0, 0.08 * size) or lines.sum() / width < 1.5 * size:
        return None  # a speck, a thick marker or a short scribble: leave it to the general path
    if lines.sum() > PEN_DENSE * (np.ptp(ys) + 1) * (np.ptp(xs) + 1):
        return None  # lines packed close together, as stripes or a print on a garment are; an outline is sparse
    if (lines & fg).sum() < 0.5 * lines.sum() or float(median(lift[lines])) < PEN_DARK:
        return None  # texture, folds and soft shadow edges: fainter than ink on paper
    reach = ndimage.distance_transform_cdt(~lines, metric="taxicab")  # reach <= k: the lines dilated k times by a cross
    lab, _ = label(fg)
    solid = among(lab, lab[lines & fg]) & (reach > 3)
    lab, _ = label(solid)
    beside = solid & (reach <= 6)
    dark_beside = beside.sum() > 0.3 * lines.sum() and median(raw[beside]) > 0.5 * median(raw[lines])
    inner = solid & ~among(lab, frame_labels(lab))
    gy, gx = np.gradient(ndimage.uniform_filter(grey, 3))
    steep, near = np.hypot(gx, gy), reach <= 4
    for region, big in ((beside, dark_beside), (inner, inner.sum() > 0.5 * lines.sum())):
        if not big:
            continue
        region = among(lab, lab[region])  # the whole of each solid part there
        rim = region & ~erode(region, border=True) & ~near
        if rim.any() and float(median(steep[rim])) > PEN_EDGE:
            return None  # a solid object with edges of its own around the lines: a photo, whose seams, print or handle drew them
    ink = lift * (reach <= 1)
    return np.clip(ink / max(float(np.percentile(ink[lines], 99)), 0.05), 0, 1)


def _stroke_ink(grey: np.ndarray, bg_grey: np.ndarray, darker: bool) -> np.ndarray:
    """Ink of thin strokes at the work size, from grey pooled so that a 2-px pen line stays dark after shrinking."""
    ink = np.clip(bg_grey - grey if darker else grey - bg_grey, 0, None)
    peak = float(np.percentile(ink, 99.5))
    return np.clip(ink / max(peak, 0.05), 0, 1)


def _pad_square(a: np.ndarray) -> np.ndarray:
    h, w = a.shape
    s = max(h, w)
    out = np.zeros((s, s), np.float32)
    out[(s - h) // 2 : (s - h) // 2 + h, (s - w) // 2 : (s - w) // 2 + w] = a
    return out


def _resize(a: np.ndarray, side: int) -> np.ndarray:
    """A float [0,1] square resized with Pillow's antialiasing filter."""
    im = Image.fromarray((np.clip(a, 0, 1) * 255).astype(np.uint8), "L")
    return np.asarray(im.resize((side, side), Image.Resampling.LANCZOS), dtype=np.float32) / 255.0


def looks_like_drawing(ink: np.ndarray, mask: np.ndarray) -> bool:
    """A sketch is thin (pen lines, narrow for the object's size) or flat (one saturated ink level, no texture).

    Line width is estimated as twice the area over the boundary length; flatness is
    judged on the strokes' core, away from their anti-aliased edges.
    """
    if not mask.any():
        return False
    core = erode(mask, square=True)
    ys, xs = np.nonzero(mask)
    size = max(np.ptp(ys), np.ptp(xs)) + 1
    width = 2 * mask.sum() / max(1, (mask & ~core).sum())
    if width < max(4.0, 0.08 * size) or core.sum() < 0.3 * mask.sum():
        return True
    vals = ink[core]
    # Pen-black on white paper: most of the core at one level. Within 3 %, not 10 %: a dark garment in a catalogue
    # photo is nearly as flat, and 28 % of them went down the drawing path (docs/experiments.md, session 22).
    return bool(median(vals) > 0.75 and (vals > FLAT_LEVEL * np.percentile(vals, 95)).mean() > FLAT_SHARE)


def _solidify_sketch(sq: np.ndarray) -> tuple[np.ndarray, bool]:
    """Turn a sketch on its 84x84 square into a solid silhouette, as Fashion-MNIST's items are.

    A small closing bridges pen gaps of a pixel or two (at 28x28: half a pixel), so
    trouser legs drawn close together stay apart. Enclosed regions are filled when
    they are large, relative to the largest: a garment's body and sleeves, but not
    the hole under a bag's handle or between sandal straps.
    """
    mask = sq > 0.25
    closed = close3(np.pad(mask, 3))[3:-3, 3:-3] | mask
    holes = fill_holes(closed) & ~closed
    lab, n = label(holes)
    strokes = dilate(closed, 2)  # about 1.5 px at 28x28, as a pen line on a garment
    if n:
        sizes = np.bincount(lab.ravel())[1:]
        # an outline's inside dwarfs its strokes; the hole under a filled bag's handle does not
        big = (sizes >= 0.3 * sizes.max()) & (sizes >= 0.5 * closed.sum())
        fill = among(lab, np.flatnonzero(big) + 1)
        if fill.sum() > 0.1 * closed.sum():
            return np.where(closed | fill, SKETCH_FILL, 0.0).astype(np.float32), True
    return np.where(strokes, SKETCH_FILL, 0.0).astype(np.float32), False


# --------------------------------------------------------------------------- facades


def to_rgb(img: Image.Image) -> Image.Image:
    """RGB, with any transparency composited on white."""
    if img.mode == "RGB":
        return img
    return _on_white(img, "RGB") if img.mode == "RGBA" else img.convert("RGB")


def grey_image(img: Image.Image) -> Image.Image:
    """Mode L, transparency on white; a grey picture as it is (through RGB it cost 190 MB more at 48 MP, for the same values)."""
    if img.mode == "L":
        return img
    if img.mode == "RGBA":
        return _on_white(img, "L")
    return (img if img.mode == "RGB" else to_rgb(img)).convert("L")  # other modes through RGB, as before


def _on_white(img: Image.Image, mode: str, band: int = 256, colour: str = "white") -> Image.Image:
    """An RGBA picture composited on white (or ``colour``), in bands of rows: whole, the white sheet
    and the composite took three full RGBA copies (570 MB at 48 MP) besides the picture."""
    w, h = img.size
    out = Image.new(mode, img.size)
    white = Image.new("RGBA", (w, min(band, h)), colour)
    for top in range(0, h, band):
        part = img.crop((0, top, w, min(h, top + band)))
        sheet = white if part.size == white.size else white.crop((0, 0, *part.size))
        out.paste(Image.alpha_composite(sheet, part).convert(mode), (0, top))
    return out


def facade_input(img: Image.Image, target: int = FACADE_SIZE) -> np.ndarray:
    """uint8 RGB [h,w,3] rescaled so its area is about target^2 (the training scale), aspect kept."""
    rgb = to_rgb(img)
    w, h = rgb.size
    scale = target / np.sqrt(w * h)
    size = (max(16, round(w * scale)), max(16, round(h * scale)))
    if size != (w, h):
        rgb = rgb.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
    return np.array(rgb)  # a writable copy, as torch.from_numpy wants

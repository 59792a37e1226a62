"""Pictures of Fashion-MNIST garments as people send them: drawings and phone photos.

Each renderer takes one 28x28 Fashion-MNIST image (uint8, light object on
black) and a numpy Generator, and returns a PIL image of the garment as it
would reach the app: drawn on the canvas, uploaded as an outline PNG, sketched
with a pen on paper and photographed, or photographed on a table. Training
passes these through the serving preprocessing (``fashion_input``), so the
network learns exactly what it is served; the benchmark renders the test split
with fixed seeds. ``NOT_CLOTHING`` renderers make pictures of anything else,
for outlier exposure.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from scipy import ndimage

# ----------------------------------------------------------------------------- shapes


def _upsample(x28: np.ndarray, side: int) -> np.ndarray:
    """The 28x28 image as float [side,side] in [0,1], smoothly enlarged."""
    im = Image.fromarray(x28.astype(np.uint8), "L").resize((side, side), Image.Resampling.BICUBIC)
    return np.asarray(im, dtype=np.float32) / 255.0


def _wobble(a: np.ndarray, rng: np.random.Generator, amount: float) -> np.ndarray:
    """Bend a picture with a smooth random displacement field, as a hand would."""
    if amount <= 0:
        return a
    side = a.shape[0]
    field = rng.normal(0, amount * side, (2, 4, 4))
    dy, dx = (ndimage.zoom(f, side / 4, order=3)[:side, :side] for f in field)
    yy, xx = np.mgrid[0:side, 0:side].astype(np.float32)
    return ndimage.map_coordinates(a, [yy + dy, xx + dx], order=1, mode="constant")


def _silhouette(x28: np.ndarray, side: int, rng: np.random.Generator, wobble: float = 0.01) -> tuple[np.ndarray, np.ndarray]:
    """(mask, texture) of the garment at ``side`` px, slightly bent."""
    tex = _wobble(_upsample(x28, side), rng, wobble)
    return tex > 0.08 * max(float(tex.max()), 1e-3), tex


def _strokes(mask: np.ndarray, tex: np.ndarray, rng: np.random.Generator, width: float, details: bool, gaps: bool) -> np.ndarray:
    """An outline of the mask drawn with a pen of ``width`` px, with optional inner lines and gaps."""
    edge = mask ^ ndimage.binary_erosion(mask)
    if details:
        gy, gx = ndimage.sobel(tex, 0), ndimage.sobel(tex, 1)
        mag = np.hypot(gx, gy) * ndimage.binary_erosion(mask, iterations=max(2, int(width)))
        if mag.max() > 0:
            inner = mag > np.percentile(mag[mag > 0], rng.uniform(85, 95)) if (mag > 0).sum() > 20 else np.zeros_like(mask)
            edge |= ndimage.binary_opening(inner, np.ones((2, 2), bool)) if inner.any() else inner
    dist = ndimage.distance_transform_edt(~edge)
    ink = np.clip(width / 2 + 0.5 - dist, 0, 1)  # anti-aliased pen line
    if gaps:
        side = mask.shape[0]
        ys, xs = np.nonzero(edge)
        for _ in range(rng.integers(1, 4)):
            if len(ys):
                i = rng.integers(len(ys))
                r = rng.uniform(0.5, 1.2) * width + 1
                yy, xx = np.ogrid[0:side, 0:side]
                ink[(yy - ys[i]) ** 2 + (xx - xs[i]) ** 2 < r * r] = 0
    return ink


def _place(content: np.ndarray, canvas: tuple[int, int], rng: np.random.Generator, fill=(0.45, 0.8), centred=False):
    """Paste a square float map into a canvas of (h, w) at a random size and place; returns the canvas-size map."""
    h, w = canvas
    side = int(min(h, w) * rng.uniform(*fill))
    im = Image.fromarray((np.clip(content, 0, 1) * 255).astype(np.uint8), "L").resize((side, side), Image.Resampling.BILINEAR)
    out = np.zeros((h, w), np.float32)
    y0 = (h - side) // 2 if centred else int(rng.integers(0, h - side + 1))
    x0 = (w - side) // 2 if centred else int(rng.integers(0, w - side + 1))
    out[y0 : y0 + side, x0 : x0 + side] = np.asarray(im, dtype=np.float32) / 255.0
    return out


def _to_image(rgb: np.ndarray) -> Image.Image:
    return Image.fromarray((np.clip(rgb, 0, 1) * 255).round().astype(np.uint8), "RGB")


def _jpeg(img: Image.Image, quality: int) -> Image.Image:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=int(quality))
    buf.seek(0)
    return Image.open(buf).convert("RGB")


def _illumination(h: int, w: int, rng: np.random.Generator, strength: float) -> np.ndarray:
    """Light falling off across the frame: a tilted plane times a vignette."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    yy, xx = yy / h * 2 - 1, xx / w * 2 - 1
    a = rng.uniform(0, 2 * np.pi)
    plane = 1 + strength * (np.cos(a) * xx + np.sin(a) * yy) / 2
    cy, cx = rng.uniform(-1, 1, 2)
    vignette = 1 - strength * 0.5 * ((xx - cx) ** 2 + (yy - cy) ** 2) / 4
    return (plane * vignette)[..., None]


# ----------------------------------------------------------------------------- drawings


def _side(size) -> int:
    """Working side for a garment on a canvas of ``size``: detailed for the benchmark, small for training."""
    return int(np.clip(0.6 * np.min(size), 96, 256))


def canvas_filled(x28, rng, size: int = 400) -> Image.Image:
    """The garment's silhouette painted black on the app's white canvas."""
    mask, _ = _silhouette(x28, _side(size), rng, wobble=0.012)
    m = _place(ndimage.uniform_filter(mask.astype(np.float32), 3), (size, size), rng, fill=(0.5, 0.95))
    return _to_image(np.repeat(1 - m[..., None], 3, 2))


def canvas_outline(x28, rng, size: int = 400) -> Image.Image:
    """The garment's outline drawn on the canvas with the app's brush (6-14 px at 400 px)."""
    side = _side(size)
    mask, tex = _silhouette(x28, side, rng, wobble=0.012)
    fill = rng.uniform(0.5, 0.95)
    width = rng.uniform(6, 14) * side / (400 * fill)  # the app's brush on its 400 px canvas
    ink = _strokes(mask, tex, rng, width, details=rng.random() < 0.3, gaps=rng.random() < 0.3)
    m = _place(ink, (size, size), rng, fill=(fill, fill))
    return _to_image(np.repeat(1 - m[..., None], 3, 2))


def upload_outline(x28, rng, size: int = 800) -> Image.Image:
    """A thin outline drawn in a paint program and uploaded as PNG (2-4 px lines on a large canvas)."""
    side = _side(size)
    mask, tex = _silhouette(x28, side, rng, wobble=0.008)
    fill = rng.uniform(0.5, 0.9)
    width = max(1.0, rng.uniform(2, 4) * side / (800 * fill))  # 2-4 px lines on an 800 px picture
    ink = _strokes(mask, tex, rng, width, details=rng.random() < 0.4, gaps=rng.random() < 0.2)
    m = _place(ink, (size, size), rng, fill=(fill, fill))
    return _to_image(np.repeat(1 - m[..., None], 3, 2))


def paper_sketch(x28, rng, size: tuple[int, int] = (720, 960)) -> Image.Image:
    """A pen outline on paper, photographed with a phone: uneven light, blur, JPEG, slight tilt."""
    h, w = size
    side = _side(size)
    mask, tex = _silhouette(x28, side, rng, wobble=0.015)
    fill = rng.uniform(0.5, 0.85)
    width = max(1.2, rng.uniform(3, 7) * side / (720 * fill))  # a pen on a 720x960 phone photo
    ink = _strokes(mask, tex, rng, width, details=rng.random() < 0.5, gaps=rng.random() < 0.3)
    m = _place(ink, (h, w), rng, fill=(fill, fill))
    paper = np.array(rng.uniform(0.78, 0.95) * np.array([1.0, rng.uniform(0.97, 1.0), rng.uniform(0.9, 1.0)]), np.float32)
    pen = np.array(rng.choice([[0.1, 0.1, 0.12], [0.1, 0.15, 0.4], [0.25, 0.25, 0.25]]), np.float32) * rng.uniform(0.6, 1.4)
    rgb = paper * (1 - m[..., None]) + pen * m[..., None]
    rgb = rgb * _illumination(h, w, rng, rng.uniform(0.3, 0.8)) + rng.normal(0, 0.012, (h, w, 1))
    edge = tuple(int(v) for v in np.median(np.concatenate([rgb[0], rgb[-1]]), 0).clip(0, 1) * 255)  # the paper runs on past the frame
    img = _to_image(rgb).rotate(rng.uniform(-8, 8), Image.Resampling.BILINEAR, fillcolor=edge)
    img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.4, 1.3)))
    return _jpeg(img, rng.integers(55, 90))


# ----------------------------------------------------------------------------- photos


def _garment_rgb(tex: np.ndarray, colour: np.ndarray) -> np.ndarray:
    """The garment's own shading: Fashion-MNIST is inverted, so its bright pixels were the dark ones."""
    t = tex / max(float(tex.max()), 1e-3)
    return colour * (0.55 + 0.7 * (1 - t))[..., None]


def _photo(
    x28,
    rng,
    bg: np.ndarray,
    colour,
    size,
    fill,
    light: float,
    shadow: float,
    perspective: bool,
    turn: float = 0.0,
    shadow_to_object: bool = False,
) -> Image.Image:
    h, w = size
    side = _side(size)
    mask, tex = _silhouette(x28, side, rng, wobble=0.005)
    alpha_sq = ndimage.uniform_filter(mask.astype(np.float32), 3)
    if turn:  # lying turned on the table, ``turn`` degrees counter-clockwise
        alpha_sq, tex = (_turned(a, turn) for a in (alpha_sq, tex))
    if perspective:
        coeffs = (1 + rng.uniform(-0.08, 0.08), rng.uniform(-0.08, 0.08), 0, rng.uniform(-0.08, 0.08), 1 + rng.uniform(-0.08, 0.08), 0)
        alpha_sq = np.asarray(
            Image.fromarray(alpha_sq).transform((side, side), Image.Transform.AFFINE, coeffs, Image.Resampling.BILINEAR), np.float32
        )
        tex = np.asarray(
            Image.fromarray(tex).transform((side, side), Image.Transform.AFFINE, coeffs, Image.Resampling.BILINEAR), np.float32
        )
    f = rng.uniform(*fill)
    seed = int(rng.integers(1 << 31))
    alpha = _place(alpha_sq, (h, w), np.random.default_rng(seed), fill=(f, f))
    texture = _place(tex, (h, w), np.random.default_rng(seed), fill=(f, f))
    garment = _garment_rgb(texture, np.asarray(colour, np.float32))
    rgb = bg.copy()
    if shadow > 0:
        reach = min(h, w) * (f / 0.6 if shadow_to_object else 1.0)  # a small garment casts a small shadow
        dy, dx = (rng.uniform(0.02, 0.08) * reach * rng.choice([-1, 1]) for _ in range(2))
        sh = ndimage.shift(alpha, (dy, dx), order=0)
        sh = ndimage.gaussian_filter(sh, rng.uniform(0.01, 0.03) * reach)
        rgb = rgb * (1 - shadow * sh[..., None])
    rgb = rgb * (1 - alpha[..., None]) + garment * alpha[..., None]
    if light > 0:
        rgb = rgb * _illumination(h, w, rng, light)
    rgb = rgb + rng.normal(0, 0.01, (h, w, 1))
    img = _to_image(rgb)
    if rng.random() < 0.5:
        img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.0)))
    return _jpeg(img, rng.integers(60, 92))


def _turned(a: np.ndarray, degrees: float) -> np.ndarray:
    """A square float map turned counter-clockwise, enlarged to hold all of it, then brought back to its side."""
    side = a.shape[0]
    im = Image.fromarray(a.astype(np.float32), "F").rotate(degrees, Image.Resampling.BICUBIC, expand=True)
    return np.clip(np.asarray(im.resize((side, side), Image.Resampling.BILINEAR)), 0, None)


def _plain(h, w, colour) -> np.ndarray:
    return np.broadcast_to(np.asarray(colour, np.float32), (h, w, 3)).copy()


def _dark_colour(rng):
    return rng.uniform(0.05, 0.6) * np.array([1, 1, 1]) * rng.uniform(0.7, 1.0, 3)


def _any_colour(rng):
    return rng.uniform(0.05, 0.95, 3)


def product_photo(x28, rng, size=(480, 480)) -> Image.Image:
    """A catalogue shot: even light, off-white background, a dark garment anywhere in the frame."""
    bg = _plain(*size, rng.uniform(0.88, 0.98) * rng.uniform(0.97, 1.0, 3))
    return _photo(x28, rng, bg, _dark_colour(rng), size, (0.45, 0.9), light=0.0, shadow=0.0, perspective=False)


def table_photo(x28, rng, size=(480, 640), turn: float = 0.0, fill=(0.45, 0.8), small: bool = False) -> Image.Image:
    """A garment lying on a table: light falling off across the frame, a soft shadow, off-centre, slight perspective."""
    bg = _plain(*size, rng.uniform(0.35, 0.9) * rng.uniform(0.8, 1.0, 3))
    colour = _any_colour(rng)
    if abs(colour.mean() - bg.mean()) < 0.25:  # keep the garment visible against its table
        colour = np.clip(colour + (0.35 if bg.mean() < 0.6 else -0.35), 0.03, 1)
    light, shadow = rng.uniform(0.3, 0.7), rng.uniform(0.25, 0.5)
    return _photo(x28, rng, bg, colour, size, fill, light=light, shadow=shadow, perspective=True, turn=turn, shadow_to_object=small)


def small_photo(x28, rng, size=(480, 640)) -> Image.Image:
    """A garment small in the frame (15-30 % of its shorter side), as a shoe on the floor is, on a table as ``table_photo``."""
    return table_photo(x28, rng, size, fill=(0.15, 0.3), small=True)


def turned_photo(x28, rng, size=(480, 640)) -> Image.Image:
    """A garment lying turned on a table, 10-35 degrees either way, as phone photos of clothes often show it."""
    return table_photo(x28, rng, size, turn=float(rng.uniform(10, 35) * rng.choice([-1, 1])))


def _two(x28: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Two of the same item apart, as a square image for ``_photo``: side by side (facing the same way or
    toes outwards) or one above the other, 10-35 % of its size between them."""
    a, gap = x28.astype(np.uint8), int(28 * rng.uniform(0.1, 0.35))
    out = np.zeros((84, 84), np.uint8)
    layout = rng.integers(3)
    if layout == 2:  # one above the other, as laid on a table
        y0, x0 = (84 - 56 - gap) // 2, 28
        out[y0 : y0 + 28, x0 : x0 + 28] = a
        out[y0 + 28 + gap : y0 + 56 + gap, x0 : x0 + 28] = a
    else:
        y0, x0 = 28, (84 - 56 - gap) // 2
        out[y0 : y0 + 28, x0 : x0 + 28] = a[:, ::-1] if layout == 1 else a
        out[y0 : y0 + 28, x0 + 28 + gap : x0 + 56 + gap] = a
    return out


def pair_photo(x28, rng, size=(480, 640)) -> Image.Image:
    """Two of the same garment apart on a table (a pair of shoes, two T-shirts), as ``table_photo`` shows one."""
    return table_photo(_two(x28, rng), rng, size, fill=(0.7, 0.95))


def _texture(h, w, rng) -> np.ndarray:
    """Wood grain, woven fabric or floor tiles, in a random colour."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    kind = rng.integers(3)
    base = rng.uniform(0.3, 0.85) * rng.uniform(0.75, 1.0, 3)
    if kind == 0:  # wood: wavy stripes
        warp = ndimage.zoom(rng.normal(0, 1, (6, 6)), (h / 6, w / 6), order=3)[:h, :w] * 8
        period = rng.uniform(10, 30)
        v = 0.5 + 0.5 * np.sin((yy + warp) * 2 * np.pi / period)
        a = 0.12
    elif kind == 1:  # fabric: a fine weave
        p = rng.uniform(3, 6)
        v = 0.5 + 0.25 * np.sin(xx * 2 * np.pi / p) + 0.25 * np.sin(yy * 2 * np.pi / p)
        a = 0.10
    else:  # tiles: grout lines on a grid
        p = rng.uniform(40, 120)
        v = ((np.minimum(yy % p, xx % p) < rng.uniform(2, 5)) * -1.0 + 1.0) * 0.8 + 0.2 * rng.random((h, w))
        a = 0.18
    return base * (1 - a + a * v)[..., None]


def textured_photo(x28, rng, size=(480, 640)) -> Image.Image:
    """A garment on wood, fabric or tiles."""
    bg = _texture(*size, rng)
    colour = _any_colour(rng)
    if abs(colour.mean() - bg.mean()) < 0.3:
        colour = np.clip(colour + (0.4 if bg.mean() < 0.55 else -0.4), 0.03, 1)
    return _photo(x28, rng, bg, colour, size, (0.45, 0.8), light=rng.uniform(0.0, 0.4), shadow=rng.uniform(0.0, 0.4), perspective=True)


def _stones(h, w, rng, f: float) -> np.ndarray:
    """Gravel, cobbles or paving: cells of random tone, darker away from their middle, with dark gaps between them."""
    cell = rng.uniform(14, 60) * f
    pts = (rng.random((int(h * w / cell**2) + 4, 2)) * (h, w)).astype(int)
    seeds = np.zeros((h, w), bool)
    seeds[pts[:, 0], pts[:, 1]] = True
    dist, (iy, ix) = ndimage.distance_transform_edt(~seeds, return_indices=True)
    owner = iy * w + ix
    tone = rng.uniform(0.35, 1.0, h * w)[owner]  # one tone per cell
    edge = ndimage.maximum_filter(owner, 3) != ndimage.minimum_filter(owner, 3)
    gap = ndimage.gaussian_filter(edge.astype(np.float32), rng.uniform(0.8, 2.0)) * 2.5
    return np.clip(tone * (1 - 0.25 * dist / cell) * (1 - np.clip(gap, 0, 0.8)), 0, 1)


def _busy_surface(h, w, rng) -> np.ndarray:
    """High-contrast surfaces people photograph garments on: gravel and paving, grass or a rug, a patterned sheet."""
    kind, f = rng.integers(3), min(h, w) / 480  # feature sizes as on a 480x640 phone photo, whatever the size
    if kind == 0:
        v = _stones(h, w, rng, f)
    elif kind == 1:  # grass, leaves or a shaggy rug: short strokes, all one way
        v = ndimage.gaussian_filter(rng.normal(0, 1, (h, w)), (rng.uniform(2, 6) * f, 0.8 * f)[:: rng.choice([1, -1])])
        v = np.clip(0.5 + 0.5 * v / v.std(), 0, 1)
    else:  # a patterned sheet or rug: checks, stripes or dots
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        p, turn = rng.uniform(8, 40) * f, rng.uniform(0, np.pi)
        u, t = xx * np.cos(turn) + yy * np.sin(turn), -xx * np.sin(turn) + yy * np.cos(turn)
        pattern = rng.integers(3)
        if pattern == 0:
            v = (u // p + t // p) % 2
        elif pattern == 1:
            v = (u % p) < p / 2
        else:
            v = ((u % p) - p / 2) ** 2 + ((t % p) - p / 2) ** 2 < (p / 4) ** 2
        v = ndimage.gaussian_filter(np.asarray(v, np.float32), 0.8)
    light = rng.uniform(0.3, 0.95) * rng.uniform(0.6, 1.0, 3)
    dark = light * rng.uniform(0.2, 0.6) if rng.random() < 0.7 else rng.uniform(0.1, 0.9, 3)  # one colour in two tones, or two colours
    return dark + (light - dark) * v[..., None]


def busy_photo(x28, rng, size=(480, 640)) -> Image.Image:
    """A garment on a busy surface: gravel or paving, grass or a rug, a patterned sheet."""
    return _photo(
        x28,
        rng,
        _busy_surface(*size, rng),
        _any_colour(rng),
        size,
        (0.45, 0.8),
        light=rng.uniform(0.0, 0.4),
        shadow=rng.uniform(0.0, 0.3),
        perspective=True,
    )


def light_on_light(x28, rng, size=(480, 480)) -> Image.Image:
    """A white or cream garment on a white table: low contrast, mild uneven light."""
    bg = _plain(*size, rng.uniform(0.85, 0.97) * rng.uniform(0.96, 1.0, 3))
    colour = rng.uniform(0.62, 0.78) * rng.uniform(0.92, 1.0, 3)
    return _photo(x28, rng, bg, colour, size, (0.45, 0.85), light=rng.uniform(0.0, 0.3), shadow=rng.uniform(0.0, 0.25), perspective=False)


def dark_on_dark(x28, rng, size=(480, 480)) -> Image.Image:
    """A dark coat on a dark floor."""
    bg = _plain(*size, rng.uniform(0.08, 0.25) * rng.uniform(0.8, 1.0, 3))
    colour = bg[0, 0] + rng.uniform(0.15, 0.3)
    return _photo(x28, rng, bg, colour, size, (0.45, 0.85), light=rng.uniform(0.0, 0.3), shadow=0.0, perspective=False)


DRAWINGS = {
    "canvas_filled": canvas_filled,
    "canvas_outline": canvas_outline,
    "upload_outline": upload_outline,
    "paper_sketch": paper_sketch,
}
PHOTOS = {
    "product_photo": product_photo,
    "table_photo": table_photo,
    "textured_photo": textured_photo,
    "light_on_light": light_on_light,
    "busy_photo": busy_photo,
}
TRAIN_ONLY = {"dark_on_dark": dark_on_dark}
ALL = {**DRAWINGS, **PHOTOS, **TRAIN_ONLY}  # the training mix
BENCHMARK_ONLY = {  # never trained on: the preprocessing stands a turned garment upright, looks closer at a small one, reads one of two
    "turned_photo": turned_photo,
    "small_photo": small_photo,
    "pair_photo": pair_photo,
}


# ----------------------------------------------------------------------------- not clothing


def _noise(rng, size=(320, 320)):
    h, w = size
    kind = rng.integers(3)
    if kind == 0:
        a = rng.random((h, w, 3))
    elif kind == 1:
        a = ndimage.zoom(rng.random((h // 16, w // 16, 3)), (16, 16, 1), order=1)
    else:
        a = np.repeat(ndimage.gaussian_filter(rng.random((h, w)), rng.uniform(1, 6))[..., None], 3, 2)
        a = (a - a.min()) / max(np.ptp(a), 1e-6)
    return _to_image(a)


def _text(rng, size=(320, 480)):
    h, w = size
    img = Image.new("RGB", (w, h), tuple(int(v) for v in rng.integers(180, 256, 3)))
    d = ImageDraw.Draw(img)
    font = ImageFont.load_default(size=int(rng.integers(16, 48)))
    words = ["hello", "sale", "FashSeg", "lorem ipsum", "dolor sit", "2026", "menu", "total 42.00", "the quick brown fox", "OPEN"]
    y = int(rng.integers(5, 40))
    while y < h - 20:
        d.text(
            (int(rng.integers(5, 60)), y),
            " ".join(rng.choice(words, rng.integers(1, 4))),
            fill=tuple(int(v) for v in rng.integers(0, 90, 3)),
            font=font,
        )
        y += int(rng.integers(30, 70))
    return img


def _scribble(rng, size=(400, 400)):
    h, w = size
    img = Image.new("RGB", (w, h), "white")
    d = ImageDraw.Draw(img)
    p = rng.uniform([w * 0.2, h * 0.2], [w * 0.8, h * 0.8])
    pts = [tuple(p)]
    for _ in range(rng.integers(5, 40)):
        p = np.clip(p + rng.normal(0, rng.uniform(15, 60), 2), 5, [w - 5, h - 5])
        pts.append(tuple(p))
    d.line(pts, fill="black", width=int(rng.integers(3, 14)), joint="curve")
    return img


def _shapes(rng, size=(400, 400)):
    h, w = size
    img = Image.new("RGB", (w, h), tuple(int(v) for v in rng.integers(0, 256, 3)))
    d = ImageDraw.Draw(img)
    for _ in range(rng.integers(3, 15)):
        x0, y0 = rng.integers(0, w), rng.integers(0, h)
        x1, y1 = x0 + rng.integers(10, 200), y0 + rng.integers(10, 200)
        colour = tuple(int(v) for v in rng.integers(0, 256, 3))
        [d.ellipse, d.rectangle][rng.integers(2)]((x0, y0, x1, y1), fill=colour)
    return img


def _scene(rng, size=(320, 480)):
    """A landscape-like picture: sky gradient, horizon, textured ground."""
    h, w = size
    yy = np.linspace(0, 1, h)[:, None, None]
    sky = rng.uniform(0.4, 1.0, 3) * (1 - 0.4 * yy)
    ground = _texture(h, w, rng) * rng.uniform(0.4, 0.9)
    horizon = int(h * rng.uniform(0.3, 0.7))
    a = np.where(np.arange(h)[:, None, None] < horizon, sky * np.ones((h, w, 3)), ground)
    return _to_image(a + rng.normal(0, 0.02, (h, w, 3)))


NOT_CLOTHING = {"noise": _noise, "text": _text, "scribble": _scribble, "shapes": _shapes, "scene": _scene}


# ----------------------------------------------------------------------------- banks for training and benchmarks

TRAIN_SIZES = {  # small canvases: the preprocessing shrinks everything to 160 px anyway
    "canvas_filled": 200,
    "canvas_outline": 200,
    "upload_outline": 240,
    "paper_sketch": (180, 240),
    "product_photo": (180, 180),
    "table_photo": (180, 240),
    "textured_photo": (180, 240),
    "light_on_light": (180, 180),
    "busy_photo": (180, 240),
    "dark_on_dark": (180, 180),
}
CANVAS = ("canvas_filled", "canvas_outline")  # arrive through the sketchpad, which always takes the drawing path


def served_views(img: Image.Image, kind: str) -> np.ndarray | None:
    """What the app's preprocessing makes of a rendition (None where it refuses the picture): uint8 [V,28,28],
    the view it serves first, then the others it weighs (a garment that may lie turned, one of a pair: ``served_view``)."""
    from .preprocess import InputError, fashion_input

    try:
        fin = fashion_input(img, drawing=True if kind in CANVAS else None)
    except InputError:
        return None
    return np.stack([v.pixels for v in fin.views])


def _bank_chunk(args):
    images, kinds, seed, sizes = args
    rng = np.random.default_rng(seed)
    out = np.zeros((len(images), 28, 28), np.uint8)
    ok = np.zeros(len(images), bool)
    others = [None] * len(images)
    for i, (x28, kind) in enumerate(zip(images, kinds)):
        render = ALL.get(kind) or BENCHMARK_ONLY[kind]
        img = render(x28, rng, size=sizes[kind]) if sizes else render(x28, rng)
        views = served_views(img, kind)
        if views is not None:
            out[i], ok[i] = views[0], True
            others[i] = views[1:] if len(views) > 1 else None
    return out, ok, others


def _outlier_chunk(args):
    facades, n, seed = args
    from .preprocess import InputError, fashion_input

    rng = np.random.default_rng(seed)
    out, names = [], list(NOT_CLOTHING)
    while len(out) < n:
        if facades is not None and rng.random() < 0.4:
            f = facades[rng.integers(len(facades))]
            s = int(rng.integers(64, f.shape[0] + 1))
            y0, x0 = rng.integers(0, f.shape[0] - s + 1, 2)
            img = Image.fromarray(f[y0 : y0 + s, x0 : x0 + s])
        else:
            fn = NOT_CLOTHING[names[rng.integers(len(names))]]
            img = fn(rng, size=(int(rng.integers(120, 240)), int(rng.integers(120, 240))))
        try:
            out.append(fashion_input(img, drawing=bool(rng.random() < 0.2) or None).pixels)
        except InputError:
            continue
    return np.stack(out)


def _pool_map(fn, jobs, workers: int, desc: str):
    from tqdm.auto import tqdm

    if workers <= 1:
        return [fn(j) for j in tqdm(jobs, desc=desc, unit="chunk")]
    import multiprocessing as mp

    with mp.get_context("fork").Pool(workers) as pool:
        return list(tqdm(pool.imap(fn, jobs), total=len(jobs), desc=desc, unit="chunk"))


def render_bank(
    images: np.ndarray, kinds: list[str], seed: int, sizes=TRAIN_SIZES, workers: int = 2, chunk: int = 250, views: bool = False
):
    """Render ``images[i]`` as ``kinds[i]`` and serve it through the app's preprocessing; (pixels, ok mask), and with
    ``views`` a third list: each picture's other views (``served_views``), or None."""
    jobs = [(images[i : i + chunk], kinds[i : i + chunk], seed * 100_003 + i, sizes) for i in range(0, len(images), chunk)]
    parts = _pool_map(_bank_chunk, jobs, workers, "rendering drawings and photos")
    px, ok = np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
    return (px, ok, [o for p in parts for o in p[2]]) if views else (px, ok)


def render_outliers(facades: np.ndarray | None, n: int, seed: int, workers: int = 2, chunk: int = 250) -> np.ndarray:
    """``n`` preprocessed pictures of things that are not clothing (facade crops, noise, text, scribbles, shapes, scenes)."""
    jobs = [(facades, min(chunk, n - i), seed * 100_003 + i) for i in range(0, n, chunk)]
    return np.concatenate(_pool_map(_outlier_chunk, jobs, workers, "rendering non-clothing pictures"))

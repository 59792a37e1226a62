"""Programmatic drawings of clothing, in the style of the app's canvas.

Tests use them to check that outlines and filled drawings land in the right
class; the app offers one as a clickable example.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

SHAPES = {
    # polygons on a 280x280 canvas, the way a person would sketch them
    "Trouser": [(95, 40), (185, 40), (195, 250), (155, 250), (140, 110), (125, 250), (85, 250)],
    "Bag": [(55, 110), (225, 110), (240, 250), (40, 250)],
    "Sneaker": [(30, 150), (110, 140), (150, 175), (240, 195), (255, 230), (30, 235)],
    "T-shirt/top": [(90, 50), (190, 50), (250, 100), (220, 140), (200, 120), (200, 250), (80, 250), (80, 120), (60, 140), (30, 100)],
}


def draw(name: str, filled: bool, size: int = 280, stroke: int = 8) -> Image.Image:
    """A black-on-white RGB drawing of ``name``: an outline, or a filled shape."""
    img = Image.new("RGB", (size, size), "white")
    d = ImageDraw.Draw(img)
    pts = [(x * size / 280, y * size / 280) for x, y in SHAPES[name]]
    if filled:
        d.polygon(pts, fill="black")
    else:
        d.line(pts + [pts[0]], fill="black", width=stroke, joint="curve")
    if name == "Bag":  # a handle
        box = [95 * size / 280, 60 * size / 280, 185 * size / 280, 160 * size / 280]
        d.arc(box, 180, 360, fill="black", width=stroke if not filled else stroke * 2)
    return img


# A T-shirt as people draw it in one stroke: sleeves held out, a narrow body, the neck left open
# (points relative to the canvas centre, in units of 0.35 x its side).
ONE_STROKE_TSHIRT = [
    (-0.4, -0.9),
    (-1, -0.5),
    (-0.8, -0.2),
    (-0.5, -0.4),
    (-0.5, 0.9),
    (0.5, 0.9),
    (0.5, -0.4),
    (0.8, -0.2),
    (1, -0.5),
    (0.4, -0.9),
]


def one_stroke_tshirt(size: int = 400, pen: int = 8) -> Image.Image:
    img = Image.new("RGB", (size, size), "white")
    r = 0.35 * size
    ImageDraw.Draw(img).line([(size / 2 + x * r, size / 2 + y * r) for x, y in ONE_STROKE_TSHIRT], fill="black", width=pen)
    return img


# Icon-style drawings: garments as people sketch them, not in Fashion-MNIST's proportions (long sleeves held
# out, narrow bodies, A-line dresses, strap sandals). Drawn by hand as polygons on a 280x280 canvas; never
# trained on or used to choose anything: `python -m tools.sketches` reports how the app answers them.
ICONS = {
    "T-shirt/top": [
        [(100, 40), (180, 40), (240, 80), (215, 125), (190, 110), (190, 250), (90, 250), (90, 110), (65, 125), (40, 80)],
        [(110, 30), (170, 30), (260, 80), (230, 130), (190, 105), (190, 250), (90, 250), (90, 105), (50, 130), (20, 80)],
        SHAPES["T-shirt/top"],
    ],
    "Trouser": [
        SHAPES["Trouser"],
        [(80, 30), (200, 30), (215, 255), (150, 255), (140, 100), (130, 255), (65, 255)],
        [(100, 20), (180, 20), (185, 260), (148, 260), (140, 90), (132, 260), (95, 260)],
    ],
    "Pullover": [
        [(95, 40), (185, 40), (240, 70), (260, 240), (225, 245), (195, 110), (195, 250), (85, 250), (85, 110), (55, 245), (20, 240), (40, 70)],
        [(100, 30), (180, 30), (235, 60), (255, 220), (222, 225), (190, 100), (190, 230), (90, 230), (90, 100), (58, 225), (25, 220), (45, 60)],
    ],
    "Dress": [
        [(110, 30), (170, 30), (175, 90), (160, 120), (220, 250), (60, 250), (120, 120), (105, 90)],
        [(100, 30), (180, 30), (210, 60), (185, 80), (175, 110), (230, 255), (50, 255), (105, 110), (95, 80), (70, 60)],
    ],
    "Coat": [  # outlines get a line down the front
        [(95, 25), (185, 25), (240, 60), (260, 255), (225, 258), (200, 110), (200, 260), (80, 260), (80, 110), (55, 258), (20, 255), (40, 60)],
        [(100, 20), (180, 20), (235, 55), (250, 240), (220, 240), (195, 100), (195, 262), (85, 262), (85, 100), (60, 240), (30, 240), (45, 55)],
    ],
    "Sandal": [None],  # a sole and three straps
    "Shirt": [
        [(100, 35), (125, 55), (140, 40), (155, 55), (180, 35), (240, 70), (255, 235), (222, 240), (195, 110), (195, 250), (85, 250), (85, 110), (58, 240), (25, 235), (40, 70)],
        [(105, 35), (140, 70), (175, 35), (240, 80), (215, 125), (192, 110), (192, 250), (88, 250), (88, 110), (65, 125), (40, 80)],
    ],
    "Sneaker": [
        SHAPES["Sneaker"],
        [(40, 130), (120, 125), (160, 160), (235, 180), (250, 215), (245, 235), (35, 235)],
    ],
    "Bag": [SHAPES["Bag"], [(60, 120), (220, 120), (220, 250), (60, 250)]],
    "Ankle boot": [
        [(60, 40), (140, 40), (145, 170), (240, 190), (250, 240), (50, 240)],
        [(70, 30), (150, 30), (155, 160), (230, 175), (255, 215), (250, 245), (60, 245)],
    ],
}  # fmt: skip


def icon_drawings(per_template: int = 12, seed: int = 5, size: int = 400) -> list[tuple[str, Image.Image]]:
    """(class, drawing) pairs: every icon jittered (corners, width, size, place, pen width), filled or outlined."""
    rng = np.random.default_rng(seed)
    return [
        (name, _icon(name, pts, rng, size))
        for name, templates in ICONS.items()
        for pts in templates
        for _ in range(per_template * (2 if pts is None else 1))
    ]


def _icon(name: str, pts, rng: np.random.Generator, size: int) -> Image.Image:
    img = Image.new("RGB", (size, size), "white")
    d = ImageDraw.Draw(img)
    s, ax = size * rng.uniform(0.55, 0.95) / 280, rng.uniform(0.88, 1.12)
    ox, oy = rng.uniform(0, max(1, size - 280 * s * ax)), rng.uniform(0, max(1, size - 280 * s))
    pen, filled = int(rng.integers(6, 15)), bool(rng.random() < 0.5)

    def at(x, y):
        return ox + (x + rng.normal(0, 5)) * s * ax, oy + (y + rng.normal(0, 5)) * s

    def arc(x0, y0, x1, y1, width):
        (a, b), (c, e) = at(x0, y0), at(x1, y1)
        d.arc((a, b, max(c, a + 5), max(e, b + 5)), 180, 360, fill="black", width=width)

    if pts is None:
        d.line([at(40, 220), at(250, 220)], fill="black", width=2 * pen)
        for x0 in (70, 130, 190):
            arc(x0, 150, x0 + 50, 260, pen)
        return img
    poly = [at(x, y) for x, y in pts]
    if filled:
        d.polygon(poly, fill="black")
    else:
        d.line(poly + [poly[0]], fill="black", width=pen, joint="curve")
    if name == "Bag":
        arc(95, 50, 185, 170, pen)
    if name == "Coat" and not filled:
        d.line([at(140, 40), at(140, 255)], fill="black", width=pen)
    return img


if __name__ == "__main__":
    from fashseg.inference import Classifier

    clf = Classifier()
    answers = [(name, clf.classify(img, drawing=True)) for name, img in icon_drawings()]
    for label, t in (("general", clf.threshold), ("drawing", clf.drawing_threshold)):
        flagged = np.mean([r.probs[r.top] < t for _, r in answers])
        print(f"flagged not clothing at the {label} threshold {t:.3f}: {flagged * 100:.1f} %")
    right = [name == r.top for name, r in answers]
    print(f"icon drawings: {len(answers)}, recognised {np.mean(right) * 100:.1f} %")
    for c in ICONS:
        hits = [ok for (name, _), ok in zip(answers, right) if name == c]
        print(f"  {c:12s} {np.mean(hits) * 100:5.1f} % of {len(hits)}")

"""Programmatic drawings of clothing, in the style of the app's canvas.

Tests use them to check that outlines and filled drawings land in the right
class; the app offers one as a clickable example.
"""

from __future__ import annotations

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

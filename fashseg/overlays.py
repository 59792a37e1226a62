"""Pictures made from model outputs: colour label maps, overlays, heat maps, enlarged inputs."""

from __future__ import annotations

import numpy as np
from matplotlib import colormaps
from PIL import Image


def colorize(labels: np.ndarray, colors) -> np.ndarray:
    """uint8 RGB [H,W,3] of a class-index map in the given colours (those the checkpoint names)."""
    palette = np.array(colors, dtype=np.uint8)
    return palette[np.clip(labels, 0, len(palette) - 1)]


def overlay(image: Image.Image, labels: np.ndarray, colors, opacity: float = 0.5, highlight: int | None = None) -> Image.Image:
    """The photo with its label colours blended on top (opacity 0 = photo, 1 = labels).

    With ``highlight``, only that class is coloured and the rest of the photo is dimmed,
    so one class can be picked out at a glance.
    """
    base = image.convert("RGB")
    if labels.shape != (base.height, base.width):
        labels = np.asarray(Image.fromarray(labels.astype(np.uint8)).resize(base.size, Image.Resampling.NEAREST))
    alpha = float(np.clip(opacity, 0, 1))
    if highlight is None:
        return Image.blend(base, Image.fromarray(colorize(labels, colors), "RGB"), alpha)
    photo = np.asarray(base, np.float32)
    mask = (labels == highlight)[..., None]
    tinted = (1 - alpha) * photo + alpha * colorize(labels, colors).astype(np.float32)
    return Image.fromarray(np.where(mask, tinted, 0.35 * photo).astype(np.uint8), "RGB")


def enlarge(pixels: np.ndarray, size: int = 280) -> Image.Image:
    """A small greyscale image scaled up with hard pixel edges, so each input pixel is visible."""
    return Image.fromarray(pixels.astype(np.uint8), "L").resize((size, size), Image.Resampling.NEAREST)


HEAT_COLORMAP = "jet"


def heatmap_overlay(pixels: np.ndarray, heat: np.ndarray, size: int = 280, alpha: float = 0.55) -> Image.Image:
    """The 28x28 input in grey with the heat map's colours on top, enlarged."""
    grey = np.repeat(pixels[..., None].astype(np.float32) / 255.0, 3, axis=2)
    rgb = colormaps[HEAT_COLORMAP](np.clip(heat, 0, 1))[..., :3]
    mix = (1 - alpha) * grey + alpha * rgb * np.clip(heat, 0.15, 1)[..., None]
    img = Image.fromarray((np.clip(mix, 0, 1) * 255).astype(np.uint8), "RGB")
    return img.resize((size, size), Image.Resampling.BILINEAR)


def legend_html(classes, colors, shares: dict | None = None) -> str:
    """Colour swatches with class names (and shares), for a gr.HTML component."""
    items = []
    for name, (r, g, b) in zip(classes, colors):
        share = f" {shares[name] * 100:.1f}%" if shares and name in shares else ""
        items.append(
            f'<span style="display:inline-flex;align-items:center;margin:0 12px 4px 0">'
            f'<span style="width:16px;height:16px;border:1px solid #888;background:rgb({r},{g},{b});'
            f'display:inline-block;margin-right:6px"></span>{name}{share}</span>'
        )
    return '<div class="legend">' + "".join(items) + "</div>"


def heat_key_html() -> str:
    """The Grad-CAM map's colour key, drawn from the same colour map as the map itself."""
    stops = ", ".join(f"rgb({r},{g},{b})" for r, g, b in (colormaps[HEAT_COLORMAP](np.linspace(0, 1, 7))[:, :3] * 255).round().astype(int))
    return (
        '<div class="heat-key" role="img" aria-label="Grad-CAM colour key: blue is little influence, red drove the answer">'
        f'<span>Grad-CAM: little influence</span><span class="bar" style="background: linear-gradient(to right, {stops})"></span>'
        "<span>drove the answer</span></div>"
    )

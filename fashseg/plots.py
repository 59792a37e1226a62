"""Matplotlib figures for the insights tab, built from the committed artefacts."""

from __future__ import annotations

import functools

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from .overlays import colorize  # noqa: E402

# Transparent figures with mid-grey text and lines read on the light and the dark theme alike.
GREY = "#808080"
THEME = {
    "figure.facecolor": "none",
    "axes.facecolor": "none",
    "savefig.facecolor": "none",
    "savefig.transparent": True,
    "text.color": GREY,
    "axes.labelcolor": GREY,
    "axes.edgecolor": GREY,
    "axes.titlecolor": GREY,
    "xtick.color": GREY,
    "ytick.color": GREY,
    "legend.facecolor": "none",
    "legend.edgecolor": GREY,
    "font.size": 10,
}


def themed(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with plt.rc_context(THEME):
            return fn(*args, **kwargs)

    return wrapper


@themed
def per_class_bars(values: dict[str, float], title: str, xlabel: str = "accuracy", n_hard: int = 2):
    """Horizontal bars, worst at the top; the hardest ``n_hard`` in red."""
    names = sorted(values, key=values.get)
    vals = [values[n] for n in names]
    fig, ax = plt.subplots(figsize=(6, 0.35 * len(names) + 1.2))
    colors = ["#d62728" if i < n_hard else "#1f77b4" for i in range(len(names))]
    ax.barh(names, vals, color=colors)
    for i, v in enumerate(vals):
        ax.text(v + 0.005, i, f"{v:.3f}", va="center", fontsize=8)
    ax.set_xlim(min(0.5, min(vals) - 0.05), 1.04)
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    ax.invert_yaxis()
    fig.tight_layout()
    return fig


@themed
def confusion_heatmap(cm, classes, title: str = "Confusion matrix (test set)"):
    cm = np.asarray(cm)
    norm = cm / np.maximum(cm.sum(1, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=(7, 6))
    im = ax.imshow(norm, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(classes)), classes, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(len(classes)), classes, fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    for i in range(len(classes)):
        for j in range(len(classes)):
            if cm[i, j]:
                ax.text(j, i, str(cm[i, j]), ha="center", va="center", fontsize=8, color="white" if norm[i, j] > 0.5 else "black")
    fig.colorbar(im, ax=ax, fraction=0.046, label="share of true class")
    ax.set_title(title)
    fig.tight_layout()
    return fig


@themed
def training_curves(history: list[dict], metrics=("loss", "acc"), trained_on: str | None = None):
    """One panel per metric with train and validation lines, plus validation against minutes where the run logged wall time."""
    epochs = [r["epoch"] for r in history]
    panels = [m for m in metrics if any(k.endswith(m) for k in history[0])] if history else []
    timed = bool(history) and "wall_seconds" in history[-1] and any(k.startswith("val_") and k.endswith(metrics[-1]) for k in history[-1])
    n = max(1, len(panels) + timed)
    fig, axes = plt.subplots(1, n, figsize=(4.6 * n, 3.4), squeeze=False)
    for ax, m in zip(axes[0], panels):
        for key in sorted(k for k in history[0] if k.endswith(m)):
            ax.plot(epochs, [r[key] for r in history], marker=".", label=key.replace("_", " "))
        ax.set_xlabel("epoch")
        ax.set_title(m)
        ax.grid(alpha=0.3)
        ax.legend()
    if timed:
        ax, key = axes[0][-1], next(k for k in history[-1] if k.startswith("val_") and k.endswith(metrics[-1]))
        rows = [r for r in history if "wall_seconds" in r]
        ax.plot([r["wall_seconds"] / 60 for r in rows], [r[key] for r in rows], marker=".", color="C1", label=key.replace("_", " "))
        ax.set_xlabel(f"minutes of training{f' ({trained_on})' if trained_on else ''}")
        ax.set_title(f"{key.replace('_', ' ')} against time")
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    return fig


@themed
def reliability_diagram(after: dict, before: dict | None = None, temperature: float | None = None):
    """Share right against stated probability, binned (``metrics.reliability``): honest probabilities lie on the diagonal."""
    fig, ax = plt.subplots(figsize=(4.8, 4.2))
    ax.plot([0, 1], [0, 1], ls="--", color=GREY, lw=1, label="honest: right as often as it says")
    curves = [(before, "C1", "at temperature 1"), (after, "C0", f"calibrated (temperature {temperature:.2f})" if temperature else "served")]
    for r, colour, name in curves:
        if r is None:
            continue
        conf, acc = [b["confidence"] for b in r["bins"]], [b["accuracy"] for b in r["bins"]]
        share = np.array([b["count"] for b in r["bins"]], float) / sum(b["count"] for b in r["bins"])
        ax.plot(conf, acc, color=colour, lw=1.2, label=f"{name}: error {r['ece'] * 100:.1f} %")
        ax.scatter(conf, acc, s=12 + 250 * share, color=colour, zorder=3)
    ax.set(xlim=(0, 1.02), ylim=(0, 1.02), xlabel="stated probability of the top class", ylabel="share right")
    ax.set_title("Test images: stated against right\n(dot size: how many answers)")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return fig


@themed
def filter_grid(weights: np.ndarray, cols: int = 8):
    """First-layer filters [N,k,k] as small images; blue negative, red positive."""
    n = len(weights)
    rows = int(np.ceil(n / cols))
    lim = float(np.abs(weights).max()) or 1.0
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 0.9, rows * 0.9 + 0.4), squeeze=False)
    for i, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if i < n:
            ax.imshow(weights[i], cmap="RdBu_r", vmin=-lim, vmax=lim, interpolation="nearest")
            ax.set_title(str(i), fontsize=6)
    fig.suptitle(f"First conv layer: {n} filters of {weights.shape[1]}x{weights.shape[2]}", fontsize=9)
    fig.tight_layout()
    return fig


@themed
def grouped_class_bars(series: dict[str, dict[str, float]], title: str, colors):
    """Bars per class for several metrics (e.g. AP and IoU), bars in the class colours."""
    classes = list(next(iter(series.values())))
    x = np.arange(len(classes))
    width = 0.8 / len(series)
    fig, ax = plt.subplots(figsize=(6.5, 3.4))
    handles = []
    for k, (name, vals) in enumerate(series.items()):
        hatch = ["", "//", ".."][k % 3]
        bars = ax.bar(
            x + k * width - 0.4 + width / 2,
            [vals[c] for c in classes],
            width,
            color=[np.array(c) / 255 for c in colors],
            edgecolor=GREY,
            hatch=hatch,
        )
        ax.bar_label(bars, fmt="%.2f", fontsize=7)
        handles.append(Patch(facecolor="none", edgecolor=GREY, hatch=hatch, label=name))
    ax.set_xticks(x, classes)
    ax.set_ylim(0, 1.15)
    ax.set_title(title)
    ax.legend(handles=handles, loc="upper left", ncols=len(handles))
    fig.tight_layout()
    return fig


@themed
def facade_examples(images, truths, preds, names, colors):
    """Rows of photo | ground truth | prediction, with column titles."""
    n = len(images)
    fig, axes = plt.subplots(n, 3, figsize=(7.5, 2.5 * n), squeeze=False)
    for r in range(n):
        for c, (pic, title) in enumerate(
            ((images[r], "photo"), (colorize(truths[r], colors), "ground truth"), (colorize(preds[r], colors), "prediction"))
        ):
            ax = axes[r, c]
            ax.imshow(pic)
            ax.set_xticks([])
            ax.set_yticks([])
            if r == 0:
                ax.set_title(title)
            if c == 0:
                ax.set_ylabel(str(names[r]), fontsize=8)
    fig.tight_layout()
    return fig

"""Reading the committed evaluation artefacts into what the insights tab shows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from . import plots
from .checkpoint import artefact, load_json, load_npz
from .overlays import enlarge


def architecture_markdown(rows: list[tuple[str, str, tuple, int]], input_shape: str) -> str:
    """The reference report's "model architecture" table: layer, output shape, parameters."""
    body = "\n".join(f"| `{n}` | {d} | {' x '.join(map(str, shape))} | {p:,} |" for n, d, shape, p in rows)
    total = sum(p for *_, p in rows)
    return (
        f"Input {input_shape}; **{total:,} parameters** in all (read from the loaded checkpoint).\n\n"
        f"| module | layer | output (channels x height x width) | parameters |\n|---|---|---|---|\n{body}"
    )


def _trained(m: dict) -> str:
    where = f" on {m['trained_on']}" if m.get("trained_on") else ""
    return f"{m['train_seconds'] / 60:.0f} min of training{where}"


def _interval(r: dict) -> str:
    """The benchmark's 95 % interval after the figure, or nothing for artefacts written before it was recorded."""
    if "ci95" not in r:
        return ""
    lo, hi = r["ci95"]
    return f" ({lo * 100:.0f}\u2060–\u2060{hi * 100:.0f})"  # word joiners: the interval never breaks across lines


class _Artefacts:
    """The metrics JSON and examples NPZ that ``train.py evaluate`` wrote for one network, and their figures."""

    kind = ""

    def __init__(self, ckpt_dir: Path):
        self.metrics = load_json(artefact(ckpt_dir, self.kind, "metrics"))
        self.examples = load_npz(artefact(ckpt_dir, self.kind, "examples"))
        self.classes = self.metrics["classes"]

    def training_curves(self):
        return plots.training_curves(self.metrics["history"], ("loss", "acc"), self.metrics.get("trained_on"))


class FashionInsights(_Artefacts):
    kind = "fashion"

    def accuracy_bars(self):
        return plots.per_class_bars(self.metrics["per_class_accuracy"], "Per-class test accuracy")

    def confusion_figure(self):
        return plots.confusion_heatmap(self.metrics["confusion_matrix"], self.classes)

    def summary_markdown(self) -> str:
        m = self.metrics
        pca = m["per_class_accuracy"]
        hard = sorted(pca, key=pca.get)[:2]
        return (
            f"**Test accuracy {m['test_accuracy'] * 100:.2f} %** on {m['test_size']:,} Fashion-MNIST test images "
            f"(test loss {m['test_loss']:.3f}; {m['epochs']} epochs, {_trained(m)}). "
            f"Hardest classes: **{hard[0]}** ({pca[hard[0]]:.3f}) and **{hard[1]}** ({pca[hard[1]]:.3f})."
        )

    def robustness_markdown(self) -> str:
        """The drawing, photo and not-clothing benchmarks beside the test accuracy (empty for older artefacts)."""
        m = self.metrics
        if "renditions" not in m:
            return ""
        names = {
            "canvas_filled": "drawn filled on the canvas",
            "canvas_outline": "outline drawn on the canvas",
            "upload_outline": "thin outline uploaded as PNG",
            "paper_sketch": "phone photo of a pen sketch on paper",
            "product_photo": "product photo, even light",
            "table_photo": "on a table: uneven light, shadow, off-centre",
            "textured_photo": "on wood, fabric or tiles",
            "light_on_light": "light garment on a light table",
            "busy_photo": "on gravel, grass or a patterned rug",
            "turned_photo": "on a table, turned 10-35° either way",
            "small_photo": "on a table, small in the frame (15-30 % of its side)",
            "pair_photo": "two alike on a table (a pair of shoes, two T-shirts)",
        }
        rows = "\n".join(
            f"| {names.get(k, k)} | {r['accuracy'] * 100:.1f}\u00a0%{_interval(r)} | {r['flagged_not_clothing'] * 100:.1f}\u00a0% |"
            for k, r in m["renditions"].items()
        )
        sets = {**m["not_clothing"], **m.get("not_clothing_drawn", {})}
        nc = "\n".join(f"| {k} | {v['n']} | {v['not_called_clothing'] * 100:.1f}\u00a0% |" for k, v in sets.items() if k != "all")
        n = next(iter(m["renditions"].values()))["n"]
        drawing = m.get("not_clothing_drawing_threshold")
        canvas = (
            f" on uploads; on canvas drawings below {drawing * 100:.0f} %, which still flags "
            f"{m['not_clothing_validation']['val_flagged_drawn_not_clothing'] * 100:.0f} % of validation scribbles, shapes and text"
            if drawing is not None and drawing < m["not_clothing_threshold"]
            else ""
        )
        return (
            f"**Drawings and phone photos** ({n} Fashion-MNIST test garments per condition, rendered as people send them and "
            f"preprocessed exactly as the app does):\n\n| how the garment arrives | recognised (95\u00a0% interval) | flagged not clothing |\n|---|---|---|\n{rows}\n\n"
            f"**Not clothing** (flag: top class probability below {m['not_clothing_threshold'] * 100:.0f} %{canvas}; chosen on validation data; "
            f"raised on {m['flagged_clean_test'] * 100:.1f} % of the clean test images):\n\n"
            f"| held-out pictures | n | not called clothing |\n|---|---|---|\n{nc}"
        )

    def reliability_figure(self):
        """How honest the shown probabilities are on the test set (None for artefacts written before calibration)."""
        c = self.metrics.get("calibration")
        if not c or "test" not in c:
            return None
        before = c.get("test_before") if c["temperature"] != 1.0 and "bins" in c.get("test_before", {}) else None
        return plots.reliability_diagram(c["test"], before, c["temperature"])

    def calibration_markdown(self) -> str:
        c = self.metrics.get("calibration")
        if not c or "test" not in c:
            return ""
        t, b = c["test"], c["test_before"]
        return (
            f"**Are the probabilities honest?** On the test images the top class is right {t['accuracy'] * 100:.1f} % of the time "
            f"and is stated with {t['mean_confidence'] * 100:.1f} % on average ({b['mean_confidence'] * 100:.1f} % before calibration: "
            f"label smoothing and outlier exposure train the network to under-state). The logits are divided by "
            f"{c['temperature']:.2f}, one number fitted on validation data: no single view's answer changes, only how sure it is said to be."
        )

    def table_markdown(self) -> str:
        pca = self.metrics["per_class_accuracy"]
        rows = "\n".join(f"| {c} | {pca[c]:.3f} |" for c in sorted(pca, key=pca.get))
        return f"| class (hardest first) | test accuracy |\n|---|---|\n{rows}"

    def gallery(self) -> list[tuple[Image.Image, str]]:
        """2 correct and 2 wrong test images per class, captioned."""
        e = self.examples
        out = []
        for img, t, p in zip(e["gallery_image"], e["gallery_true"], e["gallery_pred"]):
            cap = f"✓ {self.classes[t]}" if t == p else f"✗ {self.classes[t]} → {self.classes[p]}"
            out.append((enlarge(img, 112), cap))
        return out

    def confused(self, true: str, pred: str, limit: int = 48) -> list[tuple[Image.Image, str]]:
        """Test images of class ``true`` that the model called ``pred``."""
        e = self.examples
        t, p = self.classes.index(true), self.classes.index(pred)
        sel = np.flatnonzero((e["wrong_true"] == t) & (e["wrong_pred"] == p))[:limit]
        return [(enlarge(e["wrong_image"][i], 112), f"{float(e['wrong_prob'][i][p]):.0%} {pred}") for i in sel]

    def confusion_caption(self, true: str, pred: str) -> str:
        """What the confused-images gallery below shows, in words."""
        cm = self.metrics["confusion_matrix"]
        t, p = self.classes.index(true), self.classes.index(pred)
        n, total = int(cm[t][p]), int(sum(cm[t]))
        if t == p:
            return f"{n} of the {total} test images of **{true}** were classified correctly. Pick two different classes to see mistakes."
        images = "image" if n == 1 else "images"
        return (
            f"{n} of the {total} test {images} of **{true}** were predicted as **{pred}**. "
            "Each caption is the probability the network gave to the wrong class."
        )


class FacadeInsights(_Artefacts):
    kind = "facade"

    def class_bars(self):
        m = self.metrics
        return plots.grouped_class_bars(
            {"AP": m["per_class_ap"], "IoU": m["per_class_iou"]}, "Per-class AP and IoU on test_dev", m["colors"]
        )

    def examples_figure(self):
        e = self.examples
        return plots.facade_examples(e["image"], e["truth"], e["pred"], e["name"], self.metrics["colors"])

    def summary_markdown(self) -> str:
        m = self.metrics
        ap, iou = m["per_class_ap"], m["per_class_iou"]
        rows = "\n".join(f"| {c} | {ap[c]:.3f} | {iou[c]:.3f} |" for c in self.classes)
        return (
            f"**Mean AP {m['mean_ap']:.3f}**, mean IoU {m['mean_iou']:.3f}, pixel accuracy {m['pixel_accuracy'] * 100:.1f} %, "
            f"test loss {m['test_loss']:.3f} on the {m['test_size']} `test_dev` facades "
            f"({m['epochs']} epochs, {_trained(m)}).\n\n"
            f"| class | AP | IoU |\n|---|---|---|\n{rows}"
        )

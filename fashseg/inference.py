"""Models loaded once, and the calls the app makes on them.

Nothing here imports Gradio: the app, the API tests and the benchmarks all call
these same functions.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from .checkpoint import CHECKPOINT_DIR, CheckpointError, artefact, load_model, served_model, temperature
from .models import fashion_probs, for_inference, layer_table
from .preprocess import (
    STROKE_POOL,
    WORK_SIDE,
    FashionInput,
    InputError,
    facade_input,
    fashion_input,
    load_image,
    normalize,
    served_view,
    to_rgb,
)


def _meta(ckpt: dict, path, *keys: str) -> list:
    """What a checkpoint says about itself (classes, normalisation, colours, input size): serving's one source."""
    missing = [k for k in keys if k not in ckpt]
    if missing:
        raise CheckpointError(f"{path} does not describe itself (no {', '.join(missing)}): retrain it with `python train.py`.")
    return [ckpt[k] for k in keys]


@dataclass
class Classification:
    probs: dict[str, float]  # every class, highest first
    input: FashionInput
    heatmap: np.ndarray  # float [28,28] in [0,1]: Grad-CAM of the top class
    threshold: float = 0.0  # below this top probability the picture is answered "not clothing"

    @property
    def top(self) -> str:
        return next(iter(self.probs))

    @property
    def clothing(self) -> bool:
        """False when the picture does not look like one garment (the top class is too unsure)."""
        return self.probs[self.top] >= self.threshold


class Classifier:
    def __init__(self, path: str | Path = artefact(CHECKPOINT_DIR, "fashion")):
        self.model, self.ckpt = load_model(path, "fashion")
        self.temperature = temperature(self.ckpt)
        self.net = served_model(self.model, self.ckpt)  # computes, calibrated; self.model describes (layers, filters)
        classes, norm = _meta(self.ckpt, path, "classes", "normalization")
        self.classes, self.mean, self.std = list(classes), norm["mean"], norm["std"]
        ood = self.ckpt.get("ood", {})
        self.threshold = float(ood.get("threshold", 0.0))
        self.drawing_threshold = float(ood.get("drawing_threshold", self.threshold))  # canvas drawings (see choose_drawing_threshold)

    def architecture(self) -> list[tuple[str, str, tuple, int]]:
        return layer_table(self.model, torch.zeros(1, 1, 28, 28))

    @torch.no_grad()
    def predict_pixels(self, pixels: np.ndarray) -> np.ndarray:
        """Probabilities [N,10] for uint8 Fashion-MNIST-style images [N,28,28], as served (mirror-averaged)."""
        x = normalize(torch.from_numpy(np.ascontiguousarray(pixels)), self.mean, self.std)
        return fashion_probs(self.net, x).numpy()

    def classify(self, image, drawing: bool | None = None) -> Classification:
        fin = fashion_input(load_image(image, max_side=WORK_SIDE * STROKE_POOL), drawing=drawing)
        views = fin.views  # one, unless the garment may lie turned or is one of a pair
        x = normalize(torch.from_numpy(np.stack([v.pixels for v in views])), self.mean, self.std)
        chosen, probs, cam = self._probs_and_cam(x)
        fin = replace(views[chosen], alternatives=())
        order = np.argsort(-probs)
        threshold = self.drawing_threshold if drawing else self.threshold
        return Classification({self.classes[i]: float(probs[i]) for i in order}, fin, cam, threshold)

    @torch.no_grad()
    def _probs_and_cam(self, x: torch.Tensor) -> tuple[int, np.ndarray, np.ndarray]:
        """The view served (``served_view``), its mirror-averaged probabilities (as ``fashion_probs``) and its top
        class's Grad-CAM, from one forward pass over every view [V,1,28,28].

        The head is global average pooling and one linear layer, so Grad-CAM's channel
        weights (the class logit's gradient, averaged over the 7x7 map) are that layer's
        row for the class over 49, a scale the map's normalisation removes: no backward
        pass is needed (Grad-CAM equals CAM here, Zhou et al. 2016).
        """
        n = len(x)
        feats = self.net.features(self.net.stem(torch.cat([x, x.flip(3)])))
        p = self.net.head(feats).float().softmax(1)
        probs = (p[:n] + p[n:]) / 2
        i = served_view(probs.max(1).values.tolist())
        weights = self.net.head[-1].weight[probs[i].argmax()].view(1, -1, 1, 1)
        cam = F.relu((weights * feats[i : i + 1]).sum(1, keepdim=True))
        cam = F.interpolate(cam, size=x.shape[-2:], mode="bilinear", align_corners=False)[0, 0]
        return i, probs[i].numpy(), ((cam / cam.max()).nan_to_num(0).numpy() if cam.max() > 0 else cam.numpy())

    def first_layer_filters(self) -> np.ndarray:
        return self.model.stem.weight.detach()[:, 0].numpy()


@dataclass
class Segmentation:
    labels: np.ndarray  # uint8 [H,W] class indices at the photo's original size
    image: Image.Image  # the upright RGB photo
    shares: dict[str, float]  # share of the picture per class
    colors: list  # [r, g, b] per class, from the checkpoint

    def label_png(self) -> Image.Image:
        im = Image.fromarray(self.labels, "P")
        im.putpalette([v for c in self.colors for v in c])
        return im


def class_counts(labels: np.ndarray, n: int, rows: int = 256) -> np.ndarray:
    """``np.bincount(labels.ravel(), minlength=n)`` in bands of rows: bincount widens uint8 to 8-byte indices,
    a 380 MB copy for a 48-megapixel label map."""
    return sum((np.bincount(labels[i : i + rows].ravel(), minlength=n) for i in range(0, len(labels), rows)), np.zeros(n, np.intp))


class Segmenter:
    # Logits are upsampled smoothly up to this many pixels on the longer side, then nearest-neighbour.
    SMOOTH_SIDE = 1024

    def __init__(self, path: str | Path = artefact(CHECKPOINT_DIR, "facade")):
        self.model, self.ckpt = load_model(path, "facade")
        self.net = for_inference(self.model)
        classes, colors, norm, size = _meta(self.ckpt, path, "classes", "colors", "normalization", "train_size")
        self.classes, self.colors, self.mean, self.std, self.train_size = (
            list(classes),
            [tuple(c) for c in colors],
            norm["mean"],
            norm["std"],
            int(size),
        )

    def architecture(self) -> list[tuple[str, str, tuple, int]]:
        return layer_table(self.model, torch.zeros(1, 3, self.train_size, self.train_size))

    @torch.no_grad()
    def logits(self, rgb: np.ndarray) -> torch.Tensor:
        x = normalize(torch.from_numpy(rgb).permute(2, 0, 1)[None], self.mean, self.std)
        return self.net(x)

    def segment(self, image) -> Segmentation:
        img = load_image(image)
        rgb_img = to_rgb(img)
        if np.ptp(np.asarray(rgb_img.resize((32, 32), Image.Resampling.BOX))) < 8:
            raise InputError("Nothing to segment: the picture is blank; upload a photo of a building.")
        small = facade_input(rgb_img, self.train_size)
        logits = self.logits(small)
        W, H = rgb_img.size
        f = min(1.0, self.SMOOTH_SIDE / max(W, H))
        mid = (max(1, round(H * f)), max(1, round(W * f)))
        lab = F.interpolate(logits, size=mid, mode="bilinear", align_corners=False)[0].argmax(0).byte().numpy()
        if mid != (H, W):
            lab = np.asarray(Image.fromarray(lab).resize((W, H), Image.Resampling.NEAREST))
        counts = class_counts(lab, len(self.classes)) / lab.size
        shares = {c: float(s) for c, s in sorted(zip(self.classes, counts), key=lambda t: -t[1])}
        return Segmentation(lab, rgb_img, shares, self.colors)

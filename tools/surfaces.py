"""Garments on photographed busy surfaces, held out: ``python -m tools.surfaces``.

The benchmark's busy surfaces (``renditions.busy_photo``) are generated, and the
busy-surface step was tuned on generated ones too. This check puts Fashion-MNIST
*test* garments on real photographs instead: the gravel, grass and brick wall
that ship inside scikit-image, which nothing was tuned on. It prints how many are
recognised, flagged not clothing, or found filling the whole frame, through the
preprocessing given (``--old PATH``: a ``preprocess.py`` to compare with).
"""

from __future__ import annotations

import argparse
import importlib.util
import sys

import numpy as np
from PIL import Image

from fashseg import preprocess as P
from fashseg import renditions as R
from fashseg.data import load_fashion
from fashseg.inference import Classifier
from fashseg.robustness import benchmark_indices

SURFACES = ("brick", "grass", "gravel")
SEED = 31_337  # neither a training nor a benchmark seed


def photographed_surface(name: str, h: int, w: int, rng: np.random.Generator) -> np.ndarray:
    import skimage.data

    tex = np.asarray(Image.fromarray(getattr(skimage.data, name)()).resize((w, h), Image.Resampling.BILINEAR), np.float32) / 255
    if tex.ndim == 2:  # the sample photos are grey: tint them as a real surface would be
        tex = tex[..., None] * rng.uniform(0.75, 1.0, 3)
    return tex * rng.uniform(0.7, 1.1)


def _module(path: str):
    spec = importlib.util.spec_from_file_location("fashseg.preprocess_compared", path)
    mod = importlib.util.module_from_spec(spec)
    mod.__package__ = "fashseg"
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--per-class", type=int, default=10, help="test garments per class (default 10)")
    p.add_argument("--old", help="another preprocess.py to run beside this one")
    args = p.parse_args(argv)
    x, y = load_fashion(train=False, download=False)
    x, y = x.numpy(), y.numpy()
    idx = benchmark_indices(y, per_class=args.per_class, seed=SEED)
    clf = Classifier()
    mods = {"this": P} | ({"old": _module(args.old)} if args.old else {})
    for name in SURFACES:
        rng = np.random.default_rng(SEED)
        counts = {k: np.zeros(4, int) for k in mods}  # recognised, flagged, refused, whole frame
        for i in idx:
            bg = photographed_surface(name, 480, 640, rng)
            img = R._photo(x[i], rng, bg, R._any_colour(rng), (480, 640), (0.45, 0.8), 0.3, 0.3, True)
            for k, mod in mods.items():
                try:
                    fin = mod.fashion_input(img)
                except mod.InputError:
                    counts[k][2] += 1
                    continue
                views = [fin, *getattr(fin, "alternatives", ())]  # the views the app weighs, as it answers
                probs = clf.predict_pixels(np.stack([v.pixels for v in views]))
                probs = probs[P.served_view(probs.max(1))]
                counts[k] += [probs.argmax() == y[i], probs.max() < clf.threshold, 0, fin.frame_share > 0.9]
        for k, c in counts.items():
            print(
                f"{name:7s} {k:5s} recognised {c[0] / len(idx):6.1%}  flagged not clothing {c[1] / len(idx):6.1%}  "
                f"refused {c[2]:3d}  box = whole frame {c[3]:3d}  (n = {len(idx)})"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())

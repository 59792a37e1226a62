"""Saving and loading checkpoints and their evaluation artefacts, atomically.

A checkpoint is a plain dict of tensors and primitives, so it loads with
``torch.load(weights_only=True)`` and carries everything needed to rebuild the
network without this repository's training code.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from . import __version__
from .models import build_model, for_inference

CHECKPOINT_DIR = Path(__file__).resolve().parent.parent / "checkpoints"  # the committed weights and artefacts
ARTEFACTS = {"weights": "{kind}.pt", "last": "{kind}.last.pt", "metrics": "{kind}_metrics.json", "examples": "{kind}_examples.npz"}


def artefact(folder: str | Path, kind: str, what: str = "weights") -> Path:
    """The one spelling of each file in a checkpoint folder (``kind`` is fashion or facade)."""
    return Path(folder) / ARTEFACTS[what].format(kind=kind)


class CheckpointError(RuntimeError):
    """A checkpoint or artefact is missing, corrupt or does not fit; the message says how to fix it."""


def atomic_write(path: str | Path, write: Callable[[io.BufferedWriter], None]) -> Path:
    """Write through a temp file in the same folder, then rename over ``path``.

    A crash at any point leaves either the old file or the new one, never half of one.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600 files; give the usual permissions
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def save_torch(obj: dict, path: str | Path) -> Path:
    return atomic_write(path, lambda f: torch.save(obj, f))


def save_json(obj: dict, path: str | Path) -> Path:
    data = json.dumps(obj, indent=1).encode()
    return atomic_write(path, lambda f: f.write(data))


def save_npz(path: str | Path, **arrays: np.ndarray) -> Path:
    return atomic_write(path, lambda f: np.savez_compressed(f, **arrays))


def library_versions() -> dict:
    import torchvision

    return {"torch": str(torch.__version__), "torchvision": str(torchvision.__version__), "fashseg": __version__}


REGENERATE = "Regenerate it with `python train.py {kind}` (or restore it with `git checkout -- checkpoints/`)."


def load_checkpoint(path: str | Path, kind: str | None = None) -> dict:
    """Load a checkpoint dict safely, with a clear error for a missing, truncated or foreign file."""
    path = Path(path)
    hint = REGENERATE.format(kind=kind or "")
    if not path.is_file():
        raise CheckpointError(f"Checkpoint {path} is missing. {hint}")
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:
        raise CheckpointError(f"Checkpoint {path} is unreadable (truncated or corrupt: {type(e).__name__}). {hint}") from e
    if not isinstance(ckpt, dict) or "state_dict" not in ckpt or "kind" not in ckpt:
        raise CheckpointError(f"{path} is not a FashSeg checkpoint (no state_dict/kind). {hint}")
    if kind is not None and ckpt["kind"] != kind:
        raise CheckpointError(f"{path} holds a {ckpt['kind']!r} model, expected {kind!r}. {hint}")
    return ckpt


def model_from_checkpoint(ckpt: dict, path: str | Path = "checkpoint") -> torch.nn.Module:
    """Rebuild the network and load its weights; a mismatched architecture is a CheckpointError."""
    try:
        model = build_model(ckpt["kind"], **ckpt["model_config"])
        model.load_state_dict(ckpt["state_dict"])
    except (RuntimeError, TypeError, ValueError, KeyError) as e:
        hint = REGENERATE.format(kind=ckpt.get("kind", ""))
        raise CheckpointError(f"{path}: weights do not fit the stored architecture ({str(e)[:200]}). {hint}") from e
    return model.eval()


def temperature(ckpt: dict) -> float:
    """The classifier's calibration temperature (1 for a checkpoint calibrated before there was one)."""
    return float(ckpt.get("calibration", {}).get("temperature", 1.0))


def served_model(model: torch.nn.Module, ckpt: dict) -> torch.nn.Module:
    """``model`` (rebuilt from ``ckpt``) as the app serves it and evaluation scores it: batch norm folded, probabilities calibrated."""
    return for_inference(model, temperature(ckpt))


def load_model(path: str | Path, kind: str | None = None) -> tuple[torch.nn.Module, dict]:
    ckpt = load_checkpoint(path, kind)
    return model_from_checkpoint(ckpt, path), ckpt


def load_json(path: str | Path) -> dict:
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"Artefact {path} is missing. Regenerate it with `python train.py evaluate`.")
    try:
        return json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise CheckpointError(f"Artefact {path} is corrupt ({e}). Regenerate it with `python train.py evaluate`.") from e


def load_npz(path: str | Path) -> dict[str, np.ndarray]:
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"Artefact {path} is missing. Regenerate it with `python train.py evaluate`.")
    try:
        with np.load(path, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    except Exception as e:
        raise CheckpointError(f"Artefact {path} is corrupt ({type(e).__name__}). Regenerate it with `python train.py evaluate`.") from e

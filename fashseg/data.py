"""Datasets for both tasks, held in memory as uint8 tensors.

Both sets are small (Fashion-MNIST is 47 MB, Mini Facade 240 MB decoded), so
they live in RAM and augmentation runs on whole batches of tensors. That is
several times faster on a 2-core CPU than per-sample PIL transforms in a
DataLoader (see ``python -m tools.bench``).
"""

from __future__ import annotations

import gzip
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from .checkpoint import atomic_write
from .labels import FACADE_CLASSES, FACADE_MEAN, FACADE_STD, FASHION_MEAN, FASHION_STD
from .preprocess import normalize

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = PROJECT_DIR / "data"
DEBIAN_FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")
DEFAULT_FACADE_CANDIDATES = (DEFAULT_DATA_DIR / "mini_facade", PROJECT_DIR.parent / "shared" / "data" / "mini_facade")
FASHION_FILES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)


class DataMissingError(FileNotFoundError):
    """A data set could not be found; the message says how to get it."""


# --------------------------------------------------------------------------- Fashion-MNIST


def _raw_dir(root: Path) -> Path:
    return Path(root) / "FashionMNIST" / "raw"


def _has_raw(root: Path) -> bool:
    return all((_raw_dir(root) / f).is_file() for f in FASHION_FILES)


def _unpack_debian(src: Path, root: Path) -> bool:
    """Decompress Debian's gz files into torchvision's raw layout.

    Debian recompressed the files, so their gz bytes fail torchvision's MD5
    check; the decompressed IDX bytes are the upstream ones, which is all
    torchvision reads once they are in place.
    """
    if not all((src / f"{f}.gz").is_file() for f in FASHION_FILES):
        return False
    for f in FASHION_FILES:  # each through its own temp file: runs started together unpack side by side
        with gzip.open(src / f"{f}.gz", "rb") as fin:
            atomic_write(_raw_dir(root) / f, lambda fout: shutil.copyfileobj(fin, fout))
    return True


def resolve_fashion_root(data_dir: str | Path | None = None, download: bool = True, debian_dir: Path | None = None) -> Path:
    """Find Fashion-MNIST, in the order: explicit folder, project folder, Debian package, download."""
    debian_dir = DEBIAN_FASHION_DIR if debian_dir is None else Path(debian_dir)
    root = Path(data_dir) if data_dir is not None else DEFAULT_DATA_DIR
    if _has_raw(root):
        return root
    if data_dir is None and _has_raw(DEFAULT_DATA_DIR):
        return DEFAULT_DATA_DIR
    if _unpack_debian(debian_dir, root):
        return root
    if download:
        from torchvision.datasets import FashionMNIST

        try:
            FashionMNIST(root, train=True, download=True)
            FashionMNIST(root, train=False, download=True)
            return root
        except Exception as e:  # network down, checksum, disk full ...
            reason = f"{type(e).__name__}: {e}"
    else:
        reason = "download disabled"
    raise DataMissingError(
        f"Fashion-MNIST not found (looked in {_raw_dir(root)}). Get it one of three ways: "
        f"(1) pass --data-dir pointing at a folder holding FashionMNIST/raw/*-ubyte; "
        f"(2) install Debian's package: sudo apt-get install -y dataset-fashion-mnist "
        f"(files in {debian_dir}); (3) go online so torchvision can download it "
        f"[download failed: {reason}]."
    )


def load_fashion(data_dir=None, train: bool = True, download: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
    """(images uint8 [N,28,28], labels int64 [N]) through torchvision.datasets.FashionMNIST."""
    from torchvision.datasets import FashionMNIST

    root = resolve_fashion_root(data_dir, download=download)
    ds = FashionMNIST(root, train=train, download=False)
    return ds.data.clone(), ds.targets.clone()


def split_indices(n: int, n_val: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """A fixed, seed-determined train/validation split."""
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    return perm[n_val:].sort().values, perm[:n_val].sort().values


def normalize_fashion(x_uint8: torch.Tensor) -> torch.Tensor:
    """uint8 [N,28,28] or [N,1,28,28] -> normalised float [N,1,28,28] (training; serving reads the checkpoint's values)."""
    return normalize(x_uint8, [FASHION_MEAN], [FASHION_STD])


def augment_fashion(
    x: torch.Tensor, gen: torch.Generator, shift: int = 2, erase_p: float = 0.25, silhouette_p: float = 0.0
) -> torch.Tensor:
    """Silhouettes, random shifts, horizontal flips and random erasing on a normalised batch [N,1,H,W].

    ``silhouette_p`` of the images become flat silhouettes (object pixels set to one
    grey level): that is what a person's drawing looks like after preprocessing,
    so the classifier learns garments by shape as well as by texture.
    """
    n, _, h, w = x.shape
    if silhouette_p > 0:
        raw = x * FASHION_STD + FASHION_MEAN
        level = torch.empty(n, 1, 1, 1).uniform_(0.6, 1.0, generator=gen)
        sil = ((raw > 0.1).float() * level - FASHION_MEAN) / FASHION_STD
        x = torch.where((torch.rand(n, generator=gen) < silhouette_p)[:, None, None, None], sil, x)
    flip = torch.rand(n, generator=gen) < 0.5
    x = torch.where(flip[:, None, None, None], x.flip(3), x)
    if shift:
        pad = F.pad(x, (shift,) * 4, value=-FASHION_MEAN / FASHION_STD)
        dy = torch.randint(0, 2 * shift + 1, (n,), generator=gen)
        dx = torch.randint(0, 2 * shift + 1, (n,), generator=gen)
        rows = (dy[:, None] + torch.arange(h))[:, :, None]  # [N,H,1]
        cols = (dx[:, None] + torch.arange(w))[:, None, :]  # [N,1,W]
        x = pad[torch.arange(n)[:, None, None], 0, rows, cols].unsqueeze(1)
    if erase_p > 0:
        # One random rectangle per chosen image, filled with noise (as torchvision's RandomErasing).
        eh = torch.randint(4, h // 2 + 1, (n,), generator=gen)
        ew = torch.randint(4, w // 2 + 1, (n,), generator=gen)
        y0 = (torch.rand(n, generator=gen) * (h - eh + 1)).long()
        x0 = (torch.rand(n, generator=gen) * (w - ew + 1)).long()
        ys, xs = torch.arange(h)[None, :, None], torch.arange(w)[None, None, :]
        box = (ys >= y0[:, None, None]) & (ys < (y0 + eh)[:, None, None]) & (xs >= x0[:, None, None]) & (xs < (x0 + ew)[:, None, None])
        box &= (torch.rand(n, generator=gen) < erase_p)[:, None, None]
        x = torch.where(box.unsqueeze(1), torch.randn(x.shape, generator=gen), x)
    return x


# --------------------------------------------------------------------------- Mini Facade


def resolve_facade_dir(facade_dir: str | Path | None = None) -> Path:
    """The Mini Facade folder: explicit, $FASHSEG_FACADE_DIR, ./data/mini_facade, ../shared/data/mini_facade."""
    if facade_dir is not None:
        candidates = [Path(facade_dir)]
    else:
        env = os.environ.get("FASHSEG_FACADE_DIR")
        candidates = ([Path(env)] if env else []) + list(DEFAULT_FACADE_CANDIDATES)
    for c in candidates:
        if (c / "train").is_dir() and (c / "test_dev").is_dir():
            return c
    raise DataMissingError(
        "Mini Facade data set not found (looked in: "
        + ", ".join(str(c) for c in candidates)
        + "). Pass --facade-dir (or set FASHSEG_FACADE_DIR) to a folder holding train/ and "
        "test_dev/ with eecs442_NNNN.jpg images and .png label maps."
    )


def read_facade_pair(jpg: Path) -> tuple[np.ndarray, np.ndarray]:
    """(RGB uint8 [H,W,3], labels uint8 [H,W]) with the checks the data set promises."""
    png = jpg.with_suffix(".png")
    if not png.is_file():
        raise ValueError(f"{jpg.name} has no label map: expected {png}")
    with Image.open(jpg) as im:
        img = np.asarray(im.convert("RGB"))
    with Image.open(png) as lm:
        if lm.mode not in ("P", "L"):
            raise ValueError(f"{png}: label map must be a palette or greyscale PNG of class indices, got mode {lm.mode}")
        lab = np.asarray(lm)
    if lab.shape != img.shape[:2]:
        raise ValueError(f"{png}: label size {lab.shape[::-1]} differs from image size {img.shape[1::-1]}")
    if lab.max() >= len(FACADE_CLASSES):
        raise ValueError(f"{png}: label value {int(lab.max())} outside 0-{len(FACADE_CLASSES) - 1}")
    return img, lab


@dataclass
class FacadeSplit:
    images: torch.Tensor  # uint8 [N,3,H,W]
    labels: torch.Tensor  # int64 [N,H,W]
    names: list[str]

    def __len__(self) -> int:
        return len(self.names)


def load_facade(facade_dir=None, split: str = "train") -> FacadeSplit:
    """All pairs of one split (``train`` or ``test_dev``) in memory."""
    folder = resolve_facade_dir(facade_dir) / split
    jpgs = sorted(folder.glob("*.jpg"))
    if not jpgs:
        raise DataMissingError(f"No .jpg images in {folder}")
    imgs, labs = zip(*(read_facade_pair(j) for j in jpgs))
    sizes = {i.shape for i in imgs}
    if len(sizes) != 1:
        raise ValueError(f"{folder}: images differ in size {sorted(sizes)}")
    images = torch.from_numpy(np.stack(imgs)).permute(0, 3, 1, 2).contiguous()
    labels = torch.from_numpy(np.stack(labs)).long()
    return FacadeSplit(images, labels, [j.name for j in jpgs])


def normalize_facade(x_uint8: torch.Tensor) -> torch.Tensor:
    """uint8 [N,3,H,W] -> normalised float (training; serving reads the checkpoint's values)."""
    return normalize(x_uint8, FACADE_MEAN, FACADE_STD)


def augment_facade(
    x: torch.Tensor, y: torch.Tensor, gen: torch.Generator, crop: int, scale=(0.7, 1.3)
) -> tuple[torch.Tensor, torch.Tensor]:
    """Random scale, crop, flip and colour jitter for a whole batch in one grid_sample.

    ``x`` is normalised float [N,3,H,W], ``y`` int64 [N,H,W]; returns crops of
    side ``crop`` at a random zoom. Pixels sampled outside the image get label
    -1 (ignored by the loss).
    """
    n, _, h, w = x.shape
    s = torch.empty(n).uniform_(*scale, generator=gen)  # zoom factor
    half = crop / (s * torch.tensor([w, h]).max())  # half the crop's side in grid_sample's [-1, 1] coordinates, at this zoom
    tx = (torch.rand(n, generator=gen) * 2 - 1) * (1 - half).clamp(min=0)
    ty = (torch.rand(n, generator=gen) * 2 - 1) * (1 - half).clamp(min=0)
    flip = torch.where(torch.rand(n, generator=gen) < 0.5, -1.0, 1.0)
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0] = half * flip
    theta[:, 1, 1] = half
    theta[:, 0, 2] = tx
    theta[:, 1, 2] = ty
    grid = F.affine_grid(theta, (n, 3, crop, crop), align_corners=False)
    xo = F.grid_sample(x, grid, mode="bilinear", padding_mode="reflection", align_corners=False)
    yo = F.grid_sample((y + 1).unsqueeze(1).float(), grid, mode="nearest", padding_mode="zeros", align_corners=False)
    yo = yo.squeeze(1).long() - 1
    # brightness / contrast jitter in normalised space
    gain = torch.empty(n, 1, 1, 1).uniform_(0.75, 1.25, generator=gen)
    bias = torch.empty(n, 1, 1, 1).uniform_(-0.2, 0.2, generator=gen)
    return xo * gain + bias, yo

"""Training loops and the evaluation that writes each checkpoint's artefacts.

One function per task, written out linearly (pytorch/examples style). Both keep
a resumable ``<name>.last.pt`` after every epoch and write the final
``<name>.pt`` plus ``<name>_metrics.json`` / ``<name>_examples.npz`` at the end.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from . import labels as L
from . import preprocess as P
from . import renditions as R
from .checkpoint import (
    artefact,
    library_versions,
    load_checkpoint,
    model_from_checkpoint,
    save_json,
    save_npz,
    save_torch,
    served_model,
    temperature,
)
from .data import (
    DEFAULT_DATA_DIR,
    DataMissingError,
    augment_facade,
    augment_fashion,
    load_facade,
    load_fashion,
    normalize_facade,
    normalize_fashion,
    split_indices,
)
from .metrics import average_precision, confusion_matrix, fit_temperature, iou_per_class, mirror_probs, per_class_accuracy, reliability
from .models import build_model, fashion_probs, for_inference, mirror_logits
from .robustness import HELD_OUT_SEED, VAL_DRAWN_SEED, drawn_not_clothing, not_clothing_benchmark, not_clothing_sets, renditions_benchmark


@dataclass
class Recipe:
    """What both networks' recipes share: AdamW's learning rate and weight decay, and the seeds."""

    lr: float = 2e-3
    weight_decay: float = 5e-4
    seed: int = 0  # the validation split and the rendered banks, and by default everything below
    init_seed: int | None = None  # initialisation and batch order only: runs that differ in it share their validation data

    @property
    def run_seed(self) -> int:
        return self.seed if self.init_seed is None else self.init_seed


@dataclass
class FashionConfig(Recipe):
    """The recipe of the committed classifier (chosen on validation among four, see README "Training")."""

    epochs: int = 60
    batch_size: int = 256
    label_smoothing: float = 0.1
    silhouette: float = 0.0  # share of training images made flat silhouettes (0.15 tried: no gain, see README)
    render_share: float = 0.5  # share of each batch drawn from rendered drawings and phone photos
    bank_size: int = 27000  # renditions of training images, served through the app's preprocessing
    outlier_size: int = 6000  # preprocessed non-clothing pictures for outlier exposure
    outlier_batch: int = 16  # outliers added to each batch, trained towards a uniform answer
    outlier_weight: float = 0.5
    widths: tuple = (48, 96, 192)
    dropout: float = 0.3
    init: str | None = None  # start from this checkpoint's weights (fine-tuning) instead of random ones
    n_val: int = 6000
    data_dir: str | None = None
    limit: int | None = None  # use only this many training images (smoke tests)


@dataclass
class FacadeConfig(Recipe):
    """The recipe of the committed segmenter (chosen on validation among four, see README "Training")."""

    epochs: int = 100
    batch_size: int = 16
    base: int = 16
    depth: int = 4
    crop: int = 256  # whole images (random rescale, crop and flip still vary them)
    n_val: int = 90
    facade_dir: str | None = None
    limit: int | None = None
    class_weights: tuple = field(default_factory=tuple)  # empty: 1/sqrt(pixel share), normalised


def pick_device(name: str = "auto") -> torch.device:
    """``auto``: whichever accelerator torch finds (CUDA, MPS, XPU...), else the CPU."""
    if name != "auto":
        return torch.device(name)
    return torch.accelerator.current_accelerator() if torch.accelerator.is_available() else torch.device("cpu")


def bf16_is_fast(device: torch.device) -> bool:
    """bf16 is 2-3x faster on GPUs and on CPUs with AVX-512 BF16 or AMX, but 15x slower on plain AVX2 CPUs."""
    if device.type == "cuda":
        return True
    if device.type != "cpu":
        return False
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def autocast(device: torch.device, enabled: bool | None):
    """bf16 autocast where it pays (``enabled=None``: decide from the hardware)."""
    if enabled is None:
        enabled = bf16_is_fast(device)
    if not enabled or device.type not in ("cpu", "cuda"):
        return nullcontext()
    return torch.autocast(device.type, dtype=torch.bfloat16)


def device_name(device: torch.device) -> str:
    """What trained a checkpoint, so its epoch times can be read against the right machine."""
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return f"{device.type} ({torch.get_num_threads()} threads)"


def warmup_cosine(step: int, total: int, warmup: int) -> float:
    if step < warmup:
        return (step + 1) / warmup
    return 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, total - warmup)))


def _init_state(kind, cfg, model, device, steps_per_epoch, resume_path: Path | None):
    """Optimizer, scheduler, RNG and history, fresh or restored from ``resume_path``."""
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    total = cfg.epochs * steps_per_epoch
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: warmup_cosine(s, total, min(500, total // 10 + 1)))
    gen = torch.Generator().manual_seed(cfg.run_seed)
    history, start = [], 0
    if resume_path is not None and resume_path.is_file():
        state = load_checkpoint(resume_path, kind)
        model.load_state_dict(state["state_dict"])
        opt.load_state_dict(state["optimizer"])
        sched.load_state_dict(state["scheduler"])
        gen.set_state(state["rng"])
        torch.set_rng_state(state["torch_rng"])
        history, start = list(state["history"]), int(state["epoch"])
        tqdm.write(f"resumed {kind} from {resume_path} after epoch {start}")
    return opt, sched, gen, history, start


def _checkpoint_dict(kind, cfg, model, history, epoch, extra: dict) -> dict:
    return {
        "kind": kind,
        "model_config": dict(model.config),
        "state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        "train_args": {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(cfg).items()},
        "epoch": epoch,
        "history": history,
        "device": device_name(next(model.parameters()).device),
        "versions": library_versions(),
        **extra,
    }


@dataclass
class Task:
    """What differs between the two networks; ``fit`` is the one loop that trains either."""

    name: str  # "fashion" or "facade": file names and progress bars
    cfg: FashionConfig | FacadeConfig
    model: torch.nn.Module
    n_train: int
    batch: Callable  # (indices, generator) -> augmented (x, y) on the CPU
    loss: Callable  # (fp32 output, y) -> (loss, hits, count) for the running training figure (tensors: no sync per step)
    validate: Callable  # model -> {"val_loss": ..., "val_<metric>": ...}
    finish: Callable  # model -> what the final checkpoint stores beside the weights
    train_metric: str = "train_acc"


def fit(
    task: Task, out_dir: Path, device: torch.device, resume: bool, amp: bool | None, stop_after: int | None, t_start: float
) -> Path | None:
    """Train ``task.cfg.epochs`` epochs, keeping ``<name>.last.pt`` after each; the final checkpoint's path, or None if stopped early."""
    cfg = task.cfg
    model = task.model.to(device).to(memory_format=torch.channels_last)
    steps = math.ceil(task.n_train / cfg.batch_size)
    last = artefact(out_dir, task.name, "last")
    opt, sched, gen, history, start = _init_state(task.name, cfg, model, device, steps, last if resume else None)
    wall0 = history[-1].get("wall_seconds", 0.0) if history else 0.0
    end = cfg.epochs if stop_after is None else min(cfg.epochs, start + stop_after)
    for epoch in range(start, end):
        model.train()
        t0, seen, loss_sum, hits, count = time.time(), 0, 0.0, 0, 0
        perm = torch.randperm(task.n_train, generator=gen)
        bar = tqdm(range(steps), desc=f"{task.name} {epoch + 1}/{cfg.epochs}", unit="batch", leave=False)
        for b in bar:
            idx = perm[b * cfg.batch_size : (b + 1) * cfg.batch_size]
            xb, yb = task.batch(idx, gen)
            if device.type == "cuda":  # page-locked, so the copies below overlap the previous step's kernels
                xb, yb = xb.pin_memory(), yb.pin_memory()
            xb = xb.to(device, memory_format=torch.channels_last, non_blocking=True)
            yb = yb.to(device, non_blocking=True)
            with autocast(device, amp):
                out = model(xb)
            loss, h, c = task.loss(out.float(), yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            seen += len(idx)
            loss_sum += loss.detach() * len(idx)
            hits, count = hits + h, count + c
            if b % 20 == 0 or b == steps - 1:  # reading a figure waits for the device: not every step
                bar.set_postfix(loss=f"{float(loss_sum) / seen:.3f}", acc=f"{float(hits) / max(1, float(count)):.3f}")
        rec = {
            "epoch": epoch + 1,
            "train_loss": float(loss_sum) / seen,
            task.train_metric: float(hits) / max(1, float(count)),  # on augmented batches
            **task.validate(model),
            "seconds": time.time() - t0,
            "wall_seconds": wall0 + time.time() - t_start,  # since the run began, setup and validation included
        }
        history.append(rec)
        tqdm.write(f"{task.name} " + " ".join(f"{k}={v:.4f}" if isinstance(v, float) else f"{k}={v}" for k, v in rec.items()))
        state = {"optimizer": opt.state_dict(), "scheduler": sched.state_dict(), "rng": gen.get_state(), "torch_rng": torch.get_rng_state()}
        save_torch(_checkpoint_dict(task.name, cfg, model, history, epoch + 1, state), last)
    if end < cfg.epochs:
        return None
    final = artefact(out_dir, task.name, "weights")
    save_torch(_checkpoint_dict(task.name, cfg, model, history, cfg.epochs, task.finish(model)), final)
    return final


# --------------------------------------------------------------------------- Fashion-MNIST


def fashion_meta() -> dict:
    return {"classes": list(L.FASHION_CLASSES), "normalization": {"mean": [L.FASHION_MEAN], "std": [L.FASHION_STD]}}


@torch.no_grad()
def predict_fashion(model, x_uint8: torch.Tensor, device, batch_size: int = 1000) -> torch.Tensor:
    """Class probabilities for uint8 images [N,28,28], averaged over the image and its mirror (as served)."""
    model.eval()
    x_uint8 = torch.as_tensor(x_uint8)
    out = [
        fashion_probs(model, normalize_fashion(x_uint8[i : i + batch_size]).to(device)).cpu() for i in range(0, len(x_uint8), batch_size)
    ]
    return torch.cat(out)


def _cached_banks(name: str, cfg: FashionConfig, sizes: tuple, make: Callable[[], dict]) -> dict:
    """``make()``'s arrays, cached under data/cache: the key covers the rendering and preprocessing code,
    so a change to either renders anew."""
    src = "".join(Path(m.__file__).read_text() for m in (R, P))
    key = hashlib.sha1(f"{src}{cfg.seed}{cfg.bank_size}{cfg.outlier_size}{sizes}".encode()).hexdigest()[:12]
    path = DEFAULT_DATA_DIR / "cache" / f"{name}-{key}.npz"
    if path.is_file():
        with np.load(path) as z:
            return {k: z[k] for k in z.files}
    banks = make()
    save_npz(path, **banks)
    return banks


def _facade_outlier_sources() -> tuple[np.ndarray | None, np.ndarray | None]:
    """Mini Facade training photos for outlier exposure, split as the segmenter splits them (train, validation)."""
    try:
        fac = load_facade(None, "train")
    except DataMissingError:
        tqdm.write("Mini Facade not found: outlier exposure uses generated pictures only")
        return None, None
    f_tr, f_va = split_indices(len(fac), 90, 0)
    return tuple(fac.images[i].permute(0, 2, 3, 1).numpy() for i in (f_tr, f_va))


def fashion_banks(cfg: FashionConfig, x_tr: np.ndarray, y_tr: np.ndarray, x_va: np.ndarray, y_va: np.ndarray) -> dict:
    """Rendered drawings/photos and non-clothing pictures for training, plus ``validation_banks``."""

    def make():
        rng = np.random.default_rng(cfg.seed)
        kinds = list(R.ALL)
        n = min(cfg.bank_size, len(x_tr)) if cfg.render_share > 0 else 0
        pick = rng.choice(len(x_tr), n, replace=False)
        k_tr = [kinds[i % len(kinds)] for i in range(n)]
        px, ok = R.render_bank(x_tr[pick], k_tr, cfg.seed)
        n_out = min(cfg.outlier_size, cfg.limit or cfg.outlier_size)
        fac_tr = _facade_outlier_sources()[0] if n_out else None
        return {
            "pixels": px[ok],
            "labels": y_tr[pick][ok],
            "kinds": np.array(k_tr)[ok],
            "outliers": R.render_outliers(fac_tr, n_out, cfg.seed) if n_out else np.zeros((0, 28, 28), np.uint8),
        }

    return {**_cached_banks("fashion-banks", cfg, (len(x_tr), len(x_va)), make), **validation_banks(cfg, x_va, y_va)}


def validation_banks(cfg: FashionConfig, x_va: np.ndarray, y_va: np.ndarray) -> dict:
    """Validation renditions (300 per kind) and non-clothing pictures: what calibration and the thresholds are chosen on."""

    def make():
        kinds = list(R.ALL)
        n_va = min(len(x_va), 300 * len(kinds))
        n_out = min(cfg.outlier_size, cfg.limit or cfg.outlier_size)
        k_va = [kinds[i % len(kinds)] for i in range(n_va)]
        px_va, ok_va = R.render_bank(x_va[:n_va], k_va, cfg.seed + 1)
        return {
            "val_pixels": px_va[ok_va],
            "val_labels": y_va[:n_va][ok_va],
            "val_kinds": np.array(k_va)[ok_va],
            "val_outliers": R.render_outliers(_facade_outlier_sources()[1], min(1000, max(50, n_out)), cfg.seed + 1),
        }

    return _cached_banks("fashion-val-banks", cfg, (len(x_va),), make)


@torch.no_grad()
def fashion_logits(model, x_uint8, device, batch_size: int = 1000) -> np.ndarray:
    """Logits [N,2,10] of each image and its mirror: what calibration is fitted on."""
    model.eval()
    x_uint8 = torch.as_tensor(x_uint8)
    out = []
    for i in range(0, len(x_uint8), batch_size):
        x = normalize_fashion(x_uint8[i : i + batch_size]).to(device)
        out.append(mirror_logits(model, x).view(2, len(x), -1).transpose(0, 1).cpu())
    return torch.cat(out).numpy()


def calibrate(model, x_va, y_va, banks, device) -> dict:
    """The temperature that makes the served probabilities honest, fitted on validation images and renditions.

    Label smoothing and outlier exposure train the network to under-state: a
    correct answer said with 86 % on average while 95 % are right. Dividing the
    logits by one number chosen on validation (never the test set) fixes what the
    app shows; no single view's answer changes (the average of a picture's and its
    mirror's can, rarely).
    """
    logits = np.concatenate([fashion_logits(model, x_va, device), fashion_logits(model, banks["val_pixels"], device)])
    labels = np.concatenate([np.asarray(y_va), banks["val_labels"]])
    t = fit_temperature(logits, labels)
    before, after = reliability(mirror_probs(logits), labels), reliability(mirror_probs(logits, t), labels)
    return {
        "temperature": t,
        "fitted_on": f"{len(y_va)} validation images and {len(banks['val_labels'])} validation renditions",
        "val_ece_before": before["ece"],
        "val_ece": after["ece"],
        "val_mean_confidence_before": before["mean_confidence"],
        "val_mean_confidence": after["mean_confidence"],
        "val_accuracy": after["accuracy"],
    }


def choose_ood_threshold(model, x_va, y_va, banks, device, clean_rate: float = 0.015, render_rate: float = 0.03) -> dict:
    """The not-clothing threshold on the top class probability, chosen on validation data only.

    The largest threshold that flags at most ``clean_rate`` of the clean validation
    images and ``render_rate`` of the rendered drawings and photos.
    """
    top_clean = predict_fashion(model, x_va, device).max(1).values.numpy()
    p_rend = predict_fashion(model, banks["val_pixels"], device).numpy()
    top_rend = p_rend.max(1)
    top_out = predict_fashion(model, banks["val_outliers"], device).max(1).values.numpy()
    t = float(min(np.quantile(top_clean, clean_rate), np.quantile(top_rend, render_rate)))
    acc = {str(k): float((p_rend.argmax(1) == banks["val_labels"])[banks["val_kinds"] == k].mean()) for k in np.unique(banks["val_kinds"])}
    return {
        "score": "top class probability (mirror-averaged)",
        "threshold": t,
        "val_flagged_clean": float((top_clean < t).mean()),
        "val_flagged_renditions": float((top_rend < t).mean()),
        "val_flagged_not_clothing": float((top_out < t).mean()),
        "val_rendition_accuracy": acc,
    }


DRAWN_FLAG_RATE = 0.9  # the share of non-clothing canvas pictures the drawing threshold must still flag (the held-out target)


def choose_drawing_threshold(model, device, threshold: float, n_each: int = 200) -> dict:
    """A lower not-clothing threshold for canvas drawings, chosen on validation pictures only.

    A canvas drawing is nearly always meant as a garment, and people draw garments
    in proportions Fashion-MNIST never shows (long sleeves held out, a narrow body),
    so the general threshold calls many of them not clothing. This one is the
    lowest that still flags ``DRAWN_FLAG_RATE`` of validation scribbles, shapes and
    text read as drawings; never above the general threshold.
    """
    px = []
    for img in drawn_not_clothing(VAL_DRAWN_SEED, n_each):
        try:
            px.append(P.fashion_input(img, drawing=True).pixels)
        except P.InputError:
            continue  # refused outright: needs no threshold
    top = predict_fashion(model, np.stack(px), device).max(1).values.numpy()
    t = float(min(threshold, np.quantile(top, DRAWN_FLAG_RATE)))
    return {"drawing_threshold": t, "val_drawn_not_clothing": len(top), "val_flagged_drawn_not_clothing": float((top < t).mean())}


def rechoose_drawing_threshold(ckpt_path: Path, device) -> dict:
    """Choose the canvas threshold again, on validation pictures, for today's preprocessing; the weights stay.

    That threshold reads how the preprocessing renders scribbles and shapes, so a change
    to the drawing path needs a new one; the general threshold reads photos and stays.
    """
    ckpt = load_checkpoint(ckpt_path, "fashion")
    model = served_model(model_from_checkpoint(ckpt, ckpt_path), ckpt).to(device)
    ckpt["ood"] = {**ckpt["ood"], **choose_drawing_threshold(model, device, ckpt["ood"]["threshold"])}
    save_torch(ckpt, ckpt_path)
    return ckpt["ood"]


def calibrated_choices(model, x_va, y_va, banks, device) -> dict:
    """What a trained classifier's checkpoint stores beside its weights, all chosen on validation data: the
    calibration temperature, then the not-clothing thresholds on the calibrated probabilities the app shows."""
    calibration = calibrate(for_inference(model), x_va, y_va, banks, device)
    served = for_inference(model, calibration["temperature"])
    ood = choose_ood_threshold(served, x_va, y_va, banks, device)
    ood |= choose_drawing_threshold(served, device, ood["threshold"])
    tqdm.write(f"calibration temperature on validation: {calibration['temperature']:.3f}")
    tqdm.write("not-clothing threshold on validation: " + ", ".join(f"{k}={v:.4f}" for k, v in ood.items() if isinstance(v, float)))
    return {"calibration": calibration, "ood": ood}


def recalibrate(ckpt_path: Path, device, data_dir=None) -> dict:
    """Fit the calibration temperature and choose both not-clothing thresholds again; the weights stay.

    The same choices training ends with, on the same validation split and banks
    (rebuilt from the checkpoint's own recipe), for a checkpoint trained before
    calibration or after a change to the preprocessing.
    """
    ckpt = load_checkpoint(ckpt_path, "fashion")
    cfg = FashionConfig(**{f.name: ckpt["train_args"][f.name] for f in fields(FashionConfig) if f.name in ckpt["train_args"]})
    x_all, y_all = load_fashion(data_dir or cfg.data_dir, train=True)
    _, va_idx = split_indices(len(x_all), min(cfg.n_val, len(x_all) // 10), cfg.seed)
    if cfg.limit:
        va_idx = va_idx[: max(1, cfg.limit // 10)]
    x_va, y_va = x_all[va_idx].numpy(), y_all[va_idx].numpy()
    model = model_from_checkpoint(ckpt, ckpt_path).to(device)
    ckpt |= calibrated_choices(model, x_va, y_va, validation_banks(cfg, x_va, y_va), device)
    save_torch(ckpt, ckpt_path)
    return ckpt


def train_fashion(
    cfg: FashionConfig, out_dir: Path, device: torch.device, resume: bool = False, amp: bool | None = None, stop_after: int | None = None
) -> dict | None:
    """Train on the mix of clean images, renditions and outliers, then evaluate; ``None`` when stopped early."""
    t_start = time.time()
    torch.manual_seed(cfg.run_seed)
    x_all, y_all = load_fashion(cfg.data_dir, train=True)
    tr_idx, va_idx = split_indices(len(x_all), min(cfg.n_val, len(x_all) // 10), cfg.seed)
    if cfg.limit:
        tr_idx, va_idx = tr_idx[: cfg.limit], va_idx[: max(1, cfg.limit // 10)]
    x_tr, y_tr = normalize_fashion(x_all[tr_idx]), y_all[tr_idx]
    x_va, y_va = x_all[va_idx], y_all[va_idx]
    banks = fashion_banks(cfg, x_all[tr_idx].numpy(), y_tr.numpy(), x_va.numpy(), y_va.numpy())
    x_rend, y_rend = normalize_fashion(torch.from_numpy(banks["pixels"])), torch.from_numpy(banks["labels"]).long()
    x_out = normalize_fashion(torch.from_numpy(banks["outliers"]))

    def batch(idx, gen):
        xb, yb = x_tr[idx], y_tr[idx]
        if len(x_rend) and cfg.render_share > 0:
            swap = torch.rand(len(idx), generator=gen) < cfg.render_share
            pick = torch.randint(0, len(x_rend), (int(swap.sum()),), generator=gen)
            xb, yb = xb.clone(), yb.clone()
            xb[swap], yb[swap] = x_rend[pick], y_rend[pick]
        if len(x_out) and cfg.outlier_batch:  # appended after the labelled images, which keep their places
            xb = torch.cat([xb, x_out[torch.randint(0, len(x_out), (cfg.outlier_batch,), generator=gen)]])
        return augment_fashion(xb, gen, silhouette_p=cfg.silhouette), yb

    def loss(out, yb):
        logits = out[: len(yb)]
        value = F.cross_entropy(logits, yb, label_smoothing=cfg.label_smoothing)
        if len(yb) < len(out):  # outlier exposure: anything that is not clothing should get no confident class
            value = value + cfg.outlier_weight * -out[len(yb) :].log_softmax(1).mean()
        return value, (logits.argmax(1) == yb).sum(), len(yb)

    def validate(model):
        probs = predict_fashion(model, x_va, device)
        return {
            "val_loss": F.nll_loss(probs.clamp_min(1e-12).log(), y_va).item(),
            "val_acc": (probs.argmax(1) == y_va).float().mean().item(),
        }

    def finish(model):
        return {**fashion_meta(), **calibrated_choices(model, x_va.numpy(), y_va.numpy(), banks, device)}

    model = build_model("fashion", widths=cfg.widths, dropout=cfg.dropout)
    if cfg.init:
        model.load_state_dict(load_checkpoint(cfg.init, "fashion")["state_dict"])
        tqdm.write(f"fine-tuning from {cfg.init}")
    task = Task("fashion", cfg, model, len(x_tr), batch, loss, validate, finish, train_metric="train_acc")
    final = fit(task, out_dir, device, resume, amp, stop_after, t_start)
    if final is None:
        return None
    return evaluate_fashion(final, cfg.data_dir, device, robustness=not cfg.limit)  # smoke runs skip the 8-minute benchmarks


def robustness_metrics(model, ckpt, x: np.ndarray, y: np.ndarray, probs: np.ndarray, device, facade_dir=None) -> dict:
    """Drawing, photo and not-clothing benchmarks (``fashseg.robustness``) for the artefacts."""
    threshold = float(ckpt.get("ood", {}).get("threshold", 0.0))
    drawing_threshold = float(ckpt.get("ood", {}).get("drawing_threshold", threshold))

    def predict(px):
        return predict_fashion(model, torch.from_numpy(px), device).numpy()

    try:
        facades = load_facade(facade_dir, "test_dev").images.permute(0, 2, 3, 1).numpy()
    except DataMissingError:
        facades = None
    return {
        "not_clothing_threshold": threshold,
        "not_clothing_validation": ckpt.get("ood", {}),
        "flagged_clean_test": float((probs.max(1) < threshold).mean()),
        "renditions": renditions_benchmark(predict, threshold, x, y, drawing_threshold=drawing_threshold),
        "not_clothing": not_clothing_benchmark(predict, threshold, not_clothing_sets(facades)),
        "not_clothing_drawing_threshold": drawing_threshold,
        "not_clothing_drawn": not_clothing_benchmark(
            predict,
            drawing_threshold,
            {"scribbles, shapes and text drawn on the canvas": drawn_not_clothing(HELD_OUT_SEED + 1, 100)},
            drawing=True,
        ),
    }


def provenance(ckpt: dict) -> dict:
    """What an artefact repeats from its checkpoint: the classes it names, and how the network was trained."""
    return {
        "classes": list(ckpt["classes"]),
        **({"colors": ckpt["colors"]} if "colors" in ckpt else {}),
        "history": ckpt["history"],
        "epochs": ckpt["epoch"],
        "train_seconds": float(sum(r["seconds"] for r in ckpt["history"])),
        "trained_on": ckpt.get("device"),
        "train_args": ckpt["train_args"],
        "versions": ckpt["versions"],
    }


def calibration_metrics(ckpt: dict, model, x, y: np.ndarray, probs: np.ndarray, device) -> dict:
    """How honest the served probabilities are on the test set, and were before calibration (``model`` at temperature 1)."""
    before = probs if temperature(ckpt) == 1.0 else predict_fashion(for_inference(model).to(device), x, device).numpy()
    return {**ckpt.get("calibration", {"temperature": 1.0}), "test": reliability(probs, y), "test_before": reliability(before, y)}


def evaluate_fashion(ckpt_path: Path, data_dir=None, device=torch.device("cpu"), facade_dir=None, robustness: bool = True) -> dict:
    """Evaluate a checkpoint on the 10k test images and (re)write its artefacts."""
    ckpt_path = Path(ckpt_path)
    ckpt = load_checkpoint(ckpt_path, "fashion")
    trained = model_from_checkpoint(ckpt, ckpt_path)
    model = served_model(trained, ckpt).to(device)  # as the app serves it
    x, y = load_fashion(data_dir, train=False)
    probs_t = predict_fashion(model, x, device)
    probs = probs_t.numpy()
    pred = probs.argmax(1)
    y_np = y.numpy()
    classes = ckpt["classes"]  # the checkpoint names its classes; labels.py only seeded them at training
    k = len(classes)
    cm = confusion_matrix(y_np, pred, k)
    pca = per_class_accuracy(cm)
    # Two correct and two wrong test images per class (first by test index), plus every mistake.
    gallery = []
    for c in range(k):
        ok = np.flatnonzero((y_np == c) & (pred == c))[:2]
        bad = np.flatnonzero((y_np == c) & (pred != c))[:2]
        gallery += list(ok) + list(bad)
    gallery = np.array(gallery, dtype=np.int64)
    wrong = np.flatnonzero(pred != y_np)
    metrics = {
        "checkpoint": ckpt_path.name,
        "test_size": int(len(y_np)),
        "test_accuracy": float((pred == y_np).mean()),
        "test_loss": float(F.nll_loss(probs_t.clamp_min(1e-12).log(), y).item()),
        "per_class_accuracy": {n: float(a) for n, a in zip(classes, pca)},
        "confusion_matrix": cm.tolist(),
        "calibration": calibration_metrics(ckpt, trained, x, y_np, probs, device),
        **provenance(ckpt),
        **(robustness_metrics(model, ckpt, x.numpy(), y_np, probs, device, facade_dir) if robustness else {}),
    }
    save_json(metrics, artefact(ckpt_path.parent, "fashion", "metrics"))
    save_npz(
        artefact(ckpt_path.parent, "fashion", "examples"),
        gallery_index=gallery,
        gallery_image=x.numpy()[gallery],
        gallery_true=y_np[gallery],
        gallery_pred=pred[gallery],
        wrong_index=wrong,
        wrong_image=x.numpy()[wrong],
        wrong_true=y_np[wrong],
        wrong_pred=pred[wrong],
        wrong_prob=probs[wrong].astype(np.float16),
    )
    return metrics


# --------------------------------------------------------------------------- Mini Facade


def facade_meta() -> dict:
    return {
        "classes": list(L.FACADE_CLASSES),
        "colors": [list(c) for c in L.FACADE_COLORS],
        "normalization": {"mean": list(L.FACADE_MEAN), "std": list(L.FACADE_STD)},
        "train_size": L.FACADE_SIZE,
    }


@torch.no_grad()
def facade_logits(model, images_uint8: torch.Tensor, labels: torch.Tensor, device, batch_size: int = 4):
    """Yield (fp32 logits [B,5,H,W], labels [B,H,W]) for uint8 images [N,3,H,W], a few at a time."""
    model.eval()
    for i in range(0, len(images_uint8), batch_size):
        yield model(normalize_facade(images_uint8[i : i + batch_size]).to(device)).float().cpu(), labels[i : i + batch_size]


def train_facade(
    cfg: FacadeConfig, out_dir: Path, device: torch.device, resume: bool = False, amp: bool | None = None, stop_after: int | None = None
) -> dict | None:
    """Train on random crops with class-weighted loss, then evaluate; ``None`` when stopped early."""
    t_start = time.time()
    torch.manual_seed(cfg.run_seed)
    data = load_facade(cfg.facade_dir, "train")
    tr_idx, va_idx = split_indices(len(data), min(cfg.n_val, max(1, len(data) // 10)), cfg.seed)
    if cfg.limit:
        tr_idx, va_idx = tr_idx[: cfg.limit], va_idx[: max(1, cfg.limit // 4)]
    x_tr, y_tr = normalize_facade(data.images[tr_idx]), data.labels[tr_idx]
    x_va, y_va = data.images[va_idx], data.labels[va_idx]
    share = torch.bincount(y_tr.ravel(), minlength=len(L.FACADE_CLASSES)).float()
    share = share / share.sum()
    weights = torch.tensor(cfg.class_weights) if cfg.class_weights else (share.clamp(min=1e-4) ** -0.5)
    weights = (weights / weights.mean()).to(device)

    def batch(idx, gen):
        return augment_facade(x_tr[idx], y_tr[idx], gen, cfg.crop)

    def loss(out, yb):
        valid = yb >= 0  # pixels outside the image after a crop are labelled -1
        value = F.cross_entropy(out, yb, weight=weights, ignore_index=-1)
        return value, ((out.argmax(1) == yb) & valid).sum(), valid.sum()  # no boolean indexing: it would wait for the device

    def validate(model):
        total, hits, pixels = 0.0, 0, 0
        for logits, yb in facade_logits(model, x_va, y_va, device):
            total += F.cross_entropy(logits, yb, reduction="sum").item()
            hits += (logits.argmax(1) == yb).sum().item()
            pixels += yb.numel()
        return {"val_loss": total / pixels, "val_pixel_acc": hits / pixels}

    model = build_model("facade", base=cfg.base, depth=cfg.depth)
    task = Task("facade", cfg, model, len(x_tr), batch, loss, validate, lambda _: facade_meta(), train_metric="train_pixel_acc")
    final = fit(task, out_dir, device, resume, amp, stop_after, t_start)
    return None if final is None else evaluate_facade(final, cfg.facade_dir, device)


def evaluate_facade(ckpt_path: Path, facade_dir=None, device=torch.device("cpu"), n_examples: int = 6) -> dict:
    """Evaluate on all of test_dev at full 256x256 and (re)write the artefacts."""
    ckpt_path = Path(ckpt_path)
    ckpt = load_checkpoint(ckpt_path, "facade")
    model = for_inference(model_from_checkpoint(ckpt, ckpt_path)).to(device)  # as the app serves it
    data = load_facade(facade_dir, "test_dev")
    classes = ckpt["classes"]
    k = len(classes)
    scores = np.empty((k, data.labels.numel()), dtype=np.float32)
    preds, loss_sum, pos = [], 0.0, 0
    for logits, yb in facade_logits(model, data.images, data.labels, device):
        loss_sum += F.cross_entropy(logits, yb, reduction="sum").item()
        p = logits.softmax(1)
        n = yb.numel()
        scores[:, pos : pos + n] = p.permute(1, 0, 2, 3).reshape(k, -1).numpy()
        pos += n
        preds.append(p.argmax(1))
    pred = torch.cat(preds).numpy().astype(np.uint8)
    truth = data.labels.numpy()
    cm = confusion_matrix(truth, pred, k)
    ap = [average_precision(scores[c], truth.ravel() == c) for c in range(k)]
    iou = iou_per_class(cm)
    metrics = {
        "checkpoint": ckpt_path.name,
        "test_size": len(data),
        "test_loss": loss_sum / truth.size,
        "per_class_ap": dict(zip(classes, map(float, ap))),
        "mean_ap": float(np.mean(ap)),
        "per_class_iou": dict(zip(classes, map(float, iou))),
        "mean_iou": float(np.nanmean(iou)),
        "pixel_accuracy": float(np.trace(cm) / cm.sum()),
        "confusion_matrix": cm.tolist(),
        **provenance(ckpt),
    }
    save_json(metrics, artefact(ckpt_path.parent, "facade", "metrics"))
    ex = np.linspace(0, len(data) - 1, n_examples).round().astype(int)
    save_npz(
        artefact(ckpt_path.parent, "facade", "examples"),
        index=ex,
        name=np.array([data.names[i] for i in ex]),
        image=data.images.numpy()[ex].transpose(0, 2, 3, 1),
        truth=truth[ex].astype(np.uint8),
        pred=pred[ex],
    )
    return metrics

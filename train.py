"""Train FashSeg's two networks and write their checkpoints and evaluation artefacts.

    python train.py               # both networks, then evaluate each on its test set
    python train.py fashion       # the Fashion-MNIST classifier only
    python train.py facade        # the Mini Facade segmenter only
    python train.py evaluate      # re-evaluate the checkpoints in --out, rewrite artefacts
    python train.py rethreshold   # after a change to the drawing path: choose the canvas threshold again, evaluate
    python train.py calibrate     # fit the probabilities' temperature and both thresholds again on validation, evaluate
    python train.py fashion --resume   # continue an interrupted run from <out>/fashion.last.pt
    python train.py fashion --init-seed 3 --out runs/s3   # another start on the same validation data (seeds compared)

Defaults are the settings that produced the committed checkpoints.
"""

import argparse
import json
import sys
import time
from dataclasses import fields
from pathlib import Path

import torch

from fashseg.checkpoint import CHECKPOINT_DIR, CheckpointError, artefact
from fashseg.data import DataMissingError
from fashseg.training import (
    FacadeConfig,
    FashionConfig,
    evaluate_facade,
    evaluate_fashion,
    pick_device,
    recalibrate,
    rechoose_drawing_threshold,
    train_facade,
    train_fashion,
)

SUMMARY_KEYS = ("test_accuracy", "test_loss", "mean_ap", "mean_iou", "pixel_accuracy", "train_seconds")


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument(
        "task",
        nargs="?",
        default="all",
        choices=["all", "fashion", "facade", "evaluate", "rethreshold", "calibrate"],
        help="what to run (default: all)",
    )
    p.add_argument("--epochs", type=int, help=f"epochs (default: fashion {FashionConfig.epochs}, facade {FacadeConfig.epochs})")
    p.add_argument(
        "--batch-size", type=int, help=f"batch size (default: fashion {FashionConfig.batch_size}, facade {FacadeConfig.batch_size})"
    )
    p.add_argument(
        "--lr",
        type=float,
        help=f"peak AdamW learning rate, warm-up then cosine decay (default: fashion {FashionConfig.lr}, facade {FacadeConfig.lr})",
    )
    p.add_argument("--weight-decay", type=float, help=f"AdamW weight decay (default: {FashionConfig.weight_decay})")
    p.add_argument("--seed", type=int, help=f"seed for the split, initialisation and augmentation (default: {FashionConfig.seed})")
    p.add_argument(
        "--init-seed",
        type=int,
        help="seed for initialisation and augmentation alone, keeping --seed's split and renditions (seeds compared)",
    )
    p.add_argument("--data-dir", help="Fashion-MNIST root holding FashionMNIST/raw (default: ./data, then Debian's package, then download)")
    p.add_argument(
        "--facade-dir",
        help="Mini Facade folder with train/ and test_dev/ (default: $FASHSEG_FACADE_DIR, ./data/mini_facade, ../shared/data/mini_facade)",
    )
    p.add_argument("--out", default=str(CHECKPOINT_DIR), help="folder for checkpoints and artefacts (default: the project's checkpoints/)")
    p.add_argument("--device", default="auto", help="auto (cuda, then mps, then cpu), or any torch device string")
    p.add_argument("--resume", action="store_true", help="continue from <out>/<name>.last.pt if it exists")
    p.add_argument("--stop-after", type=int, help="run at most this many epochs now, keeping last.pt for --resume (train in chunks)")
    p.add_argument(
        "--amp", choices=["auto", "on", "off"], default="auto", help="bf16 autocast: auto uses it where the hardware makes it faster"
    )
    p.add_argument("--init", help="fashion: start from this checkpoint's weights (fine-tune) instead of random ones")
    p.add_argument(
        "--render-share",
        type=float,
        help=f"fashion: share of each batch from rendered drawings/photos (default {FashionConfig.render_share})",
    )
    p.add_argument("--bank-size", type=int, help=f"fashion: rendered training pictures (default {FashionConfig.bank_size})")
    p.add_argument("--threads", type=int, help="torch CPU threads (default: torch's choice)")
    p.add_argument("--limit", type=int, help="train on only this many images (quick smoke runs)")
    p.add_argument("--crop", type=int, help=f"facade training crop side (default: {FacadeConfig.crop})")
    return p.parse_args(argv)


def make_config(cls, args, data_key):
    overrides = {
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "lr": args.lr,
        "weight_decay": args.weight_decay,
        "seed": args.seed,
        "init_seed": args.init_seed,
        "limit": args.limit,
        "crop": args.crop,
        "init": args.init,
        "render_share": args.render_share,
        "bank_size": args.bank_size,
        data_key: getattr(args, data_key),
    }
    names = {f.name for f in fields(cls)}
    return cls(**{k: v for k, v in overrides.items() if v is not None and k in names})


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = pick_device(args.device)
    out = Path(args.out)
    results = {}
    t0 = time.time()
    try:
        if args.task == "rethreshold":
            ood = rechoose_drawing_threshold(artefact(out, "fashion"), device)
            print(f"canvas threshold chosen on validation: {ood['drawing_threshold']:.4f}")
        if args.task == "calibrate":
            ckpt = recalibrate(artefact(out, "fashion"), device, args.data_dir)
            print(
                f"temperature {ckpt['calibration']['temperature']:.3f}, thresholds {ckpt['ood']['threshold']:.4f} and "
                f"{ckpt['ood']['drawing_threshold']:.4f} (canvas), chosen on validation"
            )
        if args.task in ("evaluate", "rethreshold", "calibrate"):
            results["fashion"] = evaluate_fashion(artefact(out, "fashion"), args.data_dir, device, args.facade_dir)
            results["facade"] = evaluate_facade(artefact(out, "facade"), args.facade_dir, device)
        if args.task in ("all", "fashion"):
            cfg = make_config(FashionConfig, args, "data_dir")
            results["fashion"] = train_fashion(
                cfg, out, device, args.resume, amp={"auto": None, "on": True, "off": False}[args.amp], stop_after=args.stop_after
            )
        if args.task in ("all", "facade"):
            cfg = make_config(FacadeConfig, args, "facade_dir")
            results["facade"] = train_facade(
                cfg, out, device, args.resume, amp={"auto": None, "on": True, "off": False}[args.amp], stop_after=args.stop_after
            )
    except (DataMissingError, CheckpointError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    for name, m in results.items():
        if m is None:
            print(f"{name}: stopped early as asked; continue with --resume")
            continue
        print(name, json.dumps({k: round(m[k], 4) for k in SUMMARY_KEYS if k in m}))
    print(f"done in {time.time() - t0:.0f}s on {device}; artefacts in {out}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())

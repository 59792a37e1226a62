"""Benchmarks: ``python -m tools.bench`` prints a table and writes the same figures as JSON.

Each latency is the median (p50) and p95 of repeated runs after a warm-up. The
machine (CPU model, cores, torch threads, device) is recorded with the figures.
Goals (on a 2-core CPU) are printed beside each figure; nothing here fails a
test: speed lives in this output, not in timed tests.
"""

from __future__ import annotations

import argparse
import base64
import io
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from fashseg.checkpoint import CHECKPOINT_DIR, artefact
from fashseg.data import PROJECT_DIR

CHECKPOINTS = CHECKPOINT_DIR
EXAMPLES = PROJECT_DIR / "examples"


def _stats(ms: list[float]) -> dict:
    """p50, p95 and count of a list of milliseconds: every latency figure in the report."""
    return {"p50_ms": float(np.percentile(ms, 50)), "p95_ms": float(np.percentile(ms, 95)), "n": len(ms)}


def timeit(fn, repeat: int, warmup: int = 3) -> dict:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return _stats(times)


def machine() -> dict:
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "device": "cpu",
        "torch": torch.__version__,
        "python": platform.python_version(),
    }


# --------------------------------------------------------------------------- inference


def bench_classify(repeat: int) -> dict:
    from PIL import Image

    from fashseg.inference import Classifier

    from .sketches import draw

    clf = Classifier(artefact(CHECKPOINTS, "fashion"))
    photo = Image.open(EXAMPLES / "fashion" / "test0000_ankle_boot.png").convert("RGB")
    photo = Image.fromarray(255 - np.asarray(photo))  # a dark-on-white 280x280 RGB picture
    canvas = {"composite": np.asarray(draw("Trouser", filled=False, size=400).convert("RGBA"))}
    big = Path(tempfile.mkdtemp()) / "garment_4000x3000.jpg"  # a phone photo as uploaded: decoding is part of the cost
    page = Image.new("RGB", (4000, 3000), "white")
    page.paste(photo.resize((2400, 2400), Image.Resampling.BICUBIC), (800, 300))
    page.save(big, quality=90)
    turned = photo.rotate(16, Image.Resampling.BICUBIC, fillcolor="white")  # lying turned: the view as it lies goes through the network too
    png = Path(tempfile.mkdtemp()) / "garment_280.png"  # the same photo as a file, as an upload arrives
    photo.save(png)
    buf = io.BytesIO()
    Image.fromarray(canvas["composite"]).save(buf, "PNG")
    data_url = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()  # what the canvas sends
    out = {
        "classify_photo_280": timeit(lambda: clf.classify(photo), repeat),
        "classify_photo_280_png_file": timeit(lambda: clf.classify(png), repeat),
        "classify_photo_280_turned": timeit(lambda: clf.classify(turned), repeat),
        "classify_canvas_400": timeit(lambda: clf.classify(canvas["composite"], drawing=True), repeat),
        "classify_canvas_400_data_url": timeit(lambda: clf.classify(data_url, drawing=True), repeat),
        "classify_jpeg_4000x3000": timeit(lambda: clf.classify(big), max(5, repeat // 4)),
    }
    try:
        from fashseg.data import load_fashion

        x = load_fashion(train=False, download=False)[0][:256].numpy()
    except Exception:
        x = np.random.default_rng(0).integers(0, 255, (256, 28, 28), dtype=np.uint8)
    t = timeit(lambda: clf.predict_pixels(x), max(5, repeat // 5))
    out["classify_batch256"] = {**t, "images_per_s": 256 / (t["p50_ms"] / 1000)}
    return out


def bench_segment(repeat: int) -> dict:
    from PIL import Image

    from fashseg.inference import Segmenter

    seg = Segmenter(artefact(CHECKPOINTS, "facade"))
    base = Image.open(sorted((EXAMPLES / "facade").glob("*.jpg"))[0]).convert("RGB")
    out = {}
    for w, h, n in ((256, 256, repeat), (1024, 768, repeat), (4000, 3000, max(5, repeat // 4))):
        # a JPEG file on disk, as an upload arrives: decoding is part of the cost
        path = Path(tempfile.mkdtemp()) / f"photo_{w}x{h}.jpg"
        base.resize((w, h), Image.Resampling.BICUBIC).save(path, quality=90)
        out[f"segment_{w}x{h}"] = timeit(lambda p=path: seg.segment(str(p)), n, warmup=2)
    return out


# --------------------------------------------------------------------------- memory

_ONE_REQUEST = """
import json, sys, time
from fashseg.service import Service

def status(key):
    return next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith(key)) / 1024

svc = Service(sys.argv[3])
call = svc.classify if sys.argv[1] == "classify" else svc.segment
call(sys.argv[4])  # a small picture first: the models' and Pillow's one-off allocations do not count
open("/proc/self/clear_refs", "w").write("5")  # restart the peak (VmHWM) from the memory in use now
before, t = status("VmRSS"), time.perf_counter()
call(sys.argv[2])
print(json.dumps({"ms": (time.perf_counter() - t) * 1000, "peak_mb": status("VmHWM") - before}))
"""


def largest_allowed_pictures(folder: Path, kinds=None, w: int = 8000, h: int = 6000) -> dict[str, Path]:
    """48-megapixel pictures, just under the 50-megapixel limit, in the formats and modes that cost most to decode
    (all of them, or those named in ``kinds``): a dark square on a light ground, written into ``folder``."""
    from PIL import Image, ImageDraw

    rgb = Image.new("RGB", (w, h), (225, 220, 210))
    ImageDraw.Draw(rgb).rectangle((w // 3, h // 4, 2 * w // 3, 3 * h // 4), fill=(40, 60, 120))
    grey = np.asarray(rgb.convert("L")).astype(np.uint16) * 257
    clear = rgb.convert("RGBA")
    clear.putalpha(Image.linear_gradient("L").resize((w, h)))
    files = {
        "jpeg": (rgb, "jpg", {"quality": 90}),
        "png": (rgb, "png", {"compress_level": 1}),
        "png_16bit_grey": (Image.fromarray(grey), "png", {"compress_level": 1}),
        "png_transparent": (clear, "png", {"compress_level": 1}),
        "gif_palette": (rgb.convert("P"), "gif", {}),
        "webp": (rgb, "webp", {"quality": 80}),
    }
    out = {}
    for name, (img, ext, kw) in files.items():
        if kinds is not None and name not in kinds:
            continue
        out[name] = folder / f"{name}_{w}x{h}.{ext}"
        img.save(out[name], **kw)
    return out


def bench_memory() -> dict:
    """Each largest allowed picture, classified and segmented once in a fresh process: its time and the
    process's peak memory over what it held before the request (Linux: read from /proc)."""
    import json
    import subprocess
    import sys

    if not Path("/proc/self/clear_refs").exists():
        return {}
    folder = Path(tempfile.mkdtemp())
    small = folder / "small.jpg"
    from PIL import Image

    Image.open(EXAMPLES / "fashion" / "test0000_ankle_boot.png").convert("RGB").save(small)
    out = {}
    for name, path in largest_allowed_pictures(folder).items():
        for route in ("classify", "segment"):
            cmd = [sys.executable, "-c", _ONE_REQUEST, route, str(path), str(CHECKPOINTS), str(small)]
            r = subprocess.run(cmd, capture_output=True, text=True, cwd=PROJECT_DIR, timeout=300)
            out[f"{route}_48MP_{name}"] = json.loads(r.stdout.strip().splitlines()[-1]) if r.returncode == 0 else {"error": r.stderr[-300:]}
    return out


# --------------------------------------------------------------------------- HTTP


def bench_http(repeat: int) -> dict:
    from gradio_client import Client, handle_file
    from PIL import Image

    from .appserver import AppServer

    tmp = Path(tempfile.mkdtemp())
    photo = tmp / "boot.png"
    Image.fromarray(255 - np.asarray(Image.open(EXAMPLES / "fashion" / "test0000_ankle_boot.png"))).save(photo)
    facade = tmp / "facade.jpg"
    Image.open(sorted((EXAMPLES / "facade").glob("*.jpg"))[0]).convert("RGB").resize((1024, 768)).save(facade, quality=90)
    t0 = time.perf_counter()
    app = AppServer(CHECKPOINTS).start()
    try:
        client = Client(app.url, verbose=False)
        client.predict(handle_file(str(photo)), api_name="/classify")
        cold = time.perf_counter() - t0
        rss_start = app.rss_mb()
        out = {
            "cold_start_to_first_classify_s": cold,
            "http_classify": timeit(lambda: client.predict(handle_file(str(photo)), api_name="/classify"), repeat),
            "http_segment_1024x768": timeit(
                lambda: client.predict(handle_file(str(facade)), 0.5, api_name="/segment"), max(10, repeat // 2)
            ),
        }
        lean = Client(app.url, verbose=False, download_files=False)  # leave the output images on the server
        out["http_classify_no_download"] = timeit(lambda: lean.predict(handle_file(str(photo)), api_name="/classify"), repeat)
        out["http_floor_trivial_echo"] = _trivial_gradio_floor(repeat)
        done = 1 + 3 + repeat + 2 + max(10, repeat // 2) + 3 + repeat
        for _ in range(max(0, 100 - done)):
            client.predict(handle_file(str(photo)), api_name="/classify")
        out["rss_mb_after_start"] = rss_start
        out["rss_mb_after_100_requests"] = app.rss_mb()
    finally:
        app.stop()
    return out


def _trivial_gradio_floor(repeat: int) -> dict:
    """Round trip of a Gradio app that only echoes text: what any /classify pays before our code runs."""
    import gradio as gr
    from gradio_client import Client

    from .appserver import free_port

    with gr.Blocks() as demo:
        box = gr.Textbox()
        box.submit(lambda s: s, box, box, api_name="echo")
    port = free_port()
    demo.queue().launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        return timeit(lambda: client.predict("hi", api_name="/echo"), repeat)
    finally:
        demo.close()


# --------------------------------------------------------------------------- browser


def _answer_ms(pg, selector: str, act) -> float:
    """Wall time from an action to a new picture in ``selector`` (the answer the user sees)."""
    old = pg.evaluate("s => document.querySelector(s + ' img')?.getAttribute('src') || ''", selector)
    t = time.perf_counter()
    act()
    pg.wait_for_function(
        f"old => {{ const i = document.querySelector('{selector} img'); return i && i.getAttribute('src') !== old && i.complete; }}",
        arg=old,
        timeout=60_000,
    )
    return (time.perf_counter() - t) * 1000


def bench_browser(repeat: int) -> dict:
    """What a person feels in real Chromium: stroke-to-answer, upload-to-answer, drop-to-overlay, time to interactive."""
    from PIL import Image
    from playwright.sync_api import sync_playwright

    from .appserver import AppServer

    tmp = Path(tempfile.mkdtemp())
    photos = []
    for i, name in enumerate(sorted((EXAMPLES / "fashion").glob("test*.png"))[:4]):
        pic = Image.open(name).convert("L").resize((280, 280))
        photos.append(tmp / f"photo{i}.png")
        Image.fromarray(255 - np.asarray(pic)).save(photos[-1])  # dark garment on white, as a phone photo would be
    facades = []
    for i, name in enumerate(sorted((EXAMPLES / "facade").glob("*.jpg"))):
        facades.append(tmp / f"facade{i}.jpg")
        Image.open(name).convert("RGB").resize((1024, 768)).save(facades[-1], quality=90)
    out = {}
    with AppServer(CHECKPOINTS) as app, sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=os.environ.get("FASHSEG_CHROMIUM", "/usr/bin/chromium"),
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
        )
        tti = []
        for _ in range(3):
            pg = browser.new_page(viewport={"width": 1440, "height": 900})
            t = time.perf_counter()
            pg.goto(app.url)
            pg.locator("#canvas canvas[data-ready=true]").wait_for(timeout=60_000)  # its script ran: ready to draw
            tti.append((time.perf_counter() - t) * 1000)
            pg.close()
        out["browser_time_to_interactive"] = _stats(tti)
        pg = browser.new_page(viewport={"width": 1440, "height": 900})
        pg.goto(app.url)
        box = pg.locator("#canvas canvas[data-ready=true]").bounding_box()
        cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        w = h = box["width"]

        def stroke(x0, y0, x1, y1):
            pg.mouse.move(cx + x0 * w, cy + y0 * h)
            pg.mouse.down()
            pg.mouse.move(cx + x1 * w, cy + y1 * h, steps=5)

        def body():  # a bag's body first, so that every later stroke has something to classify
            for k in range(6):
                stroke(-0.25, -0.1 + 0.06 * k, 0.25, -0.1 + 0.06 * k)
                pg.mouse.up()

        _answer_ms(pg, "#seen", body)
        strokes = []
        for i in range(repeat + 2):  # then one timed stroke at a time, inside the garment
            y = -0.08 + 0.3 * ((i * 7) % 10) / 10
            stroke(-0.2, y, 0.2, y)
            strokes.append(_answer_ms(pg, "#seen", pg.mouse.up))
        out["browser_stroke_to_answer"] = _stats(strokes[2:])
        pg.get_by_role("tab", name="Upload").click()
        uploads = [
            _answer_ms(pg, "#seen", lambda f=photos[i % len(photos)]: pg.locator('#photo input[type="file"]').set_input_files(str(f)))
            for i in range(repeat + 2)
        ]
        out["browser_upload_280_to_answer"] = _stats(uploads[2:])
        pg.get_by_role("tab", name="Buildings").click()
        n = max(5, repeat // 2)
        drops = [
            _answer_ms(
                pg, "#overlay", lambda f=facades[i % len(facades)]: pg.locator('#building input[type="file"]').set_input_files(str(f))
            )
            for i in range(n + 1)
        ]
        out["browser_segment_1024x768_drop_to_overlay"] = _stats(drops[1:])
        out["browser_floor_trivial_gradio"] = _browser_floor(browser, repeat)
        browser.close()
    return out


def _browser_floor(browser, repeat: int) -> dict:
    """The same measurements on a Gradio app that only echoes text: what any answer costs before our code runs."""
    import gradio as gr

    from .appserver import free_port

    with gr.Blocks() as demo:
        box = gr.Textbox(elem_id="in")
        echo = gr.Textbox(elem_id="out")
        box.submit(lambda s: s, box, echo)
    port = free_port()
    demo.queue().launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        pg = browser.new_page()
        t = time.perf_counter()
        pg.goto(f"http://127.0.0.1:{port}/")
        pg.locator("#in textarea").wait_for()
        tti = (time.perf_counter() - t) * 1000
        times = []
        for i in range(repeat + 2):
            pg.locator("#in textarea").fill(f"hello {i}")
            t = time.perf_counter()
            pg.locator("#in textarea").press("Enter")
            pg.wait_for_function("v => document.querySelector('#out textarea').value === v", arg=f"hello {i}")
            times.append((time.perf_counter() - t) * 1000)
        return {**_stats(times[2:]), "time_to_interactive_ms": tti}
    finally:
        demo.close()


# --------------------------------------------------------------------------- training throughput


def _fashion_naive_loader(batch_size: int):
    """The textbook pipeline: torchvision dataset, per-sample PIL transforms and ToTensor, DataLoader."""
    from torch.utils.data import DataLoader
    from torchvision import transforms as T
    from torchvision.datasets import FashionMNIST

    from fashseg.data import resolve_fashion_root
    from fashseg.labels import FASHION_MEAN, FASHION_STD

    tf = T.Compose(
        [
            T.RandomCrop(28, padding=2),
            T.RandomHorizontalFlip(),
            T.ToTensor(),
            T.Normalize((FASHION_MEAN,), (FASHION_STD,)),
            T.RandomErasing(p=0.25),
        ]
    )
    ds = FashionMNIST(resolve_fashion_root(download=False), train=True, transform=tf)
    return DataLoader(ds, batch_size=batch_size, shuffle=True, num_workers=0)


def _train_rate(
    model, batches, steps: int, bs: int, cfg, amp: bool, channels_last: bool, label_smoothing: float = 0.0, ignore_index: int = -100
) -> float:
    """Images per second of training steps fed by ``batches()`` (after 3 warm-up steps)."""
    import torch.nn.functional as F

    from fashseg.training import autocast

    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    model.train()
    it = iter(batches())
    for i in range(steps + 3):
        if i == 3:
            t = time.perf_counter()
        x, y = next(it)
        if channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        with autocast(torch.device("cpu"), amp):
            logits = model(x)
        loss = F.cross_entropy(logits.float(), y, label_smoothing=label_smoothing, ignore_index=ignore_index)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return steps * bs / (time.perf_counter() - t)


def _ours_vs_naive(make_model, ours, naive, steps: int, bs: int, cfg, **loss) -> tuple[float, float]:
    """The same fresh model trained both ways: ours (bf16 where the hardware makes it faster, as train.py; channels-last) and the naive one (fp32)."""
    torch.manual_seed(0)
    fast = _train_rate(make_model().to(memory_format=torch.channels_last), ours, steps, bs, cfg, amp=None, channels_last=True, **loss)
    torch.manual_seed(0)
    naive_loss = {k: v for k, v in loss.items() if k != "ignore_index"}  # naive crops have no pixels outside the image
    slow = _train_rate(make_model(), naive, steps, bs, cfg, amp=False, channels_last=False, **naive_loss)
    return fast, slow


class _NaiveFacade(torch.utils.data.Dataset):
    """The textbook facade pipeline: JPEG and PNG opened per sample, PIL transforms, ToTensor."""

    def __init__(self, folder: Path, crop: int):
        from torchvision import transforms as T

        from fashseg.labels import FACADE_MEAN, FACADE_STD

        self.jpgs, self.crop = sorted(folder.glob("*.jpg")), crop
        self.jitter = T.ColorJitter(0.25, 0.25)
        self.norm = T.Compose([T.ToTensor(), T.Normalize(FACADE_MEAN, FACADE_STD)])

    def __len__(self):
        return len(self.jpgs)

    def __getitem__(self, i):
        import random

        from PIL import Image
        from torchvision.transforms import functional as TF

        img, lab = Image.open(self.jpgs[i]).convert("RGB"), Image.open(self.jpgs[i].with_suffix(".png"))
        side = max(self.crop, int(img.width * random.uniform(0.8, 1.3)))  # never smaller than the crop
        img, lab = img.resize((side, side), Image.BILINEAR), lab.resize((side, side), Image.NEAREST)
        top, left = random.randint(0, side - self.crop), random.randint(0, side - self.crop)
        img, lab = TF.crop(img, top, left, self.crop, self.crop), TF.crop(lab, top, left, self.crop, self.crop)
        if random.random() < 0.5:
            img, lab = TF.hflip(img), TF.hflip(lab)
        return self.norm(self.jitter(img)), torch.from_numpy(np.array(lab, dtype=np.int64))


def bench_training_facade(steps: int) -> dict:
    from fashseg.data import augment_facade, load_facade, normalize_facade, resolve_facade_dir
    from fashseg.models import FacadeUNet
    from fashseg.training import FacadeConfig

    cfg = FacadeConfig()
    bs = cfg.batch_size
    data = load_facade(None, "train")
    x_norm, y = normalize_facade(data.images), data.labels
    gen = torch.Generator().manual_seed(0)

    def ours():
        while True:
            idx = torch.randperm(len(x_norm), generator=gen)[:bs]
            yield augment_facade(x_norm[idx], y[idx], gen, cfg.crop)

    def naive():
        return torch.utils.data.DataLoader(
            _NaiveFacade(resolve_facade_dir() / "train", cfg.crop), batch_size=bs, shuffle=True, num_workers=0
        )

    ours_ips, naive_ips = _ours_vs_naive(lambda: FacadeUNet(cfg.base, cfg.depth), ours, naive, steps, bs, cfg, ignore_index=-1)
    return {
        "train_facade_images_per_s": ours_ips,
        "train_facade_naive_images_per_s": naive_ips,
        "train_facade_speedup": ours_ips / naive_ips,
        "facade_steps": steps,
    }


def time_to_accuracy(kind: str, images_per_s: float, n_train: int) -> dict:
    """Epochs and minutes until validation first reached the committed checkpoint's final figure.

    Read from the committed run's history (wall time on the machine that trained it);
    the minutes on this machine are extrapolated from its measured training throughput.
    """
    from fashseg.checkpoint import artefact, load_json

    m = load_json(artefact(CHECKPOINTS, kind, "metrics"))
    history = m["history"]
    key = "val_acc" if "val_acc" in history[-1] else "val_pixel_acc"
    target = history[-1][key]
    first = next(r for r in history if r[key] >= target)
    epoch_here = n_train / images_per_s / 60
    out = {
        f"{kind}_val_target": target,
        f"{kind}_epochs_to_target": float(first["epoch"]),
        f"{kind}_minutes_here_to_target_extrapolated": first["epoch"] * epoch_here,
        f"{kind}_minutes_here_full_run_extrapolated": len(history) * epoch_here,
    }
    if "wall_seconds" in first:
        out[f"{kind}_logged_minutes_to_target"] = first["wall_seconds"] / 60
    return out


def bench_training(steps: int) -> dict:
    from fashseg.data import augment_fashion, load_fashion, normalize_fashion
    from fashseg.models import FashionCNN
    from fashseg.training import FashionConfig

    cfg = FashionConfig()
    bs = cfg.batch_size

    # ours: whole set in memory, batched augmentation, bf16 autocast + channels_last
    x_all, y_all = load_fashion(download=False)
    x_norm = normalize_fashion(x_all)
    gen = torch.Generator().manual_seed(0)

    def ours():
        perm = torch.randperm(len(x_norm), generator=gen)
        for b in range(0, len(perm), bs):
            idx = perm[b : b + bs]
            yield augment_fashion(x_norm[idx], gen), y_all[idx]

    ours_ips, naive_ips = _ours_vs_naive(
        lambda: FashionCNN(cfg.widths), ours, lambda: _fashion_naive_loader(bs), steps, bs, cfg, label_smoothing=cfg.label_smoothing
    )
    # the data pipelines alone (no training step)
    t = time.perf_counter()
    for i, _ in enumerate(ours()):
        if i == steps:
            break
    ours_data = steps * bs / (time.perf_counter() - t)
    t = time.perf_counter()
    for i, _ in enumerate(_fashion_naive_loader(bs)):
        if i == steps:
            break
    naive_data = steps * bs / (time.perf_counter() - t)
    return {
        "train_fashion_images_per_s": ours_ips,
        "train_fashion_naive_images_per_s": naive_ips,
        "train_fashion_speedup": ours_ips / naive_ips,
        "data_fashion_images_per_s": ours_data,
        "data_fashion_naive_images_per_s": naive_data,
        "data_fashion_speedup": ours_data / naive_data,
        "steps": steps,
        "batch_size": bs,
    }


GOALS = {
    "classify_photo_280": ("p50_ms", "<=", 5),
    "classify_photo_280_png_file": ("p50_ms", "<=", 5),
    "classify_canvas_400": ("p50_ms", "<=", 5),
    "classify_canvas_400_data_url": ("p50_ms", "<=", 5),
    "classify_jpeg_4000x3000": ("p50_ms", "<=", 30),
    "segment_1024x768": ("p50_ms", "<=", 300),
    "segment_4000x3000": ("p50_ms", "<=", 1500),
    "http_classify": ("p50_ms", "<=", 60),
    "train_fashion_speedup": (None, ">=", 3),
    "train_facade_speedup": (None, ">=", 3),
    "cold_start_to_first_classify_s": (None, "<=", 15),
    "train_all_minutes_here_extrapolated": (None, "<=", 30),
    "browser_stroke_to_answer": ("p50_ms", "<=", 250),
    "browser_upload_280_to_answer": ("p50_ms", "<=", 300),
    "browser_segment_1024x768_drop_to_overlay": ("p50_ms", "<=", 600),
}


def report(results: dict) -> str:
    lines = [f"machine: {results['machine']}", "", f"{'figure':38s} {'p50':>10s} {'p95':>10s}  goal"]
    for section in ("inference", "http", "browser", "training"):
        if section == "http":
            for k, v in results.get("memory", {}).items():
                shown = f"{v['ms']:8.1f}ms  peak +{v['peak_mb']:.0f} MB" if "ms" in v else f"failed: {v['error']}"
                lines.append(f"{k:38s} {shown}")
        for k, v in results.get(section, {}).items():
            goal = GOALS.get(k)
            g = ""
            if goal:
                field, op, target = goal
                val = v[field] if field else v
                ok = val <= target if op == "<=" else val >= target
                g = f"{op} {target}  {'met' if ok else 'MISSED'}"
            if isinstance(v, dict):
                extra = f"  ({v['images_per_s']:.0f} images/s)" if "images_per_s" in v else ""
                lines.append(f"{k:38s} {v['p50_ms']:8.1f}ms {v['p95_ms']:8.1f}ms  {g}{extra}")
            else:
                lines.append(f"{k:38s} {v:10.2f} {'':>10s}  {g}")
    return "\n".join(lines)


def main(argv=None) -> int:
    global CHECKPOINTS
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repeat", type=int, default=50, help="timed runs per latency figure (default 50)")
    p.add_argument("--train-steps", type=int, default=40, help="training steps per throughput figure (default 40)")
    p.add_argument(
        "--skip", nargs="*", default=[], choices=["inference", "memory", "http", "browser", "training"], help="sections to leave out"
    )
    p.add_argument("--checkpoints", default=str(CHECKPOINT_DIR), help="checkpoint folder (default: the committed checkpoints/)")
    p.add_argument("--json", default="benchmarks/results.json", help="where to write the figures (default benchmarks/results.json)")
    args = p.parse_args(argv)
    CHECKPOINTS = Path(args.checkpoints)
    results = {"machine": machine(), "when": time.strftime("%Y-%m-%d %H:%M:%S")}
    if "inference" not in args.skip:
        results["inference"] = {**bench_classify(args.repeat), **bench_segment(args.repeat)}
    if "memory" not in args.skip:
        results["memory"] = bench_memory()
    if "http" not in args.skip:
        results["http"] = bench_http(args.repeat)
    if "browser" not in args.skip:
        results["browser"] = bench_browser(max(10, args.repeat // 2))
    if "training" not in args.skip:
        from fashseg.data import resolve_facade_dir
        from fashseg.training import FacadeConfig, FashionConfig

        t = {**bench_training(args.train_steps), **bench_training_facade(max(5, args.train_steps // 4))}
        n_facade = len(list((resolve_facade_dir() / "train").glob("*.jpg"))) - FacadeConfig.n_val
        t |= time_to_accuracy("fashion", t["train_fashion_images_per_s"], 60_000 - FashionConfig.n_val)
        t |= time_to_accuracy("facade", t["train_facade_images_per_s"], n_facade)
        t["train_all_minutes_here_extrapolated"] = (
            t["fashion_minutes_here_full_run_extrapolated"] + t["facade_minutes_here_full_run_extrapolated"]
        )
        results["training"] = t
    print(report(results))
    from fashseg.checkpoint import save_json

    save_json(results, args.json)
    print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

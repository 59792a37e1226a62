"""Load test: ``python -m tools.loadtest --clients 8 --seconds 60``.

Starts the app on a free loopback port (or targets ``--url``, which must be a
loopback address). First each hostile request alone (a 169-megapixel bomb sent
as a drawing, a 2,000-frame GIF, a data: URL bomb, a 200 MB body, and two
48-megapixel pictures just under the limit, which are answered),
measuring its server time and the app's peak memory over idle; then N
concurrent clients for T seconds mixing normal and hostile traffic on all three
endpoints. Prints requests served, throughput, latency percentiles, errors by
kind, the app's memory (start, peak, end) and the disk used by the upload cache.
Invalid inputs answered with their clear message count as handled, not as errors.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import io
import ipaddress
import json
import random
import socket
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import Request, urlopen

import numpy as np
from PIL import Image

from fashseg.data import PROJECT_DIR

from .bench import largest_allowed_pictures
from .hostile import overlapping_exif, saved, structure_bombs
from .sketches import draw

EXAMPLES = PROJECT_DIR / "examples"


def _png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def _many_frame_gif(n: int = 2000) -> bytes:
    frames = [Image.new("P", (64, 64), i % 256) for i in range(n)]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:])
    return buf.getvalue()


def _raw_json(url: str, api: str, data) -> None:
    """One call over the plain HTTP API (what a script would send); raises with the app's message."""
    req = Request(url + f"gradio_api/call/{api}", json.dumps({"data": data}).encode(), {"Content-Type": "application/json"})
    event = json.load(urlopen(req, timeout=120))["event_id"]
    stream = urlopen(url + f"gradio_api/call/{api}/{event}", timeout=120).read().decode()
    if "event: error" in stream:
        raise RuntimeError(stream.rsplit("data: ", 1)[-1])


def _huge_body(url: str, declared: int = 200 * 2**20) -> None:
    """Declare a 200 MB body and start sending it: the app must answer 413 without reading it."""
    u = urlparse(url)
    with socket.create_connection((u.hostname, u.port), timeout=30) as s:
        s.sendall(
            b"POST /gradio_api/call/classify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n" % declared + b'{"data": [{"path": "data:image/png;base64,' + b"A" * 2**20
        )
        reply = s.recv(4096)
    raise RuntimeError(reply.split(b"\r\n", 1)[0].decode())


def _make_inputs(folder: Path) -> list[tuple[str, object, str | None]]:
    """(name, request(client, url), expected error text or None) for each kind of request, normal then hostile."""
    from gradio_client import handle_file

    draw("Trouser", filled=True).save(folder / "trousers.png")
    Image.open(sorted((EXAMPLES / "facade").glob("*.jpg"))[0]).convert("RGB").resize((800, 600)).save(folder / "facade.jpg")
    (folder / "notes.txt").write_text("not an image")
    Image.new("RGB", (300, 300), "white").save(folder / "blank.png")
    (folder / "bomb.png").write_bytes(_png(Image.new("1", (13000, 13000))))  # 169 MP declared, 20 KB on disk
    (folder / "many.gif").write_bytes(_many_frame_gif())
    big = largest_allowed_pictures(folder, kinds=("png_16bit_grey", "gif_palette"))  # answered, not refused
    # 1 MB whose EXIF copies one megabyte into 2,000 tags (1.9 GB when Pillow read it), answered; 1.5 MB of GIF comments (5.8 s)
    (folder / "exif_copies.png").write_bytes(saved("PNG", draw("Trouser", filled=True), exif=overlapping_exif(2_000, 1_000_000)))
    (folder / "comments.gif").write_bytes(dict(structure_bombs(500_000))["empty GIF comments"])
    bomb_url = "data:image/png;base64," + base64.b64encode((folder / "bomb.png").read_bytes()).decode()
    f = lambda n: handle_file(str(folder / n))  # noqa: E731
    api = lambda name, *args: lambda client, url: client.predict(*args, api_name=name)  # noqa: E731
    return [
        ("classify", api("/classify", f("trousers.png")), None),
        ("classify_blank", api("/classify", f("blank.png")), "blank"),
        ("classify_text", api("/classify", f("notes.txt")), "not a picture"),
        ("classify_drawing", api("/classify_drawing", f("trousers.png")), None),
        ("segment", api("/segment", f("facade.jpg"), 0.5), None),
        ("segment_text", api("/segment", f("notes.txt"), 0.5), "not a picture"),
        # hostile
        ("drawing_bomb", api("/classify_drawing", f("bomb.png")), "megapixels"),
        ("gif_2000_frames", api("/classify", f("many.gif")), "blank"),
        ("bomb_upload", api("/segment", f("bomb.png"), 0.5), "megapixels"),
        ("grey16_48MP", api("/classify", f(big["png_16bit_grey"].name)), None),
        ("palette_48MP_segment", api("/segment", f(big["gif_palette"].name), 0.5), None),
        ("exif_copies_png", api("/classify", f("exif_copies.png")), None),
        ("gif_500000_comments", api("/classify", f("comments.gif")), "pieces"),
        (
            "data_url_bomb",
            lambda client, url: _raw_json(url, "classify", [{"path": bomb_url, "meta": {"_type": "gradio.FileData"}}]),
            "PNG",
        ),
        ("body_200MB", lambda client, url: _huge_body(url), "413"),
    ]


NORMAL_WEIGHTS = [4, 1, 1, 2, 3, 1]
HOSTILE_WEIGHTS = [1, 1, 1, 1, 1, 1, 1, 1, 1]


def _outcome(request, client, url, expect, name) -> str:
    try:
        request(client, url)
        return "ok" if expect is None else f"unexpected_success:{name}"
    except Exception as e:  # gradio_client raises AppError with the app's message
        msg = str(e)
        return "handled" if expect and expect in msg else f"unexpected_error:{name}:{type(e).__name__}:{msg[:80]}"


@dataclass
class Stats:
    latencies: list = field(default_factory=list)
    outcomes: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, ms: float, outcome: str) -> None:
        with self.lock:
            self.latencies.append(ms)
            self.outcomes[outcome] += 1


def _client_loop(url: str, inputs, deadline: float, stats: Stats, seed: int, weights) -> None:
    from gradio_client import Client

    rng = random.Random(seed)
    client = Client(url, verbose=False)
    while time.time() < deadline:
        name, request, expect = rng.choices(inputs, weights=weights)[0]
        t = time.perf_counter()
        outcome = _outcome(request, client, url, expect, name)
        stats.add((time.perf_counter() - t) * 1000, outcome)


def _warm_up(url: str, inputs, clients: int) -> None:
    """Every kind of request a few times, concurrently, so one-off allocations do not count as growth."""
    from gradio_client import Client

    def once(i):
        client = Client(url, verbose=False)
        for _ in range(3):
            for name, request, expect in inputs:
                _outcome(request, client, url, expect, name)

    threads = [threading.Thread(target=once, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)


class Monitor:
    """Samples the app's memory every 20 ms and the upload cache's size every second, in a thread."""

    def __init__(self, app, cache_dir: Path | None):
        self.app, self.cache_dir = app, cache_dir
        self.peak_mb = self.cache_peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def cache_mb(self) -> float:
        if self.cache_dir is None or not self.cache_dir.exists():
            return 0.0
        return sum(p.stat().st_size for p in self.cache_dir.rglob("*") if p.is_file()) / 2**20

    def _run(self):
        n = 0
        while not self._stop.is_set():
            self.peak_mb = max(self.peak_mb, self.app.rss_mb())
            if n % 50 == 0:
                self.cache_peak_mb = max(self.cache_peak_mb, self.cache_mb())
            n += 1
            time.sleep(0.02)

    def reset_peak(self) -> None:
        self.peak_mb = self.app.rss_mb()

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def _solo(url: str, inputs, monitor: Monitor | None) -> dict:
    """Each hostile request alone on an idle app: its wall time and the app's peak memory over idle."""
    from gradio_client import Client

    client = Client(url, verbose=False)
    out = {}
    for name, request, expect in inputs[len(NORMAL_WEIGHTS) :]:
        time.sleep(0.3)
        idle = monitor.app.rss_mb() if monitor else None
        if monitor:
            monitor.reset_peak()
        t = time.perf_counter()
        outcome = _outcome(request, client, url, expect, name)
        ms = (time.perf_counter() - t) * 1000
        time.sleep(0.1)
        out[name] = {"outcome": outcome, "ms": ms, "peak_over_idle_mb": (monitor.peak_mb - idle) if monitor else None}
    return out


def check_loopback(url: str) -> None:
    host = urlparse(url).hostname or ""
    try:
        ok = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        ok = False
    if not ok:
        raise SystemExit(f"refusing to load-test {url}: only loopback addresses (127.0.0.0/8, ::1, localhost) are allowed")


def run(
    clients: int = 8,
    seconds: float = 60,
    url: str | None = None,
    checkpoints: str | None = None,
    app_log: str | None = None,
    hostile: bool = True,
) -> dict:
    from .appserver import AppServer

    app = None
    if url is None:
        app = AppServer(checkpoints, log=app_log).start()
        url = app.url
    check_loopback(url)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            inputs = _make_inputs(Path(tmp))
            weights = NORMAL_WEIGHTS + (HOSTILE_WEIGHTS if hostile else [0] * len(HOSTILE_WEIGHTS))
            _warm_up(url, inputs, clients)
            with Monitor(app, app.cache_dir) if app else contextlib.nullcontext() as monitor:
                solo = _solo(url, inputs, monitor) if hostile else {}
                rss_start = app.rss_mb() if app else None
                if monitor:
                    monitor.reset_peak()
                stats = Stats()
                deadline = time.time() + seconds
                threads = [
                    threading.Thread(target=_client_loop, args=(url, inputs, deadline, stats, i, weights), daemon=True)
                    for i in range(clients)
                ]
                t0 = time.perf_counter()
                for t in threads:
                    t.start()
                for t in threads:
                    t.join(seconds + 120)
                wall = time.perf_counter() - t0
                rss_end = app.rss_mb() if app else None
                cache_end = monitor.cache_mb() if monitor else None
    finally:
        if app:
            app.stop()
    lat = np.array(stats.latencies) if stats.latencies else np.zeros(1)
    unexpected = {k: v for k, v in stats.outcomes.items() if k not in ("ok", "handled")}
    unexpected.update({f"solo:{k}:{v['outcome']}": 1 for k, v in solo.items() if v["outcome"] not in ("ok", "handled")})
    return {
        "clients": clients,
        "seconds": seconds,
        "requests": len(stats.latencies),
        "throughput_rps": len(stats.latencies) / wall,
        "p50_ms": float(np.percentile(lat, 50)),
        "p95_ms": float(np.percentile(lat, 95)),
        "p99_ms": float(np.percentile(lat, 99)),
        "ok": stats.outcomes["ok"],
        "handled_invalid": stats.outcomes["handled"],
        "unexpected": unexpected,
        "hostile_alone": solo,
        "rss_mb_start": rss_start,
        "rss_mb_peak": monitor.peak_mb if app else None,
        "rss_mb_end": rss_end,
        "rss_growth_mb": (rss_end - rss_start) if app else None,
        "upload_cache_mb_peak": monitor.cache_peak_mb if app else None,
        "upload_cache_mb_end": cache_end,
    }


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--seconds", type=float, default=60)
    p.add_argument("--url", help="a running app on a loopback address (default: start one)")
    p.add_argument("--checkpoints", help="checkpoint folder for the app it starts (default: checkpoints/)")
    p.add_argument("--json", help="also write the figures here")
    p.add_argument("--app-log", help="write the started app's output here")
    p.add_argument("--no-hostile", action="store_true", help="normal traffic only")
    args = p.parse_args(argv)
    if args.url:
        check_loopback(args.url)
    r = run(args.clients, args.seconds, args.url, args.checkpoints, args.app_log, hostile=not args.no_hostile)
    for k, v in r.items():
        if k == "hostile_alone":
            for name, h in v.items():
                mem = "" if h["peak_over_idle_mb"] is None else f", peak {h['peak_over_idle_mb']:+.0f} MB over idle"
                print(f"  alone: {name:16s} {h['outcome']:8s} {h['ms']:7.0f} ms{mem}")
        else:
            print(f"{k:22s} {v:.1f}" if isinstance(v, float) else f"{k:22s} {v}")
    if args.json:
        from fashseg.checkpoint import save_json

        save_json(r, args.json)
    growth_ok = r["rss_growth_mb"] is None or r["rss_growth_mb"] < 100
    print("PASS" if not r["unexpected"] and growth_ok else "FAIL", "(zero unexpected errors, memory growth < 100 MB)")
    return 0 if not r["unexpected"] and growth_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

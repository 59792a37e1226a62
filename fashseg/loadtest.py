"""Load test: ``python -m fashseg.loadtest --clients 8 --seconds 60``.

Starts the app on a free loopback port (or targets ``--url``, which must be a
loopback address), runs N concurrent gradio_client clients for T seconds mixing
/classify and /segment with valid and invalid inputs, and prints requests
served, throughput, latency percentiles, errors by kind and the app's memory.
Invalid inputs answered with their clear message count as handled, not as errors.
"""

from __future__ import annotations

import argparse
import ipaddress
import random
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
from PIL import Image

from .data import PROJECT_DIR
from .sketches import draw

EXAMPLES = PROJECT_DIR / "examples"


def _make_inputs(folder: Path) -> list[tuple[str, str, tuple, str | None]]:
    """(name, api, args, expected error text or None) for each kind of request."""
    from gradio_client import handle_file

    draw("Trouser", filled=True).save(folder / "trousers.png")
    Image.open(sorted((EXAMPLES / "facade").glob("*.jpg"))[0]).convert("RGB").resize((800, 600)).save(folder / "facade.jpg")
    (folder / "notes.txt").write_text("not an image")
    Image.new("RGB", (300, 300), "white").save(folder / "blank.png")
    f = lambda n: handle_file(str(folder / n))  # noqa: E731
    return [
        ("classify", "/classify", (f("trousers.png"),), None),
        ("classify_blank", "/classify", (f("blank.png"),), "blank"),
        ("classify_text", "/classify", (f("notes.txt"),), "not an image"),
        ("segment", "/segment", (f("facade.jpg"), 0.5), None),
        ("segment_text", "/segment", (f("notes.txt"), 0.5), "not an image"),
    ]


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
        name, api, args, expect = rng.choices(inputs, weights=weights)[0]
        t = time.perf_counter()
        try:
            client.predict(*args, api_name=api)
            outcome = "ok" if expect is None else f"unexpected_success:{name}"
        except Exception as e:  # gradio_client raises AppError with the app's message
            msg = str(e)
            outcome = "handled" if expect and expect in msg else f"unexpected_error:{name}:{type(e).__name__}:{msg[:80]}"
        stats.add((time.perf_counter() - t) * 1000, outcome)


def _warm_up(url: str, inputs, clients: int) -> None:
    """Every kind of request a few times, concurrently, so one-off allocations do not count as growth."""
    from gradio_client import Client

    def once(i):
        client = Client(url, verbose=False)
        for _ in range(3):
            for _, api, args, _ in inputs:
                try:
                    client.predict(*args, api_name=api)
                except Exception:
                    pass

    threads = [threading.Thread(target=once, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)


def check_loopback(url: str) -> None:
    host = urlparse(url).hostname or ""
    try:
        ok = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        ok = False
    if not ok:
        raise SystemExit(f"refusing to load-test {url}: only loopback addresses (127.0.0.0/8, ::1, localhost) are allowed")


def run(clients: int = 8, seconds: float = 60, url: str | None = None, checkpoints: str | None = None, app_log: str | None = None) -> dict:
    from .appserver import AppServer

    app = None
    if url is None:
        app = AppServer(checkpoints, log=app_log).start()
        url = app.url
    check_loopback(url)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            inputs = _make_inputs(Path(tmp))
            weights = [4, 1, 1, 3, 1]
            _warm_up(url, inputs, clients)
            rss_start = app.rss_mb() if app else None
            stats = Stats()
            deadline = time.time() + seconds
            threads = [
                threading.Thread(target=_client_loop, args=(url, inputs, deadline, stats, i, weights), daemon=True) for i in range(clients)
            ]
            t0 = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join(seconds + 120)
            wall = time.perf_counter() - t0
            rss_end = app.rss_mb() if app else None
    finally:
        if app:
            app.stop()
    lat = np.array(stats.latencies) if stats.latencies else np.zeros(1)
    unexpected = {k: v for k, v in stats.outcomes.items() if k not in ("ok", "handled")}
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
        "rss_mb_start": rss_start,
        "rss_mb_end": rss_end,
        "rss_growth_mb": (rss_end - rss_start) if app else None,
    }


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--seconds", type=float, default=60)
    p.add_argument("--url", help="a running app on a loopback address (default: start one)")
    p.add_argument("--checkpoints", help="checkpoint folder for the app it starts (default: checkpoints/)")
    p.add_argument("--json", help="also write the figures here")
    p.add_argument("--app-log", help="write the started app's output here")
    args = p.parse_args(argv)
    if args.url:
        check_loopback(args.url)
    r = run(args.clients, args.seconds, args.url, args.checkpoints, args.app_log)
    for k, v in r.items():
        print(f"{k:18s} {v:.1f}" if isinstance(v, float) else f"{k:18s} {v}")
    if args.json:
        from .checkpoint import save_json

        save_json(r, args.json)
    growth_ok = r["rss_growth_mb"] is None or r["rss_growth_mb"] < 100
    print("PASS" if not r["unexpected"] and growth_ok else "FAIL", "(zero unexpected errors, memory growth < 100 MB)")
    return 0 if not r["unexpected"] and growth_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

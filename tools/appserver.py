"""Start ``app.py`` in a child process on a free loopback port (tests, benchmarks, load tests)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from fashseg.data import PROJECT_DIR


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AppServer:
    """``with AppServer() as app: Client(app.url)``; always bound to 127.0.0.1."""

    def __init__(self, checkpoints: str | Path | None = None, port: int | None = None, timeout: float = 120, log: str | Path | None = None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.env = dict(os.environ, GRADIO_ANALYTICS_ENABLED="False", PYTHONUNBUFFERED="1", MPLBACKEND="Agg")
        if checkpoints is not None:
            self.env["FASHSEG_CHECKPOINTS"] = str(checkpoints)
        self.timeout, self.log = timeout, log
        # its own upload cache, so that load tests can measure it and nothing is left behind
        self.cache_dir = Path(tempfile.mkdtemp(prefix="fashseg-uploads-"))
        self.env["GRADIO_TEMP_DIR"] = str(self.cache_dir)
        self.proc: subprocess.Popen | None = None
        self.started_at = self.ready_at = 0.0

    def start(self) -> AppServer:
        out = open(self.log, "wb") if self.log else subprocess.DEVNULL
        self.started_at = time.perf_counter()
        self.proc = subprocess.Popen(
            [sys.executable, str(PROJECT_DIR / "app.py"), "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=PROJECT_DIR,
            env=self.env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        deadline = time.time() + self.timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"app.py exited with code {self.proc.returncode} before serving" + (f"; see {self.log}" if self.log else "")
                )
            try:
                with urllib.request.urlopen(self.url + "config", timeout=2) as r:
                    if r.status == 200:
                        self.ready_at = time.perf_counter()
                        return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise TimeoutError(f"app.py did not serve {self.url} within {self.timeout:.0f}s")

    def rss_mb(self) -> float:
        import psutil

        return psutil.Process(self.proc.pid).memory_info().rss / 2**20

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.cache_dir, ignore_errors=True)

    def __enter__(self) -> AppServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

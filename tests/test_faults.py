"""Fault tests: killed training, crashes while saving, broken files under the app, concurrency."""

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import torch
from conftest import CHECKPOINTS, ROOT
from gradio_client import Client, handle_file
from PIL import Image

import train
from fashseg import checkpoint as C
from tools.appserver import AppServer
from tools.sketches import draw

EXAMPLES = ROOT / "examples"


def _epoch(path):
    try:
        return C.load_checkpoint(path)["epoch"]
    except C.CheckpointError:
        return None


def test_sigkill_mid_epoch_then_resume(tmp_path, fake_fashion):
    out = tmp_path / "run"
    cmd = [
        sys.executable,
        "train.py",
        "fashion",
        "--data-dir",
        str(fake_fashion),
        "--out",
        str(out),
        "--epochs",
        "4",
        "--batch-size",
        "2",
        "--threads",
        "1",
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 240
    while time.time() < deadline and _epoch(out / "fashion.last.pt") is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    assert proc.returncode == -signal.SIGKILL
    killed_at = _epoch(out / "fashion.last.pt")
    assert killed_at is not None and killed_at < 4  # the resumable state survived the kill
    assert not (out / "fashion.pt").exists()  # no final checkpoint from a half-finished run

    r = subprocess.run([*cmd, "--resume"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    assert f"resumed fashion from {out / 'fashion.last.pt'} after epoch {killed_at}" in r.stdout + r.stderr
    model, ck = C.load_model(out / "fashion.pt", "fashion")
    assert [h["epoch"] for h in ck["history"]] == [1, 2, 3, 4]
    metrics = json.loads((out / "fashion_metrics.json").read_text())
    assert metrics["epochs"] == 4 and len(metrics["history"]) == 4


def test_crash_while_saving_keeps_the_previous_state_loadable(tmp_path, fake_fashion, monkeypatch):
    out = tmp_path / "run"
    args = ["fashion", "--data-dir", str(fake_fashion), "--out", str(out), "--epochs", "3", "--batch-size", "64"]
    real_save = torch.save
    calls = {"n": 0}

    def crashing_save(obj, f, *a, **k):
        calls["n"] += 1
        if calls["n"] == 2:  # the second epoch's state: write half, then die
            f.write(b"\x80\x02partial")
            raise OSError("disk full (simulated)")
        return real_save(obj, f, *a, **k)

    monkeypatch.setattr(torch, "save", crashing_save)
    with pytest.raises(OSError, match="simulated"):
        train.main(args)
    assert _epoch(out / "fashion.last.pt") == 1  # the epoch-1 state is intact
    assert not list(out.glob(".*.tmp"))  # the half-written temp file was removed
    monkeypatch.setattr(torch, "save", real_save)
    assert train.main([*args, "--resume"]) == 0
    assert C.load_checkpoint(out / "fashion.pt")["epoch"] == 3


@pytest.fixture(scope="module")
def broken_app(tmp_path_factory, tiny_checkpoints):
    """The app over a folder with a truncated classifier, and artefacts missing for the segmenter."""
    d = tmp_path_factory.mktemp("broken")
    shutil.copytree(tiny_checkpoints, d, dirs_exist_ok=True)
    data = (d / "fashion.pt").read_bytes()
    (d / "fashion.pt").write_bytes(data[: len(data) // 3])
    (d / "facade_examples.npz").unlink()
    with AppServer(d) as app:
        yield app, Client(app.url, verbose=False)


def test_app_with_truncated_checkpoint_and_missing_artefact_still_serves(broken_app, tmp_path):
    app, client = broken_app
    path = tmp_path / "t.png"
    draw("Trouser", filled=True).save(path)
    with pytest.raises(Exception, match=r"fashion.pt is unreadable.*python train.py fashion"):
        client.predict(handle_file(str(path)), api_name="/classify")
    facade = tmp_path / "f.jpg"
    Image.open(sorted((EXAMPLES / "facade").glob("*.jpg"))[0]).save(facade)
    overlay, *_ = client.predict(handle_file(str(facade)), 0.5, api_name="/segment")
    assert Image.open(overlay).size == (256, 256)
    import urllib.request

    page = urllib.request.urlopen(app.url + "config").read().decode()
    assert "facade_examples.npz is missing" in page and "train.py evaluate" in page


def test_app_with_checkpoint_of_wrong_architecture(tmp_path, tiny_checkpoints):
    d = tmp_path / "ck"
    shutil.copytree(tiny_checkpoints, d)
    ck = C.load_checkpoint(d / "facade.pt")
    ck["model_config"]["base"] = ck["model_config"]["base"] * 2
    C.save_torch(ck, d / "facade.pt")
    with AppServer(d) as app:
        client = Client(app.url, verbose=False)
        path = tmp_path / "f.jpg"
        Image.new("RGB", (64, 64), "grey").save(path)
        with pytest.raises(Exception, match="do not fit the stored architecture"):
            client.predict(handle_file(str(path)), 0.5, api_name="/segment")
        label, *_ = client.predict(handle_file(str(EXAMPLES / "fashion" / "test0002_trouser.png")), api_name="/classify")
        assert len(label["confidences"]) == 10


def test_concurrent_requests_match_sequential_ones(tmp_path):
    paths = []
    for i, name in enumerate(["Trouser", "Bag", "Sneaker", "T-shirt/top"]):
        p = tmp_path / f"c{i}.png"
        draw(name, filled=bool(i % 2)).save(p)
        paths.append(("/classify", p))
    for i, src in enumerate(sorted((EXAMPLES / "facade").glob("*.jpg"))):
        p = tmp_path / f"s{i}.jpg"
        Image.open(src).resize((320 + 40 * i, 240)).save(p)
        paths.append(("/segment", p))

    def call(client, api, p):
        if api == "/classify":
            label, *_ = client.predict(handle_file(str(p)), api_name=api)
            return label["label"], [round(c["confidence"], 5) for c in label["confidences"]]
        _, _, shares, png = client.predict(handle_file(str(p)), 0.5, api_name=api)
        return (
            shares["label"],
            [round(c["confidence"], 5) for c in shares["confidences"]],
            np.asarray(Image.open(png)).ravel()[::97].tolist(),
        )

    with AppServer(CHECKPOINTS) as app:
        client = Client(app.url, verbose=False)
        sequential = [call(client, api, p) for api, p in paths]
        # One client per thread, as a browser tab is one user: gradio_client's shared event stream can
        # drop a job that two threads of one Client submit while its stream closes (CancelledError in CI).
        local = threading.local()

        def concurrent_call(job):
            if not hasattr(local, "client"):
                local.client = Client(app.url, verbose=False)
            return call(local.client, *job)

        with ThreadPoolExecutor(8) as pool:
            concurrent = list(pool.map(concurrent_call, paths * 3))
    assert concurrent == sequential * 3


def test_short_load_test_has_no_unexpected_errors():
    from tools.loadtest import run

    r = run(clients=3, seconds=6)
    assert r["requests"] > 5
    assert r["unexpected"] == {}
    assert r["ok"] > 0 and r["handled_invalid"] > 0
    # every hostile request was tried alone first and answered as expected
    assert set(r["hostile_alone"]) == {
        "drawing_bomb",
        "gif_2000_frames",
        "bomb_upload",
        "grey16_48MP",
        "palette_48MP_segment",
        "exif_copies_png",
        "gif_500000_comments",
        "data_url_bomb",
        "body_200MB",
    }
    assert all(h["outcome"] in ("ok", "handled") for h in r["hostile_alone"].values())
    assert r["upload_cache_mb_end"] > 0  # the app's own cache folder is the one measured


def test_load_test_refuses_non_loopback_targets():
    from tools.loadtest import check_loopback

    check_loopback("http://127.0.0.1:7860/")
    with pytest.raises(SystemExit, match="only loopback"):
        check_loopback("http://10.0.0.5:7860/")


def test_benchmark_command_runs_and_writes_json(tmp_path):
    from tools import bench

    out = tmp_path / "bench.json"
    assert bench.main(["--repeat", "2", "--skip", "http", "browser", "training", "--json", str(out)]) == 0
    r = json.loads(out.read_text())
    assert r["machine"]["cores"] == os.cpu_count()
    assert r["inference"]["segment_4000x3000"]["p50_ms"] > 0 and r["inference"]["classify_batch256"]["images_per_s"] > 0
    assert r["inference"]["classify_jpeg_4000x3000"]["p50_ms"] > 0
    # as the app receives them too: the photo as a PNG file, the canvas as its PNG data: URL
    assert r["inference"]["classify_photo_280_png_file"]["p50_ms"] > 0 and r["inference"]["classify_canvas_400_data_url"]["p50_ms"] > 0


def test_time_to_accuracy_reads_the_committed_history():
    from tools import bench

    m = json.loads((bench.CHECKPOINTS / "facade_metrics.json").read_text())
    r = bench.time_to_accuracy("facade", images_per_s=20.0, n_train=816)
    first = int(r["facade_epochs_to_target"])
    assert r["facade_val_target"] == m["history"][-1]["val_pixel_acc"]
    assert 1 <= first <= m["epochs"] and all(h["val_pixel_acc"] < r["facade_val_target"] for h in m["history"][: first - 1])
    assert r["facade_minutes_here_full_run_extrapolated"] == pytest.approx(m["epochs"] * 816 / 20.0 / 60)
    assert r["facade_logged_minutes_to_target"] == pytest.approx(m["history"][first - 1]["wall_seconds"] / 60)

import json
import subprocess
import sys
from dataclasses import asdict

import numpy as np
import torch
from conftest import CHECKPOINTS, ROOT

import train
from fashseg.checkpoint import load_checkpoint, load_model, load_npz
from fashseg.training import FacadeConfig, FashionConfig


def test_train_py_writes_checkpoints_and_artefacts(tiny_checkpoints):
    for kind in ("fashion", "facade"):
        model, ck = load_model(tiny_checkpoints / f"{kind}.pt", kind)
        assert ck["epoch"] == 1 and len(ck["history"]) == 1
        assert ck["versions"]["torch"] == torch.__version__
        assert ck["normalization"]["mean"] and ck["classes"]
        assert (tiny_checkpoints / f"{kind}.last.pt").exists()
    fm = json.loads((tiny_checkpoints / "fashion_metrics.json").read_text())
    assert 0 <= fm["test_accuracy"] <= 1 and len(fm["per_class_accuracy"]) == 10
    assert np.array(fm["confusion_matrix"]).sum() == fm["test_size"] == 100
    ex = load_npz(tiny_checkpoints / "fashion_examples.npz")
    assert ex["gallery_image"].shape[1:] == (28, 28)
    assert (ex["wrong_true"] != ex["wrong_pred"]).all()
    sm = json.loads((tiny_checkpoints / "facade_metrics.json").read_text())
    assert set(sm["per_class_ap"]) == {"others", "facade", "pillar", "window", "balcony"}
    assert sm["mean_ap"] == np.mean(list(sm["per_class_ap"].values()))
    assert load_checkpoint(tiny_checkpoints / "facade.pt")["colors"][1] == [0, 128, 255]


def test_evaluate_reproduces_stored_metrics(tiny_checkpoints, fake_fashion, fake_facade):
    before = json.loads((tiny_checkpoints / "facade_metrics.json").read_text())
    assert train.main(["evaluate", "--out", str(tiny_checkpoints), "--data-dir", str(fake_fashion), "--facade-dir", str(fake_facade)]) == 0
    after = json.loads((tiny_checkpoints / "facade_metrics.json").read_text())
    assert after["mean_ap"] == before["mean_ap"] and after["test_loss"] == before["test_loss"]


def test_resume_continues_to_the_same_result(tmp_path, fake_fashion):
    common = ["fashion", "--data-dir", str(fake_fashion), "--batch-size", "32", "--limit", "200"]
    assert train.main([*common, "--out", str(tmp_path / "a"), "--epochs", "2"]) == 0
    # the interrupted run: stops after epoch 1 of 2, then resumes
    b = tmp_path / "b"
    assert train.main([*common, "--out", str(b), "--epochs", "2", "--stop-after", "1"]) == 0
    assert load_checkpoint(b / "fashion.last.pt")["epoch"] == 1 and not (b / "fashion.pt").exists()
    assert train.main([*common, "--out", str(b), "--epochs", "2", "--resume"]) == 0
    a = load_checkpoint(tmp_path / "a" / "fashion.pt")
    b = load_checkpoint(b / "fashion.pt")
    assert [r["epoch"] for r in b["history"]] == [1, 2]
    for k in a["state_dict"]:
        torch.testing.assert_close(a["state_dict"][k], b["state_dict"][k], rtol=1e-4, atol=1e-5)


def test_missing_data_gives_a_clear_error_and_exit_code(tmp_path):
    r = subprocess.run(
        [sys.executable, "train.py", "facade", "--facade-dir", str(tmp_path / "none"), "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2
    assert "Mini Facade data set not found" in r.stderr and "Traceback" not in r.stderr


def test_help_lists_the_options():
    r = subprocess.run([sys.executable, "train.py", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    for opt in (
        "--epochs",
        "--batch-size",
        "--lr",
        "--weight-decay",
        "--seed",
        "--data-dir",
        "--facade-dir",
        "--out",
        "--device",
        "--resume",
    ):
        assert opt in r.stdout


ADDED_SINCE = {"init_seed": None}  # options added after a checkpoint was trained, whose defaults train as before


def test_init_seed_varies_the_start_and_keeps_the_validation_data(tiny_checkpoints, fake_fashion, tmp_path):
    """Seeds compared on the same validation images and renditions: only initialisation and batch order move."""
    a = train.make_config(FashionConfig, train.parse_args(["--init-seed", "3"]), "data_dir")
    assert (a.seed, a.run_seed) == (0, 3) and FashionConfig(seed=5).run_seed == 5
    args = ["fashion", "--out", str(tmp_path), "--epochs", "1", "--data-dir", str(fake_fashion), "--batch-size", "4"]
    assert train.main([*args, "--init-seed", "3"]) == 0
    base, other = (load_checkpoint(d / "fashion.pt") for d in (tiny_checkpoints, tmp_path))
    assert other["train_args"]["init_seed"] == 3 and other["train_args"]["seed"] == base["train_args"]["seed"] == 0
    assert not torch.equal(base["state_dict"]["stem.weight"], other["state_dict"]["stem.weight"])


def test_defaults_are_the_committed_recipe():
    """``python train.py`` with no options trains what is committed (argparse leaves the configs' defaults alone)."""
    args = train.parse_args([])
    for kind, cls, key in (("fashion", FashionConfig, "data_dir"), ("facade", FacadeConfig, "facade_dir")):
        stored = {**ADDED_SINCE, **load_checkpoint(CHECKPOINTS / f"{kind}.pt")["train_args"]}
        cfg = asdict(train.make_config(cls, args, key))
        assert {k: list(v) if isinstance(v, tuple) else v for k, v in cfg.items()} == stored, kind


def test_one_loop_history_records_wall_time_and_device(tiny_checkpoints):
    for kind in ("fashion", "facade"):
        ck = load_checkpoint(tiny_checkpoints / f"{kind}.pt")
        assert ck["history"][-1]["wall_seconds"] >= ck["history"][-1]["seconds"] > 0
        assert ck["device"].startswith("cpu")


def test_rethreshold_chooses_the_canvas_threshold_again_keeping_the_weights(tiny_checkpoints, fake_fashion, fake_facade, tmp_path):
    """After a change to the drawing path, `train.py rethreshold` re-runs the validation choice and re-evaluates."""
    import shutil

    for f in tiny_checkpoints.iterdir():
        shutil.copy(f, tmp_path / f.name)
    ck = load_checkpoint(tmp_path / "fashion.pt")
    chosen = ck["ood"]["drawing_threshold"]
    torch.save({**ck, "ood": {**ck["ood"], "drawing_threshold": 0.999}}, tmp_path / "fashion.pt")  # as if chosen for another path
    args = ["rethreshold", "--out", str(tmp_path), "--data-dir", str(fake_fashion), "--facade-dir", str(fake_facade)]
    assert train.main(args) == 0
    after = load_checkpoint(tmp_path / "fashion.pt")
    assert after["ood"]["drawing_threshold"] == chosen  # the same seeded validation pictures, the same network
    assert after["ood"]["threshold"] == ck["ood"]["threshold"]
    assert all(torch.equal(after["state_dict"][k], v) for k, v in ck["state_dict"].items())
    metrics = json.loads((tmp_path / "fashion_metrics.json").read_text())
    assert metrics["not_clothing_drawing_threshold"] == chosen


def test_training_stores_a_calibration_and_calibrate_fits_it_again(tiny_checkpoints, fake_fashion, fake_facade, tmp_path):
    """Training ends by fitting a temperature on validation; `train.py calibrate` fits it and both thresholds
    again (for a checkpoint from before calibration), keeping the weights; evaluation reports it."""
    import shutil

    from fashseg.inference import Classifier

    ck = load_checkpoint(tiny_checkpoints / "fashion.pt")
    assert 0.25 <= ck["calibration"]["temperature"] <= 4.0 and "val_ece" in ck["calibration"]
    for f in tiny_checkpoints.iterdir():
        shutil.copy(f, tmp_path / f.name)
    old = {k: v for k, v in ck.items() if k != "calibration"}  # as committed before there was calibration
    torch.save({**old, "ood": {**ck["ood"], "threshold": 0.999, "drawing_threshold": 0.999}}, tmp_path / "fashion.pt")
    assert Classifier(tmp_path / "fashion.pt").temperature == 1.0
    args = ["calibrate", "--out", str(tmp_path), "--data-dir", str(fake_fashion), "--facade-dir", str(fake_facade)]
    assert train.main(args) == 0
    after = load_checkpoint(tmp_path / "fashion.pt")
    assert after["calibration"]["temperature"] == ck["calibration"]["temperature"]  # the same validation data, the same fit
    assert after["ood"]["threshold"] == ck["ood"]["threshold"] and after["ood"]["drawing_threshold"] == ck["ood"]["drawing_threshold"]
    assert all(torch.equal(after["state_dict"][k], v) for k, v in ck["state_dict"].items())
    assert Classifier(tmp_path / "fashion.pt").temperature == after["calibration"]["temperature"]
    metrics = json.loads((tmp_path / "fashion_metrics.json").read_text())
    assert metrics["calibration"]["temperature"] == after["calibration"]["temperature"]
    assert (
        0 <= metrics["calibration"]["test"]["ece"] <= 1
        and sum(b["count"] for b in metrics["calibration"]["test"]["bins"]) == metrics["test_size"]
    )

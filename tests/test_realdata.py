"""The committed checkpoints, re-evaluated on the real test sets, must reproduce their artefacts and meet the targets."""

import json
import shutil

import pytest
from conftest import CHECKPOINTS, need_facade, need_fashion

from fashseg.training import evaluate_facade, evaluate_fashion

FASHION_TARGET = 0.945  # test accuracy (reference report: 0.9099)
FACADE_TARGET = 0.80  # mean AP on test_dev (reference report: 0.53)


def _reevaluate(kind, evaluate, data, tmp_path, size, headline, per_class, tol, class_tol):
    """Evaluate a copy of the committed checkpoint; its size, headline and per-class figures must match the stored ones."""
    stored = json.loads((CHECKPOINTS / f"{kind}_metrics.json").read_text())
    shutil.copy(CHECKPOINTS / f"{kind}.pt", tmp_path / f"{kind}.pt")
    fresh = evaluate(tmp_path / f"{kind}.pt", data)
    assert fresh["test_size"] == size
    assert fresh[headline] == pytest.approx(stored[headline], abs=tol)
    assert fresh[per_class].keys() == stored[per_class].keys()
    for c, v in stored[per_class].items():
        assert fresh[per_class][c] == pytest.approx(v, abs=class_tol), c
    return stored, fresh


@pytest.mark.realdata
def test_fashion_checkpoint_reproduces_its_metrics_and_meets_the_target(tmp_path):
    stored, fresh = _reevaluate(
        "fashion", evaluate_fashion, need_fashion(), tmp_path, 10_000, "test_accuracy", "per_class_accuracy", 0.001, 0.002
    )
    assert fresh["test_accuracy"] >= FASHION_TARGET
    # the drawing, photo and not-clothing benchmarks (fashseg.robustness) reproduce too
    assert fresh["not_clothing_threshold"] == stored["not_clothing_threshold"] > 0
    assert fresh["flagged_clean_test"] == pytest.approx(stored["flagged_clean_test"], abs=0.002)
    assert set(fresh["renditions"]) == set(stored["renditions"]) >= {"canvas_filled", "canvas_outline", "upload_outline", "paper_sketch"}
    for kind, r in stored["renditions"].items():
        assert fresh["renditions"][kind]["accuracy"] == pytest.approx(r["accuracy"], abs=0.011), kind
        assert fresh["renditions"][kind]["flagged_not_clothing"] == pytest.approx(r["flagged_not_clothing"], abs=0.011), kind
    for name, r in stored["not_clothing"].items():
        assert fresh["not_clothing"][name]["not_called_clothing"] == pytest.approx(r["not_called_clothing"], abs=0.02), name
    # a garment lying turned on a table is stood upright first (by its shape, the network weighing the turns it may need):
    # recognised as often as the photo issue asks of its conditions (about half were before either step)
    assert fresh["renditions"]["turned_photo"]["accuracy"] >= 0.88
    # two alike garments in one photo (a pair of shoes) are read one at a time, apart or joined by a neck (a touch, a
    # shadow): read whole, 47.8 %; only where apart, 79.4 %
    assert fresh["renditions"]["pair_photo"]["accuracy"] >= 0.82
    # the shown probabilities are calibrated: the same temperature, and far closer to how often they are right
    assert fresh["calibration"]["temperature"] == stored["calibration"]["temperature"]
    assert fresh["calibration"]["test"]["ece"] == pytest.approx(stored["calibration"]["test"]["ece"], abs=0.002)
    assert fresh["calibration"]["test"]["ece"] < 0.5 * fresh["calibration"]["test_before"]["ece"]
    # canvas drawings are flagged below their own, lower threshold, and drawn non-clothing still is
    assert fresh["not_clothing_drawing_threshold"] == stored["not_clothing_drawing_threshold"] < stored["not_clothing_threshold"]
    for name, r in stored["not_clothing_drawn"].items():
        assert fresh["not_clothing_drawn"][name]["not_called_clothing"] == pytest.approx(r["not_called_clothing"], abs=0.02), name


@pytest.mark.realdata
def test_facade_checkpoint_reproduces_its_metrics_and_meets_the_target(tmp_path):
    stored, fresh = _reevaluate("facade", evaluate_facade, need_facade(), tmp_path, 114, "mean_ap", "per_class_ap", 0.005, 0.005)
    assert fresh["test_loss"] == pytest.approx(stored["test_loss"], rel=0.01)
    assert fresh["mean_ap"] >= FACADE_TARGET

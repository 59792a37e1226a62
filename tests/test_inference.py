"""Inference, overlays, artefact loading and the app's service layer, on tiny checkpoints."""

import json
import shutil

import numpy as np
import pytest
from conftest import CHECKPOINTS
from PIL import Image

from fashseg.inference import Classifier, Segmenter
from fashseg.insights import FacadeInsights, FashionInsights
from fashseg.labels import FACADE_COLORS
from fashseg.overlays import colorize, heatmap_overlay, overlay
from fashseg.preprocess import InputError
from fashseg.service import Service, Unavailable
from tools.sketches import draw


def noise_photo(w: int, h: int) -> Image.Image:
    """A picture with content: a blank one is refused before segmentation."""
    return Image.fromarray(np.random.default_rng(0).integers(0, 256, (h, w, 3), dtype=np.uint8))


def test_classifier_returns_all_classes_sorted_with_a_heat_map(tiny_checkpoints):
    r = Classifier(tiny_checkpoints / "fashion.pt").classify(draw("Trouser", filled=True))
    p = list(r.probs.values())
    assert len(p) == 10 and p == sorted(p, reverse=True) and abs(sum(p) - 1) < 1e-4
    assert r.heatmap.shape == (28, 28) and 0 <= r.heatmap.min() and r.heatmap.max() <= 1


def test_served_probabilities_are_the_evaluated_ones_and_the_heat_map_is_the_shown_class(tiny_checkpoints):
    """One forward pass serves both the answer and Grad-CAM; it must answer exactly what evaluation computes."""
    import torch

    from fashseg.preprocess import normalize

    clf = Classifier(tiny_checkpoints / "fashion.pt")
    for name in ("Trouser", "Sneaker", "Bag"):
        r = clf.classify(draw(name, filled=True))
        assert [r.probs[c] for c in clf.classes] == clf.predict_pixels(r.input.pixels[None])[0].tolist()
        x = normalize(torch.from_numpy(r.input.pixels.copy())[None], clf.mean, clf.std)
        feats = clf.model.features(clf.model.stem(x)).detach().requires_grad_(True)
        logit = clf.model.head(feats)[0, clf.classes.index(r.top)]  # the class the app shows, not the unmirrored argmax
        (grad,) = torch.autograd.grad(logit, feats)
        cam = torch.relu((grad.mean((2, 3), keepdim=True) * feats).sum(1, keepdim=True))
        cam = torch.nn.functional.interpolate(cam, size=(28, 28), mode="bilinear", align_corners=False)[0, 0].detach()
        expected = (cam / cam.max()).numpy() if cam.max() > 0 else cam.numpy()
        assert np.allclose(r.heatmap, expected, atol=1e-5)


def test_segmenter_maps_back_to_the_original_size(tiny_checkpoints):
    seg = Segmenter(tiny_checkpoints / "facade.pt")
    s = seg.segment(Image.new("RGB", (300, 200), (200, 180, 150)))
    assert s.labels.shape == (200, 300) and s.labels.dtype == np.uint8
    assert abs(sum(s.shares.values()) - 1) < 1e-6
    png = s.label_png()
    assert png.mode == "P" and png.size == (300, 200)
    assert png.getpalette()[3:6] == [0, 128, 255]


def test_overlay_opacity_ends():
    img = Image.new("RGB", (4, 4), (10, 20, 30))
    lab = np.full((4, 4), 3, np.uint8)
    assert np.asarray(overlay(img, lab, FACADE_COLORS, 0.0))[0, 0].tolist() == [10, 20, 30]
    assert np.asarray(overlay(img, lab, FACADE_COLORS, 1.0))[0, 0].tolist() == [255, 128, 0]
    assert colorize(np.array([[0, 4]]), FACADE_COLORS).tolist() == [[[0, 0, 0], [255, 0, 0]]]


def test_heatmap_overlay_is_an_enlarged_rgb_image():
    im = heatmap_overlay(np.zeros((28, 28), np.uint8), np.ones((28, 28)))
    assert im.size == (280, 280) and im.mode == "RGB"


def test_insights_read_the_artefacts(tiny_checkpoints):
    f = FashionInsights(tiny_checkpoints)
    g = f.gallery()
    assert g and all(isinstance(im, Image.Image) for im, _ in g)
    assert "Test accuracy" in f.summary_markdown()
    e = f.examples
    assert len(e["wrong_true"]) > 0  # a one-epoch model on fake data gets some wrong
    t, p = f.classes[e["wrong_true"][0]], f.classes[e["wrong_pred"][0]]
    n = int(f.metrics["confusion_matrix"][e["wrong_true"][0]][e["wrong_pred"][0]])
    assert len(f.confused(t, p)) == min(48, n) > 0
    assert f.confusion_caption(t, p).startswith(f"{n} of the ") and ("image " if n == 1 else "images ") in f.confusion_caption(t, p)
    assert "classified correctly" in f.confusion_caption(t, t)
    s = FacadeInsights(tiny_checkpoints)
    assert "Mean AP" in s.summary_markdown()
    from fashseg.plots import facade_examples

    e = s.examples
    fig = facade_examples(e["image"], e["truth"], e["pred"], e["name"], s.metrics["colors"])
    assert len(fig.axes) == 3 * len(e["image"])  # photo | truth | prediction per example


def test_insights_draw_in_the_colours_the_artefact_names(tmp_path, tiny_checkpoints):
    """The class colours come from the checkpoint (through its artefact), not from labels.py."""
    shutil.copytree(tiny_checkpoints, tmp_path / "ck")
    path = tmp_path / "ck" / "facade_metrics.json"
    metrics = json.loads(path.read_text())
    metrics["colors"] = [[10, 20, 30], [40, 50, 60], [70, 80, 90], [100, 110, 120], [130, 140, 150]]
    path.write_text(json.dumps(metrics))
    s = FacadeInsights(tmp_path / "ck")
    bars = [p.get_facecolor()[:3] for p in s.class_bars().axes[0].patches][:5]
    assert np.allclose(np.array(bars) * 255, metrics["colors"])
    shown = s.examples_figure().axes[1].images[0].get_array()  # the first example's ground truth
    assert {tuple(c) for c in np.asarray(shown).reshape(-1, 3)} <= {tuple(c) for c in metrics["colors"]}


def test_service_runs_end_to_end(tiny_checkpoints):
    svc = Service(tiny_checkpoints)
    assert svc.problems() == []
    r = svc.classify_drawing(np.asarray(draw("Bag", filled=False).convert("RGBA")))
    assert r.seen.size == (280, 280) and len(r.probs) == 10 and "Preprocessing" in r.note
    with pytest.raises(InputError, match="No drawing given"):
        svc.classify_drawing(None)
    s = svc.segment(noise_photo(3200, 1600), 0.4)
    assert s.overlay.size == (1600, 800)  # shown at preview size ...
    assert Image.open(s.png_path).size == (3200, 1600)  # ... downloaded at full size


def test_service_survives_missing_and_broken_files(tmp_path, tiny_checkpoints):
    broken = tmp_path / "ck"
    shutil.copytree(tiny_checkpoints, broken)
    data = (broken / "fashion.pt").read_bytes()
    (broken / "fashion.pt").write_bytes(data[:1000])
    (broken / "facade_metrics.json").unlink()
    svc = Service(broken)
    problems = " ".join(svc.problems())
    assert "fashion.pt is unreadable" in problems and "facade_metrics.json is missing" in problems
    with pytest.raises(Unavailable, match="python train.py fashion"):
        svc.classify(draw("Bag", filled=True))
    assert svc.segment(noise_photo(64, 64)).labels.shape == (64, 64)  # the other model still works
    assert svc.fashion_insights().classes
    with pytest.raises(Unavailable, match="facade_metrics.json is missing"):
        svc.facade_insights()


def _rewritten(src, dst, **changes):
    from fashseg.checkpoint import load_checkpoint, save_torch

    ck = load_checkpoint(src)
    for k, v in changes.items():
        if v is None:
            ck.pop(k)
        else:
            ck[k] = v
    save_torch(ck, dst)
    return dst


def test_serving_reads_classes_colours_and_normalisation_from_the_checkpoint(tiny_checkpoints, tmp_path):
    """The checkpoint describes itself; labels.py only seeds training."""
    colors = [[10, 20, 30], [40, 50, 60], [70, 80, 90], [100, 110, 120], [130, 140, 150]]
    names = ["sky", "wall", "column", "pane", "ledge"]
    seg = Segmenter(_rewritten(tiny_checkpoints / "facade.pt", tmp_path / "facade.pt", colors=colors, classes=names))
    s = seg.segment(noise_photo(64, 48))
    assert list(s.shares) == sorted(names, key=lambda n: -s.shares[n]) and set(s.shares) == set(names)
    assert s.label_png().getpalette()[:15] == [v for c in colors for v in c]
    svc = Service(tiny_checkpoints)
    svc.segmenter = seg
    out = svc.segment(noise_photo(64, 48), opacity=1.0)
    assert "pane" in out.legend and "rgb(100,110,120)" in out.legend and svc.facade_classes() == names
    used = {tuple(p) for p in np.asarray(out.overlay).reshape(-1, 3)}
    assert used <= {tuple(c) for c in colors}

    pic = draw("Trouser", filled=True)
    base = Classifier(tiny_checkpoints / "fashion.pt").classify(pic, drawing=True)
    shifted = Classifier(
        _rewritten(tiny_checkpoints / "fashion.pt", tmp_path / "fashion.pt", normalization={"mean": [0.9], "std": [0.05]})
    ).classify(pic, drawing=True)
    assert base.probs != shifted.probs  # the stored mean and std are the ones applied


def test_a_checkpoint_that_does_not_describe_itself_is_refused(tiny_checkpoints, tmp_path):
    from fashseg.checkpoint import CheckpointError

    with pytest.raises(CheckpointError, match=r"does not describe itself \(no colors\)"):
        Segmenter(_rewritten(tiny_checkpoints / "facade.pt", tmp_path / "facade.pt", colors=None))


def test_output_files_stay_bounded_and_downloads_keep_their_name():
    from pathlib import Path

    from fashseg.files import Shelf

    shelf = Shelf(keep=3)
    im = Image.new("RGB", (8, 8))
    paths = [shelf.put(im, "overlay", "png") for _ in range(3)]
    named = shelf.put(im, "labels", "png", name="photo-labels.png")
    assert Path(named).name == "photo-labels.png" and Path(named).parent.parent == shelf.dir
    assert [Path(p).exists() for p in (*paths, named)] == [False, True, True, True]  # the oldest went
    shelf.put(im, "overlay", "jpeg")
    shelf.put(im, "overlay", "jpeg")
    shelf.put(im, "overlay", "jpeg")
    assert not Path(named).parent.exists()  # a download's own folder goes with it
    assert not list(shelf.dir.rglob("*.tmp")) and len(list(shelf.dir.iterdir())) == 3


def test_moving_the_opacity_slider_does_not_decode_the_photo_again(tiny_checkpoints, tmp_path, monkeypatch):
    import fashseg.service as S

    svc = Service(tiny_checkpoints)
    path = tmp_path / "building.jpg"
    noise_photo(2000, 1500).save(path)
    r = svc.segment(str(path), 0.5)
    calls = []
    real = S.load_image
    monkeypatch.setattr(S, "load_image", lambda *a, **k: calls.append(a) or real(*a, **k))
    again = svc.reblend(str(path), r.labels, 0.5)
    assert np.array_equal(np.asarray(again), np.asarray(r.overlay))  # the same picture segment() showed
    svc.reblend(str(path), r.labels, 0.9, svc.facade_classes()[3])
    assert calls == [], "the photo was decoded again for a slider move"
    other = tmp_path / "other.png"
    noise_photo(300, 200).save(other)
    svc.reblend(str(other), np.zeros((200, 300), np.uint8), 0.5)
    assert len(calls) == 1  # a photo not seen before is decoded


def test_insights_show_each_benchmark_condition_with_its_interval(tmp_path):
    """The committed benchmark's 95 % intervals reach the insights tab; older artefacts without them show the figure alone."""
    f = FashionInsights(CHECKPOINTS)
    md = f.robustness_markdown()
    for r in f.metrics["renditions"].values():
        lo, hi = r["ci95"]
        assert lo <= r["accuracy"] <= hi
        assert f"| {r['accuracy'] * 100:.1f}\u00a0% ({lo * 100:.0f}\u2060–\u2060{hi * 100:.0f}) |" in md
    for name in ("fashion_metrics.json", "fashion_examples.npz"):
        shutil.copy(CHECKPOINTS / name, tmp_path / name)
    old = json.loads((tmp_path / "fashion_metrics.json").read_text())
    for r in old["renditions"].values():
        del r["ci95"]
    del old["not_clothing_drawn"], old["not_clothing_drawing_threshold"]
    (tmp_path / "fashion_metrics.json").write_text(json.dumps(old))
    plain = FashionInsights(tmp_path).robustness_markdown()
    assert "\u2060" not in plain and all(f"| {r['accuracy'] * 100:.1f}\u00a0% |" in plain for r in old["renditions"].values())
    drawn = next(iter(f.metrics["not_clothing_drawn"]))
    assert f"| {drawn} |" in md and f"on canvas drawings below {f.metrics['not_clothing_drawing_threshold'] * 100:.0f} %" in md
    assert "on canvas drawings below" not in plain and drawn not in plain  # older artefacts: one threshold


def test_insights_show_how_honest_the_probabilities_are(tmp_path):
    """The committed calibration reaches the insights tab as a reliability diagram (both curves) and a sentence;
    artefacts written before calibration show neither."""
    import matplotlib.pyplot as plt

    f = FashionInsights(CHECKPOINTS)
    c = f.metrics["calibration"]
    fig = f.reliability_figure()
    ax = fig.axes[0]
    assert len(ax.lines) == 3 and len(ax.collections) == 2  # the diagonal; before and after, each a line and its dots
    assert [b["confidence"] for b in c["test"]["bins"]] == list(ax.lines[2].get_xdata())
    assert any(f"error {c['test']['ece'] * 100:.1f} %" in t.get_text() for t in ax.get_legend().get_texts())
    plt.close(fig)
    assert f"divided by {c['temperature']:.2f}" in f.calibration_markdown()
    for name in ("fashion_metrics.json", "fashion_examples.npz"):
        shutil.copy(CHECKPOINTS / name, tmp_path / name)
    old = json.loads((tmp_path / "fashion_metrics.json").read_text())
    del old["calibration"]
    (tmp_path / "fashion_metrics.json").write_text(json.dumps(old))
    assert FashionInsights(tmp_path).reliability_figure() is None and FashionInsights(tmp_path).calibration_markdown() == ""


def test_class_counts_equal_bincount_over_bands():
    from fashseg.inference import class_counts

    lab = np.random.default_rng(0).integers(0, 5, (1000, 77)).astype(np.uint8)  # 1000 rows: bands of 256 and a short one
    assert np.array_equal(class_counts(lab, 5), np.bincount(lab.ravel(), minlength=5))
    assert np.array_equal(class_counts(np.zeros((3, 4), np.uint8), 5), [12, 0, 0, 0, 0])  # classes not present count 0


def test_freed_memory_is_trimmed_only_after_a_request_that_left_much_behind(monkeypatch):
    from fashseg import memory

    trims, rss = [], iter([100.0, 130.0, 90.0, 200.0, 95.0, 400.0, 180.0, 98.0])
    monkeypatch.setattr(memory, "resident_mb", lambda: next(rss))
    monkeypatch.setattr(memory, "LIBC", type("FakeLibc", (), {"malloc_trim": lambda self, pad: trims.append(pad)})())
    freed = memory.FreedMemory(slack_mb=64)  # idle at 100 MB
    assert freed.settle() is False  # 30 MB over: within the slack
    assert freed.settle() is False and freed.base == 90.0  # lower than before: the new base
    assert freed.settle() is True and trims == [0] and freed.base == 95.0  # 110 MB over: trimmed, base re-read
    with freed.request():
        with freed.request():
            pass  # ends while the outer request still runs: no reading, no trim (400 MB is not read here)
        assert trims == [0]
    assert trims == [0, 0] and freed.base == 180.0  # the last one out reads 400 MB, trims, re-reads the idle size


def test_every_request_settles_memory_even_a_refused_one(tiny_checkpoints):
    svc = Service(tiny_checkpoints)
    calls = []
    svc._freed.settle = lambda: calls.append(1)
    svc.classify(draw("Trouser", filled=True))
    with pytest.raises(InputError):
        svc.classify(Image.new("RGB", (300, 300), "white"))
    svc.segment(noise_photo(64, 48))
    assert len(calls) == 3


def test_benchmarks_answer_from_the_view_the_app_serves():
    """``served_probs`` picks among a picture's views exactly as ``Classifier.classify`` does (``served_view``)."""
    from fashseg.robustness import served_probs

    def predict(px):  # a stand-in network: the top probability is the first pixel's value
        p = np.zeros((len(px), 10))
        p[:, 0] = px[:, 0, 0] / 255
        p[:, 1] = 1 - p[:, 0]
        return p

    def views(*tops):
        return np.stack([np.full((28, 28), round(t * 255), np.uint8) for t in tops])

    px = views(0.6, 0.55, 0.6)
    others = [views(0.85, 0.7), None, views(0.7)]  # beats by 0.25; no other views; beats by only 0.1
    probs = served_probs(predict, px, others)
    assert probs[:, 0].round(2).tolist() == [0.85, 0.55, 0.6]

import numpy as np
import pytest

from fashseg.metrics import (
    average_precision,
    confusion_matrix,
    fit_temperature,
    iou_per_class,
    mirror_probs,
    per_class_accuracy,
    reliability,
    wilson_interval,
)


def test_confusion_matrix_counts_true_by_predicted():
    cm = confusion_matrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 0, 2], 3)
    assert cm.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]


def test_confusion_matrix_ignores_out_of_range_truth():
    assert confusion_matrix([0, -1, 1], [0, 1, 1], 2).sum() == 2


def test_per_class_accuracy_and_iou_by_hand():
    cm = np.array([[3, 1], [2, 4]])
    assert per_class_accuracy(cm) == pytest.approx([0.75, 4 / 6])
    # IoU class 0: tp 3 / (3 + fp 2 + fn 1); class 1: 4 / (4 + 1 + 2)
    assert iou_per_class(cm) == pytest.approx([3 / 6, 4 / 7])


def test_average_precision_by_hand():
    # ranked: +, -, +, -  -> precision at the positives 1/1 and 2/3; recall steps of 1/2
    assert average_precision([0.9, 0.8, 0.7, 0.1], [1, 0, 1, 0]) == pytest.approx(0.5 * 1 + 0.5 * 2 / 3)


def test_average_precision_perfect_and_ties():
    assert average_precision([0.9, 0.8, 0.2], [1, 1, 0]) == 1.0
    # all scores tied: one threshold, precision = prevalence
    assert average_precision([0.5] * 4, [1, 0, 0, 0]) == pytest.approx(0.25)
    assert np.isnan(average_precision([0.1, 0.2], [0, 0]))


def test_average_precision_matches_sklearn_definition_on_random_data():
    rng = np.random.default_rng(0)
    s = rng.random(500).round(2)  # many ties
    y = rng.random(500) < 0.3
    # brute force: sum over distinct thresholds of (delta recall) * precision
    ap, prev_r = 0.0, 0.0
    for t in np.unique(s)[::-1]:
        sel = s >= t
        r = (sel & y).sum() / y.sum()
        p = (sel & y).sum() / sel.sum()
        ap += (r - prev_r) * p
        prev_r = r
    assert average_precision(s, y) == pytest.approx(ap)


def test_wilson_interval_by_hand():
    # closed forms at the ends: 0 of n -> (0, z^2/(n+z^2)), n of n -> (n/(n+z^2), 1)
    z2 = 1.96**2
    assert wilson_interval(0, 10) == pytest.approx((0.0, z2 / (10 + z2)))
    assert wilson_interval(10, 10) == pytest.approx((10 / (10 + z2), 1.0))
    lo, hi = wilson_interval(168, 200)  # 84 % of the benchmark's former 200 garments
    assert lo < 0.84 < hi and hi - lo == pytest.approx(0.10, abs=0.005)
    assert wilson_interval(32, 200) == pytest.approx((1 - hi, 1 - lo))  # symmetric in hits and misses
    assert np.isnan(wilson_interval(0, 0)[0])


def test_mirror_probs_averages_each_views_softmax():
    logits = np.array([[[0.0, 0.0], [np.log(3), 0.0]]])  # picture: 1/2, 1/2; mirror: 3/4, 1/4
    assert mirror_probs(logits)[0] == pytest.approx([0.625, 0.375])
    assert mirror_probs(logits, temperature=0.5)[0, 0] == pytest.approx((0.5 + 0.9) / 2)  # 3**2 / (3**2 + 1)


@pytest.mark.parametrize("true_t", [0.6, 1.0, 1.8])
def test_fit_temperature_recovers_the_temperature_the_labels_were_drawn_at(true_t):
    rng = np.random.default_rng(0)
    logits = rng.normal(0, 3, (20_000, 1, 10))
    p = mirror_probs(logits, true_t)
    labels = (p.cumsum(1) > rng.random((len(p), 1))).argmax(1)  # one draw per row from its own distribution
    assert fit_temperature(logits, labels) == pytest.approx(true_t, rel=0.05)


def test_reliability_by_hand():
    probs = np.array([[0.9, 0.1]] * 10)
    honest = reliability(probs, np.array([0] * 9 + [1]))  # said 90 %, right 9 times in 10
    assert honest["ece"] == pytest.approx(0.0) and honest["accuracy"] == pytest.approx(0.9)
    assert honest["bins"] == [{"confidence": pytest.approx(0.9), "accuracy": pytest.approx(0.9), "count": 10}]
    shy = reliability(probs, np.zeros(10, int))  # said 90 %, always right: under-stated by 10 points
    assert shy["ece"] == pytest.approx(0.1) and shy["mean_confidence"] == pytest.approx(0.9)
    mixed = reliability(np.array([[0.55, 0.45], [1.0, 0.0]]), np.array([1, 0]))  # 55 % and wrong; 100 % and right
    assert mixed["ece"] == pytest.approx(0.55 / 2) and [b["count"] for b in mixed["bins"]] == [1, 1]

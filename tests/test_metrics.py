import numpy as np
import pytest

from fashseg.metrics import average_precision, confusion_matrix, iou_per_class, per_class_accuracy, wilson_interval


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

"""Evaluation metrics in plain numpy, checked against hand-computed cases in tests."""

from __future__ import annotations

import numpy as np


def confusion_matrix(y_true, y_pred, num_classes: int) -> np.ndarray:
    """counts[t, p] of items with true class t predicted as p."""
    y_true = np.asarray(y_true).ravel().astype(np.int64)
    y_pred = np.asarray(y_pred).ravel().astype(np.int64)
    keep = (y_true >= 0) & (y_true < num_classes)
    idx = y_true[keep] * num_classes + y_pred[keep]
    return np.bincount(idx, minlength=num_classes**2).reshape(num_classes, num_classes)


def per_class_accuracy(cm: np.ndarray) -> np.ndarray:
    """Recall of each class: the diagonal over the row sums (NaN for an absent class)."""
    rows = cm.sum(1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(rows > 0, np.diag(cm) / rows, np.nan)


def iou_per_class(cm: np.ndarray) -> np.ndarray:
    tp = np.diag(cm).astype(float)
    denom = cm.sum(0) + cm.sum(1) - tp
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denom > 0, tp / denom, np.nan)


def wilson_interval(hits: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95 % interval of a proportion; unlike p +- z*se it stays inside [0, 1] and works for 0 or n hits."""
    if n <= 0:
        return (float("nan"), float("nan"))
    p = hits / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (float(max(0.0, centre - half)), float(min(1.0, centre + half)))


def average_precision(scores, positive) -> float:
    """Area under the precision-recall curve as a step sum, sum_n (R_n - R_{n-1}) P_n.

    Ties share one threshold. This equals sklearn's ``average_precision_score``,
    which is what the reference report used.
    """
    scores = np.asarray(scores, dtype=np.float64).ravel()
    positive = np.asarray(positive, dtype=bool).ravel()
    n_pos = positive.sum()
    if n_pos == 0:
        return float("nan")
    order = np.argsort(-scores, kind="stable")
    s, p = scores[order], positive[order]
    last_of_tie = np.r_[np.flatnonzero(np.diff(s)), s.size - 1]
    tp = np.cumsum(p)[last_of_tie]
    fp = (last_of_tie + 1) - tp
    precision = tp / (tp + fp)
    recall = tp / n_pos
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def mirror_probs(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Probabilities [N,C] from logits [N,V,C] of V views (picture, mirror): softmax(logits / T), averaged over views."""
    z = np.asarray(logits, dtype=np.float64) / temperature
    e = np.exp(z - z.max(-1, keepdims=True))
    return (e / e.sum(-1, keepdims=True)).mean(1)


TEMPERATURES = np.exp(np.linspace(np.log(0.25), np.log(4.0), 555))  # 0.5 % apart: finer than the fit's own noise


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """The temperature whose probabilities have the least negative log-likelihood (Guo et al. 2017).

    One number, so the answer (the top class) never changes; only how sure it is said to be.
    """
    labels = np.asarray(labels)
    nll = [-np.log(mirror_probs(logits, t)[np.arange(len(labels)), labels] + 1e-12).mean() for t in TEMPERATURES]
    return float(TEMPERATURES[int(np.argmin(nll))])


def reliability(probs: np.ndarray, labels: np.ndarray, bins: int = 10) -> dict:
    """Top-class confidence against accuracy in equal-width bins, and the expected calibration error (their
    gap, weighted by how many answers fall in each bin): honest probabilities have a gap near 0."""
    conf, right = probs.max(1), probs.argmax(1) == np.asarray(labels)
    which = np.minimum((conf * bins).astype(int), bins - 1)
    count = np.bincount(which, minlength=bins)
    with np.errstate(invalid="ignore"):
        mean_conf = np.bincount(which, conf, bins) / count
        accuracy = np.bincount(which, right, bins) / count
    gap = np.nansum(count * np.abs(accuracy - mean_conf)) / max(1, len(conf))
    return {
        "ece": float(gap),
        "mean_confidence": float(conf.mean()),
        "accuracy": float(right.mean()),
        "bins": [{"confidence": float(c), "accuracy": float(a), "count": int(n)} for c, a, n in zip(mean_conf, accuracy, count) if n],
    }

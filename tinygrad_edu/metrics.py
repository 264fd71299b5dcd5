"""Classification metrics on numpy arrays: accuracy and the confusion matrix."""

from __future__ import annotations

import numpy as np


def accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Fraction of positions where the labels agree."""
    y_true, y_pred = np.asarray(y_true).reshape(-1), np.asarray(y_pred).reshape(-1)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"accuracy: {y_true.size} true labels but {y_pred.size} predictions")
    if y_true.size == 0:
        return float("nan")  # 0 right of 0: 0/0, NaN as PyTorch's mean of an empty tensor (no warning)
    return float(np.mean(y_true == y_pred))


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, num_classes: int | None = None) -> np.ndarray:
    """C[i, j] = how many samples of true class i were predicted as class j (rows sum to class counts)."""
    y_true = np.asarray(y_true, dtype=np.int64).reshape(-1)
    y_pred = np.asarray(y_pred, dtype=np.int64).reshape(-1)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"confusion_matrix: {y_true.size} true labels but {y_pred.size} predictions")
    top = int(max(y_true.max(initial=-1), y_pred.max(initial=-1)))  # -1 when there are no labels
    n = top + 1 if num_classes is None else num_classes
    if min(y_true.min(initial=0), y_pred.min(initial=0)) < 0 or top >= n:
        raise ValueError(f"confusion_matrix: labels must lie in [0, {n})")
    out = np.zeros((n, n), dtype=np.int64)
    np.add.at(out, (y_true, y_pred), 1)
    return out

"""Behaviours of `tinygrad_edu.nn` and `metrics` that a mutation pass found unpinned (issue 14), each
asserted against the math or PyTorch: Softmax's ``dim``, LeakyReLU's default slope, the scale and
centre of kaiming_normal_, and the orientation of the confusion matrix."""

from __future__ import annotations

import math

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor, nn
from tinygrad_edu.metrics import confusion_matrix
from tinygrad_edu.nn import init

X = np.array([[1.0, 2.0, 3.0, 4.0], [0.5, -1.0, 2.0, 0.0], [3.0, 3.0, -2.0, 1.0]])


def softmax_reference(x: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@pytest.mark.parametrize("dim", [0, 1, -1, -2])
def test_softmax_normalises_along_dim(dim: int) -> None:
    out = nn.Softmax(dim=dim)(Tensor(X)).data
    np.testing.assert_allclose(out, softmax_reference(X, dim), rtol=1e-12)
    np.testing.assert_allclose(out.sum(axis=dim), 1.0, rtol=1e-12)


def test_softmax_matches_pytorch() -> None:
    torch = pytest.importorskip("torch")
    for dim in (0, 1):
        expected = torch.nn.Softmax(dim=dim)(torch.tensor(X)).numpy()
        np.testing.assert_allclose(nn.Softmax(dim=dim)(Tensor(X)).data, expected, rtol=1e-12)


def test_leaky_relu_default_slope_is_pytorchs_0_01() -> None:
    x = np.array([-2.0, -0.5, 0.0, 3.0])
    np.testing.assert_array_equal(nn.LeakyReLU()(Tensor(x)).data, [-0.02, -0.005, 0.0, 3.0])
    assert nn.LeakyReLU().negative_slope == 0.01
    torch = pytest.importorskip("torch")
    np.testing.assert_allclose(nn.LeakyReLU()(Tensor(x)).data, torch.nn.LeakyReLU()(torch.tensor(x)).numpy())


@pytest.mark.parametrize(
    ("a", "mode", "nonlinearity"),
    [(0.0, "fan_in", "leaky_relu"), (0.2, "fan_out", "leaky_relu"), (0.0, "fan_in", "relu")],
)
def test_kaiming_normal_is_centred_with_hes_std(a: float, mode: str, nonlinearity: str) -> None:
    """N(0, σ²), σ = gain/√fan, gain = √(2/(1 + a²)) (He et al., 2015): over 400,000 draws the mean is
    within 5 standard errors of 0 and the std within 1% of σ."""
    tg.manual_seed(0)
    w = np.empty((800, 500))
    init.kaiming_normal_(w, a=a, mode=mode, nonlinearity=nonlinearity)
    fan = 500 if mode == "fan_in" else 800
    gain = math.sqrt(2.0) if nonlinearity == "relu" else math.sqrt(2.0 / (1 + a * a))
    sigma = gain / math.sqrt(fan)
    assert abs(w.mean()) < 5 * sigma / math.sqrt(w.size)
    assert w.std() == pytest.approx(sigma, rel=0.01)


def test_confusion_matrix_rows_are_true_classes() -> None:
    """C[i, j] counts samples of true class i predicted as j (the convention of scikit-learn's
    documentation and of the textbook): rows sum to the class counts."""
    y_true = [0, 0, 0, 1, 2, 2]
    y_pred = [0, 1, 1, 1, 0, 2]
    expected = np.array([[1, 2, 0], [0, 1, 0], [1, 0, 1]])
    np.testing.assert_array_equal(confusion_matrix(y_true, y_pred), expected)
    np.testing.assert_array_equal(confusion_matrix(y_true, y_pred).sum(axis=1), [3, 1, 2])

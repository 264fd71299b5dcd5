"""Losses: value and gradient against PyTorch, float64 gradcheck, stability, and clear errors."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_edu import Tensor, gradcheck
from tinygrad_edu.nn import functional as F

from .conftest import needs_torch
from .torch_check import assert_matches_torch

RNG = np.random.default_rng(0)
LOGITS = RNG.normal(size=(6, 4)) * 3
LABELS = np.array([0, 3, 1, 1, 2, 3])
PROBS = np.exp(LOGITS.T - LOGITS.max(1)).T
PROBS /= PROBS.sum(1, keepdims=True)
REG_IN, REG_T = RNG.normal(size=(5, 3)), RNG.normal(size=(5, 3))
SCORES, SIGNS = RNG.normal(size=(8,)), np.where(RNG.random(8) > 0.5, 1.0, -1.0)
P_IN, P_T = RNG.uniform(0.05, 0.95, (7,)), RNG.uniform(0, 1, (7,))
LOG_P = np.log(PROBS)
KL_T = np.roll(PROBS, 1, axis=0)
KL_T[0, 0] = 0.0  # a zero target: t·log t = 0

# name, our call, torch call (as a function of torch and the input), input
CASES = [
    (
        "mse_loss",
        lambda x, r: F.mse_loss(x, REG_T, reduction=r),
        lambda t, x, r: t.nn.functional.mse_loss(x, t.tensor(REG_T), reduction=r),
        REG_IN,
    ),
    (
        "l1_loss",
        lambda x, r: F.l1_loss(x, REG_T, reduction=r),
        lambda t, x, r: t.nn.functional.l1_loss(x, t.tensor(REG_T), reduction=r),
        REG_IN,
    ),
    (
        "cross_entropy labels",
        lambda x, r: F.cross_entropy(x, LABELS, reduction=r),
        lambda t, x, r: t.nn.functional.cross_entropy(x, t.tensor(LABELS), reduction=r),
        LOGITS,
    ),
    (
        "cross_entropy probabilities",
        lambda x, r: F.cross_entropy(x, KL_T, reduction=r),
        lambda t, x, r: t.nn.functional.cross_entropy(x, t.tensor(KL_T), reduction=r),
        LOGITS,
    ),
    (
        "nll_loss",
        lambda x, r: F.nll_loss(x, LABELS, reduction=r),
        lambda t, x, r: t.nn.functional.nll_loss(x, t.tensor(LABELS), reduction=r),
        LOG_P,
    ),
    (
        "binary_cross_entropy",
        lambda x, r: F.binary_cross_entropy(x, P_T, reduction=r),
        lambda t, x, r: t.nn.functional.binary_cross_entropy(x, t.tensor(P_T), reduction=r),
        P_IN,
    ),
    (
        "binary_cross_entropy_with_logits",
        lambda x, r: F.binary_cross_entropy_with_logits(x, P_T, reduction=r),
        lambda t, x, r: t.nn.functional.binary_cross_entropy_with_logits(x, t.tensor(P_T), reduction=r),
        SCORES[:7],
    ),
    (
        "hinge_loss",
        lambda x, r: F.hinge_loss(x, SIGNS, reduction=r),
        lambda t, x, r: {"mean": t.mean, "sum": t.sum, "none": lambda v: v}[r](t.relu(1 - t.tensor(SIGNS) * x)),
        SCORES,
    ),
    (
        "kl_div",
        lambda x, r: F.kl_div(x, KL_T, reduction=r),
        lambda t, x, r: t.nn.functional.kl_div(x, t.tensor(KL_T), reduction=r),
        LOG_P,
    ),
]
IDS = [c[0] for c in CASES]


@pytest.mark.parametrize(("name", "ours", "theirs", "x"), CASES, ids=IDS)
def test_gradcheck(name, ours, theirs, x) -> None:
    for reduction in ("mean", "sum"):
        assert gradcheck(lambda t, r=reduction: ours(t, r), [Tensor(x, requires_grad=True)])


@needs_torch
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize(("name", "ours", "theirs", "x"), CASES, ids=IDS)
def test_matches_pytorch(name, ours, theirs, x, reduction) -> None:
    import torch

    assert_matches_torch(lambda t: ours(t, reduction), lambda r: theirs(torch, r, reduction), [x], rtol=1e-9)


@needs_torch
def test_kl_div_batchmean_matches_pytorch() -> None:
    import torch

    ours = F.kl_div(Tensor(LOG_P), KL_T, reduction="batchmean").item()
    assert ours == pytest.approx(
        torch.nn.functional.kl_div(torch.tensor(LOG_P), torch.tensor(KL_T), reduction="batchmean").item(), rel=1e-12
    )


def test_cross_entropy_gradient_is_softmax_minus_onehot() -> None:
    """∂/∂z mean CE = (softmax(z) − onehot(y))/N: the textbook's "A − Y"."""
    z = Tensor(LOGITS, requires_grad=True)
    F.cross_entropy(z, LABELS).backward()
    onehot = np.eye(4)[LABELS]
    np.testing.assert_allclose(z.grad, (PROBS - onehot) / len(LABELS), rtol=1e-12, atol=1e-15)


def test_cross_entropy_is_stable_for_huge_logits() -> None:
    z = Tensor(np.array([[1000.0, 0.0, -1000.0], [0.0, 800.0, 0.0]], dtype=np.float32), requires_grad=True)
    loss = F.cross_entropy(z, [2, 1], reduction="none")
    np.testing.assert_allclose(loss.data, [2000.0, 0.0], rtol=1e-6)
    F.cross_entropy(z, [2, 1]).backward()
    assert np.all(np.isfinite(z.grad))


def test_bce_with_logits_is_stable() -> None:
    z = Tensor(np.array([-800.0, 800.0, 0.0]), requires_grad=True)
    loss = F.binary_cross_entropy_with_logits(z, [1.0, 0.0, 1.0], reduction="none")
    np.testing.assert_allclose(loss.data, [800.0, 800.0, np.log(2)], rtol=1e-12)
    loss.sum().backward()
    np.testing.assert_allclose(z.grad, [-1.0, 1.0, -0.5])  # σ(z) − t


def test_bce_clamps_log_at_minus_100_like_pytorch() -> None:
    assert F.binary_cross_entropy(Tensor([0.0, 1.0]), [1.0, 0.0]).item() == pytest.approx(100.0)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: F.cross_entropy(Tensor(np.zeros((2, 10))), [3, 10]),
            IndexError,
            "Target 10 is out of bounds",
        ),
        (
            lambda: F.cross_entropy(Tensor(np.zeros((2, 10))), [-1, 0]),
            IndexError,
            "Target -1 is out of bounds",
        ),
        (lambda: F.cross_entropy(Tensor(np.zeros((2, 10))), [1, 2, 3]), ValueError, r"2 rows of scores but labels of"),
        (lambda: F.cross_entropy(Tensor(np.zeros((2, 3))), [0.5, 1.0]), ValueError, "labels must be whole numbers"),
        (lambda: F.cross_entropy(Tensor(np.zeros((2, 3))), [0, 1], reduction="avg"), ValueError, "reduction must be"),
        (
            lambda: F.mse_loss(Tensor(np.zeros((4, 1))), np.zeros(4)),
            ValueError,
            r"input shape \(4, 1\) and target shape \(4,\) differ",
        ),
        (lambda: F.binary_cross_entropy(Tensor([0.5, 1.5]), [0.0, 1.0]), ValueError, r"probabilities in \[0, 1\]"),
        (lambda: F.hinge_loss(Tensor([0.5, 1.5]), [0.0, 1.0]), ValueError, "labels must be -1 or \\+1"),
    ],
)
def test_bad_input_is_named(call, error, message: str) -> None:
    with pytest.raises(error, match=message):
        call()

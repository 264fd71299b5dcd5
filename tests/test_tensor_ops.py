"""Tensor-only ops and fused nn ops from the package's registry (`tinygrad_edu.op_cases`): forward vs
numpy, float64 gradcheck, and PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_edu import Tensor, gradcheck
from tinygrad_edu import op_cases as cases
from tinygrad_edu.op_cases import Case, make_inputs

from .conftest import needs_torch
from .torch_check import assert_matches_torch

REGISTRY = cases.TENSOR + cases.NN
IDS = [op.name for op in REGISTRY]


@pytest.mark.parametrize("op", REGISTRY, ids=IDS)
def test_forward_matches_numpy(op: Case) -> None:
    xs = make_inputs(op, 0)
    out = op.apply(*[Tensor(x) for x in xs])
    np.testing.assert_allclose(out.data, op.ref(*xs), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("op", REGISTRY, ids=IDS)
def test_gradcheck(op: Case) -> None:
    assert gradcheck(op.apply, [Tensor(x, requires_grad=True) for x in make_inputs(op, 1)])


@needs_torch
@pytest.mark.parametrize("op", REGISTRY, ids=IDS)
def test_matches_pytorch(op: Case) -> None:
    assert_matches_torch(op.apply, op.torch, make_inputs(op, 2))


def test_max_splits_gradient_among_ties_like_pytorch_amax() -> None:
    x = Tensor([1.0, 3.0, 3.0, 2.0], requires_grad=True)
    x.max().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.5, 0.5, 0.0])


def test_softmax_and_log_softmax_are_stable() -> None:
    """Logits of 1000 would overflow e^x; log-sum-exp keeps everything finite and exact."""
    z = Tensor([[1000.0, 1000.0, 0.0], [-1000.0, 0.0, 1000.0]], dtype=np.float64)
    np.testing.assert_allclose(z.softmax().data, [[0.5, 0.5, 0.0], [0.0, 0.0, 1.0]], atol=1e-300)
    np.testing.assert_allclose(z.log_softmax().data, [[-np.log(2), -np.log(2), -1000 - np.log(2)], [-2000, -1000, 0]])


@needs_torch
def test_xlogy_at_zero_and_nan_is_pytorchs() -> None:
    """0·log 0 = 0 and 0·log 2 = 0, but 0·log NaN = NaN; ∂/∂x = log y, but 0 where x = 0 and y ≤ 0; ∂/∂y = x/y,
    which is 0/0 = NaN at x = y = 0: kl_div's target gradient at t = 0 is NaN for that reason."""
    import torch

    x, y = [0.0, 0.0, 2.0, 0.0], [0.0, float("nan"), 3.0, 2.0]
    got = []
    for lib in (torch, __import__("tinygrad_edu")):
        a, b = (lib.tensor(v, dtype=lib.float64, requires_grad=True) for v in (x, y))
        out = lib.xlogy(a, b)
        out.sum().backward()
        got.append([np.asarray(t.tolist()) for t in (out, a.grad, b.grad)])
    for theirs, ours in zip(*got):
        np.testing.assert_array_equal(ours, theirs)
    np.testing.assert_array_equal(got[1][1], [0.0, np.nan, np.log(3.0), np.log(2.0)])

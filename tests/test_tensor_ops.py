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


@needs_torch
@pytest.mark.parametrize("pos_weight", [None, 0.5, 1.0, 2.0])
def test_loss_target_gradients_at_the_edges_are_pytorchs(pos_weight) -> None:
    """∂/∂t of the binary cross-entropies where the logs saturate: −logit p unclamped (±∞ at p = 0 and 1, 115.13
    at p = 1e-50, −0 at p = ½), and p·softplus(−z) − softplus(z) at z = ±∞ and ±800 (∞, not ∞ − ∞ = NaN, for a
    positive-class weight ≤ 1)."""
    import torch

    z = [-np.inf, -800.0, -50.0, 0.0, 50.0, 800.0, np.inf]
    p = [0.0, 1e-50, 0.3, 0.5, 1.0]
    got = []
    for lib in (torch, __import__("tinygrad_edu")):
        f = lib.nn.functional
        logits, probs = lib.tensor(z, dtype=lib.float64), lib.tensor(p, dtype=lib.float64)
        t1, t2 = lib.full((7,), 0.3, dtype=lib.float64), lib.tensor([0.5, 0.5, 0.5, 0.0, 0.5], dtype=lib.float64)
        for t in (t1, t2):
            t.requires_grad_()
        weight = None if pos_weight is None else lib.tensor([pos_weight], dtype=lib.float64)
        f.binary_cross_entropy_with_logits(logits, t1, pos_weight=weight, reduction="sum").backward()
        f.binary_cross_entropy(probs, t2, reduction="sum").backward()
        got.append([np.asarray(t.grad.tolist()) for t in (t1, t2)])
    for theirs, ours in zip(*got):
        np.testing.assert_allclose(ours, theirs, rtol=1e-13)
        np.testing.assert_array_equal(np.signbit(ours), np.signbit(theirs))


@needs_torch
@pytest.mark.parametrize("target_dtype", ["float32", "float16"])
def test_a_probability_target_of_another_dtype_gets_its_gradient(target_dtype) -> None:
    """``cross_entropy`` of float64 logits against float32 or float16 class probabilities: the target's gradient
    −log softmax(z)/N, in the target's dtype, as PyTorch's (the target used to be cast outside the graph)."""
    import torch

    rng = np.random.default_rng(0)
    z, t = rng.standard_normal((3, 4)), rng.uniform(0, 1, (3, 4))
    got = []
    for lib in (torch, __import__("tinygrad_edu")):
        logits = lib.tensor(z, dtype=lib.float64, requires_grad=True)
        target = lib.tensor(t, dtype=getattr(lib, target_dtype), requires_grad=True)
        lib.nn.functional.cross_entropy(logits, target).backward()
        got.append((str(target.grad.dtype).split(".")[-1], np.asarray(logits.grad.tolist()), target.grad.tolist()))
    (dt, gz, gt), (dt2, gz2, gt2) = got
    assert dt2 == dt == target_dtype
    np.testing.assert_allclose(gz2, gz, rtol=1e-12)
    np.testing.assert_allclose(gt2, gt, rtol=1e-3 if target_dtype == "float16" else 1e-6)

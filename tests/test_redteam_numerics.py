"""What the third red-team pass found in the numerics (issue 25), each case compared with PyTorch 2.13:
gradients at the edges of an op's domain (a logit of exactly 0, x**0 at 0, relu at NaN, ±inf logits),
NaN through gradient clipping, half-precision reductions and layers, and accumulation from threads."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import tinygrad_edu as ours
from tinygrad_edu.nn import functional as F

torch = pytest.importorskip("torch", reason="PyTorch not installed: these tests compare with it")
TF = torch.nn.functional


def grads_of(fn_ours, fn_torch, *arrays):
    """Value and input gradients of a scalar function under both libraries, from the same float64 data."""
    xs = [ours.tensor(np.asarray(a, np.float64), requires_grad=True) for a in arrays]
    rs = [torch.tensor(np.asarray(a, np.float64), requires_grad=True) for a in arrays]
    out, ref = fn_ours(*xs), fn_torch(*rs)
    out.backward()
    ref.backward()
    return (out, xs), (ref, rs)


def assert_same(ours_pair, torch_pair):
    (out, xs), (ref, rs) = ours_pair, torch_pair
    np.testing.assert_allclose(np.asarray(out.numpy(), np.float64), ref.detach().numpy(), rtol=1e-12, atol=0)
    for x, r in zip(xs, rs, strict=True):
        np.testing.assert_allclose(np.asarray(x.grad, np.float64), r.grad.numpy(), rtol=1e-12, atol=0)


@pytest.mark.parametrize("logit", [0.0, -0.0, 1e-300, -3.0, 2.5])
def test_bce_with_logits_pos_weight_gradient_at_and_near_zero(logit: float) -> None:
    """A zero-initialised logistic regression starts at logit 0: ∂/∂z of (1−t)z + (1+(p−1)t)·softplus(−z)
    at z = 0 is (1 − t) − (1 + (p−1)t)/2; with t = 1, p = 3 that is −1.5 (a wrong sign steps the wrong way)."""
    z, t, pw = [logit, logit], [1.0, 0.0], [3.0, 3.0]
    pair = grads_of(
        lambda a: F.binary_cross_entropy_with_logits(
            a, ours.tensor(t, dtype=ours.float64), pos_weight=ours.tensor(pw, dtype=ours.float64)
        ),
        lambda a: TF.binary_cross_entropy_with_logits(
            a, torch.tensor(t, dtype=torch.float64), pos_weight=torch.tensor(pw, dtype=torch.float64)
        ),
        z,
    )
    assert_same(*pair)
    if logit == 0.0:
        np.testing.assert_allclose(pair[0][1][0].grad, [(0 - (1 + 2) / 2) / 2, (1 - 1 / 2) / 2])  # the math, mean of 2


@pytest.mark.parametrize("logit", [np.inf, -np.inf])
@pytest.mark.parametrize("target", [0.0, 1.0, 0.25])
def test_bce_with_logits_at_infinite_logits(logit: float, target: float) -> None:
    pair = grads_of(
        lambda a: F.binary_cross_entropy_with_logits(a, ours.tensor([target], dtype=ours.float64)),
        lambda a: TF.binary_cross_entropy_with_logits(a, torch.tensor([target], dtype=torch.float64)),
        [logit],
    )
    (out, xs), (ref, rs) = pair
    np.testing.assert_array_equal(np.asarray(out.numpy(), np.float64), ref.detach().numpy())
    np.testing.assert_array_equal(np.asarray(xs[0].grad, np.float64), rs[0].grad.numpy())


def test_pow_zero_has_zero_gradient_at_zero() -> None:
    """d(x⁰)/dx = 0·x⁻¹ is 0 everywhere, 0 included (PyTorch masks the 0·inf)."""
    assert_same(*grads_of(lambda a: (a**0).sum(), lambda a: (a**0).sum(), [0.0, 2.0, -1.0]))


def test_relu_gradient_at_nan_is_torchs() -> None:
    """PyTorch's relu backward passes the gradient where the result is not ≤ 0: at NaN it passes (1)."""
    (_, xs), (_, rs) = grads_of(lambda a: F.relu(a).sum(), lambda a: TF.relu(a).sum(), [np.nan, -1.0, 2.0])
    np.testing.assert_array_equal(np.asarray(xs[0].grad, np.float64), rs[0].grad.numpy())


def test_clip_grad_norm_with_a_nan_norm_makes_every_gradient_nan_as_torch() -> None:
    g = [np.array([np.nan, 1.0]), np.array([3.0, 4.0])]
    ps = [ours.nn.Parameter(ours.tensor(np.zeros(2))) for _ in g]
    qs = [torch.nn.Parameter(torch.zeros(2, dtype=torch.float64)) for _ in g]
    for p, q, gi in zip(ps, qs, g, strict=True):
        p.grad, q.grad = ours.tensor(gi), torch.tensor(gi)
    norm_o = ours.nn.utils.clip_grad_norm_(ps, 1.0)
    norm_t = torch.nn.utils.clip_grad_norm_(qs, 1.0)
    assert np.isnan(float(norm_o)) and np.isnan(float(norm_t))
    for p, q in zip(ps, qs, strict=True):
        np.testing.assert_array_equal(np.asarray(p.grad, np.float64), q.grad.numpy())


def test_half_precision_sum_and_mean_accumulate_wider() -> None:
    """70,000 ones in float16: a float16 running sum stops at 2048 (and overflows past 65504);
    PyTorch accumulates in float32 and rounds the result to float16."""
    x = np.ones(70_000, np.float16)
    for name in ("sum", "mean"):
        got = getattr(ours.tensor(x), name)()
        ref = getattr(torch.tensor(x), name)()
        assert got.dtype == np.float16
        np.testing.assert_array_equal(np.asarray(got.numpy(), np.float32), ref.float().numpy())


def test_batchnorm2d_keeps_half_precision() -> None:
    x = np.random.default_rng(0).normal(size=(4, 3, 5, 5)).astype(np.float16)
    bn_o, bn_t = ours.nn.BatchNorm2d(3), torch.nn.BatchNorm2d(3)
    out_o, out_t = bn_o(ours.tensor(x)), bn_t(torch.tensor(x))
    assert out_t.dtype == torch.float16 and out_o.dtype == np.float16
    np.testing.assert_allclose(np.asarray(out_o.numpy(), np.float32), out_t.float().detach().numpy(), atol=4e-3)


@pytest.mark.parametrize(
    "args",
    [
        (0.0, np.inf, 3),
        (-np.inf, 0.0, 4),
        (0.0, 1.0, 1),
        (1.0, 0.0, 5),
        (-3.3, 2.9, 100),
        (1e-3, 7.0, 33),
        (-1, 1, 2000),
    ],
)
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64"])
def test_linspace_bit_for_bit_as_torch(args, dtype: str) -> None:
    """PyTorch's kernel fills the first half from start and the second from end, each value one fused
    multiply-add: the same bits here, NaN where an infinite end meets ∞·0 or ∞ − ∞."""
    if dtype == "int64" and not np.isfinite(args[:2]).all():
        pytest.skip("an infinite end has no integer value (torch refuses it too)")
    got = ours.linspace(*args, dtype=getattr(ours, dtype)).numpy()
    ref = torch.linspace(*args, dtype=getattr(torch, dtype)).numpy()
    assert got.dtype == ref.dtype
    np.testing.assert_array_equal(got, ref)


def test_threads_backpropagating_into_one_shared_leaf_lose_no_update() -> None:
    """Four threads, 100 backward passes each of Σw into one shared leaf: ∂/∂w is 1 per pass, so every
    entry of w.grad must be exactly 400 (sums of ones in float64 are exact). The leaf is large so that
    numpy releases the GIL inside the additions: an unguarded read-add-store then loses updates."""
    w = ours.tensor(np.zeros(200_000), requires_grad=True)

    def work() -> None:
        for _ in range(100):
            w.sum().backward()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    g = np.asarray(w.grad, np.float64)
    assert g.min() == g.max() == 400.0, f"lost updates: w.grad ranges over [{g.min()}, {g.max()}], expected 400"

"""The hot-path shortcuts of a training step give PyTorch's results, and step aside where they must.

- A Python float times a tensor outside any graph (the optimizer's ``-lr * p.grad``) is computed without an
  op (`TensorMethods._scaled`): the product must equal PyTorch's to the bit in float32 and float64 (both cast
  the float to the tensor's dtype, then round one product), be a constant, and give way to the op for a
  tensor that requires grad, for a view whose source joined a graph in place, and in anomaly mode.
- A convolution's weight gradient comes out C-ordered, so that SGD with momentum runs its kernel; the
  step must equal ``torch.optim.SGD``'s in both of `ops.Convolution`'s layouts.
- ``F.cross_entropy`` scans its labels' range once and hands it on; ``ignore_index`` inside and outside
  that range, with int32 and int64 labels, must still give PyTorch's loss and gradient.
"""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.nn import functional as F

torch = pytest.importorskip("torch")


def rand(shape, seed=0, dtype=np.float64):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(), (7,), (5, 27)])
@pytest.mark.parametrize("scalar", [-0.1, 0.3, 1e-3, -7.25])
def test_a_float_times_a_constant_tensor_is_pytorchs_product(dtype, shape, scalar) -> None:
    a = rand(shape, seed=1, dtype=dtype)
    ours_left, ours_right = scalar * tg.tensor(a), tg.tensor(a) * scalar
    theirs = (scalar * torch.from_numpy(a)).numpy()
    for out in (ours_left, ours_right):
        assert out.dtype == dtype and out.shape == shape
        np.testing.assert_array_equal(out.numpy(), theirs)  # one rounding of one product: equal to the bit
        assert not out.requires_grad and out.grad_fn is None and out.is_leaf
    before = a.copy()
    ours_left.numpy()[...] = 0  # the product owns its memory: the operand is untouched
    np.testing.assert_array_equal(a, before)


def test_a_float_times_a_tensor_that_requires_grad_records_the_op() -> None:
    w = rand((3, 4), seed=2)
    ours, theirs = tg.tensor(w, requires_grad=True), torch.tensor(w, requires_grad=True)
    ((-0.1 * ours) * (ours * 2.5)).sum().backward()
    ((-0.1 * theirs) * (theirs * 2.5)).sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-14)  # float64, one summation order
    assert type(-0.1 * ours).__name__ == "Tensor" and (-0.1 * ours).grad_fn is not None


def test_a_float_times_a_view_whose_source_joined_a_graph_records_the_op() -> None:
    results = []
    for lib in (tg, torch):
        x = lib.zeros(3, dtype=lib.float64)
        v = x[0:2]  # made before x joins a graph in place
        w = lib.ones(3, dtype=lib.float64, requires_grad=True)
        x.add_(w)
        out = v * 2.0
        out.sum().backward()
        results.append((out.requires_grad, out.grad_fn is not None, w.grad.numpy().tolist()))
    assert results[0] == results[1] == (True, True, [2.0, 2.0, 0.0])


@pytest.mark.parametrize("shortcut", ["scaled", "picked"])
def test_the_numpy_shortcuts_stand_aside_in_anomaly_mode(shortcut) -> None:
    """``t * 2.0`` and ``X[ix]`` of constants skip the op, except while a thread checks for anomalies: then the op
    runs, and its NaN check names it."""
    t = tg.tensor([[np.nan, 1.0], [2.0, 3.0]])
    with pytest.raises(tg.autograd.AnomalyError, match="NaN"), tg.autograd.detect_anomaly():
        _ = t * 2.0 if shortcut == "scaled" else t[tg.tensor([0, 1])]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("channels", [1, 8])  # depth 1·3·3 = 9: one GEMM per image; 8·3·3 = 72: one large GEMM
def test_conv_weight_grad_is_c_ordered_and_sgd_momentum_matches_torch(dtype, channels) -> None:
    x, y = rand((4, channels, 9, 9), seed=3, dtype=dtype), np.array([0, 2, 1, 2])
    w, b = rand((3, channels, 3, 3), seed=4, dtype=dtype) * 0.2, rand((3,), seed=5, dtype=dtype) * 0.2
    conv, ref = nn.Conv2d(channels, 3, 3), torch.nn.Conv2d(channels, 3, 3, dtype=getattr(torch, np.dtype(dtype).name))
    conv.weight.data, conv.bias.data = w.copy(), b.copy()
    with torch.no_grad():
        ref.weight.copy_(torch.from_numpy(w))
        ref.bias.copy_(torch.from_numpy(b))
    opt = optim.SGD(conv.parameters(), lr=0.05, momentum=0.9)
    ropt = torch.optim.SGD(ref.parameters(), lr=0.05, momentum=0.9)
    for _ in range(3):  # the second step onwards reads the momentum buffer
        opt.zero_grad()
        F.cross_entropy(conv(tg.tensor(x)).mean(axis=(2, 3)), y).backward()
        assert conv.weight.grad.numpy().flags.c_contiguous
        opt.step()
        ropt.zero_grad()
        torch.nn.functional.cross_entropy(ref(torch.from_numpy(x)).mean(dim=(2, 3)), torch.from_numpy(y)).backward()
        ropt.step()
    rtol = 1e-5 if dtype == np.float32 else 1e-12  # float32: a few roundings in other orders (GEMM, im2col)
    np.testing.assert_allclose(conv.weight.numpy(), ref.weight.detach().numpy(), rtol=rtol, atol=rtol)
    np.testing.assert_allclose(conv.bias.numpy(), ref.bias.detach().numpy(), rtol=rtol, atol=rtol)


@pytest.mark.parametrize("jit", [True, False])
@pytest.mark.parametrize("label_dtype", [np.int32, np.int64])
@pytest.mark.parametrize("ignore_index", [-100, 1, 4, 9])  # outside the labels' range, inside it, at its ends
def test_cross_entropy_labels_scanned_once_still_match_torch(jit, label_dtype, ignore_index, monkeypatch) -> None:
    monkeypatch.setattr(tg.kernels, "JIT_ENABLED", jit)
    z, y = rand((6, 10), seed=6), np.array([4, 1, 9, 4, 7, 1], dtype=label_dtype)
    ours, theirs = tg.tensor(z, requires_grad=True), torch.tensor(z, requires_grad=True)
    loss = F.cross_entropy(ours, tg.tensor(y), ignore_index=ignore_index)
    ref = torch.nn.functional.cross_entropy(theirs, torch.from_numpy(y.astype(np.int64)), ignore_index=ignore_index)
    loss.backward()
    ref.backward()
    np.testing.assert_allclose(loss.item(), ref.item(), rtol=1e-14)  # float64: the same sums in another order
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("index_dtype", [np.int64, np.int32])
@pytest.mark.parametrize("shape", [(9,), (9, 3)])
def test_a_constant_picked_by_an_integer_index_tensor_is_pytorchs_copy(index_dtype, shape) -> None:
    x, ix = np.arange(np.prod(shape)).reshape(shape), np.array([[4, -1], [0, 4]], dtype=index_dtype)
    ours, theirs = tg.tensor(x)[tg.tensor(ix)], torch.from_numpy(x)[torch.from_numpy(ix)]
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert ours.dtype == x.dtype and not ours.requires_grad and ours.grad_fn is None
    t = tg.tensor(x)
    picked = t[tg.tensor(ix)]
    picked.add_(100)  # a copy: the source and its version are untouched, as PyTorch's
    np.testing.assert_array_equal(t.numpy(), x)
    assert t._version == 0
    for lib in (tg, torch):
        with pytest.raises(IndexError, match="out of bounds"):
            _ = lib.tensor(x)[lib.tensor(np.array([9], dtype=index_dtype))]


@pytest.mark.parametrize("index_dtype", [np.int64, np.int32])
@pytest.mark.parametrize("ix", [[1, 1, 4], [[4, -1], [0, 4]]])
def test_an_index_tensor_into_a_tensor_that_requires_grad_records_the_op(index_dtype, ix) -> None:
    """``C[X]`` (`ops.GetItem.rows`): PyTorch's values, node and gradient; rows picked twice add up."""
    w, ix = rand((5, 2), seed=7), np.array(ix, dtype=index_dtype)
    ours, theirs = tg.tensor(w, requires_grad=True), torch.tensor(w, requires_grad=True)
    out, ref = ours[tg.tensor(ix)], theirs[torch.from_numpy(ix)]
    np.testing.assert_array_equal(out.detach().numpy(), ref.detach().numpy())
    assert type(out.grad_fn).__name__ == "GetItem" and repr(out.grad_fn).startswith("<IndexBackward0 ")
    (out * 3.0).sum().backward()
    (ref * 3.0).sum().backward()
    np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())  # sums of 3.0s: exact


def test_an_index_tensor_changed_in_place_before_backward_is_pytorchs_error() -> None:
    """The index tensor is kept (`ops.Op.kept`): changing it before backward would scatter the gradient to
    other rows, so it is PyTorch's RuntimeError, in both libraries."""
    for lib in (tg, torch):
        w, ix = lib.ones(5, 2, requires_grad=True), lib.tensor([1, 3])
        out = w[ix]
        ix.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            out.sum().backward()

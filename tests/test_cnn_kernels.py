"""Convolution and pooling kernels against PyTorch (F.unfold, F.fold, F.max_pool2d, F.avg_pool2d),
against the adjoint identity ⟨im2col(x), D⟩ = ⟨x, col2im(D)⟩, and each numba kernel against its
numpy twin, over strides, paddings (also uneven, as "same" with an even kernel needs), dilations
and non-square windows."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_edu import kernels
from tinygrad_edu.kernels import conv as K
from tinygrad_edu.kernels import norm as KN

torch = pytest.importorskip("torch")
F = torch.nn.functional

# (input shape, kernel, stride, padding before, padding after, dilation)
GEOMETRIES = [
    ((2, 3, 7, 7), (3, 3), (1, 1), (0, 0), (0, 0), (1, 1)),
    ((2, 2, 8, 9), (3, 2), (2, 1), (1, 0), (1, 0), (1, 1)),
    ((1, 2, 9, 8), (3, 3), (2, 3), (1, 1), (1, 1), (2, 1)),
    ((3, 1, 6, 6), (2, 2), (2, 2), (1, 1), (1, 1), (1, 1)),
    ((2, 2, 5, 6), (1, 1), (2, 2), (0, 0), (0, 0), (1, 1)),
    ((2, 3, 6, 7), (4, 2), (1, 1), (1, 0), (2, 1), (1, 1)),  # "same" with even kernels: uneven padding
    ((1, 1, 10, 10), (3, 3), (1, 1), (2, 2), (2, 2), (2, 2)),  # "same" with dilation 2
]
SYMMETRIC = [g for g in GEOMETRIES if g[3] == g[4]]


def out_hw(shape, k, s, p, pa, d):
    return tuple(K.conv_out_size(shape[2 + a], k[a], s[a], p[a], pa[a], d[a]) for a in range(2))


def rand(shape, dtype=np.float64, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


IMPLS = ["numba", "numpy"]


def im2col(impl, x, k, s, p, d, o):
    if impl == "numba":
        out = np.empty((x.shape[0], x.shape[1] * k[0] * k[1], o[0] * o[1]), x.dtype)
        return K._im2col_nb(x, out, False, *k, *s, *p, *d, *o)
    return K.im2col_np(x, k, s, p, d, o)


def col2im(impl, dc, shape, k, s, p, d, o):
    if impl == "numba":
        return K._col2im_nb(dc, np.zeros(shape, dc.dtype), False, *k, *s, *p, *d, *o)
    return K.col2im_np(dc, shape, k, s, p, d, o)


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("geom", SYMMETRIC)
def test_im2col_equals_torch_unfold(impl, geom) -> None:
    shape, k, s, p, pa, d = geom
    x = rand(shape)
    cols = im2col(impl, x, k, s, p, d, out_hw(shape, k, s, p, pa, d))
    ref = F.unfold(torch.from_numpy(x), k, dilation=d, padding=p, stride=s).numpy()
    np.testing.assert_array_equal(cols, ref)


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("geom", SYMMETRIC)
def test_col2im_equals_torch_fold(impl, geom) -> None:
    shape, k, s, p, pa, d = geom
    o = out_hw(shape, k, s, p, pa, d)
    dc = rand((shape[0], shape[1] * k[0] * k[1], o[0] * o[1]), seed=1)
    got = col2im(impl, dc, shape, k, s, p, d, o)
    ref = F.fold(torch.from_numpy(dc), shape[2:], k, dilation=d, padding=p, stride=s).numpy()
    np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("geom", GEOMETRIES)
def test_col2im_is_the_adjoint_of_im2col(impl, geom) -> None:
    """⟨im2col(x), D⟩ = ⟨x, col2im(D)⟩ for any x and D: what makes col2im the right backward."""
    shape, k, s, p, pa, d = geom
    o = out_hw(shape, k, s, p, pa, d)
    x = rand(shape)
    dc = rand((shape[0], shape[1] * k[0] * k[1], o[0] * o[1]), seed=2)
    lhs = np.vdot(im2col(impl, x, k, s, p, d, o), dc)
    rhs = np.vdot(x, col2im(impl, dc, shape, k, s, p, d, o))
    assert lhs == pytest.approx(rhs, rel=1e-12)


@pytest.mark.parametrize("geom", GEOMETRIES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_conv_kernels_equal_their_numpy_twins(geom, dtype) -> None:
    shape, k, s, p, pa, d = geom
    o = out_hw(shape, k, s, p, pa, d)
    x = rand(shape, dtype)
    a, b = im2col("numba", x, k, s, p, d, o), im2col("numpy", x, k, s, p, d, o)
    assert a.dtype == b.dtype == dtype
    np.testing.assert_array_equal(a, b)
    dc = rand(a.shape, dtype, seed=3)
    a, b = col2im("numba", dc, shape, k, s, p, d, o), col2im("numpy", dc, shape, k, s, p, d, o)
    assert a.dtype == b.dtype == dtype
    np.testing.assert_allclose(a, b, rtol=1e-6 if dtype == np.float32 else 1e-13, atol=1e-6)


# ----------------------------------------------------------------------------- pooling
POOLS = [  # (input shape, kernel, stride, padding, dilation); PyTorch allows padding ≤ half the kernel
    ((2, 3, 8, 8), (2, 2), (2, 2), (0, 0), (1, 1)),
    ((2, 2, 7, 9), (3, 3), (2, 2), (1, 1), (1, 1)),
    ((1, 2, 9, 8), (3, 2), (1, 2), (1, 1), (1, 1)),
    ((2, 1, 11, 10), (3, 3), (2, 1), (1, 0), (2, 3)),
    ((1, 3, 5, 5), (2, 2), (1, 1), (1, 1), (1, 1)),
]


def max_pool(impl, x, k, s, p, d):
    o = out_hw(x.shape, k, s, p, p, d)
    if impl == "numba 2x2":
        assert k == s == (2, 2) and p == (0, 0) and d == (1, 1)
        return K._max_pool2d_2x2_nb(x, *o)
    return K._max_pool2d_nb(x, *k, *s, *p, *d, *o) if impl == "numba" else K.max_pool2d_np(x, k, s, p, d, o)


def test_max_pool_2x2_kernel_equals_the_general_one_and_torch() -> None:
    for shape in [(2, 3, 8, 8), (1, 2, 7, 9)]:
        x = rand(shape, np.float32)
        a, b = (
            max_pool("numba 2x2", x, (2, 2), (2, 2), (0, 0), (1, 1)),
            max_pool("numba", x, (2, 2), (2, 2), (0, 0), (1, 1)),
        )
        ref, ref_idx = F.max_pool2d(torch.from_numpy(x), 2, return_indices=True)
        np.testing.assert_array_equal(a[0], ref.numpy())
        np.testing.assert_array_equal(a[1], ref_idx.numpy())
        np.testing.assert_array_equal(a[1], b[1])


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("geom", POOLS)
def test_max_pool_values_indices_and_gradient_equal_torch(impl, geom) -> None:
    shape, k, s, p, d = geom
    x = rand(shape)
    out, idx = max_pool(impl, x, k, s, p, d)
    xt = torch.from_numpy(x).requires_grad_()
    ref, ref_idx = F.max_pool2d(xt, k, s, p, d, return_indices=True)
    np.testing.assert_array_equal(out, ref.detach().numpy())
    np.testing.assert_array_equal(idx, ref_idx.numpy())
    g = rand(out.shape, seed=4)
    ref.backward(torch.from_numpy(g))
    if impl == "numba":
        gx = K._max_pool2d_backward_nb(g, idx, np.zeros(shape))
    else:
        gx = K.max_pool2d_backward_np(g, idx, shape)
    np.testing.assert_allclose(gx, xt.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("impl", [*IMPLS, "numba 2x2"])
def test_max_pool_ties_go_to_the_first_element_and_nan_wins(impl) -> None:
    """PyTorch's rule: equal maxima → the first in row order; a NaN propagates."""
    x = np.ones((1, 1, 4, 4))
    x[0, 0, 3, 3] = np.nan
    out, idx = max_pool(impl, x, (2, 2), (2, 2), (0, 0), (1, 1))
    _, ref_idx = F.max_pool2d(torch.ones(1, 1, 4, 4), 2, return_indices=True)
    np.testing.assert_array_equal(idx[0, 0, :1], ref_idx.numpy()[0, 0, :1])
    assert idx[0, 0, 0, 0] == 0 and idx[0, 0, 1, 0] == 8
    assert np.isnan(out[0, 0, 1, 1]) and idx[0, 0, 1, 1] == 15
    assert np.all(out[0, 0][~np.isnan(out[0, 0])] == 1)


def avg_pool(impl, x, k, s, p):
    o = out_hw(x.shape, k, s, p, p, (1, 1))
    return K._avg_pool2d_nb(x, *k, *s, *p, *o) if impl == "numba" else K.avg_pool2d_np(x, k, s, p, o)


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("geom", [g for g in POOLS if g[4] == (1, 1)])
def test_avg_pool_and_gradient_equal_torch(impl, geom) -> None:
    shape, k, s, p, _ = geom
    x = rand(shape)
    out = avg_pool(impl, x, k, s, p)
    xt = torch.from_numpy(x).requires_grad_()
    ref = F.avg_pool2d(xt, k, s, p)
    np.testing.assert_allclose(out, ref.detach().numpy(), rtol=1e-12, atol=1e-14)
    g = rand(out.shape, seed=5)
    ref.backward(torch.from_numpy(g))
    if impl == "numba":
        gx = K._avg_pool2d_backward_nb(g, np.zeros(shape), *k, *s, *p)
    else:
        gx = K.avg_pool2d_backward_np(g, shape, k, s, p)
    np.testing.assert_allclose(gx, xt.grad.numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("jit", [True, False])
def test_dispatchers_float32_and_errors(jit, monkeypatch) -> None:
    monkeypatch.setattr(kernels, "JIT_ENABLED", jit)
    x = rand((2, 3, 6, 6), np.float32)
    cols = K.im2col(x, (3, 3), (1, 1), (1, 1), (1, 1), (6, 6))
    assert cols.dtype == np.float32 and cols.shape == (2, 27, 36)
    assert K.col2im(cols, x.shape, (3, 3), (1, 1), (1, 1), (1, 1), (6, 6)).dtype == np.float32
    out, idx = K.max_pool2d(x, (2, 2), (2, 2), (0, 0), (1, 1), (3, 3))
    assert out.dtype == np.float32 and K.max_pool2d_backward(out, idx, x.shape).dtype == np.float32
    a = K.avg_pool2d(x, (2, 2), (2, 2), (0, 0), (3, 3))
    assert a.dtype == np.float32 and K.avg_pool2d_backward(a, x.shape, (2, 2), (2, 2), (0, 0)).dtype == np.float32
    with pytest.raises(ValueError, match=r"im2col: x must have 4 dimensions, got shape \(3, 6, 6\)"):
        K.im2col(x[0], (3, 3), (1, 1), (0, 0), (1, 1), (4, 4))
    with pytest.raises(TypeError, match="floating-point"):
        K.max_pool2d(x.astype(np.int32), (2, 2), (2, 2), (0, 0), (1, 1), (3, 3))
    with pytest.raises(ValueError, match=r"col2im: expected columns of shape \(2, 27, 36\) for image \(2, 3, 6, 6\)"):
        K.col2im(cols[:, :5], x.shape, (3, 3), (1, 1), (1, 1), (1, 1), (6, 6))
    with pytest.raises(ValueError, match=r"max_pool2d: padding \(2, 1\) must be at most half the window \(3, 3\)"):
        K.max_pool2d(x, (3, 3), (1, 1), (2, 1), (1, 1), (8, 6))
    with pytest.raises(
        ValueError, match=r"max_pool2d_backward: gradient \(1, 3, 3, 3\) does not belong to an input of shape"
    ):
        K.max_pool2d_backward(out[:1], idx, x.shape)


# ----------------------------------------------------------------------------- batch norm over (N, C, M)
@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("shape", [(8, 3, 25), (2, 4, 1), (5, 2, 36)])
def test_batch_norm_forward_backward_equal_torch(impl, shape) -> None:
    x = rand(shape) * 3 + 1
    gamma, beta = rand(shape[1], seed=6) + 1.5, rand(shape[1], seed=7)
    g = rand(shape, seed=8)
    if impl == "numba":
        out, xhat, mean, var, invstd = KN._batch_norm_nb(x, gamma, beta, 1e-5)
        gx, gg, gb = KN._batch_norm_backward_nb(g, xhat, gamma, invstd)
    else:
        out, xhat, mean, var, invstd = KN.batch_norm_np(x, gamma, beta, 1e-5)
        gx, gg, gb = KN.batch_norm_backward_np(g, xhat, gamma, invstd)
    xt, gt, bt = (torch.from_numpy(a).requires_grad_() for a in (x, gamma, beta))
    ref = F.batch_norm(xt, None, None, gt, bt, training=True, eps=1e-5)
    ref.backward(torch.from_numpy(g))
    np.testing.assert_allclose(out, ref.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(mean, x.mean(axis=(0, 2)), rtol=1e-12)
    np.testing.assert_allclose(var, x.var(axis=(0, 2)), rtol=1e-12)
    for got, want in ((gx, xt.grad), (gg, gt.grad), (gb, bt.grad)):
        np.testing.assert_allclose(got, want.numpy(), rtol=1e-9, atol=1e-12)


def test_batch_norm_kernel_equals_twin_in_float32() -> None:
    x = rand((16, 4, 49), np.float32) * 2 - 1
    gamma, beta = rand(4, np.float32, 1), rand(4, np.float32, 2)
    g = rand(x.shape, np.float32, 3)
    a, b = KN._batch_norm_nb(x, gamma, beta, 1e-5), KN.batch_norm_np(x, gamma, beta, 1e-5)
    for u, v in zip(a, b):
        np.testing.assert_allclose(u, v, rtol=1e-5, atol=1e-6)
    assert a[0].dtype == a[1].dtype == a[4].dtype == np.float32
    ga, gb = KN._batch_norm_backward_nb(g, a[1], gamma, a[4]), KN.batch_norm_backward_np(g, b[1], gamma, b[4])
    for u, v in zip(ga, gb):
        np.testing.assert_allclose(u, v, rtol=1e-4, atol=1e-5)
        assert u.dtype == np.float32

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
from tinygrad_edu.kernels import pooling as KP

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
    ((1, 2, 9, 12), (5, 5), (1, 1), (0, 0), (0, 0), (1, 1)),  # LeNet's 5x5, batch 1, not square
    ((2, 1, 5, 4), (5, 3), (3, 2), (2, 1), (2, 1), (1, 2)),  # taps whose every row or column is padding
    ((1, 2, 4, 6), (3, 3), (1, 2), (2, 2), (2, 2), (3, 2)),  # a tap row in the padding for every output
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
        return KP._max_pool2d_2x2_nb(x, *o)
    return KP._max_pool2d_nb(x, *k, *s, *p, *d, *o) if impl == "numba" else KP.max_pool2d_np(x, k, s, p, d, o)


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
        gx = np.zeros(shape)
        assert KP._max_pool2d_backward_nb(g, idx, gx) == -1
    else:
        gx = KP.max_pool2d_backward_np(g, idx, shape)
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
    return KP._avg_pool2d_nb(x, *k, *s, *p, *o) if impl == "numba" else KP.avg_pool2d_np(x, k, s, p, o)


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
        gx = KP._avg_pool2d_backward_nb(g, np.zeros(shape), *k, *s, *p)
    else:
        gx = KP.avg_pool2d_backward_np(g, shape, k, s, p)
    np.testing.assert_allclose(gx, xt.grad.numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("jit", [True, False])
def test_dispatchers_float32_and_errors(jit, monkeypatch) -> None:
    monkeypatch.setattr(kernels, "JIT_ENABLED", jit)
    x = rand((2, 3, 6, 6), np.float32)
    cols = K.im2col(x, (3, 3), (1, 1), (1, 1), (1, 1), (6, 6))
    assert cols.dtype == np.float32 and cols.shape == (2, 27, 36)
    assert K.col2im(cols, x.shape, (3, 3), (1, 1), (1, 1), (1, 1), (6, 6)).dtype == np.float32
    out, idx = KP.max_pool2d(x, (2, 2), (2, 2), (0, 0), (1, 1), (3, 3))
    assert out.dtype == np.float32 and KP.max_pool2d_backward(out, idx, x.shape).dtype == np.float32
    a = KP.avg_pool2d(x, (2, 2), (2, 2), (0, 0), (3, 3))
    assert a.dtype == np.float32 and KP.avg_pool2d_backward(a, x.shape, (2, 2), (2, 2), (0, 0)).dtype == np.float32
    with pytest.raises(ValueError, match=r"im2col: x must have 4 dimensions, got shape \(3, 6, 6\)"):
        K.im2col(x[0], (3, 3), (1, 1), (0, 0), (1, 1), (4, 4))
    with pytest.raises(TypeError, match="floating-point"):
        KP.max_pool2d(x.astype(np.int32), (2, 2), (2, 2), (0, 0), (1, 1), (3, 3))
    with pytest.raises(ValueError, match=r"col2im: expected columns of shape \(2, 27, 36\) for image \(2, 3, 6, 6\)"):
        K.col2im(cols[:, :5], x.shape, (3, 3), (1, 1), (1, 1), (1, 1), (6, 6))
    with pytest.raises(ValueError, match=r"max_pool2d: padding \(2, 1\) must be at most half the window \(3, 3\)"):
        KP.max_pool2d(x, (3, 3), (1, 1), (2, 1), (1, 1), (8, 6))
    with pytest.raises(
        ValueError, match=r"max_pool2d_backward: gradient \(1, 3, 3, 3\) does not belong to an input of shape"
    ):
        KP.max_pool2d_backward(out[:1], idx, x.shape)


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


# ----------------------------------------------------------------------------- the two column layouts
@pytest.fixture(params=["numba", "numpy"])
def dispatch(request, monkeypatch):
    """The dispatchers `K.im2col`, `K.col2im`, `KP.max_pool2d` with the numba kernels on, or their numpy twins."""
    if request.param == "numba" and kernels.nb is None:
        pytest.skip("numba not installed")
    monkeypatch.setattr(kernels, "JIT_ENABLED", request.param == "numba")
    return request.param


def torch_unfold(x, k, s, p, pa, d):
    """F.unfold of x zero-padded (top p[0], bottom pa[0], left p[1], right pa[1]): (N, C·kh·kw, L)."""
    xt = F.pad(torch.from_numpy(x), (p[1], pa[1], p[0], pa[0]))
    return F.unfold(xt, k, dilation=d, stride=s).numpy()


def torch_fold(dc, shape, k, s, p, pa, d):
    """F.fold onto the padded image, then the padding cut off: the adjoint of `torch_unfold`."""
    padded = (shape[2] + p[0] + pa[0], shape[3] + p[1] + pa[1])
    out = F.fold(torch.from_numpy(dc), padded, k, dilation=d, stride=s).numpy()
    return out[:, :, p[0] : p[0] + shape[2], p[1] : p[1] + shape[3]]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("ones_row", [False, True])
@pytest.mark.parametrize("batch_inside", [False, True])
@pytest.mark.parametrize("geom", GEOMETRIES)
def test_im2col_layouts_and_ones_row_equal_torch_unfold(dispatch, geom, batch_inside, ones_row, dtype) -> None:
    """(N, C·kh·kw, L) per image, or (C·kh·kw, N·L) with the batch inside the columns (unfold's output
    with its first two axes swapped); ``ones_row`` adds one row of ones below, per image or in all."""
    shape, k, s, p, pa, d = geom
    x = rand(shape, dtype)
    ref = torch_unfold(x, k, s, p, pa, d)
    if ones_row:
        ref = np.concatenate([ref, np.ones_like(ref[:, :1])], axis=1)
    if batch_inside:
        ref = ref.transpose(1, 0, 2).reshape(ref.shape[1], -1)
    cols = K.im2col(x, k, s, p, d, out_hw(shape, k, s, p, pa, d), batch_inside=batch_inside, ones_row=ones_row)
    assert cols.dtype == dtype
    np.testing.assert_array_equal(cols, ref)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("batch_inside", [False, True])
@pytest.mark.parametrize("geom", GEOMETRIES)
def test_col2im_layouts_equal_torch_fold(dispatch, geom, batch_inside, dtype) -> None:
    shape, k, s, p, pa, d = geom
    o = out_hw(shape, k, s, p, pa, d)
    dc = rand((shape[0], shape[1] * k[0] * k[1], o[0] * o[1]), dtype, seed=1)
    ref = torch_fold(dc, shape, k, s, p, pa, d)
    if batch_inside:
        dc = np.ascontiguousarray(dc.transpose(1, 0, 2)).reshape(dc.shape[1], -1)
    got = K.col2im(dc, shape, k, s, p, d, o, batch_inside=batch_inside)
    assert got.dtype == dtype and got.shape == shape
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(got, ref, rtol=tol, atol=tol)


def test_col2im_refuses_columns_of_the_other_layout() -> None:
    shape, k, o = (2, 3, 5, 5), (3, 3), (3, 3)
    per_image = rand((2, 27, 9))
    with pytest.raises(ValueError, match=r"col2im: expected columns of shape \(27, 18\) for image \(2, 3, 5, 5\)"):
        K.col2im(per_image, shape, k, (1, 1), (0, 0), (1, 1), o, batch_inside=True)
    with pytest.raises(ValueError, match=r"col2im: expected columns of shape \(2, 27, 9\)"):
        K.col2im(per_image.transpose(1, 0, 2).reshape(27, 18), shape, k, (1, 1), (0, 0), (1, 1), o)


# ----------------------------------------------------------------------------- max-pool: NaN and ±inf as PyTorch
def sprinkle(shape, dtype, specials, density, seed):
    """Random normals with ``density`` of the entries replaced by values drawn from ``specials``."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    hit = rng.random(shape) < density
    x[hit] = rng.choice(np.asarray(specials, dtype=np.float64), size=int(hit.sum()))
    return x.astype(dtype)


SPECIALS = {
    "several NaNs": [np.nan],
    "+inf and -inf": [np.inf, -np.inf],
    "NaN, +inf and -inf": [np.nan, np.inf, -np.inf],
    "-inf only": [-np.inf],
}


def assert_max_pool_equals_torch(out, idx, x, k, s, p, d) -> None:
    ref, ref_idx = F.max_pool2d(torch.from_numpy(x), k, s, p, d, return_indices=True)
    np.testing.assert_array_equal(out, ref.numpy())  # NaN == NaN here
    np.testing.assert_array_equal(idx, ref_idx.numpy())


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("specials", list(SPECIALS))
@pytest.mark.parametrize("impl", [*IMPLS, "numba 2x2"])
def test_max_pool_2x2_with_nan_and_inf_equals_torch(impl, specials, dtype) -> None:
    """Dense NaN (half the entries), so that most windows hold several: PyTorch keeps the last NaN in
    row order; +inf and -inf in one window make the tap sum NaN (the kernels' slow path) and must still
    give the first maximum."""
    for seed, density in enumerate([0.5, 0.25, 0.9]):
        x = sprinkle((2, 3, 8, 10), dtype, SPECIALS[specials], density, seed)
        out, idx = max_pool(impl, x, (2, 2), (2, 2), (0, 0), (1, 1))
        assert out.dtype == dtype
        assert_max_pool_equals_torch(out, idx, x, (2, 2), (2, 2), (0, 0), (1, 1))


@pytest.mark.parametrize("specials", list(SPECIALS))
@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("geom", POOLS)
def test_max_pool_general_with_nan_and_inf_equals_torch(impl, geom, specials) -> None:
    shape, k, s, p, d = geom
    for dtype in (np.float64, np.float32):
        for seed, density in enumerate([0.5, 0.25]):
            x = sprinkle(shape, dtype, SPECIALS[specials], density, seed)
            out, idx = max_pool(impl, x, k, s, p, d)
            assert_max_pool_equals_torch(out, idx, x, k, s, p, d)


def test_max_pool_last_nan_wins_in_every_kernel_as_in_torch() -> None:
    """One window, NaNs at taps 0 and 2 of 4 (and of 9): the index is that of the later one."""
    x = np.array([[[[np.nan, 1.0], [np.nan, 5.0]]]])
    x9 = np.array([[[[2.0, np.nan, 0.0], [9.0, 1.0, 3.0], [np.nan, -1.0, 4.0]]]])
    _, ref = F.max_pool2d(torch.from_numpy(x), 2, return_indices=True)
    _, ref9 = F.max_pool2d(torch.from_numpy(x9), 3, return_indices=True)
    assert ref.item() == 2 and ref9.item() == 6  # PyTorch's own rule, pinned
    for impl in [*IMPLS, "numba 2x2"]:
        out, idx = max_pool(impl, x, (2, 2), (2, 2), (0, 0), (1, 1))
        assert np.isnan(out).all() and idx.item() == 2, impl
    for impl in IMPLS:
        out, idx = max_pool(impl, x9, (3, 3), (3, 3), (0, 0), (1, 1))
        assert np.isnan(out).all() and idx.item() == 6, impl


@pytest.mark.parametrize("geom", [POOLS[0], POOLS[1], POOLS[3]])
def test_max_pool_dispatcher_with_nan_and_inf_equals_torch(dispatch, geom) -> None:
    """Through the dispatcher (which picks the 2x2 kernel for 2x2/stride 2), and the gradient routed as PyTorch's."""
    shape, k, s, p, d = geom
    x = sprinkle(shape, np.float64, SPECIALS["NaN, +inf and -inf"], 0.4, 9)
    out, idx = KP.max_pool2d(x, k, s, p, d, out_hw(shape, k, s, p, p, d))
    assert_max_pool_equals_torch(out, idx, x, k, s, p, d)
    xt = torch.from_numpy(x).requires_grad_()
    g = rand(out.shape, seed=4)
    F.max_pool2d(xt, k, s, p, d).backward(torch.from_numpy(g))
    np.testing.assert_array_equal(KP.max_pool2d_backward(g, idx, shape), xt.grad.numpy())


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", [(2, 3, 8, 8), (2, 2, 7, 9)])
def test_max_pool_2x2_gradient_equals_torch_on_odd_sizes(dispatch, shape, dtype) -> None:
    """2x2 windows of stride 2 on an odd height and width (the last row and column are in no window
    and get a zero gradient), through the dispatcher, JIT on and off, in both float dtypes."""
    x = rand(shape, dtype, seed=5)
    out, idx = KP.max_pool2d(x, (2, 2), (2, 2), (0, 0), (1, 1), (shape[2] // 2, shape[3] // 2))
    xt = torch.from_numpy(x).requires_grad_()
    g = rand(out.shape, dtype, seed=6)
    F.max_pool2d(xt, 2).backward(torch.from_numpy(g))
    gx = KP.max_pool2d_backward(g, idx, shape)
    assert gx.dtype == dtype
    np.testing.assert_array_equal(gx, xt.grad.numpy())


@pytest.mark.parametrize("bad", [-1, 9])
def test_max_pool_backward_names_the_first_index_out_of_range(dispatch, bad) -> None:
    """The numba kernel checks each index before its write (no separate pass): the error names the first
    index outside [0, H·W) in memory order, as the twin's check does, and a later bad index is never reached."""
    g = np.ones((1, 2, 1, 2))
    idx = np.array([[[[0, 3]], [[bad, 12]]]])  # a 3x3 image: [0, 9)
    message = rf"max_pool2d_backward: indices must lie in \[0, 9\), got {bad}$"
    with pytest.raises(kernels.OutOfRangeError, match=message):
        KP.max_pool2d_backward(g, idx, (1, 2, 3, 3))
    idx[0, 1, 0, 0] = 8
    with pytest.raises(kernels.OutOfRangeError, match=r"got 12$"):
        KP.max_pool2d_backward(g, idx, (1, 2, 3, 3))
    idx[0, 1, 0, 1] = 4
    out = KP.max_pool2d_backward(g, idx, (1, 2, 3, 3))
    assert out.reshape(2, 9)[0].tolist() == [1, 0, 0, 1, 0, 0, 0, 0, 0]
    assert out.reshape(2, 9)[1].tolist() == [0, 0, 0, 0, 1, 0, 0, 0, 1]


def test_max_pool_backward_takes_big_endian_indices(dispatch) -> None:
    """numba takes no big-endian integers: such indices go to the numpy twin (they had raised numba's
    TypingError), with the same gradient."""
    x = rand((2, 3, 6, 6))
    out, idx = KP.max_pool2d(x, (2, 2), (2, 2), (0, 0), (1, 1), (3, 3))
    g = rand(out.shape, seed=1)
    ref = KP.max_pool2d_backward(g, idx, x.shape)
    np.testing.assert_array_equal(KP.max_pool2d_backward(g, idx.astype(">i8"), x.shape), ref)

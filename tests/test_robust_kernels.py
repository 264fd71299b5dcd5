"""Bad inputs at the kernels' entry: every dispatcher checks shapes, dtypes and ranges before any loop runs.

Each test runs twice, with the numba kernels on (and the size cut at 1, so that even tiny arrays reach
them) and off (the numpy twins). Expected values come from the math (max(x, 0), σ written out, window
counts) or from PyTorch; errors must name the operation and what was wrong.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinygrad_edu import kernels
from tinygrad_edu.optim.adam import adam_step
from tinygrad_edu.optim.sgd import sgd_step

from .conftest import needs_torch


@pytest.fixture(params=[True, False], ids=["jit", "numpy"], autouse=True)
def jit(request, monkeypatch) -> bool:
    on = request.param and kernels.nb is not None
    monkeypatch.setattr(kernels, "JIT_ENABLED", on)
    return on


def relu_ref(x: np.ndarray) -> np.ndarray:
    """max(x, 0) element by element in Python floats, NaN kept (IEEE: NaN compares false)."""
    return np.array([v if (v > 0 or math.isnan(v)) else 0.0 for v in x.ravel().tolist()]).reshape(x.shape)


def sigmoid_ref(x: np.ndarray) -> np.ndarray:
    """1/(1 + e^{−x}) element by element in Python floats (e^{−x} overflow means σ = 0)."""

    def s(v: float) -> float:
        return 1.0 / (1.0 + math.exp(-v)) if v > -700 else 0.0

    return np.array([s(v) for v in x.ravel().tolist()]).reshape(x.shape)


# --------------------------------------------------------------------------- NaN and inf
def test_relu_of_nan_is_nan_on_large_arrays() -> None:
    """Issue 12: the JIT kernel turned NaN into 0, so detect_anomaly missed it (torch.relu(nan) = nan)."""
    x = np.full(100_000, np.nan, dtype=np.float32)
    x[::2] = -1.0
    y = kernels.relu(x)
    assert np.isnan(y[1::2]).all() and (y[::2] == 0).all()


def test_relu_and_sigmoid_of_inf() -> None:
    x = np.array([-np.inf, np.inf, np.nan])
    np.testing.assert_array_equal(kernels.relu(x), [0.0, np.inf, np.nan])
    np.testing.assert_array_equal(kernels.sigmoid(x), [0.0, 1.0, np.nan])


# --------------------------------------------------------------------------- dtypes
@pytest.mark.parametrize("name", ["relu", "sigmoid"])
def test_float16_forward_works_and_stays_float16(name) -> None:
    """Issue 12: float16 with the JIT on raised numba's NotImplementedError; it goes to the twin now."""
    x = np.linspace(-4, 4, 50).astype(np.float16)
    y = getattr(kernels, name)(x)
    want = relu_ref(x.astype(np.float64)) if name == "relu" else sigmoid_ref(x.astype(np.float64))
    assert y.dtype == np.float16
    np.testing.assert_allclose(y, want, rtol=2e-3, atol=1e-3)


@pytest.mark.parametrize(
    ("name", "formula"),
    [
        ("relu_backward", lambda y, g: g * (y > 0)),
        ("sigmoid_backward", lambda y, g: g * y * (1 - y)),
        ("tanh_backward", lambda y, g: g * (1 - y * y)),
    ],
)
def test_float16_backward_works(name, formula) -> None:
    rng = np.random.default_rng(0)
    y, g = rng.uniform(-1, 1, (2, 30)), rng.normal(size=(2, 30))
    got = getattr(kernels, name)(y.astype(np.float16), g.astype(np.float16))
    assert got.dtype == np.float16
    np.testing.assert_allclose(got, formula(y, g), rtol=5e-3, atol=5e-3)


def test_integer_relu_stays_integer_as_torch() -> None:
    x = np.array([-3, 0, 5], dtype=np.int64)
    y = kernels.relu(x)
    assert y.dtype.kind == "i"
    np.testing.assert_array_equal(y, [0, 0, 5])


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.bool_])
def test_sigmoid_of_integers_and_bools_is_a_float(dtype) -> None:
    """torch.sigmoid of an integer tensor promotes to floating point; σ(1) = 0.731…, not 0 or 1."""
    x = np.array([0, 1, 1], dtype=dtype)
    y = kernels.sigmoid(x)
    assert y.dtype.kind == "f"
    np.testing.assert_allclose(y, [0.5, 1 / (1 + math.exp(-1)), 1 / (1 + math.exp(-1))], rtol=1e-12)


def test_mixed_float32_and_float64_go_to_the_twin() -> None:
    y = np.array([0.5, -1.0], dtype=np.float32)
    g = np.array([2.0, 3.0])
    np.testing.assert_array_equal(kernels.relu_backward(y, g), [2.0, 0.0])


# --------------------------------------------------------------------------- shapes and layouts
@pytest.mark.parametrize("name", ["relu_backward", "sigmoid_backward", "tanh_backward"])
def test_backward_with_mismatched_shapes_is_an_error(name) -> None:
    with pytest.raises(ValueError, match=rf"{name}: y has shape \(3, 4\) but g has shape \(4,\)"):
        getattr(kernels, name)(np.ones((3, 4)), np.ones(4))


@pytest.mark.parametrize("name", ["relu", "sigmoid"])
def test_non_arrays_are_refused_by_name(name) -> None:
    with pytest.raises(TypeError, match=rf"{name}: x must be a numpy array, got list"):
        getattr(kernels, name)([1.0, -1.0])


def test_empty_and_zero_d_arrays() -> None:
    assert kernels.relu(np.empty((0, 5))).shape == (0, 5)
    assert kernels.relu_backward(np.empty((0, 5)), np.empty((0, 5))).shape == (0, 5)
    y = kernels.relu(np.array(-2.5))
    assert y.shape == () and y == 0.0
    assert kernels.sigmoid(np.array(0.0)) == 0.5
    assert kernels.relu(np.float32(3.0)) == 3.0  # a numpy scalar is a 0-d array


def test_non_contiguous_views() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(40, 30))
    for view in (x[:, ::2], x.T, x[::-1]):
        np.testing.assert_array_equal(kernels.relu(view), relu_ref(view))
        np.testing.assert_allclose(kernels.sigmoid(view), sigmoid_ref(view), rtol=1e-12)
        np.testing.assert_array_equal(kernels.relu_backward(view, view.copy()), np.where(view > 0, view, 0))


# --------------------------------------------------------------------------- softmax cross-entropy
LOGITS = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])


@pytest.mark.parametrize(
    ("labels", "error", "message"),
    [
        (np.array([0, 3]), ValueError, r"labels must lie in \[0, 3\), got 3"),
        (np.array([0, -1]), ValueError, r"labels must lie in \[0, 3\), got -1"),
        (np.array([0, 1, 2]), ValueError, r"labels must have shape \(2,\), got \(3,\)"),
        (np.array([0.0, 1.0]), TypeError, "labels must be integers, got dtype float64"),
        (np.array([True, False]), TypeError, "labels must be integers, got dtype bool"),
    ],
)
@pytest.mark.parametrize("name", ["softmax_xent", "softmax_xent_backward"])
def test_bad_labels_are_errors(name, labels, error, message) -> None:
    args = (LOGITS, labels) if name == "softmax_xent" else (LOGITS, labels, 1.0)
    with pytest.raises(error, match=f"{name}: {message}"):
        getattr(kernels, name)(*args)


@pytest.mark.parametrize(
    ("labels", "error", "message"),
    [
        (np.array([0, 1, 2]), ValueError, r"2 rows of scores but labels of shape \(3,\)"),
        (np.array([True, False]), TypeError, "labels must be integers, got dtype bool"),
        (np.array([0.5, 1.0]), ValueError, "labels must be whole numbers"),
        (np.array([0, 3]), IndexError, "Target 3 is out of bounds"),
        (np.array([-1, 0]), IndexError, "Target -1 is out of bounds"),
    ],
)
def test_cross_entropy_checks_the_labels_the_kernels_then_trust(labels, error, message) -> None:
    """cross_entropy passes ``checked=True`` to the kernels, which then check nothing: it must refuse each
    bad label itself, before any kernel runs."""
    from tinygrad_edu import Tensor
    from tinygrad_edu.nn import functional as F

    with pytest.raises(error, match=f"{message}"):
        F.cross_entropy(Tensor(LOGITS, requires_grad=True), Tensor(labels))


def test_labels_changed_between_the_passes_stop_the_backward_kernel() -> None:
    """cross_entropy's op keeps the labels' array, not a copy: a label written out of range after the forward
    pass must stop the backward before it writes past its row (the kernel checks each row's label)."""
    from tinygrad_edu import Tensor
    from tinygrad_edu.nn import functional as F

    labels = np.array([0, 2])
    loss = F.cross_entropy(Tensor(LOGITS, requires_grad=True), Tensor(labels))
    labels[1] = 3
    with pytest.raises(ValueError, match=r"softmax_xent_backward: labels must lie in \[0, 3\), got 3"):
        loss.backward()


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_cross_entropy_of_no_rows_is_nan_even_without_classes(dtype) -> None:
    """The mean of no losses is 0/0, as PyTorch's (N = 0, C = 0 too, on the kernels' and the twins' paths)."""
    from tinygrad_edu import Tensor
    from tinygrad_edu.nn import functional as F

    z = Tensor(np.zeros((0, 0), dtype), requires_grad=True)
    loss = F.cross_entropy(z, Tensor(np.zeros(0, np.int64)))
    loss.backward()
    assert np.isnan(loss.item()) and z.grad.shape == (0, 0)


def test_bad_score_shapes_are_errors() -> None:
    with pytest.raises(ValueError, match=r"softmax_xent: scores must have 2 dimensions, got shape \(3,\)"):
        kernels.softmax_xent(np.ones(3), np.array([0]))
    with pytest.raises(ValueError, match="have no classes"):
        kernels.softmax_xent(np.ones((2, 0)), np.array([0, 0]))


def test_softmax_xent_of_no_rows_is_zero() -> None:
    loss, probs = kernels.softmax_xent(np.empty((0, 4)), np.empty(0, dtype=np.int64))
    assert loss == 0.0 and probs.shape == (0, 4)


@needs_torch
@pytest.mark.parametrize("layout", ["float16", "transposed"])
def test_softmax_xent_float16_and_non_contiguous_match_torch(layout) -> None:
    import torch

    rng = np.random.default_rng(2)
    z = rng.normal(size=(10, 6)) * 3
    labels = rng.integers(0, 6, 6 if layout == "transposed" else 10)
    if layout == "float16":
        z = z.astype(np.float16)
    else:
        z = np.asfortranarray(z).T  # a (6, 10) view that is not C-contiguous
    loss, _ = kernels.softmax_xent(z, labels)
    want = torch.nn.functional.cross_entropy(torch.tensor(z.astype(np.float64)), torch.tensor(labels), reduction="sum")
    assert loss == pytest.approx(want.item(), rel=2e-3 if layout == "float16" else 1e-12)


# --------------------------------------------------------------------------- convolution and pooling kernels
GEOMETRY = ((2, 2), (1, 1), (0, 0), (1, 1), (2, 2))  # 2x2 windows, stride 1, over a 3x3 image: 2x2 outputs


def test_col2im_counts_the_windows_over_each_pixel_in_float16() -> None:
    got = kernels.col2im(np.ones((1, 4, 4), dtype=np.float16), (1, 1, 3, 3), *GEOMETRY)
    assert got.dtype == np.float16
    np.testing.assert_array_equal(got[0, 0], [[1, 2, 1], [2, 4, 2], [1, 2, 1]])


@pytest.mark.parametrize(
    ("shape", "geometry", "message"),
    [
        ((1, 1, 3), GEOMETRY, r"the image shape must be \(N, C, H, W\), got \(1, 1, 3\)"),
        ((2, 1, 3, 3), GEOMETRY, r"expected columns of shape \(2, 4, 4\) for image \(2, 1, 3, 3\), got \(1, 4, 4\)"),
        ((1, 1, 3, 3), ((2, 2), (0, 1), (0, 0), (1, 1), (2, 2)), r"stride must be a pair of integers of at least 1"),
        ((1, 1, 3, 3), ((2, 2), (1, 1), (-1, 0), (1, 1), (2, 2)), r"padding must be a pair of integers of at least 0"),
        ((1, 1, 3, 3), ((2,), (1, 1), (0, 0), (1, 1), (2, 2)), r"kernel must be a pair of integers of at least 1"),
    ],
)
def test_col2im_refuses_what_would_write_out_of_bounds(shape, geometry, message) -> None:
    with pytest.raises(ValueError, match=f"col2im: {message}"):
        kernels.col2im(np.ones((1, 4, 4)), shape, *geometry)


def test_im2col_and_pools_check_their_input() -> None:
    with pytest.raises(ValueError, match=r"im2col: x must have 4 dimensions, got shape \(3, 3\)"):
        kernels.im2col(np.ones((3, 3)), *GEOMETRY)
    with pytest.raises(TypeError, match="max_pool2d: x must be a floating-point array"):
        kernels.max_pool2d(np.ones((1, 1, 4, 4), dtype=int), (2, 2), (2, 2), (0, 0), (1, 1), (2, 2))
    with pytest.raises(ValueError, match=r"avg_pool2d: padding \(2, 0\) must be at most half the window \(2, 2\)"):
        kernels.avg_pool2d(np.ones((1, 1, 4, 4)), (2, 2), (2, 2), (2, 0), (4, 2))
    half = kernels.im2col(np.ones((1, 1, 3, 3), dtype=np.float16), *GEOMETRY)  # the twin takes float16
    assert half.dtype == np.float16 and half.shape == (1, 4, 4)


def test_max_pool2d_backward_routes_to_the_winner_and_checks_its_indices() -> None:
    g = np.array([[[[5.0]]]])
    out = kernels.max_pool2d_backward(g, np.array([[[[3]]]]), (1, 1, 2, 2))
    np.testing.assert_array_equal(out[0, 0], [[0, 0], [0, 5]])  # flat index 3 of a 2x2 image: row 1, column 1
    with pytest.raises(ValueError, match=r"max_pool2d_backward: indices must lie in \[0, 4\), got 4"):
        kernels.max_pool2d_backward(g, np.array([[[[4]]]]), (1, 1, 2, 2))
    with pytest.raises(TypeError, match="indices must be integers, got dtype float64"):
        kernels.max_pool2d_backward(g, np.array([[[[1.0]]]]), (1, 1, 2, 2))
    with pytest.raises(ValueError, match=r"indices must have shape \(1, 1, 1, 1\), got \(1, 1, 1\)"):
        kernels.max_pool2d_backward(g, np.array([[[1]]]), (1, 1, 2, 2))
    with pytest.raises(
        ValueError, match=r"gradient \(1, 1, 1, 1\) does not belong to an input of shape \(1, 2, 2, 2\)"
    ):
        kernels.max_pool2d_backward(g, np.zeros((1, 1, 1, 1), int), (1, 2, 2, 2))


# --------------------------------------------------------------------------- optimizer steps, called directly
def test_sgd_step_with_a_wrong_gradient_shape_is_an_error_and_writes_nothing() -> None:
    """Issue 12: a (1,) gradient for 4,096 parameters wrote garbage (JIT) or broadcast (numpy)."""
    p = np.ones(4096, dtype=np.float32)
    with pytest.raises(ValueError, match=r"the parameter has shape \(4096,\) but the gradient has shape \(1,\)"):
        sgd_step(p, np.ones(1, dtype=np.float32), None, 0.1, 0.0, 0.0, 0.0, False, True)
    assert (p == 1).all()


def test_adam_step_with_wrong_state_shape_is_an_error() -> None:
    p, g = np.ones(10), np.ones(10)
    with pytest.raises(ValueError, match=r"adam_step: the parameter has shape \(10,\) but v has shape \(5,\)"):
        adam_step(p, g, np.zeros(10), np.zeros(5), 0.1, 0.9, 0.999, 1e-8, 0.0, 0.1, 0.001)
    assert (p == 1).all()


def test_optimizer_steps_refuse_integer_and_read_only_parameters() -> None:
    with pytest.raises(TypeError, match="sgd_step: the parameter must be a floating-point array, got dtype int64"):
        sgd_step(np.ones(3, dtype=np.int64), np.ones(3), None, 0.1, 0.0, 0.0, 0.0, False, True)
    frozen = np.ones(3)
    frozen.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        sgd_step(frozen, np.ones(3), None, 0.1, 0.0, 0.0, 0.0, False, True)
    with pytest.raises(TypeError, match="the gradient must be a floating-point array, got dtype bool"):
        sgd_step(np.ones(3), np.ones(3, dtype=bool), None, 0.1, 0.0, 0.0, 0.0, False, True)


def test_float16_sgd_and_adam_steps() -> None:
    """p − lr·g for SGD; for Adam's first step p − lr·g/(|g| + ε) (m̂ = g, v̂ = g²)."""
    g = np.array([0.5, -2.0, 4.0])
    p = np.ones(3, dtype=np.float16)
    sgd_step(p, g.astype(np.float16), None, 0.1, 0.0, 0.0, 0.0, False, True)
    np.testing.assert_allclose(p, 1 - 0.1 * g, rtol=1e-3)
    p, m, v = np.ones(3, dtype=np.float16), np.zeros(3, np.float16), np.zeros(3, np.float16)
    adam_step(p, g.astype(np.float16), m, v, 0.1, 0.9, 0.999, 1e-8, 0.0, 0.1, 0.001)
    assert p.dtype == np.float16
    np.testing.assert_allclose(p, 1 - 0.1 * np.sign(g), rtol=2e-3)


# --------------------------------------------------------------------------- properties
FLOATS = st.floats(allow_nan=True, allow_infinity=True, width=32)


@given(
    x=hnp.arrays(st.sampled_from([np.float32, np.float64]), hnp.array_shapes(min_dims=0, max_dims=3), elements=FLOATS)
)
def test_relu_is_max_with_zero_keeping_nan(x) -> None:
    np.testing.assert_array_equal(kernels.relu(x), relu_ref(x).astype(x.dtype))


@given(
    pair=hnp.array_shapes(min_dims=1, max_dims=3).flatmap(
        lambda s: st.tuples(
            hnp.arrays(np.float64, s, elements=st.floats(-10, 10)),
            hnp.arrays(np.float64, s, elements=st.floats(-10, 10)),
        )
    )
)
def test_relu_backward_passes_the_gradient_where_the_output_is_positive(pair) -> None:
    y, g = pair
    want = np.array([gi if yi > 0 else 0.0 for yi, gi in zip(y.ravel().tolist(), g.ravel().tolist(), strict=True)])
    np.testing.assert_array_equal(kernels.relu_backward(y, g), want.reshape(y.shape))


@given(x=hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=2), elements=st.floats(-800, 800)))
def test_sigmoid_never_overflows_and_matches_the_formula(x) -> None:
    np.testing.assert_allclose(kernels.sigmoid(x), sigmoid_ref(x), rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize("dtype", [np.uint64, np.uint16, ">i8", "<i4"])
def test_index_add_rows_takes_any_integer_index_array(dtype) -> None:
    """uint64 (a float to numba beside the signed row count) and big-endian indices (not an array numba compiles
    for) go to the twin; the others to the kernel: each row gets the rows of g that picked it."""
    idx = np.array([2, 0, 2], dtype=dtype)
    out = np.zeros((3, 2))
    kernels.index_add_rows(out, idx, np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]))
    assert out.tolist() == [[3.0, 4.0], [0.0, 0.0], [6.0, 8.0]]
    with pytest.raises(IndexError, match="index 3 is out of bounds for 3 rows"):
        kernels.index_add_rows(out, np.array([0, 3], dtype=dtype), np.ones((2, 2)))


def test_big_endian_labels_with_an_ignored_row_give_pytorchs_loss() -> None:
    """Labels in big-endian order take the general path's range scan (`value_range` leaves them to numpy);
    the row labelled −100 is ignored: the mean over three rows of uniform scores is log 3."""
    from tinygrad_edu import Tensor
    from tinygrad_edu.nn import functional as F

    loss = F.cross_entropy(Tensor(np.zeros((4, 3)), requires_grad=True), np.array([0, -100, 2, 0], dtype=">i8"))
    assert loss.item() == pytest.approx(np.log(3), rel=1e-15)

"""Each numba kernel equals its numpy twin, in float32 and float64, on large and small arrays."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_edu import kernels
from tinygrad_edu.kernels.activations import SIGMOID_PASSES_FROM
from tinygrad_edu.optim.adam import adam_step, adam_step_np
from tinygrad_edu.optim.sgd import sgd_step, sgd_step_np

pytestmark = pytest.mark.skipif(kernels.nb is None, reason="numba not installed")
DTYPES = [np.float32, np.float64]
SHAPES = [(128, 512), (3, 7)]


def arrays(shape, dtype, n: int, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.normal(size=shape).astype(dtype) * 3 for _ in range(n)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize(
    ("kernel", "twin", "n_in"),
    [
        ("_relu_nb", "relu_np", 1),
        ("_sigmoid_nb", "sigmoid_np", 1),
        ("_relu_backward_nb", "relu_backward_np", 2),
        ("_sigmoid_backward_nb", "sigmoid_backward_np", 2),
        ("_tanh_backward_nb", "tanh_backward_np", 2),
    ],
)
def test_elementwise_kernels_equal_their_twins(kernel, twin, n_in, shape, dtype) -> None:
    xs = arrays(shape, dtype, n_in)
    got, want = _into(getattr(kernels, kernel), *xs), getattr(kernels, twin)(*xs)
    assert got.dtype == want.dtype == dtype
    np.testing.assert_allclose(got, want, rtol=1e-6 if dtype == np.float32 else 1e-14)


def _into(kernel, *xs: np.ndarray) -> np.ndarray:
    """An elementwise kernel's result: it writes every element of the array it is given (NaN before)."""
    out = np.full(xs[0].shape, np.nan, xs[0].dtype)
    kernel(*xs, out)
    return out


@pytest.mark.parametrize(
    ("dispatcher", "twin", "n_in"),
    [("relu", "relu_np", 1), ("relu_backward", "relu_backward_np", 2), ("sigmoid_backward", "sigmoid_backward_np", 2)],
)
def test_elementwise_dispatchers_walk_transposed_views_without_a_copy(dispatcher, twin, n_in) -> None:
    """Channels-last views of NCHW arrays (what the Keras door's Conv2D hands its activation) go to
    the kernel in memory order: the values are the twin's, the result is again such a view (so the
    next transpose back is C-contiguous), and operands whose orders differ are still right."""
    nchw = arrays((4, 8, 10, 10), np.float32, n_in)
    views = [a.transpose(0, 2, 3, 1) for a in nchw]
    got = getattr(kernels, dispatcher)(*views)
    np.testing.assert_array_equal(got, getattr(kernels, twin)(*views))
    assert not got.flags.c_contiguous and got.transpose(0, 3, 1, 2).flags.c_contiguous
    if n_in == 2:  # one operand C-order, the other a view: copied to C order, same numbers
        mixed = [np.ascontiguousarray(views[0]), views[1]]
        np.testing.assert_array_equal(getattr(kernels, dispatcher)(*mixed), getattr(kernels, twin)(*mixed))
    assert kernels.activations.memory_order(views[0]) == (0, 3, 1, 2)  # N, then C, H, W: NCHW memory


@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_xent_kernel_equals_twin(dtype) -> None:
    (z,) = arrays((64, 10), dtype, 1)
    z[0, 3] = 80  # a large logit: both must stay finite
    labels = np.random.default_rng(1).integers(0, 10, 64)
    (loss_nb, p_nb), (loss_np, p_np) = kernels._softmax_xent_nb(z, labels), kernels.softmax_xent_np(z, labels)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    assert loss_nb == pytest.approx(loss_np, rel=tol)
    np.testing.assert_allclose(p_nb, p_np, rtol=tol, atol=1e-7)
    grad = np.full(p_np.shape, np.nan, dtype)  # every element is written
    assert kernels._softmax_xent_backward_nb(p_np, labels, dtype(0.25), grad) == -1  # no label out of range
    np.testing.assert_allclose(grad, kernels.softmax_xent_backward_np(p_np, labels, 0.25), rtol=tol, atol=1e-8)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    ("momentum", "dampening", "wd", "nesterov"),
    [(0.0, 0.0, 0.0, False), (0.9, 0.0, 0.01, False), (0.9, 0.0, 0.0, True), (0.5, 0.2, 0.1, False)],
)
def test_sgd_kernel_equals_twin(dtype, momentum, dampening, wd, nesterov, monkeypatch) -> None:
    monkeypatch.setattr(kernels, "JIT_ENABLED", True)
    p1, g, b1 = arrays((300, 70), dtype, 3, seed=2)
    p2, b2 = p1.copy(), b1.copy()
    for first in (True, False, False):
        sgd_step(p1, g, b1 if momentum else None, 0.1, momentum, dampening, wd, nesterov, first)
        sgd_step_np(p2, g, b2 if momentum else None, 0.1, momentum, dampening, wd, nesterov, first)
    # float32: values of magnitude ~10 have an ulp of ~1e-6, and an update can cancel to near zero
    np.testing.assert_allclose(
        p1, p2, rtol=1e-5 if dtype == np.float32 else 1e-13, atol=2e-6 if dtype == np.float32 else 1e-13
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("wd", [0.0, 0.01])
def test_adam_kernel_equals_twin(dtype, wd, monkeypatch) -> None:
    monkeypatch.setattr(kernels, "JIT_ENABLED", True)
    p1, g = arrays((300, 70), dtype, 2, seed=3)
    m1, v1 = np.zeros_like(p1), np.zeros_like(p1)
    p2, m2, v2 = p1.copy(), m1.copy(), v1.copy()
    for t in (1, 2, 3):
        bias1, bias2 = 1 - 0.9**t, 1 - 0.999**t
        adam_step(p1, g, m1, v1, 0.01, 0.9, 0.999, 1e-8, wd, bias1, bias2)
        adam_step_np(p2, g, m2, v2, 0.01, 0.9, 0.999, 1e-8, wd, bias1, bias2)
    tol = 1e-5 if dtype == np.float32 else 1e-13
    for a, b in ((p1, p2), (m1, m2), (v1, v2)):
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("copies", [1, SIGMOID_PASSES_FROM], ids=["one-pass", "three-pass"])
@pytest.mark.parametrize("sigmoid", ["sigmoid_np", "_sigmoid_nb"])
def test_sigmoid_kernel_and_twin_are_stable(sigmoid, copies, dtype) -> None:
    """Far out on either side e^{−|x|} underflows to 0 instead of e^{x} overflowing to inf; ±inf give 0 and 1,
    NaN stays NaN, ±0 give ½ (the kernel's small-array and large-array paths both)."""
    x = np.array([-np.inf, -1000.0, -30.0, -0.0, 0.0, 30.0, 1000.0, np.inf, np.nan], dtype=dtype)
    fn = getattr(kernels, sigmoid)
    got = fn(np.tile(x, copies)) if sigmoid.endswith("_np") else _into(fn, np.tile(x, copies))
    want = np.tile([0.0, 0.0, np.exp(-30.0), 0.5, 0.5, 1.0, 1.0, 1.0, np.nan], copies)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=0)


@pytest.mark.parametrize("dtype", DTYPES)
def test_index_add_rows_kernel_sums_repeated_rows_as_a_loop_does(dtype) -> None:
    """The scatter-add behind ``C[X]``'s backward against a plain Python loop (rows picked twice
    accumulate, negative indices count from the end), and against numpy's ``np.add.at`` twin."""
    rng = np.random.default_rng(0)
    idx = rng.integers(-27, 27, size=96)  # 96 picks of 27 rows: repeats certain
    g = rng.normal(size=(96, 10)).astype(dtype)
    want = np.zeros((27, 10), dtype=np.float64)
    for k, r in enumerate(idx):
        want[r] += g[k]
    got, twin = np.zeros((27, 10), dtype), np.zeros((27, 10), dtype)
    kernels._index_add_rows_nb(got, idx, g)
    kernels.index_add_rows_np(twin, idx, g)
    tol = 1e-6 if dtype == np.float32 else 1e-14
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)
    np.testing.assert_allclose(twin, want, rtol=tol, atol=tol)


@pytest.mark.parametrize("fn", ["_tanh_backward_nb", "tanh_backward_np"])
def test_tanh_backward_keeps_its_digits_for_saturated_units(fn) -> None:
    """1 − y² against exact rational arithmetic on y = tanh(x) for |x| up to 19 (y within 1e-16 of ±1):
    within 2 ulp of the true value. The form 1 − y·y is off by up to 4e-9 relative there."""
    from fractions import Fraction

    x = np.concatenate([np.linspace(-19, 19, 381), [4.0, 10.0, -12.5]])
    y = np.tanh(x)
    exact = np.array([float(1 - Fraction(t) ** 2) for t in y])
    kernel = getattr(kernels, fn)
    got = kernel(y, np.ones_like(y)) if fn.endswith("_np") else _into(kernel, y, np.ones_like(y))
    assert np.all(np.abs(got - exact) <= 2 * np.spacing(exact))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(32, 200), (1, 5), (7, 1), (3, 4)])
def test_sum_rows_adds_the_rows_as_exact_arithmetic_does(shape, dtype) -> None:
    """A bias's gradient Σᵢ G[i]: integers (exact in both dtypes) summed by Python give the value to the bit;
    random values agree with the float64 sum to the dtype's rounding; the twin agrees with both."""
    rng = np.random.default_rng(3)
    ints = rng.integers(-1000, 1000, size=shape)
    want = [sum(int(v) for v in ints[:, j]) for j in range(shape[1])]
    for fn in (_sum_rows_into, kernels.sum_rows_np, kernels.sum_rows):
        got = fn(ints.astype(dtype))
        assert got.dtype == dtype and got.tolist() == want
    (g,) = arrays(shape, dtype, 1)
    tol = 1e-5 if dtype == np.float32 else 1e-13
    np.testing.assert_allclose(kernels.sum_rows(g), g.astype(np.float64).sum(axis=0), rtol=tol, atol=tol)
    strided = g[:, ::-1]  # a view that is not C-contiguous
    np.testing.assert_allclose(_sum_rows_into(strided), strided.astype(np.float64).sum(axis=0), rtol=tol, atol=tol)
    assert kernels.sum_rows(g).base is None  # allocated by numpy: `store_grad` keeps it without a copy


def _sum_rows_into(g: np.ndarray) -> np.ndarray:
    out = np.full(g.shape[1], np.nan, g.dtype)  # the kernel writes every element
    kernels._sum_rows_nb(g, out)
    return out


def test_sum_rows_keeps_pairwise_accuracy_for_a_column_ordered_gradient() -> None:
    """Over 200,000 float32 rows a running sum drifts (1.9e-5 relative here); numpy sums a contiguous
    column pairwise, so a Fortran-ordered gradient stays with it (the kernel takes C-ordered ones)."""
    g = np.asfortranarray(np.random.default_rng(4).random((200_000, 2), dtype=np.float32))
    want = g.astype(np.float64).sum(axis=0)
    assert np.max(np.abs(kernels.sum_rows(g) - want) / want) < 1e-6


def test_sum_rows_of_no_rows_is_zero_and_of_a_vector_an_error() -> None:
    assert kernels.sum_rows(np.empty((0, 3), np.float32)).tolist() == [0.0, 0.0, 0.0]
    with pytest.raises(ValueError, match=r"sum_rows: g must have 2 dimensions, got shape \(3,\)"):
        kernels.sum_rows(np.ones(3))


def test_index_add_rows_refuses_bad_input_before_writing() -> None:
    out = np.zeros((3, 2))
    with pytest.raises(IndexError, match="index 3 is out of bounds for 3 rows"):
        kernels.index_add_rows(out, np.array([0, 3]), np.ones((2, 2)))
    with pytest.raises(IndexError, match="index -4 is out of bounds for 3 rows"):  # the last, after good ones
        kernels.index_add_rows(out, np.array([0, 2, -3, -4]), np.ones((4, 2)))
    with pytest.raises(ValueError, match=r"g must have shape \(2, 2\)"):
        kernels.index_add_rows(out, np.array([0, 1]), np.ones((2, 3)))
    with pytest.raises(TypeError, match="idx must be integers"):
        kernels.index_add_rows(out, np.array([0.0, 1.0]), np.ones((2, 2)))
    assert not out.any()


def test_the_switch_off_sends_every_hot_dispatcher_to_its_twin(monkeypatch) -> None:
    """``kernels.JIT_ENABLED = False`` (read by `_check.jit_ready`): no numba loop runs, every dispatcher of a
    training step gives its numpy twin's result."""
    import importlib

    def refuse(*args, **kwargs):
        raise AssertionError("a numba kernel ran with the switch off")

    modules = {m: importlib.import_module(f"tinygrad_edu.{m}") for m in (
        "kernels.reduce", "kernels.activations", "kernels.softmax_xent", "kernels.indexing", "optim.sgd", "optim.adam",
    )}  # fmt: skip
    for module in modules.values():
        for name in dir(module):
            if name.endswith("_nb"):
                monkeypatch.setattr(module, name, refuse)
    monkeypatch.setattr(kernels, "JIT_ENABLED", False)
    g, y = arrays((6, 5), np.float32, 2)
    labels = np.array([0, 4, 2, 1, 3, 0])
    np.testing.assert_array_equal(kernels.sum_rows(g), kernels.sum_rows_np(g))
    np.testing.assert_array_equal(kernels.relu(g), kernels.relu_np(g))
    np.testing.assert_array_equal(kernels.tanh_backward(np.tanh(y), g), kernels.tanh_backward_np(np.tanh(y), g))
    loss, probs = kernels.softmax_xent(g, labels)
    want_loss, want_probs = kernels.softmax_xent_np(g, labels)
    assert loss == want_loss
    np.testing.assert_array_equal(probs, want_probs)
    np.testing.assert_array_equal(
        kernels.softmax_xent_backward(probs, labels, 0.5), kernels.softmax_xent_backward_np(probs, labels, 0.5)
    )
    out, want = np.zeros((5, 5), np.float32), np.zeros((5, 5), np.float32)
    kernels.index_add_rows(out, labels, g)
    kernels.index_add_rows_np(want, labels, g)
    np.testing.assert_array_equal(out, want)
    p, p_np = g.copy(), g.copy()
    sgd_step(p, y, None, 0.1, 0.0, 0.0, 0.0, False, True)
    sgd_step_np(p_np, y, None, 0.1, 0.0, 0.0, 0.0, False, True)
    np.testing.assert_array_equal(p, p_np)
    state = [np.zeros_like(g) for _ in range(4)]
    adam_step(p, y, state[0], state[1], 1e-3, 0.9, 0.999, 1e-8, 0.0, 0.1, 0.001)
    adam_step_np(p_np, y, state[2], state[3], 1e-3, 0.9, 0.999, 1e-8, 0.0, 0.1, 0.001)
    np.testing.assert_array_equal(p, p_np)

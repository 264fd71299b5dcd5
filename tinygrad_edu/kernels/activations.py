"""Activations and their backward passes: for each, the numpy twin, the numba kernel, the dispatcher.

numpy evaluates ``g * (y > 0)`` in two passes over memory and allocates a temporary for the mask; a numba
loop does it in one pass, and its call costs no more than one numpy pass, so the loop wins from a single
element on. Backward passes take the forward *output* y (what the Function keeps), not its input.
Where numpy wins (``tanh`` forward: 175 µs against 1.2 ms for a numba loop on 128x512 float32) there is no
kernel, only the backward one.

>>> import numpy as np
>>> relu(np.array([-1.0, 0.0, 2.0, np.nan]))
array([ 0.,  0.,  2., nan])
>>> relu_backward(np.array([0.0, 2.0]), np.array([5.0, 5.0]))
array([0., 5.])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import _check
from ._numba import njit


def _elementwise(op: str, kernel: Callable, twin: Callable, names: tuple[str, ...], *xs: Any) -> np.ndarray:
    """Check the operands (named ``names`` in errors), then call the numba kernel on float32/float64
    arrays, else the twin. The common case, ndarrays of one shape, is recognised in a few attribute reads
    (the general checks cost 21k instructions a call, more than the twin's work on a 32x200 array).
    The kernel writes into an array allocated here, ``kernel(*xs, out)``: an array numba allocates and
    returns costs a conversion back to Python on every call."""
    a = xs[0]
    if len(xs) == 1:
        plain = type(a) is np.ndarray
    else:
        plain = type(a) is np.ndarray and type(xs[1]) is np.ndarray and xs[1].shape == a.shape and len(xs) == 2
    if not plain:
        xs = tuple(_check.array(op, name, x) for name, x in zip(names, xs, strict=True))
        _check.same_shape(op, **dict(zip(names, xs, strict=True)))
    if _check.jit_ready(*xs):
        # The flat loops walk memory in order. Operands that are all the same transposed view of
        # C-order arrays (a channels-last view of NCHW data, say) are walked in their own memory
        # order and the result keeps their axis order: an elementwise op between two transposes
        # then copies nothing (the Keras door's Conv2D · ReLU · MaxPooling2D).
        if xs[0].flags.c_contiguous and xs[-1].flags.c_contiguous:  # the common case (one or two operands)
            out = np.empty(xs[0].shape, xs[0].dtype)
            kernel(*xs, out)
            return out
        order = memory_order(xs[0])
        views = [x.transpose(order) for x in xs]
        if not all(v.flags.c_contiguous for v in views):
            order, views = tuple(range(xs[0].ndim)), [np.ascontiguousarray(x) for x in xs]
        out = np.empty(views[0].shape, views[0].dtype)
        kernel(*views, out)
        return out.transpose(np.argsort(order))
    return twin(*xs)


def memory_order(x: np.ndarray) -> tuple[int, ...]:
    """The axes of x from the largest stride to the smallest: x.transpose(memory_order(x)) walks x's
    memory in order (C-contiguous when x is a transposed view of a C-order array).

    >>> memory_order(np.zeros((2, 3, 4)).transpose(0, 2, 1))
    (0, 2, 1)
    """
    return tuple(int(a) for a in np.argsort([-abs(s) for s in x.strides], kind="stable"))


# --------------------------------------------------------------------------- ReLU
def relu_np(x: np.ndarray) -> np.ndarray:
    """max(x, 0); NaN stays NaN (np.maximum propagates it), so anomaly detection sees it."""
    return np.maximum(x, 0)


@njit
def _relu_range(x, out, lo, hi):
    # flat x and out, elements lo..hi (`spread` gives each thread of a team its own range); an unsigned index
    # spares numba's negative-index wraparound, which kept the loop from being vectorised (4x slower)
    for i in range(np.uint64(lo), np.uint64(hi)):
        v = x[i]
        out[i] = 0 if v <= 0 else v  # not ``v if v > 0 else 0``: that turns NaN into 0


@njit
def _relu_nb(x, out):
    # x and out C-contiguous of one shape, as every kernel of `_elementwise` takes them
    _relu_range(x.reshape(-1), out.reshape(-1), 0, x.size)


def relu(x: np.ndarray) -> np.ndarray:
    """max(x, 0), elementwise; see `relu_np`."""
    return _elementwise("relu", _relu_nb, relu_np, ("x",), x)


def relu_backward_np(y: np.ndarray, g: np.ndarray) -> np.ndarray:
    """g · 1[not y ≤ 0], from the forward output y: where y is NaN the gradient passes, as PyTorch's
    ``threshold_backward`` (which zeroes only where y ≤ 0)."""
    return g * ~(y <= 0)


@njit
def _relu_backward_range(y, g, out, lo, hi):
    # flat arrays, elements lo..hi, with an unsigned index as in `_relu_range`
    for i in range(np.uint64(lo), np.uint64(hi)):
        out[i] = 0 if y[i] <= 0 else g[i]  # NaN passes the gradient, as in the twin


@njit
def _relu_backward_nb(y, g, out):
    _relu_backward_range(y.reshape(-1), g.reshape(-1), out.reshape(-1), 0, g.size)


def relu_backward(y: np.ndarray, g: np.ndarray) -> np.ndarray:
    """g · 1[not y ≤ 0]; see `relu_backward_np`."""
    return _elementwise("relu_backward", _relu_backward_nb, relu_backward_np, ("y", "g"), y, g)


# --------------------------------------------------------------------------- sigmoid
def sigmoid_np(x: np.ndarray) -> np.ndarray:
    """σ(x) = 1/(1 + e^{−x}), evaluated as e^{−|x|}-based so that nothing overflows.

    Floating arrays keep their dtype; integers and bools give float64 (σ(1) is not an integer)."""
    if x.dtype.kind != "f":
        x = x.astype(np.float64)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


@njit
def _sigmoid_one_pass_nb(x, out):
    # the twin's formula in one pass: z = e^{−|x|}, σ = 1/(1 + z) for x ≥ 0, else z/(1 + z)
    flat, fo = x.reshape(-1), out.reshape(-1)
    one = np.ones(1, flat.dtype)[0]  # a literal 1 would promote float32 work to float64
    for i in range(flat.size):
        v = flat[i]
        z = np.exp(-abs(v))
        fo[i] = one / (one + z) if v >= 0 else z / (one + z)


@njit
def _neg_abs_nb(x, out):
    flat, fo = x.reshape(-1), out.reshape(-1)
    for i in range(flat.size):
        fo[i] = -abs(flat[i])


@njit
def _sigmoid_from_exp_nb(x, z):
    # z = e^{−|x|} (numpy's SIMD exp, in place); σ = 1/(1 + z) for x ≥ 0, else z/(1 + z), written over z
    flat, fz = x.reshape(-1), z.reshape(-1)
    one = np.ones(1, flat.dtype)[0]
    for i in range(flat.size):
        e = fz[i]
        fz[i] = one / (one + e) if flat[i] >= 0 else e / (one + e)


#: from this many elements on, `_sigmoid_nb` takes three passes instead of one (float32: 1.64 µs either way
#: at 512; 0.56 against 1.64 µs for one element, 4.6 against 2.2 µs at 2,048)
SIGMOID_PASSES_FROM = 512


def _sigmoid_nb(x: np.ndarray, out: np.ndarray) -> None:
    """The twin's formula into ``out``: for a small array in one numba pass; for a larger one in three passes
    over ``out``: −|x| (numba), e^{−|x|} in place (numpy's SIMD ``exp``, several times faster per element than
    the scalar ``exp`` a numba loop calls), then σ (numba)."""
    if x.size < SIGMOID_PASSES_FROM:
        _sigmoid_one_pass_nb(x, out)
        return
    _neg_abs_nb(x, out)
    np.exp(out, out=out)
    _sigmoid_from_exp_nb(x, out)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """σ(x) elementwise; see `sigmoid_np`. The jitted path (`_sigmoid_nb`) beats the twin at every size, the
    twin's six passes and temporaries costing most at large sizes (float32: 4,096 elements 3.1 against 9.8
    µs, 65,536 28 against 565 µs, 2^20 0.52 against 11.5 ms)."""
    return _elementwise("sigmoid", _sigmoid_nb, sigmoid_np, ("x",), x)


def sigmoid_backward_np(y: np.ndarray, g: np.ndarray) -> np.ndarray:
    """g · σ(1 − σ), from the forward output y = σ(x)."""
    return g * y * (1 - y)


@njit
def _sigmoid_backward_nb(y, g, out):
    fy, fg, fo = y.reshape(-1), g.reshape(-1), out.reshape(-1)
    one = np.ones(1, fg.dtype)[0]
    for i in range(fg.size):
        fo[i] = fg[i] * fy[i] * (one - fy[i])


def sigmoid_backward(y: np.ndarray, g: np.ndarray) -> np.ndarray:
    """g · σ(1 − σ); see `sigmoid_backward_np`."""
    return _elementwise("sigmoid_backward", _sigmoid_backward_nb, sigmoid_backward_np, ("y", "g"), y, g)


# --------------------------------------------------------------------------- tanh (backward only)
def tanh_backward_np(y: np.ndarray, g: np.ndarray) -> np.ndarray:
    """g · (1 − tanh²), from the forward output y = tanh(x), as g · (1 − y)(1 + y): near y = ±1 (a saturated
    unit) 1 − y·y cancels to a few correct digits, while 1 − y is exact there."""
    return g * ((1 - y) * (1 + y))


@njit
def _tanh_backward_nb(y, g, out):
    fy, fg, fo = y.reshape(-1), g.reshape(-1), out.reshape(-1)
    one = np.ones(1, fg.dtype)[0]
    for i in range(fg.size):
        fo[i] = fg[i] * ((one - fy[i]) * (one + fy[i]))


def tanh_backward(y: np.ndarray, g: np.ndarray) -> np.ndarray:
    """g · (1 − y)(1 + y); see `tanh_backward_np`."""
    return _elementwise("tanh_backward", _tanh_backward_nb, tanh_backward_np, ("y", "g"), y, g)

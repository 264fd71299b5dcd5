"""The op-case registry: one row per op case, read by the tests and by ``tinygrad-edu gradcheck``.

Each `Case` names an op, calls it in the library's own spelling (``apply``: operators and methods,
so elementwise cases run on `Value` and on `Tensor` alike), and gives

- ``ref``: the same function computed with numpy in float64, written from the math rather than
  from the code under test (the tests compare forward values with it);
- ``torch``: PyTorch's spelling of it (PyTorch is imported only when it is called);
- ``shapes``: the input shapes the tensor tests and the CLI use;
- the input domain: ``low``/``high`` (uniform inputs in that range; None for standard normal ones),
  ``away_from_zero`` for ops with a kink at 0, ``distinct`` for ops that need inputs without ties
  (max, min, max-pool), so that each case is checked where its derivative exists.

Adding an op: its `Function` in `tinygrad_edu.ops`, a `Tensor` method (or a `nn.functional`
function) that applies it, and one row here.

>>> case = next(c for c in CASES if c.name == "matmul 2d")
>>> case.shapes, case.arity
(((3, 4), (4, 5)), 2)
>>> from tinygrad_edu import gradcheck
>>> gradcheck(case.apply, [Tensor(x, requires_grad=True) for x in make_inputs(case, seed=0)])
True
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .nn import conv
from .nn import functional as F
from .ops.conv import Convolution
from .tensor import Tensor, apply


def _torch() -> Any:
    import torch

    return torch


@dataclass(frozen=True)
class Case:
    """One op case: how to call it, a float64 numpy reference, PyTorch's spelling and the inputs."""

    name: str
    apply: Callable[..., Any]
    ref: Callable[..., np.ndarray]
    torch: Callable[..., Any]
    shapes: tuple[tuple[int, ...], ...] = ((3, 4),)
    low: float | None = None
    high: float | None = None
    away_from_zero: bool = False
    distinct: bool = False
    elementwise: bool = False  # works on Value too, and on any shapes that broadcast

    @property
    def arity(self) -> int:
        return len(self.shapes)


def _elementwise(
    name: str, arity: int, apply: Callable[..., Any], ref: Callable[..., Any], torch: Callable[..., Any], **domain: Any
) -> Case:
    domain = {"low": -3.0, "high": 3.0, **domain}
    shapes = ((3, 4),) if arity == 1 else ((3, 1), (1, 4))  # the CLI checks binary ops broadcasting
    return Case(name, apply, ref, torch, shapes=shapes, elementwise=True, **domain)


def sample(case: Case, rng: np.random.Generator, shape: tuple[int, ...] = ()) -> np.ndarray:
    """Inputs inside the case's domain; for ops with a kink at 0, at least 0.1 away from it."""
    if case.distinct:  # a permutation of well-separated values, so max/min are unique
        return rng.permutation(int(np.prod(shape, dtype=int))).reshape(shape) * 0.37 - 1.0
    if case.low is None:
        return rng.normal(size=shape)
    x = rng.uniform(case.low, case.high, shape)
    if case.away_from_zero:
        x = np.where(np.abs(x) < 0.1, np.copysign(0.1, x) + x, x)
    return x


def make_inputs(case: Case, seed: int) -> list[np.ndarray]:
    """float64 inputs of the case's shapes, drawn from ``np.random.default_rng(seed)``."""
    rng = np.random.default_rng(seed)
    return [sample(case, rng, s) for s in case.shapes]


# ----------------------------------------------------------------------------- references from the math
def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # σ(x) = (1 + tanh(x/2))/2, an identity independent of the code


def _softmax(x: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


Pads = tuple[tuple[int, int], tuple[int, int]]


def _windows(
    x: np.ndarray,
    k: tuple[int, int],
    stride: int = 1,
    padding: Pads = ((0, 0), (0, 0)),
    dilation: int = 1,
    fill: float = 0.0,
) -> np.ndarray:
    """The windows (N, C, OH, OW, kh, kw) of x padded with ``fill`` ((top, bottom), (left, right)), by
    plain loops: window (i, j) holds x_pad[:, :, i·s + u·d, j·s + v·d] for u < kh, v < kw, and there
    is one window per position where it fits, so OH = ⌊(H + pads − d·(kh − 1) − 1)/s⌋ + 1."""
    xp = np.pad(x, ((0, 0), (0, 0), *padding), constant_values=fill)
    span = [dilation * (k[a] - 1) + 1 for a in range(2)]
    oh, ow = ((xp.shape[2 + a] - span[a]) // stride + 1 for a in range(2))
    out = np.empty((*x.shape[:2], oh, ow, *k))
    for i in range(oh):
        for j in range(ow):
            rows, cols = (
                slice(i * stride, i * stride + span[0], dilation),
                slice(j * stride, j * stride + span[1], dilation),
            )
            out[:, :, i, j] = xp[:, :, rows, cols]
    return out


def _conv2d(
    x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None, padding: int | str | Pads = 0, **kw: int
) -> np.ndarray:
    """y[n, o, i, j] = b[o] + Σ_{c, u, v} W[o, c, u, v]·window[n, c, i, j, u, v]. ``padding``: an int
    (all four sides), ((top, bottom), (left, right)), or "same": d·(k − 1) in all along each axis,
    the odd one after (PyTorch's rule)."""
    if padding == "same":
        total = [kw.get("dilation", 1) * (w.shape[2 + a] - 1) for a in range(2)]
        padding = tuple((t // 2, t - t // 2) for t in total)
    elif isinstance(padding, int):
        padding = ((padding, padding), (padding, padding))
    y = np.einsum("ncijuv,ocuv->noij", _windows(x, w.shape[2:], padding=padding, **kw), w)
    return y if b is None else y + b[:, None, None]


def _pool2d(
    x: np.ndarray,
    kernel_size: int,
    reduce: Callable[..., np.ndarray],
    stride: int | None = None,
    padding: int = 0,
    dilation: int = 1,
) -> np.ndarray:
    """Each k×k window reduced; max pools pad with −∞, average pools with 0 (counted)."""
    fill = -np.inf if reduce is np.max else 0.0
    win = _windows(x, (kernel_size,) * 2, stride or kernel_size, ((padding, padding),) * 2, dilation, fill)
    return reduce(win, axis=(-2, -1))


def _batch_norm(
    x: np.ndarray, w: np.ndarray, b: np.ndarray, mean: np.ndarray | None = None, var: np.ndarray | None = None
) -> np.ndarray:
    """y = γ·(x − μ)/√(σ² + 1e-5) + β per channel (axis 1): μ, σ² (biased) over every other axis, or given."""
    axes, shape = (0, *range(2, x.ndim)), (1, -1) + (1,) * (x.ndim - 2)
    mean = x.mean(axis=axes) if mean is None else mean
    var = ((x - mean.reshape(shape)) ** 2).mean(axis=axes) if var is None else var
    return w.reshape(shape) * (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + 1e-5) + b.reshape(shape)


def _torch_conv2d(x: Any, w: Any, b: Any = None, padding: Any = 0, **kw: Any) -> Any:
    """PyTorch's conv2d; uneven padding ((top, bottom), (left, right)) as an explicit ``F.pad`` first."""
    F_ = _torch().nn.functional
    if isinstance(padding, tuple) and isinstance(padding[0], tuple):
        (top, bottom), (left, right) = padding
        x, padding = F_.pad(x, (left, right, top, bottom)), 0
    with warnings.catch_warnings():  # PyTorch's note that "same" with an even kernel pads a copy
        warnings.filterwarnings("ignore", "Using padding='same' with even kernel")
        return F_.conv2d(x, w, b, padding=padding, **kw)


def _conv_case(name: str, shapes: tuple[tuple[int, ...], ...], **kw: Any) -> Case:
    """A conv2d row: inputs x, W and (when three shapes are given) b, with ``kw`` in every spelling."""
    return Case(
        f"conv2d {name}",
        lambda x, w, *b: conv.conv2d(x, w, *b, **kw),
        lambda x, w, *b: _conv2d(x, w, *b, **kw),
        lambda x, w, *b: _torch_conv2d(x, w, *b, **kw),
        shapes,
    )


def _pool_case(fn: Callable[..., Any], name: str, shape: tuple[int, ...], **kw: Any) -> Case:
    """A max_pool2d or avg_pool2d row (``fn``); max pools get distinct inputs (no ties)."""
    reduce = np.max if fn is conv.max_pool2d else np.mean
    return Case(
        f"{fn.__name__} {name}",
        lambda x: fn(x, **kw),
        lambda x: _pool2d(x, reduce=reduce, **kw),
        lambda x: getattr(_torch().nn.functional, fn.__name__)(x, **kw),
        (shape,),
        distinct=reduce is np.max,
    )


IDX = np.array([2, 0, 2])  # an integer index with a repeat: the gradient must add up at row 2
WHERE = np.arange(12).reshape(3, 4) % 3 == 0
LABELS = np.array([0, 2])
BCE_TARGETS = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 0.3]])
POS_WEIGHT = np.array([1.0, 2.5, 0.5])  # a positive-class weight per column
RUNNING_MEAN, RUNNING_VAR = np.array([0.5, -1.0, 2.0]), np.array([0.25, 1.5, 4.0])  # batch norm's, per channel


def _torch_idx(*idx: Any) -> tuple[Any, ...]:
    return tuple(_torch().from_numpy(np.asarray(i)) for i in idx)


def _torch_xlogy(a: Any, b: Any) -> Any:
    return _torch().xlogy(a, b)


# ----------------------------------------------------------------------------- elementwise (Value and Tensor)
UNARY = [
    _elementwise("neg", 1, lambda a: -a, lambda a: -a, lambda a: -a),
    _elementwise("exp", 1, lambda a: a.exp(), np.exp, lambda a: a.exp()),
    _elementwise("log", 1, lambda a: a.log(), np.log, lambda a: a.log(), low=0.1, high=5.0),
    _elementwise("sqrt", 1, lambda a: a.sqrt(), np.sqrt, lambda a: a.sqrt(), low=0.1, high=5.0),
    _elementwise("tanh", 1, lambda a: a.tanh(), np.tanh, lambda a: a.tanh()),
    _elementwise("sigmoid", 1, lambda a: a.sigmoid(), _sigmoid, lambda a: a.sigmoid()),
    _elementwise("relu", 1, lambda a: a.relu(), lambda a: np.maximum(a, 0.0), lambda a: a.relu(), away_from_zero=True),
    _elementwise(
        "leaky_relu",
        1,
        lambda a: a.leaky_relu(),
        lambda a: np.where(a > 0, a, 0.01 * a),
        lambda a: _torch().nn.functional.leaky_relu(a, 0.01),
        away_from_zero=True,
    ),
    _elementwise(
        "leaky_relu(0.2)",
        1,
        lambda a: a.leaky_relu(0.2),
        lambda a: np.where(a > 0, a, 0.2 * a),
        lambda a: _torch().nn.functional.leaky_relu(a, 0.2),
        away_from_zero=True,
    ),
    _elementwise("abs", 1, lambda a: a.abs(), np.abs, lambda a: a.abs(), away_from_zero=True),
    _elementwise("pow 2", 1, lambda a: a**2, lambda a: a**2, lambda a: a**2),
    _elementwise("pow 3", 1, lambda a: a**3, lambda a: a**3, lambda a: a**3),
    _elementwise("pow -1.5", 1, lambda a: a**-1.5, lambda a: a**-1.5, lambda a: a**-1.5, low=0.2, high=4.0),
    _elementwise("pow 0.5", 1, lambda a: a**0.5, np.sqrt, lambda a: a**0.5, low=0.1, high=4.0),
    _elementwise("radd", 1, lambda a: 2.5 + a, lambda a: 2.5 + a, lambda a: 2.5 + a),
    _elementwise("rsub", 1, lambda a: 2.5 - a, lambda a: 2.5 - a, lambda a: 2.5 - a),
    _elementwise("rmul", 1, lambda a: 2.5 * a, lambda a: 2.5 * a, lambda a: 2.5 * a),
    _elementwise("rdiv", 1, lambda a: 2.5 / a, lambda a: 2.5 / a, lambda a: 2.5 / a, away_from_zero=True),
    _elementwise("rpow", 1, lambda a: 2.5**a, lambda a: 2.5**a, lambda a: 2.5**a),
]

BINARY = [
    _elementwise("add", 2, lambda a, b: a + b, lambda a, b: a + b, lambda a, b: a + b),
    _elementwise("sub", 2, lambda a, b: a - b, lambda a, b: a - b, lambda a, b: a - b),
    _elementwise("mul", 2, lambda a, b: a * b, lambda a, b: a * b, lambda a, b: a * b),
    _elementwise("div", 2, lambda a, b: a / b, lambda a, b: a / b, lambda a, b: a / b, away_from_zero=True),
    _elementwise("pow", 2, lambda a, b: a**b, lambda a, b: a**b, lambda a, b: a**b, low=0.2, high=3.0),
]

# ----------------------------------------------------------------------------- tensor ops
TENSOR = [
    Case("matmul 2d", lambda a, b: a @ b, np.matmul, lambda a, b: a @ b, ((3, 4), (4, 5))),
    Case("matmul vec-mat", lambda a, b: a @ b, np.matmul, lambda a, b: a @ b, ((4,), (4, 5))),
    Case("matmul mat-vec", lambda a, b: a @ b, np.matmul, lambda a, b: a @ b, ((3, 4), (4,))),
    Case("matmul vec-vec", lambda a, b: a @ b, np.matmul, lambda a, b: a @ b, ((4,), (4,))),
    Case("matmul batched", lambda a, b: a @ b, np.matmul, lambda a, b: a @ b, ((2, 3, 4), (2, 4, 5))),
    Case("matmul broadcast batch", lambda a, b: a @ b, np.matmul, lambda a, b: a @ b, ((2, 3, 4), (4, 5))),
    Case("log10", lambda a: a.log10(), np.log10, lambda a: a.log10(), low=0.1, high=5.0),
    Case("log2", lambda a: a.log2(), np.log2, lambda a: a.log2(), low=0.1, high=5.0),
    Case("sin", lambda a: a.sin(), np.sin, lambda a: a.sin(), low=-3.0, high=3.0),
    Case("cos", lambda a: a.cos(), np.cos, lambda a: a.cos(), low=-3.0, high=3.0),
    Case(
        "pow tensor exponent",
        lambda a, b: a.pow(b),
        lambda a, b: a**b,
        lambda a, b: a.pow(b),
        ((3, 4), (4,)),
        low=0.2,
        high=3.0,
    ),
    Case("expand", lambda a: a.expand(2, 3, -1), lambda a: np.broadcast_to(a, (2, 3, 4)), lambda a: a.expand(2, 3, -1)),
    Case("repeat", lambda a: a.repeat(2, 1, 3), lambda a: np.tile(a, (2, 1, 3)), lambda a: a.repeat(2, 1, 3)),
    Case("clone", lambda a: a.clone(), lambda a: a.copy(), lambda a: a.clone()),
    Case("xlogy", lambda a, b: a.xlogy(b), lambda a, b: a * np.log(b), _torch_xlogy, ((3, 4), (3, 4)), 0.1, 3.0),
    Case(
        "unsqueeze, permute",
        lambda a: a.unsqueeze(1).permute(2, 0, 1),
        lambda a: a[:, None, :].transpose(2, 0, 1),
        lambda a: a.unsqueeze(1).permute(2, 0, 1),
    ),
    Case("sum", lambda a: a.sum(), np.sum, lambda a: a.sum()),
    Case("sum axis 0", lambda a: a.sum(axis=0), lambda a: a.sum(axis=0), lambda a: a.sum(dim=0)),
    Case(
        "sum axis -1 keepdims",
        lambda a: a.sum(axis=-1, keepdims=True),
        lambda a: a.sum(axis=-1, keepdims=True),
        lambda a: a.sum(dim=-1, keepdim=True),
        ((2, 3, 4),),
    ),
    Case(
        "sum axes (0, 2)",
        lambda a: a.sum(axis=(0, 2)),
        lambda a: a.sum(axis=(0, 2)),
        lambda a: a.sum(dim=(0, 2)),
        ((2, 3, 4),),
    ),
    Case("mean", lambda a: a.mean(), np.mean, lambda a: a.mean()),
    Case("mean axis 1", lambda a: a.mean(axis=1), lambda a: a.mean(axis=1), lambda a: a.mean(dim=1)),
    Case("max", lambda a: a.max(), np.max, lambda a: a.amax(), distinct=True),
    Case("max axis 1", lambda a: a.max(axis=1), lambda a: a.max(axis=1), lambda a: a.amax(dim=1), distinct=True),
    Case(
        "min axis 0 keepdims",
        lambda a: a.min(axis=0, keepdims=True),
        lambda a: a.min(axis=0, keepdims=True),
        lambda a: a.amin(dim=0, keepdim=True),
        distinct=True,
    ),
    Case("softmax", lambda a: a.softmax(), lambda a: _softmax(a, -1), lambda a: a.softmax(-1), ((3, 5),)),
    Case("softmax axis 0", lambda a: a.softmax(axis=0), lambda a: _softmax(a, 0), lambda a: a.softmax(0), ((3, 5),)),
    Case(
        "log_softmax",
        lambda a: a.log_softmax(),
        lambda a: np.log(_softmax(a, -1)),
        lambda a: a.log_softmax(-1),
        ((3, 5),),
    ),
    Case("clip", lambda a: a.clip(-0.5, 0.7), lambda a: np.clip(a, -0.5, 0.7), lambda a: a.clamp(-0.5, 0.7)),
    Case("clip min only", lambda a: a.clip(min=0.1), lambda a: np.maximum(a, 0.1), lambda a: a.clamp(min=0.1)),
    Case("reshape", lambda a: a.reshape(2, 6), lambda a: a.reshape(2, 6), lambda a: a.reshape(2, 6)),
    Case("reshape -1", lambda a: a.reshape((-1,)), lambda a: a.reshape(-1), lambda a: a.reshape(-1)),
    Case("transpose", lambda a: a.T, lambda a: a.T, lambda a: a.T),
    Case(
        "permute",
        lambda a: a.permute(1, 2, 0),
        lambda a: a.transpose(1, 2, 0),
        lambda a: a.permute(1, 2, 0),
        ((2, 3, 4),),
    ),
    Case(
        "transpose dims",
        lambda a: a.transpose(0, 2),
        lambda a: np.swapaxes(a, 0, 2),
        lambda a: a.transpose(0, 2),
        ((2, 3, 4),),
    ),
    Case("flatten", lambda a: a.flatten(), lambda a: a.reshape(-1), lambda a: a.flatten(), ((2, 3, 4),)),
    Case("flatten from 1", lambda a: a.flatten(1), lambda a: a.reshape(2, -1), lambda a: a.flatten(1), ((2, 3, 4),)),
    Case("getitem slice", lambda a: a[1:3, ::2], lambda a: a[1:3, ::2], lambda a: a[1:3, ::2], ((4, 5),)),
    Case("getitem int", lambda a: a[2], lambda a: a[2], lambda a: a[2], ((4, 5),)),
    Case(
        "getitem int array with repeats",
        lambda a: a[IDX],
        lambda a: a[IDX],
        lambda a: a[_torch_idx(IDX)],
        ((4, 5),),
    ),
    Case(
        "getitem pairs",
        lambda a: a[IDX, np.array([1, 1, 4])],
        lambda a: a[IDX, np.array([1, 1, 4])],
        lambda a: a[_torch_idx(IDX, [1, 1, 4])],
        ((4, 5),),
    ),
    Case(
        "getitem bool mask",
        lambda a: a[np.array([True, False, True, True])],
        lambda a: a[np.array([True, False, True, True])],
        lambda a: a[_torch_idx([True, False, True, True])],
        ((4,),),
    ),
    Case(
        "cat axis 0",
        lambda a, b: Tensor.cat([a, b]),
        lambda a, b: np.concatenate([a, b]),
        lambda a, b: _torch().cat([a, b]),
        ((2, 3), (4, 3)),
    ),
    Case(
        "cat axis 1",
        lambda a, b: Tensor.cat([a, b], axis=1),
        lambda a, b: np.concatenate([a, b], axis=1),
        lambda a, b: _torch().cat([a, b], dim=1),
        ((2, 3), (2, 1)),
    ),
    Case(
        "stack axis 1",
        lambda a, b: Tensor.stack([a, b], axis=1),
        lambda a, b: np.stack([a, b], axis=1),
        lambda a, b: _torch().stack([a, b], dim=1),
        ((2, 3), (2, 3)),
    ),
    Case(
        "where",
        lambda a, b: Tensor.where(WHERE, a, b),
        lambda a, b: np.where(WHERE, a, b),
        lambda a, b: _torch().where(_torch().from_numpy(WHERE), a, b),
        ((3, 4), (4,)),
    ),
]

# ----------------------------------------------------------------------------- fused nn ops and losses
NN = [
    Case(
        "linear",
        lambda x, w, b: F.linear(x, w, b),
        lambda x, w, b: x @ w.T + b,
        lambda x, w, b: _torch().nn.functional.linear(x, w, b),
        ((4, 3), (2, 3), (2,)),
    ),
    # C·kh·kw = 18 < Convolution.ONE_GEMM_DEPTH: one GEMM per image
    _conv_case("padding 1, no bias", ((2, 2, 5, 5), (3, 2, 3, 3)), padding=1),
    _conv_case("stride 2", ((2, 2, 7, 6), (3, 2, 3, 3), (3,)), stride=2),
    _conv_case("dilation 2", ((1, 2, 7, 8), (3, 2, 3, 2), (3,)), dilation=2),
    _conv_case("padding same 3x3", ((2, 2, 5, 6), (3, 2, 3, 3), (3,)), padding="same"),
    _conv_case("padding same 4x2 (even kernel)", ((1, 2, 6, 5), (3, 2, 4, 2), (3,)), padding="same"),
    # C·kh·kw = 297 ≥ Convolution.ONE_GEMM_DEPTH: one GEMM with the batch inside the columns
    _conv_case("deep 33x3x3 (one GEMM)", ((2, 33, 5, 4), (3, 33, 3, 3), (3,)), padding=1),
    _conv_case("deep 33x3x3, no bias", ((2, 33, 5, 4), (3, 33, 3, 3)), stride=2),
    Case(  # the Keras door's spelling: the op itself, with ((top, bottom), (left, right))
        "conv2d padding ((0, 1), (1, 0))",
        lambda x, w, b: apply(Convolution((1, 1), ((0, 1), (1, 0)), (1, 1)), x, w, b),
        lambda x, w, b: _conv2d(x, w, b, padding=((0, 1), (1, 0))),
        lambda x, w, b: _torch_conv2d(x, w, b, padding=((0, 1), (1, 0))),
        ((2, 2, 4, 5), (3, 2, 2, 2), (3,)),
    ),
    _pool_case(conv.max_pool2d, "2x2", (2, 2, 4, 6), kernel_size=2),
    _pool_case(conv.max_pool2d, "3x3 stride 2 padding 1", (2, 2, 7, 6), kernel_size=3, stride=2, padding=1),
    _pool_case(conv.max_pool2d, "2x2 stride 1 dilation 2", (1, 2, 6, 7), kernel_size=2, stride=1, dilation=2),
    _pool_case(conv.avg_pool2d, "2x2", (2, 2, 4, 6), kernel_size=2),
    _pool_case(conv.avg_pool2d, "3x3 stride 2 padding 1", (2, 2, 7, 6), kernel_size=3, stride=2, padding=1),
    Case(
        "batch_norm (training)",
        lambda x: F.batch_norm(x, None, None, training=True),
        lambda x: _batch_norm(x, np.ones(3), np.zeros(3)),
        lambda x: _torch().nn.functional.batch_norm(x, None, None, training=True),
        ((6, 3),),
    ),
    Case(  # the running statistics are updated in place: a fresh copy for each call, in x's dtype as a layer's
        "batch_norm2d (training)",
        lambda x, w, b: F.batch_norm(x, RUNNING_MEAN.astype(x.dtype), RUNNING_VAR.astype(x.dtype), w, b, training=True),
        _batch_norm,
        lambda x, w, b: _torch().nn.functional.batch_norm(
            x, *_torch_idx(RUNNING_MEAN.copy(), RUNNING_VAR.copy()), w, b, training=True
        ),
        ((4, 3, 3, 2), (3,), (3,)),
    ),
    Case(
        "batch_norm2d (eval, running stats)",
        lambda x, w, b: F.batch_norm(x, RUNNING_MEAN, RUNNING_VAR, w, b, training=False),
        lambda x, w, b: _batch_norm(x, w, b, RUNNING_MEAN, RUNNING_VAR),
        lambda x, w, b: _torch().nn.functional.batch_norm(
            x, *_torch_idx(RUNNING_MEAN, RUNNING_VAR), w, b, training=False
        ),
        ((2, 3, 3, 2), (3,), (3,)),
    ),
    Case(
        "mse_loss",
        lambda x: F.mse_loss(x, np.ones((2, 3))),
        lambda x: np.mean((x - 1.0) ** 2),
        lambda x: _torch().nn.functional.mse_loss(x, _torch().ones(2, 3, dtype=x.dtype)),
        ((2, 3),),
    ),
    Case(
        "cross_entropy",
        lambda z: F.cross_entropy(z, LABELS),
        lambda z: -np.mean(np.log(_softmax(z, 1))[np.arange(len(LABELS)), LABELS]),
        lambda z: _torch().nn.functional.cross_entropy(z, *_torch_idx(LABELS)),
        ((2, 3),),
    ),
    # the losses whose target may require a gradient too (a distillation's soft labels, a learned target)
    Case(
        "binary_cross_entropy, target too",
        F.binary_cross_entropy,
        lambda p, t: -np.mean(t * np.log(p) + (1 - t) * np.log(1 - p)),
        lambda p, t: _torch().nn.functional.binary_cross_entropy(p, t),
        ((2, 3), (2, 3)),
        0.1,
        0.9,
    ),
    Case(
        "binary_cross_entropy_with_logits pos_weight, target too",
        lambda z, t: F.binary_cross_entropy_with_logits(z, t, pos_weight=POS_WEIGHT),
        lambda z, t: np.mean((1 - t) * z + (1 + (POS_WEIGHT - 1) * t) * np.log1p(np.exp(-z))),
        lambda z, t: _torch().nn.functional.binary_cross_entropy_with_logits(
            z, t, pos_weight=_torch_idx(POS_WEIGHT)[0]
        ),
        ((2, 3), (2, 3)),
    ),
    Case(
        "kl_div batchmean, target too",
        lambda x, t: F.kl_div(x, t, reduction="batchmean"),
        lambda x, t: np.sum(t * (np.log(t) - x)) / len(x),
        lambda x, t: _torch().nn.functional.kl_div(x, t, reduction="batchmean"),
        ((2, 3), (2, 3)),
        0.1,
        0.9,
    ),
    Case(
        "kl_div log_target, target too",
        lambda x, t: F.kl_div(x, t, log_target=True),
        lambda x, t: np.mean(np.exp(t) * (t - x)),
        lambda x, t: _torch().nn.functional.kl_div(x, t, log_target=True),
        ((2, 3), (2, 3)),
    ),
    Case(
        "cross_entropy probabilities, label_smoothing, target too",
        lambda z, t: F.cross_entropy(z, t, label_smoothing=0.1),
        lambda z, t: -np.mean(np.sum((0.9 * t + 0.1 / 3) * np.log(_softmax(z, 1)), axis=1)),
        lambda z, t: _torch().nn.functional.cross_entropy(z, t, label_smoothing=0.1),
        ((2, 3), (2, 3)),
    ),
    Case(
        "binary_cross_entropy_with_logits",
        lambda z: F.binary_cross_entropy_with_logits(z, BCE_TARGETS),
        lambda z: -np.mean(BCE_TARGETS * np.log(_sigmoid(z)) + (1 - BCE_TARGETS) * np.log(1 - _sigmoid(z))),
        lambda z: _torch().nn.functional.binary_cross_entropy_with_logits(z, _torch().from_numpy(BCE_TARGETS)),
        ((2, 3),),
    ),
]

#: the cases that run on `Value` as well as on `Tensor`
ELEMENTWISE = UNARY + BINARY

#: every case, in the order ``tinygrad-edu gradcheck`` prints them
CASES = UNARY + BINARY + TENSOR + NN

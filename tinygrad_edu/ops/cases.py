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

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..nn import conv
from ..nn import functional as F
from ..tensor import Tensor


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


def _conv2d(x: np.ndarray, w: np.ndarray, padding: int) -> np.ndarray:
    """y[n, o, i, j] = Σ_{c, u, v} W[o, c, u, v]·x_pad[n, c, i + u, j + v] by plain loops (stride 1)."""
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    k = w.shape[-1]
    oh, ow = xp.shape[2] - k + 1, xp.shape[3] - k + 1
    out = np.zeros((x.shape[0], w.shape[0], oh, ow))
    for i in range(oh):
        for j in range(ow):
            out[:, :, i, j] = np.tensordot(xp[:, :, i : i + k, j : j + k], w, axes=([1, 2, 3], [1, 2, 3]))
    return out


def _pool2x2(x: np.ndarray, reduce: Callable[..., np.ndarray]) -> np.ndarray:
    """Non-overlapping 2×2 windows of (N, C, H, W) reduced: reshape to (N, C, H/2, 2, W/2, 2)."""
    n, c, h, w = x.shape
    return reduce(x.reshape(n, c, h // 2, 2, w // 2, 2), axis=(3, 5))


IDX = np.array([2, 0, 2])  # an integer index with a repeat: the gradient must add up at row 2
WHERE = np.arange(12).reshape(3, 4) % 3 == 0
LABELS = np.array([0, 2])
BCE_TARGETS = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 0.3]])


def _torch_idx(*idx: Any) -> tuple[Any, ...]:
    return tuple(_torch().from_numpy(np.asarray(i)) for i in idx)


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
        "transpose axes",
        lambda a: a.transpose(1, 2, 0),
        lambda a: a.transpose(1, 2, 0),
        lambda a: a.permute(1, 2, 0),
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
    Case(
        "conv2d padding 1",
        lambda x, w: conv.conv2d(x, w, padding=1),
        lambda x, w: _conv2d(x, w, 1),
        lambda x, w: _torch().nn.functional.conv2d(x, w, padding=1),
        ((1, 2, 5, 5), (3, 2, 3, 3)),
    ),
    Case(
        "max_pool2d",
        lambda x: conv.max_pool2d(x, 2),
        lambda x: _pool2x2(x, np.max),
        lambda x: _torch().nn.functional.max_pool2d(x, 2),
        ((1, 2, 4, 4),),
        distinct=True,
    ),
    Case(
        "avg_pool2d",
        lambda x: conv.avg_pool2d(x, 2),
        lambda x: _pool2x2(x, np.mean),
        lambda x: _torch().nn.functional.avg_pool2d(x, 2),
        ((1, 2, 4, 4),),
    ),
    Case(
        "batch_norm (training)",
        lambda x: F.batch_norm(x, None, None, training=True),
        lambda x: (x - x.mean(axis=0)) / np.sqrt(((x - x.mean(axis=0)) ** 2).mean(axis=0) + 1e-5),
        lambda x: _torch().nn.functional.batch_norm(x, None, None, training=True),
        ((6, 3),),
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

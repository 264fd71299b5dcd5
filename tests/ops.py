"""The op registry that drives the per-op tests: name, how to call it, a reference, a domain.

Each entry is used for `Value` and, through the same callables, for `Tensor`: ``apply`` calls the
op in the library's own spelling (methods and operators work on both), ``ref`` computes the same
function with numpy in float64 (taken from the math, not from the code under test), and ``torch``
is PyTorch's spelling of it for the cross-check. ``low``/``high`` bound the inputs so that each op
is tested inside its domain and away from kinks where a derivative does not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # σ(x) = (1 + tanh(x/2))/2, an identity independent of the code


@dataclass(frozen=True)
class Op:
    name: str
    arity: int
    apply: Callable[..., Any]
    ref: Callable[..., np.ndarray]
    torch: Callable[..., Any]
    low: float = -3.0
    high: float = 3.0
    away_from_zero: bool = False


UNARY = [
    Op("neg", 1, lambda a: -a, lambda a: -a, lambda a: -a),
    Op("exp", 1, lambda a: a.exp(), np.exp, lambda a: a.exp()),
    Op("log", 1, lambda a: a.log(), np.log, lambda a: a.log(), low=0.1, high=5.0),
    Op("sqrt", 1, lambda a: a.sqrt(), np.sqrt, lambda a: a.sqrt(), low=0.1, high=5.0),
    Op("tanh", 1, lambda a: a.tanh(), np.tanh, lambda a: a.tanh()),
    Op("sigmoid", 1, lambda a: a.sigmoid(), _sigmoid, lambda a: a.sigmoid()),
    Op("relu", 1, lambda a: a.relu(), lambda a: np.maximum(a, 0.0), lambda a: a.relu(), away_from_zero=True),
    Op(
        "leaky_relu",
        1,
        lambda a: a.leaky_relu(),
        lambda a: np.where(a > 0, a, 0.01 * a),
        lambda a: __import__("torch").nn.functional.leaky_relu(a, 0.01),
        away_from_zero=True,
    ),
    Op(
        "leaky_relu(0.2)",
        1,
        lambda a: a.leaky_relu(0.2),
        lambda a: np.where(a > 0, a, 0.2 * a),
        lambda a: __import__("torch").nn.functional.leaky_relu(a, 0.2),
        away_from_zero=True,
    ),
    Op("abs", 1, lambda a: a.abs(), np.abs, lambda a: a.abs(), away_from_zero=True),
    Op("pow 2", 1, lambda a: a**2, lambda a: a**2, lambda a: a**2),
    Op("pow 3", 1, lambda a: a**3, lambda a: a**3, lambda a: a**3),
    Op("pow -1.5", 1, lambda a: a**-1.5, lambda a: a**-1.5, lambda a: a**-1.5, low=0.2, high=4.0),
    Op("pow 0.5", 1, lambda a: a**0.5, np.sqrt, lambda a: a**0.5, low=0.1, high=4.0),
    Op("radd", 1, lambda a: 2.5 + a, lambda a: 2.5 + a, lambda a: 2.5 + a),
    Op("rsub", 1, lambda a: 2.5 - a, lambda a: 2.5 - a, lambda a: 2.5 - a),
    Op("rmul", 1, lambda a: 2.5 * a, lambda a: 2.5 * a, lambda a: 2.5 * a),
    Op("rdiv", 1, lambda a: 2.5 / a, lambda a: 2.5 / a, lambda a: 2.5 / a, away_from_zero=True),
    Op("rpow", 1, lambda a: 2.5**a, lambda a: 2.5**a, lambda a: 2.5**a),
]

BINARY = [
    Op("add", 2, lambda a, b: a + b, lambda a, b: a + b, lambda a, b: a + b),
    Op("sub", 2, lambda a, b: a - b, lambda a, b: a - b, lambda a, b: a - b),
    Op("mul", 2, lambda a, b: a * b, lambda a, b: a * b, lambda a, b: a * b),
    Op("div", 2, lambda a, b: a / b, lambda a, b: a / b, lambda a, b: a / b, away_from_zero=True),
    Op("pow", 2, lambda a, b: a**b, lambda a, b: a**b, lambda a, b: a**b, low=0.2, high=3.0),
]

ALL = UNARY + BINARY


def sample(op: Op, rng: np.random.Generator, shape: tuple[int, ...] = ()) -> np.ndarray:
    """Inputs inside the op's domain; for ops with a kink at 0, at least 0.1 away from it."""
    x = rng.uniform(op.low, op.high, shape)
    if op.away_from_zero:
        x = np.where(np.abs(x) < 0.1, np.copysign(0.1, x) + x, x)
    return x

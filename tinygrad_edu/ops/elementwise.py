"""Elementwise ops: each output element depends on the elements at the same position of the inputs.

Binary ops broadcast as numpy does; their gradients are summed back to each input's shape by
`tinygrad_edu.ops.op.unbroadcast` (in `Tensor.backward`). Each class holds its forward and,
beside it, its derivative: the docstring gives the math, ``backward`` the vector-Jacobian product.
"""

from __future__ import annotations

import numpy as np

from .. import kernels
from ..kernels import spread
from .op import Op, broadcast_error, check_broadcast

#: what `tinygrad_edu.ops` re-exports from this module (its star import reads this list)
__all__ = [
    "Abs",
    "Add",
    "Clip",
    "Cos",
    "Div",
    "Exp",
    "LeakyRelu",
    "Log",
    "Log2",
    "Log10",
    "Mul",
    "Neg",
    "Pow",
    "PowConst",
    "Relu",
    "Sigmoid",
    "Sin",
    "Sqrt",
    "Sub",
    "Tanh",
    "Where",
    "Xlogy",
]


class Add(Op):
    """a + b;  ∂/∂a = G, ∂/∂b = G."""

    name = "+"

    def forward(self, a, b):
        try:
            return a + b
        except ValueError:  # numpy checks the shapes before it writes anything
            raise broadcast_error("add", a, b) from None

    def backward(self, g):
        return g, g


class Sub(Op):
    """a − b;  ∂/∂a = G, ∂/∂b = −G."""

    name = "-"

    def forward(self, a, b):
        try:
            return a - b
        except ValueError:  # numpy checks the shapes before it writes anything
            raise broadcast_error("sub", a, b) from None

    def backward(self, g):
        return g, -g if self.needs_input_grad[1] else None


class Mul(Op):
    """a · b;  ∂/∂a = G·b, ∂/∂b = G·a."""

    saves = (0, 1)
    saved_for = (1, 0)
    name = "*"

    def forward(self, a, b):
        self.a, self.b = a, b
        try:
            return a * b
        except ValueError:
            raise broadcast_error("mul", a, b) from None

    def backward(self, g):
        return (g * self.b if self.needs_input_grad[0] else None), (g * self.a if self.needs_input_grad[1] else None)


class Div(Op):
    """a / b;  ∂/∂a = G/b, ∂/∂b = −G·a/b² (from the saved inputs, as PyTorch: the output may change in place)."""

    saves = (0, 1)
    saved_for = (1, None)
    name = "/"

    def forward(self, a, b):
        self.a, self.b = a, b
        try:
            return a / b
        except ValueError:
            raise broadcast_error("div", a, b) from None

    def backward(self, g):
        ga = g / self.b if self.needs_input_grad[0] else None
        return ga, (-g * self.a / (self.b * self.b) if self.needs_input_grad[1] else None)


class Pow(Op):
    """a ** b;  ∂/∂a = G·b·a^(b−1), ∂/∂b = G·a^b·ln a (taken as 0 where a = 0, as PyTorch)."""

    saves = (0, 1, -1)
    name = "pow"
    backward_name = "PowBackward1"

    def forward(self, a, b):
        check_broadcast("pow", a, b)
        self.a, self.b = a, b
        self.out = a**b
        return self.out

    def backward(self, g):
        ga = g * self.b * self.a ** (self.b - 1) if self.needs_input_grad[0] else None
        gb = None
        if self.needs_input_grad[1]:
            with np.errstate(divide="ignore", invalid="ignore"):
                gb = g * np.where(self.a == 0, 0, self.out * np.log(np.where(self.a == 0, 1, self.a)))
        return ga, gb


class Xlogy(Op):
    """x·log y, and 0 where x = 0 unless y is NaN (the 0·log 0 = 0 of an entropy), as ``torch.xlogy``;
    ∂/∂x = G·log y (0 where G = 0, or where x = 0 and y ≤ 0), ∂/∂y = G·x/y: PyTorch's rules, so at x = y = 0
    ∂/∂y is 0/0, NaN."""

    saves = (0, 1)
    name = "xlogy"

    def forward(self, x, y):
        check_broadcast("xlogy", x, y)
        self.x, self.y = x, y
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where((x == 0) & ~np.isnan(y), 0, x * np.log(y))

    def backward(self, g):
        x, y = self.x, self.y
        with np.errstate(divide="ignore", invalid="ignore"):
            zero = ((g == 0) & ~np.isnan(y)) | ((x == 0) & (y <= 0))
            gx = np.where(zero, 0, g * np.log(y)) if self.needs_input_grad[0] else None
            return gx, g * x / y if self.needs_input_grad[1] else None


class PowConst(Op):
    """a ** k for a number k;  ∂/∂a = G·k·a^(k−1), and 0 for k = 0 (a⁰ = 1 is constant, even at a = 0
    where k·a^(k−1) would be 0·∞: PyTorch's rule)."""

    saves = (0,)
    backward_name = "PowBackward0"

    def __init__(self, k: float) -> None:
        self.k = k
        self.name = f"**{k:g}"

    def forward(self, a):
        self.a = a
        return a**self.k

    def backward(self, g):
        if self.k == 0:
            return (np.zeros_like(g),)
        return (g * self.k * self.a ** (self.k - 1),)


class Neg(Op):
    """−a;  ∂/∂a = −G."""

    name = "neg"

    def forward(self, a):
        return -a

    def backward(self, g):
        return (-g,)


class Exp(Op):
    """eᵃ;  ∂/∂a = G·eᵃ."""

    saves = (-1,)
    name = "exp"

    def forward(self, a):
        self.out = np.exp(a)
        return self.out

    def backward(self, g):
        return (g * self.out,)


class Log(Op):
    """ln a;  ∂/∂a = G/a. NaN for a < 0 and −inf at 0, as numpy and PyTorch (see detect_anomaly)."""

    saves = (0,)
    name = "log"

    def forward(self, a):
        self.a = a
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(a)

    def backward(self, g):
        return (g / self.a,)


class Log10(Op):
    """log₁₀ a = ln a / ln 10;  ∂/∂a = G/(a·ln 10). NaN for a < 0 and −inf at 0, as numpy and PyTorch.
    float32 is computed in float64 and rounded once: numpy's float32 log10 is off by an ulp at powers of
    ten (log10(100) = 2.0000002), PyTorch's gives 2 exactly."""

    saves = (0,)
    name = "log10"

    def forward(self, a):
        self.a = a
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log10(a, dtype=np.float64).astype(a.dtype) if a.dtype == np.float32 else np.log10(a)

    def backward(self, g):
        return (g / (self.a * np.log(10.0).astype(self.a.dtype)),)


class Log2(Op):
    """log₂ a = ln a / ln 2;  ∂/∂a = G/(a·ln 2), as PyTorch's ``log2_backward`` (which divides by the
    double ln 2 = 0.6931471805599453, `np.log(2.0)` exactly). NaN for a < 0 and −inf at 0, as numpy and PyTorch."""

    saves = (0,)
    name = "log2"

    def forward(self, a):
        self.a = a
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log2(a)

    def backward(self, g):
        return (g / (self.a * np.log(2.0).astype(self.a.dtype)),)


class Sqrt(Op):
    """√a;  ∂/∂a = G/(2√a)."""

    saves = (-1,)
    name = "sqrt"

    def forward(self, a):
        with np.errstate(invalid="ignore"):
            self.out = np.sqrt(a)
        return self.out

    def backward(self, g):
        with np.errstate(divide="ignore"):
            return (g * 0.5 / self.out,)


class Abs(Op):
    """|a|;  ∂/∂a = G·sign(a), sign(0) = 0."""

    saves = (0,)
    name = "abs"

    def forward(self, a):
        self.a = a
        return np.abs(a)

    def backward(self, g):
        return (g * np.sign(self.a),)


class Sin(Op):
    """sin a;  ∂/∂a = G·cos a."""

    saves = (0,)
    name = "sin"

    def forward(self, a):
        self.a = a
        return np.sin(a)

    def backward(self, g):
        return (g * np.cos(self.a),)


class Cos(Op):
    """cos a;  ∂/∂a = −G·sin a."""

    saves = (0,)
    name = "cos"

    def forward(self, a):
        self.a = a
        return np.cos(a)

    def backward(self, g):
        return (-g * np.sin(self.a),)


class Tanh(Op):
    """tanh a;  ∂/∂a = G·(1 − tanh² a)."""

    saves = (-1,)
    name = "tanh"

    def forward(self, a):
        self.out = np.tanh(a)
        return self.out

    def backward(self, g):
        return (kernels.tanh_backward(self.out, g),)


class Sigmoid(Op):
    """σ(a) = 1/(1 + e^{−a}), overflow-free;  ∂/∂a = G·σ(1 − σ)."""

    saves = (-1,)
    name = "sigmoid"

    def forward(self, a):
        self.out = kernels.sigmoid(a)
        return self.out

    def backward(self, g):
        return (kernels.sigmoid_backward(self.out, g),)


class Relu(Op):
    """max(a, 0);  ∂/∂a = G·1[a > 0]. A large array is spread over the team's threads (`kernels.spread`)."""

    saves = (-1,)
    name = "relu"

    def forward(self, a):
        self.out = spread.relu(a)
        return self.out

    def backward(self, g):
        return (spread.relu_backward(self.out, g),)


class LeakyRelu(Op):
    """a for a > 0, else α·a;  ∂/∂a = G or α·G."""

    saves = (0,)

    def __init__(self, alpha: float) -> None:
        self.alpha = alpha
        self.name = f"leaky_relu({alpha:g})"

    def forward(self, a):
        self.pos = a > 0
        return np.where(self.pos, a, self.alpha * a)

    def backward(self, g):
        return (np.where(self.pos, g, self.alpha * g),)


class Clip(Op):
    """min(max(a, lo), hi);  ∂/∂a = G where lo ≤ a ≤ hi, else 0 (PyTorch's clamp)."""

    saves = (0,)
    name = "clip"
    backward_name = "ClampBackward1"

    def __init__(self, lo: float | None, hi: float | None) -> None:
        self.lo, self.hi = lo, hi

    def forward(self, a):
        self.mask = np.ones(a.shape, dtype=bool)
        if self.lo is not None:
            self.mask &= a >= self.lo
        if self.hi is not None:
            self.mask &= a <= self.hi
        return np.clip(a, self.lo, self.hi)

    def backward(self, g):
        return (g * self.mask,)


class Where(Op):
    """cond ? a : b;  ∂/∂a = G·cond, ∂/∂b = G·(1 − cond)."""

    name = "where"

    def __init__(self, cond: np.ndarray) -> None:
        self.cond = cond

    def forward(self, a, b):
        check_broadcast("where", self.cond, a, b)
        return np.where(self.cond, a, b)

    def backward(self, g):
        zero = np.zeros((), dtype=g.dtype)
        return (
            np.where(self.cond, g, zero) if self.needs_input_grad[0] else None,
            np.where(self.cond, zero, g) if self.needs_input_grad[1] else None,
        )

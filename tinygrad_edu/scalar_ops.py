"""Every op of the scalar `Value` graph, its math written once: a table of formulas on floats.

Each elementwise op is one plain-Python function of floats ``formula(a, b, c)`` that returns
``(out, ∂out/∂a, ∂out/∂b, err)``: the result, both local derivatives (∂out/∂b is 0 for an op of one
operand, which ignores ``b``), and ``err``, 0 or the 1-based number of the op's error that the
operands hit (a log of 0, a division by zero). ``c`` is the number an op carries besides its
operands: the exponent of ``x ** k``, the slope of ``leaky_relu``; 0 otherwise.

Three places read the table and nothing else:

- `tinygrad_edu.engine`: each `Value` method calls its op's formula and stores the two results in
  the new node (or raises the op's error);
- the compiled tape's replay (`tinygrad_edu.compiled.kernel`): its dispatch is generated from this
  table, one branch per op that calls the formula; numba compiles and inlines each formula;
- the replay's numpy twin (``TINYGRAD_EDU_JIT=0``, `tinygrad_edu.compiled.twin`): a level of rows
  with the same op applies the formula to each row (``np.frompyfunc``),

so eager mode, the kernel and the twin give the same numbers, bit for bit.

Two primitives differ between Python and C: Python raises where C's ``exp`` and ``pow`` return
±inf. `c_exp` and `c_pow` give C's results in Python; numba compiles them as C's functions.

The n-ary ops (``sum``, ``dot``) have rows in the table too (for their names and op codes) but
no formula: their loops are in `Value.sum`/`Value.dot` and the kernel.

Adding a scalar op: a formula and a row here, a method on `Value` that calls ``_unary`` or
``_binary`` (engine.py), a test in ``tests/test_value_ops.py``. The tape, its kernel and its twin
follow from the row.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

Formula = Callable[[float, float, float], tuple[float, float, float, int]]

#: ln 10, correctly rounded (PyTorch's log10 backward divides by the literal 2.3025850929940456,
#: one unit in the last place below it).
LN10 = math.log(10.0)
NAN = math.nan


def c_exp(a: float) -> float:
    """eᵃ as C's ``exp``: +inf above a ≈ 709.78, where Python's `math.exp` raises OverflowError."""
    try:
        return math.exp(a)
    except OverflowError:
        return math.inf


def c_pow(a: float, k: float) -> float:
    """aᵏ as C's ``pow`` (so as numpy and PyTorch): ±inf where Python's ``**`` raises OverflowError,
    and ±inf for 0 to a negative power (the sign of a zero base kept for odd integer k), where it
    raises ZeroDivisionError. The callers rule out a negative base to a non-integer power."""
    try:
        return a**k
    except (OverflowError, ZeroDivisionError):
        odd = k % 2.0 == 1.0
        if a == 0.0:
            return math.copysign(math.inf, a) if odd else math.inf
        return -math.inf if (a < 0.0 and odd) else math.inf


# ------------------------------------------------------------------------------- the formulas
def add(a: float, b: float, c: float) -> tuple[float, float, float, int]:
    """a + b;  ∂/∂a = 1, ∂/∂b = 1."""
    return a + b, 1.0, 1.0, 0


def mul(a: float, b: float, c: float) -> tuple[float, float, float, int]:
    """a · b;  ∂/∂a = b, ∂/∂b = a."""
    return a * b, b, a, 0


def sub(a: float, b: float, c: float) -> tuple[float, float, float, int]:
    """a − b;  ∂/∂a = 1, ∂/∂b = −1."""
    return a - b, 1.0, -1.0, 0


def div(a: float, b: float, c: float) -> tuple[float, float, float, int]:
    """a / b;  ∂/∂a = 1/b, ∂/∂b = −a/b² = −(a/b)/b (PyTorch's formula: the quotient correctly
    rounded, and a tiny b gives inf, never a spurious NaN). Error 1: b = 0."""
    if b == 0.0:
        return NAN, NAN, NAN, 1
    out = a / b
    return out, 1.0 / b, -out / b, 0


def neg(a: float, b: float, c: float) -> tuple[float, float, float, int]:
    """−a;  ∂/∂a = −1."""
    return -a, -1.0, 0.0, 0


def pow_const(a: float, b: float, c: float) -> tuple[float, float, float, int]:
    """aᶜ for a number c;  ∂/∂a = c·a^(c−1), and 0 when c = 0 (even at a = 0 or NaN, as PyTorch).
    Errors: 1, a negative base to a finite non-integer power; 2, zero to a negative power."""
    if a < 0.0 and math.isfinite(c) and c % 1.0 != 0.0:
        return NAN, NAN, NAN, 1
    if a == 0.0 and c < 0.0:
        return NAN, NAN, NAN, 2
    return c_pow(a, c), (0.0 if c == 0.0 else c * c_pow(a, c - 1.0)), 0.0, 0


def pow_value(a: float, b: float, c: float) -> tuple[float, float, float, int]:
    """aᵇ for a Value b;  ∂/∂a = b·a^(b−1) (0 when b = 0), ∂/∂b = aᵇ·ln a, taken as 0 at a = 0
    (the limit from the right, as PyTorch). Error 1: a < 0, or a = 0 with b ≤ 0."""
    if a < 0.0 or (a == 0.0 and b <= 0.0):
        return NAN, NAN, NAN, 1
    out = c_pow(a, b)
    d_base = 0.0 if b == 0.0 else b * c_pow(a, b - 1.0)
    d_exp = 0.0 if (a == 0.0 and b >= 0.0) else out * (math.log(a) if a > 0.0 else NAN)
    return out, d_base, d_exp, 0


def exp(a: float, b: float, c: float) -> tuple[float, float, float, int]:
    """eᵃ;  ∂/∂a = eᵃ. +inf above a ≈ 709.78, as IEEE float64."""
    out = c_exp(a)
    return out, out, 0.0, 0


def log(a: float, b: float, c: float) -> tuple[float, float, float, int]:
    """ln a;  ∂/∂a = 1/a. Error 1: a ≤ 0 (NaN gives NaN, as PyTorch)."""
    if a <= 0.0:
        return NAN, NAN, NAN, 1
    return math.log(a), 1.0 / a, 0.0, 0


def log10(a: float, b: float, c: float) -> tuple[float, float, float, int]:
    """log₁₀ a;  ∂/∂a = 1/(a·ln 10). Error 1: a ≤ 0 (NaN gives NaN, as PyTorch)."""
    if a <= 0.0:
        return NAN, NAN, NAN, 1
    return math.log10(a), 1.0 / (a * LN10), 0.0, 0


def sqrt(a: float, b: float, c: float) -> tuple[float, float, float, int]:
    """√a;  ∂/∂a = 1/(2√a), +inf at a = 0. Error 1: a < 0 (NaN gives NaN, as PyTorch)."""
    if a < 0.0:
        return NAN, NAN, NAN, 1
    out = math.sqrt(a)
    return out, (0.5 / out if out != 0.0 else math.copysign(math.inf, out)), 0.0, 0


def tanh(a: float, b: float, c: float) -> tuple[float, float, float, int]:
    """tanh a = (e^{2a} − 1)/(e^{2a} + 1);  ∂/∂a = 1 − tanh² a, taken as (1 − t)(1 + t): for a saturated
    unit (t near ±1) 1 − t·t cancels to a few correct digits, while 1 − t is exact there (PyTorch's
    fused multiply-add gets the correctly rounded value; at a = 4, 1 − t·t is 38 ulp from it)."""
    t = math.tanh(a)
    return t, (1.0 - t) * (1.0 + t), 0.0, 0


def sigmoid(a: float, b: float, c: float) -> tuple[float, float, float, int]:
    """σ(a) = 1/(1 + e^{−a});  ∂/∂a = σ(a)(1 − σ(a)). For a < 0 it is eᵃ/(1 + eᵃ), so no
    exponential overflows."""
    if a >= 0.0:
        s = 1.0 / (1.0 + math.exp(-a))
    else:
        e = math.exp(a)
        s = e / (1.0 + e)
    return s, s * (1.0 - s), 0.0, 0


def relu(a: float, b: float, c: float) -> tuple[float, float, float, int]:
    """max(0, a);  ∂/∂a = 1 for a > 0, else 0 (PyTorch's choice at 0); NaN stays NaN with ∂/∂a = 1,
    as PyTorch (a NaN must not vanish into a 0 that looks fine)."""
    if a <= 0.0:
        return 0.0, 0.0, 0.0, 0
    return a, 1.0, 0.0, 0


def leaky_relu(a: float, b: float, c: float) -> tuple[float, float, float, int]:
    """a for a > 0, else c·a;  ∂/∂a = 1 or c (the slope, 0.01 by default as PyTorch's LeakyReLU)."""
    if a > 0.0:
        return a, 1.0, 0.0, 0
    return c * a, c, 0.0, 0


def abs_(a: float, b: float, c: float) -> tuple[float, float, float, int]:
    """|a|;  ∂/∂a = sign(a), with sign(0) = 0 as PyTorch."""
    return abs(a), (1.0 if a > 0.0 else (-1.0 if a < 0.0 else 0.0)), 0.0, 0


def fsum(values: list[float]) -> float:
    """Σ values exactly rounded (`math.fsum`); where the exact sum is not a finite float (an
    overflow, or inf − inf) the plain left-to-right sum: ±inf or NaN, as PyTorch."""
    try:
        return math.fsum(values)
    except (OverflowError, ValueError):
        return sum(values)


# -------------------------------------------------------------------------------- the table
@dataclass(frozen=True)
class ScalarOp:
    """One op: its name (the tape listing's), the label of its nodes (``Value._op``, what
    `draw_dot` shows), its operand count (0: any number, an n-ary op), its formula, and its errors:
    exception type and message, formatted with the operands ``a``, ``b`` and the constant ``c``."""

    name: str
    symbol: str
    arity: int
    formula: Formula | None = None
    errors: tuple[tuple[type[Exception], str], ...] = ()

    def error(self, err: int, a: float, b: float, c: float) -> Exception:
        """The exception for error number ``err`` of this op at these operands."""
        kind, message = self.errors[err - 1]
        return kind(message.format(a=a, b=b, c=c))


OPS: tuple[ScalarOp, ...] = (
    ScalarOp("add", "+", 2, add),
    ScalarOp("mul", "*", 2, mul),
    ScalarOp("sub", "-", 2, sub),
    ScalarOp("div", "/", 2, div, ((ZeroDivisionError, "div: division of {a!r} by zero"),)),
    ScalarOp("neg", "neg", 1, neg),
    ScalarOp(
        "pow",
        "**",
        1,
        pow_const,
        (
            (ValueError, "pow: negative base {a!r} to the non-integer power {c!r} is not a real number"),
            (ValueError, "pow: zero to the negative power {c!r} is undefined (division by zero)"),
        ),
    ),
    ScalarOp(
        "pow",
        "pow",
        2,
        pow_value,
        (
            (
                ValueError,
                "pow: base {a!r} to the Value power {b!r} is undefined; a Value exponent needs a positive base",
            ),
        ),
    ),
    ScalarOp("exp", "exp", 1, exp),
    ScalarOp("log", "log", 1, log, ((ValueError, "log: input must be positive, got {a!r}"),)),
    ScalarOp("sqrt", "sqrt", 1, sqrt, ((ValueError, "sqrt: input must be non-negative, got {a!r}"),)),
    ScalarOp("tanh", "tanh", 1, tanh),
    ScalarOp("sigmoid", "sigmoid", 1, sigmoid),
    ScalarOp("relu", "relu", 1, relu),
    ScalarOp("leaky_relu", "leaky_relu", 1, leaky_relu),
    ScalarOp("abs", "abs", 1, abs_),
    ScalarOp("sum", "sum", 0),
    ScalarOp("dot", "dot", 0),
    ScalarOp("log10", "log10", 1, log10, ((ValueError, "log10: input must be positive, got {a!r}"),)),
)

# op codes: a row's index in OPS
(ADD, MUL, SUB, DIV, NEG, POWC, POW, EXP, LOG, SQRT, TANH, SIGMOID, RELU, LEAKY_RELU, ABS, SUM, DOT, LOG10) = range(
    len(OPS)
)
OP_NAMES = tuple(op.name for op in OPS)
LEAKY_RELU_DEFAULT = 0.01  # Value.leaky_relu's default slope (PyTorch's LeakyReLU)


def pow_symbol(k: float) -> str:
    """The label of an ``x ** k`` node: ``"**2"``, ``"**0.5"``; the exponent exact, so that a tape
    traced from the graph reads back the very number (``"**1.23456789"``)."""
    short = f"{k:g}"
    return f"**{short}" if _same(float(short), k) else f"**{k!r}"


def _same(x: float, y: float) -> bool:
    return x == y or (x != x and y != y)


#: The op code of each node label (a ``"**k"`` label is `POWC`).
CODE_OF_SYMBOL = {op.symbol: code for code, op in enumerate(OPS) if code != POWC}

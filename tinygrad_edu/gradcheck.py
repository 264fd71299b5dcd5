"""`gradcheck`: compare `backward()` with float64 central differences, as ``torch.autograd.gradcheck``.

For a function y = f(x₁, …, xₙ) with outputs y_j and input elements x_i, the numerical Jacobian is

    J_num[j, i] = (f_j(x + ε·e_i) − f_j(x − ε·e_i)) / (2ε)        (error O(ε²))

and the analytical one is read off ``backward()``: seeding the output with the one-hot vector e_j
gives row j, J_ana[j, i] = ∂y_j/∂x_i. The check passes when every entry satisfies PyTorch's
``allclose`` test  |J_ana − J_num| ≤ atol + rtol·|J_num|. The defaults (ε = 1e-6, atol = 1e-5,
rtol = 1e-3) are PyTorch's. Inputs are perturbed in float64 (tensor inputs are upcast for the
duration of the check), because in float32 the rounding error of f (~1e-7·|f|/ε ≈ 0.1) would swamp
the derivative.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .engine import Value
from .graph import no_grad, topological_order


class GradcheckError(RuntimeError):
    """Raised by `gradcheck` when analytical and numerical gradients disagree; holds the table."""


def _is_scalar(x: Any) -> bool:
    return isinstance(x, Value)


def _read(x: Any) -> np.ndarray:
    """A float64 copy of a node's data, flattened."""
    return np.array(x.data, dtype=np.float64).reshape(-1)


def _write(x: Any, flat: np.ndarray) -> None:
    if _is_scalar(x):
        x.data = float(flat[0])
    else:
        x.data = flat.reshape(x.data.shape).copy()


def _grad(x: Any) -> np.ndarray:
    g = x.grad
    if g is None:
        return np.zeros(np.size(np.asarray(x.data)))
    g = np.array(g, dtype=np.float64)
    if g.shape != np.shape(x.data):  # an op's backward is wrong: no Jacobian can be compared
        shape = tuple(np.shape(x.data))
        raise ValueError(f"gradcheck: backward gave an input of shape {shape} a gradient of shape {g.shape}")
    return g.reshape(-1)


def _clear_grad(x: Any) -> None:
    x.grad = 0.0 if _is_scalar(x) else None


def _output(fn: Callable[..., Any], inputs: Sequence[Any]) -> Any:
    """``fn(*inputs)``, refused unless it is a `Value` or a `Tensor`."""
    y = fn(*inputs)
    if not (_is_scalar(y) or (hasattr(y, "_prev") and hasattr(y, "data"))):
        raise TypeError(f"gradcheck: fn must return a Value or a Tensor, got {type(y).__name__}")
    return y


def _seed(y: Any, j: int) -> None:
    """Run ``y.backward`` with the one-hot upstream gradient e_j."""
    if _is_scalar(y):
        y.backward(1.0)
        return
    seed = np.zeros(np.size(np.asarray(y.data)), dtype=np.float64)
    seed[j] = 1.0
    y.backward(seed.reshape(np.shape(np.asarray(y.data))))


def _differences(
    fn: Callable[..., Any], inputs: Sequence[Any], eps: float
) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
    """Central, left and right differences, one (n_outputs, n_elements) array of each per input.

    Left (f(x) − f(x − ε))/ε and right (f(x + ε) − f(x))/ε agree with the central difference to
    O(ε) where f is differentiable; at a kink (ReLU or |x| at 0, max of a tie) they do not. The
    functions run without recording a graph, and every input's data is restored even when ``fn``
    raises.
    """
    central: list[np.ndarray] = []
    left: list[np.ndarray] = []
    right: list[np.ndarray] = []
    with no_grad(), np.errstate(invalid="ignore", over="ignore"):
        f0 = _read(_output(fn, inputs))
        for x in inputs:
            original = x.data
            base = _read(x)
            c, lo, hi = [], [], []
            try:
                for i in range(base.size):
                    shifted = base.copy()
                    shifted[i] = base[i] + eps
                    _write(x, shifted)
                    plus = _read(_output(fn, inputs))
                    shifted[i] = base[i] - eps
                    _write(x, shifted)
                    minus = _read(_output(fn, inputs))
                    c.append((plus - minus) / (2.0 * eps))
                    lo.append((f0 - minus) / eps)
                    hi.append((plus - f0) / eps)
            finally:
                x.data = original
            for out, cols in ((central, c), (left, lo), (right, hi)):
                out.append(np.stack(cols, axis=1) if cols else np.zeros((f0.size, 0)))
    return central, left, right


def numerical_jacobian(fn: Callable[..., Any], inputs: Sequence[Any], eps: float = 1e-6) -> list[np.ndarray]:
    """Central-difference Jacobians, one (n_outputs, n_elements) float64 array per input."""
    return _differences(fn, inputs, eps)[0]


def analytical_jacobian(fn: Callable[..., Any], inputs: Sequence[Any]) -> list[np.ndarray]:
    """Jacobians from ``backward()``, one (n_outputs, n_elements) float64 array per input.

    Side-effect free: every node of the graph (the inputs, and any parameter ``fn`` uses) has its
    ``.grad`` set aside before each backward pass and put back afterwards, so a model's
    accumulated gradients and the inputs' own ``.grad`` are what they were before the call.
    """
    rows: list[list[np.ndarray]] = [[] for _ in inputs]
    n_out = None
    j = 0
    while n_out is None or j < n_out:
        y = _output(fn, inputs)
        n_out = np.size(np.asarray(y.data))
        if n_out == 0:
            break
        nodes = {id(node): node for node in (*topological_order(y), *inputs)}.values()
        saved = [(node, node.grad) for node in nodes]
        try:
            for node in nodes:
                _clear_grad(node)
            _seed(y, j)
            for rows_x, x in zip(rows, inputs):
                rows_x.append(_grad(x))
        finally:
            for node, grad in saved:
                node.grad = grad
        j += 1
    return [np.stack(r, axis=0) if r else np.zeros((0, np.size(np.asarray(x.data)))) for r, x in zip(rows, inputs)]


def _upcast(inputs: Sequence[Any]) -> list[tuple[Any, Any]]:
    """Switch tensor inputs to float64 in place; return what to restore afterwards."""
    saved = []
    for x in inputs:
        if not _is_scalar(x) and np.asarray(x.data).dtype != np.float64:
            saved.append((x, x.data))
            x.data = np.asarray(x.data, dtype=np.float64)
    return saved


def _check_arguments(inputs: tuple, eps: float, atol: float, rtol: float) -> None:
    if not inputs:
        raise ValueError("gradcheck: no inputs to check")
    for k, x in enumerate(inputs):
        if not (_is_scalar(x) or hasattr(x, "requires_grad")):
            raise TypeError(
                f"gradcheck: input {k} is a {type(x).__name__}; pass Values or Tensors created with requires_grad=True"
            )
        if not _is_scalar(x) and not x.requires_grad:
            raise ValueError(
                f"gradcheck: input {k} (shape {tuple(x.shape)}) does not require grad, so backward() gives it "
                "no gradient; create it with requires_grad=True"
            )
    for name, value in (("eps", eps), ("atol", atol), ("rtol", rtol)):
        if not (isinstance(value, numbers.Real) and math.isfinite(value) and value >= 0):
            raise ValueError(f"gradcheck: {name} must be a finite number ≥ 0, got {value!r}")
    if eps == 0:
        raise ValueError("gradcheck: eps must be positive (it is the finite-difference step), got 0")


def gradcheck(
    fn: Callable[..., Any],
    inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Check ``fn``'s gradients with respect to ``inputs`` against float64 central differences.

    Args:
        fn: called as ``fn(*inputs)``; returns a `Value` or a `Tensor` (any shape).
        inputs: one node or a sequence of nodes (`Value`s or `Tensor`s with ``requires_grad=True``)
            to differentiate.
        eps: the finite-difference step ε.
        atol, rtol: entries pass when |analytic − numeric| ≤ atol + rtol·|numeric|.
        raise_exception: raise `GradcheckError` on a mismatch (PyTorch's default) instead of
            returning False.

    Returns:
        True when every Jacobian entry matches.

    Raises:
        GradcheckError: with a table of input, element, numeric, analytic and difference for
            each mismatching entry. An entry whose left and right differences disagree is
            marked as a kink: ``fn`` is not differentiable there (ReLU or abs at 0, a tie in
            max), so no gradient can match; move the input away from the kink.

    The check has no side effects: inputs get their data (and dtype) back even when ``fn``
    raises, and no ``.grad`` anywhere (inputs, or a model's parameters that ``fn`` uses) is changed.

    >>> from tinygrad_edu import Value
    >>> x = Value(0.5)
    >>> gradcheck(lambda a: a.tanh() * a, x)
    True
    >>> gradcheck(lambda a: a.relu(), Value(1e-7), raise_exception=False)  # ±ε straddles the kink at 0
    False
    """
    if _is_scalar(inputs) or hasattr(inputs, "shape"):
        inputs = (inputs,)
    inputs = tuple(inputs)
    _check_arguments(inputs, eps, atol, rtol)
    saved = _upcast(inputs)
    try:
        numeric, left, right = _differences(fn, inputs, eps)
        analytic = analytical_jacobian(fn, inputs)
    finally:
        for x, data in saved:
            x.data = data
    failures = []
    for k, (num, ana, lo, hi) in enumerate(zip(numeric, analytic, left, right)):
        bad = ~(np.abs(ana - num) <= atol + rtol * np.abs(num))
        for j, i in zip(*np.nonzero(bad)):
            if not np.isfinite(num[j, i]):
                note = "not finite: fn gives inf or NaN within ±eps"
            elif not np.abs(hi[j, i] - lo[j, i]) <= 2 * (atol + rtol * np.abs(num[j, i])):
                note = f"kink: left {lo[j, i]:.6g}, right {hi[j, i]:.6g}"
            else:
                note = ""
            failures.append((k, int(j), int(i), num[j, i], ana[j, i], note))
    if not failures:
        return True
    if not raise_exception:
        return False
    lines = [
        f"gradcheck: {len(failures)} Jacobian entries differ (atol={atol:g}, rtol={rtol:g}, eps={eps:g})",
        f"{'input':>5} {'output':>6} {'element':>7} {'numeric':>14} {'analytic':>14} {'difference':>12}",
    ]
    for k, j, i, num, ana, note in failures[:20]:
        lines.append(f"{k:>5} {j:>6} {i:>7} {num:>14.8g} {ana:>14.8g} {ana - num:>12.4g}  {note}".rstrip())
    if len(failures) > 20:
        lines.append(f"... and {len(failures) - 20} more")
    if any(f[5].startswith("kink") for f in failures):
        lines.append(
            "kink: the left difference (f(x) − f(x − ε))/ε and the right one (f(x + ε) − f(x))/ε disagree, so fn "
            "is not differentiable at this point (ReLU or abs at 0, a tie in max/min, within ε); no gradient "
            "can match there. Move the input away from the kink, or use a smaller eps."
        )
    raise GradcheckError("\n".join(lines))

"""The compiled tape's numba kernel: forward then backward over the rows, one machine-code loop.

The forward's dispatch is generated from the op table (`tinygrad_edu.scalar_ops.OPS`): for each op
with a formula, one branch ``elif c == code:`` that calls the formula on the row's operands, returns
the row's index when the formula reports an error, and stores the value and the local derivatives.
numba compiles each formula (the very Python function `Value` calls) and inlines it, so eager mode
and the kernel run the same arithmetic. The two n-ary ops have hand-written loops here, because
their sums must be those of Python: `Value.sum` is `math.fsum` (Shewchuk's exact partials, CPython's
final rounding, re-written below for numba) and `Value.dot` is Python's ``sum()`` left to right,
with Neumaier's compensation from Python 3.12 on, as CPython adds floats.

numba caches a compiled function by its source file and name. The generated function is named for a
hash of its own text and of the two modules it inlines (this one and the table), attributed to this
file, so editing either module compiles it afresh and an unchanged one loads from the cache.
"""

from __future__ import annotations

import hashlib
import inspect
import math
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import scalar_ops as ops
from ..kernels._numba import nb, njit

if TYPE_CHECKING:
    from .tape import Tape

NEUMAIER = sys.version_info >= (3, 12)  # CPython's sum() of floats is compensated from 3.12 on


if nb is not None:  # C's exp and pow, where Python's raise: numba's math.exp and ** are C's
    from numba.extending import overload

    @overload(ops.c_exp, inline="always")
    def _c_exp_numba(a):
        return lambda a: math.exp(a)

    @overload(ops.c_pow, inline="always")
    def _c_pow_numba(a, k):
        return lambda a, k: a**k


def _sum_add(acc: float, comp: float, x: float, neumaier: bool) -> tuple[float, float]:
    """One term of Python's ``sum()`` of floats: ``acc + x``, and from Python 3.12 on Neumaier's
    running compensation ``comp`` of the rounding error (CPython's ``builtin_sum_impl``)."""
    if not neumaier:
        return acc + x, comp
    t = acc + x
    if abs(acc) >= abs(x):
        comp += (acc - t) + x
    else:
        comp += (x - t) + acc
    return t, comp


def _sum_end(acc: float, comp: float, neumaier: bool) -> float:
    """The end of Python's ``sum()``: add the compensation unless it is 0 or not finite."""
    if neumaier and comp != 0.0 and math.isfinite(comp):
        return acc + comp
    return acc


def _dot_row(args, s, e, v, loc, neumaier):
    """`Value.dot`: bias + Σ wⱼ·xⱼ by Python's ``sum()``; ∂/∂wⱼ = xⱼ, ∂/∂xⱼ = wⱼ, ∂/∂bias = 1."""
    m = (e - s - 1) // 2
    acc = 0.0
    comp = 0.0
    for j in range(m):
        w = v[args[s + j]]
        x = v[args[s + m + j]]
        loc[s + j] = x
        loc[s + m + j] = w
        acc, comp = _sum_add(acc, comp, w * x, neumaier)
    loc[e - 1] = 1.0
    return v[args[e - 1]] + _sum_end(acc, comp, neumaier)


def _fsum_row(args, s, e, v, loc, partials, neumaier):
    """`Value.sum` (`scalar_ops.fsum`): CPython's ``math.fsum``, Shewchuk's exact partials and its
    final rounding; where no finite exact sum exists, Python's plain ``sum()``. ∂/∂xⱼ = 1."""
    n = 0
    special = 0.0
    inf_sum = 0.0
    for j in range(s, e):
        loc[j] = 1.0
    for j in range(s, e):
        x = v[args[j]]
        xsave = x
        kk = 0
        for q in range(n):
            y = partials[q]
            if abs(x) < abs(y):
                x, y = y, x
            hi = x + y
            lo = y - (hi - x)
            if lo != 0.0:
                partials[kk] = lo
                kk += 1
            x = hi
        n = kk
        if x != 0.0:
            if not math.isfinite(x):
                if math.isfinite(xsave):
                    special = math.nan  # intermediate overflow: the plain sum below
                    inf_sum = math.nan
                    break
                if math.isinf(xsave):
                    inf_sum += xsave
                special += xsave
                n = 0
            else:
                partials[n] = x
                n += 1
    if special != 0.0 or special != special:
        if math.isnan(inf_sum):  # overflow, or inf − inf: the plain sum
            acc = 0.0
            comp = 0.0
            for j in range(s, e):
                acc, comp = _sum_add(acc, comp, v[args[j]], neumaier)
            special = _sum_end(acc, comp, neumaier)
        return special
    hi = 0.0
    lo = 0.0
    if n > 0:
        n -= 1
        hi = partials[n]
        while n > 0:
            x = hi
            n -= 1
            y = partials[n]
            hi = x + y
            lo = y - (hi - x)
            if lo != 0.0:
                break
        if n > 0 and ((lo < 0.0 and partials[n - 1] < 0.0) or (lo > 0.0 and partials[n - 1] > 0.0)):
            y = lo * 2.0
            x = hi + y
            if y == x - hi:
                hi = x
    return hi


def _backward(op, out, ptr, args, loc, g, root):
    """`Value.backward`'s loop over the rows in reverse topological order: g[in] += local · g[out]."""
    for q in range(len(g)):
        g[q] = 0.0
    g[root] = 1.0
    for i in range(len(op) - 1, -1, -1):
        gi = g[out[i]]
        if gi != 0.0:
            for j in range(ptr[i], ptr[i + 1]):
                g[args[j]] += loc[j] * gi


_HELPERS = (_sum_add, _sum_end, _dot_row, _fsum_row, _backward)  # in the order they call each other


def _source() -> str:
    """The text of the replay: the helpers above, and a function with a branch per op of the table
    (the formula of op ``code`` is the global ``f<code>``)."""
    lines = [
        "def replay(op, out, ptr, args, cst, v, loc, g, partials, root, neumaier):",
        "    for i in range(len(op)):",
        "        c, s, e, o = op[i], ptr[i], ptr[i + 1], out[i]",
        f"        if c == {ops.SUM}:",
        "            v[o] = _fsum_row(args, s, e, v, loc, partials, neumaier)",
        f"        elif c == {ops.DOT}:",
        "            v[o] = _dot_row(args, s, e, v, loc, neumaier)",
    ]
    for code, op in enumerate(ops.OPS):
        if op.formula is None:
            continue
        b = "v[args[s + 1]]" if op.arity == 2 else "0.0"
        lines += [
            f"        elif c == {code}:  # {op.name} {op.symbol}",
            f"            r, da, db, err = f{code}(v[args[s]], {b}, cst[i])",
            "            if err:",
            "                return i",
            "            v[o] = r",
            "            loc[s] = da",
        ]
        if op.arity == 2:
            lines.append("            loc[s + 1] = db")
    lines += ["    _backward(op, out, ptr, args, loc, g, root)", "    return -1", ""]
    return "\n\n".join([*(inspect.getsource(h) for h in _HELPERS), "\n".join(lines)])


def build(jit: bool) -> Callable:
    """The replay function: compiled by numba (``jit``; numba's cache keeps the machine code), or
    the same text run by Python over lists (the twin)."""
    text = _source()
    digest = hashlib.sha1("\n".join([text, inspect.getsource(ops)]).encode()).hexdigest()[:16]
    name = f"replay_{digest}"
    namespace: dict[str, Any] = {"math": math, "__name__": __name__}  # exec's globals
    formulas = {f"f{code}": op.formula for code, op in enumerate(ops.OPS) if op.formula is not None}
    namespace.update(formulas)
    exec(compile(text.replace("def replay(", f"def {name}(", 1), __file__, "exec"), namespace)
    if not jit:
        return namespace[name]
    inline = nb.njit(inline="always", error_model="numpy")  # inlined into the replay, cached with it
    for key in [*formulas, *(h.__name__ for h in _HELPERS)]:
        namespace[key] = inline(namespace[key])
    return njit(namespace[name])  # cached, with the read-only fallback of kernels._numba


_built: dict[bool, Callable] = {}


def replay(tape: Tape, v: np.ndarray, loc: np.ndarray, g: np.ndarray, partials: np.ndarray, jit: bool) -> int:
    """Run the replay over ``tape``: forward into ``v`` (values) and ``loc`` (local derivatives),
    backward into ``g``; -1, or the first row whose operands the op's formula rejects (nothing after
    it has run). ``jit``: the numba kernel; else the twin, on Python lists."""
    if jit not in _built:
        _built[jit] = build(jit)
    run = _built[jit]
    if jit:
        return run(tape.op, tape.out, tape.ptr, tape.args, tape.const, v, loc, g, partials, tape.root, NEUMAIER)
    lists = [v.tolist(), loc.tolist(), g.tolist()]
    err = run(*tape.as_lists(), *lists, [0.0] * len(partials), tape.root, NEUMAIER)
    v[:], loc[:], g[:] = lists
    return err

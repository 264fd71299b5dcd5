"""The arithmetic behind `tinygrad_edu.random`: PyTorch's CPU sampling formulas, bit for bit.

Three things make PyTorch's numbers hard to reproduce, and each has its tool here:

- **Fused multiply-adds.** PyTorch's CPU kernels are compiled by GCC with FMA allowed
  (``-ffp-contract=fast``), so ``x * (b - a) + a`` in `uniform_` and ``z * std + mean`` in `normal_`
  are one rounding, not two. numpy has no FMA; `fma` computes it exactly with error-free
  transformations (Boldo and Melquiond, "Emulation of FMA and correctly rounded sums: proved
  algorithms using rounding to odd", IEEE Trans. Computers 57(4), 2008).
- **The C library's transcendentals.** ``std::log1p``, ``std::log``, ``std::cos``, ``std::sin`` on
  doubles are glibc's; numpy's SIMD versions may differ in the last bit. `libm` applies the C
  library's function element by element (compiled by numba; Python's ``math`` module is the twin,
  the same C functions, slower).
- **Vectorised float32 Box-Muller.** On x86 with AVX2, ``torch.randn`` of at least 16 float32
  numbers goes through ``normal_fill_16_AVX2`` with the cephes-style ``log256_ps`` and
  ``sincos256_ps`` of ``avx_mathfun.h`` (Julien Pommier's SSE port, Giovanni Garberoglio's AVX one):
  fixed float32 polynomials, not the C library. `avx2_box_muller` evaluates the same polynomials in
  float32 numpy arithmetic, with the multiply-adds GCC fuses (a product whose only use is an add or
  subtract, taken in statement order) as exact FMAs.

>>> import numpy as np
>>> float(fma(np.float32(1 + 2**-23), np.float32(1 - 2**-23), np.float32(-1)))  # one rounding: -2**-46
-1.4210854715202004e-14
"""

from __future__ import annotations

import math

import numpy as np

from ._numba import nb, njit, use_jit

if nb is not None:
    from llvmlite import ir
    from numba.core import types as nbtypes
    from numba.core.extending import intrinsic
else:  # pragma: no cover - numba is installed in CI

    def intrinsic(fn):  # type: ignore[no-redef]
        return fn


__all__ = ["avx2_box_muller", "fma", "libm", "randperm_swaps"]

_INF = np.float64(np.inf)


def _two_sum(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """s + e = a + b exactly, s = fl(a + b) (Knuth)."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _two_prod(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """p + e = a * b exactly, p = fl(a * b) (Dekker, with Veltkamp's split by 2**27 + 1)."""
    p = a * b
    split = np.float64(134217729.0)
    ca, cb = split * a, split * b
    ah = ca - (ca - a)
    bh = cb - (cb - b)
    al, bl = a - ah, b - bh
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


def _odd_sum(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a + b rounded to odd: the nearest double is kept when exact, else the neighbour with an odd last bit."""
    s, e = _two_sum(a, b)
    even = (s.view(np.int64) & 1) == 0
    return np.where((e != 0) & even, np.nextafter(s, np.where(e > 0, _INF, -_INF)), s)


def fma(a, b, c) -> np.ndarray:
    """``a * b + c`` with one rounding, for float32 or float64 arrays (the dtype of ``a``).

    float32: the product is exact in float64 (24 + 24 bits), the sum is rounded to odd in float64 and
    then to float32, which is correct since 53 >= 2 * 24 + 2 (Boldo and Melquiond, Theorem 1).
    float64: Dekker's exact product, then the low parts summed with rounding to odd (their Algorithm 5).
    Overflow and underflow of the intermediate terms are not handled (none occur in the samplers).
    """
    a = np.asarray(a)
    dtype = a.dtype
    a64, b64, c64 = (np.asarray(v, dtype=np.float64) for v in (a, b, c))
    if dtype == np.float32:
        return _odd_sum(a64 * b64, c64).astype(np.float32)
    uh, ul = _two_prod(a64, b64)
    th, tl = _two_sum(c64, uh)
    return th + _odd_sum(tl, ul)


# ----------------------------------------------------------------------------- the C library's functions
_LIBM = ("log", "log1p", "cos", "sin")


def _libm_py(x: np.ndarray, op: int) -> np.ndarray:
    """Element by element through the C library: 0 log, 1 log1p, 2 cos, 3 sin (float64 in and out)."""
    out = np.empty_like(x)
    for i in range(x.size):
        v = x[i]
        if op == 0:
            out[i] = math.log(v)
        elif op == 1:
            out[i] = math.log1p(v)
        elif op == 2:
            out[i] = math.cos(v)
        else:
            out[i] = math.sin(v)
    return out


_libm_nb = njit(_libm_py)


def libm(name: str, x: np.ndarray) -> np.ndarray:
    """The C library's ``log``, ``log1p``, ``cos`` or ``sin`` of each element of the 1-D float64 array ``x``.

    >>> libm("log1p", np.array([0.0, -0.5]))
    array([ 0.        , -0.69314718])
    """
    x = np.ascontiguousarray(x, dtype=np.float64)
    op = _LIBM.index(name)
    return _libm_nb(x, op) if use_jit() else _libm_py(x, op)


# ----------------------------------------------------------------------------- avx_mathfun in float32
_F = np.float32
_LOG_P = tuple(_F(v) for v in (
    7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1, 1.4249322787e-1,
    -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1,
))  # fmt: skip
_LOG_Q1, _LOG_Q2 = _F(-2.12194440e-4), _F(0.693359375)
_SQRTHF = _F(0.707106781186547524)
_MIN_NORM = np.array([0x00800000], dtype=np.int32).view(np.float32)[0]
_HALF_BITS = np.array([0.5], dtype=np.float32).view(np.int32)[0]
_DP = (_F(-0.78515625), _F(-2.4187564849853515625e-4), _F(-3.77489497744594108e-8))
_SINCOF = (_F(-1.9515295891e-4), _F(8.3321608736e-3), _F(-1.6666654611e-1))
_COSCOF = (_F(2.443315711809948e-5), _F(-1.388731625493765e-3), _F(4.166664568298827e-2))
_FOPI = _F(1.27323954473516)  # 4 / pi
_ONE, _ZERO, _HALF, _MINUS_TWO = _F(1), _F(0), _F(0.5), _F(-2)
_TWO_PI = _F(2.0 * math.pi)


def _log256(x: np.ndarray) -> np.ndarray:
    """cephes logf as in ``log256_ps``: x = m * 2**e with m in [sqrt(1/2), sqrt(2)), then a degree-9 polynomial."""
    x = np.maximum(x, _MIN_NORM)
    bits = x.view(np.int32)
    e = ((bits.view(np.uint32) >> 23).astype(np.int32) - 0x7F).astype(np.float32) + _ONE
    x = ((bits & ~0x7F800000) | _HALF_BITS).view(np.float32)
    small = x < _SQRTHF
    tmp = np.where(small, x, _ZERO)
    x = x - _ONE
    e = e - np.where(small, _ONE, _ZERO)
    x = x + tmp
    z = x * x
    y = np.full_like(x, _LOG_P[0])
    for p in _LOG_P[1:]:
        y = fma(y, x, p)
    y = fma(y * x, z, e * _LOG_Q1)
    y = fma(-z, _F(0.5), y)
    return fma(e, _LOG_Q2, x + y)


def _sincos256(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """cephes sinf/cosf as in ``sincos256_ps``: reduce by multiples of pi/4 (three-part pi), two polynomials."""
    sign_sin = np.signbit(x)
    x = np.abs(x)
    j = (x * _FOPI).astype(np.int32)
    j = (j + 1) & ~1
    y = j.astype(np.float32)
    sign_sin = sign_sin ^ ((j & 4) != 0)
    use_sin_poly = (j & 2) == 0
    sign_cos = (~(j - 2) & 4) != 0
    for dp in _DP:
        x = fma(y, dp, x)
    z = x * x
    c = fma(fma(np.full_like(x, _COSCOF[0]), z, _COSCOF[1]), z, _COSCOF[2])
    c = fma(c * z, z, -(z * _F(0.5))) + _ONE
    s = fma(fma(np.full_like(x, _SINCOF[0]), z, _SINCOF[1]), z, _SINCOF[2])
    s = fma(s * z, x, x)
    sin_x = np.where(use_sin_poly, s, c)
    cos_x = np.where(use_sin_poly, c, s)
    return np.where(sign_sin, -sin_x, sin_x), np.where(sign_cos, -cos_x, cos_x)


@intrinsic
def _fma_nb(typingctx, a, b, c):
    """LLVM's ``llvm.fma``: one rounding (the FMA instruction, or the C library's fma where there is none)."""
    if not (a == b == c and isinstance(a, nbtypes.Float)):
        return None

    def codegen(context, builder, signature, args):
        t = args[0].type
        fn = builder.module.declare_intrinsic("llvm.fma", [t], ir.FunctionType(t, [t, t, t]))
        return builder.call(fn, args)

    return a(a, b, c), codegen


def _avx2_box_muller_py(u, mean, std):  # pragma: no cover - compiled; the numpy twin is _avx2_box_muller_np
    """The kernel of `avx2_box_muller`: the same float32 statements, one lane at a time."""
    out = np.empty_like(u)
    for k in range(u.shape[0]):
        for j in range(8):
            # log256_ps(1 - u[j]): frexp gives avx_mathfun's m in [0.5, 1) and e
            m, ex = math.frexp(np.float64(max(_ONE - u[k, j], _MIN_NORM)))
            x, e = np.float32(m), np.float32(ex)
            if x < _SQRTHF:
                x, e = (x - _ONE) + x, e - _ONE
            else:
                x = x - _ONE
            z = x * x
            y = _LOG_P[0]
            for i in range(1, 9):
                y = _fma_nb(y, x, _LOG_P[i])
            y = _fma_nb(y * x, z, e * _LOG_Q1)
            y = _fma_nb(-z, _HALF, y)
            radius = np.float32(math.sqrt(_fma_nb(e, _LOG_Q2, x + y) * _MINUS_TWO))
            # sincos256_ps(2π u[j + 8]); theta >= 0
            t = _TWO_PI * u[k, j + 8]
            q = (np.int32(t * _FOPI) + 1) & ~1
            yq = np.float32(q)
            t = _fma_nb(yq, _DP[0], t)
            t = _fma_nb(yq, _DP[1], t)
            t = _fma_nb(yq, _DP[2], t)
            z = t * t
            c = _fma_nb(_fma_nb(_COSCOF[0], z, _COSCOF[1]), z, _COSCOF[2])
            c = _fma_nb(c * z, z, -(z * _HALF)) + _ONE
            s = _fma_nb(_fma_nb(_SINCOF[0], z, _SINCOF[1]), z, _SINCOF[2])
            s = _fma_nb(s * z, t, t)
            sin_t, cos_t = (s, c) if (q & 2) == 0 else (c, s)
            if (q & 4) != 0:
                sin_t = -sin_t
            if (~(q - 2) & 4) != 0:
                cos_t = -cos_t
            out[k, j] = _fma_nb(radius * cos_t, std, mean)
            out[k, j + 8] = _fma_nb(radius * sin_t, std, mean)
    return out


_avx2_box_muller_nb = njit(_avx2_box_muller_py)


def _avx2_box_muller_np(u: np.ndarray, mean: float, std: float) -> np.ndarray:
    """PyTorch's ``normal_fill_16_AVX2`` on each row of the (k, 16) float32 array ``u`` of uniforms in [0, 1).

    For j < 8: r = sqrt(-2 log(1 - u[j])), θ = 2π u[j + 8]; out[j] = fma(r cos θ, std, mean) and
    out[j + 8] = fma(r sin θ, std, mean), with log, sin and cos the float32 polynomials above.
    """
    u1 = _ONE - u[:, :8]
    radius = np.sqrt(_F(-2) * _log256(u1))
    theta = _F(2.0 * math.pi) * u[:, 8:]
    sin_t, cos_t = _sincos256(theta)
    mean32, std32 = _F(mean), _F(std)
    return np.concatenate([fma(radius * cos_t, std32, mean32), fma(radius * sin_t, std32, mean32)], axis=1)


def avx2_box_muller(u: np.ndarray, mean: float, std: float) -> np.ndarray:
    """PyTorch's ``normal_fill_16_AVX2`` on each row of the (k, 16) float32 array ``u`` of uniforms in [0, 1)
    (the numba kernel, or its numpy twin `_avx2_box_muller_np`; see there for the math)."""
    if use_jit():
        return _avx2_box_muller_nb(np.ascontiguousarray(u, dtype=np.float32), _F(mean), _F(std))
    return _avx2_box_muller_np(u, mean, std)


# ----------------------------------------------------------------------------- randperm's swaps
def _randperm_py(draws: np.ndarray, out: np.ndarray) -> None:
    """Swap out[i] with out[i + draws[i] % (n - i)] for i = 0 .. n - 2 (PyTorch's ``randperm_cpu``)."""
    n = out.size
    for i in range(n - 1):
        z = i + np.int64(draws[i] % np.uint64(n - i))
        out[i], out[z] = out[z], out[i]


_randperm_nb = njit(_randperm_py)


def randperm_swaps(draws: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Shuffle ``out`` (1-D, filled with 0 .. n-1) in place with the n - 1 uint64 ``draws``; return it."""
    (_randperm_nb if use_jit() else _randperm_py)(draws, out)
    return out

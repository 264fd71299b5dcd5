"""PyTorch's CPU random numbers, bit for bit: `Generator`, `manual_seed` and the samplers behind
``rand``, ``randn``, ``randint``, ``randperm``, ``multinomial``, ``bernoulli``, ``normal_``,
``uniform_`` and ``exponential_``.

Everything starts from one Mersenne Twister (mt19937, Matsumoto and Nishimura 1998), seeded as
PyTorch seeds it: ``state[0] = seed mod 2**32``, then Knuth's ``1812433253`` recurrence. numpy's
``MT19937`` bit generator produces the same 32-bit words, so it is the engine here; PyTorch's
transformations of those words (read from ATen's ``DistributionsHelper.h``,
``TransformationHelper.h``, ``cpu/DistributionTemplates.h``, ``TensorFactories.cpp`` and
``Sampling``/``MultinomialKernel``) are:

- **32 and 64 bits**: ``random()`` is one word; ``random64()`` is two, the first the high half.
- **uniform** on [a, b): float32 takes the low 24 bits of one word, float64 the low 53 bits of a
  ``random64()``; u = bits / 2**24 (or 2**53), then ``fma(u, b - a, a)``.
- **normal**: float32 tensors of at least 16 elements: fill with float32 uniforms, then Box-Muller on
  each block of 16 (``u[j]`` with ``u[j + 8]``; a tail shorter than 16 redraws 16 uniforms and
  recomputes the last 16 outputs) with the AVX2 float32 polynomials (see
  `tinygrad_edu.kernels.distributions`); float64 tensors of at least 16: the same blocks with float64
  uniforms and the C library's log, cos, sin. Fewer than 16 elements (either dtype): one float64
  Box-Muller pair per two outputs, ``r = sqrt(-2 log1p(-u2))``, θ = 2π u1, ``r cos θ`` returned and
  ``r sin θ`` kept in the generator for the next call of this path (PyTorch's
  ``next_double_normal_sample``).
- **randint(low, high)**: ``random() % (high - low) + low``, or ``random64()`` when the range is at
  least 2**28 (PyTorch 2.13 measured: 2**28 - 1 takes one word per number, 2**28 two).
  **randperm(n)**: 0 .. n-1, then for each i swap with ``i + random() % (n - i)``.
- **bernoulli**: a float64 uniform (float32 for a float32 probability tensor) compared ``u < p``.
- **exponential**: float64 uniform, ``-1/λ · log1p(-u)``, rounded to the tensor's dtype.
- **multinomial**: without replacement, or with one sample: q ~ Exp(1) in the probabilities' dtype,
  then the top ``num_samples`` of p / q (Gumbel's trick); with replacement: the cumulative sum
  (float64 accumulation) normalised, and a binary search for each float64 uniform.

Known limits: float32 ``randn`` of >= 16 elements follows PyTorch's AVX2 kernel, which x86-64 CPUs
use (an ARM build uses the C library's logf/cosf/sinf instead); with Intel's MKL on an Intel CPU,
PyTorch draws the scalar ``bernoulli_`` (hence ``Dropout``) from MKL's own stream, which is not
reproduced here; ``randperm`` of more than 2**32 / 20 elements uses another algorithm there and is
refused here. Samplers return numpy arrays; in-place ones fill the array they are given.

>>> g = Generator().manual_seed(42)
>>> rand((3,), generator=g)
array([0.88226926, 0.91500396, 0.38286376], dtype=float32)
>>> randint(0, 10, (5,), generator=Generator().manual_seed(0))
array([4, 9, 3, 0, 3])
"""

from __future__ import annotations

import math
import operator
import secrets
from collections.abc import Sequence

import numpy as np

from .dtypes import scalar_type_name
from .kernels.distributions import avx2_box_muller, fma, libm, randperm_swaps

__all__ = [
    "Generator", "bernoulli", "bernoulli_", "default_generator", "default_rng", "exponential_", "get_rng_state",
    "initial_seed", "manual_seed", "multinomial", "normal_", "rand", "randint", "randn", "randperm",
    "seed", "set_rng_state", "uniform_",
]  # fmt: skip

_N = 624  # mt19937's state words
DEFAULT_SEED = 67280421310721  # PyTorch's default_rng_seed_val
_STATE_SIZE = 5056  # sizeof(CPUGeneratorImplState) on a 64-bit little-endian machine
# PyTorch's CPUGeneratorImplState as bytes: the legacy POD (seed, left, seeded, next, 624 words kept as
# uint64, three doubles for the normal cache, an int flag; 5048 bytes with padding), then a float and a bool.
_STATE_DTYPE = np.dtype({
    "names": ["seed", "left", "seeded", "next", "state", "normal_x", "normal_y", "normal_rho", "normal_valid",
              "float_normal", "float_normal_valid"],
    "formats": ["<u8", "<i4", "<i4", "<u8", ("<u8", _N), "<f8", "<f8", "<f8", "<i4", "<f4", "u1"],
    "offsets": [0, 8, 12, 16, 24, 5016, 5024, 5032, 5040, 5048, 5052],
    "itemsize": _STATE_SIZE,
})  # fmt: skip
_RANDPERM_MAX = (2**32 - 1) // 20


def _mt_key(seed32: int) -> np.ndarray:
    """mt19937's initial 624 words for a 32-bit seed (Knuth's multiplier 1812433253)."""
    key = np.empty(_N, dtype=np.uint32)
    x = seed32
    for i in range(_N):
        key[i] = x
        x = (1812433253 * (x ^ (x >> 30)) + i + 1) & 0xFFFFFFFF
    return key


def _seed_value(seed) -> int:
    """A seed as PyTorch takes it: an integer in [-2**63, 2**64), negatives wrapped to unsigned 64 bits."""
    try:
        s = operator.index(seed)
    except TypeError:
        raise TypeError(f"manual_seed expected an int, got {type(seed).__name__}") from None
    if not -(2**63) <= s < 2**64:
        raise ValueError(f"Overflow when unpacking long long: seed {s} is outside [-2**63, 2**64)")
    return s % 2**64


class Generator:
    """A CPU random generator with PyTorch's state and streams: ``Generator().manual_seed(2147483647)``.

    The state is mt19937's 624 words and position, the seed it started from, and the second value
    of the last Box-Muller pair of the small-tensor normal path (``get_state`` gives PyTorch's 5056
    bytes, so a state moves between the libraries both ways).

    >>> g = Generator().manual_seed(2147483647)
    >>> g.initial_seed()
    2147483647
    >>> randn((2,), generator=g)
    array([-0.98000735, -1.6578479 ], dtype=float32)
    """

    device = "cpu"

    def __init__(self, device: str = "cpu") -> None:
        if str(device) != "cpu":
            raise RuntimeError(f"Generator: only the 'cpu' device is supported, got {device!r}")
        self._engine = np.random.MT19937()
        self.manual_seed(DEFAULT_SEED)

    def manual_seed(self, seed: int) -> Generator:
        """Reseed (PyTorch's wrap of negatives to 64 bits; mt19937 takes the low 32); return self."""
        s = _seed_value(seed)
        self._seed = s
        self._set_engine(_mt_key(s & 0xFFFFFFFF), _N)
        self._fresh = True  # seeded and not yet drawn from: PyTorch reports next = 0 then
        self._next_double_normal: float | None = None
        self._next_float_normal: float | None = None
        return self

    def seed(self) -> int:
        """Reseed from the operating system's entropy and return the new 64-bit seed."""
        s = secrets.randbits(64)
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        """The seed the generator was last seeded with (unsigned 64 bits)."""
        return self._seed

    def _set_engine(self, key: np.ndarray, pos: int) -> None:
        self._engine.state = {"bit_generator": "MT19937", "state": {"key": key, "pos": pos}}

    # -- raw words --------------------------------------------------------------------------------
    def random(self, n: int) -> np.ndarray:
        """n 32-bit words (PyTorch's ``random()``), as uint64."""
        self._fresh = False
        return self._engine.random_raw(n)

    def random64(self, n: int) -> np.ndarray:
        """n 64-bit words (PyTorch's ``random64()``: two 32-bit words, the first the high half)."""
        w = self.random(2 * n)
        return (w[0::2] << np.uint64(32)) | w[1::2]

    # -- state ------------------------------------------------------------------------------------
    def get_state(self) -> np.ndarray:
        """PyTorch's state bytes (uint8, 5056): what ``torch.Generator.get_state()`` returns."""
        st = self._engine.state["state"]
        pos = int(st["pos"])
        rec = np.zeros((), dtype=_STATE_DTYPE)
        rec["seed"] = self._seed
        rec["left"] = _N + 1 - pos if pos < _N else 1
        rec["seeded"] = 1
        rec["next"] = 0 if (pos >= _N and self._fresh) else pos
        rec["state"] = st["key"]
        if self._next_double_normal is not None:
            rec["normal_y"], rec["normal_valid"] = self._next_double_normal, 1
        if self._next_float_normal is not None:
            rec["float_normal"], rec["float_normal_valid"] = self._next_float_normal, 1
        return np.frombuffer(rec.tobytes(), dtype=np.uint8).copy()

    def set_state(self, new_state) -> Generator:
        """Restore a state from `get_state` (ours or PyTorch's 5056 bytes, as a numpy array or anything
        with ``.numpy()``); raise as PyTorch does on a wrong type, size or an invalid mt19937 state."""
        arr = new_state.numpy() if hasattr(new_state, "numpy") else new_state
        if not isinstance(arr, np.ndarray):
            raise TypeError(f"expected a uint8 array (torch.ByteTensor), but got {type(new_state).__name__}")
        if arr.dtype != np.uint8:
            raise TypeError(f"RNG state must be a uint8 array (torch.ByteTensor), got dtype {arr.dtype}")
        if arr.size != _STATE_SIZE:
            raise RuntimeError(
                f"Expected a CPUGeneratorImplState of size {_STATE_SIZE} but found the input RNG state size "
                f"to be {arr.size}"
            )
        rec = np.frombuffer(np.ascontiguousarray(arr).reshape(-1).tobytes(), dtype=_STATE_DTYPE)[0]
        left, nxt = int(rec["left"]), int(rec["next"])
        if not (rec["seeded"] == 1 and 0 < left <= _N and nxt <= _N):
            raise RuntimeError("Invalid mt19937 state (seeded must be 1, 0 < left <= 624, next <= 624)")
        key = rec["state"].astype(np.uint32)  # PyTorch keeps the 32-bit words in 64-bit slots
        pos = _N if left == 1 else nxt  # left == 1: the next draw twists (mt19937's 'left' countdown)
        self._set_engine(key, pos)
        self._seed = int(rec["seed"])
        self._fresh = left == 1 and nxt == 0
        self._next_double_normal = float(rec["normal_y"]) if rec["normal_valid"] else None
        self._next_float_normal = float(rec["float_normal"]) if rec["float_normal_valid"] else None
        return self

    def __repr__(self) -> str:
        return f"<tinygrad_edu.Generator (mt19937, seed {self._seed})>"


default_generator = Generator()
_NUMPY_VIEW = np.random.Generator(default_generator._engine)  # shares the engine: reseeding reaches it


def default_rng() -> np.random.Generator:
    """numpy's sampler API (``permutation``, ``normal``, ...) over the default generator's mt19937:
    for the code that draws with numpy's algorithms (the Keras door's initialisers and shuffles, the
    CLI), so that `manual_seed` makes those runs repeatable too. Its numbers are numpy's transforms of
    the stream, not PyTorch's; the torch-facing samplers of this module draw from the same words.

    >>> first = manual_seed(0) and default_rng().random(2)
    >>> bool((manual_seed(0) and default_rng().random(2) == first).all())
    True
    """
    return _NUMPY_VIEW


def manual_seed(seed: int) -> Generator:
    """Seed the default generator, as ``torch.manual_seed``; return it."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    """Seed the default generator from the operating system's entropy; return the seed."""
    return default_generator.seed()


def initial_seed() -> int:
    """The default generator's seed."""
    return default_generator.initial_seed()


def get_rng_state() -> np.ndarray:
    """The default generator's state bytes, as ``torch.get_rng_state``."""
    return default_generator.get_state()


def set_rng_state(new_state) -> None:
    """Restore the default generator's state, as ``torch.set_rng_state``."""
    default_generator.set_state(new_state)


# ------------------------------------------------------------------------------------------ helpers
def _gen(generator: Generator | None, fn: str) -> Generator:
    if generator is None:
        return default_generator
    if not isinstance(generator, Generator):
        raise TypeError(
            f"{fn}(): argument 'generator' must be a tinygrad_edu Generator, not {type(generator).__name__}"
        )
    return generator


def _shape(size) -> tuple[int, ...]:
    shape = (operator.index(size),) if not isinstance(size, Sequence) else tuple(operator.index(s) for s in size)
    if any(s < 0 for s in shape):
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(shape)}: {list(shape)}")
    return shape


def _float_dtype(dtype, fn: str) -> np.dtype:
    dt = np.dtype(dtype)
    if dt.kind != "f":  # PyTorch's wording: '"normal_kernel_cpu" not implemented for 'Long''
        raise NotImplementedError(f'"{fn}" not implemented for {scalar_type_name(dt)!r}')
    if dt not in (np.float32, np.float64):
        raise NotImplementedError(f'"{fn}" not implemented for {dt} in tinygrad_edu (float32 and float64 are)')
    return dt


def _uniform_bits(gen: Generator, n: int, dtype: np.dtype) -> np.ndarray:
    """n uniforms in [0, 1): float32 from 24 bits of a word, float64 from 53 bits of a 64-bit word."""
    if dtype == np.float32:
        return (gen.random(n) & np.uint64(0xFFFFFF)).astype(np.float32) * np.float32(2.0**-24)
    return (gen.random64(n) & np.uint64(2**53 - 1)).astype(np.float64) * 2.0**-53


def _fill(out: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Write ``values`` (1-D) into ``out`` in memory order, the order PyTorch's TensorIterator visits."""
    order: np.ndarray | list[int] = np.argsort([-abs(s) for s in out.strides], kind="stable") if out.ndim else []
    view = out.transpose(order) if out.ndim else out
    view[...] = values.reshape(view.shape)
    return out


# ------------------------------------------------------------------------------------------ uniform
def uniform_(out: np.ndarray, a: float = 0.0, b: float = 1.0, generator: Generator | None = None) -> np.ndarray:
    """Fill the float array ``out`` with U[a, b) as ``Tensor.uniform_``; return it."""
    gen = _gen(generator, "uniform_")
    dt = _float_dtype(out.dtype, "uniform_kernel_cpu")
    if not a <= b:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={a} > to={b}")
    lo, hi = dt.type(a), dt.type(b)
    u = _uniform_bits(gen, out.size, dt)
    return _fill(out, u if (lo == 0 and hi == 1) else fma(u, hi - lo, np.full_like(u, lo)))


def rand(size, dtype=np.float32, generator: Generator | None = None) -> np.ndarray:
    """U[0, 1) of the given shape, as ``torch.rand``."""
    return uniform_(np.empty(_shape(size), dtype=_float_dtype(dtype, "uniform_kernel_cpu")), generator=generator)


# ------------------------------------------------------------------------------------------ normal
def _normal_pairs(gen: Generator, n: int) -> np.ndarray:
    """n standard normals from the float64 Box-Muller of the small-tensor path, with the generator's cache."""
    out = np.empty(n)
    start = 0
    if n and gen._next_double_normal is not None:
        out[0], gen._next_double_normal, start = gen._next_double_normal, None, 1
    pairs = (n - start + 1) // 2
    if pairs:
        u = _uniform_bits(gen, 2 * pairs, np.dtype(np.float64))
        r = np.sqrt(-2.0 * libm("log1p", -u[1::2]))
        theta = 2.0 * math.pi * u[0::2]
        both = np.empty(2 * pairs)
        both[0::2], both[1::2] = r * libm("cos", theta), r * libm("sin", theta)
        out[start:] = both[: n - start]
        if (n - start) % 2:
            gen._next_double_normal = float(both[-1])
    return out


def _box_muller_16(u: np.ndarray, mean: float, std: float) -> np.ndarray:
    """PyTorch's ``normal_fill_16`` on float64 rows of 16 uniforms: the C library's log, cos, sin."""
    radius = np.sqrt(-2.0 * libm("log", (1.0 - u[:, :8]).ravel())).reshape(-1, 8)
    theta = (2.0 * math.pi * u[:, 8:]).ravel()
    cos_t, sin_t = libm("cos", theta).reshape(-1, 8), libm("sin", theta).reshape(-1, 8)
    return np.concatenate([fma(radius * cos_t, std, mean), fma(radius * sin_t, std, mean)], axis=1)


def normal_(out: np.ndarray, mean: float = 0.0, std: float = 1.0, generator: Generator | None = None) -> np.ndarray:
    """Fill the float array ``out`` with N(mean, std²) as ``Tensor.normal_``; return it."""
    gen = _gen(generator, "normal_")
    dt = _float_dtype(out.dtype, "normal_kernel_cpu")
    if not std >= 0.0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")
    n = out.size
    if n < 16 or not out.flags.c_contiguous:
        z = _normal_pairs(gen, n)
        return _fill(out, fma(z, float(std), np.full(n, float(mean))).astype(dt))
    block = avx2_box_muller if dt == np.float32 else _box_muller_16
    m, s = dt.type(mean), dt.type(std)
    vals = _uniform_bits(gen, n, dt)
    full = n - n % 16
    vals[:full] = block(vals[:full].reshape(-1, 16), m, s).ravel()
    if n % 16:
        vals[n - 16 :] = block(_uniform_bits(gen, 16, dt).reshape(1, 16), m, s).ravel()
    out.reshape(-1)[:] = vals
    return out


def randn(size, dtype=np.float32, generator: Generator | None = None) -> np.ndarray:
    """N(0, 1) of the given shape, as ``torch.randn``."""
    return normal_(np.empty(_shape(size), dtype=_float_dtype(dtype, "normal_kernel_cpu")), generator=generator)


# ------------------------------------------------------------------------------------------ integers
def randint(low: int, high: int, size, dtype=np.int64, generator: Generator | None = None) -> np.ndarray:
    """Integers uniform in [low, high) as ``torch.randint``: a word modulo the range, plus low."""
    gen = _gen(generator, "randint")
    low, high = operator.index(low), operator.index(high)
    if not low < high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    dt = np.dtype(dtype)
    info = np.iinfo(dt) if dt.kind in "iu" else None
    if info is None or low < info.min or high - 1 > info.max:
        raise RuntimeError(f"randint: [{low}, {high}) does not fit the integer dtype {dt}")
    shape = _shape(size)
    span = high - low
    n = math.prod(shape)
    words = gen.random64(n) if span >= 2**28 else gen.random(n)
    return ((words % np.uint64(span)).astype(np.int64) + low).astype(dt).reshape(shape)


def randperm(n: int, dtype=np.int64, generator: Generator | None = None) -> np.ndarray:
    """A random permutation of 0 .. n-1 as ``torch.randperm`` (PyTorch's swap loop, one word per swap)."""
    gen = _gen(generator, "randperm")
    n = operator.index(n)
    if n < 0:
        raise RuntimeError(f"n must be non-negative, got {n}")
    if n >= _RANDPERM_MAX:
        raise NotImplementedError(f"randperm of n >= {_RANDPERM_MAX} uses another PyTorch algorithm")
    out = np.arange(n, dtype=np.int64)
    if n > 1:
        randperm_swaps(gen.random(n - 1), out)
    return out.astype(dtype, copy=False)


# ------------------------------------------------------------------------------------------ bernoulli
def bernoulli_(out: np.ndarray, p: float = 0.5, generator: Generator | None = None) -> np.ndarray:
    """Fill ``out`` with 1 where a float64 uniform is < p, else 0, as ``Tensor.bernoulli_(p)`` (Dropout's mask)."""
    gen = _gen(generator, "bernoulli_")
    if not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
    return _fill(out, (_uniform_bits(gen, out.size, np.dtype(np.float64)) < p).astype(out.dtype))


def bernoulli(p: np.ndarray, generator: Generator | None = None) -> np.ndarray:
    """0/1 draws with the probabilities of the float array ``p``, in p's dtype, as ``torch.bernoulli(p)``."""
    gen = _gen(generator, "bernoulli")
    p = np.asarray(p)
    dt = _float_dtype(p.dtype, "bernoulli_tensor_cpu_p_")
    if not np.all((p >= 0) & (p <= 1)):
        raise RuntimeError("bernoulli: every probability must be in [0, 1] (Expected p_in >= 0 && p_in <= 1)")
    u = _uniform_bits(gen, p.size, dt)
    return _fill(np.empty(p.shape, dtype=dt), (u < np.ravel(p, order="K")).astype(dt))


# ------------------------------------------------------------------------------------------ exponential
def exponential_(out: np.ndarray, lambd: float = 1.0, generator: Generator | None = None) -> np.ndarray:
    """Fill ``out`` with Exp(λ) as ``Tensor.exponential_``: ``-1/λ · log1p(-u)`` with a float64 uniform."""
    gen = _gen(generator, "exponential_")
    dt = _float_dtype(out.dtype, "exponential_cpu")
    if not lambd > 0.0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
    u = _uniform_bits(gen, out.size, np.dtype(np.float64))
    return _fill(out, ((-1.0 / lambd) * libm("log1p", -u)).astype(dt))


# ------------------------------------------------------------------------------------------ multinomial
def _check_multinomial(probs: np.ndarray, num_samples: int, replacement: bool) -> None:
    if probs.dtype.kind != "f":
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: {probs.dtype}")
    if probs.ndim not in (1, 2):
        raise RuntimeError(f"prob_dist must be 1 or 2 dim, got {probs.ndim}")
    if num_samples <= 0:
        raise RuntimeError(f"cannot sample n_sample <= 0 samples (num_samples={num_samples})")
    if not replacement and num_samples > probs.shape[-1]:
        raise RuntimeError(
            f"cannot sample n_sample > prob_dist.size(-1) samples without replacement "
            f"({num_samples} > {probs.shape[-1]})"
        )


def multinomial(probs, num_samples: int, replacement: bool = False, generator: Generator | None = None) -> np.ndarray:
    """Indices drawn from the rows of ``probs`` (1-D or 2-D, unnormalised weights), as ``torch.multinomial``."""
    gen = _gen(generator, "multinomial")
    probs = np.asarray(probs)
    num_samples = operator.index(num_samples)
    _check_multinomial(probs, num_samples, replacement)
    rows = probs.reshape(-1, probs.shape[-1])
    if not replacement or num_samples == 1:
        if not (np.all(rows >= 0) and np.all(rows < np.inf)):
            raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
        if np.any(rows.sum(axis=1) == 0):
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
        dt = _float_dtype(rows.dtype, "exponential_cpu")
        q = exponential_(np.empty(rows.shape, dtype=dt), generator=gen)
        keys = rows.astype(dt) / q
        # top-k, largest first; among equal keys the lower index first
        idx = np.argsort(-keys, axis=1, kind="stable")[:, :num_samples]
    else:
        idx = _multinomial_with_replacement(gen, rows, num_samples)
    return idx.reshape(probs.shape[:-1] + (num_samples,)).astype(np.int64)


def _multinomial_with_replacement(gen: Generator, rows: np.ndarray, num_samples: int) -> np.ndarray:
    """Per row: float64 cumulative sum, normalised, stored in the rows' dtype with the last set to 1; then
    the first category whose cumulative probability is >= a float64 uniform (a binary search). The rows
    are checked element by element in order, as PyTorch's kernel does, so the first bad entry names the error."""
    bad = ~(rows >= 0) | ~np.isfinite(rows)
    if bad.any():
        first = rows.reshape(-1)[np.argmax(bad.reshape(-1))]
        if not first >= 0:
            raise RuntimeError("invalid multinomial distribution (encountering probability entry < 0)")
        raise RuntimeError("invalid multinomial distribution (encountering probability entry = infinity or NaN)")
    cum = np.cumsum(rows, axis=1, dtype=np.float64)
    total = cum[:, -1:]
    if not np.all(total > 0):
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    cum = (cum / total).astype(rows.dtype).astype(np.float64)
    cum[:, -1] = 1
    u = _uniform_bits(gen, rows.shape[0] * num_samples, np.dtype(np.float64)).reshape(rows.shape[0], num_samples)
    return np.stack([np.searchsorted(c, v, side="left") for c, v in zip(cum, u)])

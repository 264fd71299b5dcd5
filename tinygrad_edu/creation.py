"""PyTorch's creation ops: `tensor`, `zeros`, `arange`, `linspace`, `rand`, ``*_like``, ...

``import tinygrad_edu as torch`` exports them, so ``torch.linspace(-math.pi, math.pi, 2000)``,
``torch.zeros(3, 4, dtype=torch.float64)`` and ``torch.tensor([1, 2])`` run as in PyTorch.
Defaults are PyTorch's (https://pytorch.org/docs/stable/torch.html#creation-ops):

- floating results are float32 (`tinygrad_edu.dtypes.get_default_dtype`), ``tensor([1, 2])`` is
  int64, ``tensor([True])`` is bool, and a numpy array keeps its dtype;
- ``arange`` of integers is int64, ``full`` takes the dtype of its fill value;
- ``tensor`` copies its data, ``as_tensor`` and ``from_numpy`` share memory with a numpy array.

Random tensors (`rand`, `randn`, `randint`, `randperm`, `multinomial`, `bernoulli`) draw from
`tinygrad_edu.random`'s default generator, or the ``generator=`` given, with PyTorch's algorithms:
``manual_seed(s)`` then the same calls give PyTorch's numbers, bit for bit.
"""

from __future__ import annotations

import builtins
import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import ops, random
from .devices import check_device
from .dtypes import DEFAULT_DTYPE, as_dtype, float32, int64
from .kernels.distributions import fma
from .random import Generator
from .tensor import SPARSE_ERROR, Tensor, apply


def _make(array: np.ndarray, dtype: Any, device: Any, requires_grad: builtins.bool) -> Tensor:
    check_device(device)
    dt = as_dtype(dtype)
    return Tensor(array if dt is None else array.astype(dt, copy=False), requires_grad=requires_grad)


def _size(size: tuple[Any, ...], name: str) -> tuple[builtins.int, ...]:
    """``f(2, 3)``, ``f((2, 3))`` and ``f([2, 3])`` all mean the shape (2, 3)."""
    if len(size) == 1 and not isinstance(size[0], numbers.Integral):
        size = tuple(size[0])
    for n in size:
        if not isinstance(n, numbers.Integral) or isinstance(n, builtins.bool) or n < 0:
            raise ValueError(f"{name}: sizes must be non-negative integers, got {size}")
    return tuple(builtins.int(n) for n in size)


def _python_array(data: Any) -> np.ndarray:
    """PyTorch's dtype inference for Python data: floats → float32, ints → int64, bools → bool."""
    if isinstance(data, Tensor):
        return np.array(data._data)
    if isinstance(data, (np.ndarray, np.generic)):
        return np.array(data)
    if isinstance(data, (list, tuple)):
        data = [d._data if isinstance(d, Tensor) else d for d in data] if data and isinstance(data[0], Tensor) else data
    try:
        arr = np.array(data)
    except ValueError as err:
        raise ValueError(f"tensor: the nested lists must be rectangular (one length per level): {err}") from None
    if arr.dtype.kind == "f":
        return arr.astype(DEFAULT_DTYPE)
    if arr.dtype.kind in "iu":
        return arr.astype(np.int64)
    if arr.dtype.kind == "b":
        return arr
    raise TypeError(f"tensor: cannot make a tensor from {type(data).__name__} data of dtype {arr.dtype}")


def _typed_array(data: Any, dt: np.dtype) -> np.ndarray:
    """``data`` converted straight to ``dt`` (Python floats to float64 exactly, never through float32),
    with PyTorch's overflow check for integer dtypes: a value beyond the dtype's maximum, or below its
    minimum (below −maximum for unsigned dtypes, which wrap around as C's conversion does), is refused."""
    raw = data.data if isinstance(data, Tensor) else data
    if isinstance(raw, (list, tuple)) and raw and isinstance(raw[0], Tensor):
        raw = [d.data for d in raw]
    try:
        arr = np.array(raw)
    except (ValueError, OverflowError) as err:
        raise ValueError(f"tensor: the nested lists must be rectangular numbers: {err}") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"tensor: cannot make a tensor from {type(data).__name__} data of dtype {arr.dtype}")
    if dt.kind in "iu" and arr.dtype.kind in "iuf" and arr.size:
        info = np.iinfo(dt)
        low = -info.max if dt.kind == "u" else info.min
        finite = arr[np.isfinite(arr)] if arr.dtype.kind == "f" else arr
        if finite.size != arr.size or finite.max() > info.max or finite.min() < low:
            raise RuntimeError(f"value cannot be converted to type {dt} without overflow")
    with np.errstate(over="ignore"):
        return arr.astype(dt)


def tensor(data: Any, dtype: Any = None, device: Any = None, requires_grad: builtins.bool = False) -> Tensor:
    """A new tensor holding a copy of ``data``, as ``torch.tensor``.

    >>> tensor([1, 2]).dtype, tensor([1.0, 2]).dtype, tensor(np.zeros(2)).dtype
    (torch.int64, torch.float32, torch.float64)
    >>> tensor([0.1], dtype="float64").item(), tensor([16777217], dtype="float64").item()
    (0.1, 16777217.0)
    """
    dt = as_dtype(dtype)
    return _make(_python_array(data) if dt is None else _typed_array(data, dt), None, device, requires_grad)


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """A tensor that shares memory with a numpy array of the right dtype (else a copy)."""
    if isinstance(data, Tensor) and dtype is None:
        check_device(device)
        return data
    if isinstance(data, np.ndarray):
        return _make(data, dtype, device, False)
    return tensor(data, dtype=dtype, device=device)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``array`` (writes to one show in the other), as ``torch.from_numpy``."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy.ndarray, got {type(array).__name__}")
    return Tensor(array)


def zeros(*size: Any, dtype: Any = None, device: Any = None, requires_grad: builtins.bool = False) -> Tensor:
    """A tensor of zeros of the given shape (float32 unless ``dtype`` says otherwise)."""
    return _make(np.zeros(_size(size, "zeros"), dtype=as_dtype(dtype) or DEFAULT_DTYPE), None, device, requires_grad)


def ones(*size: Any, dtype: Any = None, device: Any = None, requires_grad: builtins.bool = False) -> Tensor:
    """A tensor of ones of the given shape (float32 unless ``dtype`` says otherwise)."""
    return _make(np.ones(_size(size, "ones"), dtype=as_dtype(dtype) or DEFAULT_DTYPE), None, device, requires_grad)


def empty(*size: Any, dtype: Any = None, device: Any = None, requires_grad: builtins.bool = False) -> Tensor:
    """A tensor whose values are unspecified in PyTorch; here they are zeros, so runs stay repeatable."""
    return zeros(*size, dtype=dtype, device=device, requires_grad=requires_grad)


def _fill_dtype(fill_value: Any) -> np.dtype:
    if isinstance(fill_value, builtins.bool):
        return np.dtype(np.bool_)
    if isinstance(fill_value, numbers.Integral):
        return np.dtype(np.int64)
    return np.dtype(np.float32)


def full(
    size: Sequence[builtins.int],
    fill_value: Any,
    dtype: Any = None,
    device: Any = None,
    requires_grad: builtins.bool = False,
) -> Tensor:
    """A tensor of ``size`` filled with ``fill_value``; the dtype follows the value (int → int64), as PyTorch."""
    dt = as_dtype(dtype) or _fill_dtype(fill_value)
    return _make(np.full(_size((size,), "full"), fill_value, dtype=dt), None, device, requires_grad)


def arange(
    start: float,
    end: float | None = None,
    step: float = 1,
    dtype: Any = None,
    device: Any = None,
    requires_grad: builtins.bool = False,
) -> Tensor:
    """start, start + step, … up to but not including ``end``; int64 when all three are integers.

    The length is ⌈(end − start)/step⌉, PyTorch's rule; values are start + i·step computed in
    float64 and then cast.

    >>> arange(5).data.tolist(), arange(0, 1, 0.25).data.tolist()
    ([0, 1, 2, 3, 4], [0.0, 0.25, 0.5, 0.75])
    """
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError("arange: step must be nonzero")
    n = math.ceil((end - start) / step)
    if n < 0:
        raise ValueError(f"arange: upper bound and step are inconsistent: start={start}, end={end}, step={step}")
    ints = builtins.all(isinstance(v, numbers.Integral) for v in (start, end, step))
    index = np.arange(n, dtype=np.int64) if ints else np.arange(n, dtype=np.float64)
    values = start + index * step
    return _make(values.astype(as_dtype(dtype) or (int64 if ints else float32)), None, device, requires_grad)


def linspace(
    start: float,
    end: float,
    steps: builtins.int,
    dtype: Any = None,
    device: Any = None,
    requires_grad: builtins.bool = False,
) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive (float32 by default).

    PyTorch's rule (its CPU kernel, measured bit for bit against 2.13): in the result's dtype (in double from
    the ends cast to integers for an integer result), step = (end − start)/(steps − 1), and value i is
    fma(step, i, start) in the first half (i < steps // 2) and fma(−step, steps − 1 − i, end) in the second,
    each rounded once, so both ends are exact; an infinite end gives PyTorch's NaNs (∞·0, ∞ − ∞).

    >>> linspace(0, 1, 5).numpy()
    array([0.  , 0.25, 0.5 , 0.75, 1.  ], dtype=float32)
    """
    if not isinstance(steps, numbers.Integral) or steps < 0:
        raise ValueError(f"linspace: steps must be a non-negative integer, got {steps!r}")
    out_dtype = np.dtype(as_dtype(dtype) or float32)
    n = builtins.int(steps)
    work = out_dtype.type if out_dtype.kind == "f" and out_dtype.itemsize >= 4 else np.float64
    if out_dtype.kind != "f":
        start, end = builtins.int(start), builtins.int(end)
    lo, hi, i = work(start), work(end), np.arange(n, dtype=work)
    with np.errstate(invalid="ignore", over="ignore"):
        step = (hi - lo) / work(max(n - 1, 1))
        if np.isfinite(step) and np.isfinite(lo) and np.isfinite(hi):
            first, second = fma(step, i, lo), fma(-step, work(n - 1) - i, hi)
        else:  # ∞·0 and ∞ − ∞ give NaN here as in PyTorch's kernel (the exact fma assumes finite terms)
            first, second = lo + step * i, hi - step * (work(n - 1) - i)
        values = np.where(np.arange(n) < n // 2, first, second) if n > 1 else np.full(n, lo, work)
    return _make(values.astype(out_dtype), None, device, requires_grad)


def eye(
    n: builtins.int,
    m: builtins.int | None = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: builtins.bool = False,
) -> Tensor:
    """The n×m identity matrix (m = n by default)."""
    return _make(np.eye(n, m, dtype=as_dtype(dtype) or float32), None, device, requires_grad)


def rand(
    *size: Any,
    generator: Generator | None = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: builtins.bool = False,
) -> Tensor:
    """U[0, 1) samples, PyTorch's numbers for the same seed (`tinygrad_edu.random.rand`).

    >>> _ = random.manual_seed(42)
    >>> rand(3)
    tensor([0.8823, 0.9150, 0.3829])
    """
    shape = _size(size, "rand")
    return _make(random.rand(shape, as_dtype(dtype) or float32, generator), None, device, requires_grad)


def randn(
    *size: Any,
    generator: Generator | None = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: builtins.bool = False,
) -> Tensor:
    """N(0, 1) samples, PyTorch's numbers for the same seed (`tinygrad_edu.random.randn`).

    >>> randn(2, generator=Generator().manual_seed(2147483647))
    tensor([-0.9800, -1.6578])
    """
    shape = _size(size, "randn")
    return _make(random.randn(shape, as_dtype(dtype) or float32, generator), None, device, requires_grad)


def normal(
    mean: Any,
    std: Any = 1.0,
    size: Any = None,
    *,
    generator: Generator | None = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: builtins.bool = False,
) -> Tensor:
    """N(mean, std²) samples, as ``torch.normal``, PyTorch's numbers for the same seed: ``normal(m, s, size)``
    with numbers, or elementwise with a tensor of means and/or of standard deviations (broadcast).

    PyTorch fills the result with ``normal_`` and then moves it: for numbers, ``normal_(mean, std)``; with a
    tensor of means and a number std, ``normal_(0, std)`` then ``+ mean``; with a tensor of stds,
    ``normal_(0, 1)``, then ``* std`` (in the two dtypes' result dtype), then ``+ mean``, each step rounded
    to the result's dtype (the means' dtype, else the stds'). The same steps here give the same numbers.
    Where ``mean`` or ``std`` requires a gradient the samples are a graph node (`ops.Normal`) whose
    gradients are zero, as PyTorch's.

    >>> g = Generator().manual_seed(2147483647)
    >>> normal(tensor([0.0, 10.0, 100.0]), 0.5, generator=g)
    tensor([-0.4900,  9.1711, 99.9714])
    """
    if not isinstance(mean, Tensor) and not isinstance(std, Tensor):
        if size is None:
            raise TypeError("normal(): with a number mean and std give size=, e.g. normal(0.0, 1.0, (3,))")
        out = np.empty(_size((size,), "normal"), dtype=as_dtype(dtype) or float32)
        return _make(random.normal_(out, mean, std, generator), None, device, requires_grad)
    if size is not None or dtype is not None or requires_grad:
        raise TypeError("normal(): size=, dtype= and requires_grad= go with a number mean and std only")
    check_device(device)
    like = mean if isinstance(mean, Tensor) else std
    shape = ops.broadcast_shape(*(x.shape if isinstance(x, Tensor) else () for x in (mean, std)))
    dt = like._data.dtype
    if not isinstance(std, Tensor):
        values = random.normal_(np.empty(shape, dt), 0.0, std, generator) + mean._data
    else:
        if np.any(std._data < 0):
            raise RuntimeError("normal expects all elements of std >= 0.0")
        z = random.normal_(np.empty(shape, dt), 0.0, 1.0, generator)
        shift = mean._data if isinstance(mean, Tensor) else np.asarray(mean, dt)
        values = (z * std._data).astype(dt, copy=False) + shift
    inputs = [x for x in (mean, std) if isinstance(x, Tensor)]
    overload = 3 if len(inputs) == 2 else (1 if isinstance(mean, Tensor) else 2)
    return apply(ops.Normal(values, overload), *inputs)


def randint(
    *args: Any,
    size: Any = None,
    generator: Generator | None = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: builtins.bool = False,
) -> Tensor:
    """Integers uniform on [low, high): ``randint(high, size)`` or ``randint(low, high, size)`` (int64),
    PyTorch's numbers for the same seed.

    >>> randint(0, 10, (5,), generator=Generator().manual_seed(0))
    tensor([4, 9, 3, 0, 3])
    """
    if size is not None:
        args = (*args, size)
    if len(args) == 2:
        low, (high, size) = 0, args
    elif len(args) == 3:
        low, high, size = args
    else:
        raise TypeError("randint() takes (high, size) or (low, high, size), with size a tuple of ints")
    if isinstance(size, numbers.Integral):
        raise TypeError(f"randint(): argument 'size' must be a tuple of ints, not {type(size).__name__}")
    values = random.randint(low, high, _size((size,), "randint"), as_dtype(dtype) or int64, generator)
    return _make(values, None, device, requires_grad)


def randperm(
    n: builtins.int,
    *,
    generator: Generator | None = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: builtins.bool = False,
) -> Tensor:
    """A random permutation of 0 .. n-1 (int64), PyTorch's for the same seed.

    >>> randperm(5, generator=Generator().manual_seed(0))
    tensor([4, 0, 1, 3, 2])
    """
    return _make(random.randperm(n, as_dtype(dtype) or int64, generator), None, device, requires_grad)


def multinomial(
    input: Tensor, num_samples: builtins.int, replacement: builtins.bool = False, *, generator: Generator | None = None
) -> Tensor:
    """Indices drawn from the rows of ``input`` (weights, 1-D or 2-D), as ``torch.multinomial``.

    >>> p = tensor([0.1, 0.0, 0.9])
    >>> multinomial(p, 6, replacement=True, generator=Generator().manual_seed(1))
    tensor([0, 2, 2, 2, 2, 2])
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"multinomial(): argument 'input' must be Tensor, not {type(input).__name__}")
    return Tensor(random.multinomial(input.numpy(), num_samples, replacement, generator))


def bernoulli(input: Tensor, p: builtins.float | None = None, *, generator: Generator | None = None) -> Tensor:
    """1 with probability ``input`` (each element; or ``p`` everywhere when given), else 0, as
    ``torch.bernoulli``; the result has ``input``'s dtype."""
    if not isinstance(input, Tensor):
        raise TypeError(f"bernoulli(): argument 'input' must be Tensor, not {type(input).__name__}")
    if p is not None:
        return Tensor(random.bernoulli_(np.empty_like(input.numpy()), p, generator))
    return Tensor(random.bernoulli(input.numpy(), generator))


def sparse_coo_tensor(*args: Any, **kwargs: Any) -> Tensor:
    """Always an error: tinygrad_edu has dense tensors only."""
    raise NotImplementedError(SPARSE_ERROR)


def zeros_like(input: Tensor, dtype: Any = None, device: Any = None, requires_grad: builtins.bool = False) -> Tensor:
    """Zeros of ``input``'s shape and (unless given) dtype."""
    return zeros(input.shape, dtype=dtype or input.dtype, device=device, requires_grad=requires_grad)


def ones_like(input: Tensor, dtype: Any = None, device: Any = None, requires_grad: builtins.bool = False) -> Tensor:
    """Ones of ``input``'s shape and (unless given) dtype."""
    return ones(input.shape, dtype=dtype or input.dtype, device=device, requires_grad=requires_grad)


def empty_like(input: Tensor, dtype: Any = None, device: Any = None, requires_grad: builtins.bool = False) -> Tensor:
    """As `empty`: zeros of ``input``'s shape and dtype."""
    return zeros_like(input, dtype=dtype, device=device, requires_grad=requires_grad)


def full_like(
    input: Tensor, fill_value: Any, dtype: Any = None, device: Any = None, requires_grad: builtins.bool = False
) -> Tensor:
    """``fill_value`` everywhere, in ``input``'s shape and (unless given) dtype."""
    return full(input.shape, fill_value, dtype=dtype or input.dtype, device=device, requires_grad=requires_grad)


def rand_like(input: Tensor, dtype: Any = None, device: Any = None, requires_grad: builtins.bool = False) -> Tensor:
    """As `rand`, in ``input``'s shape and (unless given) dtype."""
    return rand(input.shape, dtype=dtype or input.dtype, device=device, requires_grad=requires_grad)


def randn_like(input: Tensor, dtype: Any = None, device: Any = None, requires_grad: builtins.bool = False) -> Tensor:
    """As `randn`, in ``input``'s shape and (unless given) dtype."""
    return randn(input.shape, dtype=dtype or input.dtype, device=device, requires_grad=requires_grad)


def randint_like(input: Tensor, low: builtins.int = 0, high: builtins.int | None = None, dtype: Any = None) -> Tensor:
    """As `randint`, in ``input``'s shape and (unless given) dtype; ``randint_like(x, high)`` or ``(x, low, high)``."""
    if high is None:
        low, high = 0, low
    return randint(low, high, input.shape, dtype=dtype or input.dtype)

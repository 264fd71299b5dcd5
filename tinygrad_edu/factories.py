"""PyTorch's front door: tensor factories, dtype and device names, and free functions.

With these exported from the package, ``import tinygrad_edu as torch`` runs a beginner's PyTorch
script: ``torch.linspace(-math.pi, math.pi, 2000)``, ``torch.zeros(3, 4, dtype=torch.float64)``,
``torch.tensor([1, 2])``, ``torch.exp(x)``, ``torch.cat([a, b], dim=1)``.

Defaults are PyTorch's (https://pytorch.org/docs/stable/torch.html):

- floating results are float32 (`get_default_dtype`), ``tensor([1, 2])`` is int64,
  ``tensor([True])`` is bool, and a numpy array keeps its dtype;
- ``arange`` of integers is int64, ``full`` takes the dtype of its fill value;
- ``tensor`` copies its data, ``as_tensor`` and ``from_numpy`` share memory with a numpy array.

Everything runs on the CPU (numpy). ``device="cpu"`` (or ``device("cpu")``) is accepted everywhere
a device is; any other device is an error that says so. Random tensors (`rand`, `randn`,
`randint`) draw from the library's generator, so `tinygrad_edu.manual_seed` makes them repeatable
(the numbers differ from PyTorch's, whose generator is another algorithm).

The free functions take PyTorch's argument names (``dim``, ``keepdim``, ``input``) and call the
`Tensor` method that does the work, so each op is defined in one place.
"""

from __future__ import annotations

import builtins
import math
import numbers
from collections import namedtuple
from collections.abc import Sequence
from typing import Any

import numpy as np

from .rng import default_rng
from .tensor import DEFAULT_DTYPE, Tensor

# ----------------------------------------------------------------------------- dtypes
float32 = float = np.dtype("float32")
float64 = double = np.dtype("float64")
float16 = half = np.dtype("float16")
int64 = long = np.dtype("int64")
int32 = int = np.dtype("int32")
int16 = short = np.dtype("int16")
int8 = np.dtype("int8")
uint8 = np.dtype("uint8")
bool = np.dtype("bool")

#: The names a dtype may be given by, as strings (``dtype="float64"``) or as this module's objects.
DTYPES = {
    "float32": float32,
    "float": float32,
    "float64": float64,
    "double": float64,
    "float16": float16,
    "half": float16,
    "int64": int64,
    "long": int64,
    "int32": int32,
    "int": int32,
    "int16": int16,
    "short": int16,
    "int8": int8,
    "uint8": uint8,
    "bool": bool,
}


def as_dtype(dtype: Any) -> np.dtype | None:
    """The numpy dtype for ``dtype`` (a name above, a numpy dtype or type); None stays None.

    Python's ``float`` and ``int`` mean float32 and int64 here, as ``torch.tensor(..., dtype=float)``.

    >>> as_dtype("double"), as_dtype(builtins.float), as_dtype(np.int32)
    (dtype('float64'), dtype('float32'), dtype('int32'))
    """
    if dtype is None:
        return None
    if isinstance(dtype, str):
        if dtype not in DTYPES:
            raise TypeError(f"unknown dtype {dtype!r}; supported: {', '.join(sorted(DTYPES))}")
        return DTYPES[dtype]
    if dtype is builtins.float:
        return float32
    if dtype is builtins.int:
        return int64
    if dtype is builtins.bool:
        return bool
    try:
        out = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"unknown dtype {dtype!r}; supported: {', '.join(sorted(DTYPES))}") from None
    if out not in DTYPES.values():
        raise TypeError(f"dtype {out} is not supported; supported: {', '.join(sorted(DTYPES))}")
    return out


def get_default_dtype() -> np.dtype:
    """The dtype of floating tensors made from Python numbers: float32, as PyTorch."""
    return np.dtype(DEFAULT_DTYPE)


def is_tensor(obj: Any) -> builtins.bool:
    """True if ``obj`` is a `Tensor` (a `nn.Parameter` is one)."""
    return isinstance(obj, Tensor)


def is_floating_point(input: Tensor) -> builtins.bool:
    """True if ``input`` holds floating-point numbers."""
    return input.dtype.kind == "f"


# ----------------------------------------------------------------------------- devices
class device:  # noqa: N801 (PyTorch's name)
    """Where a tensor lives. Only ``"cpu"`` exists here: tinygrad_edu computes with numpy.

    >>> device("cpu")
    device(type='cpu')
    >>> device("cuda")
    Traceback (most recent call last):
    ...
    RuntimeError: device 'cuda' is not supported: tinygrad_edu runs on the CPU only (numpy); use 'cpu'
    """

    def __init__(self, type: str | device = "cpu", index: builtins.int | None = None) -> None:
        if isinstance(type, device):
            type, index = type.type, type.index
        if not isinstance(type, str):
            raise TypeError(f"device: expected a string like 'cpu', got {type!r}")
        name, _, idx = type.partition(":")
        if name != "cpu" or (idx not in ("", "0")) or index not in (None, 0):
            raise RuntimeError(
                f"device {type!r} is not supported: tinygrad_edu runs on the CPU only (numpy); use 'cpu'"
            )
        self.type, self.index = "cpu", index

    def __repr__(self) -> str:
        return "device(type='cpu')"

    def __str__(self) -> str:
        return "cpu"

    def __eq__(self, other: Any) -> builtins.bool:
        return isinstance(other, (device, str)) and str(other).partition(":")[0] == "cpu"

    def __hash__(self) -> builtins.int:
        return hash("cpu")


def check_device(dev: Any) -> None:
    """Accept None, ``"cpu"`` or ``device("cpu")``; raise a clear error for anything else."""
    if dev is not None:
        device(dev)


class _NoAccelerator:
    """``torch.cuda`` / ``torch.accelerator`` stand-ins: no accelerator is ever available."""

    def __init__(self, name: str) -> None:
        self.name = name

    def is_available(self) -> builtins.bool:
        return False

    def device_count(self) -> builtins.int:
        return 0

    def __repr__(self) -> str:
        return f"<tinygrad_edu.{self.name}: not available (CPU only)>"


cuda = _NoAccelerator("cuda")
accelerator = _NoAccelerator("accelerator")


# ----------------------------------------------------------------------------- factories
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
        return np.array(data.data)
    if isinstance(data, (np.ndarray, np.generic)):
        return np.array(data)
    if isinstance(data, (list, tuple)):
        data = [d.data if isinstance(d, Tensor) else d for d in data] if data and isinstance(data[0], Tensor) else data
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


def tensor(data: Any, dtype: Any = None, device: Any = None, requires_grad: builtins.bool = False) -> Tensor:
    """A new tensor holding a copy of ``data``, as ``torch.tensor``.

    >>> tensor([1, 2]).dtype, tensor([1.0, 2]).dtype, tensor(np.zeros(2)).dtype
    (dtype('int64'), dtype('float32'), dtype('float64'))
    """
    return _make(_python_array(data), dtype, device, requires_grad)


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
        return bool
    if isinstance(fill_value, numbers.Integral):
        return int64
    return float32


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
    values = start + np.arange(n, dtype=np.int64 if ints else np.float64) * step
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

    >>> linspace(0, 1, 5).data
    array([0.  , 0.25, 0.5 , 0.75, 1.  ], dtype=float32)
    """
    if not isinstance(steps, numbers.Integral) or steps < 0:
        raise ValueError(f"linspace: steps must be a non-negative integer, got {steps!r}")
    values = np.linspace(start, end, builtins.int(steps), dtype=np.float64)
    return _make(values.astype(as_dtype(dtype) or float32), None, device, requires_grad)


def eye(
    n: builtins.int,
    m: builtins.int | None = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: builtins.bool = False,
) -> Tensor:
    """The n×m identity matrix (m = n by default)."""
    return _make(np.eye(n, m, dtype=as_dtype(dtype) or float32), None, device, requires_grad)


def rand(*size: Any, dtype: Any = None, device: Any = None, requires_grad: builtins.bool = False) -> Tensor:
    """Uniform samples on [0, 1) from the library's generator."""
    shape = _size(size, "rand")
    return _make(default_rng().random(shape).astype(as_dtype(dtype) or float32), None, device, requires_grad)


def randn(*size: Any, dtype: Any = None, device: Any = None, requires_grad: builtins.bool = False) -> Tensor:
    """Standard normal samples N(0, 1) from the library's generator."""
    shape = _size(size, "randn")
    return _make(default_rng().standard_normal(shape).astype(as_dtype(dtype) or float32), None, device, requires_grad)


def randint(*args: Any, size: Any = None, dtype: Any = None, device: Any = None) -> Tensor:
    """Integers uniform on [low, high): ``randint(high, size)`` or ``randint(low, high, size)`` (int64)."""
    if size is not None:
        args = (*args, size)
    if len(args) == 2:
        low, (high, size) = 0, args
    elif len(args) == 3:
        low, high, size = args
    else:
        raise TypeError("randint: call as randint(high, size) or randint(low, high, size), size a tuple")
    if high <= low:
        raise ValueError(f"randint: need low < high, got low={low}, high={high}")
    values = default_rng().integers(low, high, _size((size,), "randint"))
    return _make(values.astype(as_dtype(dtype) or int64), None, device, False)


def sparse_coo_tensor(*args: Any, **kwargs: Any) -> Tensor:
    """Always an error: tinygrad_edu has dense tensors only."""
    from .tensor import SPARSE_ERROR

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


# ----------------------------------------------------------------------------- free functions
def _t(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else tensor(x)


def exp(input: Tensor) -> Tensor:
    """eˣ elementwise."""
    return _t(input).exp()


def log(input: Tensor) -> Tensor:
    """ln x elementwise."""
    return _t(input).log()


def sqrt(input: Tensor) -> Tensor:
    """√x elementwise."""
    return _t(input).sqrt()


def abs(input: Tensor) -> Tensor:
    """|x| elementwise."""
    return _t(input).abs()


def tanh(input: Tensor) -> Tensor:
    """tanh x elementwise."""
    return _t(input).tanh()


def sigmoid(input: Tensor) -> Tensor:
    """1/(1 + e^{−x}) elementwise."""
    return _t(input).sigmoid()


def relu(input: Tensor) -> Tensor:
    """max(x, 0) elementwise."""
    return _t(input).relu()


def sin(input: Tensor) -> Tensor:
    """sin x elementwise."""
    return _t(input).sin()


def cos(input: Tensor) -> Tensor:
    """cos x elementwise."""
    return _t(input).cos()


def square(input: Tensor) -> Tensor:
    """x² elementwise."""
    return _t(input) ** 2


def neg(input: Tensor) -> Tensor:
    """−x elementwise."""
    return -_t(input)


def add(input: Any, other: Any, alpha: builtins.float = 1) -> Tensor:
    """input + alpha·other."""
    return _t(input) + (other if alpha == 1 else alpha * other)


def sub(input: Any, other: Any, alpha: builtins.float = 1) -> Tensor:
    """input − alpha·other."""
    return _t(input) - (other if alpha == 1 else alpha * other)


def mul(input: Any, other: Any) -> Tensor:
    """input · other elementwise."""
    return _t(input) * other


def div(input: Any, other: Any) -> Tensor:
    """input / other elementwise."""
    return _t(input) / other


def pow(input: Any, exponent: Any) -> Tensor:
    """input ** exponent; either may be a tensor (``pow(2, x)`` is 2ˣ)."""
    if not isinstance(input, Tensor) and isinstance(exponent, Tensor):
        return input**exponent  # a number to a tensor power: Tensor.__rpow__
    return _t(input) ** exponent


def matmul(input: Tensor, other: Tensor) -> Tensor:
    """The matrix product with numpy/PyTorch broadcasting of batch axes."""
    return _t(input) @ other


def mm(input: Tensor, mat2: Tensor) -> Tensor:
    """The product of two matrices (2-D only), as ``torch.mm``."""
    if _t(input).ndim != 2 or _t(mat2).ndim != 2:
        raise ValueError(f"mm: expected two matrices, got shapes {_t(input).shape} and {_t(mat2).shape}")
    return _t(input) @ mat2


def sum(input: Tensor, dim: Any = None, keepdim: builtins.bool = False) -> Tensor:
    """Σ over ``dim`` (all elements by default)."""
    return _t(input).sum(axis=dim, keepdims=keepdim)


def mean(input: Tensor, dim: Any = None, keepdim: builtins.bool = False) -> Tensor:
    """The mean over ``dim`` (all elements by default)."""
    return _t(input).mean(axis=dim, keepdims=keepdim)


#: What ``max(x, dim)`` and ``min(x, dim)`` return, as PyTorch's ``torch.return_types.max``.
ValuesIndices = namedtuple("ValuesIndices", ["values", "indices"])


def _extreme(input: Tensor, dim: Any, keepdim: builtins.bool, name: str) -> Any:
    x = _t(input)
    if isinstance(dim, Tensor):
        raise NotImplementedError(f"{name}(input, other): the elementwise form is not implemented yet; use where()")
    if dim is None:
        return getattr(x, name)()
    rank = builtins.max(x.ndim, 1)  # a 0-d tensor takes dim 0 or -1, as in PyTorch
    if not -rank <= dim < rank:
        raise IndexError(
            f"{name}(dim): dimension out of range (expected to be in range of [{-rank}, {rank - 1}], got {dim})"
        )
    if x.ndim == 0:
        return ValuesIndices(x * 1, Tensor(np.array(0, np.int64)))
    dim = builtins.int(dim) % x.ndim
    if x.shape[dim] == 0:
        raise IndexError(
            f"{name}(dim): dimension {dim} of the tensor of shape {tuple(x.shape)} is empty, it has no {name}imum"
        )
    pick = np.argmax if name == "max" else np.argmin  # the first extreme, or the first NaN, as PyTorch
    indices = pick(x.data, axis=dim)
    # values read at the indices, so that the gradient goes to that one element (ties are not shared, as
    # torch.max(x, dim) and unlike amax)
    where = list(np.ogrid[tuple(slice(n) for n in indices.shape)])  # every other axis, as an open mesh
    where.insert(dim, indices)
    values = x[tuple(where)]
    if keepdim:
        values, indices = values.unsqueeze(dim), np.expand_dims(indices, dim)
    return ValuesIndices(values, Tensor(indices))


def max(input: Tensor, dim: builtins.int | None = None, keepdim: builtins.bool = False) -> Any:
    """The largest element, or (values, indices) along ``dim``, as ``torch.max``."""
    return _extreme(input, dim, keepdim, "max")


def min(input: Tensor, dim: builtins.int | None = None, keepdim: builtins.bool = False) -> Any:
    """The smallest element, or (values, indices) along ``dim``, as ``torch.min``."""
    return _extreme(input, dim, keepdim, "min")


def argmax(input: Tensor, dim: builtins.int | None = None, keepdim: builtins.bool = False) -> Tensor:
    """The index of the largest element (of the flattened tensor when ``dim`` is None); int64."""
    return _t(input).argmax(dim, keepdim)


def argmin(input: Tensor, dim: builtins.int | None = None, keepdim: builtins.bool = False) -> Tensor:
    """The index of the smallest element (of the flattened tensor when ``dim`` is None); int64."""
    return _t(input).argmin(dim, keepdim)


def cat(tensors: Sequence[Tensor], dim: builtins.int = 0) -> Tensor:
    """Join tensors along an existing axis."""
    return Tensor.cat(tensors, axis=dim)


concat = cat


def stack(tensors: Sequence[Tensor], dim: builtins.int = 0) -> Tensor:
    """Join tensors along a new axis."""
    return Tensor.stack(tensors, axis=dim)


def where(condition: Any, input: Any, other: Any) -> Tensor:
    """``input`` where ``condition`` holds, else ``other``."""
    return Tensor.where(condition, input, other)


def clamp(input: Tensor, min: builtins.float | None = None, max: builtins.float | None = None) -> Tensor:
    """Each element limited to [min, max]."""
    return _t(input).clip(min, max)


clip = clamp


def flatten(input: Tensor, start_dim: builtins.int = 0, end_dim: builtins.int = -1) -> Tensor:
    """Axes start_dim..end_dim merged into one."""
    return _t(input).flatten(start_dim, end_dim)


def reshape(input: Tensor, shape: Sequence[builtins.int]) -> Tensor:
    """The same elements in a new shape (one axis may be −1)."""
    return _t(input).reshape(tuple(shape))


def permute(input: Tensor, dims: Sequence[builtins.int]) -> Tensor:
    """The axes reordered: output axis i is input axis dims[i]."""
    return _t(input).permute(tuple(dims))


def transpose(input: Tensor, dim0: builtins.int, dim1: builtins.int) -> Tensor:
    """Axes ``dim0`` and ``dim1`` swapped, as ``torch.transpose`` (not numpy's permutation)."""
    x = _t(input)
    axes = list(range(x.ndim))
    axes[dim0], axes[dim1] = axes[dim1], axes[dim0]
    return x.transpose(tuple(axes))


def t(input: Tensor) -> Tensor:
    """The transpose of a matrix (a 0-D or 1-D tensor is returned as it is)."""
    return _t(input).t()


def unsqueeze(input: Tensor, dim: builtins.int) -> Tensor:
    """A new axis of length 1 at ``dim``."""
    return _t(input).unsqueeze(dim)


def squeeze(input: Tensor, dim: builtins.int | None = None) -> Tensor:
    """Axes of length 1 removed (only ``dim``, if given and of length 1)."""
    return _t(input).squeeze(dim)


def softmax(input: Tensor, dim: builtins.int) -> Tensor:
    """e^{xᵢ}/Σⱼ e^{xⱼ} along ``dim``."""
    return _t(input).softmax(dim)


def log_softmax(input: Tensor, dim: builtins.int) -> Tensor:
    """log softmax along ``dim``, computed with log-sum-exp."""
    return _t(input).log_softmax(dim)


def numel(input: Tensor) -> builtins.int:
    """The number of elements."""
    return _t(input).numel()


def allclose(input: Tensor, other: Tensor, rtol: builtins.float = 1e-5, atol: builtins.float = 1e-8) -> builtins.bool:
    """|input − other| ≤ atol + rtol·|other| everywhere (PyTorch's defaults)."""
    return builtins.bool(np.allclose(_t(input).data, _t(other).data, rtol=rtol, atol=atol))


def equal(input: Tensor, other: Tensor) -> builtins.bool:
    """True if both have the same shape and elements."""
    a, b = _t(input).data, _t(other).data
    return a.shape == b.shape and builtins.bool(np.array_equal(a, b))

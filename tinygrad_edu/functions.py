"""PyTorch's free functions: ``torch.exp(x)``, ``torch.add(a, b)``, ``torch.max(x, dim)``, ``torch.cat``, ...

Each takes PyTorch's argument names (``input``, ``dim``, ``keepdim``) and calls the `Tensor` method
that does the work, so each op is defined once, in its method (and the method's op in
`tinygrad_edu.ops`). A method whose free function takes the same arguments is marked
`tinygrad_edu.tensor_methods.torch_function` and gets its function here with no code of its own
(`TENSOR_FUNCTIONS`). ``import tinygrad_edu as torch`` exports them all.
"""

from __future__ import annotations

import builtins
from collections import namedtuple
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import ops, random
from .creation import tensor
from .tensor import Tensor, apply
from .tensor_methods import TORCH_FUNCTIONS


def is_tensor(obj: Any) -> builtins.bool:
    """True if ``obj`` is a `Tensor` (a `nn.Parameter` is one)."""
    return isinstance(obj, Tensor)


def is_floating_point(input: Tensor) -> builtins.bool:
    """True if ``input`` holds floating-point numbers."""
    return input.dtype.kind == "f"


def _t(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else tensor(x)


def _free_function(name: str) -> Callable[..., Tensor]:
    """``torch.<name>(input, ...)``: ``input`` as a tensor, then its method ``name`` with the same arguments;
    its docstring is the method's first paragraph (the method's examples stay the method's doctests)."""
    method = getattr(Tensor, name)

    def function(input: Any, *args: Any, **kwargs: Any) -> Tensor:
        if type(input) is Tensor:  # the common case, without looking the method up by name
            return method(input, *args, **kwargs)
        return getattr(_t(input), name)(*args, **kwargs)

    summary = (method.__doc__ or "").split("\n\n")[0]
    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"{summary}\n\n``torch.{name}(x)`` is ``x.{name}()`` (`Tensor.{name}`)."
    return function


#: a free function for each `Tensor` method marked `tinygrad_edu.tensor_methods.torch_function`
#: (``exp``, ``log10``, ...), by name; they are this module's too, and the package exports them
TENSOR_FUNCTIONS: dict[str, Callable[..., Tensor]] = {name: _free_function(name) for name in TORCH_FUNCTIONS}
globals().update(TENSOR_FUNCTIONS)


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
    """The product of two matrices (2-D only, of one dtype), as ``torch.mm``."""
    return apply(ops.MatMul.checked_as("mm"), _t(input), _t(mat2))


def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    """The products of two stacks of matrices, (b, n, k) and (b, k, m) → (b, n, m), as ``torch.bmm``.

    >>> from tinygrad_edu import ones
    >>> bmm(ones(2, 3, 4), ones(2, 4, 5)).shape
    torch.Size([2, 3, 5])
    """
    return apply(ops.MatMul.checked_as("bmm"), _t(input), _t(mat2))


def sum(input: Tensor, dim: Any = None, keepdim: builtins.bool = False, *, dtype: Any = None) -> Tensor:
    """Σ over ``dim`` (all elements by default; bools and integers to int64 unless ``dtype=``)."""
    return _t(input).sum(axis=dim, keepdims=keepdim, dtype=dtype)


def mean(input: Tensor, dim: Any = None, keepdim: builtins.bool = False, *, dtype: Any = None) -> Tensor:
    """The mean over ``dim`` (all elements by default) of a floating tensor."""
    return _t(input).mean(axis=dim, keepdims=keepdim, dtype=dtype)


def unbind(input: Tensor, dim: builtins.int = 0) -> tuple[Tensor, ...]:
    """The slices along ``dim``, each without that axis, as ``torch.unbind``."""
    return _t(input).unbind(dim)


def floor_divide(input: Any, other: Any) -> Tensor:
    """⌊input/other⌋ rounded toward −∞, as ``torch.floor_divide`` (``//``)."""
    return _t(input) // other


def remainder(input: Any, other: Any) -> Tensor:
    """input mod other, with other's sign, as ``torch.remainder`` (``%``)."""
    return _t(input) % other


def maximum(input: Tensor, other: Tensor) -> Tensor:
    """The elementwise larger, as ``torch.maximum``."""
    return _t(input).maximum(_t(other))


def minimum(input: Tensor, other: Tensor) -> Tensor:
    """The elementwise smaller, as ``torch.minimum``."""
    return _t(input).minimum(_t(other))


def tril(input: Tensor, diagonal: builtins.int = 0) -> Tensor:
    """The lower triangle, as ``torch.tril``."""
    return _t(input).tril(diagonal)


def triu(input: Tensor, diagonal: builtins.int = 0) -> Tensor:
    """The upper triangle, as ``torch.triu``."""
    return _t(input).triu(diagonal)


def split(tensor: Tensor, split_size_or_sections: Any, dim: builtins.int = 0) -> tuple[Tensor, ...]:
    """Pieces along ``dim``, as ``torch.split``."""
    return _t(tensor).split(split_size_or_sections, dim)


def chunk(input: Tensor, chunks: builtins.int, dim: builtins.int = 0) -> tuple[Tensor, ...]:
    """``chunks`` pieces along ``dim``, as ``torch.chunk``."""
    return _t(input).chunk(chunks, dim)


def flip(input: Tensor, dims: Sequence[builtins.int]) -> Tensor:
    """Reversed along ``dims``, as ``torch.flip``."""
    return _t(input).flip(dims)


def logsumexp(input: Tensor, dim: Any, keepdim: builtins.bool = False) -> Tensor:
    """log Σ exp over ``dim``, as ``torch.logsumexp``."""
    return _t(input).logsumexp(dim, keepdim)


def sort(input: Tensor, dim: builtins.int = -1, descending: builtins.bool = False) -> Any:
    """Values in order with their indices, as ``torch.sort``."""
    return _t(input).sort(dim, descending)


def argsort(input: Tensor, dim: builtins.int = -1, descending: builtins.bool = False) -> Tensor:
    """The indices that sort, as ``torch.argsort``."""
    return _t(input).argsort(dim, descending)


def topk(input: Tensor, k: builtins.int, dim: builtins.int = -1, largest: builtins.bool = True) -> Any:
    """The ``k`` largest values with their indices, as ``torch.topk``."""
    return _t(input).topk(k, dim, largest)


def cumsum(input: Tensor, dim: builtins.int, *, dtype: Any = None) -> Tensor:
    """The running sum along ``dim``, as ``torch.cumsum``."""
    return _t(input).cumsum(dim, dtype=dtype)


def prod(
    input: Tensor, dim: builtins.int | None = None, keepdim: builtins.bool = False, *, dtype: Any = None
) -> Tensor:
    """The product of all elements or along ``dim``, as ``torch.prod``."""
    return _t(input).prod(dim, keepdim, dtype=dtype)


def _extreme(input: Tensor, dim: Any, keepdim: builtins.bool, name: str) -> Any:
    x = _t(input)
    if isinstance(dim, Tensor):
        raise NotImplementedError(f"{name}(input, other): the elementwise form is not implemented yet; use where()")
    return getattr(x, name)() if dim is None else getattr(x, name)(dim, keepdim)


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
    return _t(input).transpose(dim0, dim1)


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
    return builtins.bool(np.allclose(_t(input)._data, _t(other)._data, rtol=rtol, atol=atol))


def equal(input: Tensor, other: Tensor) -> builtins.bool:
    """True if both have the same shape and elements."""
    a, b = _t(input)._data, _t(other)._data
    return a.shape == b.shape and builtins.bool(np.array_equal(a, b))


def get_rng_state() -> Tensor:
    """The default generator's state as PyTorch's 5056 bytes (a uint8 tensor), as ``torch.get_rng_state``;
    `tinygrad_edu.random.set_rng_state` takes it back (or PyTorch's)."""
    return Tensor(random.get_rng_state())


def all(input: Tensor, dim: Any = None, keepdim: builtins.bool = False) -> Tensor:
    """True where every element (along ``dim``) is nonzero, as ``torch.all``."""
    return _t(input).all(dim, keepdim)


def any(input: Tensor, dim: Any = None, keepdim: builtins.bool = False) -> Tensor:
    """True where some element (along ``dim``) is nonzero, as ``torch.any``."""
    return _t(input).any(dim, keepdim)


class Histogram(namedtuple("Histogram", ["hist", "bin_edges"])):
    """What ``torch.histogram`` returns, printed as ``torch.return_types.histogram``."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"torch.return_types.histogram(\nhist={self.hist!r},\nbin_edges={self.bin_edges!r})"


def histogram(
    input: Tensor, bins: Any = 100, *, range: Any = None, weight: Any = None, density: builtins.bool = False
) -> Histogram:
    """Counts of ``input``'s elements in ``bins`` equal bins over [min, max] (or ``range``), or between
    the given edges, the last bin closed; ``density=True`` divides by count × bin width, as
    ``torch.histogram``. Floating input only (PyTorch's rule); results in its dtype.

    >>> histogram(tensor([1.0, 2.0, 1.0, 4.0]), bins=4).hist
    tensor([2., 1., 0., 1.])
    """
    x = _t(input)
    if x.dtype.kind != "f":
        raise RuntimeError(f"torch.histogram: input tensor and bins tensors should have the same dtype, got {x.dtype}")
    edges = bins.data if isinstance(bins, Tensor) else bins
    w = None if weight is None else _t(weight).data.reshape(-1)
    hist, out_edges = np.histogram(x.data.reshape(-1), edges, range=range, weights=w, density=density)
    return Histogram(Tensor(hist.astype(x.data.dtype)), Tensor(out_edges.astype(x.data.dtype)))


def histc(input: Tensor, bins: builtins.int = 100, min: builtins.float = 0, max: builtins.float = 0) -> Tensor:
    """Counts in ``bins`` equal bins over [min, max] (the data's range when both are 0); elements
    outside are ignored, as ``torch.histc``."""
    x = _t(input)
    lo, hi = (builtins.float(x.data.min()), builtins.float(x.data.max())) if min == max == 0 else (min, max)
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    return histogram(x, bins, range=(lo, hi)).hist

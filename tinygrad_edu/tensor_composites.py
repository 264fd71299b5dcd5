"""PyTorch's `Tensor` methods that are compositions of other methods: statistics (`var`, `std`, `norm`,
`logsumexp`), the named arithmetic (``add(other, alpha=)``, ``div(rounding_mode=)``), masks and triangles
(`masked_fill`, `tril`), splitting and ordering (`split`, `chunk`, `flip`, `sort`, `topk`), small
conversions and queries (`half`, `contiguous`, ``new_*``).

`Tensor` inherits them from `TensorComposites`, a mixin below `tinygrad_edu.tensor`: each method only calls
methods of the tensor itself (so gradients come from the ops those run), and names its result's graph node
as PyTorch does where a learner sees it (``grad_fn=<VarBackward0>``). The pairs that ``max(dim)``, ``sort``
and ``topk`` return live here too (`ValuesIndices`).
"""

from __future__ import annotations

import itertools
import numbers
import warnings
from collections import namedtuple
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from . import random
from .graph import is_grad_enabled
from .ops import normalize_axis, normalize_dim, rename_node
from .tensor_methods import LEAF_INPLACE_ERROR, TensorMethods, torch_function

if TYPE_CHECKING:  # for the annotations only; at run time this module never reads tensor.py
    from .tensor import Tensor


class ValuesIndices(namedtuple("ValuesIndices", ["values", "indices"])):
    """What ``x.max(dim)``, ``x.sort()`` and ``x.topk(k)`` return: a named pair that prints as PyTorch's
    ``torch.return_types.max`` (``.min``, ``.sort``, ``.topk``: the classes in `RETURN_TYPES`)."""

    __slots__ = ()
    kind = "max"

    def __repr__(self) -> str:
        return f"torch.return_types.{self.kind}(\nvalues={self.values!r},\nindices={self.indices!r})"


#: the pair's class for each op that returns one
RETURN_TYPES = {"max": ValuesIndices} | {
    kind: type("ValuesIndices", (ValuesIndices,), {"__slots__": (), "kind": kind}) for kind in ("min", "sort", "topk")
}


def _dims_of(dim: Any) -> Any:
    """PyTorch's reduction dims: None or an empty list/tuple mean every axis."""
    if dim is None or (isinstance(dim, (list, tuple)) and len(dim) == 0):
        return None
    return tuple(dim) if isinstance(dim, list) else dim


class TensorComposites(TensorMethods):
    """Mixin of `Tensor`: methods written with its other methods (those of `TensorMethods` and these)."""

    __slots__ = ()

    # provided by Tensor
    requires_grad: bool
    detach: Callable[[], Tensor]
    clone: Callable[[], Tensor]
    where: Callable[..., Tensor]
    _wrap: Callable[..., Tensor]

    # ------------------------------------------------------------ statistics
    def var(self, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *, correction: Any = None) -> Tensor:
        """Σ(x − x̄)²/(N − c) over ``dim`` (all elements by default), as ``Tensor.var``: c = 1 (Bessel's
        correction, PyTorch's default), ``unbiased=False`` or ``correction=0`` for the population
        variance; N − c ≤ 0 gives inf or nan, as PyTorch. Computed in float64 and rounded once to the
        tensor's dtype, as PyTorch's CPU kernels accumulate in double, so float32 results are PyTorch's to
        the last bit. A composite, so its gradient is autograd's.

        >>> from tinygrad_edu import tensor
        >>> x = tensor([1.0, 2.0, 3.0, 4.0])
        >>> x.var().item(), x.var(unbiased=False).item(), x.std(correction=0).item()
        (1.6666666269302368, 1.25, 1.1180340051651)
        """
        return rename_node(self._variance(dim, unbiased, keepdim, correction).type(self._data.dtype), "VarBackward0")

    def std(self, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *, correction: Any = None) -> Tensor:
        """√var (see `var`: Bessel's correction by default), as ``Tensor.std``: the root taken in float64
        before the one rounding, as PyTorch's."""
        var = self._variance(dim, unbiased, keepdim, correction)
        return rename_node(var.sqrt().type(self._data.dtype), "StdBackward0")

    def _variance(self, dim: Any, unbiased: Any, keepdim: bool, correction: Any) -> Tensor:
        """`var`'s Σ(x − x̄)²/(N − c), in float64."""
        if self._data.dtype.kind != "f":
            raise RuntimeError("std and var only support floating point and complex dtypes")
        if isinstance(dim, bool):  # var(unbiased), PyTorch's other overload
            dim, unbiased = None, dim
        if correction is not None and unbiased is not None:
            raise RuntimeError("var: give correction= or unbiased=, not both")
        c = correction if correction is not None else (0 if unbiased is False else 1)
        x = self.type(np.float64)
        dims = normalize_axis(_dims_of(dim), x.ndim)
        n = int(np.prod([x.shape[d] for d in dims], dtype=np.int64))
        if n - c <= 0:
            warnings.warn(
                "var(): degrees of freedom is <= 0. Correction should be strictly less than the reduction factor "
                "(input numel divided by output numel).",
                UserWarning,
                stacklevel=3,
            )
        centred = x - x.mean(dim=dims, keepdim=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            return (centred * centred).sum(dim=dims, keepdim=keepdim) / float(max(n - c, 0))

    def norm(self, p: Any = "fro", dim: Any = None, keepdim: bool = False) -> Tensor:
        """The p-norm (Σ|x|ᵖ)^(1/p) over ``dim`` (every element by default; 2 for ``"fro"``), as ``Tensor.norm``."""
        p = 2 if p in ("fro", 2) else p
        dims = _dims_of(dim)
        if p == 2:
            out = (self * self).sum(dim=dims, keepdim=keepdim).sqrt()
        elif p == 1:
            out = self.abs().sum(dim=dims, keepdim=keepdim)
        elif p == float("inf"):
            out = self.abs().amax(dims, keepdim)
        else:
            out = (self.abs() ** p).sum(dim=dims, keepdim=keepdim) ** (1.0 / p)
        return rename_node(out, "LinalgVectorNormBackward0")

    def logsumexp(self, dim: Any, keepdim: bool = False) -> Tensor:
        """log Σ exp(x) over ``dim``, shifted by the maximum so nothing overflows, as ``Tensor.logsumexp``;
        ∂/∂x = softmax(x) (the shift is a constant: it cancels).

        >>> from tinygrad_edu import tensor
        >>> tensor([1000.0, 1000.0]).logsumexp(0)
        tensor(1000.6932)
        """
        dims = normalize_axis(_dims_of(dim), self.ndim)
        shift = self.detach().amax(dims, True)
        shift = shift.where(shift.abs() != float("inf"), shift, 0.0)  # all −inf: log 0 = −inf, not NaN
        out = (self - shift).exp().sum(dim=dims, keepdim=True).log() + shift
        return rename_node(
            out if keepdim else out.reshape([n for i, n in enumerate(out.shape) if i not in dims]), "LogsumexpBackward0"
        )

    # ------------------------------------------------------------ named arithmetic
    def add(self, other: Any, *, alpha: Any = 1) -> Tensor:
        """self + alpha·other, as ``Tensor.add``."""
        return self + (other if alpha == 1 else other * alpha)

    def sub(self, other: Any, *, alpha: Any = 1) -> Tensor:
        """self − alpha·other, as ``Tensor.sub``."""
        return self - (other if alpha == 1 else other * alpha)

    def mul(self, other: Any) -> Tensor:
        """self·other, as ``Tensor.mul``."""
        return self * other

    def div(self, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        """self/other, as ``Tensor.div``: true division, or rounded ``"floor"`` (``//``) or ``"trunc"``
        (toward zero)."""
        if rounding_mode is None:
            return self / other
        if rounding_mode == "floor":
            return self // other
        if rounding_mode == "trunc":
            dt = self._promote(other)[0]._data.dtype  # integers stay integers
            return self._const(np.trunc((self / other)._data).astype(dt, copy=False))
        raise RuntimeError(
            f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{rounding_mode}'"
        )

    def neg(self) -> Tensor:
        """−x, as ``Tensor.neg``."""
        return -self

    def square(self) -> Tensor:
        """x², as ``Tensor.square``."""
        return self**2

    def reciprocal(self) -> Tensor:
        """1/x, as ``Tensor.reciprocal``."""
        return rename_node(1 / self, "ReciprocalBackward0")

    def rsqrt(self) -> Tensor:
        """1/√x, as ``Tensor.rsqrt``."""
        return rename_node(1 / self.sqrt(), "RsqrtBackward0")

    def maximum(self, other: Tensor) -> Tensor:
        """The elementwise larger of the two, as ``torch.maximum``; at a tie each gets half the gradient
        (PyTorch's rule), and NaN wins."""
        return self._extreme_of(other, True)

    def minimum(self, other: Tensor) -> Tensor:
        """The elementwise smaller of the two, as ``torch.minimum`` (ties share the gradient)."""
        return self._extreme_of(other, False)

    def _extreme_of(self, other: Tensor, larger: bool) -> Tensor:
        a, b = self, other
        pick = (a._data > b._data) if larger else (a._data < b._data)
        pick |= np.isnan(a._data)
        tie = a._data == b._data
        out = self.where(pick, a, self.where(tie, (a + b) / 2, b) if tie.any() else b)
        return rename_node(out, "MaximumBackward0" if larger else "MinimumBackward0")

    # ------------------------------------------------------------ rounding (no gradient, as PyTorch's: zero)
    def sign(self) -> Tensor:
        """−1, 0 or 1, as ``Tensor.sign``."""
        return self._const(np.sign(self._data))

    def round(self) -> Tensor:
        """To the nearest integer, halves to even, as ``Tensor.round``."""
        return self._const(np.round(self._data))

    def floor(self) -> Tensor:
        """⌊x⌋, as ``Tensor.floor``."""
        return self._const(np.floor(self._data))

    def ceil(self) -> Tensor:
        """⌈x⌉, as ``Tensor.ceil``."""
        return self._const(np.ceil(self._data))

    # ------------------------------------------------------------ masks and triangles
    def masked_fill(self, mask: Any, value: Any) -> Tensor:
        """``value`` where ``mask`` (a bool tensor, broadcast) is True, else this tensor, as
        ``Tensor.masked_fill``; the filled places get no gradient."""
        keep = ~np.asarray(getattr(mask, "_data", mask), dtype=bool)
        fill = np.asarray(value._data if hasattr(value, "_data") else value).astype(self._data.dtype)
        return rename_node(self.where(keep, self, self._const(fill)), "MaskedFillBackward0")

    def tril(self, diagonal: int = 0) -> Tensor:
        """The lower triangle of the last two axes (on and below ``diagonal``), zeros above, as ``Tensor.tril``."""
        below = np.tril(np.ones(self.shape[-2:], dtype=bool), diagonal)
        return rename_node(self.where(below, self, self._const(np.zeros((), self._data.dtype))), "TrilBackward0")

    def triu(self, diagonal: int = 0) -> Tensor:
        """The upper triangle of the last two axes (on and above ``diagonal``), zeros below, as ``Tensor.triu``."""
        above = np.triu(np.ones(self.shape[-2:], dtype=bool), diagonal)
        return rename_node(self.where(above, self, self._const(np.zeros((), self._data.dtype))), "TriuBackward0")

    # ------------------------------------------------------------ extremes along a dim
    def _values_indices(self, name: str, dim: int, keepdim: bool) -> ValuesIndices:
        """``x.max(dim)``'s pair: the extreme values along ``dim`` and their int64 indices."""
        dim = normalize_dim(dim, self.ndim)  # a 0-d tensor takes dim 0 or -1, as in PyTorch
        if self.ndim == 0:
            return RETURN_TYPES[name](self * 1, self._wrap(np.array(0, np.int64)))
        if self.shape[dim] == 0:
            raise IndexError(
                f"{name}(dim): dimension {dim} of the tensor of shape {tuple(self.shape)} is empty, "
                f"it has no {name}imum"
            )
        pick = np.argmax if name == "max" else np.argmin  # the first extreme, or the first NaN, as PyTorch
        indices = np.asarray(pick(self._data, axis=dim), dtype=np.int64)
        # values read at the indices, so that the gradient goes to that one element (ties are not shared, as
        # torch.max(x, dim) and unlike amax)
        where = list(np.ogrid[tuple(slice(n) for n in indices.shape)])  # every other axis, as an open mesh
        where.insert(dim, indices)
        values = self[tuple(where)]
        if keepdim:
            values, indices = values.unsqueeze(dim), np.expand_dims(indices, dim)
        return RETURN_TYPES[name](rename_node(values, f"{name.capitalize()}Backward0"), self._wrap(indices))

    def argmax(self, dim: int | None = None, keepdim: bool = False, *, axis: int | None = None) -> Tensor:
        """The int64 index of the largest element along ``dim`` (of the flattened tensor when None)."""
        return self._arg("argmax", np.argmax, axis if dim is None else dim, keepdim)

    def argmin(self, dim: int | None = None, keepdim: bool = False, *, axis: int | None = None) -> Tensor:
        """The int64 index of the smallest element along ``dim`` (of the flattened tensor when None)."""
        return self._arg("argmin", np.argmin, axis if dim is None else dim, keepdim)

    def _arg(self, name: str, find: Any, dim: int | None, keepdim: bool) -> Tensor:
        """`argmax`/`argmin`; an empty tensor gives PyTorch's IndexError (no dim, or an empty one)."""
        if dim is not None:
            dim = normalize_dim(dim, self.ndim)  # PyTorch's IndexError out of range; a 0-d tensor takes 0 and -1 ...
            if self.ndim == 0:
                dim = None  # ... and then has no axis to reduce
        if self._data.size == 0:
            if dim is None:
                raise IndexError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0.")
            if self._data.ndim and self._data.shape[dim] == 0:
                raise IndexError(f"{name}(): Expected reduction dim {dim} to have non-zero size.")
        idx = np.asarray(find(self._data, axis=dim), dtype=np.int64)
        return self._wrap(_keep(idx, dim, self.ndim) if keepdim else idx)

    # ------------------------------------------------------------ splitting and ordering
    def split(self, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
        """Pieces along ``dim`` of ``split_size`` each (the last may be shorter), or of the given sizes, as
        ``Tensor.split``."""
        d = normalize_dim(dim, self.ndim)
        n = self.shape[d]
        node = "SplitBackward0"
        if isinstance(split_size_or_sections, numbers.Integral):
            step = int(split_size_or_sections)
            sizes = [min(step, n - i) for i in range(0, n, step)] if step > 0 else [n]
        else:
            sizes, node = [int(s) for s in split_size_or_sections], "SplitWithSizesBackward0"
            if sum(sizes) != n:
                raise RuntimeError(
                    f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size at dimension "
                    f"{dim}), but got split_sizes={sizes}"
                )
        starts = np.cumsum([0, *sizes])
        lead = (slice(None),) * d
        return tuple(rename_node(self[(*lead, slice(int(s), int(e)))], node) for s, e in itertools.pairwise(starts))

    @torch_function
    def narrow(self, dim: int, start: int, length: int) -> Tensor:
        """The ``length`` elements from ``start`` along ``dim``, a view (``self[..., start:start + length]``),
        as ``Tensor.narrow``; a negative ``start`` counts from the end."""
        d = normalize_dim(dim, self.ndim)
        n = self.shape[d]
        if not -n <= start <= n:
            raise IndexError(f"start out of range (expected to be in range of [{-n}, {n}], but got {start})")
        if length < 0:
            raise RuntimeError("narrow(): length must be non-negative.")
        start = start + n if start < 0 else start
        if start + length > n:
            raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
        return self[(slice(None),) * d + (slice(start, start + length),)]

    def chunk(self, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
        """``chunks`` pieces (or fewer) of ⌈n/chunks⌉ along ``dim``, as ``Tensor.chunk``."""
        n = self.shape[normalize_dim(dim, self.ndim)]
        return self.split(max(-(-n // chunks), 1), dim)

    def flip(self, *dims: Any) -> Tensor:
        """The elements in reverse order along ``dims`` (a copy), as ``Tensor.flip``."""
        if len(dims) == 1 and not isinstance(dims[0], numbers.Integral):
            dims = tuple(dims[0])
        axes = normalize_axis(dims, self.ndim)
        index = tuple(slice(None, None, -1) if i in axes else slice(None) for i in range(self.ndim))
        return rename_node(self[index].clone(), "FlipBackward0")

    def sort(self, dim: int = -1, descending: bool = False, *, stable: bool = False) -> ValuesIndices:
        """The values along ``dim`` in order and their int64 indices, as ``Tensor.sort`` (stable: equal
        values keep their order)."""
        return self._ordered("sort", dim, descending, None)

    def argsort(self, dim: int = -1, descending: bool = False, *, stable: bool = False) -> Tensor:
        """The int64 indices that sort along ``dim``, as ``Tensor.argsort``."""
        return self._ordered("sort", dim, descending, None).indices

    def topk(self, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> ValuesIndices:
        """The ``k`` largest (or smallest) values along ``dim`` and their indices, as ``Tensor.topk``."""
        return self._ordered("topk", dim, largest, k)

    def _ordered(self, kind: str, dim: int, descending: bool, k: int | None) -> ValuesIndices:
        d = normalize_dim(dim, self.ndim)
        if self.ndim == 0:
            return RETURN_TYPES[kind](self * 1, self._const(np.array(0, np.int64)))
        data = self._data
        if k is not None and not 0 <= k <= data.shape[d]:
            raise RuntimeError("selected index k out of range")
        order = np.argsort(-data if descending and data.dtype.kind != "b" else data, axis=d, kind="stable")
        if descending and data.dtype.kind == "b":
            order = np.flip(np.argsort(data, axis=d, kind="stable"), d)
        if k is not None:
            order = np.take(order, np.arange(k), axis=d)
        where = list(np.ogrid[tuple(slice(n) for n in order.shape)])
        where[d] = order
        values = rename_node(self[tuple(where)], f"{kind.capitalize()}Backward0")
        return RETURN_TYPES[kind](values, self._const(order.astype(np.int64)))

    def unique(self, sorted: bool = True) -> Tensor:
        """The distinct values, in increasing order, as ``Tensor.unique``."""
        return self._const(np.unique(self._data))

    def diag(self, diagonal: int = 0) -> Tensor:
        """The diagonal of a matrix as a vector, as ``Tensor.diag`` (of a 2-D tensor)."""
        if self.ndim != 2:
            raise RuntimeError("diag(): tinygrad_edu takes the diagonal of a matrix (2-D) only")
        rows = np.arange(max(0, -diagonal), min(self.shape[0], self.shape[1] - diagonal))
        return rename_node(self[rows, rows + diagonal], "DiagonalBackward0_copy")  # torch 2.13's name

    # ------------------------------------------------------------ conversions and queries
    def half(self) -> Tensor:
        """float16, as ``Tensor.half()``."""
        return self.type(np.float16)

    def contiguous(self) -> Tensor:
        """A tensor whose elements are in row-major order in memory: itself when they are, else a copy."""
        return self if self._data.flags.c_contiguous else self.clone()  # type: ignore[return-value]

    def is_contiguous(self) -> bool:
        """Whether the elements are in row-major order in memory, as ``Tensor.is_contiguous``."""
        return bool(self._data.flags.c_contiguous)

    def element_size(self) -> int:
        """Bytes per element, as ``Tensor.element_size``."""
        return self._data.itemsize

    def new_zeros(self, *size: Any, dtype: Any = None) -> Tensor:
        """Zeros of ``size`` with this tensor's dtype (or ``dtype``), as ``Tensor.new_zeros``."""
        return self.new_full(_size_of(size), 0, dtype=dtype)

    def new_ones(self, *size: Any, dtype: Any = None) -> Tensor:
        """Ones of ``size`` with this tensor's dtype (or ``dtype``), as ``Tensor.new_ones``."""
        return self.new_full(_size_of(size), 1, dtype=dtype)

    def new_full(self, size: Any, fill_value: Any, *, dtype: Any = None) -> Tensor:
        """``fill_value`` everywhere, this tensor's dtype (or ``dtype``), as ``Tensor.new_full``."""
        return self._const(np.full(tuple(size), fill_value, dtype=np.dtype(dtype or self._data.dtype)))

    def new_tensor(self, data: Any, *, dtype: Any = None) -> Tensor:
        """``data`` as a new tensor of this tensor's dtype (or ``dtype``), as ``Tensor.new_tensor``."""
        return self._const(np.array(getattr(data, "_data", data), dtype=np.dtype(dtype or self._data.dtype)))

    # ------------------------------------------------------------ random fills (PyTorch's streams)
    def _random_fill(self, fill: Callable[[np.ndarray], Any]) -> Tensor:
        """Run ``fill`` on this tensor's memory, in place, under PyTorch's rule for leaves."""
        if self.requires_grad and is_grad_enabled() and getattr(self, "grad_fn", None) is None:
            raise RuntimeError(LEAF_INPLACE_ERROR)
        fill(self._data)
        return self  # type: ignore[return-value]

    def uniform_(self, a: float = 0.0, b: float = 1.0, *, generator: random.Generator | None = None) -> Tensor:
        """Every element drawn from U[a, b), in place, as ``Tensor.uniform_`` (`tinygrad_edu.random.uniform_`)."""
        return self._random_fill(lambda out: random.uniform_(out, a, b, generator))

    def normal_(self, mean: float = 0.0, std: float = 1.0, *, generator: random.Generator | None = None) -> Tensor:
        """Every element drawn from N(mean, std²), in place, as ``Tensor.normal_``."""
        return self._random_fill(lambda out: random.normal_(out, mean, std, generator))

    def bernoulli_(self, p: float = 0.5, *, generator: random.Generator | None = None) -> Tensor:
        """Every element 1 with probability ``p``, else 0, in place, as ``Tensor.bernoulli_``."""
        return self._random_fill(lambda out: random.bernoulli_(out, p, generator))

    def exponential_(self, lambd: float = 1.0, *, generator: random.Generator | None = None) -> Tensor:
        """Every element drawn from Exp(λ), in place, as ``Tensor.exponential_``."""
        return self._random_fill(lambda out: random.exponential_(out, lambd, generator))

    def multinomial(
        self, num_samples: int, replacement: bool = False, *, generator: random.Generator | None = None
    ) -> Tensor:
        """Indices drawn from this tensor's rows of weights, as ``torch.multinomial`` (int64)."""
        return self._const(random.multinomial(self._data, num_samples, replacement, generator))

    def bernoulli(self, *, generator: random.Generator | None = None) -> Tensor:
        """1 with each element's probability, else 0, as ``Tensor.bernoulli`` (this tensor's dtype)."""
        return self._const(random.bernoulli(self._data, generator))


def _size_of(size: tuple[Any, ...]) -> tuple[int, ...]:
    """``f(2, 3)`` and ``f((2, 3))`` both mean the shape (2, 3)."""
    return tuple(size[0]) if len(size) == 1 and isinstance(size[0], Sequence) else tuple(size)


def _keep(idx: np.ndarray, dim: int | None, ndim: int) -> np.ndarray:
    """argmax/argmin's keepdim: the reduced axis kept with length 1 (every axis when dim is None, as PyTorch)."""
    return idx.reshape((1,) * ndim) if dim is None else np.expand_dims(idx, dim)

"""`Tensor`: a numpy array that remembers how it was computed, with reverse-mode autodiff.

Every op a tensor supports is an `Op` in `tinygrad_edu.ops` (forward and backward side by side,
the math in each docstring); the methods that run one live in `tinygrad_edu.tensor_methods` and
only wrap their operands and call `apply` (here), which runs the forward and records on the output
the inputs (``_prev``) and the op that made it (``grad_fn``, None for leaves, as PyTorch).
`Tensor.backward` runs `tinygrad_edu.backprop.backprop`, the reverse topological walk that calls
each ``backward`` once.

Conventions follow PyTorch: ``.grad`` (a Tensor) is kept on leaves that require a gradient (and on
interior tensors after `retain_grad`), gradients accumulate until zeroed, ``.data`` is the same memory
outside the graph (the numpy array itself is ``_data``, which the library's own code reads), each
tensor has a version counter shared with its views (see `tinygrad_edu.tensor_inplace`), Python
numbers and lists become float32 while a float64 numpy array stays float64, and ``backward()`` on a
non-scalar needs ``grad=``.
"""

from __future__ import annotations

import numbers
import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import ops, random
from .backprop import backprop, store_grad
from .devices import check_device, device
from .dtypes import DEFAULT_DTYPE, as_dtype
from .graph import _state, _threads_with_anomaly, _threads_without_grad, check_finite, graph_rebased, next_seq
from .ops import Op, normalize_dim
from .printing import tensor_repr
from .tensor_composites import TensorComposites, ValuesIndices
from .tensor_inplace import InplaceMethods, refresh_views
from .tensor_methods import Size

__all__ = ["DEFAULT_DTYPE", "Size", "Tensor", "ValuesIndices", "apply"]


#: what a user who asks for a sparse tensor is told
SPARSE_ERROR = "sparse tensors are not supported: tinygrad_edu tensors are dense numpy arrays"


def _as_array(data: Any, dtype: Any = None) -> np.ndarray:
    """numpy arrays keep their dtype; Python numbers and lists become float32 (PyTorch's default)."""
    if isinstance(data, Tensor):
        data = data._data
    from_python = not isinstance(data, (np.ndarray, np.generic))
    try:
        arr = np.asarray(data, dtype=dtype)
    except (ValueError, TypeError) as err:
        raise TypeError(f"Tensor: cannot make a numeric tensor from {type(data).__name__}: {err}") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"Tensor: cannot make a numeric tensor from {type(data).__name__} of dtype {arr.dtype}")
    if from_python and dtype is None and arr.dtype.kind != "b":
        return arr.astype(DEFAULT_DTYPE)
    return arr


def apply(fn: Op, *inputs: Tensor) -> Tensor:
    """Run ``fn.forward`` on the inputs' arrays and record the graph when a gradient is wanted.

    The output's ``_prev`` are the inputs and its ``grad_fn`` is ``fn``, so `Tensor.backward` can
    call ``fn.backward``; numpy arrays and numbers among the inputs become constant tensors.

    >>> from tinygrad_edu.ops import Mul
    >>> a, b = Tensor([2.0], requires_grad=True), Tensor([5.0])
    >>> out = apply(Mul(), a, b)
    >>> out.grad_fn.name, out.grad_fn.needs_input_grad
    ('*', (True, False))
    """
    if graph_rebased:  # a view made before its source's graph was changed in place sees the new graph
        refresh_views(inputs)
    try:  # unrolled for one and two inputs: a list comprehension costs a function frame
        if len(inputs) == 2:
            a, b = inputs
            needs: tuple[bool, ...] = (a.requires_grad, b.requires_grad)
            arrays: Sequence[np.ndarray] = (a._data, b._data)
        elif len(inputs) == 1:
            needs, arrays = (inputs[0].requires_grad,), (inputs[0]._data,)
        else:
            needs, arrays = tuple([t.requires_grad for t in inputs]), [t._data for t in inputs]
    except AttributeError:  # a numpy array or a number: a constant (not on the hot path)
        inputs = tuple(_constant(fn, t) for t in inputs)
        needs, arrays = tuple([t.requires_grad for t in inputs]), [t._data for t in inputs]
    # grad mode is read from the thread only while some thread is in no_grad (see `graph._threads_without_grad`)
    track = True in needs and (not _threads_without_grad or _state.grad_enabled)
    fn.needs_input_grad = needs
    data = fn.forward(*arrays)
    if type(data) is not np.ndarray:  # a numpy scalar from a full reduction: a writable 0-d array
        data = np.asarray(data)
    if _threads_with_anomaly and _state.anomaly_enabled:
        check_finite(f"{fn.name} forward", (data,), inputs)
    out = object.__new__(Tensor)  # one store per field: an unpacked tuple of six builds and unpacks one (40 ns)
    out._data = data
    out._grad = None
    out.label = ""
    out._retain = False
    out._used = False
    out.requires_grad = track
    # a view (basic indexing, reshape, transpose, expand) shares its input's memory and version counter,
    # and remembers its source, its op and the source's node then, for in-place writes through it
    if fn.view and _is_view(data, inputs[0]._data):
        src = inputs[0]
        out._vc, out._vsrc = src._vc, (src, fn, src.grad_fn)
    else:
        out._vc, out._vsrc = [0], None
    if track:
        out._prev = fn.inputs = inputs
        out.grad_fn = fn
        fn.seq = next_seq()
        for t in inputs:  # an in-place change of a used tensor keeps its old node for these users
            t._used = True
        saves, kept = fn.saves, fn.kept
        if saves or kept:  # the versions backward will check (`backprop.check_saved`), in plain loops, each only
            # where it has work: inside a training step a generator or a comprehension costs three times as much,
            # and an enumerate 0.1-0.3 µs an op, even of nothing
            versions = []
            if saves:
                n, saved_for = len(inputs), fn.saved_for
                for i in saves:
                    if i < 0:
                        t = out
                    elif i < n and (not saved_for or (j := saved_for[i]) is None or needs[j]):
                        t = inputs[i]
                    else:  # an input the op did not get, or one saved only for a gradient nobody needs
                        continue
                    versions.append((i, t._vc, t._vc[0]))
            if kept:  # positions after the inputs'
                i = len(inputs)
                for t in kept:
                    versions.append((i, t._vc, t._vc[0]))
                    i += 1
            fn.saved_versions = versions
    else:
        out._prev = ()
        out.grad_fn = None
    return out


def _is_view(out: np.ndarray, a: np.ndarray) -> bool:
    """Whether ``out`` shares memory with ``a``: numpy points a view's ``base`` at the array that owns the
    memory (``a`` or ``a.base``), so the common case needs no `np.may_share_memory`."""
    base = out.base
    return base is not None and (base is a or base is a.base or np.may_share_memory(out, a))


def _constant(fn: Op, t: Any) -> Tensor:
    """A numpy array or a number given where an op takes a Tensor, as a constant Tensor."""
    if isinstance(t, Tensor):
        return t
    if isinstance(t, (np.ndarray, numbers.Number)) and not isinstance(t, bool):
        return Tensor(np.asarray(t))
    raise TypeError(f"{fn.name}: expected a Tensor (or a numpy array), got {type(t).__name__}")


class Tensor(InplaceMethods, TensorComposites):
    """An n-dimensional array node of a computation graph (numpy-backed).

    Args:
        data: array-like. Python numbers and lists become float32; numpy arrays keep their dtype.
        requires_grad: whether ``backward()`` should compute ∂L/∂(this tensor) into ``.grad``.
        dtype: overrides the dtype.
        label: a name shown in `tinygrad_edu.draw_dot` pictures.

    Example:
        >>> x = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        >>> (x * x).sum().backward()
        >>> x.grad                       # ∂Σx²/∂x = 2x
        tensor([[2., 4.],
                [6., 8.]])
    """

    __slots__ = (
        "_data", "_grad", "_hist", "_prev", "_retain", "_used", "_vc", "_vsrc", "grad_fn", "label",
        "requires_grad",
    )

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None, label: str = "") -> None:
        self._data = _as_array(data, dtype)
        if requires_grad and self._data.dtype.kind != "f":
            raise TypeError(f"Tensor: only floating-point tensors can require gradients, got {self._data.dtype}")
        self._grad: Tensor | None = None
        self._vc = [0]  # the version counter, shared with views (see `_version`)
        self._vsrc = None  # (source, op, source's node) for a view; see `tensor_inplace`
        self._used = False
        self.requires_grad = bool(requires_grad)
        self.label = label
        self._prev: tuple[Tensor, ...] = ()
        self.grad_fn: Op | None = None  # the op that made this tensor; None for leaves
        self._retain = False

    # ------------------------------------------------------------ construction
    @classmethod
    def zeros(cls, *shape: int, requires_grad: bool = False, dtype: Any = DEFAULT_DTYPE) -> Tensor:
        return cls(np.zeros(shape, dtype=dtype), requires_grad=requires_grad)

    @classmethod
    def ones(cls, *shape: int, requires_grad: bool = False, dtype: Any = DEFAULT_DTYPE) -> Tensor:
        return cls(np.ones(shape, dtype=dtype), requires_grad=requires_grad)

    @classmethod
    def randn(cls, *shape: int, requires_grad: bool = False, dtype: Any = DEFAULT_DTYPE) -> Tensor:
        """Standard normal samples with PyTorch's stream (see `tinygrad_edu.manual_seed`)."""
        return cls(random.randn(shape, dtype), requires_grad=requires_grad)

    # ------------------------------------------------------------ properties
    def size(self, dim: int | None = None) -> Size | int:
        """The shape as a `Size` (a tuple), or the length of axis ``dim``: PyTorch's ``size()``,
        not numpy's element count (that is `numel`)."""
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_dim_of(self, dim)]

    @property
    def is_leaf(self) -> bool:
        """True for a tensor no recorded op made: one created by the user, or any tensor that does
        not require a gradient (PyTorch's convention). Only leaves keep ``.grad``."""
        return self.grad_fn is None

    @staticmethod
    def _wrap(arr: np.ndarray, counter: list[int] | None = None) -> Tensor:
        """A constant tensor around ``arr`` (no copy, no checks: for arrays the library made), with
        its own version counter or the shared ``counter``."""
        t = object.__new__(Tensor)  # one store per field, as in `apply` (140 against 180 ns a call)
        t._data = arr
        t._grad = None
        t._prev = ()
        t.grad_fn = None
        t.requires_grad = False
        t.label = ""
        t._retain = False
        t._used = False
        t._vc = [0] if counter is None else counter
        t._vsrc = None
        return t

    @property
    def data(self) -> Tensor:
        """The same memory as a tensor outside the graph, as PyTorch's ``.data``: changes made through
        it change this tensor and are not seen by autograd (it has a version counter of its own).
        Assigning ``t.data = other`` makes ``t`` use ``other``'s memory (any shape, as PyTorch).

        >>> w = Tensor([1.0, 2.0], requires_grad=True)
        >>> _ = w.data.mul_(10)
        >>> w
        tensor([10., 20.], requires_grad=True)
        """
        return Tensor._wrap(self._data)

    @data.setter
    def data(self, value: Any) -> None:
        self._data = value._data if isinstance(value, Tensor) else _as_array(value)

    @property
    def _version(self) -> int:
        """How many times this tensor's memory was changed in place (PyTorch's ``_version``); views and
        `detach` share the counter, and backward refuses a saved tensor whose version moved on."""
        return self._vc[0]

    def _set_grad(self, value: Any) -> None:
        if value is None:
            self._grad = None
            return
        if isinstance(value, np.ndarray):
            value = Tensor._wrap(value)
        elif not isinstance(value, Tensor):
            raise TypeError(
                "assigned grad expected to be a Tensor, a numpy array or None "
                f"but got grad of type {type(value).__name__}"
            )
        arr = value._data
        if arr.shape != self._data.shape:
            raise RuntimeError(
                f"attempting to assign a gradient of size '{list(arr.shape)}' to a tensor of size "
                f"'{list(self._data.shape)}'. Please ensure that the gradient and the tensor are the same size"
            )
        if arr.dtype.kind != "f":
            raise RuntimeError(f"assigned grad has data of a different type: {arr.dtype}, expected a floating type")
        self._grad = value

    #: read by a C function (``attrgetter``), so ``p.grad`` costs no Python call: a training loop reads it for
    #: every parameter at every step
    grad = property(
        operator.attrgetter("_grad"),
        _set_grad,
        doc="""∂L/∂(this tensor) after ``backward()``, a Tensor (the same object until it is replaced or
        dropped), None before; assignable as PyTorch's: ``x.grad = None`` drops it, a Tensor of the
        tensor's shape replaces it.

        >>> x = Tensor([1.0, 2.0], requires_grad=True)
        >>> (x * x).sum().backward()
        >>> x.grad
        tensor([2., 4.])
        >>> _ = x.grad.zero_()
        >>> (x * 3).sum().backward()
        >>> x.grad
        tensor([3., 3.])
        """,
    )

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Switch gradient tracking on (or off) for this leaf, in place; returns the tensor."""
        if not requires_grad and self.grad_fn is not None:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a computed "
                "variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach()."
            )
        if requires_grad and self._data.dtype.kind != "f":
            raise RuntimeError(f"only Tensors of floating point dtype can require gradients, got {self.dtype}")
        self.requires_grad = bool(requires_grad)
        return self

    @property
    def _op(self) -> str:
        return self.grad_fn.name if self.grad_fn is not None else ""

    def numel(self) -> int:
        return self._data.size

    def numpy(self) -> np.ndarray:
        """The data as a numpy array (shared, not copied, as PyTorch)."""
        return self._data

    def tolist(self) -> Any:
        """The elements as (nested) Python numbers."""
        return self._data.tolist()

    def clone(self) -> Tensor:
        """A copy with its own memory that stays in the graph (∂clone/∂x = 1)."""
        return apply(ops.Clone(), self)

    def to(self, *args: Any, **kwargs: Any) -> Tensor:
        """``to(dtype)``, ``to("cpu")``, ``to(device, dtype)`` or ``to(other_tensor)``, as PyTorch's:
        the same tensor when nothing changes, else a converted one in the graph. Devices other than
        the CPU raise the error of `tinygrad_edu.device`."""
        dtype = kwargs.pop("dtype", None)
        dev = kwargs.pop("device", None)
        for key in ("non_blocking", "copy", "memory_format"):
            kwargs.pop(key, None)
        if kwargs:
            raise TypeError(f"to: unexpected arguments {sorted(kwargs)}")
        for arg in args:
            if isinstance(arg, Tensor):
                dtype = arg.dtype
            elif isinstance(arg, (str, device)):
                dev = arg
            else:
                dtype = arg
        if dev is not None:
            check_device(dev)
        return self if dtype is None else self.type(as_dtype(dtype))

    def type(self, dtype: Any) -> Tensor:
        """This tensor converted to ``dtype`` (itself if it already has it); differentiable
        between floating dtypes."""
        dtype = as_dtype(dtype)
        if dtype == self._data.dtype:
            return self
        if self.requires_grad and dtype.kind == "f":
            return apply(ops.Cast(dtype), self)
        return Tensor(self._data.astype(dtype))

    def float(self) -> Tensor:
        """float32, as ``Tensor.float()``."""
        return self.type(np.float32)

    def double(self) -> Tensor:
        """float64, as ``Tensor.double()``."""
        return self.type(np.float64)

    def long(self) -> Tensor:
        """int64, as ``Tensor.long()`` (cut off from the graph: integers have no gradient)."""
        return self.type(np.int64)

    def int(self) -> Tensor:
        """int32, as ``Tensor.int()``."""
        return self.type(np.int32)

    def bool(self) -> Tensor:
        """bool, as ``Tensor.bool()``."""
        return self.type(np.bool_)

    def cpu(self) -> Tensor:
        """Itself: every tensor lives in the CPU's memory."""
        return self

    def cuda(self, device: Any = None) -> Tensor:
        """Always an error: tinygrad_edu has no GPU backend (see `tinygrad_edu.device`)."""
        check_device("cuda")
        return self

    def to_sparse(self) -> Tensor:
        """Always an error: tinygrad_edu has dense tensors only."""
        raise NotImplementedError(SPARSE_ERROR)

    @property
    def device(self) -> Any:
        """Always ``device(type='cpu')``."""
        return device("cpu")

    def item(self) -> float:
        if self._data.size != 1:
            raise ValueError(f"item: only a one-element tensor can be converted to a number, got shape {self.shape}")
        return self._data.item()

    def detach(self) -> Tensor:
        """The same memory, cut off from the graph; it shares this tensor's version counter, so an
        in-place change through it is seen by backward (as PyTorch's)."""
        return Tensor._wrap(self._data, self._vc)

    def retain_grad(self) -> Tensor:
        """Keep ``.grad`` on this interior tensor after backward (as PyTorch's ``retain_grad``)."""
        self._retain = True
        return self

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self._data if dtype is None else self._data.astype(dtype)

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        """numpy with a tensor operand: an arithmetic operator or comparison is the tensor's own
        (``ndarray + Tensor`` is a Tensor in the graph); any other numpy function works on the array
        and gives an array (``np.abs(w.grad)``, ``np.isfinite(x)``, ``np.clip(g, -1, 1, out=g)``)."""
        pair = _OPERATOR_UFUNCS.get(ufunc.__name__)
        if pair is not None and method == "__call__" and len(inputs) == 2 and not kwargs:
            a, b = inputs
            return getattr(a, pair[0])(b) if isinstance(a, Tensor) else getattr(b, pair[1])(a)
        arrays = [x._data if isinstance(x, Tensor) else x for x in inputs]
        if "out" in kwargs:
            kwargs["out"] = tuple(o._data if isinstance(o, Tensor) else o for o in kwargs["out"])
        return getattr(ufunc, method)(*arrays, **kwargs)

    def __len__(self) -> int:
        return len(self._data)

    def __bool__(self) -> bool:
        """The truth of a one-element tensor; ambiguous (an error) for more, as PyTorch."""
        if self._data.size != 1:
            raise ValueError(
                f"the truth value of a tensor with {self._data.size} elements is ambiguous; "
                "use .any() or .all() on .data"
            )
        return bool(self._data.item())

    def __repr__(self) -> str:
        """PyTorch's layout (`tinygrad_edu.printing`): ``tensor([1., 2.], requires_grad=True)``,
        ``grad_fn=<MulBackward0>``, ``dtype=`` for dtypes other than float32, int64 and bool."""
        if self.grad_fn is not None:
            graph = [f"grad_fn=<{self.grad_fn.backward_name}>"]
        else:
            graph = ["requires_grad=True"] if self.requires_grad else []
        return tensor_repr(self._data, graph)

    # ------------------------------------------------------------ operands
    #: what the methods of `TensorMethods` run their op with
    _apply = staticmethod(apply)

    def _const(self, other: Any, dtype: np.dtype | None = None) -> Tensor:
        """Wrap a number or array operand, in ``dtype`` when given (a Python number wraps around as
        PyTorch's scalar does: ``uint8 tensor - 1`` is 255); a Python number alone takes this
        tensor's dtype when it is floating, else the default float."""
        if isinstance(other, Tensor):
            return other if dtype is None or other._data.dtype == dtype else other.type(dtype)
        if isinstance(other, numbers.Number):
            if dtype is None:
                dtype = self._data.dtype if self._data.dtype.kind == "f" else np.dtype(DEFAULT_DTYPE)
            try:
                return Tensor._wrap(np.asarray(other, dtype=dtype))
            except OverflowError:
                return Tensor._wrap(np.asarray(other).astype(dtype))
        out = Tensor(other)
        return out if dtype is None or out._data.dtype == dtype else out.type(dtype)

    # comparisons give boolean tensors without gradients, as PyTorch; with an operand that is no
    # number, array or tensor, Python asks the operand (``t == pytest.approx(1.0)``)
    def _compare(self, other: Any, op: Any) -> Any:
        try:
            other = _as_array(other)
        except TypeError:
            return NotImplemented
        return Tensor(op(self._data, other))

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return self._compare(other, operator.eq)

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return self._compare(other, operator.ne)

    def __lt__(self, other: Any) -> Tensor:
        return self._compare(other, operator.lt)

    def __le__(self, other: Any) -> Tensor:
        return self._compare(other, operator.le)

    def __gt__(self, other: Any) -> Tensor:
        return self._compare(other, operator.gt)

    def __ge__(self, other: Any) -> Tensor:
        return self._compare(other, operator.ge)

    # the named forms, as PyTorch's (pred.eq(target.view_as(pred)).sum() in its MNIST example)
    eq, ne, lt, le, gt, ge = __eq__, __ne__, __lt__, __le__, __gt__, __ge__

    __hash__ = object.__hash__

    @staticmethod
    def cat(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
        """Concatenate along an existing axis (``torch.cat``)."""
        return apply(ops.Cat(axis), *map(_to_tensor, tensors))

    @staticmethod
    def stack(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
        """Stack along a new axis (``torch.stack``)."""
        return apply(ops.Stack(axis), *map(_to_tensor, tensors))

    @staticmethod
    def where(condition: Any, a: Any, b: Any) -> Tensor:
        """Elementwise ``a`` where ``condition`` holds, else ``b`` (``torch.where``)."""
        cond = np.asarray(condition._data if isinstance(condition, Tensor) else condition, dtype=bool)
        ta = _to_tensor(a)
        return apply(ops.Where(cond), ta, ta._const(b))

    # ------------------------------------------------------------ autodiff
    def backward(
        self,
        gradient: Any = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
        inputs: Sequence[Tensor] | None = None,
        *,
        grad: Any = None,
    ) -> None:
        """Accumulate ∂self/∂leaf · gradient into ``leaf.grad`` for every leaf that requires a gradient.

        Args:
            gradient: the upstream gradient ∂L/∂self, of this tensor's shape (``grad=`` is the
                older name). May be omitted only for a one-element tensor (then it is 1).
            retain_graph: accepted for PyTorch's signature; the graph is always kept, so calling
                backward twice accumulates twice.
            create_graph: higher-order gradients are not supported (NotImplementedError).
            inputs: accumulate only into these tensors, one or a sequence (PyTorch's ``inputs=``).
        """
        if create_graph:
            raise NotImplementedError(
                "backward(create_graph=True): tinygrad_edu computes first derivatives only "
                "(gradients are numpy arrays, not graph nodes)"
            )
        if inputs is not None:
            leaves = [inputs] if isinstance(inputs, Tensor) else list(inputs)  # one tensor or several, as PyTorch's
            if not leaves:
                raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")  # PyTorch's words
            if not all(getattr(leaf, "requires_grad", False) for leaf in leaves):
                raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
            stored: set[int] = set()  # one set for all the leaves: two of them may be handed one array
            for leaf, g in zip(leaves, backprop(self, gradient if gradient is not None else grad, leaves)):
                if g is not None:
                    store_grad(leaf, g, stored)
            return
        backprop(self, gradient if gradient is not None else grad)

    def zero_grad(self) -> None:
        self._grad = None


#: numpy's ufuncs that are Tensor operators: (the method, the method with the operands swapped)
_OPERATOR_UFUNCS = {
    "add": ("__add__", "__radd__"),
    "subtract": ("__sub__", "__rsub__"),
    "multiply": ("__mul__", "__rmul__"),
    "divide": ("__truediv__", "__rtruediv__"),
    "power": ("__pow__", "__rpow__"),
    "matmul": ("__matmul__", "__rmatmul__"),
    "equal": ("__eq__", "__eq__"),
    "not_equal": ("__ne__", "__ne__"),
    "less": ("__lt__", "__gt__"),
    "less_equal": ("__le__", "__ge__"),
    "greater": ("__gt__", "__lt__"),
    "greater_equal": ("__ge__", "__le__"),
}


def _dim_of(t: Tensor, dim: int, allow_0d: bool = False) -> Any:
    """``dim`` of ``t`` as an axis of its array, with PyTorch's errors: out of range, or an axis of a 0-d tensor
    (which takes 0 and −1 where ``allow_0d``, then naming no axis: None; `size` takes none)."""
    if t.ndim == 0 and not allow_0d:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    d = normalize_dim(dim, t.ndim)
    return None if t.ndim == 0 else d


def _to_tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)

"""In-place changes of a tensor (``add_``, ``mul_``, ``zero_``, ``+=``, ``t[idx] = v``) with PyTorch's rules.

`Tensor` inherits these methods from `InplaceMethods`, a mixin below `tinygrad_edu.tensor`:

- without a graph to record (inside `no_grad`, or when nothing involved requires a gradient) the
  result is written into the tensor's memory, so every view and every holder of the tensor (an
  optimizer, a Module) sees it, and the version counter that the tensor shares with its views
  moves on; backward refuses an op whose saved tensor changed this way (`backprop.check_saved`);
- a leaf that requires a gradient, or a view of one, may not be changed outside `no_grad`
  (PyTorch's RuntimeError);
- any other tensor is *rebased*: the op is recorded with the tensor's previous value as its input,
  and the tensor becomes that op's output (``out = x @ w; out += b`` differentiates as
  ``out = x @ w + b``). The new values are written into the tensor's own memory, so its views see
  them.

Versions of a node. Graph edges point at tensors, and a rebased tensor is a new node under the
old name, so ops that used it before the change must still reach its old node. Each recorded op
gets a creation number (``Op.seq``); rebasing a used tensor keeps ``(number of the change, old
node)`` in its ``_hist``, and before a backward pass `graph.route_versions` points each edge at the
version its op saw (PyTorch's edges name a ``grad_fn``, not a tensor, which gives the same).

Views. A view (basic indexing, ``view``, ``transpose``, ...) remembers its source in ``_vsrc``.
Changing a view in the graph changes its source: the new values of the view are computed from the
old ones, written into the source's positions by an `ops.IndexPut` node (PyTorch's
``CopySlices``), and the view becomes a fresh view of the changed source. A view made before its
source was rebased is refreshed the same way when next used (`refresh_views`), so it sees the
source's new graph, as PyTorch regenerates a view's ``grad_fn``.
"""

from __future__ import annotations

import copy
import numbers
import operator
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from . import ops
from .backprop import TYPE_NAMES
from .graph import graph_rebased, is_grad_enabled, no_grad
from .tensor_methods import LEAF_INPLACE_ERROR, TensorMethods, as_index

if TYPE_CHECKING:  # for the annotations only
    from .tensor import Tensor

#: PyTorch's wording for an in-place change of a leaf that requires a gradient
#: ... and of a view of one (``w[0] = 1``, ``w[:2].add_(1)``)
VIEW_OF_LEAF_INPLACE_ERROR = "a view of a leaf Variable that requires grad is being used in an in-place operation."

def refresh_views(inputs: Sequence[Any]) -> None:
    """Give each view among ``inputs`` whose source was rebased since it was made a fresh node."""
    for t in inputs:
        if getattr(t, "_vsrc", None) is not None and _stale(t):
            t._refresh()


def _stale(t: Any) -> bool:
    """Whether the view ``t``'s source (or its source's source) has another node than when ``t`` was made."""
    src, _, src_fn = t._vsrc
    return src.grad_fn is not src_fn or (src._vsrc is not None and _stale(src))


class InplaceMethods:
    """Mixin of `Tensor`: the methods that change a tensor's own values."""

    __slots__ = ()

    # provided by Tensor
    _data: np.ndarray
    _vc: list[int]
    _used: bool
    _prev: tuple[Any, ...]
    _vsrc: tuple[Any, Any, Any] | None
    _hist: tuple[tuple[int, Any], ...]
    _apply: Callable[..., Tensor]
    grad_fn: Any
    requires_grad: bool
    _const: Callable[[Any], Tensor]
    _promote: Callable[..., tuple[Tensor, Tensor]]
    _wrap: Callable[..., Tensor]

    def _inplace(self, name: str, compute: Callable[..., Tensor], *others: Any) -> Tensor:
        """Make ``compute(self, *others)`` this tensor's value, by the rules of the module docstring."""
        operands = [self._operand(o) for o in others]
        graph = self.requires_grad
        for o in operands:
            graph = graph or o.requires_grad
        if graph and is_grad_enabled():
            return self._rebase(name, compute, operands)
        with no_grad():
            out = compute(self._wrap(self._data), *operands)
        self._check_shape(name, out)
        result = out._data
        self._check_writable(name, result.dtype)
        np.copyto(self._data, result, casting="same_kind")
        self._vc[0] += 1
        return self  # type: ignore[return-value]

    def _ufunc_inplace(self, name: str, ufunc: np.ufunc, compute: Callable[..., Tensor], other: Any) -> Tensor:
        """``self ⊙= other`` where ⊙ is the numpy ufunc ``ufunc`` (``add_``, ``sub_``, ``mul_``, ``div_``): with no
        graph to record, and ``other`` of this tensor's dtype after promotion, numpy writes straight into this
        tensor's memory (no temporary array, no op); otherwise, or where the shapes do not broadcast or the memory
        is read-only (which `_inplace` then reports), `_inplace`."""
        data = self._data
        if (  # the optimizer's p.data += -lr * p.grad, recognised in a few reads
            not self.requires_grad
            and isinstance(other, TensorMethods)
            and not other.requires_grad
            and data.dtype.kind == "f"
            and other._data.dtype == data.dtype
        ):
            b: np.ndarray | None = other._data
        else:
            operand = self._operand(other)
            if (self.requires_grad or operand.requires_grad) and is_grad_enabled():
                return self._inplace(name, compute, operand)
            a, promoted = self._promote(operand, true_divide=ufunc is np.true_divide)
            b = promoted._data if a is self and promoted._data.dtype == data.dtype else None
        if b is not None:
            try:
                ufunc(data, b, out=data)
            except ValueError:  # numpy checks shapes and writability before it writes anything
                pass
            else:
                self._vc[0] += 1
                return self  # type: ignore[return-value]
        return self._inplace(name, compute, other)

    def _operand(self, other: Any) -> Any:
        """An operand as a tensor; a Python int changing an integer tensor keeps its dtype, as
        PyTorch's ``N[i, j] += 1`` on an int64 count (other numbers follow `_const`)."""
        if isinstance(other, TensorMethods):
            return other
        if isinstance(other, numbers.Integral) and self._data.dtype.kind in "iu":
            return self._wrap(np.asarray(other, dtype=self._data.dtype))
        return self._const(other)

    def _check_writable(self, name: str, dtype: np.dtype) -> None:
        if not self._data.flags.writeable:
            raise RuntimeError(  # PyTorch's words: numpy marks expand's broadcast views read-only
                "unsupported operation: more than one element of the written-to tensor refers to a single memory "
                f"location. Please clone() the tensor before performing the operation. ({name})"
            )
        if not np.can_cast(dtype, self._data.dtype, casting="same_kind"):
            raise RuntimeError(
                f"{name}: result type {dtype} can't be cast to the desired output type {self._data.dtype}"
            )

    def _rebase(self, name: str, compute: Callable[..., Tensor], operands: list[Tensor]) -> Tensor:
        """Record ``compute(previous self, *operands)`` and make this tensor its output."""
        if self.requires_grad and self.grad_fn is None:
            raise RuntimeError(VIEW_OF_LEAF_INPLACE_ERROR if name == "setitem" else LEAF_INPLACE_ERROR)
        if self._vsrc is not None:  # a view (it shares its source's memory and version counter)
            return self._write_through(name, compute, operands)
        old = self._old_node(self._data.copy())  # the values before the change, as a node of their own
        out = compute(old, *self._operands_before(old, operands))
        self._check_shape(name, out)
        self._check_writable(name, out._data.dtype)
        np.copyto(self._data, out._data, casting="same_kind")
        self._vc[0] += 1
        fn: Any = out.grad_fn
        # an op that saved its output saved this tensor at its new version
        fn.saved_versions = [(i, self._vc, self._vc[0]) if i < 0 else (i, c, v) for i, c, v in fn.saved_versions]
        return self._become(out, old)

    def _old_node(self, data: np.ndarray, counter: list[int] | None = None) -> Tensor:
        """A new tensor object holding ``data`` in this tensor's current place in the graph (its op, inputs and
        number), with a version counter of its own or ``counter``."""
        old = self._wrap(data, counter)
        old.grad_fn, old._prev, old.requires_grad = self.grad_fn, self._prev, self.requires_grad
        return old

    def _operands_before(self, old: Tensor, operands: list[Tensor]) -> list[Tensor]:
        """The operands of this tensor's change, where this tensor itself (``h += h``) is what it was, as in
        PyTorch: ``old``'s values in its place in the graph, so the gradient reaches that; but with this tensor's
        version counter, so an op that saves it sees the change, which backward refuses as PyTorch does
        (``h *= h``)."""
        return [self._old_node(old._data, self._vc) if o is self else o for o in operands]

    def _become(self, node: Tensor, old: Tensor) -> Tensor:
        """Take ``node``'s place in the graph (keeping this tensor's memory); ops that used this tensor
        before keep ``old``, its previous node (see `graph.route_versions`)."""
        me: Tensor = self  # type: ignore[assignment]
        if me._used:
            seq = node.grad_fn.seq  # type: ignore[union-attr]  # node was made by a recorded op
            me._hist = (*(getattr(me, "_hist", None) or ()), (seq, old))
            me._used = False
        if not graph_rebased:
            graph_rebased.append(True)
        me.grad_fn, me._prev, me.requires_grad = node.grad_fn, node._prev, node.requires_grad
        return me

    def _write_through(self, name: str, compute: Callable[..., Tensor], operands: list[Tensor]) -> Tensor:
        """Change a view in the graph: its source takes the new values at the view's positions
        (PyTorch's CopySlices), and the view becomes a view of the changed source."""
        if _stale(self):
            self._refresh()
        src, vfn, _ = self._vsrc  # type: ignore[misc]  # a view (see `_rebase`)
        if src.requires_grad and src.grad_fn is None:
            raise RuntimeError(VIEW_OF_LEAF_INPLACE_ERROR)
        old = self._old_node(self._data.copy())
        value = compute(old, *self._operands_before(old, operands))
        self._check_shape(name, value)
        self._check_writable(name, value._data.dtype)
        positions = ops.view_positions(vfn, src._data.shape)
        src._rebase(name, lambda a, v: a._apply(ops.IndexPut(positions, copy_slices=True), a, v), [value])
        return self._refresh(old)

    def _refresh(self, old: Tensor | None = None) -> Tensor:
        """Make this view a fresh node: its op applied again to its source's current node."""
        me: Tensor = self  # type: ignore[assignment]
        src, vfn, _ = me._vsrc  # type: ignore[misc]  # only views are refreshed
        fresh = self._apply(copy.copy(vfn), src)
        me._vsrc = fresh._vsrc
        if fresh.grad_fn is None:  # the source has no graph
            return self  # type: ignore[return-value]
        fresh.grad_fn.backward_name = "AsStridedBackward0"  # PyTorch's name for a regenerated view's node
        return self._become(fresh, self._old_node(self._data) if old is None else old)

    def _check_shape(self, name: str, out: Tensor) -> None:
        if out._data.shape != self._data.shape:
            raise RuntimeError(
                f"{name}: output with shape {list(self._data.shape)} doesn't match the broadcast shape "
                f"{list(out._data.shape)}"
            )

    def __setitem__(self, idx: Any, value: Any) -> None:
        """``t[idx] = value`` as PyTorch's: ints, slices, lists, ranges, None, Ellipsis, integer and boolean
        index tensors; ``value`` broadcast to the indexed part and cast to this tensor's dtype. In a
        graph, ∂/∂t is G with the written positions set to 0 and ∂/∂value is G at those positions.

        >>> from tinygrad_edu import Tensor
        >>> N = Tensor.zeros(2, 3)
        >>> N[[0, 1, 1], [2, 0, 0]] = 5.0
        >>> N[0, 1] += 1
        >>> N
        tensor([[0., 1., 5.],
                [5., 0., 0.]])
        """
        idx, kept = as_index(idx)
        idx = ops.normalize_index(idx)
        v: Any
        if not isinstance(value, TensorMethods):  # a number (or a list) takes this tensor's dtype
            v = self._wrap(np.asarray(value, dtype=self._data.dtype))
        else:
            v = value
            if v._data.dtype != self._data.dtype and not ops.is_basic_index(idx):
                names = [TYPE_NAMES.get(a.dtype.name, a.dtype.name)[: -len("Tensor")] for a in (self._data, v._data)]
                raise RuntimeError(
                    f"Index put requires the source and destination dtypes match, got {names[0]} for the "
                    f"destination and {names[1]} for the source."
                )
        if is_grad_enabled() and (self.requires_grad or v.requires_grad):
            self._rebase("setitem", lambda a, b: a._apply(ops.IndexPut(idx, kept=kept), a, b), [v])
            return
        target = ops.index(self._data, idx)
        v_data = ops.fit_value(target, idx, v._data)
        self._check_writable("setitem", self._data.dtype)
        self._data[idx] = v_data
        self._vc[0] += 1

    def add_(self, other: Any, alpha: float = 1) -> Tensor:
        """self += alpha·other, in place."""
        if alpha == 1:
            return self._ufunc_inplace("add_", np.add, operator.add, other)
        return self._inplace("add_", lambda a, b: a + alpha * b, other)

    def sub_(self, other: Any, alpha: float = 1) -> Tensor:
        """self −= alpha·other, in place."""
        if alpha == 1:
            return self._ufunc_inplace("sub_", np.subtract, operator.sub, other)
        return self._inplace("sub_", lambda a, b: a - alpha * b, other)

    def mul_(self, other: Any) -> Tensor:
        """self ·= other, in place."""
        return self._ufunc_inplace("mul_", np.multiply, operator.mul, other)

    def div_(self, other: Any) -> Tensor:
        """self /= other, in place."""
        return self._ufunc_inplace("div_", np.true_divide, operator.truediv, other)

    def clamp_(self, min: float | None = None, max: float | None = None) -> Tensor:
        """Each element limited to [min, max], in place."""
        return self._inplace("clamp_", lambda a: a.clip(min, max))

    clip_ = clamp_

    def copy_(self, src: Any) -> Tensor:
        """Copy ``src`` (broadcast to this shape) into this tensor, keeping this tensor's dtype."""
        return self._inplace("copy_", lambda a, b: a.where(np.zeros(a.shape, dtype=bool), a, b), src)

    def fill_(self, value: float) -> Tensor:
        """Every element set to ``value``, in place (in a graph, ∂/∂self = 0)."""
        return self._inplace(
            "fill_", lambda a: a.where(np.ones(a.shape, dtype=bool), a._wrap(np.full(a.shape, value, a.dtype)), a)
        )

    def zero_(self) -> Tensor:
        """Every element set to 0, in place."""
        return self.fill_(0)

    def __iadd__(self, other: Any) -> Tensor:
        return self._ufunc_inplace("add_", np.add, operator.add, other)

    __isub__ = sub_
    __imul__ = mul_
    __itruediv__ = div_

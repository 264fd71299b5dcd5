"""PyTorch's ``torch.autograd`` surface: custom `Function`, `grad`, `gradcheck`, and the grad modes.

The graph core itself (the topological walk, grad and anomaly modes) is `tinygrad_edu.graph`, the
bottom floor that `Value` and `Tensor` share; this module sits on top of `Tensor` and re-exports the
modes under PyTorch's path (``torch.autograd.no_grad``, ``torch.autograd.detect_anomaly``, ...).
A custom `Function`'s graph node is an ordinary op node (`tinygrad_edu.ops.Op`), run by the same
`tinygrad_edu.tensor.apply` as the built-in ops, as PyTorch's ``BackwardCFunction`` is an ordinary
engine node.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from .backprop import backprop
from .gradcheck import gradcheck as _gradcheck
from .graph import (
    AnomalyError,
    detect_anomaly,
    enable_grad,
    is_anomaly_enabled,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from .ops import Op
from .tensor import Tensor, apply

__all__ = [
    "AnomalyError",
    "Function",
    "FunctionCtx",
    "detect_anomaly",
    "enable_grad",
    "grad",
    "gradcheck",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "no_grad",
    "set_grad_enabled",
]


# ----------------------------------------------------------------------------- user-defined ops
class FunctionCtx:
    """What a custom `Function`'s ``forward`` and ``backward`` share (PyTorch's ``ctx``)."""

    saved_tensors: tuple[Any, ...] = ()

    def save_for_backward(self, *tensors: Any) -> None:
        """Keep tensors that ``backward`` needs; it reads them back as ``ctx.saved_tensors``."""
        self.saved_tensors = tensors


class Function:
    """Base class for an op written by the user, as ``torch.autograd.Function``.

    Subclass it with two static methods, ``forward(ctx, *args)`` (the value, computed from tensors
    with no graph recorded) and ``backward(ctx, grad_output)`` (one gradient per argument of
    ``forward``, None for those that need none), and call it as ``MyOp.apply(*args)``. It runs
    through the same `tinygrad_edu.tensor.apply` as the built-in ops, so `gradcheck` checks it
    and `draw_dot` draws it.

    >>> from tinygrad_edu import Tensor, gradcheck
    >>> class Cube(Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x**3
    ...     @staticmethod
    ...     def backward(ctx, grad_output):
    ...         (x,) = ctx.saved_tensors
    ...         return grad_output * 3 * x**2          # d(x³)/dx = 3x²
    >>> x = Tensor([1.0, 2.0], requires_grad=True)
    >>> y = Cube.apply(x)
    >>> y.sum().backward(); y, x.grad
    (tensor([1., 8.], grad_fn=<CubeBackward>), tensor([ 3., 12.]))
    >>> gradcheck(Cube.apply, [Tensor([0.5, -1.5], dtype="float64", requires_grad=True)])
    True
    """

    @staticmethod
    def forward(ctx: FunctionCtx, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("a custom Function must define forward(ctx, *args) as a @staticmethod")

    @staticmethod
    def backward(ctx: FunctionCtx, *grad_outputs: Any) -> Any:
        raise NotImplementedError("a custom Function must define backward(ctx, grad_output) as a @staticmethod")

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run ``forward`` and, when an input requires a gradient, record a graph node whose
        backward calls this class's ``backward``."""
        args, kwargs = _as_positional(cls, args, kwargs)
        inputs = tuple(a for a in args if isinstance(a, Tensor))
        return apply(_CustomNode(cls, args, kwargs), *inputs)


def _as_positional(cls: type[Function], args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[tuple, dict]:
    """Keyword arguments of ``forward``'s named parameters become positional, as PyTorch binds them:
    they are inputs like the others (a tensor among them gets a gradient from ``backward``'s matching
    return value). Only a ``**kwargs`` parameter of ``forward`` keeps keywords."""
    if not kwargs:
        return args, kwargs
    params = list(inspect.signature(cls.forward).parameters.values())[1:]  # after ctx
    named = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    out, rest = list(args), dict(kwargs)
    for name in named[len(args) :]:
        if not rest or all(k not in named for k in rest):
            break
        if name not in rest:
            raise TypeError(f"{cls.__name__}.forward() missing required argument: {name!r} (position {len(out)})")
        out.append(rest.pop(name))
    if rest and not any(p.kind == p.VAR_KEYWORD for p in params):
        raise TypeError(f"{cls.__name__}.forward() got an unexpected keyword argument {next(iter(rest))!r}")
    return tuple(out), rest


class _CustomNode(Op, FunctionCtx):
    """The graph node of one call of a custom `Function`; it is also that call's ``ctx``."""

    def __init__(self, op: type[Function], args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        self.op, self.args, self.kwargs = op, args, kwargs
        self.name = op.__name__
        self.backward_name = f"{self.name}Backward"  # PyTorch's grad_fn name for a custom Function
        self._needs: tuple[bool, ...] = ()

    @property
    def needs_input_grad(self) -> tuple[bool, ...]:
        """One flag per argument of ``forward`` (False for arguments that are not tensors)."""
        flags = iter(self._needs)
        return tuple(next(flags) if _is_tensor(a) else False for a in self.args)

    @needs_input_grad.setter
    def needs_input_grad(self, needs: tuple[bool, ...]) -> None:
        self._needs = needs

    def forward(self, *arrays: Any) -> Any:
        given = iter(arrays)
        args = [Tensor(next(given)) if _is_tensor(a) else a for a in self.args]
        with no_grad():
            out = self.op.forward(self, *args, **self.kwargs)
        if isinstance(out, tuple):
            raise NotImplementedError(f"{self.name}.forward: returning several outputs is not supported")
        return out._data if isinstance(out, Tensor) else np.asarray(out)

    def backward(self, g: Any) -> tuple[Any, ...]:
        with no_grad():
            grads = self.op.backward(self, Tensor(g))
        grads = grads if isinstance(grads, tuple) else (grads,)
        if len(grads) != len(self.args):
            raise RuntimeError(
                f"function {self.name}Backward returned an incorrect number of gradients "
                f"(expected {len(self.args)}, got {len(grads)})"
            )
        out = []
        for arg, gr in zip(self.args, grads):
            if not _is_tensor(arg):
                continue
            arr = None if gr is None else np.asarray(gr._data if isinstance(gr, Tensor) else gr)
            if arr is not None and arr.shape != arg.shape:
                raise RuntimeError(
                    f"function {self.name}Backward returned an invalid gradient: got shape {arr.shape}, "
                    f"expected {arg.shape}"
                )
            out.append(arr)
        return tuple(out)


def _is_tensor(obj: Any) -> bool:
    return isinstance(obj, Tensor)


def grad(
    outputs: Any,
    inputs: Any,
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool | None = None,
) -> tuple[Any, ...]:
    """∂outputs/∂inputs (times ``grad_outputs``) as a tuple of tensors, leaving every ``.grad``
    untouched, as ``torch.autograd.grad``.

    >>> from tinygrad_edu import Tensor
    >>> x = Tensor([1.0, 2.0], requires_grad=True)
    >>> grad((x**2).sum(), x)                   # d(Σx²)/dx = 2x
    (tensor([2., 4.]),)
    >>> x.grad is None
    True
    """
    if create_graph:
        raise NotImplementedError(
            "autograd.grad(create_graph=True): tinygrad_edu computes first derivatives only "
            "(each op's backward computes its gradients with numpy, recording no graph of its own), so "
            "gradients of gradients are not available"
        )
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs]
    else:
        grad_outputs = list(grad_outputs)
    _check_grad_arguments(outputs, inputs, grad_outputs)
    total: list[Any] = [None] * len(inputs)
    for out, g in zip(outputs, grad_outputs):  # each output's gradients add up, as the chain rule's sum
        for k, gk in enumerate(backprop(out, g, inputs)):
            if gk is not None:
                total[k] = gk if total[k] is None else total[k] + gk
    if not allow_unused and any(g is None for g in total):
        raise RuntimeError(
            "One of the differentiated Tensors appears to not have been used in the graph. "
            "Set allow_unused=True if this is the desired behavior."
        )
    return tuple(None if g is None else Tensor(g.astype(t.dtype, copy=False)) for g, t in zip(total, inputs))


def _check_grad_arguments(outputs: list[Any], inputs: list[Any], grad_outputs: list[Any]) -> None:
    """`grad`'s argument checks, with PyTorch's messages, before any backward pass runs."""
    if not inputs:
        raise RuntimeError("`inputs` argument to `grad()` cannot be empty.")
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(f"got {len(outputs)} tensors and {len(grad_outputs)} gradients")
    for k, t in enumerate(inputs):
        if not isinstance(t, Tensor):
            raise TypeError(f"grad: inputs[{k}] must be a Tensor, got {type(t).__name__}")
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    for k, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if not isinstance(out, Tensor):
            raise TypeError(f"grad: outputs[{k}] must be a Tensor, got {type(out).__name__}")
        if not out.requires_grad:
            raise RuntimeError(f"element {k} of tensors does not require grad and does not have a grad_fn")
        if g is None and out.numel() != 1:
            raise RuntimeError("grad can be implicitly created only for scalar outputs")
        shape = None if g is None else np.shape(g._data if isinstance(g, Tensor) else g)
        if shape is not None and shape != out.shape:
            raise RuntimeError(
                f"Mismatch in shape: grad_output[{k}] has a shape of torch.Size({list(shape)}) and "
                f"output[{k}] has a shape of torch.Size({list(out.shape)})."
            )


def gradcheck(fn: Callable[..., Any], inputs: Any, *args: Any, **kwargs: Any) -> bool:
    """`tinygrad_edu.gradcheck` under PyTorch's path ``torch.autograd.gradcheck``."""
    return _gradcheck(fn, inputs, *args, **kwargs)

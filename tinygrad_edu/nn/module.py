"""`Module`: the base of every model, scalar (`Neuron`, `MLP`) or tensor (`Linear`, `Sequential`).

A module's parameters are found by walking its attributes in the order they were assigned:
a trainable node (a `Value`, or a `Tensor` with ``requires_grad=True``) is a parameter, a `Module`
is searched recursively, and lists or tuples of either are searched item by item. So, as in
PyTorch, assigning ``self.fc = Linear(3, 4)`` in ``__init__`` is all it takes to register it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..engine import Value


def is_parameter(obj: Any) -> bool:
    """True for a trainable leaf: a `Value`, or any node with ``requires_grad=True``."""
    return isinstance(obj, Value) or getattr(obj, "requires_grad", False) is True


class Module:
    """Base class: parameter discovery, gradients, train/eval mode, call → forward."""

    training: bool = True

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    # ------------------------------------------------------------ structure
    def _members(self) -> Iterator[tuple[str, Any]]:
        """(name, object) for attributes that can hold parameters or modules, lists flattened."""
        stack = [(name, obj) for name, obj in reversed(vars(self).items())]
        while stack:
            name, obj = stack.pop()
            if isinstance(obj, (list, tuple)):
                stack.extend((f"{name}.{i}", item) for i, item in reversed(list(enumerate(obj))))
            else:
                yield name, obj

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """Direct sub-modules with their attribute names (``"layers.0"`` for list items)."""
        for name, obj in self._members():
            if isinstance(obj, Module):
                yield name, obj

    def children(self) -> Iterator[Module]:
        for _, child in self.named_children():
            yield child

    def modules(self) -> Iterator[Module]:
        """This module and every module inside it, depth first."""
        yield self
        for child in self.children():
            yield from child.modules()

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Any]]:
        """(dotted name, parameter) pairs, each shared parameter once, in definition order."""
        seen: set[int] = set()
        stack: list[tuple[str, Module]] = [(prefix, self)]
        while stack:
            base, module = stack.pop()
            children = []
            for name, obj in module._members():
                full = f"{base}.{name}" if base else name
                if isinstance(obj, Module):
                    children.append((full, obj))
                elif is_parameter(obj) and id(obj) not in seen:
                    seen.add(id(obj))
                    yield full, obj
            stack.extend(reversed(children))

    def parameters(self) -> list[Any]:
        """Every trainable parameter, each once, in definition order."""
        return [p for _, p in self.named_parameters()]

    def num_params(self) -> int:
        """Total number of trainable scalars."""
        return sum(p.numel() for p in self.parameters())

    # ------------------------------------------------------------ training helpers
    def zero_grad(self) -> None:
        """Reset every parameter's gradient (0.0 for a `Value`, None for a `Tensor`, as PyTorch)."""
        for p in self.parameters():
            p.grad = 0.0 if isinstance(p, Value) else None

    def train(self, mode: bool = True) -> Module:
        """Set training mode (Dropout drops, BatchNorm uses batch statistics) here and below."""
        for m in self.modules():
            m.training = mode
        return self

    def eval(self) -> Module:
        """Set evaluation mode: ``train(False)``."""
        return self.train(False)

"""`Module`: the base of every model, scalar (`Neuron`, `MLP`) or tensor (`Linear`, `Sequential`).

A module's parameters are found by walking its attributes in the order they were assigned:
a trainable node (a `Value`, or a `Tensor` with ``requires_grad=True``) is a parameter, a `Module`
is searched recursively, and lists or tuples of either are searched item by item. So, as in
PyTorch, assigning ``self.fc = Linear(3, 4)`` in ``__init__`` is all it takes to register it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

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

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """This module and every module inside it, depth first, with dotted names."""
        yield prefix, self
        for name, child in self.named_children():
            yield from child.named_modules(f"{prefix}.{name}" if prefix else name)

    def modules(self) -> Iterator[Module]:
        for _, module in self.named_modules():
            yield module

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Any]]:
        """(dotted name, parameter) pairs, each shared parameter once: as PyTorch, a module's own
        parameters in definition order, then those of each child."""
        seen: set[int] = set()
        for base, module in self.named_modules(prefix):
            for name, obj in module._members():
                if not isinstance(obj, Module) and is_parameter(obj) and id(obj) not in seen:
                    seen.add(id(obj))
                    yield (f"{base}.{name}" if base else name), obj

    def parameters(self) -> list[Any]:
        """Every trainable parameter, each once, in definition order."""
        return [p for _, p in self.named_parameters()]

    def num_params(self) -> int:
        """Total number of trainable scalars."""
        return sum(p.numel() for p in self.parameters())

    # ------------------------------------------------------------ buffers and state
    def register_buffer(self, name: str, value: Any) -> None:
        """Keep a tensor that is state but not a parameter (BatchNorm's running statistics): it is
        saved in `state_dict` and never handed to an optimizer."""
        from ..tensor import Tensor

        names = self.__dict__.setdefault("_buffer_names", [])
        if name not in names:
            names.append(name)
        setattr(self, name, value if isinstance(value, Tensor) else Tensor(np.asarray(value)))

    def named_buffers(self, prefix: str = "") -> Iterator[tuple[str, Any]]:
        for base, module in self.named_modules(prefix):
            for name in module.__dict__.get("_buffer_names", ()):
                yield (f"{base}.{name}" if base else name), getattr(module, name)

    def state_dict(self) -> dict[str, np.ndarray]:
        """Every parameter and buffer by dotted name, as numpy copies (parameters first)."""
        state = {name: np.array(p.data) for name, p in self.named_parameters()}
        state.update((name, np.array(b.data)) for name, b in self.named_buffers())
        return state

    def load_state_dict(self, state: dict[str, Any], strict: bool = True) -> None:
        """Copy values into the parameters and buffers of the same names, as PyTorch.

        With ``strict`` every key must match both ways; a shape mismatch is always an error.
        Raises:
            RuntimeError: listing missing keys, unexpected keys and "size mismatch for KEY".
        """
        targets = dict(self.named_parameters())
        targets.update(self.named_buffers())
        errors = []
        missing = [k for k in targets if k not in state]
        unexpected = [k for k in state if k not in targets]
        if strict and missing:
            errors.append("Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing))
        if strict and unexpected:
            errors.append("Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in unexpected))
        values = {}
        for key, target in targets.items():
            if key not in state:
                continue
            value = np.asarray(state[key])
            shape = np.shape(target.data)
            if value.shape != shape:
                errors.append(
                    f"size mismatch for {key}: copying a param with shape {value.shape} from checkpoint, "
                    f"the shape in current model is {shape}."
                )
            elif value.dtype.kind not in "biuf":
                errors.append(f"{key}: expected numbers, got dtype {value.dtype}")
            else:
                values[key] = value
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t" + "\n\t".join(errors))
        for key, value in values.items():
            target = targets[key]
            if isinstance(target, Value):
                target.data = float(value)
            else:
                target.data[...] = value

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

"""`Module`: the base of every model, scalar (`Neuron`, `MLP`) or tensor (`Linear`, `Sequential`).

A module's parameters are found by walking its attributes in the order they were assigned:
a trainable node (a `Value`, a `Parameter`, or a `Tensor` with ``requires_grad=True``) is a
parameter, a `Module` is a child searched recursively, and lists or tuples of either are searched
item by item. So, as in PyTorch, assigning ``self.fc = Linear(3, 4)`` in ``__init__`` is all it
takes to register it, and no ``super().__init__()`` call is needed (one is harmless).

Names, order and layout follow PyTorch (https://pytorch.org/docs/stable/generated/torch.nn.Module.html):
``named_parameters`` gives a module's own parameters in definition order, then each child's under
its dotted name (``"0.weight"``, ``"encoder.fc.bias"``); ``state_dict`` holds, module by module,
its parameters then its buffers, and the same keys load into the equivalent ``torch.nn`` model.
A module that names its own parameters (a class that overrides `named_parameters`) is treated as
one leaf whose insides are not walked.

The walk is done once and kept: ``parameters()``, ``named_parameters()``, ``named_modules()``,
``zero_grad()`` and ``state_dict()`` reuse it (micrograd's demo calls ``parameters()`` twice a step)
until the structure may have changed. What can change it, and how each is noticed:

- assigning or deleting an attribute of any module (``__setattr__``/``__delattr__`` bump one
  global version number; an assignment of a number or bool over a number or bool does not);
- changing a list that a module holds in place (``self.w.append(Value(0.0))``, ``seq[0] = ...``,
  ``ModuleList.append``): each list the walk went through is kept with the identities of its items
  and compared when the walk is reused;
- switching ``requires_grad`` of a plain tensor attribute (which makes it a parameter or not): the
  walk keeps each such tensor's flag and checks it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import chain
from operator import is_
from typing import Any, NamedTuple

import numpy as np

from ..devices import check_device, device
from ..dtypes import DTYPES, as_dtype
from ..engine import Value
from ..tensor import Tensor
from .parameter import Parameter

#: Bumped whenever a module attribute that may hold parameters or modules is set or deleted; a kept
#: walk made under an older version is done again.
_structure_version = 0
_NUMBERS = (bool, int, float, type(None))


def _structure_changed() -> None:
    global _structure_version
    _structure_version += 1


def _lists_inside(obj: Any, found: list[list]) -> None:
    """Append each list in ``obj``'s nesting of lists and tuples to ``found``."""
    if isinstance(obj, list):
        found.append(obj)
    for item in obj:
        if isinstance(item, (list, tuple)):
            _lists_inside(item, found)


class _Walk:
    """One walk of a module tree, valid while nothing it depended on has changed (see the module doc).

    ``modules`` is ``named_modules()``; ``named`` is ``named_parameters()`` and ``params`` the same
    without names (split into ``values`` and ``tensors`` for ``zero_grad``); `state_items` gives the
    (key, tensor) list behind ``state_dict()``, made when first asked.
    """

    __slots__ = (
        "flags", "items", "lengths", "lists", "modules", "named", "params", "state", "tensors", "values", "version"
    )  # fmt: skip

    def __init__(self, root: Module) -> None:
        self.version = _structure_version  # read first: a change during the walk makes it stale
        self.state: list[tuple[str, Any]] | None = None
        self.modules = list(root._named_modules_walk(set(), ""))
        self.named = list(root._named_parameters_walk(self.modules))
        self.params = [p for _, p in self.named]
        self.values = [p for p in self.params if isinstance(p, Value)]  # zero_grad's two kinds
        self.tensors = [p for p in self.params if not isinstance(p, Value)]
        self.lists: list[list] = []
        self.flags: list[tuple[Any, bool]] = []
        for _, module in self.modules:
            _lists_inside(vars(module).values(), self.lists)
            for _, obj in module._members():
                if not isinstance(obj, (Module, Value)) and hasattr(obj, "requires_grad"):
                    self.flags.append((obj, is_parameter(obj)))
        # every list's length and all their items in one row (which also keeps the items alive)
        self.lengths = list(map(len, self.lists))
        self.items = list(chain.from_iterable(self.lists))

    def valid(self) -> bool:
        """True while the structure is as it was when walked (checked in C loops: this runs on
        every ``parameters()`` call)."""
        return (
            self.version == _structure_version
            and list(map(len, self.lists)) == self.lengths
            and all(map(is_, chain.from_iterable(self.lists), self.items))
            and all(is_parameter(obj) is flag for obj, flag in self.flags)
        )

    def state_items(self, root: Module) -> list[tuple[str, Any]]:
        """(key, tensor) in `Module.state_dict`'s order (call only while `valid`)."""
        if self.state is None:
            self.state = list(root._state_items())
        return self.state


def is_parameter(obj: Any) -> bool:
    """True for a trainable leaf: a `Value`, a `Parameter`, or any node with ``requires_grad=True``."""
    return isinstance(obj, (Value, Parameter)) or getattr(obj, "requires_grad", False) is True


class IncompatibleKeys(NamedTuple):
    """What `Module.load_state_dict` returns, as PyTorch: the keys it did not find either way."""

    missing_keys: list[str]
    unexpected_keys: list[str]


def _addindent(text: str, spaces: int) -> str:
    """Indent every line but the first (PyTorch's layout for a child's repr inside its parent's)."""
    first, *rest = text.split("\n")
    return "\n".join([first] + [" " * spaces + line for line in rest])


class Module:
    """Base class: parameter discovery, state_dict, train/eval mode, printing, call → forward."""

    __slots__ = ("__dict__", "__weakref__", "_walk")  # the kept walk lives outside vars(self)
    training: bool = True

    def __init__(self) -> None:
        """Nothing to set up: parameters and children are found from the attributes themselves."""

    def __setattr__(self, name: str, value: Any) -> None:
        old = self.__dict__.get(name)
        object.__setattr__(self, name, value)
        if not (isinstance(value, _NUMBERS) and isinstance(old, _NUMBERS)):
            _structure_changed()

    def __delattr__(self, name: str) -> None:
        object.__delattr__(self, name)
        _structure_changed()

    def _kept_walk(self) -> _Walk:
        """The walk of this module tree, done again only when the structure may have changed."""
        walk = getattr(self, "_walk", None)
        if walk is None or not walk.valid():
            walk = _Walk(self)
            object.__setattr__(self, "_walk", walk)
        return walk

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

    def _names_own_parameters(self) -> bool:
        """True for a class that overrides `named_parameters` (then it is one leaf, see the module doc)."""
        return type(self).named_parameters is not Module.named_parameters

    def _own_parameters(self) -> Iterator[tuple[str, Any]]:
        """This module's own parameters (not its children's), by attribute name."""
        if self._names_own_parameters():
            yield from self.named_parameters()
            return
        for name, obj in self._members():
            if not isinstance(obj, Module) and is_parameter(obj):
                yield name, obj

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """Direct sub-modules with their attribute names (``"layers.0"`` for list items)."""
        if self._names_own_parameters():
            return
        for name, obj in self._members():
            if isinstance(obj, Module):
                yield name, obj

    def children(self) -> Iterator[Module]:
        """Direct sub-modules."""
        for _, child in self.named_children():
            yield child

    def named_modules(self, memo: set[int] | None = None, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """This module and every module inside it, depth first, with dotted names; a module used
        twice is listed once (under its first name), as PyTorch."""
        if memo is not None:
            return self._named_modules_walk(memo, prefix)
        pairs = self._kept_walk().modules
        if not prefix:
            return iter(pairs)
        return ((f"{prefix}.{name}" if name else prefix, m) for name, m in pairs)

    def _named_modules_walk(self, memo: set[int], prefix: str) -> Iterator[tuple[str, Module]]:
        if id(self) in memo:
            return
        memo.add(id(self))
        yield prefix, self
        for name, child in self.named_children():
            yield from child._named_modules_walk(memo, f"{prefix}.{name}" if prefix else name)

    def modules(self) -> Iterator[Module]:
        """This module and every module inside it."""
        for _, module in self.named_modules():
            yield module

    def named_parameters(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Any]]:
        """(dotted name, parameter) pairs, each shared parameter once: as PyTorch, a module's own
        parameters in definition order, then those of each child."""
        if not recurse:
            return self._named_parameters_walk([(prefix, self)])
        pairs = self._kept_walk().named
        if not prefix:
            return iter(pairs)
        return ((f"{prefix}.{name}", p) for name, p in pairs)

    @staticmethod
    def _named_parameters_walk(modules: list[tuple[str, Module]]) -> Iterator[tuple[str, Any]]:
        seen: set[int] = set()
        for base, module in modules:
            for name, p in module._own_parameters():
                if id(p) not in seen:
                    seen.add(id(p))
                    yield (f"{base}.{name}" if base else name), p

    def parameters(self, recurse: bool = True) -> list[Any]:
        """Every trainable parameter, each once, in definition order."""
        if recurse:
            return list(self._kept_walk().params)
        return [p for _, p in Module.named_parameters(self, recurse=False)]

    def num_params(self) -> int:
        """Total number of trainable scalars."""
        return sum(p.numel() for p in self.parameters())

    def register_parameter(self, name: str, param: Any) -> None:
        """Add ``param`` (a `Parameter`, or None for "no such parameter") under ``name``."""
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter: {name!r} must be a Parameter or None, got {type(param).__name__}")
        setattr(self, name, param)

    def add_module(self, name: str, module: Module | None) -> None:
        """Add a child module under ``name`` (as assigning the attribute does)."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: {name!r} must be a Module or None, got {type(module).__name__}")
        setattr(self, name, module)

    register_module = add_module

    def get_submodule(self, target: str) -> Module:
        """The module at the dotted path ``target`` (``""`` is this module)."""
        modules = dict(self.named_modules())
        if target not in modules:
            raise AttributeError(f"{type(self).__name__} has no submodule {target!r}; it has {sorted(modules)}")
        return modules[target]

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call ``fn`` on every child (recursively) and then on this module, as PyTorch; return self.

        The usual use is initialisation: ``model.apply(lambda m: isinstance(m, nn.Linear) and ...)``.
        """
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # ------------------------------------------------------------ buffers and state
    def register_buffer(self, name: str, value: Any, persistent: bool = True) -> None:
        """Keep a tensor that is state but not a parameter (BatchNorm's running statistics): it is
        saved in `state_dict` (unless ``persistent=False``) and never handed to an optimizer."""
        if value is None:
            setattr(self, name, None)
            return
        key = "_buffer_names" if persistent else "_nonpersistent_buffer_names"
        names = self.__dict__.setdefault(key, [])
        if name not in names:
            names.append(name)
        setattr(self, name, value if isinstance(value, Tensor) else Tensor(np.asarray(value)))

    def _own_buffers(self, persistent_only: bool = False) -> Iterator[tuple[str, Any]]:
        keys = ("_buffer_names",) if persistent_only else ("_buffer_names", "_nonpersistent_buffer_names")
        for key in keys:
            for name in self.__dict__.get(key, ()):
                if getattr(self, name, None) is not None:
                    yield name, getattr(self, name)

    def named_buffers(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Any]]:
        """(dotted name, buffer) pairs, module by module."""
        modules = self.named_modules(prefix=prefix) if recurse else iter([(prefix, self)])
        for base, module in modules:
            for name, b in module._own_buffers():
                yield (f"{base}.{name}" if base else name), b

    def buffers(self, recurse: bool = True) -> Iterator[Any]:
        """Every buffer."""
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def _state_items(self, prefix: str = "") -> Iterator[tuple[str, Any]]:
        """(key, tensor) in PyTorch's state_dict order: per module, parameters then persistent
        buffers, then each child's; a module used twice appears under both names, as PyTorch."""
        for name, p in self._own_parameters():
            yield prefix + name, p
        for name, b in self._own_buffers(persistent_only=True):
            yield prefix + name, b
        for name, child in self.named_children():
            yield from child._state_items(f"{prefix}{name}.")

    def state_dict(self) -> dict[str, np.ndarray]:
        """Every parameter and persistent buffer by dotted name, as numpy copies, in PyTorch's
        order and with PyTorch's keys (``torch.from_numpy`` each value to load it into torch)."""
        return {key: np.array(t.data) for key, t in self._kept_walk().state_items(self)}

    def load_state_dict(self, state: dict[str, Any], strict: bool = True) -> IncompatibleKeys:
        """Copy values into the parameters and buffers of the same names, as PyTorch.

        Values may be numpy arrays, Tensors or ``torch`` tensors; each is cast to the dtype of the
        tensor it goes into. With ``strict`` every key must match both ways; a shape mismatch is
        always an error, and nothing is copied unless everything can be.

        Returns:
            ``(missing_keys, unexpected_keys)``, as PyTorch.
        Raises:
            RuntimeError: listing missing keys, unexpected keys and "size mismatch for KEY".
        """
        targets = dict(self._kept_walk().state_items(self))
        errors = []
        missing = [k for k in targets if k not in state]
        unexpected = [k for k in state if k not in targets]
        if strict and unexpected:
            errors.append("Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in unexpected))
        if strict and missing:
            errors.append("Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing))
        values = {}
        for key, target in targets.items():
            if key not in state:
                continue
            value = np.asarray(state[key])
            shape = np.shape(target.data if isinstance(target, Value) else target._data)
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
                target._data[...] = value
        return IncompatibleKeys(missing, unexpected)

    # ------------------------------------------------------------ dtype and device
    def to(self, *args: Any, **kwargs: Any) -> Module:
        """Convert floating-point parameters and buffers to a dtype, in place; return self.

        Accepts ``to("cpu")``, ``to(device("cpu"))``, ``to(float64)``, ``to("cpu", float64)``,
        ``to(dtype=..., device=...)`` and ``to(tensor)`` (its dtype), as PyTorch. Only the CPU
        exists here: any other device raises ``RuntimeError``. Integer buffers keep their dtype.
        """
        dtype = kwargs.pop("dtype", None)
        check_device(kwargs.pop("device", None))
        kwargs.pop("non_blocking", None)
        if kwargs:
            raise TypeError(f"to: unexpected keyword argument(s) {sorted(kwargs)}")
        for arg in args:
            if isinstance(arg, Tensor):
                dtype = arg.dtype
            elif isinstance(arg, device) or (isinstance(arg, str) and arg not in DTYPES):
                check_device(arg)
            else:
                dtype = arg
        dtype = as_dtype(dtype)
        if dtype is not None:
            if dtype.kind != "f":
                raise TypeError(f"to: a module can only be cast to a floating-point dtype, got {dtype}")
            for _, t in self._kept_walk().state_items(self):
                if isinstance(t, Tensor) and t.dtype.kind == "f":
                    t.data = t._data.astype(dtype)
                    if t._grad is not None:
                        t.grad = t._grad._data.astype(dtype)
        return self

    def float(self) -> Module:
        """Floating parameters and buffers to float32."""
        return self.to(np.float32)

    def double(self) -> Module:
        """Floating parameters and buffers to float64."""
        return self.to(np.float64)

    def cpu(self) -> Module:
        """Nothing to move: everything already lives in CPU memory."""
        return self

    def cuda(self, device: Any = None) -> Module:
        """Always an error, as `Tensor.cuda`: tinygrad_edu has no GPU backend."""
        check_device("cuda")
        return self

    # ------------------------------------------------------------ printing
    def extra_repr(self) -> str:
        """The text inside the parentheses of this module's line in ``print(model)`` (override it)."""
        return ""

    def __repr__(self) -> str:
        """PyTorch's layout: ``Net(\n  (fc1): Linear(...)\n)``, children indented by two spaces."""
        extra = self.extra_repr()
        lines = extra.split("\n") if extra else []
        children = [f"({name}): " + _addindent(repr(child), 2) for name, child in self.named_children()]
        if not children and len(lines) <= 1:
            return f"{type(self).__name__}({extra})"
        return type(self).__name__ + "(\n  " + "\n  ".join(lines + children) + "\n)"

    # ------------------------------------------------------------ training helpers
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's gradient (0.0 for a `Value`; None for a `Tensor`, as PyTorch,
        or zeros with ``set_to_none=False``)."""
        walk = self._kept_walk()
        for v in walk.values:
            v.grad = 0.0
        for p in walk.tensors:
            if set_to_none or p.grad is None:
                p.grad = None
            else:
                p.grad.zero_()

    def train(self, mode: bool = True) -> Module:
        """Set training mode (Dropout drops, BatchNorm uses batch statistics) here and below."""
        for m in self.modules():
            m.training = mode
        return self

    def eval(self) -> Module:
        """Set evaluation mode: ``train(False)``."""
        return self.train(False)


class ModuleList(Module):
    """A list of modules, registered as children named "0", "1", …, as ``torch.nn.ModuleList``."""

    def __init__(self, modules: Any = ()) -> None:
        self._modules_list: list[Module] = []
        for m in modules:
            self.append(m)

    @staticmethod
    def _check(module: Any, index: int) -> Module:
        if not isinstance(module, Module):
            raise TypeError(f"ModuleList: item {index} is a {type(module).__name__}, not a Module")
        return module

    def append(self, module: Module) -> ModuleList:
        self._modules_list.append(self._check(module, len(self)))
        return self

    def insert(self, index: int, module: Module) -> None:
        """Put ``module`` before position ``index`` (the later ones are renamed, as PyTorch)."""
        self._modules_list.insert(index, self._check(module, index))

    def extend(self, modules: Any) -> ModuleList:
        for m in modules:
            self.append(m)
        return self

    def _members(self) -> Iterator[tuple[str, Module]]:
        return ((str(i), m) for i, m in enumerate(self._modules_list))

    def __getitem__(self, i: int) -> Module:
        return self._modules_list[i]

    def __setitem__(self, i: int, module: Module) -> None:
        self._modules_list[i] = self._check(module, i)

    def __delitem__(self, i: int | slice) -> None:
        """Remove items; the later ones are renamed "0", "1", ... again, as PyTorch."""
        del self._modules_list[i]

    def __len__(self) -> int:
        return len(self._modules_list)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules_list)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("ModuleList has no forward(); loop over its modules in your own forward()")

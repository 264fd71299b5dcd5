"""Where a traced function finds its input Values, and a cheap check that they are still there.

A tape reads its inputs (the parameters, data placeholders) from the Value objects it traced. If the
program later puts a *new* Value where the function will find it (``neuron.w[0] = Value(0.3)``,
``model.layers[1] = Layer(...)``, ``w = Value(2.0)`` for a global ``w``), the function would now
build its graph from the new object, while the tape would go on reading the old one. `InputGuard`
finds, once, the path by which the function reaches each input: from its closure cells, the globals
its code names, its defaults and its ``self``, through lists, dicts, tuples and the attributes of
objects (a `Module`'s layers, neurons, weights). Before each replay it checks that every mutable
container on those paths (a cell, a list, a dict, an object's attributes) still holds the same
objects under the same keys: a few dozen identity comparisons for an MLP. When one does not, it
looks for every input again, and the tape is stale if one is no longer where the function finds it.

An input that the function reaches in no way this search sees (through an object without a
``__dict__``, say) is not checked.
"""

from __future__ import annotations

import sys
import types
from collections import deque
from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any

from ..engine import Value

#: Objects the search does not look inside: numbers, text, arrays and the like hold no Values.
_OPAQUE = (str, bytes, int, float, complex, bool, type, types.ModuleType, types.BuiltinFunctionType)
_MAX_OBJECTS = 100_000  # the search stops there (a program that big keeps its parameters in few places)

Location = tuple[Any, Any, str]  # (container, key, path shown to the user); a cell's key is None


def _code_names(code: types.CodeType) -> set[str]:
    """The global names a function's code (and the code of functions defined in it) may read."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _code_names(const)
    return names


def _roots(fn: Callable) -> list[tuple[Location, Any]]:
    """Where the search starts: ``fn``'s cells, the globals it names, its defaults, its ``self``."""
    out: list[tuple[Location, Any]] = []
    if isinstance(fn, types.MethodType):
        out.append(((None, None, "self"), fn.__self__))
        fn = fn.__func__
    if not isinstance(fn, types.FunctionType):
        return out
    for name, cell in zip(fn.__code__.co_freevars, fn.__closure__ or ()):
        try:
            out.append(((cell, None, name), cell.cell_contents))
        except ValueError:  # an empty cell
            continue
    for name in sorted(_code_names(fn.__code__)):
        if name in fn.__globals__:
            out.append(((fn.__globals__, name, name), fn.__globals__[name]))
    for i, default in enumerate(fn.__defaults__ or ()):
        out.append(((None, None, f"default {i}"), default))
    return out


def _children(obj: Any, path: str) -> list[tuple[Location, Any]]:
    """The objects inside ``obj``, each with its location."""
    if isinstance(obj, list | tuple):
        return [((obj, i, f"{path}[{i}]"), x) for i, x in enumerate(obj)]
    if isinstance(obj, dict):
        return [((obj, k, f"{path}[{k!r}]"), x) for k, x in list(obj.items())]
    if isinstance(obj, types.FunctionType | types.MethodType):
        return _roots(obj)
    try:
        attrs = vars(obj)
    except TypeError:  # no __dict__ (a slotted object)
        return []
    if isinstance(attrs, dict):
        return [((attrs, k, f"{path}.{k}"), x) for k, x in list(attrs.items())]
    return []


def locate(fn: Callable, inputs: Sequence[Value]) -> dict[int, list[Location]]:
    """For each input found (by id), the chain of locations from a root of ``fn`` down to it."""
    wanted = {id(x) for x in inputs}
    found: dict[int, list[Location]] = {}
    seen: set[int] = set()
    queue: deque[tuple[Any, list[Location]]] = deque((obj, [loc]) for loc, obj in _roots(fn))
    while queue and len(seen) < _MAX_OBJECTS and len(found) < len(wanted):
        obj, chain = queue.popleft()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if isinstance(obj, Value):
            if id(obj) in wanted:
                found[id(obj)] = chain
            continue
        if isinstance(obj, _OPAQUE) or type(obj).__module__.startswith("numpy"):
            continue
        for loc, child in _children(obj, chain[-1][2]):
            queue.append((child, [*chain, loc]))
    return found


class InputGuard:
    """Checks, before a replay, that ``fn`` still reaches each input where it did when traced."""

    def __init__(self, fn: Callable, inputs: Sequence[Value]) -> None:
        self.fn, self.inputs = fn, list(inputs)
        self.paths = locate(fn, self.inputs)
        self._checks = self._build_checks()

    def _build_checks(self) -> tuple[list[Callable[[Any], tuple]], list[Any], list[tuple]]:
        """One check per mutable container on a path: the getter of its keys on the paths, the
        container, and the objects the getter gave when traced."""
        keys: dict[int, tuple[Any, dict[Any, Any]]] = {}
        for chain in self.paths.values():
            for container, key, _ in chain:
                if container is None or isinstance(container, tuple):  # a tuple cannot change in place
                    continue
                keys.setdefault(id(container), (container, {}))[1][key] = None
        getters = [_get_cell if isinstance(c, types.CellType) else _getter(list(held)) for c, held in keys.values()]
        containers = [c for c, _ in keys.values()]
        return getters, containers, list(map(_call, getters, containers))

    def stale(self) -> str | None:
        """None while every input is where ``fn`` finds it; else the path of one that is not.
        (The objects are compared by identity, ``==`` falling back to ``is`` for Values.)"""
        getters, containers, held = self._checks
        try:
            if list(map(_call, getters, containers)) == held:
                return None
        except Exception:  # a key removed, or an object whose == is not a truth value
            pass
        return self._recheck()

    def _recheck(self) -> str | None:
        """A container changed: look for the inputs again; those whose path changed are stale."""
        now = locate(self.fn, self.inputs)
        for x in self.inputs:
            before = self.paths.get(id(x))
            if before is not None and [loc[2] for loc in now.get(id(x), [])] != [loc[2] for loc in before]:
                return before[-1][2]
        self.paths = now
        self._checks = self._build_checks()
        return None


def _get_cell(cell: types.CellType) -> tuple:
    return (cell.cell_contents,)


if sys.version_info >= (3, 11):
    from operator import call as _call  # getter(container), in C
else:

    def _call(getter: Callable[[Any], tuple], container: Any) -> tuple:
        return getter(container)


def _getter(keys: list) -> Callable[[Any], tuple]:
    """``container -> tuple of container[k] for k in keys`` (itemgetter gives a bare item for one key)."""
    get = itemgetter(*keys)
    return get if len(keys) > 1 else lambda container: (get(container),)

"""Keras 3's name scopes, which give a weight its path (``w.path``: ``sequential/dense/kernel``).

A layer opens a scope named for itself while it builds and while it is called (Keras'
``Layer._open_name_scope``), so what it builds or calls inside nests under it: a Sequential builds its
layers in its scope (``sequential/dense``), a subclassed model calls its layers in its own
(``my_model/dense``), and a functional model's layers, called at the top, have none around them
(``dense``). A layer that opens its scope while it is already the innermost one opens nothing (Keras'
``deduplicate``: a Sequential built by its first call is ``sequential``, not ``sequential/sequential``).
A layer's path is `current_path` when it first builds (`Layer.record_path`), so it keeps the path of
where it was first used. Not followed: Keras also reopens a layer's scope under the path around its
first use; here a scope nests where it is opened, which differs only for a layer that makes new
sublayers when it is called somewhere else later.

>>> class Named:
...     def __init__(self, name):
...         self.name = name
>>> outer, inner = Named("sequential"), Named("dense")
>>> with layer_scope(outer), layer_scope(inner), layer_scope(inner):
...     current_path()
'sequential/dense'
>>> current_path()
''
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

#: the open scopes, outermost first: (name, the layer that opened it)
_STACK: ContextVar[tuple[tuple[str, Any], ...]] = ContextVar("keras_name_scopes", default=())


def current_path() -> str:
    """The open scopes' names joined by "/" ("" outside any)."""
    return "/".join(name for name, _ in _STACK.get())


@contextmanager
def layer_scope(layer: Any) -> Iterator[None]:
    """The scope named ``layer.name`` open inside the block; nothing new when the layer's own scope is
    already the innermost."""
    stack = _STACK.get()
    if stack and stack[-1][1] is layer and stack[-1][0] == layer.name:
        yield
        return
    token = _STACK.set((*stack, (layer.name, layer)))
    try:
        yield
    finally:
        _STACK.reset(token)

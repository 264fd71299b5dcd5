"""Nested structures of a Keras model's inputs and outputs (lists, tuples, dicts of tensors): their
leaves in order and maps over them. A tuple of ints and Nones is a shape, a leaf, never a structure.

>>> flatten({"b": (3, None), "a": [1, 2]})
[1, 2, (3, None)]
>>> map_structures(lambda x, y: x + y, [1, [2, 3]], [10, [20, 30]])
[11, [22, 33]]
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import numpy as np


def flatten(struct: Any) -> list:
    """The leaves of nested lists/tuples/dicts, in order: a dict's by its sorted keys (an
    OrderedDict's in its own order), as Keras 3's ``tree.flatten`` (optree) orders them."""
    if isinstance(struct, dict):
        keys = struct if isinstance(struct, OrderedDict) else sorted(struct)
        return [leaf for key in keys for leaf in flatten(struct[key])]
    if isinstance(struct, (list, tuple)) and not is_shape(struct):
        return [leaf for item in struct for leaf in flatten(item)]
    return [struct]


def map_structure(fn: Any, struct: Any) -> Any:
    if isinstance(struct, dict):
        return {k: map_structure(fn, v) for k, v in struct.items()}
    if isinstance(struct, (list, tuple)) and not is_shape(struct):
        return type(struct)(map_structure(fn, item) for item in struct)
    return fn(struct)


def is_shape(value: Any) -> bool:
    return isinstance(value, tuple) and all(d is None or isinstance(d, (int, np.integer)) for d in value)


def map_structures(fn: Any, first: Any, *rest: Any) -> Any:
    """``fn`` over the leaves of structures of one layout, leaf by leaf: fn(leaf of first, leaf of …)."""
    if isinstance(first, dict):
        return {k: map_structures(fn, first[k], *(r[k] for r in rest)) for k in first}
    if isinstance(first, (list, tuple)) and not is_shape(first):
        return type(first)(map_structures(fn, *items) for items in zip(first, *rest))
    return fn(first, *rest)

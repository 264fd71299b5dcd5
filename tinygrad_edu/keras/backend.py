"""``keras.backend``: the session's name counters (`get_uid`, `auto_name`) and `clear_session`.

Keras 3 names an object when it is made, from one counter per name prefix kept for the whole
session (its ``global_state`` ``object_name_uids``): the first ``Dense()`` is ``dense``, the next
``dense_1``, and so on across every model; layers, models (``sequential``, ``functional``, a
subclass's snake_case class name), input layers and symbolic tensors (``keras_tensor``) each count
under their own prefix. A name given by the user takes no number. `clear_session` starts every
counter again. A Sequential takes the numbers Keras' takes as it builds (an ``input_layer``, one
``keras_tensor`` per layer call, a ``functional`` for the model Keras wraps the stack in), so the
names of what follows agree too. Not followed: the numbers Keras' ``compile``/``fit`` and its file
saving take for their own objects (optimizers, symbolic tensors, ``layer``), none of which name a
layer or a model.

>>> clear_session()
>>> [auto_name("Dense") for _ in range(3)]
['dense', 'dense_1', 'dense_2']
>>> get_uid("dense")
4
>>> clear_session(); auto_name("Dense")
'dense'
"""

from __future__ import annotations

import gc
import re
from collections import defaultdict
from typing import Any

from . import config as keras_config

#: prefix -> how many names (or uids) it has given this session, Keras' ``object_name_uids``
_UIDS: defaultdict[str, int] = defaultdict(int)


def snake_case(name: str) -> str:
    """Keras' default names (its ``to_snake_case``): a word that starts with a capital and goes
    on in lower case gets an underscore before it, as does a capital after a lower-case letter.

    >>> [snake_case(n) for n in ("Dense", "Conv2D", "SimpleRNN", "Conv2DTranspose", "GlobalMaxPooling1D")]
    ['dense', 'conv2d', 'simple_rnn', 'conv2d_transpose', 'global_max_pooling1d']
    """
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", re.sub(r"\W+", "", name))
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def auto_name(prefix: str) -> str:
    """The next name for ``prefix`` (a class name; snake_cased): the bare prefix the first time,
    then ``prefix_1``, ``prefix_2``, … (Keras' ``auto_name``)."""
    prefix = snake_case(prefix)
    count = _UIDS[prefix]
    _UIDS[prefix] += 1
    return f"{prefix}_{count}" if count else prefix


def get_uid(prefix: str = "") -> int:
    """Count one more use of ``prefix`` and return the count (Keras' ``keras.backend.get_uid``:
    1 the first time); it shares the counters of `auto_name`."""
    _UIDS[prefix] += 1
    return _UIDS[prefix]


#: Keras 3's dtype names (``backend.common.dtypes.ALLOWED_DTYPES``); the last four have no numpy twin
KERAS_DTYPES = (
    *("float16", "float32", "float64", "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64"),
    *("bool", "complex64", "complex128", "bfloat16", "string", "float8_e4m3fn", "float8_e5m2"),
)
#: Python's types as Keras 3 reads them on its torch backend (``PYTHON_DTYPES_MAP``)
PYTHON_DTYPES = {bool: "bool", int: "int32", "int": "int32", float: "float32", complex: "complex64", str: "string"}


def standardize_dtype(dtype: Any) -> str:
    """A dtype as Keras 3 names it (``keras.backend.standardize_dtype``): None is `config.floatx`,
    Python's types as Keras maps them, numpy's by their name.

    >>> standardize_dtype(None), standardize_dtype(int), standardize_dtype("float64")
    ('float32', 'int32', 'float64')

    Raises:
        ValueError: a name Keras does not know ("Invalid dtype: …", Keras' words).
        NotImplementedError: a Keras dtype that numpy, and so this engine, cannot hold (bfloat16, …).
    """
    if dtype is None:
        return keras_config.floatx()
    dtype = PYTHON_DTYPES.get(dtype, dtype) if isinstance(dtype, (str, type)) else dtype
    name = getattr(dtype, "name", None) or getattr(dtype, "__name__", None) or dtype
    if name not in KERAS_DTYPES:
        raise ValueError(f"Invalid dtype: {name}")
    if name in KERAS_DTYPES[-4:]:
        raise NotImplementedError(f"dtype {name!r} is not supported here (numpy has no such type)")
    return name


def clear_session(free_memory: bool = True) -> None:
    """Forget every name counter, so the next ``Dense()`` is ``dense`` again (Keras'
    ``keras.backend.clear_session``, also ``keras.utils.clear_session``); with ``free_memory``,
    run Python's garbage collector too, as Keras does."""
    _UIDS.clear()
    if free_memory:
        gc.collect()


__all__ = ["clear_session", "get_uid", "standardize_dtype"]

"""``keras.ops``: the array functions keras.io's guides use, on the tensor engine (differentiable
where the engine is). Each takes Tensors, numpy arrays or numbers and returns a Tensor (floats of
Keras' floatx when made from Python numbers or lists); `convert_to_numpy` returns an array.

>>> import numpy as np
>>> convert_to_numpy(sum(square(np.array([1.0, 2.0])))).item()
5.0
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..tensor import Tensor
from . import config


def convert_to_tensor(x: Any, dtype: Any = None) -> Tensor:
    """A Tensor (as it is, or cast to ``dtype``); Python lists and numbers as Keras makes them:
    floats in floatx, integers in int32 (numpy arrays keep their dtype).

    >>> [str(convert_to_numpy(convert_to_tensor(x)).dtype) for x in ([0, 1], [0.5], np.arange(2))]
    ['int32', 'float32', 'int64']
    """
    if isinstance(x, Tensor):
        return x if dtype is None else cast(x, dtype)
    array = np.asarray(x)
    if dtype is None and not isinstance(x, np.ndarray) and array.dtype.kind in "fiu":
        dtype = config.floatx() if array.dtype.kind == "f" else "int32"
    return Tensor(array if dtype is None else array.astype(dtype))


array = convert_to_tensor  # Keras' ops.array(x, dtype=None)


def convert_to_numpy(x: Any) -> np.ndarray:
    return np.array(x._data) if isinstance(x, Tensor) else np.asarray(x)


def cast(x: Any, dtype: Any) -> Tensor:
    """``x`` as ``dtype`` (a float cast keeps the graph; an integer or bool cast cuts it)."""
    x = convert_to_tensor(x)
    target = np.dtype(dtype)
    if target == x._data.dtype:
        return x
    return x.to(target.type) if target.kind == "f" else Tensor(x._data.astype(target))


def _t(x: Any) -> Tensor:
    return convert_to_tensor(x)


def sum(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    return _t(x).sum(axis=axis, keepdims=keepdims)


def mean(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    return _t(x).mean(axis=axis, keepdims=keepdims)


def max(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    return _t(x).max(axis=axis, keepdims=keepdims)


def min(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    return _t(x).min(axis=axis, keepdims=keepdims)


def argmax(x: Any, axis: int | None = None) -> Tensor:
    return _t(x).argmax(axis=axis)


def square(x: Any) -> Tensor:
    x = _t(x)
    return x * x


def abs(x: Any) -> Tensor:
    return _t(x).abs()


def sqrt(x: Any) -> Tensor:
    return _t(x).sqrt()


def exp(x: Any) -> Tensor:
    return _t(x).exp()


def log(x: Any) -> Tensor:
    return _t(x).log()


def matmul(a: Any, b: Any) -> Tensor:
    return _t(a) @ _t(b)


def relu(x: Any) -> Tensor:
    return _t(x).relu()


def sigmoid(x: Any) -> Tensor:
    """1/(1 + e^{−x}), computed without overflow for large |x| (also ``keras.activations.sigmoid``)."""
    return _t(x).sigmoid()


def tanh(x: Any) -> Tensor:
    """The hyperbolic tangent (also ``keras.activations.tanh``)."""
    return _t(x).tanh()


def softmax(x: Any, axis: int = -1) -> Tensor:
    """e^{x_i}/Σ_j e^{x_j} along ``axis``, the maximum subtracted first (also ``keras.activations.softmax``)."""
    return _t(x).softmax(axis=axis)


def reshape(x: Any, newshape: Sequence[int]) -> Tensor:
    return _t(x).reshape(*newshape)


def transpose(x: Any, axes: Sequence[int] | None = None) -> Tensor:
    x = _t(x)
    return x.permute(*(axes if axes is not None else builtins.range(x.ndim)[::-1]))


def concatenate(xs: Sequence[Any], axis: int = 0) -> Tensor:
    return Tensor.cat([_t(x) for x in xs], axis=axis)


def stack(xs: Sequence[Any], axis: int = 0) -> Tensor:
    return Tensor.stack([_t(x) for x in xs], axis=axis)


def expand_dims(x: Any, axis: int) -> Tensor:
    return _t(x).unsqueeze(axis)


def squeeze(x: Any, axis: int | None = None) -> Tensor:
    x = _t(x)
    return x.squeeze() if axis is None else x.squeeze(axis)


def maximum(a: Any, b: Any) -> Tensor:
    a, b = _t(a), _t(b)
    return Tensor.where((a._data >= b._data), a, b)


def minimum(a: Any, b: Any) -> Tensor:
    a, b = _t(a), _t(b)
    return Tensor.where((a._data <= b._data), a, b)


def shape(x: Any) -> tuple[int, ...]:
    """The shape as a tuple of ints (``x`` a Tensor, an array or nested lists)."""
    return tuple(x.shape) if isinstance(x, Tensor) else np.shape(x)


def one_hot(x: Any, num_classes: int, axis: int = -1, dtype: Any = None) -> Tensor:
    """onehot[..., c] = 1[x = c] with the class axis at ``axis``, in floatx; a negative label gives a
    row of zeros and a label ≥ ``num_classes`` is refused, as Keras' torch backend does.

    >>> convert_to_numpy(one_hot(np.array([0, 2, -1]), 3)).tolist()
    [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, 0.0]]
    """
    labels = convert_to_numpy(x)
    if labels.dtype.kind not in "iu":
        raise TypeError(f"one_hot: labels must be integers, got {labels.dtype}")
    if labels.size and labels.max() >= num_classes:
        raise RuntimeError(f"one_hot: class values must be smaller than num_classes ({labels.max()} >= {num_classes})")
    out = (labels[..., None] == np.arange(num_classes)).astype(dtype or config.floatx())
    return Tensor(np.moveaxis(out, -1, axis))

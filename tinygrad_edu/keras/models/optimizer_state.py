"""The optimizer's state in a ``.keras`` file, as Keras 3 keeps it under ``optimizer/vars/<i>``, so a
loaded model resumes training where it stopped (here or in Keras).

Keras' order: ``iterations``, the ``learning_rate`` (absent when it is a schedule), then the slots
of each `SLOTS` group: a group of several names interleaves them per trainable weight (Adam:
momentum and velocity of the first weight, then of the second, ...), groups follow each other;
Nadam ends with its running product of momentum factors. Slots are in Keras' layout; this door's
SGD keeps b = −v (Keras' velocity with the sign flipped, see `optimizers`), so its slot is negated
on the way. A file whose optimizer holds another number of variables (another optimizer, one never
built) leaves the optimizer as it is, with Keras' warning.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .. import optimizers as optimizers_

#: each optimizer's slot groups in Keras' build order (names are this door's; the sign turns ours into Keras')
SLOTS: dict[type, Any] = {
    optimizers_.SGD: lambda o: [(("momentum", -1.0),)] if o.momentum else [],
    optimizers_.Adam: lambda o: [(("momentum", 1.0), ("velocity", 1.0))],
    optimizers_.AdamW: lambda o: [(("momentum", 1.0), ("velocity", 1.0))],
    optimizers_.Nadam: lambda o: [(("momentum", 1.0), ("velocity", 1.0))],
    optimizers_.RMSprop: lambda o: (
        [(("velocity", 1.0),)]
        + ([(("momentum", 1.0),)] if o.momentum else [])
        + ([(("average_gradient", 1.0),)] if o.centered else [])
    ),
    optimizers_.Adagrad: lambda o: [(("accumulator", 1.0),)],
    optimizers_.Adadelta: lambda o: [(("accumulated_grad", 1.0), ("accumulated_delta", 1.0))],
}


def _layout(model: Any) -> list[tuple[Any, str, float, Any]]:
    """(variable, slot name, sign, fill) for every slot, in Keras' order."""
    opt = model.optimizer
    fill = getattr(opt, "initial_accumulator_value", 0.0)
    variables = model.trainable_weights
    return [
        (v, name, sign, fill if name == "accumulator" else 0.0)
        for group in SLOTS[type(opt)](opt)
        for v in variables
        for name, sign in group
    ]


def keras_arrays(model: Any) -> list[np.ndarray]:
    """The optimizer's variables in Keras' order (empty when it has not been bound to the model yet)."""
    opt = model.optimizer
    if opt is None or not opt.params or type(opt) not in SLOTS:
        return []
    arrays = [np.array(opt.iterations, dtype=np.int64)]
    if opt.schedule is None:
        arrays.append(np.array(opt.learning_rate, dtype=np.float64))
    for v, name, sign, fill in _layout(model):
        parts = [opt.state.get(id(t), {}).get(name) for t in v.tensors]
        parts = [np.full_like(t._data, fill) if p is None else p for p, t in zip(parts, v.tensors)]
        arrays.append(sign * v.to_keras(parts))
    if isinstance(opt, optimizers_.Nadam):
        arrays.append(np.array(opt.u_product, dtype=np.float64))
    return arrays


def expected_shapes(model: Any) -> list[tuple[int, ...]]:
    """The shapes `keras_arrays` gives for this model once its optimizer is bound."""
    model.bind_optimizer()
    return [np.shape(a) for a in keras_arrays(model)]


def restore(model: Any, arrays: list[np.ndarray]) -> None:
    """Put Keras-ordered optimizer variables back (the model's optimizer bound first); a list of
    another length or shapes is Keras' warning, and nothing changes."""
    shapes = expected_shapes(model)
    opt = model.optimizer
    if [np.shape(a) for a in arrays] != shapes:
        warnings.warn(
            f"Skipping variable loading for optimizer '{type(opt).__name__.lower()}', because it has "
            f"{len(shapes)} variables whereas the saved optimizer has {len(arrays)} variables.",
            stacklevel=3,
        )
        return
    opt.iterations = int(arrays[0])
    rest = arrays[1:]
    if opt.schedule is None:
        opt.learning_rate, rest = float(rest[0]), rest[1:]
    if isinstance(opt, optimizers_.Nadam):
        opt.u_product, rest = float(rest[-1]), rest[:-1]
    for (v, name, sign, _), value in zip(_layout(model), rest):
        for tensor, part in zip(v.tensors, v.from_keras(sign * np.asarray(value, dtype=np.float64))):
            slot = opt.state.setdefault(id(tensor), {})
            slot[name] = part.astype(tensor._data.dtype)

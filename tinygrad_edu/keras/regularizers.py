"""Keras' weight regularizers: a penalty added to the loss, λ·Σ|w| (`L1`), λ·Σw² (`L2`), or both
(`L1L2`), with Keras 3's classes, defaults (0.01 for L1 and L2, 0.0 for L1L2) and configs.

>>> L1(0.005).get_config()
{'l1': 0.005}
>>> type(get("l2")).__name__, l1_l2(l1=0.001).get_config()
('L2', {'l1': 0.001, 'l2': 0.0})
"""

from __future__ import annotations

from typing import Any

from ..nn import functional as F
from ..tensor import Tensor


class Regularizer:
    """The base: a subclass gives ``__call__(weight) -> penalty`` and `get_config`."""

    l1 = 0.0
    l2 = 0.0

    def __call__(self, weight: Tensor) -> Tensor:
        penalty = F.l1_penalty(weight, self.l1) if self.l1 else None
        if self.l2:
            l2 = F.l2_penalty(weight, self.l2)
            penalty = l2 if penalty is None else penalty + l2
        return penalty if penalty is not None else weight.sum() * 0.0

    def get_config(self) -> dict:
        raise NotImplementedError(f"{type(self).__name__} does not define get_config")

    @classmethod
    def from_config(cls, config: dict) -> Regularizer:
        return cls(**config)


class L1L2(Regularizer):
    def __init__(self, l1: float = 0.0, l2: float = 0.0) -> None:
        self.l1, self.l2 = float(l1), float(l2)

    def get_config(self) -> dict:
        return {"l1": self.l1, "l2": self.l2}


class L1(Regularizer):
    def __init__(self, l1: float = 0.01) -> None:
        self.l1 = float(l1)

    def get_config(self) -> dict:
        return {"l1": self.l1}


class L2(Regularizer):
    def __init__(self, l2: float = 0.01) -> None:
        self.l2 = float(l2)

    def get_config(self) -> dict:
        return {"l2": self.l2}


l1, l2, l1_l2 = L1, L2, L1L2  # Keras 3's lower-case aliases (l1_l2's factors default to 0.0 there too)
CLASSES = {"L1": L1, "L2": L2, "L1L2": L1L2}


def get(identifier: Any) -> Regularizer | None:
    """A regularizer from Keras' identifiers: None, an instance, a callable, a name ("l1" or "l2",
    with Keras 3's default factor 0.01), or a serialized ``{"class_name", "config"}``."""
    if identifier is None or isinstance(identifier, Regularizer):
        return identifier
    if isinstance(identifier, str) and identifier.lower() in _NAMES:
        return _NAMES[identifier.lower()]()
    if isinstance(identifier, dict) and identifier.get("class_name") in CLASSES:
        return CLASSES[identifier["class_name"]].from_config(identifier.get("config") or {})
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret regularizer identifier: {identifier!r}; use one of {sorted(_NAMES)}")


_NAMES = {"l1": L1, "l2": L2}  # Keras 3 takes no other name

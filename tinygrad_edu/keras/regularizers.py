"""Keras' weight regularizers: a penalty added to the loss, λ·Σ|w| (L1) or λ·Σw² (L2)."""

from __future__ import annotations

from typing import Any

from ..nn import functional as F
from ..tensor import Tensor


class Regularizer:
    def __init__(self, l1: float = 0.0, l2: float = 0.0) -> None:
        self.l1, self.l2 = l1, l2

    def __call__(self, weight: Tensor) -> Tensor:
        penalty = F.l1_penalty(weight, self.l1) if self.l1 else None
        if self.l2:
            l2 = F.l2_penalty(weight, self.l2)
            penalty = l2 if penalty is None else penalty + l2
        return penalty if penalty is not None else weight.sum() * 0.0

    def __repr__(self) -> str:
        return f"L1L2(l1={self.l1}, l2={self.l2})"


def l1(l1: float = 0.01) -> Regularizer:
    return Regularizer(l1=l1)


def l2(l2: float = 0.01) -> Regularizer:
    return Regularizer(l2=l2)


def l1_l2(l1: float = 0.01, l2: float = 0.01) -> Regularizer:
    return Regularizer(l1=l1, l2=l2)


L1, L2, L1L2 = l1, l2, l1_l2


def get(identifier: Any) -> Regularizer | None:
    """A regularizer from Keras' identifiers: None, an instance, or a name ("l1", "l2", "l1_l2",
    with Keras 3's default factor 0.01).

    >>> get("l2")
    L1L2(l1=0.0, l2=0.01)
    """
    if identifier is None or isinstance(identifier, Regularizer):
        return identifier
    if isinstance(identifier, str) and identifier.lower() in _NAMES:
        return _NAMES[identifier.lower()]()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret regularizer identifier: {identifier!r}; use one of {sorted(_NAMES)}")


_NAMES = {"l1": l1, "l2": l2, "l1_l2": l1_l2, "l1l2": l1_l2}

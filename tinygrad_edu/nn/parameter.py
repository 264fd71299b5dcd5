"""`Parameter`: a tensor that a `Module` owns as trainable state, as ``torch.nn.Parameter``."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import DEFAULT_DTYPE, Tensor


class Parameter(Tensor):
    """A `Tensor` that requires a gradient by default and that a `Module` always registers.

    Assigning ``self.w = Parameter(torch.randn(3, 4))`` in a module's ``__init__`` makes ``w``
    one of ``module.parameters()`` and an entry of ``state_dict()``, even after
    ``w.requires_grad = False`` (a frozen parameter is still saved). The data is shared with the
    tensor it is made from, as PyTorch. Results of operations on a Parameter are plain Tensors.

    >>> p = Parameter(Tensor([1.0, 2.0]))
    >>> p.requires_grad, (p * 2).requires_grad, type(p * 2).__name__
    (True, True, 'Tensor')
    """

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        if data is None:
            data = np.empty(0, dtype=DEFAULT_DTYPE)
        super().__init__(data._data if isinstance(data, Tensor) else data, requires_grad=requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

"""`Embedding`: a lookup table of learned vectors, as ``torch.nn.Embedding``.

    out[..., :] = weight[index[...], :]

The gradient of the table is the upstream gradient added into the rows that were read (a row read
twice gets both); the row ``padding_idx`` (if given) starts at zero and gets no gradient.
The weight starts ~ N(0, 1), as PyTorch.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..backprop import torch_type_name
from ..ops import rename_node
from ..tensor import DEFAULT_DTYPE, Tensor
from . import init
from .module import Module
from .parameter import Parameter


def _indices(index: Any, rows: int) -> np.ndarray:
    """``index`` as an integer array in [0, rows), or PyTorch's error (checked before any lookup): a tensor
    must be int64 or int32, as PyTorch's ``embedding`` asks; a numpy array or a list of any integers is taken."""
    data = np.asarray(index._data if isinstance(index, Tensor) else index)
    refused = data.dtype.kind not in "iu" or (isinstance(index, Tensor) and data.dtype.name not in ("int64", "int32"))
    if refused:
        raise RuntimeError(
            "Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; "
            f"but got {torch_type_name(data.dtype)} instead (while checking arguments for embedding)"
        )
    if data.size and (data.min() < 0 or data.max() >= rows):
        low, high = data.min(), data.max()
        raise IndexError(f"index out of range in self (indices must lie in [0, {rows}), got {low}..{high})")
    return data.astype(np.int64, copy=False)


def embedding(input: Any, weight: Tensor, padding_idx: int | None = None) -> Tensor:
    """The rows ``weight[input]`` (``input`` integers of any shape), as ``torch.nn.functional.embedding``;
    the row ``padding_idx`` is read but gets no gradient.

    >>> embedding(Tensor(np.array([2, 0])), Tensor(np.arange(6.0).reshape(3, 2)))
    tensor([[4., 5.],
            [0., 1.]], dtype=torch.float64)
    """
    idx = _indices(input, weight.shape[0])
    # indexed by the tensor itself where it is the array, so the lookup keeps it (`ops.Op.kept`): changed in
    # place before backward, it is PyTorch's error, not a gradient for other rows
    out = weight[input if isinstance(input, Tensor) and input._data is idx else idx]
    if padding_idx is not None:
        keep = (idx != padding_idx % weight.shape[0])[..., None]
        out = Tensor.where(keep, out, weight.detach()[idx])
    return rename_node(out, "EmbeddingBackward0")


class Embedding(Module):
    """``Embedding(num_embeddings, embedding_dim, padding_idx=None)``: maps integer indices of any
    shape to rows of ``weight`` (num_embeddings, embedding_dim).

    >>> emb = Embedding(10, 3)
    >>> emb(Tensor(np.array([[1, 2], [4, 9]]))).shape
    torch.Size([2, 2, 3])
    """

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        dtype: type = DEFAULT_DTYPE,
    ) -> None:
        for what, value in (("num_embeddings", num_embeddings), ("embedding_dim", embedding_dim)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"Embedding: {what} must be a positive integer, got {value!r}")
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise AssertionError("Padding_idx must be within num_embeddings")
            padding_idx %= num_embeddings
        self.num_embeddings, self.embedding_dim, self.padding_idx = num_embeddings, embedding_dim, padding_idx
        self.weight = init.normal_(Parameter(np.empty((num_embeddings, embedding_dim), dtype=dtype)))
        if padding_idx is not None:
            self.weight.data[padding_idx] = 0.0

    def forward(self, index: Any) -> Tensor:
        return embedding(index, self.weight, self.padding_idx)

    def extra_repr(self) -> str:
        pad = "" if self.padding_idx is None else f", padding_idx={self.padding_idx}"
        return f"{self.num_embeddings}, {self.embedding_dim}{pad}"

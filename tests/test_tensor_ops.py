"""Tensor-only ops from one registry: forward vs numpy, float64 gradcheck, and PyTorch."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from tinygrad_edu import Tensor, gradcheck

from .conftest import needs_torch
from .torch_check import assert_matches_torch


def _softmax(x: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@dataclass(frozen=True)
class TOp:
    name: str
    shapes: tuple[tuple[int, ...], ...]
    apply: Callable[..., Any]
    ref: Callable[..., np.ndarray]
    torch: Callable[..., Any]
    distinct: bool = False  # inputs must have no ties (max/min)


TORCH = __import__("importlib").import_module("torch") if __import__("importlib").util.find_spec("torch") else None
IDX = np.array([2, 0, 2])  # an integer index with a repeat: the gradient must add up at row 2

REGISTRY = [
    TOp("matmul 2d", ((3, 4), (4, 5)), lambda a, b: a @ b, np.matmul, lambda a, b: a @ b),
    TOp("matmul vec-mat", ((4,), (4, 5)), lambda a, b: a @ b, np.matmul, lambda a, b: a @ b),
    TOp("matmul mat-vec", ((3, 4), (4,)), lambda a, b: a @ b, np.matmul, lambda a, b: a @ b),
    TOp("matmul vec-vec", ((4,), (4,)), lambda a, b: a @ b, np.matmul, lambda a, b: a @ b),
    TOp("matmul batched", ((2, 3, 4), (2, 4, 5)), lambda a, b: a @ b, np.matmul, lambda a, b: a @ b),
    TOp("matmul broadcast batch", ((2, 3, 4), (4, 5)), lambda a, b: a @ b, np.matmul, lambda a, b: a @ b),
    TOp("sum", ((3, 4),), lambda a: a.sum(), np.sum, lambda a: a.sum()),
    TOp("sum axis 0", ((3, 4),), lambda a: a.sum(axis=0), lambda a: a.sum(axis=0), lambda a: a.sum(dim=0)),
    TOp(
        "sum axis -1 keepdims",
        ((2, 3, 4),),
        lambda a: a.sum(axis=-1, keepdims=True),
        lambda a: a.sum(axis=-1, keepdims=True),
        lambda a: a.sum(dim=-1, keepdim=True),
    ),
    TOp(
        "sum axes (0, 2)",
        ((2, 3, 4),),
        lambda a: a.sum(axis=(0, 2)),
        lambda a: a.sum(axis=(0, 2)),
        lambda a: a.sum(dim=(0, 2)),
    ),
    TOp("mean", ((3, 4),), lambda a: a.mean(), np.mean, lambda a: a.mean()),
    TOp("mean axis 1", ((3, 4),), lambda a: a.mean(axis=1), lambda a: a.mean(axis=1), lambda a: a.mean(dim=1)),
    TOp("max", ((3, 4),), lambda a: a.max(), np.max, lambda a: a.amax(), distinct=True),
    TOp(
        "max axis 1",
        ((3, 4),),
        lambda a: a.max(axis=1),
        lambda a: a.max(axis=1),
        lambda a: a.amax(dim=1),
        distinct=True,
    ),
    TOp(
        "min axis 0 keepdims",
        ((3, 4),),
        lambda a: a.min(axis=0, keepdims=True),
        lambda a: a.min(axis=0, keepdims=True),
        lambda a: a.amin(dim=0, keepdim=True),
        distinct=True,
    ),
    TOp("softmax", ((3, 5),), lambda a: a.softmax(), lambda a: _softmax(a, -1), lambda a: a.softmax(-1)),
    TOp("softmax axis 0", ((3, 5),), lambda a: a.softmax(axis=0), lambda a: _softmax(a, 0), lambda a: a.softmax(0)),
    TOp(
        "log_softmax",
        ((3, 5),),
        lambda a: a.log_softmax(),
        lambda a: np.log(_softmax(a, -1)),
        lambda a: a.log_softmax(-1),
    ),
    TOp("clip", ((3, 4),), lambda a: a.clip(-0.5, 0.7), lambda a: np.clip(a, -0.5, 0.7), lambda a: a.clamp(-0.5, 0.7)),
    TOp(
        "clip min only", ((3, 4),), lambda a: a.clip(min=0.1), lambda a: np.maximum(a, 0.1), lambda a: a.clamp(min=0.1)
    ),
    TOp("reshape", ((3, 4),), lambda a: a.reshape(2, 6), lambda a: a.reshape(2, 6), lambda a: a.reshape(2, 6)),
    TOp("reshape -1", ((3, 4),), lambda a: a.reshape((-1,)), lambda a: a.reshape(-1), lambda a: a.reshape(-1)),
    TOp("transpose", ((3, 4),), lambda a: a.T, lambda a: a.T, lambda a: a.T),
    TOp(
        "transpose axes",
        ((2, 3, 4),),
        lambda a: a.transpose(1, 2, 0),
        lambda a: a.transpose(1, 2, 0),
        lambda a: a.permute(1, 2, 0),
    ),
    TOp("flatten", ((2, 3, 4),), lambda a: a.flatten(), lambda a: a.reshape(-1), lambda a: a.flatten()),
    TOp("flatten from 1", ((2, 3, 4),), lambda a: a.flatten(1), lambda a: a.reshape(2, -1), lambda a: a.flatten(1)),
    TOp("getitem slice", ((4, 5),), lambda a: a[1:3, ::2], lambda a: a[1:3, ::2], lambda a: a[1:3, ::2]),
    TOp("getitem int", ((4, 5),), lambda a: a[2], lambda a: a[2], lambda a: a[2]),
    TOp(
        "getitem int array with repeats",
        ((4, 5),),
        lambda a: a[IDX],
        lambda a: a[IDX],
        lambda a: a[TORCH.from_numpy(IDX)] if TORCH else None,
    ),
    TOp(
        "getitem pairs",
        ((4, 5),),
        lambda a: a[IDX, np.array([1, 1, 4])],
        lambda a: a[IDX, np.array([1, 1, 4])],
        lambda a: a[TORCH.from_numpy(IDX), TORCH.tensor([1, 1, 4])] if TORCH else None,
    ),
    TOp(
        "getitem bool mask",
        ((4,),),
        lambda a: a[np.array([True, False, True, True])],
        lambda a: a[np.array([True, False, True, True])],
        lambda a: a[TORCH.tensor([True, False, True, True])] if TORCH else None,
    ),
    TOp(
        "cat axis 0",
        ((2, 3), (4, 3)),
        lambda a, b: Tensor.cat([a, b]),
        lambda a, b: np.concatenate([a, b]),
        lambda a, b: TORCH.cat([a, b]),
    ),
    TOp(
        "cat axis 1",
        ((2, 3), (2, 1)),
        lambda a, b: Tensor.cat([a, b], axis=1),
        lambda a, b: np.concatenate([a, b], axis=1),
        lambda a, b: TORCH.cat([a, b], dim=1),
    ),
    TOp(
        "stack axis 1",
        ((2, 3), (2, 3)),
        lambda a, b: Tensor.stack([a, b], axis=1),
        lambda a, b: np.stack([a, b], axis=1),
        lambda a, b: TORCH.stack([a, b], dim=1),
    ),
    TOp(
        "where",
        ((3, 4), (4,)),
        lambda a, b: Tensor.where(np.arange(12).reshape(3, 4) % 3 == 0, a, b),
        lambda a, b: np.where(np.arange(12).reshape(3, 4) % 3 == 0, a, b),
        lambda a, b: TORCH.where(TORCH.from_numpy(np.arange(12).reshape(3, 4) % 3 == 0), a, b),
    ),
]
IDS = [op.name for op in REGISTRY]


def make_inputs(op: TOp, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    if op.distinct:  # a permutation of well-separated values, so max/min are unique
        return [rng.permutation(np.prod(s, dtype=int)).reshape(s) * 0.37 - 1.0 for s in op.shapes]
    return [rng.normal(size=s) for s in op.shapes]


@pytest.mark.parametrize("op", REGISTRY, ids=IDS)
def test_forward_matches_numpy(op: TOp) -> None:
    xs = make_inputs(op, 0)
    out = op.apply(*[Tensor(x) for x in xs])
    np.testing.assert_allclose(out.data, op.ref(*xs), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("op", REGISTRY, ids=IDS)
def test_gradcheck(op: TOp) -> None:
    assert gradcheck(op.apply, [Tensor(x, requires_grad=True) for x in make_inputs(op, 1)])


@needs_torch
@pytest.mark.parametrize("op", REGISTRY, ids=IDS)
def test_matches_pytorch(op: TOp) -> None:
    assert_matches_torch(op.apply, op.torch, make_inputs(op, 2))


def test_max_splits_gradient_among_ties_like_pytorch_amax() -> None:
    x = Tensor([1.0, 3.0, 3.0, 2.0], requires_grad=True)
    x.max().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.5, 0.5, 0.0])


def test_softmax_and_log_softmax_are_stable() -> None:
    """Logits of 1000 would overflow e^x; log-sum-exp keeps everything finite and exact."""
    z = Tensor([[1000.0, 1000.0, 0.0], [-1000.0, 0.0, 1000.0]], dtype=np.float64)
    np.testing.assert_allclose(z.softmax().data, [[0.5, 0.5, 0.0], [0.0, 0.0, 1.0]], atol=1e-300)
    np.testing.assert_allclose(z.log_softmax().data, [[-np.log(2), -np.log(2), -1000 - np.log(2)], [-2000, -1000, 0]])

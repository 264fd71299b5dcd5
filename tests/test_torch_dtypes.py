"""PyTorch's dtypes and their semantics, the same code under ``torch`` 2.13 and ``tinygrad_edu``:
dtype objects that print as torch's, ``torch.Size`` shapes, exact construction, the type-promotion
table (tensor-tensor, tensor-Python number, 0-d tensors) with the values it gives, refused
out-of-range construction and ``transpose(dim0, dim1)``. Expected values come from torch in the test."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import tinygrad_edu as tg
from tests.conftest import needs_torch

pytestmark = needs_torch

NAMES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]


def _values(name):
    return [True, False, True] if name == "bool" else [3, 1, 2]


def _make(lib, name, zero_d):
    v = _values(name)
    return lib.tensor(v[0] if zero_d else v, dtype=getattr(lib, name))


def test_dtype_objects_print_compare_and_hash_as_torch():
    import torch

    for name in NAMES:
        ours, theirs = getattr(tg, name), getattr(torch, name)
        assert repr(ours) == repr(theirs) and str(ours) == str(theirs)
        assert ours == getattr(tg, name) and ours == np.dtype(name) and hash(ours) == hash(np.dtype(name))
        assert ours.is_floating_point == theirs.is_floating_point and ours.itemsize == theirs.itemsize
        assert np.zeros(2, ours).dtype == np.dtype(name)  # numpy reads it as a dtype
    for alias in ["float", "double", "half", "long", "int", "short"]:
        assert repr(getattr(tg, alias)) == repr(getattr(torch, alias))
    assert tg.get_default_dtype() == tg.float32 and repr(tg.get_default_dtype()) == repr(torch.get_default_dtype())
    x, tx = tg.zeros(228146, 3, dtype=tg.int64), torch.zeros(228146, 3, dtype=torch.int64)
    assert repr((x.shape, x.dtype)) == repr((tx.shape, tx.dtype))
    assert str(x.shape) == str(tx.shape) and x.shape == (228146, 3) and isinstance(x.shape, tuple)
    assert x.dtype == tg.int64 and x.dtype == np.int64 and x.dtype != tg.int32


def test_exact_construction_and_overflow():
    import torch

    for data, name in [([0.1], "float64"), ([16777217], "float64"), ([2**53 + 1], "int64"), ([-1], "uint8"),
                       ([255], "uint8"), ([1.7, -2.9], "int64"), ([True, 0], "float32")]:  # fmt: skip
        ours, theirs = tg.tensor(data, dtype=getattr(tg, name)), torch.tensor(data, dtype=getattr(torch, name))
        assert ours.dtype == np.dtype(name) and ours.tolist() == theirs.tolist()
    for data, name in [([300], "uint8"), ([300.0], "uint8"), ([-256], "uint8"), ([2**31], "int32"), ([-129], "int8")]:
        with pytest.raises(RuntimeError, match="without overflow") as ours:
            tg.tensor(data, dtype=getattr(tg, name))
        with pytest.raises(RuntimeError) as theirs:
            torch.tensor(data, dtype=getattr(torch, name))
        assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("op", ["add", "sub", "mul", "truediv"])
def test_promotion_table_tensor_tensor(op):
    import operator

    import torch

    fn = getattr(operator, op)
    for a, b in itertools.product(NAMES, NAMES):
        for za, zb in [(False, False), (False, True), (True, False), (True, True)]:
            try:
                theirs = fn(_make(torch, a, za), _make(torch, b, zb))
            except RuntimeError:  # torch refuses bool - bool
                continue
            ours = fn(_make(tg, a, za), _make(tg, b, zb))
            assert str(ours.dtype) == str(theirs.dtype), (op, a, za, b, zb)
            np.testing.assert_allclose(ours.numpy().astype(np.float64), theirs.double().numpy(), rtol=1e-3)


@pytest.mark.parametrize("scalar", [True, 1, -1, 2.5])
def test_promotion_with_python_numbers(scalar):
    import operator

    import torch

    for name, zero_d in itertools.product(NAMES, [False, True]):
        for fn in (operator.add, operator.sub, operator.mul, operator.truediv):
            for flip in (False, True):
                def args(lib, name=name, zero_d=zero_d, flip=flip):
                    t = _make(lib, name, zero_d)
                    return (scalar, t) if flip else (t, scalar)

                try:
                    theirs = fn(*args(torch))
                except RuntimeError:
                    continue
                ours = fn(*args(tg))
                assert str(ours.dtype) == str(theirs.dtype), (fn, name, zero_d, scalar, flip)
                np.testing.assert_allclose(ours.numpy().astype(np.float64), theirs.double().numpy(), rtol=1e-3)


def test_the_issues_promotion_examples_exactly():
    import torch

    cases = [
        lambda L: L.tensor([2**53 + 1]) + 1,
        lambda L: L.tensor([True, False]) + 1,
        lambda L: L.tensor([0, 3], dtype=L.uint8) - 1,
        lambda L: L.tensor([3, -2]) ** 2,
        lambda L: L.tensor([3, -2]) * 2.5,
        lambda L: L.tensor([3, 4]) / L.tensor([2, 8]),
        lambda L: L.tensor([0, 1]).exp(),
        lambda L: L.tensor([1, 4]).sqrt(),
        lambda L: L.tensor([1.5, 2.5]) + L.tensor(0.1, dtype=L.float64),
        lambda L: L.tensor([7, 8], dtype=L.int32) + 1,
        lambda L: L.tensor([7, 8], dtype=L.int32) + L.tensor(1),
        lambda L: L.tensor([1.0, 2.0]) + L.tensor([1, 2]),
        lambda L: 2 ** L.tensor([1, 3]),
    ]
    for case in cases:
        ours, theirs = case(tg), case(torch)
        assert str(ours.dtype) == str(theirs.dtype)
        if theirs.dtype.is_floating_point:  # exp/sqrt: numpy's libm and ATen's may differ in the last bit
            np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
        else:
            assert ours.tolist() == theirs.tolist()
    with pytest.raises(RuntimeError, match="negative integer powers"):
        tg.tensor([2]) ** -1
    with pytest.raises(RuntimeError, match="negative integer powers"):
        torch.tensor([2]) ** -1


def test_promotion_keeps_gradients():
    import torch

    a = np.array([0.5, -1.25, 2.0])
    x, tx = tg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    (x.float() * tg.tensor([1, 2, 3]) / 3 + tg.tensor(1.5, dtype=tg.float64)).sum().backward()
    (tx.float() * torch.tensor([1, 2, 3]) / 3 + torch.tensor(1.5, dtype=torch.float64)).sum().backward()
    assert x.grad.dtype == tx.grad.numpy().dtype
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-6)


@pytest.mark.parametrize(
    "shape, d0, d1", [((2, 3), 0, 1), ((2, 3, 4), 0, 2), ((2, 3, 4), -1, 1), ((5,), 0, -1), ((), 0, -1)]
)
def test_transpose_swaps_two_dims_as_torch(shape, d0, d1):
    import torch

    a = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
    x, tx = tg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y, ty = x.transpose(d0, d1), tx.transpose(d0, d1)
    assert y.shape == ty.shape and y.tolist() == ty.tolist()
    assert tg.transpose(x, d0, d1).tolist() == torch.transpose(tx, d0, d1).tolist()
    w = np.arange(1, int(np.prod(ty.shape)) + 1, dtype=np.float64).reshape(ty.shape)
    (y * tg.tensor(w)).sum().backward()
    (ty * torch.tensor(w)).sum().backward()
    np.testing.assert_array_equal(x.grad, tx.grad.numpy())
    assert x.T.shape == tx.mT.shape if len(shape) == 2 else True

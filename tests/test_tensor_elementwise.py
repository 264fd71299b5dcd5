"""Every elementwise op of the scalar registry (tests/ops.py), now on Tensors with broadcasting:
forward vs the numpy reference, float64 gradcheck, PyTorch, and agreement with `Value`."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinygrad_edu import Tensor, Value, gradcheck
from tinygrad_edu.op_cases import BINARY, UNARY, sample
from tinygrad_edu.op_cases import Case as Op

from .conftest import needs_torch
from .torch_check import assert_matches_torch

SHAPES_1 = [(), (5,), (3, 4)]
SHAPES_2 = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((), (3,)), ((4, 1), (1, 5))]


def cases() -> list[tuple[Op, tuple[tuple[int, ...], ...]]]:
    out = [(op, (shape,)) for op in UNARY for shape in SHAPES_1]
    out += [(op, shapes) for op in BINARY for shapes in SHAPES_2]
    return out


CASES = cases()
IDS = [f"{op.name}-{'x'.join(map(str, shapes))}" for op, shapes in CASES]


def inputs(op: Op, shapes, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [sample(op, rng, shape) for shape in shapes]


@pytest.mark.parametrize(("op", "shapes"), CASES, ids=IDS)
def test_forward_matches_numpy(op: Op, shapes) -> None:
    xs = inputs(op, shapes)
    out = op.apply(*[Tensor(x) for x in xs])
    expected = op.ref(*xs)
    assert out.shape == np.shape(expected)
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize(("op", "shapes"), CASES, ids=IDS)
def test_gradcheck(op: Op, shapes) -> None:
    ts = [Tensor(x, requires_grad=True) for x in inputs(op, shapes, seed=1)]
    assert gradcheck(op.apply, ts)


@needs_torch
@pytest.mark.parametrize(("op", "shapes"), CASES, ids=IDS)
def test_matches_pytorch(op: Op, shapes) -> None:
    assert_matches_torch(op.apply, op.torch, inputs(op, shapes, seed=2), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("op", UNARY + BINARY, ids=[op.name for op in UNARY + BINARY])
def test_value_and_tensor_agree(op: Op) -> None:
    """Each element of a Tensor op equals the scalar Value op on that element, value and gradient."""
    xs = inputs(op, [(6,)] * op.arity, seed=4)
    ts = [Tensor(x, requires_grad=True) for x in xs]
    op.apply(*ts).sum().backward()
    for i in range(6):
        vals = [Value(float(x[i])) for x in xs]
        out = op.apply(*vals)
        out.backward()
        assert out.data == pytest.approx(op.apply(*[Tensor(x[i]) for x in xs]).item(), rel=1e-13)
        for v, t in zip(vals, ts):
            assert v.grad == pytest.approx(t.grad[i].item(), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize(
    ("a_shape", "b_shape"), [((), (1, 2)), ((2,), (3, 2)), ((4,), (2, 3, 4)), ((3, 1), (1, 4)), ((1, 3), (2, 1, 3))]
)
def test_gradients_summed_over_broadcast_axes_have_the_inputs_shapes(a_shape, b_shape) -> None:
    """∂Σ(a + b)/∂a counts the outputs each element of a feeds: the product of the broadcast axes' lengths
    (a bias over rows takes the row kernel; a scalar or a deeper stack takes numpy's sum)."""
    a, b = Tensor(np.zeros(a_shape), requires_grad=True), Tensor(np.zeros(b_shape), requires_grad=True)
    (a + b).sum().backward()
    out = np.broadcast_shapes(a_shape, b_shape)
    for t, shape in ((a, a_shape), (b, b_shape)):
        assert t.grad.shape == shape
        assert np.all(t.grad.numpy() == np.prod(out) / max(np.prod(shape), 1))


def test_float32_stays_float32() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = (x * 2.5 + 1).exp().sigmoid() / 3
    y.sum().backward()
    assert x.dtype == y.dtype == x.grad.dtype == np.float32


@given(
    st.sampled_from(BINARY),
    hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3),
    st.integers(0, 2**32 - 1),
)
def test_random_broadcast_shapes_gradcheck(op: Op, shapes, seed: int) -> None:
    """Any pair of mutually broadcastable shapes: the output has the broadcast shape, and the
    gradients (summed back over the broadcast axes) pass float64 gradcheck."""
    a_shape, b_shape = shapes.input_shapes
    a, b = (Tensor(x, requires_grad=True) for x in inputs(op, (a_shape, b_shape), seed=seed))
    assert op.apply(a, b).shape == shapes.result_shape
    assert gradcheck(op.apply, [a, b])

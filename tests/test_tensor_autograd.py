"""Tensor backward rules, dtype conventions, error messages, anomaly mode, drawings, gradcheck."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import GradcheckError, Tensor, draw_dot, gradcheck
from tinygrad_edu.ops import Op
from tinygrad_edu.tensor import apply


def test_dtype_rules_follow_pytorch() -> None:
    assert Tensor(3).dtype == np.float32 and Tensor([1, 2]).dtype == np.float32
    assert Tensor(np.array([1.0])).dtype == np.float64
    assert Tensor([1, 2], dtype=np.float64).dtype == np.float64
    assert (Tensor(np.ones(2, dtype=np.float32)) * 2.5).dtype == np.float32  # numbers don't upcast
    with pytest.raises(TypeError, match="only floating-point tensors can require gradients"):
        Tensor(np.array([1, 2]), requires_grad=True)
    with pytest.raises(TypeError, match="cannot make a numeric tensor"):
        Tensor(["a", 1])


def test_accessors() -> None:
    t = Tensor([[1.0, 2.0]], requires_grad=True)
    assert t.shape == (1, 2) and t.ndim == 2 and t.numel() == 2 and len(t) == 1
    assert t.numpy() is t.data.numpy() and Tensor([[4.0]]).item() == 4.0
    d = (t * 2).detach()
    assert not d.requires_grad and d._prev == ()
    with pytest.raises(ValueError, match="only a one-element tensor"):
        t.item()


def test_truth_value_follows_pytorch() -> None:
    assert not Tensor([0.0]) and Tensor([2.0])
    assert bool(Tensor([3.0]) == 3.0) and not bool(Tensor([3.0]) > 4.0)
    with pytest.raises(ValueError, match="truth value of a tensor with 2 elements is ambiguous"):
        bool(Tensor([1.0, 2.0]))


def test_non_scalar_backward_needs_grad() -> None:
    y = Tensor([1.0, 2.0], requires_grad=True) * 2
    with pytest.raises(RuntimeError, match=r"has shape torch.Size\(\[2\]\); pass grad="):
        y.backward()
    with pytest.raises(ValueError, match=r"grad has shape \(3,\) but the tensor has shape torch.Size\(\[2\]\)"):
        y.backward(np.ones(3))
    with pytest.raises(RuntimeError, match="does not require grad"):
        Tensor([1.0]).sum().backward()


def test_gradients_accumulate_and_reused_tensors_add_up() -> None:
    x = Tensor([1.0, -2.0], requires_grad=True, dtype=np.float64)
    y = (x * x + x).sum()  # ∂/∂x = 2x + 1
    y.backward()
    np.testing.assert_array_equal(x.grad, [3.0, -3.0])
    y.backward()
    np.testing.assert_array_equal(x.grad, [6.0, -6.0])
    x.zero_grad()
    assert x.grad is None


def test_only_leaves_keep_grad_unless_retained() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = (x * 3).retain_grad()
    k = h * 2
    k.sum().backward()
    np.testing.assert_array_equal(h.grad, [2.0, 2.0])
    assert k.grad is None


def test_stored_gradients_are_writable_and_not_shared() -> None:
    """(a + b).sum() hands both leaves the same broadcast view; each must get its own array."""
    a, b = Tensor([1.0, 2.0], requires_grad=True), Tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward()
    a.grad *= 10
    np.testing.assert_array_equal(b.grad, [1.0, 1.0])


def test_broadcast_gradient_sums_over_broadcast_axes() -> None:
    w = Tensor(np.ones((3, 1)), requires_grad=True)
    b = Tensor(np.ones(4), requires_grad=True)
    (w * np.arange(12.0).reshape(3, 4) + b).sum().backward()
    np.testing.assert_array_equal(w.grad[:, 0], [6.0, 22.0, 38.0])  # row sums of 0..11
    np.testing.assert_array_equal(b.grad, [3.0, 3.0, 3.0, 3.0])


def test_no_grad_for_tensors() -> None:
    x = Tensor([1.0], requires_grad=True)
    with tg.no_grad():
        y = x * 2
    assert not y.requires_grad and y._prev == ()


def test_deep_tensor_chain() -> None:
    x = Tensor([1.0], requires_grad=True, dtype=np.float64)
    y = x
    for _ in range(20_000):
        y = y * 1.0001
    y.sum().backward()
    assert x.grad[0].item() == pytest.approx(1.0001**20_000, rel=1e-9)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (  # PyTorch's RuntimeError and words
            lambda: Tensor(np.zeros((64, 784))) @ Tensor(np.zeros((512, 10))),
            r"mat1 and mat2 shapes cannot be multiplied \(64x784 and 512x10\)",
        ),
        (
            lambda: Tensor(np.zeros(3)) + Tensor(np.zeros(4)),
            r"The size of tensor a \(3\) must match the size of tensor b \(4\) at non-singleton dimension 0 "
            r"\(add: shapes \(3,\) and \(4,\)\)",
        ),
        (lambda: Tensor(np.zeros((2, 3))) * Tensor(np.zeros((3, 2))), r"\(mul: shapes \(2, 3\) and \(3, 2\)\)"),
    ],
)
def test_shape_errors_are_pytorchs(make, message: str) -> None:
    with pytest.raises(RuntimeError, match=message):
        make()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Tensor(np.zeros(3)).clip(), "clip: give min, max or both"),
        (
            lambda: Tensor.cat([Tensor(np.zeros((2, 3))), Tensor(np.zeros((2, 4)))]),
            r"cat: shapes \(2, 3\) and \(2, 4\)",
        ),
    ],
)
def test_errors_name_the_problem(make, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make()


def test_out_of_range_dim_is_pytorchs_index_error() -> None:
    # PyTorch 2.13: IndexError "Dimension out of range (expected to be in range of [-2, 1], but got 2)"
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)"):
        Tensor(np.zeros((2, 3))).sum(axis=2)


def test_index_error_names_shape() -> None:
    with pytest.raises(IndexError, match="index 5 is out of bounds for dimension 0 with size 3"):
        Tensor(np.zeros(3))[5]


def test_detect_anomaly_names_the_op_forward_and_backward() -> None:
    x = Tensor([1.0, -1.0], requires_grad=True)
    assert np.isnan(x.log().data[1])  # outside anomaly mode: NaN, as numpy and PyTorch
    with tg.detect_anomaly(), pytest.raises(tg.AnomalyError, match=r"log forward produced NaN .* input shapes: \(2,\)"):
        x.log()
    z = Tensor([0.0, 1.0], requires_grad=True)
    y = z.sqrt()  # forward is finite; ∂√z/∂z = 1/(2√z) is Inf at 0
    with tg.detect_anomaly(), pytest.raises(tg.AnomalyError, match="sqrt backward produced Inf"):
        y.sum().backward()


def test_draw_dot_for_tensors() -> None:
    a = Tensor([[1.0, 2.0]], requires_grad=True, label="a")
    w = Tensor(np.ones((2, 3), dtype=np.float32), requires_grad=True, label="W")
    out = (a @ w).relu().sum()
    out.label = "loss"
    out.backward()
    src = draw_dot(out).source
    assert 'label="a\\l(1, 2) float32\\ldata\\l[[1., 2.]]\\lgrad\\l[[3., 3.]]\\l"' in src  # one field a line
    assert 'label="W\\l(2, 3) float32\\l' in src and 'label="@"' in src and 'label="relu"' in src
    big = Tensor(np.zeros((10, 10)), label="big")
    assert "data" not in draw_dot(big).source  # large tensors show only shape and dtype


def test_gradcheck_tensors_upcasts_and_catches_a_wrong_backward() -> None:
    x = Tensor(np.random.default_rng(0).normal(size=(2, 3)).astype(np.float32), requires_grad=True)
    assert gradcheck(lambda t: (t * t).softmax().log(), x)  # float32 input, checked in float64
    assert x.dtype == np.float32

    class WrongSquare(Op):
        name = "wrong_square"

        def forward(self, a):
            self.a = a
            return a * a

        def backward(self, g):
            return (g * self.a,)  # should be 2·a

    with pytest.raises(GradcheckError, match="6 Jacobian entries differ"):
        gradcheck(lambda t: apply(WrongSquare(), t), x)

"""What `import tinygrad_edu as torch` does not do, and the error a user gets for each (the README's
list "not supported" quotes these messages; every entry there is one test here)."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as torch


@pytest.mark.parametrize(
    "call",
    [
        lambda: torch.zeros(2, device="cuda"),
        lambda: torch.ones(2).to("cuda"),
        lambda: torch.ones(2).to(torch.device("cpu")).cuda(),
        lambda: torch.device("mps"),
    ],
)
def test_gpu_devices_are_refused_by_name(call) -> None:
    with pytest.raises(RuntimeError, match=r"is not supported: tinygrad_edu runs on the CPU only"):
        call()
    assert torch.cuda.is_available() is False


def test_sparse_tensors_are_refused() -> None:
    with pytest.raises(NotImplementedError, match="sparse tensors are not supported"):
        torch.sparse_coo_tensor([[0, 1]], [1.0, 2.0], (3,))
    with pytest.raises(NotImplementedError, match="sparse tensors are not supported"):
        torch.ones(2, 2).to_sparse()


def test_complex_numbers_are_refused() -> None:
    with pytest.raises(TypeError, match="complex128"):
        torch.tensor([1 + 2j])


def test_higher_order_gradients_are_refused() -> None:
    w = torch.ones(2, requires_grad=True)
    with pytest.raises(NotImplementedError, match="first derivatives only"):
        (w * w).sum().backward(create_graph=True)
    with pytest.raises(NotImplementedError, match="first derivatives only"):
        torch.autograd.grad((w * w).sum(), w, create_graph=True)


def test_in_place_change_of_an_interior_tensor_is_refused() -> None:
    y = torch.ones(2, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="in-place changes of a tensor that is part of a graph are not supported"):
        y.mul_(3)


def test_grad_is_a_numpy_array_not_a_tensor() -> None:
    """``w.grad.zero_()`` and ``w.grad.data`` are Tensor idioms; here ``.grad`` is numpy."""
    w = torch.ones(2, requires_grad=True)
    (w * 3).sum().backward()
    assert isinstance(w.grad, np.ndarray)
    with pytest.raises(AttributeError, match=r"'numpy\.ndarray' object has no attribute 'zero_'"):
        w.grad.zero_()
    with pytest.raises(TypeError, match="memoryview"):
        w.grad.data * 0.1  # ndarray.data is a raw memoryview
    with pytest.raises(AttributeError, match=r"'numpy\.ndarray' object has no attribute 'sub_'"):
        w.data.sub_(1)  # .data is the numpy array too
    # what works instead
    with torch.no_grad():
        w -= 0.1 * w.grad
    w.grad = None
    np.testing.assert_allclose(w.detach().numpy(), [0.7, 0.7], rtol=1e-6)

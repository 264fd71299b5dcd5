"""What `import tinygrad_edu as torch` does not do, and the error a user gets for each (the README's
list "not supported" quotes these messages; every entry there is one test here)."""

from __future__ import annotations

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

"""PyTorch-style modules and SGD: structure, initialisation, PyTorch agreement, training."""

from __future__ import annotations

import math

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor, Value, nn, optim
from tinygrad_edu.nn import functional as F

from .conftest import needs_torch


class TwoTower(nn.Module):
    """Nested modules, a list of modules and a bare parameter: all found automatically."""

    def __init__(self) -> None:
        self.encoder = nn.Sequential(nn.Linear(3, 4), nn.Tanh())
        self.heads = [nn.Linear(4, 2), nn.Linear(4, 1, bias=False)]
        self.scale = Tensor(np.ones(1, dtype=np.float32), requires_grad=True)
        self.not_a_param = Tensor(np.zeros(2))

    def forward(self, x: Tensor) -> Tensor:
        h = self.encoder(x)
        return Tensor.cat([self.heads[0](h), self.heads[1](h)], axis=1) * self.scale


def test_nested_modules_are_found() -> None:
    m = TwoTower()
    names = [n for n, _ in m.named_parameters()]
    # as PyTorch: a module's own parameters first, then each child's, in definition order
    assert names == ["scale", "encoder.0.weight", "encoder.0.bias", "heads.0.weight", "heads.0.bias", "heads.1.weight"]
    assert m.num_params() == 3 * 4 + 4 + 4 * 2 + 2 + 4 + 1
    out = m(Tensor(np.ones((5, 3), dtype=np.float32)))
    out.sum().backward()
    assert all(p.grad is not None and p.grad.shape == p.shape for p in m.parameters())
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())
    m.eval()
    assert not m.encoder.training and not m.heads[1].training


def test_linear_initialisation_bound_is_pytorchs() -> None:
    """PyTorch's default: W, b ~ U(−1/√fan_in, 1/√fan_in); the std of U(−a, a) is a/√3."""
    tg.manual_seed(0)
    lin = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    assert lin.weight.shape == (300, 400) and lin.bias.shape == (300,)
    assert np.abs(lin.weight.data).max() <= bound and np.abs(lin.bias.data).max() <= bound
    assert lin.weight.numpy().std() == pytest.approx(bound / math.sqrt(3), rel=0.01)
    assert lin.weight.dtype == np.float32


def test_linear_shape_error_and_sequential_type_error() -> None:
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(4x5 and 3x2\)"):
        nn.Linear(3, 2)(Tensor(np.zeros((4, 5), dtype=np.float32)))
    with pytest.raises(TypeError, match="Sequential: item 1 is a function, not a Module"):
        nn.Sequential(nn.ReLU(), F.relu)


def test_linear_gradcheck() -> None:
    lin = nn.Linear(3, 2, dtype=np.float64)
    x = Tensor(np.random.default_rng(0).normal(size=(4, 3)), requires_grad=True)
    assert tg.gradcheck(lambda x, w, b: F.linear(x, w, b).tanh(), [x, lin.weight, lin.bias])
    x3 = Tensor(np.random.default_rng(1).normal(size=(2, 4, 3)), requires_grad=True)  # batched input
    assert tg.gradcheck(lambda x, w, b: F.linear(x, w, b), [x3, lin.weight, lin.bias])


@needs_torch
def test_sequential_matches_pytorch_forward_and_gradients() -> None:
    import torch

    tg.manual_seed(1)
    ours = nn.Sequential(
        nn.Linear(5, 8, dtype=np.float64),
        nn.ReLU(),
        nn.Linear(8, 6, dtype=np.float64),
        nn.Sigmoid(),
        nn.Linear(6, 3, dtype=np.float64),
    )
    theirs = torch.nn.Sequential(
        torch.nn.Linear(5, 8), torch.nn.ReLU(), torch.nn.Linear(8, 6), torch.nn.Sigmoid(), torch.nn.Linear(6, 3)
    ).double()
    with torch.no_grad():
        for (name, p), (tname, tp) in zip(ours.named_parameters(), theirs.named_parameters(), strict=True):
            assert name == tname
            tp.copy_(torch.from_numpy(p.data.numpy()))
    x = np.random.default_rng(2).normal(size=(7, 5))
    y = np.array([0, 1, 2, 2, 1, 0, 1])
    loss = F.cross_entropy(ours(Tensor(x)), y)
    loss.backward()
    tloss = torch.nn.functional.cross_entropy(theirs(torch.from_numpy(x)), torch.from_numpy(y))
    tloss.backward()
    assert loss.item() == pytest.approx(tloss.item(), rel=1e-12)
    for p, tp in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad, tp.grad.numpy(), rtol=1e-10, atol=1e-14)


@needs_torch
@pytest.mark.parametrize(
    "kwargs",
    [
        {"lr": 0.1},
        {"lr": 0.05, "momentum": 0.9},
        {"lr": 0.05, "momentum": 0.9, "nesterov": True},
        {"lr": 0.05, "momentum": 0.8, "dampening": 0.3, "weight_decay": 0.01},
        {"lr": 0.02, "momentum": 0.9, "weight_decay": 0.1, "nesterov": True},
    ],
)
@pytest.mark.parametrize("shape", [(3,), (200, 100)], ids=["small-numpy-path", "large-numba-path"])
def test_sgd_matches_torch_for_50_steps(kwargs, shape) -> None:
    """Minimise Σ (A ⊙ θ − b)² + 0.01·Σ θ⁴ from the same start in float64 (A in [0.5, 1.5], so every
    learning rate here is stable); parameters agree with torch.optim.SGD to 1e-10."""
    import torch

    rng = np.random.default_rng(0)
    A, b, start = rng.uniform(0.5, 1.5, size=shape), rng.normal(size=shape), rng.normal(size=shape)
    ours = Tensor(start.copy(), requires_grad=True)
    theirs = torch.tensor(start.copy(), requires_grad=True)
    opt, topt = optim.SGD([ours], **kwargs), torch.optim.SGD([theirs], **kwargs)
    for _ in range(50):
        opt.zero_grad()
        (((ours * A - b) ** 2).sum() + (ours**4).sum() * 0.01).backward()
        opt.step()
        topt.zero_grad()
        (((theirs * torch.from_numpy(A) - torch.from_numpy(b)) ** 2).sum() + (theirs**4).sum() * 0.01).backward()
        topt.step()
    assert np.all(np.isfinite(ours.data))
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_sgd_trains_scalar_values_too() -> None:
    """θ ← θ − lr·g on a Value: minimising (θ − 3)² from 0 with lr 0.25 halves the error each step."""
    theta = Value(0.0)
    opt = optim.SGD([theta], lr=0.25)
    for _ in range(10):
        opt.zero_grad()
        ((theta - 3) ** 2).backward()
        opt.step()
    assert theta.data == pytest.approx(3 - 3 * 0.5**10, rel=1e-12)


def test_sgd_arguments_are_checked() -> None:
    p = Tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="lr must be non-negative"):
        optim.SGD([p], lr=-1)
    with pytest.raises(ValueError, match="Nesterov momentum needs momentum > 0"):
        optim.SGD([p], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([], lr=0.1)


def test_scalar_mlp_and_tensor_mlp_agree() -> None:
    """The same 3-4-4-1 tanh network as Values and as Tensors: same output, same gradients."""
    tg.manual_seed(4)
    scalar = nn.MLP(3, [4, 4, 1], activation="tanh")
    layers = []
    for i, layer in enumerate(scalar.layers):
        lin = nn.Linear(len(layer.neurons[0].w), len(layer.neurons), dtype=np.float64)
        lin.weight.data = np.array([[w.data for w in n.w] for n in layer.neurons])
        lin.bias.data = np.array([n.b.data for n in layer.neurons])
        layers += [lin, nn.Tanh()] if i < len(scalar.layers) - 1 else [lin]
    tensor = nn.Sequential(*layers)
    xs = [[0.5, -1.0, 2.0], [0.1, 0.2, -0.3]]
    v_loss = Value.sum(scalar(x) ** 2 for x in xs)
    t_loss = (tensor(Tensor(np.array(xs))) ** 2).sum()
    v_loss.backward()
    t_loss.backward()
    assert v_loss.data == pytest.approx(t_loss.item(), rel=1e-13)
    for layer, lin in zip(scalar.layers, tensor.layers[::2]):
        np.testing.assert_allclose([[w.grad for w in n.w] for n in layer.neurons], lin.weight.grad, rtol=1e-12)
        np.testing.assert_allclose([n.b.grad for n in layer.neurons], lin.bias.grad, rtol=1e-12)


def test_tensor_mlp_learns_two_moons() -> None:
    from tinygrad_edu.datasets import make_moons

    tg.manual_seed(0)
    X, y = make_moons(200, noise=0.1, seed=0)
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 2))
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    Xt = Tensor(X.astype(np.float32))
    for _ in range(300):
        loss = F.cross_entropy(model(Xt), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    accuracy = (model(Xt).argmax(axis=1).numpy() == y).mean()
    assert accuracy > 0.97 and loss.item() < 0.1

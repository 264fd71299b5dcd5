"""The calls of PyTorch's beginner tutorials ("Learning PyTorch with Examples", the 60-minute blitz),
written our own way, run through ``import tinygrad_edu as torch``-style code and compared with PyTorch
from the same initial values: the printed losses agree.

Each test runs one function twice, with ``lib`` = tinygrad_edu and ``lib`` = torch: the same
calls (``lib.sin``, in-place ``-=`` on a leaf under ``no_grad``, ``x.size()``, a custom
``autograd.Function``, ``loss.grad_fn.next_functions``), the same initial values, and the losses
compared. Nothing in these tests is copied from the tutorials; they exercise the same API.
"""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

import tinygrad_edu as tg

torch = pytest.importorskip("torch", reason="PyTorch not installed: these tests compare with it")

X = np.linspace(-math.pi, math.pi, 2000, dtype=np.float32)
Y = np.sin(X)


def fit(model, x, y, loss_fn, optimizer, steps: int) -> list[float]:
    """The tutorials' loop: forward, loss, zero_grad, backward, step; the loss every 100th step."""
    losses = []
    for t in range(steps):
        loss = loss_fn(model(x), y)
        if t % 100 == 99:
            losses.append(loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return losses


def run_polynomial_nn(lib, state, opt_name: str, lr: float, steps: int = 300) -> list[float]:
    """y ≈ Linear(x, x², x³) flattened, trained with a sum-of-squares loss (the tutorial's "nn" and "optim")."""
    x = lib.linspace(-math.pi, math.pi, 2000)
    y = lib.sin(x)
    xx = x.unsqueeze(-1).pow(lib.tensor([1, 2, 3]))  # (2000, 3), float32 ** int64 stays float32
    assert xx.size() == (2000, 3) and xx.dtype == x.dtype
    model = lib.nn.Sequential(lib.nn.Linear(3, 1), lib.nn.Flatten(0, 1))
    model.load_state_dict({k: lib.tensor(v) for k, v in state.items()})
    loss_fn = lib.nn.MSELoss(reduction="sum")
    optimizer = getattr(lib.optim, opt_name)(model.parameters(), lr=lr)
    losses = fit(model, xx, y, loss_fn, optimizer, steps)
    linear = model[0]
    losses += [linear.bias.item(), linear.weight[:, 0].item(), linear.weight[:, 2].item()]
    return losses


@pytest.mark.parametrize(("opt_name", "lr"), [("SGD", 1e-6), ("RMSprop", 1e-3), ("Adam", 1e-3)])
def test_nn_and_optim_polynomial_prints_pytorchs_losses(opt_name, lr) -> None:
    tg.manual_seed(0)
    state = tg.nn.Sequential(tg.nn.Linear(3, 1), tg.nn.Flatten(0, 1)).state_dict()
    ours = run_polynomial_nn(tg, state, opt_name, lr)
    theirs = run_polynomial_nn(torch, state, opt_name, lr)
    np.testing.assert_allclose(ours, theirs, rtol=2e-4, atol=1e-6)


def make_polynomial3(lib):
    class Polynomial3(lib.nn.Module):
        """y = a + b x + c x² + d x³ with four scalar Parameters."""

        def __init__(self, init: np.ndarray) -> None:
            super().__init__()
            self.a, self.b, self.c, self.d = (lib.nn.Parameter(lib.tensor(v)) for v in init)

        def forward(self, x):
            return self.a + self.b * x + self.c * x**2 + self.d * x**3

        def string(self) -> str:
            return f"y = {self.a.item()} + {self.b.item()} x + {self.c.item()} x^2 + {self.d.item()} x^3"

    return Polynomial3


def make_dynamic_net(lib):
    class DynamicNet(lib.nn.Module):
        """A cubic plus 0-2 extra powers, reusing one Parameter for each (control flow and weight sharing)."""

        def __init__(self, init: np.ndarray) -> None:
            super().__init__()
            self.a, self.b, self.c, self.d, self.e = (lib.nn.Parameter(lib.tensor(v)) for v in init)

        def forward(self, x):
            y = self.a + self.b * x + self.c * x**2 + self.d * x**3
            for power in range(4, random.randint(4, 6)):
                y = y + self.e * x**power
            return y

    return DynamicNet


@pytest.mark.parametrize(
    ("factory", "n_params", "opt_kwargs", "steps"),
    [(make_polynomial3, 4, {"lr": 1e-6}, 400), (make_dynamic_net, 5, {"lr": 1e-8, "momentum": 0.9}, 300)],
)
def test_custom_module_training_prints_pytorchs_losses(factory, n_params, opt_kwargs, steps) -> None:
    init = np.random.default_rng(5).standard_normal(n_params).astype(np.float32)
    results = []
    for lib in (tg, torch):
        random.seed(0)  # DynamicNet's depth per step: the same sequence in both runs
        model = factory(lib)(init)
        x, y = lib.tensor(X), lib.tensor(Y)
        criterion = lib.nn.MSELoss(reduction="sum")
        optimizer = lib.optim.SGD(model.parameters(), **opt_kwargs)
        losses = fit(model, x, y, criterion, optimizer, steps)
        results.append(losses + [p.item() for p in model.parameters()])
        assert [k for k, _ in model.named_parameters()] == list("abcde"[:n_params])
    np.testing.assert_allclose(results[0], results[1], rtol=2e-4, atol=1e-6)


def run_tensors_by_hand(lib, init: np.ndarray, steps: int = 300) -> list[float]:
    """The "Tensors" step: forward, loss and hand-written gradients, updated in place with no autograd."""
    dtype, device = lib.float, lib.device("cpu")
    x = lib.linspace(-math.pi, math.pi, 2000, device=device, dtype=dtype)
    y = lib.sin(x)
    a, b, c, d = (lib.full((), float(v), device=device, dtype=dtype) for v in init)
    losses = []
    for t in range(steps):
        y_pred = a + b * x + c * x**2 + d * x**3
        if t % 100 == 99:
            losses.append((y_pred - y).pow(2).sum().item())
        grad_y_pred = 2.0 * (y_pred - y)
        a -= 1e-6 * grad_y_pred.sum()
        b -= 1e-6 * (grad_y_pred * x).sum()
        c -= 1e-6 * (grad_y_pred * x**2).sum()
        d -= 1e-6 * (grad_y_pred * x**3).sum()
    return losses + [a.item(), b.item(), c.item(), d.item()]


def run_autograd_by_hand(lib, init: np.ndarray, steps: int = 300) -> list[float]:
    """The "autograd" step: leaves with requires_grad, loss.backward(), updates under no_grad."""
    x = lib.linspace(-math.pi, math.pi, 2000)
    y = lib.sin(x)
    a, b, c, d = (lib.tensor(float(v), requires_grad=True) for v in init)
    leaves = [id(t) for t in (a, b, c, d)]
    losses = []
    for t in range(steps):
        loss = (a + b * x + c * x**2 + d * x**3 - y).pow(2).sum()
        if t % 100 == 99:
            losses.append(loss.item())
        loss.backward()
        with lib.no_grad():
            a -= 1e-6 * a.grad
            b -= 1e-6 * b.grad
            c -= 1e-6 * c.grad
            d -= 1e-6 * d.grad
            a.grad = None
            b.grad = None
            c.grad = None
            d.grad = None
    assert [id(t) for t in (a, b, c, d)] == leaves and a.requires_grad and a.is_leaf
    return losses + [a.item(), b.item(), c.item(), d.item()]


def make_legendre(lib):
    class LegendrePolynomial3(lib.autograd.Function):
        """P₃(x) = ½(5x³ − 3x) with its derivative written by hand: P₃'(x) = 1.5(5x² − 1)."""

        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return 0.5 * (5 * x**3 - 3 * x)

        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            return grad_output * 1.5 * (5 * x**2 - 1)

    return LegendrePolynomial3


def run_custom_function(lib, steps: int = 300) -> list[float]:
    """y ≈ a + b·P₃(c + d·x) with P₃ a custom autograd Function (the tutorial's starting values)."""
    x = lib.linspace(-math.pi, math.pi, 2000)
    y = lib.sin(x)
    a, b, c, d = (lib.full((), v, requires_grad=True) for v in (0.0, -1.0, 0.0, 0.3))
    p3 = make_legendre(lib).apply
    losses = []
    for t in range(steps):
        loss = (a + b * p3(c + d * x) - y).pow(2).sum()
        if t % 100 == 99:
            losses.append(loss.item())
        loss.backward()
        with lib.no_grad():
            for p in (a, b, c, d):
                p -= 5e-6 * p.grad
                p.grad = None
    return losses + [a.item(), b.item(), c.item(), d.item()]


def run_nn_by_hand(lib, state, steps: int = 300) -> list[float]:
    """The "nn" step: Sequential(Linear, Flatten(0, 1)), model.zero_grad() and a hand-written
    SGD update of each parameter in place under no_grad."""
    x = lib.linspace(-math.pi, math.pi, 2000)
    y = lib.sin(x)
    xx = x.unsqueeze(-1).pow(lib.tensor([1, 2, 3]))
    model = lib.nn.Sequential(lib.nn.Linear(3, 1), lib.nn.Flatten(0, 1))
    model.load_state_dict({k: lib.tensor(v) for k, v in state.items()})
    loss_fn = lib.nn.MSELoss(reduction="sum")
    losses = []
    for t in range(steps):
        loss = loss_fn(model(xx), y)
        if t % 100 == 99:
            losses.append(loss.item())
        model.zero_grad()
        loss.backward()
        with lib.no_grad():
            for param in model.parameters():
                param -= 1e-6 * param.grad
    linear = model[0]
    return losses + [linear.bias.item(), linear.weight[:, 0].item(), linear.weight[:, 2].item()]


def test_tensors_step_prints_pytorchs_losses() -> None:
    init = np.random.default_rng(6).standard_normal(4).astype(np.float32)
    np.testing.assert_allclose(run_tensors_by_hand(tg, init), run_tensors_by_hand(torch, init), rtol=2e-4, atol=1e-6)


def test_autograd_step_prints_pytorchs_losses() -> None:
    init = np.random.default_rng(8).standard_normal(4).astype(np.float32)
    np.testing.assert_allclose(run_autograd_by_hand(tg, init), run_autograd_by_hand(torch, init), rtol=2e-4, atol=1e-6)


def test_custom_autograd_function_step_prints_pytorchs_losses() -> None:
    ours, theirs = run_custom_function(tg), run_custom_function(torch)
    np.testing.assert_allclose(ours, theirs, rtol=2e-4, atol=1e-6)
    assert ours[-1] < ours[0]  # it learns


def test_nn_step_prints_pytorchs_losses() -> None:
    tg.manual_seed(1)
    state = tg.nn.Sequential(tg.nn.Linear(3, 1), tg.nn.Flatten(0, 1)).state_dict()
    np.testing.assert_allclose(run_nn_by_hand(tg, state), run_nn_by_hand(torch, state), rtol=2e-4, atol=1e-6)


def make_lenet(lib):
    F = lib.nn.functional

    class Net(lib.nn.Module):
        """The blitz's LeNet-5 shape: two conv + pool stages and three linear layers."""

        def __init__(self) -> None:
            super().__init__()
            self.conv1 = lib.nn.Conv2d(1, 6, 5)
            self.conv2 = lib.nn.Conv2d(6, 16, 5)
            self.fc1 = lib.nn.Linear(16 * 5 * 5, 120)
            self.fc2 = lib.nn.Linear(120, 84)
            self.fc3 = lib.nn.Linear(84, 10)

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
            x = F.max_pool2d(F.relu(self.conv2(x)), 2)
            x = lib.flatten(x, 1)
            return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))

    return Net


def grad_of(p) -> np.ndarray:
    """A parameter's gradient as numpy (ours is an array, PyTorch's a tensor)."""
    return np.asarray(p.grad if isinstance(p.grad, np.ndarray) else p.grad.numpy())


def run_blitz_network(lib, net, inp: np.ndarray, up: np.ndarray, target: np.ndarray) -> dict:
    """The blitz's neural-network page, call by call: parameters and their sizes, a forward pass,
    backward from a random upstream gradient, MSE loss and its grad_fn chain, zero_grad, a manual
    SGD update, then three steps of optim.SGD."""
    seen: dict = {}
    params = list(net.parameters())
    seen["sizes"] = [tuple(p.size()) for p in params]
    x = lib.tensor(inp)
    out = net(x)
    net.zero_grad()
    out.backward(lib.tensor(up))
    seen["fc3 grad after backward(up)"] = grad_of(net.fc3.weight).copy()
    t = lib.tensor(target).view(1, -1)
    criterion = lib.nn.MSELoss()
    loss = criterion(net(x), t)
    chain, node = [], loss.grad_fn
    while getattr(node, "backward_name", type(node).__name__) != "AddmmBackward0":  # walk back to fc3
        chain.append(getattr(node, "backward_name", type(node).__name__))
        node = node.next_functions[0][0]
    leaves = [f.variable for f, _ in node.next_functions if type(f).__name__ == "AccumulateGrad"]
    assert any(v is net.fc3.bias for v in leaves)
    seen["chain"] = chain
    net.zero_grad()
    seen["bias grad after zero_grad"] = net.conv1.bias.grad
    loss.backward()
    seen["conv1 bias grad"] = grad_of(net.conv1.bias).copy()
    with lib.no_grad():
        for f in net.parameters():
            f.sub_(f.grad * 0.01)
    optimizer = lib.optim.SGD(net.parameters(), lr=0.01)
    losses = []
    for _ in range(3):
        optimizer.zero_grad()
        loss = criterion(net(x), t)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    seen["losses"] = losses
    return seen


def test_blitz_neural_network_page_runs_like_pytorch() -> None:
    theirs = make_lenet(torch)()
    ours = make_lenet(tg)()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    assert [k for k, _ in ours.named_parameters()] == [k for k, _ in theirs.named_parameters()]
    rng = np.random.default_rng(7)
    inp = rng.standard_normal((1, 1, 32, 32)).astype(np.float32)
    up = rng.standard_normal((1, 10)).astype(np.float32)
    target = rng.standard_normal(10).astype(np.float32)
    a, b = run_blitz_network(tg, ours, inp, up, target), run_blitz_network(torch, theirs, inp, up, target)
    assert a["sizes"] == b["sizes"] and len(a["sizes"]) == 10 and a["sizes"][0] == (6, 1, 5, 5)
    assert a["bias grad after zero_grad"] is None and b["bias grad after zero_grad"] is None
    np.testing.assert_allclose(a["fc3 grad after backward(up)"], b["fc3 grad after backward(up)"], rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(a["conv1 bias grad"], b["conv1 bias grad"], rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(a["losses"], b["losses"], rtol=1e-5)
    # PyTorch fuses MSE into one node; ours is mean((x − t)²), its last node printed under PyTorch's name:
    # both walks reach fc3's Addmm node
    assert b["chain"] == ["MseLossBackward0"]
    assert a["chain"] == ["MseLossBackward0", "PowBackward0", "SubBackward0"]


def numpy_state(module) -> dict[str, np.ndarray]:
    return {k: np.array(v.detach().numpy() if hasattr(v, "detach") else v) for k, v in module.state_dict().items()}


def test_blitz_autograd_page_runs_like_pytorch() -> None:
    """requires_grad flows to results; freezing a model's parameters leaves only a new head trainable."""
    rng = np.random.default_rng(2)
    data = rng.standard_normal((4, 8)).astype(np.float32)
    labels = rng.standard_normal((4, 3)).astype(np.float32)
    tg.manual_seed(0)
    body = numpy_state(tg.nn.Sequential(tg.nn.Linear(8, 6), tg.nn.ReLU(), tg.nn.Linear(6, 3)))
    head = numpy_state(tg.nn.Linear(6, 3))
    losses = []
    for lib in (tg, torch):
        x, y = lib.rand(5, 5), lib.rand(5, 5)
        z = lib.rand((5, 5), requires_grad=True)
        assert (x + y).requires_grad is False and (x + z).requires_grad is True
        model = lib.nn.Sequential(lib.nn.Linear(8, 6), lib.nn.ReLU(), lib.nn.Linear(6, 3))
        model.load_state_dict({k: lib.tensor(v) for k, v in body.items()})
        for param in model.parameters():
            param.requires_grad = False
        model[2] = lib.nn.Linear(6, 3)  # a new head, trainable
        model[2].load_state_dict({k: lib.tensor(v) for k, v in head.items()})
        trainable = [n for n, p in model.named_parameters() if p.requires_grad]
        assert trainable == ["2.weight", "2.bias"] and len(list(model.parameters())) == 4
        optimizer = lib.optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)
        run = []
        for _ in range(3):
            optimizer.zero_grad()
            loss = (model(lib.tensor(data)) - lib.tensor(labels)).pow(2).sum()
            loss.backward()
            optimizer.step()
            run.append(loss.item())
        assert model[0].weight.grad is None  # frozen: no gradient computed
        np.testing.assert_array_equal(numpy_state(model[0])["weight"], body["0.weight"])
        losses.append(run)
    np.testing.assert_allclose(losses[0], losses[1], rtol=1e-5)
    assert losses[0][-1] < losses[0][0]


def test_readme_pytorch_way_runs() -> None:
    """The README's "The PyTorch way" block runs as written and fits sin(x) as PyTorch's tutorial does."""
    import re
    import subprocess
    import sys
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    block = re.search(r"### The PyTorch way\n.*?```python\n(.*?)```", readme, re.S)
    assert block is not None, "README has no 'The PyTorch way' section with a python block"
    done = subprocess.run([sys.executable, "-c", block.group(1)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert float(done.stdout.split()[0]) < 20  # the cubic fit of sin on [−π, π] ends near 9

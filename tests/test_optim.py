"""Every optimizer against torch.optim for 50 steps on the same float64 problem, and gradient clipping."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_edu import Tensor, Value, optim

from .conftest import needs_torch

CONFIGS = [
    ("Adagrad", {"lr": 0.1}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.05, "initial_accumulator_value": 0.1}),
    ("RMSprop", {"lr": 0.01}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.9, "centered": True, "weight_decay": 0.01}),
    ("Adadelta", {}),
    ("Adadelta", {"lr": 0.5, "rho": 0.8, "weight_decay": 0.02}),
    ("Adam", {"lr": 0.01}),
    ("Adam", {"lr": 0.02, "betas": (0.8, 0.99), "weight_decay": 0.01}),
    ("AdamW", {}),
    ("AdamW", {"lr": 0.02, "betas": (0.8, 0.99), "weight_decay": 0.5}),
    ("Nadam", {}),
    ("Nadam", {"lr": 0.01, "weight_decay": 0.01, "momentum_decay": 0.01}),
]
TORCH_NAME = {"Nadam": "NAdam"}


def loss_of(theta, A, b, lib):
    """Σ (A ⊙ θ − b)² + 0.01·Σ θ⁴: smooth, with a curvature that varies across elements."""
    return ((theta * A - b) ** 2).sum() + (theta**4).sum() * 0.01


@needs_torch
@pytest.mark.parametrize("shape", [(3,), (200, 100)], ids=["small", "large-kernel-path"])
@pytest.mark.parametrize(("name", "kwargs"), CONFIGS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CONFIGS)])
def test_matches_torch_for_50_steps(name: str, kwargs: dict, shape) -> None:
    import torch

    rng = np.random.default_rng(0)
    A, b, start = rng.uniform(0.5, 1.5, shape), rng.normal(size=shape), rng.normal(size=shape)
    ours = Tensor(start.copy(), requires_grad=True)
    theirs = torch.tensor(start.copy(), requires_grad=True)
    opt = getattr(optim, name)([ours], **kwargs)
    topt = getattr(torch.optim, TORCH_NAME.get(name, name))([theirs], **kwargs)
    At, bt = torch.from_numpy(A), torch.from_numpy(b)
    for _ in range(50):
        opt.zero_grad()
        loss_of(ours, A, b, None).backward()
        opt.step()
        topt.zero_grad()
        loss_of(theirs, At, bt, None).backward()
        topt.step()
    assert np.all(np.isfinite(ours.data)) and not np.allclose(ours.data, start)
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-6, atol=1e-9)


def test_adam_first_step_is_lr_times_sign() -> None:
    """At t = 1, m̂ = g and v̂ = g², so Adam moves each parameter by lr·g/(|g| + ε) ≈ lr·sign(g)."""
    start, g = np.array([1.0, -2.0, 3.0]), np.array([0.5, -4.0, 1e-3])
    p = Tensor(start.copy(), requires_grad=True)
    p.grad = g.copy()
    optim.Adam([p], lr=0.1).step()
    np.testing.assert_allclose(p.data, start - 0.1 * g / (np.abs(g) + 1e-8), rtol=1e-14)


def test_optimizers_train_values() -> None:
    theta = Value(0.0)
    opt = optim.Adam([theta], lr=0.1)
    for _ in range(300):
        opt.zero_grad()
        ((theta - 2) ** 2).backward()
        opt.step()
    assert theta.data == pytest.approx(2.0, abs=1e-3)


def test_clip_grad_norm_scales_jointly() -> None:
    a, b = Tensor([0.0, 0.0], requires_grad=True), Tensor([0.0], requires_grad=True)
    a.grad, b.grad = np.array([3.0, 0.0]), np.array([4.0])
    total = optim.clip_grad_norm_([a, b], max_norm=1.0)
    assert total == pytest.approx(5.0)  # ‖(3, 0, 4)‖ = 5
    np.testing.assert_allclose(np.concatenate([a.grad, b.grad]), np.array([3.0, 0.0, 4.0]) / (5.0 + 1e-6))
    a.grad = np.array([0.3, 0.0])
    assert optim.clip_grad_norm_([a], max_norm=1.0) == pytest.approx(0.3)
    np.testing.assert_array_equal(a.grad, [0.3, 0.0])  # below the limit: untouched


def test_clip_grad_norm_inf_and_values() -> None:
    v = Value(1.0)
    v.grad = -7.0
    a = Tensor([0.0, 0.0], requires_grad=True)
    a.grad = np.array([2.0, -0.5])
    assert optim.clip_grad_norm_([v, a], max_norm=3.5, norm_type=float("inf")) == 7.0
    assert v.grad == pytest.approx(-3.5, rel=1e-6)
    optim.clip_grad_value_([v, a], 0.4)
    assert v.grad == -0.4
    np.testing.assert_array_equal(a.grad, np.clip(np.array([2.0, -0.5]) * 3.5 / (7 + 1e-6), -0.4, 0.4))


@needs_torch
def test_clip_grad_norm_matches_torch() -> None:
    import torch

    g = np.random.default_rng(1).normal(size=(4, 5))
    ours = Tensor(np.zeros((4, 5)), requires_grad=True)
    ours.grad = g.copy()
    theirs = torch.zeros(4, 5, dtype=torch.float64, requires_grad=True)
    theirs.grad = torch.tensor(g.copy())
    assert optim.clip_grad_norm_([ours], 0.5) == pytest.approx(torch.nn.utils.clip_grad_norm_([theirs], 0.5).item())
    np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-12)


SCHEDULERS = [
    ("StepLR", {"step_size": 3, "gamma": 0.5}),
    ("MultiStepLR", {"milestones": [4, 9, 9, 20], "gamma": 0.3}),
    ("ExponentialLR", {"gamma": 0.9}),
    ("CosineAnnealingLR", {"T_max": 10, "eta_min": 0.001}),
    ("LambdaLR", {"lr_lambda": lambda epoch: 1 / (1 + epoch)}),
]


@needs_torch
@pytest.mark.parametrize(("name", "kwargs"), SCHEDULERS, ids=[n for n, _ in SCHEDULERS])
def test_lr_schedulers_match_torch_over_30_epochs(name: str, kwargs: dict) -> None:
    """The learning rate of each epoch (read from ``param_groups`` and ``get_last_lr``) and the parameters of
    an SGD run with momentum under the schedule equal torch's, in float64. PyTorch updates step by step from
    the previous rate, these are its closed forms: equal to rounding (rtol 1e-12)."""
    import torch

    rng = np.random.default_rng(0)
    A, b, start = rng.uniform(0.5, 1.5, (4,)), rng.normal(size=4), rng.normal(size=4)
    ours, theirs = Tensor(start.copy(), requires_grad=True), torch.tensor(start.copy(), requires_grad=True)
    opt, topt = optim.SGD([ours], lr=0.05, momentum=0.9), torch.optim.SGD([theirs], lr=0.05, momentum=0.9)
    sched = getattr(optim.lr_scheduler, name)(opt, **kwargs)
    tsched = getattr(torch.optim.lr_scheduler, name)(topt, **kwargs)
    rates, trates = [], []
    for _ in range(30):
        rates.append((opt.param_groups[0]["lr"], sched.get_last_lr()[0]))
        trates.append((topt.param_groups[0]["lr"], tsched.get_last_lr()[0]))
        for o, x, a, bb in ((opt, ours, A, b), (topt, theirs, torch.from_numpy(A), torch.from_numpy(b))):
            o.zero_grad()
            loss_of(x, a, bb, None).backward()
            o.step()
        sched.step()
        tsched.step()
    np.testing.assert_allclose(rates, trates, rtol=1e-12)
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-10)


def test_param_groups_write_through_with_the_optimizers_checks() -> None:
    w = Tensor([1.0], requires_grad=True)
    opt = optim.Adam([w], lr=0.1, betas=(0.8, 0.9))
    (group,) = opt.param_groups
    assert group["params"] == [w] and group["betas"] == (0.8, 0.9) and sorted(group) == sorted(
        ["params", "lr", "eps", "weight_decay", "betas"]
    )
    group["lr"] = 0.01
    assert opt.lr == 0.01 == opt.param_groups[0]["lr"]
    with pytest.raises(ValueError, match="Adam: lr must be non-negative, got -1"):
        group["lr"] = -1
    with pytest.raises(ValueError, match="Adam: beta1 must lie in"):
        group["betas"] = (1.0, 0.9)
    with pytest.raises(KeyError):
        group["momentum"] = 0.9  # Adam has none


def test_a_scheduler_names_what_it_needs() -> None:
    from tinygrad_edu import keras

    with pytest.raises(TypeError, match=r"StepLR: needs a tinygrad_edu\.optim optimizer, got Adam"):
        optim.lr_scheduler.StepLR(keras.optimizers.Adam().bind([Tensor([1.0], requires_grad=True)]), 2)
    with pytest.raises(ValueError, match="StepLR: step_size must be a positive integer, got 0"):
        optim.lr_scheduler.StepLR(optim.SGD([Tensor([1.0], requires_grad=True)], lr=0.1), 0)

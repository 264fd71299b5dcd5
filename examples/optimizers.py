"""Eight optimizers on one problem: the same MLP, the same start, the same data (two moons).

SGD, SGD with momentum, Nesterov momentum, Adagrad, RMSprop, Adadelta, Adam and Nadam, each with
PyTorch's update rule (see tinygrad_edu.optim) and a common learning rate where it has one; the
loss curves go into one plot.

    python examples/optimizers.py [--steps 300] [--out DIR] [--quick]
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np

from tinygrad_edu import Tensor, nn, optim
from tinygrad_edu.datasets import make_moons
from tinygrad_edu.nn import functional as F
from tinygrad_edu.rng import manual_seed

OPTIMIZERS = {
    "SGD": lambda p: optim.SGD(p, lr=0.1),
    "momentum": lambda p: optim.SGD(p, lr=0.1, momentum=0.9),
    "Nesterov": lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True),
    "Adagrad": lambda p: optim.Adagrad(p, lr=0.1),
    "RMSprop": lambda p: optim.RMSprop(p, lr=0.01),
    "Adadelta": lambda p: optim.Adadelta(p, lr=1.0),
    "Adam": lambda p: optim.Adam(p, lr=0.01),
    "Nadam": lambda p: optim.Nadam(p, lr=0.01),
}


def train(make_optimizer, X: np.ndarray, y: np.ndarray, steps: int) -> list[float]:
    manual_seed(0)  # the same initial weights for every optimizer
    model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 2))
    opt = make_optimizer(model.parameters())
    x = Tensor(X.astype(np.float32))
    losses = []
    for _ in range(steps):
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def main(argv: list[str] | None = None) -> dict[str, list[float]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--out", type=Path, default=Path("out"))
    parser.add_argument("--quick", action="store_true", default=os.environ.get("CI") == "true")
    args = parser.parse_args(argv)
    steps = min(args.steps, 100) if args.quick else args.steps
    X, y = make_moons(200, noise=0.15, seed=0)
    curves = {name: train(make, X, y, steps) for name, make in OPTIMIZERS.items()}
    print(f"two moons, MLP 2-16-16-2 (tanh), full batch, {steps} steps from the same start")
    print(f"{'optimizer':<10} {'first loss':>10} {'last loss':>10}")
    for name, losses in sorted(curves.items(), key=lambda kv: kv[1][-1]):
        print(f"{name:<10} {losses[0]:>10.4f} {losses[-1]:>10.4f}")
    try:
        from tinygrad_edu import plots

        args.out.mkdir(parents=True, exist_ok=True)
        plots.plot_curves(curves, log=True, title="loss per step", path=args.out / "optimizers.png")
        print("loss curves:", args.out / "optimizers.png")
    except ImportError:
        print("(install matplotlib for the loss-curve plot)")
    return curves


if __name__ == "__main__":
    main()

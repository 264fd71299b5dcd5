"""Eight optimizers on one problem: the same MLP, the same start, the same data (two moons).

SGD, SGD with momentum, Nesterov momentum, Adagrad, RMSprop, Adadelta, Adam and Nadam, each with
PyTorch's update rule (see tinygrad_edu.optim) and a learning rate that suits it; the loss curves
go into one plot. The experiment itself is `tinygrad_edu.experiments.compare_optimizers`, which
chapter 5's notebook runs too.

    python examples/optimizers.py [--steps 300] [--out DIR] [--quick]
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from tinygrad_edu.experiments import compare_optimizers


def main(argv: list[str] | None = None) -> dict[str, list[float]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--out", type=Path, default=Path("out"))
    parser.add_argument("--quick", action="store_true", default=os.environ.get("CI") == "true")
    args = parser.parse_args(argv)
    steps = min(args.steps, 100) if args.quick else args.steps
    curves = compare_optimizers(steps)
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

"""Why initialisation matters: zeros, too large, Xavier/He; and vanishing gradients in deep sigmoid nets.

1. Zeros: every hidden unit computes the same thing and receives the same gradient, so after
   training the units are still identical (the symmetry is never broken).
2. Too large (N(0, 4²) weights into tanh units): the units saturate at ±1, where tanh′ ≈ 0.
3. Xavier (tanh) and He (ReLU): the variance of activations stays put and the network trains.
4. A 10-layer sigmoid network: the gradient norm shrinks layer by layer towards the input,
   since σ′ ≤ 1/4 multiplies in at every layer; ReLU with He initialisation does not shrink.

    python examples/initialisation.py [--quick]
"""

from __future__ import annotations

import argparse
import itertools
import os

import numpy as np

from tinygrad_edu import Tensor, nn, optim
from tinygrad_edu.datasets import make_moons
from tinygrad_edu.nn import functional as F
from tinygrad_edu.rng import manual_seed


def mlp(init: str, activation: type[nn.Module] = nn.Tanh, sizes: tuple[int, ...] = (2, 16, 16, 2)) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(itertools.pairwise(sizes)):
        lin = nn.Linear(a, b)
        {
            "zeros": nn.init.zeros_,
            "large": lambda w: nn.init.normal_(w, 0.0, 4.0),
            "xavier": nn.init.xavier_uniform_,
            "he": lambda w: nn.init.kaiming_normal_(w, nonlinearity="relu"),
            "default": lambda w: w,
        }[init](lin.weight)
        nn.init.zeros_(lin.bias)
        layers.append(lin)
        if i < len(sizes) - 2:
            layers.append(activation())
    return nn.Sequential(*layers)


def train(model: nn.Sequential, steps: int) -> float:
    X, y = make_moons(200, noise=0.15, seed=0)
    x = Tensor(X.astype(np.float32))
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    for _ in range(steps):
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return float(np.mean(model(x).argmax(1).data == y))


def layer_gradient_norms(model: nn.Sequential) -> list[float]:
    """‖∂L/∂W‖ for each Linear layer, input side first, on one batch."""
    X, y = make_moons(200, noise=0.15, seed=1)
    F.cross_entropy(model(Tensor(X.astype(np.float32))), y).backward()
    return [float(np.linalg.norm(m.weight.grad)) for m in model.layers if isinstance(m, nn.Linear)]


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", default=os.environ.get("CI") == "true")
    args = parser.parse_args(argv)
    steps = 150 if args.quick else 400
    results: dict[str, object] = {}

    manual_seed(0)
    zeros = mlp("zeros")
    results["zeros accuracy"] = train(zeros, steps)
    w = zeros.layers[0].weight.data
    results["zeros: hidden units identical"] = bool(np.allclose(w, w[:1]))
    print(
        f"zeros:  accuracy {results['zeros accuracy']:.3f}; all 16 first-layer units identical after training: "
        f"{results['zeros: hidden units identical']}"
    )

    manual_seed(0)
    large = mlp("large")
    X, _ = make_moons(200, noise=0.15, seed=0)
    h = large.layers[1](large.layers[0](Tensor(X.astype(np.float32)))).data
    results["large: saturated fraction"] = float(np.mean(np.abs(h) > 0.99))
    results["large accuracy"] = train(large, steps)
    print(
        f"large:  {100 * results['large: saturated fraction']:.0f}% of first-layer tanh units saturated (|h| > 0.99) "
        f"at the start; accuracy {results['large accuracy']:.3f}"
    )

    for init, act in (("xavier", nn.Tanh), ("he", nn.ReLU)):
        manual_seed(0)
        results[f"{init} accuracy"] = train(mlp(init, act), steps)
        print(f"{init + ':':<7} accuracy {results[f'{init} accuracy']:.3f}")

    deep = (2, *([32] * 10), 2)
    for name, init, act in (("sigmoid, Xavier", "xavier", nn.Sigmoid), ("ReLU, He", "he", nn.ReLU)):
        manual_seed(0)
        norms = layer_gradient_norms(mlp(init, act, deep))
        results[f"gradient norms {name}"] = norms
        print(f"10 hidden layers, {name}: ‖∂L/∂W‖ from input to output layer: " + " ".join(f"{n:.1e}" for n in norms))
    return results


if __name__ == "__main__":
    main()

"""Logic gates from McCulloch-Pitts neurons, Rosenblatt's perceptron, its failure on XOR, and an MLP.

python examples/perceptron_gates.py [--out DIR]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from tinygrad_edu import Value, nn
from tinygrad_edu.classic import McCullochPitts, Perceptron
from tinygrad_edu.datasets import logic_gate, xor
from tinygrad_edu.random import manual_seed


def mp_gates() -> dict[str, list[int]]:
    gates = {"OR": McCullochPitts(1), "AND": McCullochPitts(2), "x AND NOT y": McCullochPitts(1, inhibitory=[1])}
    inputs = [[0, 0], [0, 1], [1, 0], [1, 1]]
    print("McCulloch-Pitts gates on (0,0) (0,1) (1,0) (1,1):")
    table = {}
    for name, gate in gates.items():
        table[name] = [gate(x) for x in inputs]
        print(f"  {name:<12} {table[name]}")
    return table


def perceptrons() -> dict[str, object]:
    results = {}
    for name in ("and", "or", "nand", "xor"):
        X, d = logic_gate(name)
        p = Perceptron(2, lr=0.1)
        results[name] = p.fit(X, d, max_epochs=100)
        print(f"perceptron on {name.upper():<4}: {results[name].message}; predicts {p.predict(X).astype(int).tolist()}")
    return results


def mlp_on_xor() -> list[float]:
    """A 2-4-1 tanh MLP of scalar Values, gradient descent on the squared error with ±1 targets."""
    manual_seed(3)
    X, d = xor()
    targets = 2 * d - 1
    model = nn.MLP(2, [4, 1])
    for _ in range(300):
        loss = Value.sum((model(list(x)) - t) ** 2 for x, t in zip(X, targets))
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= 0.05 * p.grad
    outputs = [model(list(x)).data for x in X]
    print(
        f"MLP 2-4-1 on XOR: loss {loss.data:.4f}, outputs {np.round(outputs, 3).tolist()} for targets "
        f"{targets.astype(int).tolist()}"
    )
    return outputs


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out"))
    args = parser.parse_args(argv)
    out = {"mp": mp_gates(), "perceptron": perceptrons(), "mlp": mlp_on_xor()}
    try:
        from tinygrad_edu import plots

        args.out.mkdir(parents=True, exist_ok=True)
        X, d = xor()
        p = Perceptron(2)
        p.fit(X, d, max_epochs=100)
        plots.plot_decision_boundary(
            p.predict, X, d, 100, path=args.out / "xor_perceptron.png", title="a perceptron cannot separate XOR"
        )
        print("decision boundary:", args.out / "xor_perceptron.png")
    except ImportError:
        print("(install matplotlib for the decision-boundary picture)")
    return out


if __name__ == "__main__":
    main()

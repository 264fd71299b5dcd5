"""The step-by-step backpropagation example, checked number by number against the textbook.

Builds the textbook's 2-2-2 logistic network from named Values (w1..w8, net_h1, out_o1, E_total,
...), runs backward() once, takes one gradient step with learning rate 0.5, and prints every
number the textbook prints next to ours. The graph of E_total, with each node's value and
gradient, the local derivative on each edge and the chain rule for dE/dw5 drawn on it, is written
as SVG (and as DOT text, which needs no renderer). The README's picture is made by

    python examples/step_by_step_backprop.py --out docs
"""

from __future__ import annotations

import argparse
from pathlib import Path

from tinygrad_edu.worked_example import report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out"), help="folder for the graph pictures")
    args = parser.parse_args(argv)
    return 0 if report(args.out) else 1


if __name__ == "__main__":
    raise SystemExit(main())

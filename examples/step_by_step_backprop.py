"""The step-by-step backpropagation example, checked number by number against the textbook.

Builds the textbook's 2-2-2 logistic network from named Values (w1..w8, net_h1, out_o1, E_total,
...), runs backward() once, takes one gradient step with learning rate 0.5, and prints every
number the textbook prints next to ours. The graph of E_total, with each node's value and
gradient, is written as SVG (and as DOT text, which needs no renderer).

    python examples/step_by_step_backprop.py [--out DIR]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from tinygrad_edu import draw_dot
from tinygrad_edu.viz import find_renderer
from tinygrad_edu.worked_example import ROUNDED_INTERMEDIATES, comparison_table, step_by_step


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out"), help="folder for the graph pictures")
    args = parser.parse_args(argv)

    example = step_by_step()
    rows = comparison_table(example)
    print(f"{'quantity':<22} | {'textbook':>12} | {'tinygrad_edu':>14} | match")
    print(f"{'-' * 22}-+-{'-' * 12}-+-{'-' * 14}-+------")
    for name, printed, ours, ok in rows:
        note = " *" if name in ROUNDED_INTERMEDIATES else ""
        print(f"{name:<22} | {printed:>12} | {ours:>14.10f} | {'yes' if ok else 'NO'}{note}")
    print(
        "* the textbook computed this from rounded intermediates; exact arithmetic gives "
        f"{example.error_after:.10f}, equal to 6 significant digits"
    )

    args.out.mkdir(parents=True, exist_ok=True)
    graph = draw_dot(example.nodes["E_total"], precision=6)
    written = [graph.save(args.out / "step_by_step_backprop.dot")]
    if find_renderer():
        written.append(graph.save(args.out / "step_by_step_backprop.svg"))
    print("graph of E_total with every value and gradient:", ", ".join(map(str, written)))
    return 0 if all(ok for *_, ok in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())

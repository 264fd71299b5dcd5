"""The classic step-by-step backpropagation example, built from named `Value`s.

A 2-2-2 network with logistic units (Mazur, "A Step by Step Backpropagation Example", 2015):

    net_h1 = w1·i1 + w2·i2 + b1      out_h1 = σ(net_h1)      (h2 likewise with w3, w4)
    net_o1 = w5·out_h1 + w6·out_h2 + b2   out_o1 = σ(net_o1)   (o2 likewise with w7, w8)
    E_total = ½(target_o1 − out_o1)² + ½(target_o2 − out_o2)²

with i1 = 0.05, i2 = 0.10, w1..w8 = 0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55, b1 = 0.35,
b2 = 0.60, targets 0.01 and 0.99. One gradient-descent step with learning rate 0.5 updates
w1..w8 (w ← w − 0.5·∂E/∂w); the biases stay fixed, as in the textbook.

`TEXTBOOK` holds the numbers the textbook prints; `step_by_step` reproduces them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .engine import Value

INPUTS = {"i1": 0.05, "i2": 0.10}
WEIGHTS = {"w1": 0.15, "w2": 0.20, "w3": 0.25, "w4": 0.30, "w5": 0.40, "w6": 0.45, "w7": 0.50, "w8": 0.55}
BIASES = {"b1": 0.35, "b2": 0.60}
TARGETS = {"target_o1": 0.01, "target_o2": 0.99}
LEARNING_RATE = 0.5

#: (quantity, printed value) in the textbook's order. The value after the update comes from the
#: textbook's rounded intermediates; exact arithmetic gives 0.2910277737 (agreeing to 6 digits).
TEXTBOOK: list[tuple[str, str]] = [
    ("net_h1", "0.3775"),
    ("out_h1", "0.593269992"),
    ("out_h2", "0.596884378"),
    ("out_o1", "0.75136507"),
    ("out_o2", "0.772928465"),
    ("E_total", "0.298371109"),
    ("dE/dw5", "0.082167041"),
    ("w5+", "0.35891648"),
    ("w6+", "0.408666186"),
    ("w7+", "0.511301270"),
    ("w8+", "0.561370121"),
    ("dE/dout_h1", "0.036350306"),
    ("dE/dw1", "0.000438568"),
    ("w1+", "0.149780716"),
    ("E_total after update", "0.291027924"),
]
ROUNDED_INTERMEDIATES = {"E_total after update"}


def forward(weights: dict[str, float] | None = None) -> dict[str, Value]:
    """Build the network's graph from labelled Values; returns every node by its textbook name."""
    w = {**WEIGHTS, **(weights or {})}
    v: dict[str, Value] = {name: Value(x, label=name) for name, x in {**INPUTS, **w, **BIASES, **TARGETS}.items()}

    def unit(net: str, out: str, wa: str, xa: str, wb: str, xb: str, bias: str) -> None:
        v[net] = v[wa] * v[xa] + v[wb] * v[xb] + v[bias]
        v[net].label = net
        v[out] = v[net].sigmoid()
        v[out].label = out

    unit("net_h1", "out_h1", "w1", "i1", "w2", "i2", "b1")
    unit("net_h2", "out_h2", "w3", "i1", "w4", "i2", "b1")
    unit("net_o1", "out_o1", "w5", "out_h1", "w6", "out_h2", "b2")
    unit("net_o2", "out_o2", "w7", "out_h1", "w8", "out_h2", "b2")
    for o in ("o1", "o2"):
        v[f"E_{o}"] = 0.5 * (v[f"target_{o}"] - v[f"out_{o}"]) ** 2
        v[f"E_{o}"].label = f"E_{o}"
    v["E_total"] = v["E_o1"] + v["E_o2"]
    v["E_total"].label = "E_total"
    return v


@dataclass
class WorkedExample:
    """The graph before the update (with gradients), the updated weights and the new error."""

    nodes: dict[str, Value]
    updated: dict[str, float]
    error_after: float

    def ours(self) -> dict[str, float]:
        """Our value for each quantity in `TEXTBOOK`."""
        n = self.nodes
        table = {name: n[name].data for name in ("net_h1", "out_h1", "out_h2", "out_o1", "out_o2", "E_total")}
        table["dE/dw5"] = n["w5"].grad
        table.update({f"{k}+": self.updated[k] for k in ("w5", "w6", "w7", "w8")})
        table["dE/dout_h1"] = n["out_h1"].grad
        table["dE/dw1"] = n["w1"].grad
        table["w1+"] = self.updated["w1"]
        table["E_total after update"] = self.error_after
        return table


def step_by_step() -> WorkedExample:
    """Forward, backward, one update of w1..w8 with learning rate 0.5, and the forward again."""
    nodes = forward()
    nodes["E_total"].backward()
    updated = {k: nodes[k].data - LEARNING_RATE * nodes[k].grad for k in WEIGHTS}
    return WorkedExample(nodes, updated, forward(updated)["E_total"].data)


def matches(printed: str, ours: float) -> bool:
    """True when ``ours`` rounds to the textbook's printed digits (6 significant digits for the
    figure that the textbook computed from rounded intermediates)."""
    decimals = len(printed.split(".")[1])
    return abs(ours - float(printed)) <= 0.5 * 10.0**-decimals * (1 + 1e-9)


def comparison_table(example: WorkedExample) -> list[tuple[str, str, float, bool]]:
    """Rows (quantity, textbook, ours, match) for every printed number."""
    ours = example.ours()
    rows = []
    for name, printed in TEXTBOOK:
        if name in ROUNDED_INTERMEDIATES:
            ok = f"{ours[name]:.6g}" == f"{float(printed):.6g}"
        else:
            ok = matches(printed, ours[name])
        rows.append((name, printed, ours[name], ok))
    return rows


def report(out: str | Path) -> bool:
    """Print every textbook number next to ours, save the graph of E_total (DOT, and SVG when a
    renderer exists) to ``out``, and return whether every number matched.

    The graph shows the textbook's 9 decimals, the local derivative on every edge, and the path
    from E_total to w5 with the chain rule's product written under it (``draw_dot(..., wrt="w5")``).
    """
    from .viz import draw_dot, find_renderer

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
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    graph = draw_dot(example.nodes["E_total"], precision=9, local=True, wrt="w5")
    written = [graph.save(out / "step_by_step_backprop.dot")]
    if find_renderer():
        written.append(graph.save(out / "step_by_step_backprop.svg"))
    print("graph of E_total with every value, gradient and local derivative:", ", ".join(map(str, written)))
    print("\n".join(graph.chain_rule.lines(9)))
    return all(ok for *_, ok in rows)

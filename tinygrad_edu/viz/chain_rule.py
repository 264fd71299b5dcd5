"""The multivariate chain rule read off a drawing: every path from the output to one node, the local
derivatives along it, their products and their sum."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

from .nodes import _Node
from .text import format_number


@dataclass
class ChainRule:
    """Every path from the output down to one node, each path's local derivatives (grouped between
    named nodes) and their product; ``total`` is the sum over the paths, the node's gradient."""

    target: str
    root: str
    paths: list[list[_Node]]
    factors: list[list[tuple[str, str, float]]]  # per path: (upper name, lower name, ∂upper/∂lower)
    products: list[float]

    @property
    def total(self) -> float:
        """Σ over paths of Π over edges of ∂child/∂parent."""
        return math.fsum(self.products)

    def lines(self, precision: int) -> list[str]:
        """The chain rule as text, one line per path, then the sum when there are several paths."""
        fmt = lambda v: format_number(v, precision)  # noqa: E731
        out = []
        many = len(self.products) > 1
        for k, (factors, product) in enumerate(zip(self.factors, self.products), 1):
            head = f"path {k}: " if many else f"∂{self.root}/∂{self.target} = "
            out.append(head + " · ".join(f"∂{a}/∂{b}" for a, b, _ in factors))
            out.append(
                " " * (len(head) - (0 if many else 2))
                + "= "
                + " × ".join(fmt(v) for _, _, v in factors)
                + f" = {fmt(product)}"
            )
        if many:
            out.append(f"∂{self.root}/∂{self.target} = sum over the {len(self.products)} paths = {fmt(self.total)}")
        return out


def _describe(node: _Node, depth: int = 2) -> str:
    """A node's name, or for an unnamed one the expression that made it (``x1*w1``) when short."""
    if node.title:
        return node.title
    if depth and node.op in ("+", "-", "*", "/") and len(node.parents) == 2:
        text = node.op.join(_describe(p, depth - 1) for p, _ in node.parents)
        if len(text) <= 24 and "?" not in text:
            return f"({text})"
    return "?" if depth < 2 else f"the {node.op} node's output"


def _chain_rule(nodes: list[_Node], target: _Node, max_paths: int) -> ChainRule:
    root = nodes[-1]
    paths: list[list[_Node]] = []
    edges: list[list[float]] = []

    reach: dict[int, bool] = {}
    for n in nodes:  # inputs first: which nodes have the target among their inputs
        reach[id(n)] = n is target or any(reach[id(p)] for p, _ in n.parents)
    nodes_on = {k for k, v in reach.items() if v}

    def walk_reaching(node: _Node, path: list[_Node], locals_: list[float]) -> None:
        if len(paths) > max_paths:
            return
        if node is target:
            paths.append(path)
            edges.append(locals_)
            return
        for parent, local in node.parents:
            assert local is not None, "a Value graph's edges each hold their local derivative"
            if id(parent) in nodes_on:
                walk_reaching(parent, [*path, parent], [*locals_, local])

    walk_reaching(root, [root], [])
    if len(paths) > max_paths:
        raise ValueError(f"draw_dot: more than {max_paths} paths lead to {_describe(target)}; raise max_paths")
    tags = itertools.count(1)

    def name(node: _Node) -> str:
        """A node's name; an unnamed node whose expression is too long to write gets a short tag
        (``tanh#2``), written into its box too, so every factor of the footer can be found on the picture."""
        text = _describe(node)
        if node.title or text.startswith("("):
            return text
        node.title = f"{node.op or 'node'}#{next(tags)}"
        return node.title

    def group(path: list[_Node], locals_: list[float], at_every_node: bool) -> list[tuple[str, str, float]]:
        grouped: list[tuple[str, str, float]] = []
        upper, value = path[0], 1.0
        for lower, local in zip(path[1:], locals_):
            value *= local
            # split at named nodes (or every node), except where the factor so far is exactly 1 (a
            # sum): the textbook writes ∂E_total/∂out_o1, not ∂E_total/∂E_o1 · ∂E_o1/∂out_o1 with a 1
            if lower is target or ((at_every_node or lower.title) and value != 1.0):
                grouped.append((name(upper), name(lower), value))
                upper, value = lower, 1.0
        return grouped

    # with no named node between the two ends (an MLP's loss and a weight), one factor per edge
    at_every_node = not any(n.title for path in paths for n in path[1:-1])
    factors, products = [], []
    for path, locals_ in zip(paths, edges):
        factors.append(group(path, locals_, at_every_node))
        products.append(math.prod(local for local in locals_))
    return ChainRule(name(target), name(root), paths, factors, products)

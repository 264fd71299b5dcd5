"""The boxes of a picture: a Value or Tensor graph walked into drawing nodes, with names and gradients."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..engine import Value
from ..graph import topological_order
from .render import SMALL_GRAPH


@dataclass
class _Node:
    """One box of the picture: a graph node, or one ``*`` of an expanded ``dot``."""

    key: str
    title: str
    op: str
    data: Any
    grad: Any
    parents: list[tuple[_Node, float | None]] = field(default_factory=list)
    source: Any = None  # the Value/Tensor drawn, None for a product inside an expanded dot


def _parameter_names(params: Any) -> dict[int, str]:
    """id(node) → name, from a module (its ``named_parameters()``), a dict or (name, node) pairs."""
    if params is None:
        return {}
    if hasattr(params, "named_parameters"):
        pairs: Iterable[tuple[str, Any]] = params.named_parameters()
    elif isinstance(params, dict):
        pairs = params.items()
    else:
        pairs = params
    names = {}
    for name, node in pairs:
        if not isinstance(name, str):
            raise TypeError(f"draw_dot: params must map names (str) to nodes, got the key {name!r}")
        names[id(node)] = name
    return names


def _build(root: Any, names: dict[int, str], expand_dot: bool) -> list[_Node]:
    """The nodes to draw, inputs before their users; ``dot`` ops expanded into ``*`` and ``+``."""
    drawn: dict[int, _Node] = {}
    out: list[_Node] = []
    for node in topological_order(root):
        title = node.label or names.get(id(node), "")
        if node.label and id(node) in names and names[id(node)] != node.label:
            title = f"{node.label} ({names[id(node)]})"
        op = node._op
        local: tuple[float | None, ...] = tuple(node._local) if isinstance(node, Value) else (None,) * len(node._prev)
        parents = [(drawn[id(p)], d) for p, d in zip(node._prev, local)]
        if expand_dot and op == "dot" and isinstance(node, Value):
            n = (len(parents) - 1) // 2
            products = []
            for i in range(n):
                (w, dw), (x, dx) = parents[i], parents[n + i]
                prod = _Node(f"{len(out)}", "", "*", w.data * x.data, node.grad, [(w, dw), (x, dx)])
                out.append(prod)
                products.append((prod, 1.0))
            op, parents = "+", [*products, parents[-1]]
        me = _Node(f"{len(out)}", title, op, node.data, node.grad, parents, node)
        drawn[id(node)] = me
        out.append(me)
    return out


def _interior_tensor_grads(root: Any) -> dict[int, np.ndarray]:
    """∂root/∂node for every node of a Tensor graph, by running ``root.backward()`` once with
    every node retaining its gradient, then putting every ``.grad`` back as it was."""
    order = topological_order(root)
    saved = [(n, n.grad, n._retain) for n in order]
    try:
        for n in order:
            n.grad = None
            if n.grad_fn is not None:
                n.retain_grad()
        root.backward(np.ones_like(root.data))
        return {id(n): n.grad for n in order if n.grad is not None}
    finally:
        for n, grad, retain in saved:
            n.grad, n._retain = grad, retain


@dataclass
class _Drawing:
    nodes: list[_Node]
    rankdir: str
    grads: dict[int, Any]


def _prepare(
    root: Any,
    rankdir: str | None,
    params: Any,
    expand_dot: bool,
    max_nodes: int,
    interior_grads: bool,
) -> _Drawing:
    if rankdir is not None and rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"draw_dot: rankdir must be LR, TB, RL or BT (or None to choose), got {rankdir!r}")
    if not hasattr(root, "_prev"):
        raise TypeError(f"draw_dot: root must be a Value or a Tensor, got {type(root).__name__}")
    size = len(topological_order(root))
    if size > max_nodes:
        raise ValueError(
            f"draw_dot: the graph has {size} nodes, over max_nodes={max_nodes}: too many to read, and slow to "
            f"render. Draw a smaller piece (a single neuron, one sample's loss, a smaller batch or model), follow "
            f"its backward pass node by node with viz.backward_steps(root), or draw it anyway with "
            f"draw_dot(root, max_nodes={size})"
        )
    nodes = _build(root, _parameter_names(params), expand_dot)
    is_value = isinstance(root, Value)
    if is_value:
        grads = {id(n): n.grad for n in nodes}
    elif interior_grads and root.requires_grad:
        by_source = _interior_tensor_grads(root)
        grads = {id(n): by_source.get(id(n.source)) for n in nodes}
    else:
        grads = {id(n): n.source.grad for n in nodes}
    if rankdir is None:
        rankdir = "LR" if len(nodes) <= SMALL_GRAPH else "TB"
    return _Drawing(nodes, rankdir, grads)


def _find_target(nodes: list[_Node], wrt: Any) -> _Node:
    for n in nodes:
        if n.source is wrt or (isinstance(wrt, str) and wrt and wrt in (n.title, n.source.label if n.source else "")):
            return n
    raise ValueError(f"draw_dot: wrt={wrt!r} is not a node of this graph (give the Value itself or its label)")

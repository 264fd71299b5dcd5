"""The replay's numpy twin (``TINYGRAD_EDU_JIT=0``): the tape's rows regrouped into levels of
independent rows, each level run as a few vectorised calls.

Forward: rows of the same depth (longest path from a leaf) and op run together; an op of the table
applies its formula (`tinygrad_edu.scalar_ops`, the one `Value` calls) to the level's rows through
``np.frompyfunc``, so the numbers are eager mode's; ``dot`` multiplies and adds whole rows in the
order Python's ``sum()`` does, ``sum`` is `scalar_ops.fsum` row by row. Backward: slots of the same
height (longest path to the root) get their gradients together, each the sum of its incoming
contributions in the order `Value.backward` adds them.

Building the plan takes time linear in the rows and operands. A level costs a few numpy calls
whatever its width, so a deep, narrow tape (a chain) is left to the generated replay run by Python
(`tinygrad_edu.compiled.kernel.replay`), which costs the same per row at any depth.
"""

from __future__ import annotations

import numpy as np

from .. import scalar_ops as ops
from .kernel import NEUMAIER, replay
from .tape import Tape

#: Below this many rows per level on average, the rows run one by one (see the module doc).
MIN_ROWS_PER_LEVEL = 8
_UFUNCS = {code: np.frompyfunc(op.formula, 3, 4) for code, op in enumerate(ops.OPS) if op.formula is not None}


def _groups(keys: np.ndarray) -> list[np.ndarray]:
    """Indices of equal rows of ``keys`` (n, k), groups in the keys' lexicographic order, each
    group in increasing index order."""
    if len(keys) == 0:
        return []
    order = np.lexsort(keys.T[::-1])
    sorted_keys = keys[order]
    cuts = np.flatnonzero((sorted_keys[1:] != sorted_keys[:-1]).any(axis=1)) + 1
    return np.split(order, cuts)


class TwinPlan:
    """The tape regrouped for numpy: forward by depth, backward by height, rows of one op together."""

    def __init__(self, tape: Tape) -> None:
        self.tape = tape
        op, out, ptr, args = tape.as_lists()[:4]
        depth = [0] * tape.n_slots
        for i in range(len(op)):  # longest path from a leaf
            depth[out[i]] = 1 + max(depth[a] for a in args[ptr[i] : ptr[i + 1]])
        self.n_levels = max(depth, default=0)
        self.vectorised = len(op) >= MIN_ROWS_PER_LEVEL * self.n_levels
        if self.vectorised:
            self._plan_forward(depth)
            self._plan_backward()

    def _plan_forward(self, depth: list[int]) -> None:
        tape = self.tape
        arity = np.diff(tape.ptr)
        keys = np.stack([np.asarray(depth)[tape.out], tape.op, arity], axis=1)
        self.forward = []
        for rows in _groups(keys):
            edges = tape.ptr[rows][:, None] + np.arange(arity[rows[0]])
            args = tape.args[edges].astype(np.int64)
            self.forward.append((int(tape.op[rows[0]]), rows, tape.out[rows].astype(np.int64), args, edges))

    def _plan_backward(self) -> None:
        """Heights, and each slot's incoming edges in the order `Value.backward` adds them."""
        tape = self.tape
        op, out, ptr, args = tape.as_lists()[:4]
        height = [0] * tape.n_slots
        incoming: list[list[int]] = [[] for _ in range(tape.n_slots)]
        for i in range(len(op) - 1, -1, -1):
            h = height[out[i]] + 1
            for j in range(ptr[i], ptr[i + 1]):
                p = args[j]
                height[p] = max(height[p], h)
                incoming[p].append(j)
        self.edge_out = np.repeat(tape.out, np.diff(tape.ptr)).astype(np.int64)
        heights = np.asarray(height, dtype=np.int64)
        slots = np.flatnonzero(np.arange(tape.n_slots) != tape.root)
        n_in = np.array([len(incoming[s]) for s in slots], dtype=np.int64)
        slot_groups: dict[int, list[tuple[np.ndarray, np.ndarray]]] = {}  # height -> [(slots, their incoming edges)]
        for group in _groups(np.stack([heights[slots], n_in], axis=1)):
            s = slots[group]
            k = int(n_in[group[0]])
            rows = np.array([incoming[x] for x in s.tolist()], dtype=np.int64).reshape(len(s), k)
            slot_groups.setdefault(int(heights[s[0]]), []).append((s, rows))
        row_groups = {int(heights[tape.out[g[0]]]): g for g in _groups(heights[tape.out][:, None])}
        self.backward = []
        for h in sorted(slot_groups):
            rows = row_groups.get(h, np.zeros(0, dtype=np.int64))
            spans = [np.arange(tape.ptr[i], tape.ptr[i + 1], dtype=np.int64) for i in map(int, rows)]
            edges = np.concatenate(spans) if spans else np.zeros(0, dtype=np.int64)
            self.backward.append((slot_groups[h], edges))
        rows0 = np.flatnonzero(tape.out == tape.root)
        self.root_edges = np.arange(tape.ptr[rows0[0]], tape.ptr[rows0[0] + 1]) if len(rows0) else np.zeros(0, int)

    def run(self, v: np.ndarray, loc: np.ndarray, g: np.ndarray, partials: np.ndarray) -> int:
        """Forward and backward, as `kernel.replay`: -1, or the first row whose operands its op rejects."""
        if not self.vectorised:
            return replay(self.tape, v, loc, g, partials, jit=False)
        with np.errstate(all="ignore"):  # inf and NaN propagate as in eager mode, without warnings
            err = self._forward(v, loc)
            if err < 0:
                self._backward(loc, g)
        return err

    def _forward(self, v: np.ndarray, loc: np.ndarray) -> int:
        const = self.tape.const
        for code, rows, o, A, E in self.forward:
            if code == ops.SUM:  # math.fsum is exact only when taken in one go: one row at a time
                loc[E] = 1.0
                for slot, ins in zip(o.tolist(), A):
                    v[slot] = ops.fsum(v[ins].tolist())
            elif code == ops.DOT:
                m = (A.shape[1] - 1) // 2
                W, X = v[A[:, :m]], v[A[:, m : 2 * m]]
                loc[E[:, :m]], loc[E[:, m : 2 * m]], loc[E[:, -1]] = X, W, 1.0
                v[o] = v[A[:, -1]] + _python_sum(W * X)
            else:
                b = v[A[:, 1]] if A.shape[1] == 2 else 0.0
                r, da, db, err = _UFUNCS[code](v[A[:, 0]], b, const[rows])
                bad = np.flatnonzero(err.astype(np.int64))
                if len(bad):
                    return int(rows[bad[0]])
                v[o] = r.astype(np.float64)
                loc[E[:, 0]] = da.astype(np.float64)
                if A.shape[1] == 2:
                    loc[E[:, 1]] = db.astype(np.float64)
        return -1

    def _backward(self, loc: np.ndarray, g: np.ndarray) -> None:
        contrib = np.zeros(len(loc) + 1)

        def push(edges: np.ndarray) -> None:
            go = g[self.edge_out[edges]]
            contrib[edges] = np.where(go != 0.0, loc[edges] * go, 0.0)

        g[:] = 0.0
        g[self.tape.root] = 1.0
        push(self.root_edges)
        for sums, edges in self.backward:
            for slots, incoming in sums:  # left to right: the order in which Value.backward adds them
                g[slots] = _sequential_sum(contrib[incoming])
            push(edges)


def _sequential_sum(terms: np.ndarray) -> np.ndarray:
    """Row sums of a 2-D array, left to right: ((0 + t₀) + t₁) + … (``add.accumulate`` is sequential;
    ``+ 0.0`` turns the −0.0 that an all-(−0.0) row gives into the +0.0 that starting from 0 gives)."""
    if terms.shape[1] == 0:
        return np.zeros(terms.shape[0])
    return np.add.accumulate(terms, axis=1)[:, -1] + 0.0


def _python_sum(terms: np.ndarray) -> np.ndarray:
    """Row sums of a 2-D array as Python's ``sum()`` adds floats: left to right, with Neumaier's
    compensation from Python 3.12 on."""
    if not NEUMAIER:
        return _sequential_sum(terms)
    acc, comp = np.zeros(terms.shape[0]), np.zeros(terms.shape[0])
    for p in terms.T:
        t = acc + p
        comp += np.where(np.abs(acc) >= np.abs(p), (acc - t) + p, (p - t) + acc)
        acc = t
    return np.where((comp != 0.0) & np.isfinite(comp), acc + comp, acc)

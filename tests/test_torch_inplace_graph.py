"""In-place changes of tensors in the graph, as PyTorch allows them (issue 21): a tensor that other ops
already used, and views of graph tensors (PyTorch's ``CopySlices``). Each idiom runs as the same code
under ``torch`` and under ``tinygrad_edu`` on random float64 values; values and gradients must agree
to 1e-12 relative (the same float64 arithmetic, summed in another order at most), errors must be of
the same type. The makemore part-4 idioms (``dlogits[range(n), Yb] -= 1``, ``dC[ix] += demb[k, j]``)
are among them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import gradcheck

torch = pytest.importorskip("torch", reason="PyTorch not installed: these tests compare with it")

RTOL = 1e-12


def _numpy(x: Any) -> Any:
    if isinstance(x, (list, tuple)):
        return [_numpy(v) for v in x]
    if hasattr(x, "detach"):
        return x.detach().numpy()
    return x


def same(idiom: Callable[[Any, Callable[..., Any]], Any], *shapes: tuple[int, ...]) -> None:
    """Run ``idiom(lib, arg)`` under torch and tinygrad_edu, ``arg(i)`` giving the i-th random float64
    array of ``shapes`` as a leaf that requires grad; assert equal results, or errors of one type."""
    rng = np.random.default_rng()
    arrays = [rng.standard_normal(s) for s in shapes]
    outcome = []
    for lib in (torch, tg):

        def arg(i: int, lib: Any = lib) -> Any:
            return lib.tensor(arrays[i].copy(), dtype=lib.float64, requires_grad=True)

        try:
            outcome.append(("ok", _numpy(idiom(lib, arg))))
        except Exception as err:  # compared below: both libraries must raise the same type
            outcome.append((type(err), str(err)))
    (kind_t, theirs), (kind_o, ours) = outcome
    assert kind_o == kind_t, f"torch: {kind_t} {theirs}; tinygrad_edu: {kind_o} {ours}"
    if kind_t == "ok":
        assert len(theirs) == len(ours)
        for a, b in zip(theirs, ours):
            if isinstance(a, (str, bool)):
                assert a == b
            else:
                np.testing.assert_allclose(np.asarray(b), np.asarray(a), rtol=RTOL, atol=1e-14)


# ----------------------------------------------------------------------------- a tensor already used
@pytest.mark.parametrize("op", ["add_", "sub_", "mul_", "div_", "+=", "setitem"])
def test_a_used_tensor_changed_in_place_keeps_its_old_node_for_earlier_users(op: str) -> None:
    def idiom(lib, arg):
        x, w = arg(0), arg(1)
        h = x * 2
        y = h + w  # uses h before the change (add saves nothing, so PyTorch allows it)
        if op == "+=":
            h += w
        elif op == "setitem":
            h[1:] = w[1:] * 3
        else:
            getattr(h, op)(w)
        z = h * h  # uses h after the change
        (y * 5 + z).sum().backward()
        return [h, y, x.grad, w.grad]

    same(idiom, (4,), (4,))


def test_a_used_tensor_changed_twice_gives_each_user_its_version() -> None:
    def idiom(lib, arg):
        x, w = arg(0), arg(1)
        h = x.exp()
        a = h + 1
        h.mul_(w)
        b = h + 2
        h.sub_(w * w)
        c = h * 3
        (a * 1 + b * 10 + c * 100).sum().backward()
        return [x.grad, w.grad]

    same(idiom, (3,), (3,))


def _self_operand(lib: Any, arg: Callable[..., Any], change: str) -> Any:
    a, w = arg(0), arg(1)
    h = a * w
    v = h[1:]  # a view of h
    if change == "h += h":
        h += h
    elif change == "h.sub_(h)":
        h.sub_(h)
    elif change == "h *= h":
        h *= h
    elif change == "v += v":
        v += v
    else:  # v.mul_(v): saves the view it changes
        v.mul_(v)
    (h * lib.tensor([1.0, 10.0, 100.0], dtype=lib.float64)).sum().backward()
    return [h, a.grad, w.grad]


@pytest.mark.parametrize("change", ["h += h", "h.sub_(h)", "h *= h", "v += v", "v.mul_(v)"])
def test_a_tensor_as_an_operand_of_its_own_change_is_its_value_before(change: str) -> None:
    """``h += h`` reads h as it was: the gradient reaches that twice (it reached it once, the new node's, before);
    an op that saves the operand (``h *= h``) saw it change, and backward raises, both as PyTorch."""
    same(lambda lib, arg: _self_operand(lib, arg, change), (3,), (3,))


def test_a_saved_tensor_changed_in_place_raises_as_pytorch() -> None:
    def idiom(lib, arg):
        h = arg(0) * 1
        y = h * h  # saves h
        h += 1
        y.sum().backward()

    same(idiom, (2,))


@pytest.mark.parametrize("use", ["mul", "rmul", "div", "matmul", "linear", "mul_both", "div_by"])
def test_an_input_is_saved_only_where_a_needed_gradient_reads_it(use: str) -> None:
    """PyTorch saves a·b's a only for ∂/∂b: changing a in place after ``a * 2`` is no error, after ``a * w``
    (w requires grad) it is."""

    def idiom(lib, arg):
        x, w = arg(0), arg(1)
        h = x * 1
        c = lib.tensor(np.linspace(0.5, 2.0, 12).reshape(3, 4), dtype=lib.float64)
        y = {
            "mul": lambda: h * c,
            "rmul": lambda: 2.0 * h,
            "div": lambda: h / c,
            "matmul": lambda: h @ c.t(),
            "linear": lambda: lib.nn.functional.linear(h, c),
            "mul_both": lambda: h * w,
            "div_by": lambda: c / h,
        }[use]()
        h += 1
        (y.sum() + (h * h).sum()).backward()
        return [x.grad, "unused" if w.grad is None else w.grad]

    same(idiom, (3, 4), (3, 4))


def test_next_functions_show_the_node_an_op_saw() -> None:
    def idiom(lib, arg):
        h = arg(0) * 2
        y = h + 1
        h += 1
        before, after = y.grad_fn.next_functions[0][0], (h * 1).grad_fn.next_functions[0][0]
        return [repr(before).split()[0], repr(after).split()[0]]

    same(idiom, (2,))


# ----------------------------------------------------------------------------- makemore part 4's idioms
def test_dlogits_minus_one_at_the_labels_with_grad_on() -> None:
    def idiom(lib, arg):
        logits = arg(0)
        labels = lib.tensor([0, 3, 2, 4, 3])
        dlogits = lib.nn.functional.softmax(logits, 1)
        dlogits[range(5), labels] -= 1
        dlogits /= 5
        return [dlogits, dlogits.requires_grad]

    same(idiom, (5, 6))


def test_backward_through_a_changed_softmax_output_raises_as_pytorch() -> None:
    def idiom(lib, arg):
        d = lib.nn.functional.softmax(arg(0), 1)  # softmax saves its output
        d[range(2), lib.tensor([0, 1])] -= 1
        d.sum().backward()

    same(idiom, (2, 3))


def test_dlogits_idiom_differentiates_when_nothing_saved_it() -> None:
    def idiom(lib, arg):
        logits = arg(0)
        d = logits * 2
        d[range(4), lib.tensor([1, 0, 2, 2])] -= logits[:, 0] ** 2
        (d * d).sum().backward()
        return [d, logits.grad]

    same(idiom, (4, 3))


def test_dC_accumulated_row_by_row_from_a_graph_tensor() -> None:
    def idiom(lib, arg):
        C = arg(0)
        X = lib.tensor([[1, 2, 5], [2, 5, 5], [0, 1, 1]])
        demb = (C[X] * 2).tanh()
        dC = lib.zeros_like(C)
        for k in range(X.shape[0]):
            for j in range(X.shape[1]):
                dC[X[k, j]] += demb[k, j]
        (dC * dC).sum().backward()
        return [dC, C.grad, dC.requires_grad]

    same(idiom, (6, 3))


# ----------------------------------------------------------------------------- writes through views
def test_augmented_assignment_of_rows_and_column_slices() -> None:
    def idiom(lib, arg):
        x, w = arg(0), arg(1)
        h = x * 1.5
        h[0] += w
        h[:, 1:] *= 2
        h[-1, ::2] -= w[::2] ** 2
        row = h[1]
        row.mul_(2)  # the view's node is regenerated: PyTorch's AsStridedBackward0
        (h * h).sum().backward()
        return [h, x.grad, w.grad, repr(h.grad_fn).split()[0], repr(row.grad_fn).split()[0]]

    same(idiom, (3, 4), (4,))


@pytest.mark.parametrize("view", ["t", "view", "unsqueeze", "narrow", "transpose"])
def test_an_in_place_op_on_a_view_changes_its_source(view: str) -> None:
    def idiom(lib, arg):
        x, s = arg(0), arg(1)
        h = x + 0
        v = {
            "t": lambda: h.t()[1],
            "view": lambda: h.view(-1)[2:5],
            "unsqueeze": lambda: h.unsqueeze(0)[0, 1],
            "narrow": lambda: h.narrow(1, 1, 2),
            "transpose": lambda: h.transpose(0, 1)[:2],
        }[view]()
        v.mul_(s.sum())
        v.add_(1)
        (h**3).sum().backward()
        return [h, v, x.grad, s.grad]

    same(idiom, (3, 4), (2,))


def test_a_view_of_a_tensor_without_grad_changed_by_a_graph_value() -> None:
    def idiom(lib, arg):
        w = arg(0)
        a = lib.zeros(3, 2, dtype=lib.float64)
        a[1].add_(w)
        row = a[2]
        row.copy_(w * w)
        (a * lib.arange(6, dtype=lib.float64).view(3, 2)).sum().backward()
        return [a, w.grad, a.requires_grad, a.is_leaf]

    same(idiom, (2,))


def test_an_overlapping_sibling_view_sees_the_changed_source() -> None:
    def idiom(lib, arg):
        x, s = arg(0), arg(1)
        h = x * 1
        a, b = h[0:3], h[2:5]
        a *= s
        (b * b).sum().backward()  # b's first element was changed through a
        return [b, x.grad, s.grad]

    same(idiom, (6,), ())


def test_a_view_of_a_view_sees_its_changed_source() -> None:
    def idiom(lib, arg):
        x, s = arg(0), arg(1)
        h = x * 1
        row = h[1]
        part = row[1:3]  # a view of a view
        h.mul_(s)
        (part.exp()).sum().backward()
        return [part, x.grad, s.grad]

    same(idiom, (3, 4), ())


def test_writing_a_view_after_its_source_changed_through_another_view() -> None:
    def idiom(lib, arg):
        x, s = arg(0), arg(1)
        h = x * 1
        a, b = h[0:3], h[2:5]
        a *= s
        b += s * s  # b's first element already holds a's change
        (h * h).sum().backward()
        return [h, x.grad, s.grad]

    same(idiom, (6,), ())


def test_a_view_used_before_and_after_its_source_changed() -> None:
    def idiom(lib, arg):
        x, s = arg(0), arg(1)
        h = x * 1
        v = h[1]
        before = v.exp()  # saves its output, not v
        h.mul_(s)  # h is rebased; v is a view of it
        after = v * 3
        (before + after).sum().backward()
        return [v, x.grad, s.grad]

    same(idiom, (3, 2), ())


@pytest.mark.parametrize(
    "write",
    [
        lambda lib, w: w[0].add_(1),
        lambda lib, w: w[1:].mul_(2),
        lambda lib, w: w.__setitem__(0, 5.0),
        lambda lib, w: (w * 1).expand(3, 2).add_(1),
    ],
)
def test_views_that_may_not_be_written_raise_as_pytorch(write: Callable[[Any, Any], Any]) -> None:
    same(lambda lib, arg: write(lib, arg(0)), (2,))


def test_writes_through_views_pass_gradcheck_in_float64() -> None:
    """Central differences (the math) of a function that writes through three kinds of view."""

    def f(x, w):
        h = x * 1
        h[0] += w
        h.t()[1].mul_(w.sum())
        h.view(-1)[-3:] -= w**2
        return (h * h).sum()

    rng = np.random.default_rng()
    x = tg.tensor(rng.standard_normal((3, 3)), dtype=tg.float64, requires_grad=True)
    w = tg.tensor(rng.standard_normal(3), dtype=tg.float64, requires_grad=True)
    assert gradcheck(f, [x, w])

"""PyTorch's autograd object semantics, each idiom run as the same code under ``torch`` and under
``tinygrad_edu`` (issue 21): ``.grad`` and ``.data`` are tensors, in-place changes follow PyTorch's rules
with version counters, and ``t[idx] = v`` writes with its gradient. Values and gradients must be
equal (the idioms are exact in float32: small integers and sums of them), errors of the same type
with the same key phrase."""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import gradcheck

torch = pytest.importorskip("torch", reason="PyTorch not installed: these tests compare with it")


def _numpy(x: Any) -> Any:
    if isinstance(x, (list, tuple)):
        return [_numpy(v) for v in x]
    if hasattr(x, "detach"):  # a tensor of either library
        return x.detach().numpy()
    return x


def same(idiom: Callable[[Any], Any], rtol: float = 0.0) -> Any:
    """Run ``idiom(lib)`` with lib = torch and lib = tinygrad_edu; assert equal results (or errors)."""
    outcome = []
    for lib in (torch, tg):
        try:
            outcome.append(("ok", _numpy(idiom(lib))))
        except Exception as err:
            outcome.append((type(err), str(err)))
    (kind_t, theirs), (kind_o, ours) = outcome
    assert kind_o == kind_t, f"torch: {kind_t} {theirs}; tinygrad_edu: {kind_o} {ours}"
    if kind_t == "ok":
        theirs, ours = (x if isinstance(x, list) else [x] for x in (theirs, ours))
        assert len(theirs) == len(ours)
        for a, b in zip(theirs, ours):
            if isinstance(a, str) or isinstance(b, str):
                assert a == b
            else:
                np.testing.assert_allclose(np.asarray(b), np.asarray(a), rtol=rtol)
    return ours


def error(idiom: Callable[[Any], Any], phrase: str, kind: type[Exception] = RuntimeError) -> None:
    """Both libraries raise ``kind`` with ``phrase`` in the message."""
    for lib in (torch, tg):
        with pytest.raises(kind) as info:
            idiom(lib)
        assert phrase in str(info.value), f"{lib.__name__}: {info.value}"


# ----------------------------------------------------------------------------- .grad and .data are tensors
def test_grad_is_a_tensor_that_stays_the_same_object() -> None:
    def idiom(lib):
        w = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        (w * w).sum().backward()
        first = w.grad
        assert isinstance(first, lib.Tensor) and not first.requires_grad
        first.zero_()  # the lecture's w.grad.zero_() before the next backward
        (w * 3).sum().backward()
        assert w.grad is first
        return w.grad, w.grad * 2, w.grad.sum()

    same(idiom)


def test_grad_prints_as_a_tensor() -> None:
    def idiom(lib):
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        (w * w).sum().backward()
        return repr(w.grad)

    for lib in (torch, tg):
        assert idiom(lib) == "tensor([2., 4.])"


def test_sgd_step_through_data_and_grad() -> None:
    def idiom(lib):
        p = lib.tensor([[1.0, -2.0], [0.5, 4.0]], requires_grad=True)
        q = lib.tensor([3.0, -1.0], requires_grad=True)
        for _ in range(2):
            loss = ((p @ q) ** 2).sum()
            p.grad = None  # the lecture's zeroing
            q.grad = None
            loss.backward()
            p.data += -0.25 * p.grad  # makemore's update
            q.data.add_(q.grad, alpha=-0.25)  # the same, spelled as a method
        return p, q, p.requires_grad, p.is_leaf

    same(idiom)


def test_data_is_untracked_and_assignable() -> None:
    def idiom(lib):
        w = lib.tensor([1.0, 1.0], requires_grad=True)
        y = (w * w).sum()
        w.data.add_(1)  # not seen by autograd: no version check, backward uses the new values
        y.backward()
        d = w.data
        w.data = lib.zeros(3)  # another storage, even of another shape (PyTorch allows it)
        return w.grad, d.requires_grad, w, w._version, d._version

    same(idiom)


def test_numpy_reads_grad_through_array_protocol() -> None:
    w = tg.tensor([3.0, 4.0], requires_grad=True)
    (w * w).sum().backward()
    np.testing.assert_array_equal(np.asarray(w.grad), [6.0, 8.0])
    assert float(np.linalg.norm(w.grad)) == 10.0


# ----------------------------------------------------------------------------- in-place ops and versions
def test_inplace_add_on_a_graph_tensor_rebases_it() -> None:
    def idiom(lib):
        x = lib.tensor([[1.0, 2.0, 0.0], [0.0, 1.0, -1.0]])
        w = lib.tensor([[1.0, 0.0], [2.0, 1.0], [0.0, 3.0]], requires_grad=True)
        b = lib.tensor([1.0, -1.0], requires_grad=True)
        out = x @ w
        out += b  # the lecture's Linear: self.out += self.bias
        out.backward(lib.tensor([[1.0, 2.0], [3.0, -1.0]]))
        return out, w.grad, b.grad, repr(out.grad_fn).split(" object")[0]

    same(idiom)


def test_inplace_mul_uses_the_previous_value() -> None:
    def idiom(lib):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * 2
        y.mul_(x)  # y = 2x²: ∂/∂x = 4x
        y.sum().backward()
        return y, x.grad, y._version

    same(idiom)


def test_setitem_and_fill_in_a_graph() -> None:
    def idiom(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        t = lib.zeros(3, 2)
        t[1] = x * 3  # t joins the graph
        t[2, 0] = x[1]  # a 0-d value
        (t * lib.tensor([[1.0, 1.0], [2.0, 3.0], [5.0, 7.0]])).sum().backward()
        y = x * 1
        y.fill_(4.0)
        return t, x.grad, y

    same(idiom)


def test_inplace_on_a_leaf_that_requires_grad_is_refused() -> None:
    def add(lib):
        lib.tensor([1.0], requires_grad=True).add_(1)

    def setitem(lib):
        lib.tensor([1.0, 2.0], requires_grad=True)[0] = 5.0

    error(add, "a leaf Variable that requires grad is being used in an in-place operation.")
    error(setitem, "a view of a leaf Variable that requires grad is being used in an in-place operation.")

    def under_no_grad(lib):
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        with lib.no_grad():
            w.add_(1)
            w[0] = 7.0
        return w, w._version

    same(under_no_grad)


def test_backward_through_a_modified_saved_tensor_raises() -> None:
    def leaf(lib):
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        y = (w * w).sum()
        with lib.no_grad():
            w.add_(100)
        y.backward()

    error(leaf, "[torch.FloatTensor [2]] is at version 1; expected version 0 instead")
    error(leaf, "one of the variables needed for gradient computation has been modified by an inplace operation")

    def output(lib):
        y = lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64, requires_grad=True).exp()
        y += 1  # exp saved its output
        y.sum().backward()

    error(output, "[torch.DoubleTensor [3]], which is output 0 of Exp, is at version 1; expected version 0")

    def through_detach(lib):
        w = lib.ones((), requires_grad=True)
        y = w * w
        w.detach().mul_(3)  # detach shares the version counter
        y.backward()

    error(through_detach, "[torch.FloatTensor []] is at version 1")

    def unsaved(lib):  # add and sum save nothing: nothing to check
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        y = (w + 1).sum()
        with lib.no_grad():
            w.mul_(5)
        y.backward()
        return w.grad

    same(unsaved)


LONG_4 = "[torch.LongTensor [4]]"


def float_type(message: str) -> type:
    return np.float64 if "Double" in message else np.float32


@pytest.mark.parametrize(
    "loss, change, message",
    [
        (lambda F, z, y: F.cross_entropy(z, y), lambda y: y.__setitem__(0, 2), "[torch.LongTensor [4]]"),
        (lambda F, z, y: F.cross_entropy(z, y, reduction="sum"), lambda y: y.add_(0), "[torch.LongTensor [4]]"),
        (lambda F, z, y: z[y].sum(), lambda y: y.__setitem__(0, 3), "[torch.LongTensor [4]]"),
        (lambda F, z, y: (z[y, 1] * 2).sum(), lambda y: y.__setitem__(0, 3), "[torch.LongTensor [4]]"),
        (lambda F, z, t: F.binary_cross_entropy(z.sigmoid(), t), lambda t: t.mul_(0.5), "[torch.FloatTensor [4, 3]]"),
        (lambda F, z, t: F.binary_cross_entropy_with_logits(z, t), lambda t: t.mul_(0.5), "[torch.FloatTensor [4, 3]]"),
        (lambda F, z, y: F.cross_entropy(z, y, reduction="none").sum(), lambda y: y.__setitem__(0, 2), LONG_4),
        (lambda F, z, t: F.cross_entropy(z, t), lambda t: t.__setitem__((0, 0), 1.0), "[torch.DoubleTensor [4, 3]]"),
        (lambda F, z, y: F.embedding(y, z).sum(), lambda y: y.__setitem__(0, 3), "[torch.LongTensor [4]]"),
    ],
    ids=["ce", "ce_sum", "index", "index_pair", "bce", "bce_logits", "ce_none", "ce_probs", "embedding"],
)
def test_labels_targets_and_indices_changed_before_backward_raise(loss, change, message) -> None:
    """Labels, targets and index tensors are read again by the backward pass (an index to scatter the
    gradient to, a label to subtract 1 at): changed in place after the forward pass, they would give the
    gradient of another loss. PyTorch saves them and refuses; so do we, with its message."""

    def idiom(lib):
        z = lib.tensor(np.arange(12.0).reshape(4, 3) / 10, requires_grad=True)
        y = lib.tensor([0, 1, 2, 1]) if "Long" in message else lib.tensor(np.full((4, 3), 0.5, float_type(message)))
        out = loss(lib.nn.functional, z.float() if "Float" in message else z, y)
        change(y)
        out.backward()

    error(idiom, f"{message} is at version 1; expected version 0 instead")

    def unchanged(lib):  # the same losses without the change: the gradients agree
        z = lib.tensor(np.arange(12.0).reshape(4, 3) / 10, requires_grad=True)
        y = lib.tensor([0, 1, 2, 1]) if "Long" in message else lib.tensor(np.full((4, 3), 0.5, float_type(message)))
        loss(lib.nn.functional, z.float() if "Float" in message else z, y).backward()
        return z.grad

    same(unchanged, rtol=1e-5)  # float32 for the binary losses: another sigmoid and log1p, some ulps apart


def test_indices_backward_does_not_read_raise_nothing() -> None:
    """A 0-d integer index is an int (a select: backward reads no index), and `autograd.grad` with respect
    to an intermediate runs only the part of the graph above it: changing an index below is no error."""

    def zero_d(lib):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        i = lib.tensor(1)
        y = x[i] * 2
        i.add_(1)
        y.backward()
        return x.grad

    same(zero_d)

    def above(lib):
        W = lib.tensor(np.arange(10.0).reshape(5, 2), requires_grad=True)
        ix = lib.tensor([0, 1, 1])
        h = W[ix]
        loss = (h * h).sum()
        ix[0] = 4
        return lib.autograd.grad(loss, [h])[0]

    same(above)

    def mask(lib):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        m = lib.tensor([True, False, True])
        y = x[m].sum()
        m[0] = False
        y.backward()

    error(mask, "[CPUBoolType [3]] is at version 1; expected version 0 instead")


def test_index_put_with_an_index_changed_before_backward_raises() -> None:
    def idiom(lib):
        v = lib.ones(3, 2, requires_grad=True)
        ix = lib.tensor([0, 1, 1])
        x = lib.zeros(5, 2)
        x[ix] = v * 2
        ix[0] = 4
        x.sum().backward()

    error(idiom, "[torch.LongTensor [3]] is at version 1; expected version 0 instead")


def test_version_counters_are_shared_with_views() -> None:
    def idiom(lib):
        x = lib.zeros(3, 4)
        seen = [x._version, x.data._version]
        x.data.add_(1)  # .data has a counter of its own
        seen.append(x._version)
        x.detach().add_(1)
        seen.append(x._version)
        v = x[0]
        v += 1
        seen += [x._version, v._version]
        x.view(12).add_(1)
        x.t().mul_(2)
        x[1:, 2].sub_(1)
        seen.append(x._version)
        return seen, x

    same(idiom)


# ----------------------------------------------------------------------------- setitem
def test_lecture_counting_idioms() -> None:
    def idiom(lib):
        N = lib.zeros((4, 4), dtype=lib.int64)
        pairs = [(0, 1), (1, 2), (0, 1), (3, 3), (2, 0)]
        for ix1, ix2 in pairs:
            N[ix1, ix2] += 1  # makemore's bigram counts
        ix = lib.tensor([0, 0, 3])
        N[ix, lib.tensor([1, 2, 3])] += 10  # duplicates: one write each, as PyTorch
        return N

    same(idiom)


def test_backprop_ninja_idioms() -> None:
    def idiom(lib):
        n = 3
        logits = lib.tensor([[0.5, 1.0, -1.0, 2.0], [1.0, 0.0, 0.0, 1.0], [-2.0, 1.0, 3.0, 0.5]])
        Yb = lib.tensor([3, 0, 1])
        dlogits = logits.clone()
        dlogits[range(n), Yb] -= 1  # dlogits of cross-entropy
        dlogits /= n
        Xb = lib.tensor([[1, 2], [0, 2], [1, 1]])
        demb = lib.tensor([[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0], [7.0, 8.0]], [[9.0, 10.0], [11.0, 12.0]]])
        dC = lib.zeros((3, 2))
        for k in range(Xb.shape[0]):
            for j in range(Xb.shape[1]):
                ix = Xb[k, j]  # a 0-d index tensor
                dC[ix] += demb[k, j]
        loss_sum = lib.zeros(())
        for row in logits:
            loss_sum += row.max()  # a writable 0-d result
        return dlogits, dC, loss_sum

    same(idiom, rtol=1e-6)


def test_logits_filled_row_by_row_from_a_model() -> None:
    def idiom(lib):
        W = lib.tensor([[1.0, -1.0], [2.0, 0.5]], requires_grad=True)
        xs = lib.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
        logits = lib.zeros(3, 2)
        for i in range(3):
            logits[i] = xs[i] @ W  # one row at a time
        (logits * lib.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])).sum().backward()
        return logits, W.grad, repr(logits.grad_fn).split(" object")[0]

    same(idiom)


@pytest.mark.parametrize(
    "index",
    [
        lambda lib: 1,
        lambda lib: -1,
        lambda lib: slice(1, None),
        lambda lib: (slice(None), 2),
        lambda lib: [2, 0],
        lambda lib: (Ellipsis, 1),
        lambda lib: (None, 1),
        lambda lib: lib.tensor([True, False, True]),
        lambda lib: (lib.tensor([0, 2]), lib.tensor([1, 3])),
        lambda lib: (lib.tensor([[0], [2]]), slice(1, 3)),
        lambda lib: lib.tensor(2),
        lambda lib: range(1, 3),
    ],
)
@pytest.mark.parametrize("value", [lambda lib: 7.0, lambda lib: lib.tensor([1.0, 2.0, 3.0, 4.0])])
def test_setitem_indices_values_and_gradients(index, value) -> None:
    def idiom(lib):
        base = lib.arange(12, dtype=lib.float64).reshape(3, 4).requires_grad_()
        t = base * 1
        v = value(lib)
        if isinstance(v, lib.Tensor):
            v = v.double().requires_grad_()
        try:
            t[index(lib)] = v
        except RuntimeError as err:  # the value does not fit this index: both must say so
            return str(err).split(":")[0][:20]
        t.backward(lib.arange(12, dtype=lib.float64).reshape(3, 4) + 1)
        return [t, base.grad] + ([v.grad] if isinstance(v, lib.Tensor) else [])

    same(idiom)


def test_setitem_shape_mismatch_and_out_of_range() -> None:
    def basic(lib):
        lib.zeros(2, 3)[0:2] = lib.ones(3, 4)

    def advanced(lib):
        lib.zeros(4, 3)[[0, 1], 1:3] = lib.ones(3, 2)

    def too_many_dims(lib):
        lib.zeros(2, 3)[0] = lib.ones(2, 3)

    error(basic, "The expanded size of the tensor (3) must match the existing size (4) at non-singleton dimension 1")
    error(basic, "Target sizes: [2, 3].  Tensor sizes: [3, 4]")
    error(advanced, "shape mismatch: value tensor of shape [3, 2] cannot be broadcast to indexing result of shape [2")
    error(too_many_dims, "the number of sizes provided (1) must be greater or equal to the number of dimensions")
    for write in (lambda lib: lib.zeros(3).__setitem__(5, 1.0), lambda lib: lib.zeros(3)[-4]):
        error(write, "index", IndexError)
    error(
        lambda lib: lib.zeros(3)[lib.tensor([0, 5])], "index 5 is out of bounds for dimension 0 with size 3", IndexError
    )
    error(lambda lib: lib.zeros(3, 4)[1, 7], "index 7 is out of bounds for dimension 1 with size 4", IndexError)
    error(lambda lib: lib.zeros(2, 3)[0, 1, 2], "too many indices for tensor of dimension 2", IndexError)


@pytest.mark.parametrize("dtype", ["int8", "int16", "uint16", "uint32", "uint64", "int32", "int64", "bool"])
def test_index_tensors_of_each_integer_dtype_as_pytorch_reads_them(dtype) -> None:
    """int32, int64 and bool index tensors select, a 0-d one of any integer type is an int, and a tensor of another
    integer type is PyTorch's IndexError, whether it indexes alone (the embedding's ``C[X]``, with and without a
    graph), in a tuple, or is written through; a numpy array of any integer type is taken (PyTorch converts it)."""

    positions = [0, 1, 1] if dtype != "bool" else [True, False, True]

    def pick(lib, build):
        x = lib.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], requires_grad=True)
        out = build(lib, x, lib.tensor(positions, dtype=getattr(lib, dtype)))
        out.sum().backward()
        return out, x.grad

    def write(lib):
        x = lib.zeros(3, 2)
        x[lib.tensor(positions, dtype=getattr(lib, dtype))] = 7.0
        return x

    same(lambda lib: pick(lib, lambda lib, x, i: x[i]))
    same(lambda lib: pick(lib, lambda lib, x, i: x.detach()[i].sum() * x))  # no graph: the numpy shortcut
    same(lambda lib: pick(lib, lambda lib, x, i: x[i, 0]))
    same(write)
    if dtype != "bool":
        same(lambda lib: pick(lib, lambda lib, x, i: x[lib.tensor(1, dtype=getattr(lib, dtype))]))
        same(lambda lib: pick(lib, lambda lib, x, i: x[np.array([2, 0], dtype=dtype)]))
    if dtype in ("int8", "int16", "uint16", "uint32", "uint64"):
        error(lambda lib: pick(lib, lambda lib, x, i: x[i]), "tensors used as indices must be long, int", IndexError)


def test_an_index_tensor_keeps_pytorchs_layout_and_errors() -> None:
    """Rows picked from a permuted tensor keep its axes' order (not C order: ``contiguous()`` then copies), as
    PyTorch's; an index into a tensor of no rows is PyTorch's IndexError, with or without a graph, read or written."""

    def permuted(lib):
        t = lib.tensor(np.arange(60.0).reshape(3, 4, 5)).permute(2, 1, 0)
        y = t[lib.tensor([1, 0])]
        c = y.contiguous()
        c[0, 0, 0] = 100.0
        return y.is_contiguous(), y, c

    same(permuted)
    for dims in ((0, 3), (0,)):
        error(lambda lib, dims=dims: lib.zeros(*dims)[lib.tensor([0])], "out of bounds for dimension", IndexError)
        error(
            lambda lib, dims=dims: lib.zeros(*dims, requires_grad=True)[lib.tensor([-1])],
            "out of bounds for dimension",
            IndexError,
        )
        error(lambda lib, dims=dims: lib.zeros(*dims).__setitem__(lib.tensor([0]), 1.0), "out of bounds", IndexError)


@pytest.mark.parametrize("dtype", ["int8", "int16", "uint8", "float32", "bool", "int32", "int64"])
def test_embedding_takes_long_and_int_index_tensors_as_pytorch(dtype) -> None:
    """``F.embedding`` reads int64 and int32 index tensors and refuses the others with PyTorch's words, naming
    the tensor's legacy type; its gradient sums the rows read twice."""
    table = np.arange(15.0).reshape(5, 3)

    def lookup(lib):
        w = lib.tensor(table, requires_grad=True)
        out = lib.nn.functional.embedding(lib.tensor([0, 1, 1], dtype=getattr(lib, dtype)), w)
        out.sum().backward()
        return out, w.grad

    if dtype in ("int32", "int64"):
        same(lookup)
    else:
        name = {"int8": "torch.CharTensor", "int16": "torch.ShortTensor", "uint8": "torch.ByteTensor"}
        wanted = name.get(dtype, "torch.FloatTensor" if dtype == "float32" else "CPUBoolType")
        error(lookup, f"scalar types: Long, Int; but got {wanted} instead (while checking arguments for embedding)")


def test_setitem_casts_to_the_tensors_dtype() -> None:
    def idiom(lib):
        t = lib.zeros(3, dtype=lib.int64)
        t[0] = 2.7  # a number takes the tensor's dtype
        t[lib.tensor([False, True, True])] = -1.5
        t[1:] = lib.tensor([5.9, 3.2])  # a copy into a view casts
        return t

    same(idiom)

    def mixed(lib):  # a tensor written through an index tensor must have the dtype already
        lib.zeros(3, dtype=lib.int64)[lib.tensor([0, 1])] = lib.tensor([5.9, -1.5])

    error(mixed, "Index put requires the source and destination dtypes match, got Long for the destination and Float")


def test_index_put_gradcheck_float64() -> None:
    rng = np.random.default_rng(0)
    a = tg.tensor(rng.normal(size=(4, 3)), requires_grad=True)
    row = tg.tensor(rng.normal(size=(3,)), requires_grad=True)
    col = tg.tensor(rng.normal(size=(2, 1)), requires_grad=True)

    def put(a, row, col):
        t = a * 1
        t[1] = row  # basic: a copy into a view
        t[[0, 3], 1:] = col  # advanced, broadcast over the last axis
        return (t * t).sum(dim=0)

    assert gradcheck(put, [a, row, col])


def test_getitem_of_ints_is_a_writable_view() -> None:
    def idiom(lib):
        t = lib.zeros(2, 3)
        e = t[1, 2]
        e += 5  # writes into t, as a view
        e.add_(1)
        return t, e

    same(idiom)


def test_threads_accumulate_every_update() -> None:
    w = tg.tensor(np.zeros(50_000), requires_grad=True)

    def work() -> None:
        for _ in range(20):
            w.sum().backward()

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert np.asarray(w.grad).min() == np.asarray(w.grad).max() == 60.0


@pytest.mark.parametrize("op", ["add", "sub", "mul", "truediv"])
@pytest.mark.parametrize("shapes", [((2, 3), (3, 2)), ((4, 2, 3), (5, 1, 3)), ((3,), (4,)), ((2, 1, 4), (3, 5))])
def test_shapes_that_do_not_broadcast_raise_pytorchs_runtime_error(op: str, shapes: tuple) -> None:
    """PyTorch raises RuntimeError naming the first mismatched axis from the right; ours is that error too
    (and a ValueError, numpy's type for it), PyTorch's sentence first."""
    import operator

    errors = []
    for lib in (torch, tg):
        a, b = lib.ones(*shapes[0]), lib.ones(*shapes[1])
        with pytest.raises(RuntimeError) as info:
            getattr(operator, op)(a, b)
        errors.append(str(info.value))
    theirs, ours = errors
    assert ours.startswith(theirs)
    with pytest.raises(ValueError):
        getattr(operator, op)(tg.ones(*shapes[0]), tg.ones(*shapes[1]))


@pytest.mark.parametrize(
    "index",
    [
        lambda lib: [lib.tensor([0, 1]), lib.tensor([1, 2])],
        lambda lib: [[0, 1], [1, 2]],
        lambda lib: [lib.tensor([0, 2]), 1],
        lambda lib: [0, slice(None)],
        lambda lib: [None, 0],
        lambda lib: [0, 2],  # a list of ints: one index, no warning
    ],
    ids=["tensors", "lists", "tensor_int", "int_slice", "none_int", "ints"],
)
def test_a_list_index_holding_sequences_is_a_tuple_as_in_pytorch(index) -> None:
    """PyTorch reads ``x[[i, j]]`` as ``x[i, j]`` when the list holds a tensor, a sequence, a slice, None or
    ``...`` (with a deprecation warning); numpy would take the list as one stacked index array."""

    def idiom(lib):
        x = lib.tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            y = x[index(lib)]
            (y * y).sum().backward()
        said = [str(w.message)[:50] for w in caught if "non-tuple sequence" in str(w.message)]
        return y, x.grad, " | ".join(said)

    same(idiom)

    def write(lib):
        x = lib.zeros(3, 4)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            x[index(lib)] = 7.0
        return x

    same(write)


def test_optimizer_zero_grad_set_to_none_false_zeroes_the_same_tensor() -> None:
    def idiom(lib):
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        opt = lib.optim.SGD([w], lr=0.1)
        (w * w).sum().backward()
        g = w.grad
        opt.zero_grad(set_to_none=False)
        zeroed, kept = w.grad.tolist(), w.grad is g
        (w * 3).sum().backward()
        after = w.grad.tolist()
        opt.zero_grad()
        return zeroed + after + [float(kept), float(w.grad is None)]

    same(idiom)

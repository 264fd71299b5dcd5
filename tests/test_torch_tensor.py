"""Tensor methods under PyTorch's names, each compared with what PyTorch itself does: shapes,
values, gradients, in-place rules and their error wording, grad_fn names, next_functions, repr."""

from __future__ import annotations

import re

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor, autograd, gradcheck

from .test_torch_tutorials import make_legendre

torch = pytest.importorskip("torch", reason="PyTorch not installed: these tests compare with it")

A = np.arange(12, dtype=np.float32).reshape(3, 4) / 7 - 0.5


def both(fn, *arrays, grad: bool = True):
    """fn on our tensors and on torch's; returns (ours, theirs) outputs and input grads."""
    ts = [tg.tensor(a, requires_grad=grad) for a in arrays]
    rs = [torch.tensor(a, requires_grad=grad) for a in arrays]
    return fn(ts), fn(rs), ts, rs


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: x.view(4, 3),
        lambda x: x.view(-1),
        lambda x: x.unsqueeze(0),
        lambda x: x.unsqueeze(-1),
        lambda x: x.unsqueeze(1).squeeze(),
        lambda x: x.unsqueeze(1).squeeze(1),
        lambda x: x.squeeze(0),
        lambda x: x.permute(1, 0),
        lambda x: x.t(),
        lambda x: x[:, :1].expand(3, 5),
        lambda x: x[:1].expand(2, -1, -1),
        lambda x: x.repeat(2, 3),
        lambda x: x.repeat(2, 1, 1),
        lambda x: x.clone(),
        lambda x: x.sin() * x.cos(),
        lambda x: x.double(),
        lambda x: x.to(x.dtype) * 2,
        lambda x: (x.abs() + 0.1).pow(x),
        lambda x: x.sum(dim=1),
        lambda x: x.mean(dim=0, keepdim=True),
    ],
)
def test_shape_and_math_methods_match_pytorch(fn) -> None:
    out, ref, ts, rs = both(lambda xs: fn(xs[0]), A)
    assert tuple(out.size()) == tuple(ref.size()) and out.dtype == np.dtype(str(ref.dtype).removeprefix("torch."))
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-6)
    up = np.random.default_rng(0).normal(size=out.shape).astype(out.dtype)
    out.backward(up)
    ref.backward(torch.tensor(up))
    np.testing.assert_allclose(ts[0].grad, rs[0].grad.numpy(), rtol=1e-5, atol=1e-6)


def test_size_is_a_method_with_pytorchs_repr() -> None:
    x, r = tg.zeros(2, 3, 4), torch.zeros(2, 3, 4)
    assert repr(x.size()) == repr(r.size()) == "torch.Size([2, 3, 4])"
    assert [x.size(d) for d in (0, 1, 2, -1)] == [r.size(d) for d in (0, 1, 2, -1)]
    assert x.numel() == r.numel() == x.size().numel() == 24
    with pytest.raises(IndexError) as theirs:
        r.size(3)
    with pytest.raises(IndexError, match=re.escape(str(theirs.value))):
        x.size(3)


def test_conversions_and_queries_match_pytorch() -> None:
    x, r = tg.tensor(A), torch.tensor(A)
    assert x.tolist() == r.tolist()
    assert x.argmax().item() == r.argmax().item()
    np.testing.assert_array_equal(x.argmax(dim=1).numpy(), r.argmax(dim=1).numpy())
    np.testing.assert_array_equal(x.argmax(1, keepdim=True).numpy(), r.argmax(1, keepdim=True).numpy())
    assert x.long().dtype == np.int64 and x.float().dtype == np.float32 and x.double().dtype == np.float64
    assert x.float() is x and x.to("cpu") is x and x.to(tg.device("cpu"), tg.float32) is x
    assert x.to(tg.tensor([1], dtype=tg.float64)).dtype == np.float64
    with pytest.raises(RuntimeError, match="cuda"):
        x.to("cuda")
    np.testing.assert_array_equal(tg.tensor([1.7, -2.2]).long().numpy(), torch.tensor([1.7, -2.2]).long().numpy())


def test_pow_with_an_int64_tensor_exponent_stays_float32_as_pytorch() -> None:
    x, r = tg.linspace(-2, 2, 5), torch.linspace(-2, 2, 5)
    p, q = tg.tensor([1, 2, 3]), torch.tensor([1, 2, 3])
    out, ref = x.unsqueeze(-1).pow(p), r.unsqueeze(-1).pow(q)
    assert out.dtype == np.float32 and ref.dtype == torch.float32
    np.testing.assert_allclose(out.numpy(), ref.numpy())


def test_is_leaf_and_requires_grad_() -> None:
    w, rw = tg.ones(2), torch.ones(2)
    assert w.requires_grad_() is w and rw.requires_grad_() is rw
    y, ry = w * 2, rw * 2
    assert (w.is_leaf, y.is_leaf) == (rw.is_leaf, ry.is_leaf) == (True, False)
    assert tg.ones(2).is_leaf == torch.ones(2).is_leaf
    with pytest.raises(RuntimeError) as ours:
        y.requires_grad_(False)
    with pytest.raises(RuntimeError) as theirs:
        ry.requires_grad_(False)
    assert str(ours.value) == str(theirs.value)
    with pytest.raises(RuntimeError, match="floating point"):
        tg.tensor([1, 2]).requires_grad_()


# ----------------------------------------------------------------------------- in-place
def test_leaf_that_requires_grad_refuses_in_place_ops_with_pytorchs_words() -> None:
    for lib in (tg, torch):
        a = lib.ones(3, requires_grad=True)
        for op in (lambda t: t.add_(1), lambda t: t.mul_(2), lambda t: t.zero_(), lambda t: t.fill_(3)):
            with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place"):
                op(a)
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
            a -= 1


def test_sgd_step_under_no_grad_updates_the_same_leaf_as_pytorch() -> None:
    results = []
    for lib in (tg, torch):
        w = lib.tensor([1.0, -2.0, 3.0], requires_grad=True)
        ident = id(w)
        for _ in range(3):
            loss = (w**2).sum()
            loss.backward()
            with lib.no_grad():
                w -= 0.1 * w.grad
            w.grad = None
        assert id(w) == ident and w.requires_grad and w.is_leaf and w.grad is None
        results.append(w.detach().numpy().copy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-6)


@pytest.mark.parametrize(
    "op",
    [
        lambda t, o: t.add_(o),
        lambda t, o: t.add_(o, alpha=-2),
        lambda t, o: t.sub_(o, alpha=0.5),
        lambda t, o: t.mul_(o),
        lambda t, o: t.div_(o + 3),
        lambda t, o: t.clamp_(-0.2, 0.3),
        lambda t, o: t.clamp_(min=0.0),
        lambda t, o: t.copy_(o),
        lambda t, o: t.copy_(o[0]),
        lambda t, o: t.fill_(2.5),
        lambda t, o: t.zero_(),
    ],
)
def test_in_place_values_match_pytorch(op) -> None:
    o = np.random.default_rng(1).normal(size=(3, 4)).astype(np.float32)
    ours, theirs = tg.tensor(A), torch.tensor(A)
    buffer = ours.numpy()
    assert op(ours, tg.tensor(o)) is ours
    op(theirs, torch.tensor(o))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
    assert ours.numpy() is buffer  # written into the same memory


def test_in_place_shape_and_dtype_errors() -> None:
    with pytest.raises(RuntimeError, match=r"output with shape \[3\] doesn't match the broadcast shape \[2, 3\]"):
        tg.zeros(3).add_(tg.ones(2, 3))
    with pytest.raises(RuntimeError, match="can't be cast"):
        tg.tensor([1, 2]).add_(0.5)
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        tg.zeros(1, 3).expand(2, 3).add_(1)


def test_in_place_op_with_a_grad_operand_joins_the_graph_as_pytorch() -> None:
    grads = []
    for lib in (tg, torch):
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        h = lib.zeros(2)
        h += w * w * 3
        assert h.requires_grad and not h.is_leaf
        h.sum().backward()
        grads.append(np.asarray(w.grad))
    np.testing.assert_allclose(grads[0], grads[1])
    np.testing.assert_allclose(grads[0], [6.0, 12.0])  # d(3w²)/dw = 6w


def test_in_place_on_an_interior_tensor_is_recorded_as_pytorch() -> None:
    grads = []
    for lib in (tg, torch):
        w = lib.ones(2, requires_grad=True)
        y = w * 2
        y.add_(w * w)  # y = 2w + w²
        y.sum().backward()
        grads.append(np.asarray(w.grad))
    np.testing.assert_array_equal(grads[0], grads[1])


# ----------------------------------------------------------------------------- .grad, backward
def test_grad_is_assignable_and_checked() -> None:
    w = tg.ones(2, 3, requires_grad=True)
    w.grad = tg.full((2, 3), 0.5)
    np.testing.assert_array_equal(w.grad, np.full((2, 3), 0.5, np.float32))
    w.grad = np.zeros((2, 3), np.float32)
    w.grad = None
    assert w.grad is None
    words = re.escape("attempting to assign a gradient of size '[3]' to a tensor of size '[2, 3]'")
    with pytest.raises(RuntimeError, match=words):
        w.grad = np.zeros(3)
    with pytest.raises(RuntimeError, match=words):
        torch.ones(2, 3, requires_grad=True).grad = torch.zeros(3)
    with pytest.raises(RuntimeError, match="different type"):
        w.grad = np.zeros((2, 3), dtype=np.int64)


def test_backward_with_gradient_keyword_as_the_blitz() -> None:
    """Q = 3a³ − b², Q.backward(gradient=1): dQ/da = 9a², dQ/db = −2b (the math)."""
    a = tg.tensor([2.0, 3.0], requires_grad=True)
    b = tg.tensor([6.0, 4.0], requires_grad=True)
    q = 3 * a**3 - b**2
    q.backward(gradient=tg.tensor([1.0, 1.0]))
    assert repr(9 * a**2 == a.grad) == "tensor([True, True])"
    assert np.all((-2 * b == b.grad).numpy())


def test_backward_inputs_accumulates_only_into_those() -> None:
    a, b = tg.tensor([2.0], requires_grad=True), tg.tensor([5.0], requires_grad=True)
    (a * b).sum().backward(inputs=[a])
    assert a.grad.tolist() == [5.0] and b.grad is None
    with pytest.raises(NotImplementedError, match="first derivatives only"):
        (a * b).sum().backward(create_graph=True)


def test_backward_inputs_takes_one_tensor_and_refuses_what_pytorch_refuses() -> None:
    """``inputs=a`` (one tensor, not a sequence) accumulates into a; an empty list and a tensor that needs no
    gradient are PyTorch's RuntimeErrors (before, the first stored nothing and the others were silent)."""
    torch = pytest.importorskip("torch")
    for lib in (tg, torch):
        a, b, c = lib.tensor([2.0], requires_grad=True), lib.tensor([5.0], requires_grad=True), lib.tensor([1.0])
        (a * b).sum().backward(inputs=a)
        assert a.grad.tolist() == [5.0] and b.grad is None, lib.__name__
        with pytest.raises(RuntimeError, match="`inputs` argument to `backward\\(\\)` cannot be empty"):
            (a * b).sum().backward(inputs=[])
        with pytest.raises(RuntimeError, match="can't retain_grad on Tensor that has requires_grad=False"):
            (a * b * c).sum().backward(inputs=[a, c])


# ----------------------------------------------------------------------------- grad_fn
@pytest.mark.parametrize(
    "fn",
    [
        lambda x, y: x * y,
        lambda x, y: x + y,
        lambda x, y: x - y,
        lambda x, y: x / y,
        lambda x, y: x**2,
        lambda x, y: x.pow(y),
        lambda x, y: -x,
        lambda x, y: x.exp(),
        lambda x, y: x.tanh(),
        lambda x, y: x.sigmoid(),
        lambda x, y: x.relu(),
        lambda x, y: x.sin(),
        lambda x, y: x.cos(),
        lambda x, y: x.sum(),
        lambda x, y: x.mean(),
        lambda x, y: x.view(-1),
        lambda x, y: x.permute(1, 0),
        lambda x, y: x.clamp(-0.1, 0.1),
        lambda x, y: x.expand(2, 3, 4),
        lambda x, y: x.repeat(1, 2),
        lambda x, y: x.clone(),
        lambda x, y: x.double(),
        lambda x, y: tg.cat([x, y]) if isinstance(x, Tensor) else torch.cat([x, y]),
        lambda x, y: tg.stack([x, y]) if isinstance(x, Tensor) else torch.stack([x, y]),
        lambda x, y: x.softmax(-1),
        lambda x, y: x @ y.t(),
    ],
)
def test_grad_fn_names_match_pytorch(fn) -> None:
    out, ref, _, _ = both(lambda xs: fn(*xs), A, A + 1)
    assert out.grad_fn.backward_name == type(ref.grad_fn).__name__
    assert repr(out.grad_fn).startswith(f"<{type(ref.grad_fn).__name__} object at 0x")


def test_next_functions_walk_like_pytorchs() -> None:
    """loss.grad_fn.next_functions[0][0]... as the blitz walks it: same node names, same shape."""

    def walk(fn):
        if fn is None:
            return None
        name = "AccumulateGrad" if type(fn).__name__ == "AccumulateGrad" else type(fn).__name__
        name = getattr(fn, "backward_name", name)
        return (name, [walk(f) for f, _ in fn.next_functions])

    trees = []
    for lib in (tg, torch):
        w = lib.tensor(A, requires_grad=True)
        x = lib.tensor(A[:2] + 1)
        loss = ((x @ w.permute(1, 0)).relu() * 2 - 1).exp().mean()
        trees.append(walk(loss.grad_fn))
        leaf = loss.grad_fn
        while leaf.next_functions:
            leaf = next(f for f, _ in leaf.next_functions if f is not None)
        assert leaf.variable is w
    assert trees[0] == trees[1]


def test_repr_matches_pytorch() -> None:
    cases = [
        lambda lib: lib.tensor([1.0, 2.0, 3.0]),
        lambda lib: lib.tensor([0.1, -2.5]),
        lambda lib: lib.tensor([[1.0, 2.0], [3.0, 4.5]]),
        lambda lib: lib.tensor([1, 2, 3]),
        lambda lib: lib.tensor([1.0, 2.0], requires_grad=True),
        lambda lib: lib.tensor([1.0, 2.0], requires_grad=True) * 2,
        lambda lib: lib.tensor([1.5, 2.0], dtype=lib.float64),
        lambda lib: lib.tensor(3.0),
        lambda lib: lib.tensor([True, False]),
    ]
    for case in cases:
        assert repr(case(tg)) == repr(case(torch))


# ----------------------------------------------------------------------------- autograd.Function, autograd.grad
#: P₃(x) = ½(5x³ − 3x) with P₃'(x) = 1.5(5x² − 1) (Abramowitz & Stegun 22.3.8), the tutorials' example
LegendreP3 = make_legendre(tg)


class ScaleBy(autograd.Function):
    """y = k·x with a number argument: backward returns None for it, as PyTorch requires."""

    @staticmethod
    def forward(ctx, x, k):
        ctx.k = k
        return x * k

    @staticmethod
    def backward(ctx, grad_output):
        assert ctx.needs_input_grad == (True, False)
        return grad_output * ctx.k, None


def test_custom_function_values_and_gradients_are_the_maths() -> None:
    x = tg.tensor([-1.0, 0.0, 0.5, 1.0], requires_grad=True)
    y = LegendreP3.apply(x)
    xs = np.array([-1.0, 0.0, 0.5, 1.0])
    np.testing.assert_allclose(y.numpy(), 0.5 * (5 * xs**3 - 3 * xs))  # P₃(±1) = ±1
    y.sum().backward()
    np.testing.assert_allclose(x.grad, 1.5 * (5 * xs**2 - 1))
    assert repr(y.grad_fn).startswith("<LegendrePolynomial3Backward object")
    assert y.grad_fn.name == "LegendrePolynomial3"
    assert type(y.grad_fn.next_functions[0][0]).__name__ == "AccumulateGrad"
    z = ScaleBy.apply(x, 3.0)
    z.sum().backward()
    np.testing.assert_allclose(x.grad, 1.5 * (5 * xs**2 - 1) + 3.0)


def test_custom_function_passes_gradcheck_and_is_drawn() -> None:
    x = tg.tensor(np.linspace(-1, 1, 5), dtype=tg.float64, requires_grad=True)
    assert gradcheck(LegendreP3.apply, [x])
    dot = tg.draw_dot(LegendreP3.apply(x).sum())
    assert "LegendrePolynomial3" in dot.source


def test_custom_function_with_a_wrong_backward_fails_gradcheck_and_counts() -> None:
    class Wrong(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 2 * x**2  # should be 3x²

    x = tg.tensor([0.5, 1.5], dtype=tg.float64, requires_grad=True)
    with pytest.raises(tg.GradcheckError):
        gradcheck(Wrong.apply, [x])

    class TwoGrads(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, g):
            return g, g

    with pytest.raises(RuntimeError, match="incorrect number of gradients"):
        TwoGrads.apply(x).sum().backward()


def test_autograd_grad_matches_pytorch_and_leaves_grad_alone() -> None:
    outs = []
    for lib in (tg, torch):
        x = lib.tensor(A, requires_grad=True)
        w = lib.tensor(A.T[:, :2] + 0.3, requires_grad=True)
        y = (x @ w).tanh()
        gx, gw = lib.autograd.grad(y.sum(), [x, w], retain_graph=True)
        (gy,) = lib.autograd.grad(y, x, grad_outputs=lib.ones_like(y) * 2)
        assert x.grad is None and w.grad is None
        outs.append([np.asarray(g.detach().numpy() if hasattr(g, "detach") else g.numpy()) for g in (gx, gw, gy)])
    for ours, theirs in zip(*outs):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)
    a, b = tg.ones(2, requires_grad=True), tg.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="appears to not have been used"):
        autograd.grad((a * 2).sum(), [a, b])
    assert autograd.grad((a * 2).sum(), [a, b], allow_unused=True)[1] is None
    with pytest.raises(NotImplementedError, match="first derivatives only"):
        autograd.grad((a * 2).sum(), a, create_graph=True)


def test_no_graph_mode_error_names_the_problem() -> None:
    with pytest.raises(RuntimeError, match=re.escape("does not require grad")):
        tg.ones(2).sum().backward()


def test_max_and_min_with_dim_give_values_and_indices_as_pytorch() -> None:
    for name in ("max", "min"):
        out, ref, ts, rs = both(lambda xs, name=name: getattr(xs[0], name)(dim=1, keepdim=True), A)
        np.testing.assert_allclose(out.values.detach().numpy(), ref.values.detach().numpy())
        np.testing.assert_array_equal(out.indices.numpy(), ref.indices.numpy())
        out.values.sum().backward()
        ref.values.sum().backward()
        np.testing.assert_array_equal(ts[0].grad, rs[0].grad.numpy())


TIES = np.array([[1.0, 5.0, 5.0, 0.0], [7.0, 7.0, 3.0, 7.0], [np.nan, 2.0, np.nan, 9.0]], dtype=np.float32)


@pytest.mark.parametrize(
    "call",
    [
        lambda x: x.max(1),  # PyTorch's tutorials: _, predicted = outputs.max(1)
        lambda x: x.max(1, keepdim=True),  # the MNIST example: output.max(1, keepdim=True)[1]
        lambda x: x.min(0),
        lambda x: x.max(-1, True),
        lambda x: x.min(dim=1, keepdim=True),
    ],
)
def test_max_and_min_with_a_positional_dim_give_values_and_indices_as_pytorch(call) -> None:
    """Ties and NaN included: the first extreme (or the first NaN) is the index, and the gradient of
    the values goes to that element alone (torch.max(x, dim) does not share it among ties)."""
    (out, ref, ts, rs) = both(lambda xs: call(xs[0]), TIES)
    np.testing.assert_array_equal(out.values.detach().numpy(), ref.values.detach().numpy())
    np.testing.assert_array_equal(out.indices.numpy(), ref.indices.numpy())
    assert out.indices.dtype == tg.int64 and len(out) == 2
    weights = np.arange(1, out.values.numel() + 1, dtype=np.float32).reshape(out.values.shape)
    (out.values * tg.tensor(weights)).sum().backward()
    (ref.values * torch.tensor(weights)).sum().backward()
    np.testing.assert_array_equal(ts[0].grad, rs[0].grad.numpy())


def test_tutorial_prediction_line_and_amax_amin_as_pytorch() -> None:
    outputs = np.array([[0.1, 2.0, -1.0], [3.0, 0.5, 0.2]], dtype=np.float32)
    _, predicted = tg.max(tg.tensor(outputs), 1)
    _, predicted_method = tg.tensor(outputs).max(1)
    assert predicted.tolist() == predicted_method.tolist() == [1, 0]
    for name, kw in (("amax", {"dim": 1}), ("amin", {"dim": (0, 1), "keepdim": True}), ("amax", {})):
        out, ref, ts, rs = both(lambda xs, name=name, kw=kw: getattr(xs[0], name)(**kw), TIES[:2])
        np.testing.assert_array_equal(out.detach().numpy(), ref.detach().numpy())
        out.sum().backward()
        ref.sum().backward()
        np.testing.assert_array_equal(ts[0].grad, rs[0].grad.numpy())  # ties share the gradient here
    x = tg.tensor(TIES[:2])
    assert x.max(axis=1).tolist() == [5.0, 7.0] and x.max(axis=(0, 1), keepdims=True).shape == (1, 1)
    assert x.max().item() == 7.0


def test_pytorch_mnist_example_accuracy_line() -> None:
    """pred = output.max(1, keepdim=True)[1]; correct += pred.eq(target.view_as(pred)).sum().item()"""
    output = np.array([[0.1, 2.0, -1.0], [3.0, 0.5, 0.2], [0.0, 0.0, 1.0], [1.0, 1.0, 0.0]], dtype=np.float32)
    target = np.array([1, 2, 2, 0])
    counts = []
    for lib in (tg, torch):
        out, tgt = lib.tensor(output), lib.tensor(target)
        pred = out.max(1, keepdim=True)[1]
        counts.append(pred.eq(tgt.view_as(pred)).sum().item())
        assert [getattr(out, op)(0.5).sum().item() for op in ("lt", "le", "gt", "ge", "ne")] == [
            int(v)
            for v in (
                (output < 0.5).sum(),
                (output <= 0.5).sum(),
                (output > 0.5).sum(),
                (output >= 0.5).sum(),
                (output != 0.5).sum(),
            )
        ]
        assert out.reshape_as(lib.zeros(12)).shape == (12,)
    assert counts == [3, 3]


def test_max_edge_cases_as_pytorch() -> None:
    """Out-of-range dims raise as PyTorch's (they used to wrap round silently), keepdim works with
    either spelling, x.max() shares its gradient among NaNs as torch's, a 0-d tensor takes dim 0."""
    x = tg.tensor(A)
    for bad in (2, -3):
        with pytest.raises(IndexError, match=re.escape(f"expected to be in range of [-2, 1], but got {bad}")):
            x.max(bad)
        with pytest.raises(IndexError, match="Dimension out of range"):
            tg.min(x, bad)
    a = np.array([[1.0, 2.0, 3.0], [10.0, 20.0, 30.0], [0.0, 0.0, 5.0]])
    stable = tg.tensor(a) - tg.tensor(a).max(axis=1, keepdim=True)  # the hand-written softmax's first line
    np.testing.assert_array_equal(stable.numpy(), a - a.max(axis=1, keepdims=True))
    assert tg.tensor(a).max(dim=1, keepdims=True).values.shape == (3, 1)
    nan = np.array([[1.0, np.nan, 3.0, np.nan], [2.0, 2.0, 1.0, 0.0]])
    out, ref, ts, rs = both(lambda xs: xs[0].max(), nan)
    out.backward()
    ref.backward()
    np.testing.assert_array_equal(ts[0].grad, rs[0].grad.numpy())  # 0.5 at each NaN
    scalar = tg.tensor(3.0).max(0)
    assert scalar.values.item() == 3.0 and scalar.indices.item() == 0
    with pytest.raises(IndexError, match=re.escape("dimension 1 of the tensor of shape (2, 0) is empty")):
        tg.zeros(2, 0).max(1)


def test_max_with_several_dims_or_both_spellings_is_refused_by_name() -> None:
    x = tg.tensor(A)
    with pytest.raises(
        TypeError, match=re.escape("max(dim): dim must be one axis (an int), got (0, 1); for the maximum")
    ):
        x.max((0, 1))
    with pytest.raises(TypeError, match=re.escape("min(): give dim (PyTorch: values and indices) or axis")):
        x.min(1, axis=0)


def test_autograd_gradcheck_is_reachable_under_pytorchs_path() -> None:
    x = tg.tensor([0.3, -1.2], dtype=tg.float64, requires_grad=True)
    assert tg.autograd.gradcheck(make_legendre(tg).apply, (x,), eps=1e-6, atol=1e-4)


def test_expand_as_matches_pytorch_forward_and_gradient() -> None:
    # a (3, 1) column broadcast to (3, 4): each element feeds 4 outputs, so its gradient sums 4 upstream entries
    col, target = A[:, :1].astype(np.float64), np.zeros((3, 4))
    upstream = np.arange(12.0).reshape(3, 4)
    ours, theirs = tg.tensor(col, requires_grad=True), torch.tensor(col, requires_grad=True)
    out_ours, out_theirs = ours.expand_as(tg.tensor(target)), theirs.expand_as(torch.tensor(target))
    np.testing.assert_array_equal(out_ours.data, out_theirs.detach().numpy())
    (out_ours * tg.tensor(upstream)).sum().backward()
    (out_theirs * torch.tensor(upstream)).sum().backward()
    np.testing.assert_array_equal(ours.grad, theirs.grad.numpy())


def test_init_ones_matches_pytorch() -> None:
    ours, theirs = tg.nn.Linear(3, 2), torch.nn.Linear(3, 2)
    assert tg.nn.init.ones_(ours.weight) is ours.weight
    torch.nn.init.ones_(theirs.weight)
    np.testing.assert_array_equal(ours.weight.data, theirs.weight.detach().numpy())
    assert ours.weight.requires_grad and ours.weight.dtype == np.float32

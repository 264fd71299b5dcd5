"""PyTorch's semantics where the makemore lectures meet them (issue 21), each idiom run as the same code
under ``torch`` 2.13 and under ``tinygrad_edu``: the printed result (repr, so dtype and layout too) must be
the same, or both must raise the same error type with the same message. Everything compared is exact
(small integers, sums and products of them, or one rounding of the same float32 operation)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg

torch = pytest.importorskip("torch", reason="PyTorch not installed: these tests compare with it")


def outcome(idiom: Callable[[Any], Any], lib: Any) -> tuple[Any, str]:
    """``("ok", repr(result))`` or ``(error type, message)`` of ``idiom(lib)``."""
    try:
        return "ok", repr(idiom(lib))
    except Exception as err:  # the error itself is what is compared
        return type(err), str(err)


def same(idiom: Callable[[Any], Any]) -> None:
    """The same repr, or the same error type and message, under torch and under tinygrad_edu."""
    assert outcome(idiom, tg) == outcome(idiom, torch)


def same_error(idiom: Callable[[Any], Any], *phrases: str) -> None:
    """PyTorch's error type under both (ours may be a subclass of it: `except` catches both alike), each of
    ``phrases`` in both messages (where our wording differs)."""
    (kind_t, theirs), (kind_o, ours) = outcome(idiom, torch), outcome(idiom, tg)
    assert isinstance(kind_t, type) and isinstance(kind_o, type) and issubclass(kind_o, kind_t), (theirs, ours)
    for phrase in phrases:
        assert phrase in theirs and phrase in ours, (theirs, ours)


# ----------------------------------------------------------------------------- nn.Parameter
@pytest.mark.parametrize("values", [[1.0, 2.0], [[0.5, -1.0], [2.0, 3.0]], [[1.0]]])
def test_parameter_prints_as_pytorchs(values) -> None:
    same(lambda lib: lib.nn.Parameter(lib.tensor(values)))
    same(lambda lib: lib.nn.Parameter(lib.tensor(values), requires_grad=False))


# ----------------------------------------------------------------------------- reductions and dtypes
INTEGERS = ["uint8", "int8", "int16", "int32", "int64", "bool"]


@pytest.mark.parametrize("name", INTEGERS)
@pytest.mark.parametrize(
    "idiom",
    [
        lambda lib, dt: lib.tensor([[1, 0, 1], [1, 1, 1]], dtype=dt).sum(),
        lambda lib, dt: lib.tensor([[1, 0, 1], [1, 1, 1]], dtype=dt).sum(dim=1),
        lambda lib, dt: lib.sum(lib.tensor([[1, 0, 1], [1, 1, 1]], dtype=dt), 0, keepdim=True),
        lambda lib, dt: lib.tensor([[1, 0, 1], [1, 1, 1]], dtype=dt).cumsum(1),
        lambda lib, dt: lib.cumsum(lib.tensor([1, 1, 0, 1], dtype=dt), 0),
        lambda lib, dt: lib.tensor([[1, 0, 1], [1, 1, 1]], dtype=dt).prod(),
        lambda lib, dt: lib.tensor([[1, 0, 1], [1, 1, 1]], dtype=dt).prod(1, keepdim=True),
        lambda lib, dt: lib.prod(lib.tensor([1, 1, 1], dtype=dt)),
        lambda lib, dt: lib.tensor([1, 0, 1], dtype=dt).sum(dtype=dt),
        lambda lib, dt: lib.tensor([1, 0, 1], dtype=dt).sum(dtype=lib.float32),
        lambda lib, dt: lib.tensor([1, 0, 1], dtype=dt).cumsum(0, dtype=lib.float64),
        lambda lib, dt: lib.tensor([1, 0, 1], dtype=dt).mean(dtype=lib.float32),
    ],
)
def test_integer_and_bool_totals_are_int64_as_pytorchs(idiom, name: str) -> None:
    same(lambda lib: idiom(lib, getattr(lib, name)))


def test_uint8_sum_counts_past_255() -> None:
    same(lambda lib: lib.full((300,), 1, dtype=lib.uint8).sum())
    same(lambda lib: lib.full((300,), 1, dtype=lib.uint8).sum(dtype=lib.uint8))  # asked for: wraps, as torch


@pytest.mark.parametrize("name", INTEGERS)
def test_mean_of_integers_is_pytorchs_error(name: str) -> None:
    same(lambda lib: lib.tensor([1, 0, 1], dtype=getattr(lib, name)).mean())
    same(lambda lib: lib.mean(lib.tensor([[1, 2]], dtype=getattr(lib, name)), 1))


def test_cumsum_and_prod_gradients_match_pytorchs() -> None:
    """Exact in float64: the products have a zero in them, where ∂prod/∂a = prod/a would divide by it."""
    a = np.array([[2.0, 0.0, 3.0], [1.5, -2.0, 4.0], [0.0, 0.0, 1.0]])
    for fn in (
        lambda x: x.prod(),
        lambda x: x.prod(1),
        lambda x: x.prod(0, keepdim=True),
        lambda x: x.cumsum(1),
        lambda x: x.cumsum(-2),
    ):
        grads = []
        for lib in (torch, tg):
            x = lib.tensor(a, requires_grad=True)
            out = fn(x)
            out.backward(lib.ones_like(out) * lib.arange(1, 1 + out.numel(), dtype=lib.float64).reshape(out.shape))
            grads.append((repr(out.detach()), x.grad.numpy().copy()))
        assert grads[0][0] == grads[1][0]
        np.testing.assert_array_equal(grads[1][1], grads[0][1])


# ----------------------------------------------------------------------------- matrix products of two dtypes
# (float64 with float32 is left out: PyTorch refuses it, we promote; see `tinygrad_edu.ops.matmul.refused`)
MIXED = [("int64", "float32"), ("float32", "int64"), ("bool", "float32"), ("int32", "float64"), ("uint8", "int64")]
SHAPES = [((2, 3), (3, 2)), ((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 2)), ((4, 2, 3), (3, 2)), ((2, 3), (4, 3, 2))]


@pytest.mark.parametrize(("da", "db"), MIXED)
@pytest.mark.parametrize(("sa", "sb"), SHAPES)
def test_product_of_two_dtypes_is_pytorchs_error(da: str, db: str, sa, sb) -> None:
    same(lambda lib: lib.ones(sa, dtype=getattr(lib, da)) @ lib.ones(sb, dtype=getattr(lib, db)))
    same(lambda lib: lib.matmul(lib.ones(sa, dtype=getattr(lib, da)), lib.ones(sb, dtype=getattr(lib, db))))


@pytest.mark.parametrize(("da", "db"), [*MIXED, ("float32", "float32"), ("int64", "int64")])
def test_mm_and_bmm_as_pytorchs(da: str, db: str) -> None:
    same(lambda lib: lib.mm(lib.ones(2, 3, dtype=getattr(lib, da)), lib.ones(3, 2, dtype=getattr(lib, db))))
    same(lambda lib: lib.bmm(lib.ones(2, 2, 3, dtype=getattr(lib, da)), lib.ones(2, 3, 1, dtype=getattr(lib, db))))


@pytest.mark.parametrize(
    "idiom",
    [
        lambda lib: lib.mm(lib.ones(3), lib.ones(3, 2)),
        lambda lib: lib.mm(lib.ones(2, 3), lib.ones(3)),
        lambda lib: lib.bmm(lib.ones(2, 3), lib.ones(2, 3, 1)),
        lambda lib: lib.bmm(lib.ones(2, 2, 3), lib.ones(3, 1)),
        lambda lib: lib.bmm(lib.ones(2, 2, 3), lib.ones(3, 3, 1)),
        lambda lib: lib.bmm(lib.ones(2, 2, 3), lib.ones(2, 2, 1)),
        lambda lib: lib.ones(2, 2, dtype=lib.bool) @ lib.ones(2, 2, dtype=lib.bool),
    ],
)
def test_mm_and_bmm_shape_errors_as_pytorchs(idiom) -> None:
    same(idiom)


# ----------------------------------------------------------------------------- dims out of range
DIM_IDIOMS = [
    lambda lib, x, d: x.sum(dim=d),
    lambda lib, x, d: x.sum(d, keepdim=True),
    lambda lib, x, d: x.mean(dim=d),
    lambda lib, x, d: lib.sum(x, d),
    lambda lib, x, d: x.sum(dim=(0, d)),
    lambda lib, x, d: x.amax(dim=d),
    lambda lib, x, d: x.max(d),
    lambda lib, x, d: x.min(dim=d),
    lambda lib, x, d: x.argmax(d),
    lambda lib, x, d: x.argmin(dim=d, keepdim=True),
    lambda lib, x, d: x.softmax(d),
    lambda lib, x, d: x.log_softmax(d),
    lambda lib, x, d: lib.nn.functional.softmax(x, dim=d),
    lambda lib, x, d: x.var(d),
    lambda lib, x, d: x.std(dim=d, keepdim=True),
    lambda lib, x, d: x.cumsum(d),
    lambda lib, x, d: x.prod(d),
    lambda lib, x, d: x.all(d),
    lambda lib, x, d: x.any(dim=d),
    lambda lib, x, d: x.transpose(0, d),
    lambda lib, x, d: x.permute(0, d),
    lambda lib, x, d: x.flatten(0, d),
    lambda lib, x, d: x.squeeze(d),
    lambda lib, x, d: x.unsqueeze(d + 1),
    lambda lib, x, d: x.size(d),
    lambda lib, x, d: x.unbind(d),
    lambda lib, x, d: lib.cat([x, x], d),
    lambda lib, x, d: lib.stack([x, x], d + 1),
]


@pytest.mark.parametrize("idiom", DIM_IDIOMS)
@pytest.mark.parametrize("d", [2, 5, -3])
def test_dim_out_of_range_is_pytorchs_index_error(idiom, d: int) -> None:
    same(lambda lib: idiom(lib, lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), d))


@pytest.mark.parametrize("idiom", DIM_IDIOMS)
@pytest.mark.parametrize("d", [0, -1, 1])
def test_dims_of_a_0d_tensor_as_pytorchs(idiom, d: int) -> None:
    """A 0-d tensor takes dim 0 and -1 where PyTorch lets it (and names the error where not)."""
    same(lambda lib: idiom(lib, lib.tensor(3.0), d))


def test_a_dim_given_twice_is_pytorchs_error() -> None:
    same(lambda lib: lib.ones(2, 3).sum(dim=(0, 0)))
    same(lambda lib: lib.ones(2, 3).sum(dim=(1, -1)))
    same(lambda lib: lib.ones(2, 3).permute(1, 1))


# ----------------------------------------------------------------------------- torch.normal's streams
SEEDS = [0, 1, 42, 2147483647]


def _normal_cases(lib, n: int, dt: Any) -> list[Any]:
    """Every form of torch.normal, in one call sequence from one generator (so the cache of the small-tensor
    path carries from call to call as in PyTorch)."""
    mean = lib.arange(n, dtype=dt) * 0.5 - 3.0
    std = lib.arange(n, dtype=dt) * 0.25 + 0.125
    return [
        lambda g: lib.normal(2.0, 3.0, (n,), generator=g, dtype=dt),
        lambda g: lib.normal(-1.0, 0.5, size=(2, n), generator=g, dtype=dt),
        lambda g: lib.normal(mean, std, generator=g),
        lambda g: lib.normal(mean, 0.75, generator=g),
        lambda g: lib.normal(mean, generator=g),
        lambda g: lib.normal(1.5, std, generator=g),
        lambda g: lib.normal(mean.reshape(n, 1), std, generator=g),
        lambda g: lib.normal(mean, std.double(), generator=g),  # std in float64 scales in float64, then rounds
        lambda g: lib.normal(0.0, std.double(), generator=g),
    ]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n", [1, 5, 16, 37])
@pytest.mark.parametrize("name", ["float32", "float64"])
def test_normal_gives_pytorchs_numbers(seed: int, n: int, name: str) -> None:
    results = []
    for lib in (torch, tg):
        g = lib.Generator().manual_seed(seed)
        results.append([case(g) for case in _normal_cases(lib, n, getattr(lib, name))])
    for theirs, ours in zip(*results, strict=True):
        assert str(ours.dtype) == str(theirs.dtype) and tuple(ours.shape) == tuple(theirs.shape)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("seed", SEEDS)
def test_normal_draws_from_the_global_stream(seed: int) -> None:
    results = []
    for lib in (torch, tg):
        lib.manual_seed(seed)
        results.append([lib.normal(0.0, 1.0, (20,)), lib.normal(lib.zeros(3), 2.0), lib.randn(3)])
    for theirs, ours in zip(*results, strict=True):
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_normal_samples_are_graph_nodes_with_pytorchs_zero_gradients() -> None:
    """PyTorch declares the samples' derivatives zero (not reparametrized): the same grad_fn names, values
    and (zero) gradients, and a gradient only for the inputs that were given."""

    def idiom(lib):
        mean = lib.tensor([0.0, 1.0, 2.0], requires_grad=True)
        std = lib.tensor([1.0, 0.5, 2.0], requires_grad=True)
        g = lib.Generator().manual_seed(3)
        outs = [lib.normal(mean, std, generator=g), lib.normal(mean, 2.0, generator=g)]
        outs.append(lib.normal(1.0, std, generator=g))
        names = [type(o.grad_fn).__name__ if lib is torch else o.grad_fn.backward_name for o in outs]
        grads = []
        for out in outs:
            mean.grad = std.grad = None
            out.sum().backward()
            grads.append((repr(mean.grad), repr(std.grad)))
        return names, [repr(o) for o in outs], grads

    same(idiom)


@pytest.mark.parametrize(
    "idiom",
    [
        lambda lib: lib.normal(0.0, -1.0, (3,)),
        lambda lib: lib.normal(lib.zeros(3), -1.0),
        lambda lib: lib.normal(lib.zeros(3), lib.tensor([1.0, -1.0, 1.0])),
        lambda lib: lib.normal(0.0, lib.tensor([-1.0])),
        lambda lib: lib.normal(lib.zeros(3), lib.ones(2)),
        lambda lib: lib.normal(lib.zeros(2, 3), lib.ones(4, 1, 2)),
        lambda lib: lib.normal(lib.zeros(3, dtype=lib.int64), 1.0),
    ],
)
def test_normal_refuses_as_pytorch(idiom) -> None:
    same(idiom)


def test_normal_refuses_a_foreign_generator() -> None:
    same_error(lambda lib: lib.normal(lib.zeros(2), 1.0, generator=3), "generator")


# ----------------------------------------------------------------------------- printed statistics
@pytest.mark.parametrize("seed", range(4))
def test_var_and_std_are_pytorchs_to_the_last_bit(seed: int) -> None:
    """PyTorch's CPU kernels accumulate a float32 variance in double and round once: so do we, and the
    printed ``w.grad.std()`` of the lectures agrees in every digit (inputs drawn from unchosen seeds)."""
    rng = np.random.default_rng(seed)
    for _ in range(20):
        n, m = int(rng.integers(2, 200)), int(rng.integers(1, 5))
        x = (rng.normal(size=(n, m)) * rng.uniform(0.01, 10) + rng.uniform(-5, 5)).astype(np.float32)
        for call in (
            lambda t: t.var(),
            lambda t: t.std(),
            lambda t: t.var(0, keepdim=True),
            lambda t: t.std(dim=1),
            lambda t: t.std(0, unbiased=False),
            lambda t: t.var(correction=0),
        ):
            theirs, ours = call(torch.from_numpy(x)), call(tg.tensor(x))
            assert ours.dtype == tg.float32
            np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_var_and_std_graph_and_errors_as_pytorchs() -> None:
    def idiom(lib):
        w = lib.tensor([[1.0, 3.0], [7.0, 2.0]], requires_grad=True)
        out = w.var(0, keepdim=True).sum() + w.std()
        out.backward()
        return w.var(0), w.std(unbiased=False), out, w.grad

    same(idiom)
    same(lambda lib: lib.tensor([1, 2, 3]).var())
    same(lambda lib: lib.tensor([True, False]).std(0))


def test_log10_of_powers_of_ten_is_exact_as_pytorchs() -> None:
    same(lambda lib: (lib.tensor(100.0).log10(), lib.tensor([10.0, 1000.0, 1e-3, 1e6]).log10()))


# ----------------------------------------------------------------------------- reprs of graph tensors
def _leaf(lib):
    return lib.tensor([[1.0, -2.0, 3.0], [0.5, 4.0, -1.0]], requires_grad=True)


@pytest.mark.parametrize(
    "idiom",
    [
        lambda lib, x: x.sum(),
        lambda lib, x: x.sum(1, keepdim=True),
        lambda lib, x: x.sum(0),
        lambda lib, x: x.mean(),
        lambda lib, x: x.mean(0, keepdim=True),
        lambda lib, x: x.prod(),
        lambda lib, x: x.prod(1),
        lambda lib, x: x.max(),
        lambda lib, x: x.min(),
        lambda lib, x: x.max(1, keepdim=True).values,
        lambda lib, x: x.min(1)[0],
        lambda lib, x: x.amax(1),
        lambda lib, x: x.squeeze(),
        lambda lib, x: x[:1].squeeze(0),
        lambda lib, x: x.unsqueeze(0),
        lambda lib, x: x.t(),
        lambda lib, x: x.T,
        lambda lib, x: x.transpose(0, 1),
        lambda lib, x: x.permute(1, 0),
        lambda lib, x: x.view(-1),
        lambda lib, x: x.flatten(),
        lambda lib, x: x.unbind(1),
        lambda lib, x: lib.unbind(x, 0),
        lambda lib, x: x.var(1),
        lambda lib, x: x.std(),
        lambda lib, x: x.square(),
        lambda lib, x: x.neg(),
        lambda lib, x: x.clamp(0, 1),
        lambda lib, x: x % 1.5,
        lambda lib, x: lib.remainder(x, -2.0),
        lambda lib, x: lib.nn.functional.mse_loss(x, lib.zeros(2, 3)),
        lambda lib, x: lib.nn.functional.linear(x, lib.ones(4, 3)),
        lambda lib, x: lib.nn.functional.linear(x, lib.ones(4, 3), lib.ones(4)),
        lambda lib, x: lib.nn.functional.embedding(lib.tensor([1, 0, 1]), x),
    ],
)
def test_graph_tensors_print_pytorchs_grad_fn(idiom) -> None:
    same(lambda lib: idiom(lib, _leaf(lib)))


def test_embedding_module_prints_pytorchs_grad_fn() -> None:
    for lib in (torch, tg):
        lib.manual_seed(0)
    same(lambda lib: lib.nn.Embedding(5, 2)(lib.tensor([[1, 4]])))
    same(lambda lib: lib.nn.Embedding(5, 2, padding_idx=1)(lib.tensor([[1, 4]])).grad_fn is not None)


# ----------------------------------------------------------------------------- // and %
@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("lib.tensor([5, -5, 7, -7])", "3"),
        ("lib.tensor([5, -5, 7, -7])", "-3"),
        ("lib.tensor([5.0, -5.0, 7.5, -0.0, 4.0])", "2.0"),
        ("lib.tensor([5.0, -5.0, 7.5, -0.0, 4.0])", "-2.0"),
        ("lib.tensor([5, 6])", "2.5"),
        ("lib.tensor([5, 6])", "lib.tensor([2.5])"),
        ("7", "lib.tensor([4, -4])"),
        ("lib.tensor([200], dtype=lib.uint8)", "7"),
        ("lib.tensor([True, False])", "1"),
        ("lib.tensor([5.0])", "0.0"),
        ("lib.tensor([5])", "0"),
        ("lib.tensor([True])", "True"),
    ],
)
def test_floor_division_and_remainder_as_pytorchs(a: str, b: str) -> None:
    same(lambda lib: eval(a) // eval(b))
    same(lambda lib: eval(a) % eval(b))


def test_remainder_gradients_as_pytorchs() -> None:
    def idiom(lib):
        a = lib.tensor([5.0, -5.0, 7.5], requires_grad=True)
        b = lib.tensor([3.0, 3.0, -2.0], requires_grad=True)
        r = a % b
        (r * lib.tensor([1.0, 2.0, 3.0])).sum().backward()
        # (PyTorch's a // b has a node whose backward raises; ours has none)
        return r, a.grad, b.grad, a.detach() // b.detach()

    same(idiom)


# ----------------------------------------------------------------------------- view/reshape and Linear errors
@pytest.mark.parametrize("shape", [(2, 7), (-1, 5), (-1, -1), (-2, 6), (2, 2, 2)])
def test_bad_view_is_pytorchs_error(shape) -> None:
    same(lambda lib: lib.ones(12).view(*shape))
    same(lambda lib: lib.ones(3, 4, requires_grad=True).reshape(shape))


@pytest.mark.parametrize("args", [(1, 5, 1), (1, -5, 1), (1, 2, 5), (1, 1, -1), (2, 0, 1), (1, 4, 0), (0, -3, 3)])
def test_narrow_out_of_range_is_pytorchs_error(args) -> None:
    same(lambda lib: lib.zeros(3, 4).narrow(*args))


def test_zero_elements_cannot_infer_a_size() -> None:
    same(lambda lib: lib.ones(0).view(-1, 0))


def test_linear_of_integers_is_pytorchs_error() -> None:
    same(lambda lib: lib.nn.functional.linear(lib.ones(1, 2, dtype=lib.int64), lib.ones(3, 2)))
    same(lambda lib: lib.nn.functional.linear(lib.ones(1, 2, dtype=lib.int64), lib.ones(3, 2), lib.ones(3)))
    same(lambda lib: lib.nn.Linear(2, 3)(lib.ones(1, 2, dtype=lib.int32)).shape)


def test_two_float_dtypes_are_multiplied_in_the_wider_one() -> None:
    """Our one departure (PyTorch refuses): float64 data through float32 weights, as numpy would."""
    x, w = np.arange(6.0).reshape(2, 3), np.ones((3, 2), np.float32)
    out = tg.tensor(x) @ tg.tensor(w)
    assert out.dtype == tg.float64
    np.testing.assert_array_equal(out.numpy(), x @ w.astype(np.float64))


# ----------------------------------------------------------------------------- composites of PyTorch's API
def _graph(lib):
    return lib.tensor([[1.0, -2.0, 3.0, 3.0], [0.5, 4.0, -1.0, 0.0], [2.0, 2.0, -3.0, 1.5]], requires_grad=True)


COMPOSITES = [
    lambda lib, x: x.norm(),
    lambda lib, x: x.norm(dim=1),
    lambda lib, x: x.norm(1),
    lambda lib, x: x.logsumexp(1),
    lambda lib, x: lib.logsumexp(x, 0, keepdim=True),
    lambda lib, x: x.add(2.0, alpha=3),
    lambda lib, x: x.sub(x, alpha=0.5),
    lambda lib, x: x.mul(x),
    lambda lib, x: x.div(2.0),
    lambda lib, x: x.detach().div(2.0, rounding_mode="floor"),
    lambda lib, x: x.detach().div(-2.5, rounding_mode="trunc"),
    lambda lib, x: lib.tensor([7, -7]).div(2, rounding_mode="trunc"),
    lambda lib, x: lib.tensor([7, -7]).div(2),
    lambda lib, x: x.reciprocal(),
    lambda lib, x: x.abs().rsqrt(),
    lambda lib, x: x.maximum(lib.tensor([2.0, 2.0, 2.0, 3.0])),
    lambda lib, x: lib.minimum(x, lib.tensor([2.0, 2.0, 2.0, 3.0])),
    lambda lib, x: x.detach().sign(),
    lambda lib, x: x.detach().round(),
    lambda lib, x: x.detach().floor(),
    lambda lib, x: x.detach().ceil(),
    lambda lib, x: x.masked_fill(x > 1.0, 0.0),
    lambda lib, x: x.tril(),
    lambda lib, x: lib.ones(3, 3, dtype=lib.int64).tril(-1),
    lambda lib, x: lib.arange(4).masked_fill(lib.tensor([True, False] * 2), 7),
    lambda lib, x: lib.triu(x, 1),
    lambda lib, x: x.split(2, dim=1),
    lambda lib, x: lib.split(x, [1, 2], 0),
    lambda lib, x: x.chunk(2, 1),
    lambda lib, x: lib.chunk(x, 3),
    lambda lib, x: x.narrow(1, 1, 2),
    lambda lib, x: lib.narrow(x, 0, -2, 2),
    lambda lib, x: x.flip(0),
    lambda lib, x: lib.flip(x, (0, 1)),
    lambda lib, x: x.sort(),
    lambda lib, x: x.sort(0, descending=True),
    lambda lib, x: lib.sort(x, 1),
    lambda lib, x: x.argsort(1),
    lambda lib, x: lib.argsort(x, 0, descending=True),
    lambda lib, x: (x + lib.arange(12.0).view(3, 4) / 64).topk(2),  # without ties: PyTorch orders those its own way
    lambda lib, x: lib.topk(x + lib.arange(12.0).view(3, 4) / 64, 2, 0),
    lambda lib, x: x.topk(1, largest=False),
    lambda lib, x: x.detach().unique(),
    lambda lib, x: x[:, :3].diag(),
    lambda lib, x: x.half(),
    lambda lib, x: (x.contiguous() is x, x.T.is_contiguous(), x.element_size()),
    lambda lib, x: (x.new_zeros(2), x.new_ones((1, 2)), x.new_full((2,), 7), x.new_tensor([1, 2])),
]


@pytest.mark.parametrize("idiom", COMPOSITES)
def test_composites_print_and_differentiate_as_pytorchs(idiom) -> None:
    """The same repr (values, dtype, grad_fn) and, where there is a graph, the same gradient (exact: the
    values are small binary fractions and each gradient element a sum of few of them)."""

    def run(lib):
        x = _graph(lib)
        out = idiom(lib, x)
        parts = out if isinstance(out, tuple) else (out,)
        graphed = [p for p in parts if hasattr(p, "grad_fn") and p.grad_fn is not None]
        if graphed:
            sum(p.float().sum() * (i + 1) for i, p in enumerate(graphed)).backward()
        return out, x.grad

    same(run)


def test_var_of_one_element_warns_as_pytorch() -> None:
    for lib in (torch, tg):
        with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
            lib.tensor([2.0]).std()


@pytest.mark.parametrize("seed", range(3))
def test_number_over_tensor_rounds_as_pytorchs(seed: int) -> None:
    """PyTorch computes ``3 / x`` as reciprocal(x)·3 (two roundings): the same float32 bits here."""
    x = np.random.default_rng(seed).uniform(0.1, 100.0, 1000).astype(np.float32)
    for number in (1, 3, 2.5, -7.0):
        theirs, ours = number / torch.from_numpy(x), number / tg.tensor(x)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    same(lambda lib: (3 / lib.tensor([7, 3]), 1 / lib.tensor([7.0, 3.0], requires_grad=True)))
    grads = []
    for lib in (torch, tg):
        w = lib.tensor(x[:5], requires_grad=True)
        (3 / w).sum().backward()
        grads.append(w.grad.numpy())
    np.testing.assert_allclose(grads[1], grads[0], rtol=2e-7)  # −3/w², rounded in another order than PyTorch's


# ----------------------------------------------------------------------------- shape errors
@pytest.mark.parametrize(
    ("sa", "sb"),
    [
        ((2, 3), (2, 3)),
        ((3,), (4,)),
        ((32, 3, 2), (6, 100)),  # the lecture's emb @ W1 before the view
        ((2, 3), (4,)),
        ((3,), (4, 2)),
        ((2, 2, 3), (2, 4, 2)),
        ((2, 2, 3), (4, 2)),
        ((2, 3), (3, 4, 2)),
        ((), (3,)),
        ((5, 2, 3), (4, 3, 2)),
    ],
)
def test_matmul_shape_errors_are_pytorchs(sa, sb) -> None:
    same(lambda lib: lib.ones(sa) @ lib.ones(sb))
    same(lambda lib: lib.ones(sa, dtype=lib.int64) @ lib.ones(sb))  # which check comes first, as PyTorch


@pytest.mark.parametrize(
    "idiom",
    [
        lambda lib: lib.nn.functional.linear(lib.ones(2, 3, 5), lib.ones(4, 3)),
        lambda lib: lib.nn.functional.linear(lib.ones(5), lib.ones(4, 3), lib.ones(4)),
        lambda lib: lib.nn.Linear(3, 4)(lib.ones(2, 5)),
        lambda lib: lib.mm(lib.ones(2, 3), lib.ones(2, 3)),
        lambda lib: lib.bmm(lib.ones(2, 2, 3), lib.ones(2, 4, 2)),
    ],
)
def test_linear_and_mm_shape_errors_are_pytorchs(idiom) -> None:
    same(idiom)


@pytest.mark.parametrize(("sa", "sb"), [((3,), (4,)), ((2, 3), (3, 2)), ((2, 1, 3), (4, 2)), ((5, 1), (2, 4, 3))])
def test_broadcast_errors_are_pytorchs(sa, sb) -> None:
    """PyTorch's RuntimeError and words, then the op and the shapes."""
    for op in (lambda a, b: a + b, lambda a, b: a * b, lambda a, b: a - b, lambda a, b: a / b):

        def idiom(lib, op=op):
            return op(lib.ones(sa), lib.ones(sb))

        same_error(idiom, "The size of tensor a", "at non-singleton dimension")
        (_, theirs), (_, ours) = outcome(idiom, torch), outcome(idiom, tg)
        assert ours.startswith(theirs)

"""The PyTorch namespace (`tinygrad_edu.creation`, `tinygrad_edu.functions`): every factory and free function
against PyTorch itself."""

from __future__ import annotations

import builtins
import math

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor
from tinygrad_edu.functions import TENSOR_FUNCTIONS

torch = pytest.importorskip("torch", reason="PyTorch not installed: these tests compare with it")


def same(ours: Tensor, theirs, rtol: float = 0.0, atol: float = 0.0) -> None:
    """Same shape, same dtype (by name) and equal values."""
    assert ours.shape == tuple(theirs.shape)
    assert str(ours.dtype) == str(theirs.dtype)
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=rtol, atol=atol)


@pytest.mark.parametrize(
    "data",
    [
        [1, 2, 3],
        [1.0, 2.0],
        [[1, 2], [3, 4]],
        3,
        2.5,
        True,
        [True, False],
        np.arange(3.0),
        np.arange(3, dtype=np.int32),
    ],
)
def test_tensor_infers_pytorch_dtypes(data) -> None:
    same(tg.tensor(data), torch.tensor(data))


@pytest.mark.parametrize("dtype", ["float32", "float", "float64", "double", "int64", "long", "int32", "bool"])
def test_dtype_names_match_pytorch(dtype) -> None:
    same(tg.tensor([0, 1, 1], dtype=getattr(tg, dtype)), torch.tensor([0, 1, 1], dtype=getattr(torch, dtype)))
    assert tg.zeros(2, dtype=getattr(tg, dtype)).dtype == getattr(tg, dtype)


def test_tensor_copies_but_as_tensor_and_from_numpy_share() -> None:
    a = np.zeros(3)
    copied, shared, shared2 = tg.tensor(a), tg.as_tensor(a), tg.from_numpy(a)
    a[0] = 7.0
    ref_copy, ref_shared = torch.tensor(a.copy()), torch.from_numpy(a)
    assert copied.data[0] == 0.0 and shared.data[0] == shared2.data[0] == ref_shared[0].item() == 7.0
    assert ref_copy[0].item() == 7.0  # (torch.tensor copies at call time, like ours)
    with pytest.raises(TypeError, match=r"numpy\.ndarray"):
        tg.from_numpy([1, 2])


@pytest.mark.parametrize("name", ["zeros", "ones", "empty"])
@pytest.mark.parametrize("size", [(2, 3), ((2, 3),), ([4],), ((),)])
def test_shape_factories(name, size) -> None:
    ours, theirs = getattr(tg, name)(*size), getattr(torch, name)(*size)
    assert ours.shape == tuple(theirs.shape) and str(ours.dtype) == "torch.float32"
    if name != "empty":
        same(ours, theirs)


def test_factory_options() -> None:
    x = tg.zeros(2, 2, dtype=tg.float64, requires_grad=True, device="cpu")
    assert x.requires_grad and x.dtype == np.float64
    assert tg.ones(3, device=tg.device("cpu")).shape == (3,)
    with pytest.raises(TypeError, match="floating-point"):
        tg.zeros(2, dtype=tg.long, requires_grad=True)  # as PyTorch: only floats require grad
    with pytest.raises(RuntimeError, match=r"'cuda' is not supported.*CPU only"):
        tg.zeros(2, device="cuda")
    with pytest.raises(RuntimeError, match="'mps' is not supported"):
        tg.device("mps")
    with pytest.raises(TypeError, match="unknown dtype 'float8'"):
        tg.zeros(2, dtype="float8")
    with pytest.raises(ValueError, match="non-negative integers"):
        tg.zeros(-1)


@pytest.mark.parametrize("value", [3, 2.5, True])
def test_full_dtype_follows_fill_value(value) -> None:
    same(tg.full((2, 3), value), torch.full((2, 3), value))
    same(tg.full_like(tg.zeros(2), value), torch.full_like(torch.zeros(2), value))


@pytest.mark.parametrize(
    "args", [(5,), (2, 9), (2, 9, 3), (0.0, 1.0, 0.1), (1, 2.5, 0.5), (10, 0, -3), (-1.0, 1.0, 0.3)]
)
def test_arange(args) -> None:
    same(tg.arange(*args), torch.arange(*args), rtol=1e-6, atol=1e-7)


def test_arange_bad_step() -> None:
    with pytest.raises(ValueError, match="step must be nonzero"):
        tg.arange(0, 5, 0)
    with pytest.raises(ValueError, match="inconsistent"):
        tg.arange(0, 5, -1)


@pytest.mark.parametrize("args", [(-math.pi, math.pi, 2000), (0, 1, 5), (3, -3, 7), (0, 1, 1), (0, 1, 0)])
def test_linspace(args) -> None:
    same(tg.linspace(*args), torch.linspace(*args), rtol=1e-6, atol=1e-6)
    same(tg.linspace(*args, dtype=tg.float64), torch.linspace(*args, dtype=torch.float64), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("args", [(3,), (2, 4), (4, 2)])
def test_eye(args) -> None:
    same(tg.eye(*args), torch.eye(*args))


def test_like_factories_take_shape_and_dtype() -> None:
    x, r = tg.zeros(2, 3, dtype=tg.float64), torch.zeros(2, 3, dtype=torch.float64)
    for name in ("zeros_like", "ones_like", "empty_like"):
        ours, theirs = getattr(tg, name)(x), getattr(torch, name)(r)
        assert ours.shape == tuple(theirs.shape) and str(ours.dtype) == "torch.float64"
        if name != "empty_like":
            same(ours, theirs)
    assert tg.rand_like(x).dtype == np.float64 and tg.randn_like(x).shape == (2, 3)
    assert tg.ones_like(x, dtype=tg.float32).dtype == np.float32
    k = tg.randint_like(tg.zeros(50, dtype=tg.int64), 3, 6)
    assert k.dtype == np.int64 and set(np.unique(k.data)) <= {3, 4, 5}


def test_random_factories_are_seeded_and_distributed() -> None:
    tg.manual_seed(0)
    a = tg.randn(4000)
    tg.manual_seed(0)
    np.testing.assert_array_equal(a.data, tg.randn(4000).data)
    assert a.dtype == np.float32 and abs(a.data.mean()) < 0.06 and abs(a.numpy().std() - 1) < 0.06
    u = tg.rand(2, 2000)
    assert u.shape == (2, 2000) and 0 <= u.data.min() and u.data.max() < 1 and abs(u.data.mean() - 0.5) < 0.03
    # randint's two call forms are PyTorch's: randint(high, size) and randint(low, high, size)
    for ours, theirs in ((tg.randint(10, (3, 4)), torch.randint(10, (3, 4))), (tg.randint(3, 5, (500,)), None)):
        if theirs is not None:
            assert ours.shape == tuple(theirs.shape) and str(ours.dtype) == str(theirs.dtype)
    assert set(np.unique(tg.randint(3, 5, (500,)).data)) == {3, 4}
    with pytest.raises(RuntimeError, match="'from' to be less than 'to'"):  # torch's type and wording
        tg.randint(5, 5, (2,))


#: every free function made from a Tensor method marked `torch_function` (read from the package, so a new
#: one is compared with PyTorch's with no edit here), and the two unary functions written out in functions.py
UNARY = [*TENSOR_FUNCTIONS, "square", "neg"]
#: the arguments after the tensor, for the functions that take some
ARGS = {"narrow": (1, 1, 2), "xlogy": (2.5,)}


@pytest.mark.parametrize("name", UNARY)
def test_unary_functions_match_pytorch_values_and_grads(name) -> None:
    a = np.random.default_rng(1).uniform(0.2, 3.0, (3, 4))
    x, r = tg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    args = ARGS.get(name, ())
    y, ry = getattr(tg, name)(x, *args), getattr(torch, name)(r, *args)
    same(y, ry, rtol=1e-12)
    y.sum().backward()
    ry.sum().backward()
    np.testing.assert_allclose(x.grad, r.grad.numpy(), rtol=1e-12)


def test_free_functions_take_lists_parameters_and_a_subclass_own_method() -> None:
    """``torch.exp(x)`` calls ``x.exp()``: of a plain Tensor directly, of a list made a tensor first, and of a
    subclass (`nn.Parameter`, a user's class) through its own method, as a method call would."""

    class Doubled(Tensor):
        def exp(self) -> Tensor:
            return super().exp() * 2

    a = np.array([0.0, 1.0])
    listed = tg.exp([0.0, 1.0])  # float32, as PyTorch's (whose exp may round the last bit otherwise)
    assert listed.dtype == tg.float32
    np.testing.assert_allclose(listed.numpy(), torch.exp(torch.tensor([0.0, 1.0])).numpy(), rtol=2e-7)
    np.testing.assert_array_equal(tg.exp(tg.nn.Parameter(tg.tensor(a))).detach().numpy(), np.exp(a).astype(a.dtype))
    np.testing.assert_array_equal(tg.exp(Doubled(a)).numpy(), 2 * np.exp(a))


def pair():
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(3, 4)), rng.uniform(0.5, 2, size=(3, 4))
    return (tg.tensor(a, requires_grad=True), tg.tensor(b, requires_grad=True)), (
        torch.tensor(a, requires_grad=True),
        torch.tensor(b, requires_grad=True),
    )


@pytest.mark.parametrize(
    "call",
    [
        lambda m, x, y: m.add(x, y, alpha=2),
        lambda m, x, y: m.sub(x, y),
        lambda m, x, y: m.mul(x, y),
        lambda m, x, y: m.div(x, y),
        lambda m, x, y: m.pow(y, x),
        lambda m, x, y: m.pow(y, 3),
        lambda m, x, y: m.pow(2.0, x),
        lambda m, x, y: m.matmul(x, m.t(y)),
        lambda m, x, y: m.mm(x, m.transpose(y, 0, 1)),
        lambda m, x, y: m.sum(x * y),
        lambda m, x, y: m.sum(x, dim=1, keepdim=True) * m.mean(y, 0),
        lambda m, x, y: m.mean(x, dim=(0, 1)),
        lambda m, x, y: m.max(x) + m.min(y),
        lambda m, x, y: m.max(x, 1)[0] + m.min(y, dim=0, keepdim=True).values.sum(),
        lambda m, x, y: m.cat([x, y], dim=1),
        lambda m, x, y: m.stack([x, y], dim=2),
        lambda m, x, y: m.where(x > 0, x, y),
        lambda m, x, y: m.clamp(x, min=-0.5, max=0.5) + m.clamp(y, max=1.0),
        lambda m, x, y: m.flatten(m.stack([x, y]), 1),
        lambda m, x, y: m.reshape(x, (4, 3)) * 2,
        lambda m, x, y: m.permute(m.stack([x, y]), (2, 0, 1)),
        lambda m, x, y: m.unsqueeze(x, 1) + m.squeeze(m.unsqueeze(y, 0)),
        lambda m, x, y: m.softmax(x, dim=1) + m.log_softmax(y, dim=0),
    ],
)
def test_free_functions_match_pytorch(call) -> None:
    (x, y), (rx, ry) = pair()
    out, ref = call(tg, x, y), call(torch, rx, ry)
    same(out, ref, rtol=1e-12, atol=1e-14)
    g = np.random.default_rng(3).normal(size=out.shape)
    out.backward(g)
    ref.backward(torch.tensor(g))
    for ours, theirs in ((x, rx), (y, ry)):
        if theirs.grad is None:  # an input the call does not use gets no gradient in either library
            assert ours.grad is None
        else:
            np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-12, atol=1e-14)


def test_index_functions_match_pytorch() -> None:
    a = np.random.default_rng(4).normal(size=(3, 5))
    for kw in ({}, {"dim": 1}, {"dim": 0, "keepdim": True}):
        same(tg.argmax(tg.tensor(a), **kw), torch.argmax(torch.tensor(a), **kw))
        same(tg.argmin(tg.tensor(a), **kw), torch.argmin(torch.tensor(a), **kw))
    values, indices = tg.max(tg.tensor(a), 1)
    ref = torch.max(torch.tensor(a), 1)
    same(values, ref.values)
    same(indices, ref.indices)


def test_predicates_and_small_helpers() -> None:
    x = tg.ones(2, 3)
    assert tg.is_tensor(x) and not tg.is_tensor(np.ones(2)) and tg.is_floating_point(x)
    assert tg.numel(x) == torch.numel(torch.ones(2, 3)) == 6
    assert tg.allclose(x, x + 1e-9) and not tg.allclose(x, x + 1e-3)
    assert tg.equal(x, tg.ones(2, 3)) and not tg.equal(x, tg.ones(3, 2))
    assert tg.get_default_dtype() == np.float32 and str(torch.get_default_dtype()) == "torch.float32"
    assert not tg.cuda.is_available() and tg.cuda.device_count() == 0
    assert tg.device("cpu") == "cpu" and str(tg.device(tg.device("cpu"))) == "cpu"


def test_enable_grad_inside_no_grad() -> None:
    x = tg.ones(2, requires_grad=True)
    with tg.no_grad():
        assert not (x * 2).requires_grad
        with tg.enable_grad():
            assert (x * 2).requires_grad
        assert not tg.is_grad_enabled()
    assert tg.is_grad_enabled()


def test_star_import_does_not_hide_builtins() -> None:
    namespace: dict = {}
    exec("from tinygrad_edu import *", namespace)
    for name in ("float", "int", "bool", "sum", "max", "min", "abs", "pow"):
        assert name not in namespace
    assert "linspace" in namespace and "tensor" in namespace
    assert tg.float is tg.float32 and tg.sum(tg.ones(3)).item() == 3.0  # but reachable as attributes


#: `tinygrad_edu.__all__` on 3 Dec 2026, before the free functions of marked methods were made rather than
#: written out (`TENSOR_FUNCTIONS`): no name may go, and every name added must be PyTorch's
PUBLIC_NAMES_BEFORE = [
    "AnomalyError",
    "Generator",
    "GradcheckError",
    "Size",
    "Tensor",
    "Value",
    "accelerator",
    "add",
    "allclose",
    "arange",
    "argmax",
    "argmin",
    "as_tensor",
    "autograd",
    "bernoulli",
    "cat",
    "clamp",
    "clip",
    "concat",
    "cos",
    "cuda",
    "default_generator",
    "detect_anomaly",
    "device",
    "div",
    "double",
    "draw_dot",
    "dtype",
    "empty",
    "empty_like",
    "enable_grad",
    "equal",
    "exp",
    "eye",
    "flatten",
    "float16",
    "float32",
    "float64",
    "from_numpy",
    "full",
    "full_like",
    "get_default_dtype",
    "get_rng_state",
    "gradcheck",
    "half",
    "histc",
    "histogram",
    "initial_seed",
    "int16",
    "int32",
    "int64",
    "int8",
    "is_anomaly_enabled",
    "is_floating_point",
    "is_grad_enabled",
    "is_tensor",
    "linspace",
    "load",
    "log",
    "log10",
    "log_softmax",
    "long",
    "manual_seed",
    "matmul",
    "mean",
    "mm",
    "mul",
    "multinomial",
    "neg",
    "nn",
    "no_grad",
    "numel",
    "ones",
    "ones_like",
    "optim",
    "permute",
    "rand",
    "rand_like",
    "randint",
    "randint_like",
    "randn",
    "randn_like",
    "randperm",
    "relu",
    "reshape",
    "save",
    "seed",
    "set_grad_enabled",
    "set_rng_state",
    "short",
    "sigmoid",
    "sin",
    "softmax",
    "sparse_coo_tensor",
    "sqrt",
    "square",
    "squeeze",
    "stack",
    "sub",
    "t",
    "tanh",
    "tensor",
    "transpose",
    "uint16",
    "uint32",
    "uint64",
    "uint8",
    "unsqueeze",
    "utils",
    "where",
    "zeros",
    "zeros_like",
]
#: ours, or torch.autograd's offered at the top as well
OWN_NAMES = {"AnomalyError", "GradcheckError", "Value", "detect_anomaly", "draw_dot", "gradcheck"}


def test_public_names_are_kept_and_pytorchs() -> None:
    assert set(PUBLIC_NAMES_BEFORE) <= set(tg.__all__), "a public name was lost"
    assert set(tg.__all__) - OWN_NAMES <= set(dir(torch)), "a public name that PyTorch lacks"
    assert len(tg.__all__) == len(set(tg.__all__))
    namespace: dict = {}
    exec("from tinygrad_edu import *", namespace)
    assert set(tg.__all__) <= set(namespace)


def test_each_marked_method_is_a_free_function_and_exported() -> None:
    for name, function in TENSOR_FUNCTIONS.items():
        assert getattr(tg, name) is function and function.__name__ == name and hasattr(torch, name)
        assert (name in tg.__all__) != hasattr(builtins, name)  # abs is reachable, but not star-imported

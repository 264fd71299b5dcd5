"""What the Zero to Hero lectures print and call, the same code under ``torch`` 2.13 and
``tinygrad_edu``: ``repr`` text (layouts, modes, summarisation, suffixes, grad_fn names), format
strings, Python conversions, ``std``/``var`` with their gradients, ``one_hot``, ``softmax(dim=)``,
``all``/``any``, ``histogram``, and the small semantics the issue lists. Expected text and values
come from torch in the same test; our own code never supplies them."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tests.conftest import needs_torch

pytestmark = needs_torch

SHAPES = [(), (1,), (7,), (27,), (6, 4), (27, 27), (3, 4, 5), (2, 2, 2, 2), (1001,), (40, 30), (2, 1000)]
KINDS = ["normal", "ints", "wide", "tiny", "whole floats", "bools", "float64", "nan and inf", "int32"]


def _array(kind, shape, rng):
    a = rng.normal(size=shape)
    if kind == "ints":
        return rng.integers(-50, 7000, shape)
    if kind == "int32":
        return rng.integers(-5, 5, shape).astype(np.int32)
    if kind == "bools":
        return a > 0
    if kind == "float64":
        return a
    if kind == "wide":
        a = a * 1e5
    if kind == "tiny":
        a = a * 1e-5
    if kind == "whole floats":
        a = np.round(a * 10)
    a = a.astype(np.float32)
    if kind == "nan and inf" and a.size >= 2:
        a.reshape(-1)[:2] = [np.nan, -np.inf]
    return a


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_repr_is_torchs(shape):
    import torch

    rng = np.random.default_rng(len(shape) * 100 + sum(shape))
    for kind in KINDS:
        a = _array(kind, shape, rng)
        assert repr(tg.tensor(a)) == repr(torch.tensor(a)), kind
        assert str(tg.tensor(a)) == str(torch.tensor(a)), kind


def test_repr_suffixes_and_grad_fn_names():
    import torch

    a = np.linspace(0.5, 3, 12).reshape(3, 4)
    cases = [
        lambda L, x: x,
        lambda L, x: x * 2,
        lambda L, x: x[1],
        lambda L, x: x[1:],
        lambda L, x: x[:, 2],
        lambda L, x: x[1, 2],
        lambda L, x: x[[0, 2]],
        lambda L, x: x[None],
        lambda L, x: x.sum(),
        lambda L, x: x.float().mean(),
        lambda L, x: x.float().exp(),
        lambda L, x: x.float().tanh(),
        lambda L, x: x.float() @ x.float().T,
        lambda L, x: x.float().view(-1),
        lambda L, x: x.float() ** 2,
        lambda L, x: L.zeros(0, 3),
        lambda L, x: L.tensor([], dtype=L.int64),
        lambda L, x: L.zeros(30, dtype=L.float64, requires_grad=True),
    ]
    x, tx = tg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    for case in cases:
        assert repr(case(tg, x)) == repr(case(torch, tx))


def test_shapes_dtypes_and_formats_print_as_torch():
    import torch

    for lib_a, lib_b in [(tg, torch)]:
        x, tx = lib_a.zeros(228146, 3, dtype=lib_a.int64), lib_b.zeros(228146, 3, dtype=lib_b.int64)
        assert repr((x.shape, x.dtype, x[0].shape)) == repr((tx.shape, tx.dtype, tx[0].shape))
        assert f"{x.shape} {x.dtype}" == f"{tx.shape} {tx.dtype}"
    for value in [2.302585, -0.5, 3.0]:
        s, ts = tg.tensor(value), torch.tensor(value)
        for spec in ["", ".4f", "10.2f", "e"]:
            assert format(s, spec) == format(ts, spec)
        assert f"{s}" == f"{ts}" and float(s) == float(ts) and int(s) == int(ts) and "%+.2f" % s == "%+.2f" % ts  # noqa: UP031
    v, tv = tg.tensor([2.5]), torch.tensor([2.5])
    assert f"{v}" == f"{tv}" and float(v) == float(tv)
    with pytest.raises(TypeError, match="unsupported format string"):
        f"{v:.2f}"
    with pytest.raises(TypeError, match="unsupported format string"):
        f"{tv:.2f}"
    for lib in (tg, torch):
        with pytest.raises(ValueError, match="only one element tensors can be converted to Python scalars"):
            float(lib.tensor([1.0, 2.0]))


def test_small_queries_and_conversions():
    import torch

    a = np.arange(24.0).reshape(2, 3, 4)
    x, tx = tg.tensor(a), torch.tensor(a)
    assert (x.dim(), x.ndimension(), x.nelement(), x.numel()) == (tx.dim(), tx.ndimension(), tx.nelement(), tx.numel())
    assert x.tolist() == tx.tolist()
    for d in (0, 1, -1):
        assert [t.tolist() for t in x.unbind(d)] == [t.tolist() for t in tx.unbind(d)]
    assert [r.tolist() for r in x] == [r.tolist() for r in tx]
    for lib in (tg, torch):
        with pytest.raises(TypeError, match="iteration over a 0-d tensor"):
            iter(lib.tensor(1.0))
        with pytest.raises(RuntimeError, match="start_dim cannot come after end_dim"):
            lib.ones(2, 3).flatten(1, 0)
    m = np.array([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]])
    y, ty = tg.tensor(m), torch.tensor(m)
    for ours, theirs in [
        (y.argmax(keepdim=True), ty.argmax(keepdim=True)),
        (tg.argmax(y, keepdim=True), torch.argmax(ty, keepdim=True)),
        (y.argmin(dim=1, keepdim=True), ty.argmin(dim=1, keepdim=True)),
        (y.sum(dim=[]), ty.sum(dim=[])),
        (y.sum(dim=()), ty.sum(dim=())),
        (tg.all(y > 0), torch.all(ty > 0)),
        (tg.any(y > 6), torch.any(ty > 6)),
        ((y > 0).all(dim=1), (ty > 0).all(dim=1)),
        ((y > 6).any(1, keepdim=True), (ty > 6).any(1, keepdim=True)),
    ]:
        assert repr(ours) == repr(theirs)


def test_uint8_index_is_a_mask_with_torchs_warning():
    import torch

    i = np.array([1, 0, 1], dtype=np.uint8)
    with warnings.catch_warnings(record=True) as ours_w:
        warnings.simplefilter("always")
        ours = tg.tensor([10, 20, 30])[tg.tensor(i)]
    with warnings.catch_warnings(record=True) as theirs_w:
        warnings.simplefilter("always")
        theirs = torch.tensor([10, 20, 30])[torch.tensor(i)]
    assert ours.tolist() == theirs.tolist() == [10, 30]
    assert str(ours_w[0].message).startswith(str(theirs_w[0].message)[:60])


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"unbiased": False}, {"dim": 0}, {"dim": 1, "keepdim": True}, {"dim": (0, 1)}, {"dim": [0, 2]},
     {"dim": -1, "correction": 0}, {"dim": 1, "correction": 2}, {"dim": 1, "unbiased": True, "keepdim": True}],
)  # fmt: skip
def test_std_var_and_their_gradients(kwargs):
    """Values and gradients in float64 against torch (rtol 1e-12: the same formula, summed in another order)."""
    import torch

    a = np.random.default_rng(4).normal(size=(4, 5, 3))
    for name in ("var", "std"):
        x, tx = tg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
        y, ty = getattr(x, name)(**kwargs), getattr(tx, name)(**kwargs)
        assert y.shape == ty.shape and y.dtype == np.float64
        np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-12)
        w = np.arange(1.0, ty.numel() + 1).reshape(tuple(ty.shape))
        (y * tg.tensor(w)).sum().backward()
        (ty * torch.tensor(w)).sum().backward()
        np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-10)
    f32 = a.astype(np.float32)
    np.testing.assert_allclose(tg.tensor(f32).std(**kwargs).numpy(), torch.tensor(f32).std(**kwargs).numpy(), rtol=1e-5)


def test_var_of_one_element_is_nan_as_torch():
    import torch

    assert np.isnan(tg.tensor([3.0]).var().item()) and np.isnan(torch.tensor([3.0]).var().item())
    assert tg.tensor([3.0]).var(unbiased=False).item() == torch.tensor([3.0]).var(unbiased=False).item() == 0.0


def test_one_hot_and_softmax_dim():
    import torch
    import torch.nn.functional as TF

    idx = np.array([[0, 5, 2], [26, 1, 0]])
    for kw in ({}, {"num_classes": 27}):
        ours, theirs = F.one_hot(tg.tensor(idx), **kw), TF.one_hot(torch.tensor(idx), **kw)
        assert ours.dtype == np.int64 and ours.tolist() == theirs.tolist()
    assert repr(F.one_hot(tg.tensor([0, 2]), num_classes=3).float()) == repr(
        TF.one_hot(torch.tensor([0, 2]), num_classes=3).float()
    )
    for bad in ([0, 3], [-1, 0]):
        for fn, lib in ((F.one_hot, tg), (TF.one_hot, torch)):
            with pytest.raises(RuntimeError, match="Class values must be"):
                fn(lib.tensor(bad), num_classes=3)
    with pytest.raises(RuntimeError, match="LongTensor"):
        F.one_hot(tg.tensor([0.0, 1.0]), 3)
    a = np.random.default_rng(1).normal(size=(4, 6))
    for dim in (0, 1, -1):
        np.testing.assert_allclose(
            F.softmax(tg.tensor(a), dim=dim).numpy(), TF.softmax(torch.tensor(a), dim=dim).numpy(), rtol=1e-12
        )
        np.testing.assert_allclose(
            F.log_softmax(tg.tensor(a), dim=dim).numpy(), TF.log_softmax(torch.tensor(a), dim=dim).numpy(), rtol=1e-12
        )


def test_histogram_and_histc():
    import torch

    a = np.random.default_rng(2).normal(size=500).astype(np.float32)
    for kw in ({"bins": 10}, {"bins": 7, "density": True}, {"bins": 5, "range": (-1.0, 1.0)}):
        ours, theirs = tg.histogram(tg.tensor(a), **kw), torch.histogram(torch.tensor(a), **kw)
        np.testing.assert_allclose(ours.hist.numpy(), theirs.hist.numpy(), rtol=1e-6)
        np.testing.assert_allclose(ours.bin_edges.numpy(), theirs.bin_edges.numpy(), rtol=1e-6)
        assert ours.hist.dtype == np.float32
    small = [1.0, 2.0, 1.0, 4.0]
    assert repr(tg.histogram(tg.tensor(small), bins=4)) == repr(torch.histogram(torch.tensor(small), bins=4))
    assert tg.histc(tg.tensor(a), bins=8).tolist() == torch.histc(torch.tensor(a), bins=8).tolist()


def test_no_grad_as_a_decorator():
    import torch

    for lib in (tg, torch):

        @lib.no_grad()
        def double(x):
            return x * 2

        assert double(lib.ones(2, requires_grad=True)).requires_grad is False

"""Layers of the layers issue: gradcheck in float64, PyTorch agreement, train/eval behaviour,
state_dict, initialisers and parameter counts."""

from __future__ import annotations

import math

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor, gradcheck, nn
from tinygrad_edu.nn import conv
from tinygrad_edu.nn import functional as F

from .conftest import needs_torch
from .torch_check import assert_matches_torch

RNG = np.random.default_rng(0)


def torch_copy(ours: nn.Module, theirs) -> None:
    import torch

    with torch.no_grad():
        for (name, p), (tname, tp) in zip(ours.named_parameters(), theirs.named_parameters(), strict=True):
            assert name == tname
            tp.copy_(torch.from_numpy(np.asarray(p.data, dtype=np.float64)))


# ----------------------------------------------------------------------------- convolution and pooling
CONV_CASES = [(1, 0, 3), (2, 1, 3), (1, 2, 2), (3, 0, 1)]


@pytest.mark.parametrize(("stride", "padding", "k"), CONV_CASES)
def test_conv2d_gradcheck(stride: int, padding: int, k: int) -> None:
    x = Tensor(RNG.normal(size=(2, 3, 7, 6)), requires_grad=True)
    w = Tensor(RNG.normal(size=(4, 3, k, k)), requires_grad=True)
    b = Tensor(RNG.normal(size=4), requires_grad=True)
    assert gradcheck(lambda x, w, b: conv.conv2d(x, w, b, stride, padding), [x, w, b])


@needs_torch
@pytest.mark.parametrize(("stride", "padding", "k"), CONV_CASES)
def test_conv2d_matches_pytorch(stride: int, padding: int, k: int) -> None:
    import torch

    ours = nn.Conv2d(3, 5, k, stride=stride, padding=padding, dtype=np.float64)
    theirs = torch.nn.Conv2d(3, 5, k, stride=stride, padding=padding).double()
    torch_copy(ours, theirs)
    assert_matches_torch(ours, theirs, [RNG.normal(size=(2, 3, 8, 9))])
    np.testing.assert_allclose(ours.weight.grad, theirs.weight.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours.bias.grad, theirs.bias.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_textbook_convolution_by_hand() -> None:
    """The 4x4 image and 2x2 kernel example: each output is Σ of the window times the kernel."""
    image = np.array([[1, 2, 0, 1], [0, 1, 3, 2], [2, 1, 0, 1], [1, 0, 2, 3]], dtype=np.float64)
    kernel = np.array([[1, 0], [0, -1]], dtype=np.float64)
    out = conv.conv2d(Tensor(image[None, None]), Tensor(kernel[None, None])).data[0, 0]
    by_hand = [[image[i, j] - image[i + 1, j + 1] for j in range(3)] for i in range(3)]
    np.testing.assert_array_equal(out, by_hand)


@pytest.mark.parametrize(
    ("fn", "k", "stride", "padding"),
    [
        (conv.max_pool2d, 2, None, 0),
        (conv.max_pool2d, 3, 2, 1),
        (conv.avg_pool2d, 2, None, 0),
        (conv.avg_pool2d, 3, 2, 1),
    ],
)
def test_pool_gradcheck(fn, k, stride, padding) -> None:
    x = Tensor(RNG.permutation(2 * 3 * 7 * 6).reshape(2, 3, 7, 6) * 0.1, requires_grad=True)  # no ties
    assert gradcheck(lambda x: fn(x, k, stride, padding), [x])


@needs_torch
@pytest.mark.parametrize(
    ("ours", "name", "k", "stride", "padding"),
    [
        (conv.max_pool2d, "max_pool2d", 2, None, 0),
        (conv.max_pool2d, "max_pool2d", 3, 2, 1),
        (conv.avg_pool2d, "avg_pool2d", 2, None, 0),
        (conv.avg_pool2d, "avg_pool2d", 3, 2, 1),
    ],
)
def test_pools_match_pytorch(ours, name, k, stride, padding) -> None:
    import torch

    theirs = getattr(torch.nn.functional, name)
    assert_matches_torch(
        lambda x: ours(x, k, stride, padding),
        lambda x: theirs(x, k, stride, padding),
        [RNG.normal(size=(2, 3, 9, 8))],
        rtol=1e-12,
        atol=1e-14,
    )


def test_global_average_pool() -> None:
    x = RNG.normal(size=(2, 3, 4, 5))
    np.testing.assert_allclose(nn.GlobalAvgPool2d()(Tensor(x)).data, x.mean(axis=(2, 3)))


def test_conv_errors() -> None:
    with pytest.raises(ValueError, match="conv2d: input has 1 channels but the kernel expects 3"):
        nn.Conv2d(3, 4, 3)(Tensor(np.zeros((1, 1, 5, 5))))
    with pytest.raises(ValueError, match=r"window 3x3 is larger than the padded input 2x2"):
        nn.Conv2d(1, 1, 3)(Tensor(np.zeros((1, 1, 2, 2))))
    with pytest.raises(ValueError, match=r"expected input of shape \(N, C, H, W\)"):
        nn.MaxPool2d(2)(Tensor(np.zeros((4, 4))))


# ----------------------------------------------------------------------------- batch norm, dropout
def test_batchnorm_gradcheck() -> None:
    bn = nn.BatchNorm1d(3, dtype=np.float64)
    bn.weight.data[:] = [0.5, 2.0, -1.0]
    x = Tensor(RNG.normal(size=(6, 3)), requires_grad=True)
    assert gradcheck(lambda x, g, b: F.batch_norm(x, None, None, g, b, training=True), [x, bn.weight, bn.bias])
    x3 = Tensor(RNG.normal(size=(4, 3, 5)), requires_grad=True)
    assert gradcheck(lambda x: F.batch_norm(x, None, None, training=True), [x3])


@needs_torch
@pytest.mark.parametrize("training", [True, False])
def test_functional_batch_norm_with_a_bias_and_no_weight_matches_pytorch(training: bool) -> None:
    """weight=None, bias=b: PyTorch normalises and adds b (the bias is not taken for γ, nor dropped)."""
    import torch

    x, b = RNG.normal(size=(5, 3, 4)), np.array([0.5, -1.0, 2.0])
    mean, var = RNG.normal(size=3), RNG.uniform(0.5, 2.0, size=3)
    ours_b = Tensor(b, requires_grad=True)
    out = F.batch_norm(Tensor(x), mean.copy(), var.copy(), None, ours_b, training=training)
    tb = torch.tensor(b, requires_grad=True)
    ref = torch.nn.functional.batch_norm(
        torch.tensor(x), torch.tensor(mean), torch.tensor(var), None, tb, training=training
    )
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-12, atol=1e-12)
    out.sum().backward()
    ref.sum().backward()
    np.testing.assert_allclose(ours_b.grad, tb.grad.numpy(), rtol=1e-12)


@needs_torch
def test_batchnorm_train_eval_and_running_stats_match_pytorch() -> None:
    import torch

    ours = nn.BatchNorm1d(4, dtype=np.float64)
    theirs = torch.nn.BatchNorm1d(4).double()
    for step in range(3):
        assert_matches_torch(ours, theirs, [RNG.normal(loc=step, scale=2.0, size=(8, 4))], rtol=1e-9, seed=step)
    np.testing.assert_allclose(ours.running_mean.data, theirs.running_mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.running_var.data, theirs.running_var.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.weight.grad, theirs.weight.grad.numpy(), rtol=1e-10)
    ours.eval()
    theirs.eval()
    x = RNG.normal(size=(5, 4))
    np.testing.assert_allclose(ours(Tensor(x)).data, theirs(torch.tensor(x)).detach().numpy(), rtol=1e-10)


def test_batchnorm_counts_and_buffers() -> None:
    bn = nn.BatchNorm1d(512)
    assert bn.num_params() == 1024  # γ and β trainable
    # PyTorch's layout: γ, β, running mean and variance, and the int64 batch counter
    assert len(bn.state_dict()) == 5 and sum(v.size for v in bn.state_dict().values()) == 2049
    assert [n for n, _ in bn.named_buffers()] == ["running_mean", "running_var", "num_batches_tracked"]


def test_dropout_train_and_eval() -> None:
    tg.manual_seed(0)
    d = nn.Dropout(0.5)
    x = Tensor(np.ones((200, 500), dtype=np.float32), requires_grad=True)
    y = d(x)
    values = np.unique(y.data)
    np.testing.assert_array_equal(values, [0.0, 2.0])  # kept units scaled by 1/(1 − p)
    assert abs(y.numpy().mean() - 1.0) < 0.01  # inverted dropout preserves the mean
    assert abs((y.numpy() == 0).mean() - 0.5) < 0.01
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, y.data)  # the gradient passes through the same mask
    d.eval()
    assert d(x) is x
    with pytest.raises(ValueError, match=r"p must be in \[0, 1\]"):
        nn.Dropout(1.5)


# ----------------------------------------------------------------------------- RNN
@needs_torch
def test_rnn_matches_pytorch() -> None:
    import torch

    ours = nn.RNN(3, 5, dtype=np.float64)
    theirs = torch.nn.RNN(3, 5).double()
    torch_copy(ours, theirs)
    x = RNG.normal(size=(4, 2, 3))
    xt, xr = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    (out, h), (ref, href) = ours(xt), theirs(xr)
    (out.sum() + h.sum()).backward()
    (ref.sum() + href.sum()).backward()
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(xt.grad, xr.grad.numpy(), rtol=1e-10)
    for p, tp in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad, tp.grad.numpy(), rtol=1e-10)


def test_rnn_cell_unrolled_by_hand() -> None:
    cell = nn.RNNCell(2, 3, dtype=np.float64)
    xs = RNG.normal(size=(3, 1, 2))
    h = np.zeros((1, 3))
    for x in xs:
        h = np.tanh(x @ cell.weight_ih.data.T + cell.bias_ih.data + h @ cell.weight_hh.data.T + cell.bias_hh.data)
    rnn = nn.RNN(2, 3, dtype=np.float64)
    rnn.load_state_dict({f"{k}_l0": v for k, v in cell.state_dict().items()})
    out, hn = rnn(Tensor(xs))
    np.testing.assert_allclose(hn.data[0], h, rtol=1e-12)
    np.testing.assert_allclose(out.data[-1], h, rtol=1e-12)


# ----------------------------------------------------------------------------- state_dict, init, counts
def test_state_dict_round_trip_and_strict_errors() -> None:
    a = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    b = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    a.layers[1].running_mean.data[:] = 7.0
    b.load_state_dict(a.state_dict())
    for (k, va), vb in zip(a.state_dict().items(), b.state_dict().values()):
        np.testing.assert_array_equal(va, vb, err_msg=k)
    state = a.state_dict()
    state.pop("0.bias")
    state["extra"] = np.zeros(1)
    state["2.weight"] = np.zeros((3, 4))
    with pytest.raises(RuntimeError) as err:
        b.load_state_dict(state)
    text = str(err.value)
    assert 'Missing key(s) in state_dict: "0.bias"' in text and 'Unexpected key(s) in state_dict: "extra"' in text
    assert (
        "size mismatch for 2.weight: copying a param with shape (3, 4) from checkpoint, "
        "the shape in current model is (2, 4)." in text
    )
    state.pop("2.weight")
    b.load_state_dict(state, strict=False)  # missing/unexpected tolerated when not strict


def test_parameter_counts() -> None:
    assert nn.Linear(784, 512).num_params() == 401_920  # 784·512 + 512
    assert nn.Conv2d(1, 32, 3).num_params() == 32 * 9 + 32
    assert nn.RNN(10, 20).num_params() == 20 * 10 + 20 * 20 + 2 * 20


@pytest.mark.parametrize(
    ("fn", "shape", "expected_std"),
    [
        (nn.init.xavier_uniform_, (300, 500), math.sqrt(2 / 800)),
        (nn.init.xavier_normal_, (300, 500), math.sqrt(2 / 800)),
        (nn.init.kaiming_uniform_, (300, 500), math.sqrt(2 / (1 + 0.0)) / math.sqrt(500)),
        (lambda x: nn.init.kaiming_normal_(x, nonlinearity="relu"), (300, 500), math.sqrt(2 / 500)),
        (nn.init.lecun_normal_, (300, 500), math.sqrt(1 / 500)),
        (nn.init.lecun_uniform_, (300, 500), math.sqrt(1 / 500)),
        (nn.init.xavier_uniform_, (16, 8, 3, 3), math.sqrt(2 / (8 * 9 + 16 * 9))),  # conv: fans × receptive field
    ],
)
def test_initialisers_have_the_textbook_variance(fn, shape, expected_std) -> None:
    tg.manual_seed(1)
    t = Tensor(np.zeros(shape))
    fn(t)
    assert t.numpy().std() == pytest.approx(expected_std, rel=0.03)
    assert abs(t.data.mean()) < 0.05 * expected_std * 10


def test_constant_initialisers_and_gain() -> None:
    t = Tensor(np.empty((2, 3)))
    nn.init.constant_(t, 0.3)
    np.testing.assert_array_equal(t.data, 0.3)
    assert nn.init.calculate_gain("relu") == math.sqrt(2) and nn.init.calculate_gain("tanh") == 5 / 3
    assert nn.init.calculate_fan_in_and_fan_out(np.empty((16, 8, 3, 3))) == (72, 144)
    with pytest.raises(ValueError, match="unknown nonlinearity"):
        nn.init.calculate_gain("swish")


def test_penalties() -> None:
    w = Tensor(np.array([[1.0, -2.0], [0.5, 0.0]]), requires_grad=True)
    assert F.l1_penalty([w], 0.1).item() == pytest.approx(0.35)
    assert F.l2_penalty(w, 0.1).item() == pytest.approx(0.1 * 5.25)
    F.l2_penalty(w, 0.1).backward()
    np.testing.assert_allclose(w.grad, 0.2 * w.data)  # ∂(λΣw²)/∂w = 2λw

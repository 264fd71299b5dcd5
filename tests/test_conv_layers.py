"""Conv2d, pooling and BatchNorm2d with every option, against PyTorch and float64 central differences.

Each option of ``conv2d`` (stride, padding as int, pair, "same" and "valid", dilation, non-square
kernels, bias or none) and of the pools (stride, padding, dilation) is compared with
``torch.nn.functional`` (forward and every gradient, float64) and gradchecked with the project's
`gradcheck` (float64 central differences). ``BatchNorm2d`` is compared with ``torch.nn.BatchNorm2d``
step by step: outputs, gradients, running statistics, ``num_batches_tracked``, evaluation mode.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from tinygrad_edu import Tensor, gradcheck, kernels, nn, ops
from tinygrad_edu.kernels import conv_parts, team
from tinygrad_edu.kernels import mailbox as box
from tinygrad_edu.nn import functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def rand(shape, seed=0, dtype=np.float64):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def torch_grads(fn, *arrays, g):
    ts = [torch.from_numpy(a).requires_grad_() for a in arrays]
    out = fn(*ts)
    out.backward(torch.from_numpy(g))
    return out.detach().numpy(), [t.grad.numpy() for t in ts]


def our_grads(fn, *arrays, g):
    ts = [Tensor(a, requires_grad=True) for a in arrays]
    out = fn(*ts)
    out.backward(g)
    return out.data, [t.grad for t in ts]


CONV_OPTIONS = [  # (input shape, weight shape, keyword arguments)
    ((2, 3, 7, 7), (4, 3, 3, 3), {}),
    ((2, 3, 8, 7), (4, 3, 3, 3), {"stride": 2}),
    ((2, 2, 9, 8), (3, 2, 3, 3), {"stride": (2, 1), "padding": 1}),
    ((1, 2, 7, 9), (3, 2, 3, 2), {"padding": (1, 2)}),
    ((2, 2, 6, 7), (3, 2, 3, 3), {"padding": "same"}),
    ((2, 2, 6, 7), (3, 2, 4, 2), {"padding": "same"}),  # even kernels: one more row/column after
    ((1, 2, 9, 9), (2, 2, 3, 3), {"padding": "same", "dilation": 2}),
    ((2, 2, 6, 7), (3, 2, 3, 3), {"padding": "valid"}),
    ((1, 2, 10, 9), (2, 2, 3, 2), {"dilation": (2, 3), "stride": (1, 2), "padding": (2, 1)}),
]


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")  # PyTorch's note about its own copy
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize(("xs", "ws", "kw"), CONV_OPTIONS)
def test_conv2d_forward_and_gradients_equal_torch(xs, ws, kw, bias) -> None:
    arrays = [rand(xs), rand(ws, 1)] + ([rand(ws[0], 2)] if bias else [])
    g = rand(TF.conv2d(*map(torch.from_numpy, arrays), **kw).shape, 3)
    ref, ref_grads = torch_grads(lambda *t: TF.conv2d(*t, **kw), *arrays, g=g)
    out, grads = our_grads(lambda *t: F.conv2d(*t, **kw), *arrays, g=g)
    np.testing.assert_allclose(out, ref, rtol=1e-10, atol=1e-12)
    for a, b in zip(grads, ref_grads):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(("xs", "ws", "kw"), CONV_OPTIONS)
def test_conv2d_gradcheck_float64(xs, ws, kw) -> None:
    x, w, b = (Tensor(rand(s, i), requires_grad=True) for i, s in enumerate((xs, ws, ws[:1])))
    assert gradcheck(lambda x, w, b: F.conv2d(x, w, b, **kw), [x, w, b])


def test_conv2d_float32_stays_float32_and_matches_torch() -> None:
    x, w, b = rand((2, 3, 9, 9), 0, np.float32), rand((4, 3, 3, 3), 1, np.float32), rand(4, 2, np.float32)
    out = F.conv2d(Tensor(x), Tensor(w), Tensor(b), stride=2, padding="valid")
    assert out.dtype == np.float32
    ref = TF.conv2d(*map(torch.from_numpy, (x, w, b)), stride=2).numpy()
    np.testing.assert_allclose(out.data, ref, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"groups": 2}, r"conv2d: groups=2 is not supported \(only groups=1\)"),
        ({"padding": "same", "stride": 2}, "padding='same' is not supported for strided convolutions"),
        ({"padding": "full"}, "conv2d: padding must be an int, a pair, 'same' or 'valid', got 'full'"),
        ({"padding": -1}, "conv2d padding: expected an integer of at least 0"),
        ({"stride": 0}, "conv2d stride: expected an integer of at least 1"),
        ({"dilation": (1, 2, 3)}, "conv2d dilation: expected an int or a pair"),
        # PyTorch refuses nested pairs too; they used to be cut to ((0, 0), (1, 1)) without a word
        (
            {"padding": ((0, 1), (1, 0))},
            r"conv2d padding: expected an int or a pair \(h, w\), got \(\(0, 1\), \(1, 0\)\)",
        ),
        ({"stride": [(2, 2), 1]}, "conv2d stride: expected an int or a pair"),
    ],
)
def test_conv2d_bad_arguments_raise_clear_errors(kw, message) -> None:
    with pytest.raises(ValueError, match=message):
        F.conv2d(Tensor(rand((1, 2, 5, 5))), Tensor(rand((2, 2, 3, 3))), **kw)


def test_conv2d_shape_errors_name_the_problem() -> None:
    with pytest.raises(ValueError, match="input has 3 channels but the kernel expects 2"):
        F.conv2d(Tensor(rand((1, 3, 5, 5))), Tensor(rand((2, 2, 3, 3))))
    with pytest.raises(ValueError, match=r"window 5x5 is larger than the padded input 4x4"):
        F.conv2d(Tensor(rand((1, 2, 4, 4))), Tensor(rand((2, 2, 3, 3))), dilation=2)
    with pytest.raises(ValueError, match=r"expected input of shape \(N, C, H, W\)"):
        F.conv2d(Tensor(rand((2, 5, 5))), Tensor(rand((2, 2, 3, 3))))


def test_conv2d_module_options_shapes_and_parameters_match_torch() -> None:
    ours = nn.Conv2d(3, 8, (3, 5), stride=(2, 1), padding=1, dilation=(1, 2))
    ref = torch.nn.Conv2d(3, 8, (3, 5), stride=(2, 1), padding=1, dilation=(1, 2))
    assert ours.weight.shape == tuple(ref.weight.shape) and ours.bias.shape == tuple(ref.bias.shape)
    with torch.no_grad():
        ref.weight.copy_(torch.from_numpy(ours.weight.data.numpy()))
        ref.bias.copy_(torch.from_numpy(ours.bias.data.numpy()))
    x = rand((2, 3, 11, 12), 4, np.float32)
    np.testing.assert_allclose(ours(Tensor(x)).data, ref(torch.from_numpy(x)).detach().numpy(), rtol=1e-5, atol=1e-5)
    same = nn.Conv2d(3, 4, 4, padding="same")
    assert same(Tensor(x)).shape == (2, 4, 11, 12)
    bound = 1 / np.sqrt(3 * 3 * 5)  # PyTorch's U(±1/√fan_in)
    assert np.abs(ours.weight.data).max() <= bound
    with pytest.raises(ValueError, match="groups=4 is not supported"):
        nn.Conv2d(4, 4, 3, groups=4)


# ----------------------------------------------------------------------------- pooling
POOL_OPTIONS = [  # (input shape, kernel_size, keyword arguments)
    ((2, 3, 8, 8), 2, {}),
    ((2, 2, 7, 9), 3, {"stride": 2, "padding": 1}),
    ((1, 2, 9, 8), (3, 2), {"stride": (1, 2), "padding": (1, 1)}),
    ((2, 1, 6, 7), 2, {"stride": 1}),
]


@pytest.mark.parametrize(("xs", "k", "kw"), [*POOL_OPTIONS, ((2, 1, 11, 10), 3, {"stride": 2, "dilation": (2, 3)})])
def test_max_pool2d_forward_gradient_and_gradcheck(xs, k, kw) -> None:
    x = rand(xs)
    ref = TF.max_pool2d(torch.from_numpy(x), k, **kw).numpy()
    g = rand(ref.shape, 5)
    ref, (ref_g,) = torch_grads(lambda t: TF.max_pool2d(t, k, **kw), x, g=g)
    out, (gx,) = our_grads(lambda t: F.max_pool2d(t, k, **kw), x, g=g)
    np.testing.assert_array_equal(out, ref)
    np.testing.assert_allclose(gx, ref_g, rtol=1e-12, atol=1e-12)
    assert gradcheck(lambda t: F.max_pool2d(t, k, **kw), Tensor(x, requires_grad=True))


@pytest.mark.parametrize(("xs", "k", "kw"), POOL_OPTIONS)
def test_avg_pool2d_forward_gradient_and_gradcheck(xs, k, kw) -> None:
    x = rand(xs)
    ref = TF.avg_pool2d(torch.from_numpy(x), k, **kw).numpy()
    g = rand(ref.shape, 6)
    ref, (ref_g,) = torch_grads(lambda t: TF.avg_pool2d(t, k, **kw), x, g=g)
    out, (gx,) = our_grads(lambda t: F.avg_pool2d(t, k, **kw), x, g=g)
    np.testing.assert_allclose(out, ref, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(gx, ref_g, rtol=1e-12, atol=1e-14)
    assert gradcheck(lambda t: F.avg_pool2d(t, k, **kw), Tensor(x, requires_grad=True))


def test_pool_modules_and_errors() -> None:
    x = rand((2, 3, 9, 9), 7, np.float32)
    mp, ref = nn.MaxPool2d(3, stride=2, padding=1), torch.nn.MaxPool2d(3, stride=2, padding=1)
    np.testing.assert_array_equal(mp(Tensor(x)).data, ref(torch.from_numpy(x)).numpy())
    ap, ref = nn.AvgPool2d((2, 3), stride=(2, 1)), torch.nn.AvgPool2d((2, 3), stride=(2, 1))
    np.testing.assert_allclose(ap(Tensor(x)).data, ref(torch.from_numpy(x)).numpy(), rtol=1e-6, atol=1e-6)
    with pytest.raises(ValueError, match=r"padding \(2, 2\) must be at most half the window \(3, 3\)"):
        F.max_pool2d(Tensor(x), 3, padding=2)
    with pytest.raises(ValueError, match="ceil_mode=True is not supported"):
        F.max_pool2d(Tensor(x), 2, ceil_mode=True)
    with pytest.raises(ValueError, match="count_include_pad=False is not supported"):
        F.avg_pool2d(Tensor(x), 2, padding=1, count_include_pad=False)


# ----------------------------------------------------------------------------- BatchNorm2d
def make_pair(channels=3, **kw):
    ours, ref = nn.BatchNorm2d(channels, **kw), torch.nn.BatchNorm2d(channels, **kw).double()
    if ours.weight is not None:
        w, b = rand(channels, 11) + 1.0, rand(channels, 12)
        ours.weight.data, ours.bias.data = w.copy(), b.copy()
        with torch.no_grad():
            ref.weight.copy_(torch.from_numpy(w))
            ref.bias.copy_(torch.from_numpy(b))
    for name in ("running_mean", "running_var"):  # float64 buffers, to compare to 1e-12
        getattr(ours, name).data = getattr(ours, name).numpy().astype(np.float64)
    return ours, ref


@pytest.mark.parametrize("kw", [{}, {"momentum": 0.3, "eps": 1e-3}, {"momentum": None}, {"affine": False}])
def test_batchnorm2d_training_steps_and_eval_equal_torch(kw) -> None:
    ours, ref = make_pair(**kw)
    for step in range(3):
        x = rand((4, 3, 5, 6), 20 + step) * (step + 1) + step
        g = rand(x.shape, 30 + step)
        xt = torch.from_numpy(x).requires_grad_()
        y_ref = ref(xt)
        y_ref.backward(torch.from_numpy(g))
        xo = Tensor(x, requires_grad=True)
        y = ours(xo)
        y.backward(g)
        np.testing.assert_allclose(y.data, y_ref.detach().numpy(), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(xo.grad, xt.grad.numpy(), rtol=1e-9, atol=1e-12)
        if ours.weight is not None:
            np.testing.assert_allclose(ours.weight.grad, ref.weight.grad.numpy(), rtol=1e-10)
            np.testing.assert_allclose(ours.bias.grad, ref.bias.grad.numpy(), rtol=1e-10)
            ours.zero_grad()
            ref.zero_grad()
        np.testing.assert_allclose(ours.running_mean.data, ref.running_mean.numpy(), rtol=1e-12)
        np.testing.assert_allclose(ours.running_var.data, ref.running_var.numpy(), rtol=1e-12)
        assert ours.num_batches_tracked.item() == int(ref.num_batches_tracked) == step + 1
    ours.eval()
    ref.eval()
    x = rand((2, 3, 4, 4), 40)
    np.testing.assert_allclose(ours(Tensor(x)).data, ref(torch.from_numpy(x)).detach().numpy(), rtol=1e-10)


def test_batchnorm2d_state_dict_float32_and_errors() -> None:
    bn = nn.BatchNorm2d(4)
    assert list(bn.state_dict()) == list(torch.nn.BatchNorm2d(4).state_dict())
    assert bn.num_params() == 8
    y = bn(Tensor(rand((2, 4, 3, 3), 1, np.float32)))
    assert y.dtype == np.float32 and bn.running_mean.data.dtype == np.float32
    with pytest.raises(ValueError, match=r"BatchNorm2d: expected input of shape \(N, C, H, W\), got \(2, 4, 3\)"):
        bn(Tensor(rand((2, 4, 3))))
    with pytest.raises(ValueError, match="input has 3 channels but the layer has 4"):
        bn(Tensor(rand((2, 3, 3, 3))))
    with pytest.raises(ValueError, match="more than one value per channel"):
        bn(Tensor(rand((1, 4, 1, 1))))


def test_a_frozen_conv_weight_stays_a_parameter_as_in_pytorch() -> None:
    conv, ref = nn.Conv2d(1, 2, 3), torch.nn.Conv2d(1, 2, 3)
    conv.weight.requires_grad = False
    ref.weight.requires_grad = False
    assert [k for k, _ in conv.named_parameters()] == [k for k, _ in ref.named_parameters()] == ["weight", "bias"]
    assert list(conv.state_dict()) == list(ref.state_dict())


@pytest.mark.parametrize("jit", [True, False])
def test_max_pool2d_minus_inf_at_a_padded_border_routes_the_gradient_as_torch(jit, monkeypatch) -> None:
    """A window whose taps inside the image are all −∞ ties with its −∞ padding: the maximum is the
    first tap inside the image (PyTorch), never a padding position. The numpy twin (JIT off, or
    float16) used to return the padding's position: backward raised "indices must lie in [0, 16),
    got -5", or sent the gradient to the wrong pixel."""
    monkeypatch.setattr(kernels, "JIT_ENABLED", jit and kernels.nb is not None)
    x = np.full((1, 2, 4, 5), -np.inf)
    x[0, 0, 2:, 2:] = 1.0
    g = rand((1, 2, 2, 3), 1)
    ref, (ref_g,) = torch_grads(lambda t: TF.max_pool2d(t, 3, 2, 1), x, g=g)
    out, (gx,) = our_grads(lambda t: F.max_pool2d(t, 3, stride=2, padding=1), x, g=g)
    np.testing.assert_array_equal(out, ref)
    np.testing.assert_array_equal(gx, ref_g)


# ----------------------------------------------------------------------------- both GEMM layouts of ops.Convolution
DEPTH_CASES = [  # (input shape, weight shape, options): depth C·kh·kw in the comment
    ((3, 2, 7, 7), (4, 2, 3, 3), {"stride": 2, "padding": 1}),  # 18: one GEMM per image
    ((2, 16, 6, 6), (4, 16, 3, 3), {"padding": "same"}),  # 144: per image
    ((2, 32, 6, 7), (5, 32, 3, 3), {"padding": "same", "dilation": 2}),  # 288: per image, one below the cut
    ((2, 1, 18, 17), (5, 1, 17, 17), {"stride": (2, 1), "padding": 1}),  # 289: one GEMM, right at the cut
    ((3, 33, 9, 8), (6, 33, 3, 3), {"dilation": (2, 1), "padding": (1, 2)}),  # 297: one GEMM, batch inside
]
DEPTH_IDS = [f"depth {ws[1] * ws[2] * ws[3]}" for _, ws, _ in DEPTH_CASES]


def test_depth_cases_cover_both_layouts() -> None:
    depths = [ws[1] * ws[2] * ws[3] for _, ws, _ in DEPTH_CASES]
    cut = ops.Convolution.ONE_GEMM_DEPTH
    assert min(depths) < cut <= max(depths) and cut - 1 in depths and cut in depths


@pytest.fixture(params=["team", "threads"])
def layouts(request, monkeypatch):
    """Records the (batch_inside, ones_row) of every forward the convolution runs: on the team
    (`kernels.conv_parts`, read from the job it writes), or as numpy calls (each im2col call)."""
    seen, im2col, describe = [], kernels.im2col, conv_parts.describe
    if request.param == "threads":
        monkeypatch.setattr(team, "available", lambda: False)
    elif not team.available():
        pytest.skip("numba cannot reach numpy's OpenBLAS here")

    def spy(*args, batch_inside=False, ones_row=False):
        seen.append((batch_inside, ones_row))
        return im2col(*args, batch_inside=batch_inside, ones_row=ones_row)

    def spy_describe(mb, *args):
        scratch = describe(mb, *args)
        if mb[box.KIND] == box.FORWARD:
            seen.append((bool(mb[box.INSIDE]), bool(mb[box.BIAS])))
        return scratch

    monkeypatch.setattr(kernels, "im2col", spy)
    monkeypatch.setattr(conv_parts, "describe", spy_describe)
    return seen


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize(("xs", "ws", "kw"), DEPTH_CASES, ids=DEPTH_IDS)
def test_conv2d_both_layouts_forward_and_all_gradients_equal_torch(xs, ws, kw, bias, dtype, layouts) -> None:
    """Forward and ∂x, ∂W, ∂b against PyTorch in the input's dtype, on each side of ONE_GEMM_DEPTH;
    the layout taken is the one the depth asks for, and the bias rides in the GEMM as a row of ones."""
    arrays = [rand(xs, 0, dtype), rand(ws, 1, dtype)] + ([rand(ws[0], 2, dtype)] if bias else [])
    g = rand(TF.conv2d(*map(torch.from_numpy, arrays), **kw).shape, 3, dtype)
    ref, ref_grads = torch_grads(lambda *t: TF.conv2d(*t, **kw), *arrays, g=g)
    out, grads = our_grads(lambda *t: F.conv2d(*t, **kw), *arrays, g=g)
    assert layouts == [(ws[1] * ws[2] * ws[3] >= ops.Convolution.ONE_GEMM_DEPTH, bias)]
    tol = {"rtol": 1e-10, "atol": 1e-12} if dtype == np.float64 else {"rtol": 2e-5, "atol": 2e-5}
    assert out.dtype == dtype and all(a.dtype == dtype for a in grads)
    np.testing.assert_allclose(out, ref, **tol)
    for a, b in zip(grads, ref_grads, strict=True):
        np.testing.assert_allclose(a, b, **tol)


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize(("xs", "ws", "kw"), [DEPTH_CASES[0], DEPTH_CASES[3]], ids=[DEPTH_IDS[0], DEPTH_IDS[3]])
def test_conv2d_both_layouts_gradcheck_float64(xs, ws, kw, bias) -> None:
    shapes = (xs, ws, ws[:1]) if bias else (xs, ws)
    ts = [Tensor(rand(s, i), requires_grad=True) for i, s in enumerate(shapes)]
    assert gradcheck(lambda *t: F.conv2d(*t, **kw), ts)


def subsets(n):
    return [m for m in itertools.product([False, True], repeat=n) if any(m)]


@pytest.mark.parametrize(
    "needs", subsets(3) + subsets(2), ids=lambda m: "".join(c for c, f in zip("xwb", m) if f) + f"-of-{len(m)}"
)
@pytest.mark.parametrize(("xs", "ws", "kw"), [DEPTH_CASES[0], DEPTH_CASES[3]], ids=[DEPTH_IDS[0], DEPTH_IDS[3]])
def test_conv2d_frozen_weight_bias_or_input_equal_torch(xs, ws, kw, needs) -> None:
    """Every combination of which of x, W, b need a gradient (frozen weight, frozen bias, input only,
    ...), with and without a bias, on both layouts: the gradients asked for equal PyTorch's, the
    others stay None."""
    shapes = (xs, ws, ws[:1])[: len(needs)]
    arrays = [rand(s, i) for i, s in enumerate(shapes)]
    ts = [torch.from_numpy(a).requires_grad_(f) for a, f in zip(arrays, needs)]
    ours = [Tensor(a, requires_grad=f) for a, f in zip(arrays, needs)]
    ref, out = TF.conv2d(*ts, **kw), F.conv2d(*ours, **kw)
    g = rand(out.shape, 5)
    ref.backward(torch.from_numpy(g))
    out.backward(g)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-10, atol=1e-12)
    for t, o, f in zip(ts, ours, needs):
        assert (o.grad is not None) == f
        if f:
            np.testing.assert_allclose(o.grad, t.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("jit", [True, False])
def test_max_pool2d_window_wholly_in_the_padding_is_a_clear_error(jit, monkeypatch) -> None:
    """Kernel 2, dilation 3, padding 1 on 2 rows: the one window's taps are rows −1 and 2, both
    padding. PyTorch returns −∞ with index 6 (outside the 2x2 input) and backward writes there; we
    returned −∞ with index −1 (numba) or −3 (numpy), and backward failed on the index. Now the
    forward refuses, naming the window; one more row makes it valid, and equal to PyTorch."""
    monkeypatch.setattr(kernels, "JIT_ENABLED", jit and kernels.nb is not None)
    with pytest.raises(ValueError, match=r"max_pool2d: the window of output row 0 lies wholly in the padding"):
        F.max_pool2d(Tensor(rand((1, 1, 2, 4))), 2, stride=1, padding=1, dilation=(3, 1))
    with pytest.raises(ValueError, match=r"output column 0 lies wholly in the padding .* input 4x2\)"):
        F.max_pool2d(Tensor(rand((1, 1, 4, 2))), 2, stride=1, padding=1, dilation=(1, 3))
    x, g = rand((1, 1, 3, 4)), rand((1, 1, 2, 5), 1)  # rows −1, 2 and 0, 3: one inside each window
    ref, (ref_g,) = torch_grads(lambda t: TF.max_pool2d(t, 2, 1, 1, (3, 1)), x, g=g)
    out, (gx,) = our_grads(lambda t: F.max_pool2d(t, 2, stride=1, padding=1, dilation=(3, 1)), x, g=g)
    np.testing.assert_array_equal(out, ref)
    np.testing.assert_array_equal(gx, ref_g)


@pytest.mark.parametrize("channels", [2, 8], ids=["per image", "one GEMM"])
def test_conv2d_a_float64_bias_does_not_turn_a_float32_conv_into_float64(channels) -> None:
    """The output's dtype is that of x·W, the bias cast to it, as in `F.linear` (PyTorch refuses the
    mix): folding the bias into the GEMM must not promote the rest of the network to float64."""
    x, w = rand((2, channels, 5, 5), 0, np.float32), rand((3, channels, 3, 3), 1, np.float32)
    b = rand(3, 2)
    ts = [Tensor(a, requires_grad=True) for a in (x, w, b)]
    out = F.conv2d(*ts, padding=1)
    assert out.dtype == F.linear(Tensor(x[:, :, 0, :3]), Tensor(w[:, 0, 0]), Tensor(b)).dtype == np.float32
    ref = TF.conv2d(*map(torch.from_numpy, (x, w, b.astype(np.float32))), padding=1).numpy()
    np.testing.assert_allclose(out.data, ref, rtol=1e-5, atol=1e-5)
    out.sum().backward()
    assert [t.grad.dtype for t in ts] == [np.float32, np.float32, np.float64]
    np.testing.assert_allclose(ts[2].grad, np.full(3, 2 * 25), rtol=1e-6)  # ∂Σy/∂b[o] = N·OH·OW


# ----------------------------------------------------------------------------- what a learner meets
@pytest.mark.parametrize(
    ("cls", "args", "kwargs"),
    [
        ("Conv2d", (3, 4, 3), {"bias": False}),
        ("Conv2d", (3, 4, (3, 2)), {"stride": 2, "padding": 1, "dilation": 2}),
        ("Conv2d", (3, 4, 3), {"padding": "same"}),
        ("Conv2d", (1, 16, 3), {}),
        ("Conv2d", (3, 4, 3), {"padding": (1, 0)}),
        ("MaxPool2d", (2,), {}),
        ("MaxPool2d", (3, 2, 1, 2), {}),
        ("AvgPool2d", (3, 2, 1), {}),
    ],
)
def test_layer_reprs_are_pytorchs(cls, args, kwargs) -> None:
    """print(model) reads as PyTorch's, bias=False included."""
    assert repr(getattr(nn, cls)(*args, **kwargs)) == repr(getattr(torch.nn, cls)(*args, **kwargs))


@pytest.mark.parametrize("channels", [3, 16])  # both GEMM layouts
def test_an_empty_batch_goes_forward_and_backward_as_in_pytorch(channels: int) -> None:
    ours, theirs = nn.Conv2d(channels, 4, 3), torch.nn.Conv2d(channels, 4, 3)
    x = Tensor(np.zeros((0, channels, 8, 8), np.float32), requires_grad=True)
    out = ours(x)
    assert out.shape == tuple(theirs(torch.zeros(0, channels, 8, 8)).shape) == (0, 4, 6, 6)
    out.sum().backward()
    assert x.grad.shape == (0, channels, 8, 8)
    assert not np.asarray(ours.weight.grad).any() and not np.asarray(ours.bias.grad).any()


def test_bad_weight_bias_and_dtype_are_named_and_arrays_are_taken() -> None:
    x = Tensor(rand((2, 3, 8, 8)))
    with pytest.raises(ValueError, match=r"conv2d: expected a bias of shape \(4,\) for 4 output channels, got \(5,\)"):
        F.conv2d(x, Tensor(rand((4, 3, 3, 3))), Tensor(rand((5,))))
    with pytest.raises(ValueError, match=r"conv2d: expected a weight of shape \(out, in, kh, kw\), got \(4, 3, 3\)"):
        F.conv2d(x, Tensor(rand((4, 3, 3))))
    with pytest.raises(TypeError, match="conv2d: needs a floating-point input, got int64"):
        F.conv2d(Tensor(np.ones((2, 3, 8, 8), np.int64)), Tensor(rand((4, 3, 3, 3))))
    with pytest.raises(TypeError, match="avg_pool2d: needs a floating-point input, got bool"):
        F.avg_pool2d(Tensor(np.ones((1, 1, 4, 4), bool)), 2)
    with pytest.raises(TypeError, match="conv2d: expected a Tensor"):
        nn.Conv2d(3, 4, 3)("images")
    conv, pool = (
        nn.Conv2d(3, 4, 3, dtype=np.float64),
        nn.MaxPool2d(2),
    )  # numpy arrays are taken, as nn.Linear takes them
    x = rand((2, 3, 8, 8))
    ref = torch.nn.functional.conv2d(
        torch.from_numpy(x), torch.from_numpy(conv.weight.data.numpy()), torch.from_numpy(conv.bias.data.numpy())
    )
    np.testing.assert_allclose(conv(x).data, ref.numpy(), rtol=1e-12)
    assert pool(x).shape == (2, 3, 4, 4)


def test_a_conv_with_no_inputs_builds_and_pool_padding_fails_at_construction() -> None:
    assert repr(nn.Conv2d(0, 4, 3)) == repr(torch.nn.Conv2d(0, 4, 3))  # PyTorch builds it too
    for cls in (nn.MaxPool2d, nn.AvgPool2d):
        with pytest.raises(ValueError, match=r"padding \(2, 2\) must be at most half the window \(2, 2\)"):
            cls(2, padding=2)

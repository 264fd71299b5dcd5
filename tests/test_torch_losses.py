"""Loss modules (`tinygrad_edu.nn.losses`) against ``torch.nn``'s: values and input gradients in float64,
for every reduction and PyTorch's other options; plus float64 central-difference gradchecks."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor, gradcheck, nn

torch = pytest.importorskip("torch", reason="PyTorch not installed: these tests compare with it")

RNG = np.random.default_rng(0)
N, C = 6, 4
LOGITS = RNG.normal(size=(N, C)) * 2
LABELS = np.array([0, 3, 1, 1, 2, 3])
LABELS_IGNORED = np.array([0, -100, 1, 1, -100, 3])
LABELS_IGNORE_2 = np.array([0, 2, 1, 2, 2, 3])
PROBS = RNG.dirichlet(np.ones(C), size=N)
X = RNG.normal(size=(N, 3)) * 2
Y = RNG.normal(size=(N, 3))
P = RNG.uniform(0.02, 0.98, size=(N, 3))
T01 = RNG.uniform(0, 1, size=(N, 3))
W = np.array([0.5, 2.0, 1.0, 3.0])
POS = np.array([0.5, 2.0, 3.0])
LOGP = np.log(PROBS)


def compare(name: str, kwargs: dict, x: np.ndarray, target: np.ndarray, rtol: float = 1e-10) -> None:
    """Same module options in both libraries; equal loss and equal ∂loss/∂input."""
    tkwargs = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    ours, theirs = getattr(nn, name)(**kwargs), getattr(torch.nn, name)(**tkwargs)
    xi, ri = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, ref = ours(xi, target), theirs(ri, torch.tensor(target))
    assert out.shape == tuple(ref.shape)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=rtol, atol=1e-12)
    g = np.random.default_rng(1).normal(size=out.shape)
    out.backward(g)
    ref.backward(torch.tensor(g))
    np.testing.assert_allclose(xi.grad, ri.grad.numpy(), rtol=rtol, atol=1e-12)


REDUCTIONS = ["mean", "sum", "none"]
CASES = [
    ("MSELoss", {}, X, Y),
    ("L1Loss", {}, X, Y),
    ("HuberLoss", {}, X, Y),
    ("HuberLoss", {"delta": 0.5}, X, Y),
    ("SmoothL1Loss", {}, X, Y),
    ("SmoothL1Loss", {"beta": 0.3}, X, Y),
    ("SmoothL1Loss", {"beta": 0.0}, X, Y),
    ("CrossEntropyLoss", {}, LOGITS, LABELS),
    ("CrossEntropyLoss", {}, LOGITS, PROBS),
    ("CrossEntropyLoss", {"weight": W}, LOGITS, LABELS),
    ("CrossEntropyLoss", {"weight": W}, LOGITS, PROBS),
    ("CrossEntropyLoss", {"ignore_index": -100}, LOGITS, LABELS_IGNORED),
    ("CrossEntropyLoss", {"ignore_index": 2, "weight": W}, LOGITS, LABELS_IGNORE_2),
    ("CrossEntropyLoss", {"label_smoothing": 0.1}, LOGITS, LABELS),
    ("CrossEntropyLoss", {"label_smoothing": 0.2}, LOGITS, PROBS),
    ("CrossEntropyLoss", {"label_smoothing": 0.1, "weight": W}, LOGITS, LABELS),
    ("CrossEntropyLoss", {"label_smoothing": 0.3, "ignore_index": 2}, LOGITS, LABELS_IGNORE_2),
    ("CrossEntropyLoss", {"label_smoothing": 0.3, "ignore_index": 2, "weight": W}, LOGITS, LABELS_IGNORE_2),
    ("NLLLoss", {}, LOGP, LABELS),
    ("NLLLoss", {"weight": W}, LOGP, LABELS),
    ("NLLLoss", {"weight": W, "ignore_index": -100}, LOGP, LABELS_IGNORED),
    ("BCELoss", {}, P, T01),
    ("BCELoss", {"weight": POS}, P, T01),
    ("BCEWithLogitsLoss", {}, X, T01),
    ("BCEWithLogitsLoss", {"weight": POS}, X, T01),
    ("BCEWithLogitsLoss", {"pos_weight": POS}, X, T01),
    ("BCEWithLogitsLoss", {"pos_weight": POS, "weight": np.array([2.0])}, X * 20, T01),
    ("KLDivLoss", {}, LOGP, PROBS[::-1].copy()),
    ("KLDivLoss", {"log_target": True}, LOGP, LOGP[::-1].copy()),
]


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(("name", "kwargs", "x", "target"), CASES, ids=[f"{c[0]}-{sorted(c[1])}" for c in CASES])
def test_loss_matches_pytorch(name, kwargs, x, target, reduction) -> None:
    compare(name, {**kwargs, "reduction": reduction}, x, target)


@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_batchmean_matches_pytorch(log_target) -> None:
    target = LOGP[::-1].copy() if log_target else PROBS[::-1].copy()
    compare("KLDivLoss", {"reduction": "batchmean", "log_target": log_target}, LOGP, target)


@pytest.mark.parametrize("name", ["CrossEntropyLoss", "NLLLoss"])
@pytest.mark.parametrize("weighted", [False, True])
def test_every_row_ignored_is_nan_with_zero_gradients_as_pytorch(name, weighted) -> None:
    """The mean over no rows is 0/0 = NaN, and no row gets a gradient: PyTorch's scores get zeros (ours were
    NaN, from dividing by the zero total weight, with numpy's warnings)."""
    labels = np.full(N, -100)
    kwargs = {"weight": W} if weighted else {}
    x, t = Tensor(LOGITS, requires_grad=True), torch.tensor(LOGITS, requires_grad=True)
    ours = getattr(nn, name)(**{k: Tensor(v) for k, v in kwargs.items()})(x, labels)
    ref = getattr(torch.nn, name)(**{k: torch.tensor(v) for k, v in kwargs.items()})(t, torch.tensor(labels))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numpy RuntimeWarning either
        ours.backward()
    ref.backward()
    assert np.isnan(ours.item()) and np.isnan(ref.item())
    assert t.grad is not None and not t.grad.any()
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())


@pytest.mark.parametrize(
    "loss",
    [
        lambda x: nn.HuberLoss(delta=0.7)(x, Y),
        lambda x: nn.SmoothL1Loss(beta=0.4, reduction="sum")(x, Y),
        lambda x: nn.CrossEntropyLoss(weight=W, label_smoothing=0.2, ignore_index=2)(
            x[:, :1] * LOGITS, LABELS_IGNORE_2
        ),
        lambda x: nn.BCEWithLogitsLoss(pos_weight=POS)(x, T01),
        lambda x: nn.KLDivLoss(reduction="batchmean", log_target=True)(x, LOGP[:, :3]),
    ],
)
def test_losses_built_from_tensor_ops_pass_gradcheck(loss) -> None:
    assert gradcheck(loss, [Tensor(X, requires_grad=True)])


def test_bad_options_raise_before_computing() -> None:
    with pytest.raises(ValueError, match="reduction must be one of"):
        nn.MSELoss(reduction="avg")
    with pytest.raises(ValueError, match="reduction must be one of"):
        nn.CrossEntropyLoss(reduction="batchmean")
    nn.KLDivLoss(reduction="batchmean")  # allowed there only, as PyTorch
    with pytest.raises(ValueError, match="label_smoothing must be in"):
        nn.CrossEntropyLoss(label_smoothing=1.5)
    with pytest.raises(ValueError, match="delta must be positive"):
        nn.HuberLoss(delta=0)
    with pytest.raises(ValueError, match="beta must be non-negative"):
        nn.SmoothL1Loss(beta=-1)
    with pytest.raises(ValueError, match=r"one entry per class, shape \(4,\)"):
        nn.CrossEntropyLoss(weight=np.ones(3))(Tensor(LOGITS), LABELS)
    with pytest.raises(IndexError, match="Target 7 is out of bounds"):
        nn.NLLLoss()(Tensor(LOGP), np.array([0, 1, 2, 3, 7, 0]))
    with pytest.raises(ValueError, match=r"input shape .* and target shape .* differ"):
        nn.HuberLoss()(Tensor(X), Y[:, :2])


def test_weights_are_buffers_as_pytorch() -> None:
    ours, theirs = nn.CrossEntropyLoss(weight=W), torch.nn.CrossEntropyLoss(weight=torch.tensor(W))
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight"]
    assert list(nn.MSELoss().state_dict()) == list(torch.nn.MSELoss().state_dict()) == []
    assert repr(nn.BCEWithLogitsLoss()) == repr(torch.nn.BCEWithLogitsLoss())


def test_tutorial_style_loss_in_float32() -> None:
    """``loss_fn = nn.MSELoss(reduction='sum')`` on float32 predictions stays float32."""
    tg.manual_seed(0)
    pred = tg.randn(10, 1, requires_grad=True)
    loss = nn.MSELoss(reduction="sum")(pred, tg.zeros(10, 1))
    loss.backward()
    assert loss.dtype == np.float32 and pred.grad.dtype == np.float32
    np.testing.assert_allclose(pred.grad, 2 * pred.data, rtol=1e-6)


@pytest.mark.parametrize("labels", [[5, 0, 1], [-1, 0, 1], [0, 7, 9], [-100, 5, 0]])
@pytest.mark.parametrize(
    "loss",
    [
        lambda lib, x, t: lib.nn.functional.cross_entropy(x, t),
        lambda lib, x, t: lib.nn.CrossEntropyLoss()(x, t),
        lambda lib, x, t: lib.nn.functional.cross_entropy(x, t, label_smoothing=0.1),
        lambda lib, x, t: lib.nn.functional.cross_entropy(x, t, weight=lib.ones(4, dtype=x.dtype)),
        lambda lib, x, t: lib.nn.functional.nll_loss(x.log_softmax(1), t),
        lambda lib, x, t: lib.nn.NLLLoss()(x.log_softmax(1), t),
    ],
    ids=["cross_entropy", "CrossEntropyLoss", "smoothed", "weighted", "nll_loss", "NLLLoss"],
)
def test_a_label_out_of_range_is_torchs_index_error(loss, labels) -> None:
    """PyTorch's type and words for the first label outside [0, C) (ignore_index -100 is no such label)."""
    x = np.zeros((3, 4))
    with pytest.raises(IndexError) as theirs:
        loss(torch, torch.tensor(x), torch.tensor(labels))
    with pytest.raises(IndexError) as ours:
        loss(tg, Tensor(x), Tensor(np.array(labels)))
    assert str(ours.value).startswith(str(theirs.value))  # "Target 5 is out of bounds.", then our context

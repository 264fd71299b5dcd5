"""nn.Embedding, nn.LSTM, nn.GRU and their cells beside PyTorch 2.13, in float64 with the same weights:
state_dict keys and shapes, outputs, final states and the gradients of Σ g·outputs with respect to
the input, the initial state and every parameter; float64 central differences (gradcheck); the
errors PyTorch raises. Float64 on both sides, the same formulas: the results agree to ~1e-12
relative (rtol 1e-9 leaves room for the order of the sums)."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="PyTorch is the reference here: pip install tinygrad_edu[torch]")

from tinygrad_edu import Tensor, nn  # noqa: E402
from tinygrad_edu.gradcheck import gradcheck  # noqa: E402

RTOL, ATOL = 1e-9, 1e-12


def twin(ours, theirs_cls, *args, **kwargs):
    """Torch's module with our module's weights (loaded through its state_dict)."""
    theirs = theirs_cls(*args, dtype=torch.float64, **kwargs)
    state = ours.state_dict()
    assert list(state) == list(theirs.state_dict())
    assert [tuple(v.shape) for v in state.values()] == [tuple(v.shape) for v in theirs.state_dict().values()]
    theirs.load_state_dict(
        {k: torch.tensor(np.asarray(v.data if isinstance(v, Tensor) else v)) for k, v in state.items()}
    )
    return theirs


def flat(out):
    return [t for item in out for t in (item if isinstance(item, tuple) else (item,))]


RECURRENT = {
    "lstm": (nn.LSTM, torch.nn.LSTM, {}),
    "lstm-2-layers-batch-first": (nn.LSTM, torch.nn.LSTM, {"num_layers": 2, "batch_first": True}),
    "lstm-no-bias-3-layers": (nn.LSTM, torch.nn.LSTM, {"num_layers": 3, "bias": False}),
    "gru": (nn.GRU, torch.nn.GRU, {}),
    "gru-2-layers-batch-first": (nn.GRU, torch.nn.GRU, {"num_layers": 2, "batch_first": True}),
    "gru-no-bias": (nn.GRU, torch.nn.GRU, {"bias": False}),
}


@pytest.mark.parametrize("with_state", [False, True], ids=["zero-state", "given-state"])
@pytest.mark.parametrize("case", sorted(RECURRENT))
def test_recurrent_layers_match_torch(case: str, with_state: bool) -> None:
    ours_cls, theirs_cls, kw = RECURRENT[case]
    ours = ours_cls(3, 4, dtype=np.float64, **kw)
    theirs = twin(ours, theirs_cls, 3, 4, **kw)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 5, 3) if kw.get("batch_first") else (5, 2, 3))
    layers = kw.get("num_layers", 1)
    states = [rng.normal(size=(layers, 2, 4)) for _ in range(2 if ours_cls is nn.LSTM else 1)] if with_state else []
    xo, so = Tensor(x, requires_grad=True), [Tensor(s, requires_grad=True) for s in states]
    xt, st = torch.tensor(x, requires_grad=True), [torch.tensor(s, requires_grad=True) for s in states]
    hx_o = None if not so else (tuple(so) if len(so) == 2 else so[0])
    hx_t = None if not st else (tuple(st) if len(st) == 2 else st[0])
    out_o, out_t = flat(ours(xo, hx_o)), flat(theirs(xt, hx_t))
    gs = [rng.normal(size=t.shape) for t in out_t]
    sum((o * Tensor(g)).sum() for o, g in zip(out_o, gs)).backward()
    sum((t * torch.tensor(g)).sum() for t, g in zip(out_t, gs)).backward()
    for o, t in zip(out_o, out_t):
        np.testing.assert_allclose(o.data, t.detach().numpy(), rtol=RTOL, atol=ATOL)
    for o, t in zip([xo, *so], [xt, *st]):
        np.testing.assert_allclose(o.grad, t.grad.numpy(), rtol=RTOL, atol=ATOL)
    for (name, p), (name_t, pt) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert name == name_t
        np.testing.assert_allclose(p.grad, pt.grad.numpy(), rtol=RTOL, atol=ATOL, err_msg=name)


@pytest.mark.parametrize("cls", [nn.LSTM, nn.GRU])
def test_unbatched_input_matches_torch(cls) -> None:
    ours = cls(2, 3, num_layers=2, dtype=np.float64)
    theirs = twin(ours, getattr(torch.nn, cls.__name__), 2, 3, num_layers=2)
    x = np.random.default_rng(1).normal(size=(4, 2))
    for o, t in zip(flat(ours(Tensor(x))), flat(theirs(torch.tensor(x)))):
        assert o.shape == tuple(t.shape)
        np.testing.assert_allclose(o.data, t.detach().numpy(), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("cls", ["LSTMCell", "GRUCell"])
def test_cells_match_torch(cls: str) -> None:
    ours = getattr(nn, cls)(3, 2, dtype=np.float64)
    theirs = twin(ours, getattr(torch.nn, cls), 3, 2)
    rng = np.random.default_rng(2)
    x, h, c = rng.normal(size=(4, 3)), rng.normal(size=(4, 2)), rng.normal(size=(4, 2))
    state_o = (Tensor(h), Tensor(c)) if cls == "LSTMCell" else Tensor(h)
    state_t = (torch.tensor(h), torch.tensor(c)) if cls == "LSTMCell" else torch.tensor(h)
    for o, t in zip(flat([ours(Tensor(x), state_o)]), flat([theirs(torch.tensor(x), state_t)])):
        np.testing.assert_allclose(o.data, t.detach().numpy(), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("cls", [nn.LSTM, nn.GRU])
def test_recurrent_gradients_match_central_differences(cls) -> None:
    layer = cls(2, 3, num_layers=2, batch_first=True, dtype=np.float64)
    x = Tensor(np.random.default_rng(3).normal(size=(2, 3, 2)), requires_grad=True)
    params = [p for p in layer.parameters()]
    assert gradcheck(lambda x, *_: flat(layer(x))[0].tanh().sum() + flat(layer(x))[1].sum(), [x, *params])


def test_recurrent_errors_as_torch() -> None:
    lstm = nn.LSTM(3, 4, num_layers=2)
    with pytest.raises(RuntimeError, match=r"input.size\(-1\) must be equal to input_size. Expected 3, got 5"):
        lstm(Tensor(np.ones((2, 1, 5))))
    with pytest.raises(RuntimeError, match="Expected hidden size"):
        lstm(Tensor(np.ones((2, 1, 3))), (Tensor(np.zeros((1, 1, 4))), Tensor(np.zeros((1, 1, 4)))))
    with pytest.raises(ValueError, match="2D or 3D"):
        nn.GRU(3, 4)(Tensor(np.ones(3)))
    with pytest.raises(ValueError, match="num_layers"):
        nn.GRU(3, 4, num_layers=0)
    with pytest.raises(NotImplementedError, match="bidirectional"):
        nn.LSTM(3, 4, bidirectional=True)


def test_dropout_between_layers_only_in_training() -> None:
    """dropout=1 zeroes what layer 0 passes to layer 1 in training: layer 1 then sees zeros, so its
    outputs equal those of the same layer run on zeros; in eval mode nothing is dropped."""
    gru = nn.GRU(2, 3, num_layers=2, dropout=1.0, dtype=np.float64)
    x = Tensor(np.random.default_rng(4).normal(size=(4, 1, 2)))
    theirs = twin(gru, torch.nn.GRU, 2, 3, num_layers=2, dropout=1.0)
    theirs.train()
    np.testing.assert_allclose(gru(x)[0].data, theirs(torch.tensor(x.numpy()))[0].detach().numpy(), rtol=RTOL)
    gru.eval()
    theirs.eval()
    np.testing.assert_allclose(gru(x)[0].data, theirs(torch.tensor(x.numpy()))[0].detach().numpy(), rtol=RTOL)


# ----------------------------------------------------------------------------- Embedding
@pytest.mark.parametrize("padding_idx", [None, 2, -1])
def test_embedding_matches_torch(padding_idx) -> None:
    ours = nn.Embedding(6, 3, padding_idx=padding_idx, dtype=np.float64)
    theirs = twin(ours, torch.nn.Embedding, 6, 3, padding_idx=padding_idx)
    np.testing.assert_array_equal(ours.weight.data, theirs.weight.detach().numpy())
    if padding_idx is not None:
        assert not ours.weight.data[padding_idx].any()  # starts at zero, as torch
    rng = np.random.default_rng(5)
    idx = np.array([[0, 2, 2, 5], [1, 5, 2, 3]])
    g = rng.normal(size=(2, 4, 3))
    ours.weight.data[:] = rng.normal(size=(6, 3))  # a padding row that is not zero is still read
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(ours.weight.numpy()))
    out_o, out_t = ours(Tensor(idx)), theirs(torch.tensor(idx))
    (out_o * Tensor(g)).sum().backward()
    (out_t * torch.tensor(g)).sum().backward()
    np.testing.assert_array_equal(out_o.data, out_t.detach().numpy())
    np.testing.assert_allclose(ours.weight.grad, theirs.weight.grad.numpy(), rtol=RTOL, atol=ATOL)


def test_embedding_refuses_what_torch_refuses() -> None:
    emb = nn.Embedding(4, 2)
    with pytest.raises(IndexError, match="index out of range"):
        emb(Tensor(np.array([0, 4])))
    with pytest.raises(IndexError, match="index out of range"):
        emb(Tensor(np.array([-1])))
    with pytest.raises(RuntimeError, match="Long, Int"):
        emb(Tensor(np.array([0.0, 1.0])))
    with pytest.raises(AssertionError, match="Padding_idx"):
        nn.Embedding(4, 2, padding_idx=4)

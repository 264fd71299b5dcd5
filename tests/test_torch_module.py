"""`nn.Parameter` and `nn.Module` against ``torch.nn``: names, order, printing, dtype moves, and
state_dicts that move between the two libraries with equal outputs."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor, nn

torch = pytest.importorskip("torch", reason="PyTorch not installed: these tests compare with it")


def build(lib):
    """The same small networks in either library (``lib`` is torch or tinygrad_edu)."""

    class Block(lib.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.scale = lib.nn.Parameter(lib.ones(3))
            self.fc = lib.nn.Linear(4, 3)
            self.head = lib.nn.Sequential(lib.nn.Linear(3, 3), lib.nn.ReLU(), lib.nn.Linear(3, 2))

        def forward(self, x):
            return self.head(self.fc(x) * self.scale)

    class Net(lib.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.body = Block()
            self.bn = lib.nn.BatchNorm1d(2)
            self.out = lib.nn.Linear(2, 1, bias=False)

        def forward(self, x):
            return self.out(self.bn(self.body(x)))

    return Net()


def test_parameter_is_a_tensor_that_requires_grad_and_shares_data() -> None:
    base = tg.zeros(3)
    p, ref = nn.Parameter(base), torch.nn.Parameter(torch.zeros(3))
    assert isinstance(p, Tensor) and p.requires_grad == ref.requires_grad is True
    base.data[0] = 5.0
    assert p.data[0] == 5.0  # as torch.nn.Parameter(t): the same storage
    assert repr(p).startswith("Parameter containing:\n") and str(ref).startswith("Parameter containing:\n")
    frozen = nn.Parameter(tg.ones(2), requires_grad=False)
    assert not frozen.requires_grad
    (p * 2).sum().backward()
    np.testing.assert_array_equal(p.grad, [2, 2, 2])


def test_named_parameters_modules_children_match_pytorch() -> None:
    ours, theirs = build(tg), build(torch)
    assert [(k, p.shape) for k, p in ours.named_parameters()] == [
        (k, tuple(p.shape)) for k, p in theirs.named_parameters()
    ]
    assert [k for k, _ in ours.named_modules()] == [k for k, _ in theirs.named_modules()]
    assert [k for k, _ in ours.named_children()] == [k for k, _ in theirs.named_children()]
    assert [type(m).__name__ for m in ours.children()] == [type(m).__name__ for m in theirs.children()]
    assert [type(m).__name__ for m in ours.modules()] == [type(m).__name__ for m in theirs.modules()]
    assert [k for k, _ in ours.named_buffers()] == [k for k, _ in theirs.named_buffers()]
    assert len(ours.parameters()) == len(list(theirs.parameters()))


def test_shared_module_and_frozen_parameter_follow_pytorch() -> None:
    def shared(lib):
        lin = lib.nn.Linear(2, 2)
        return lib.nn.Sequential(lin, lib.nn.ReLU(), lin)

    ours, theirs = shared(tg), shared(torch)
    # a module used twice: parameters and modules once, state_dict under both names
    assert (
        [k for k, _ in ours.named_parameters()] == [k for k, _ in theirs.named_parameters()] == ["0.weight", "0.bias"]
    )
    assert [k for k, _ in ours.named_modules()] == [k for k, _ in theirs.named_modules()]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    # a Parameter whose requires_grad is switched off is still a parameter
    ours, theirs = build(tg), build(torch)
    for lib, model in ((tg, ours), (torch, theirs)):
        model.body.extra = lib.nn.Parameter(lib.zeros(1), requires_grad=False)
    assert [k for k, _ in ours.named_parameters()] == [k for k, _ in theirs.named_parameters()]
    assert list(ours.state_dict()) == list(theirs.state_dict())


def test_register_buffer_and_apply() -> None:
    def built(lib):
        m = lib.nn.Module()
        m.first = lib.nn.Linear(2, 3)
        m.inner = lib.nn.Sequential(lib.nn.ReLU(), lib.nn.Linear(3, 1))
        m.register_buffer("steps", lib.zeros(1))
        m.register_buffer("scratch", lib.zeros(2), persistent=False)
        visited = []
        assert m.apply(lambda mod: visited.append(type(mod).__name__)) is m
        return m, visited

    (ours, ours_visited), (theirs, theirs_visited) = built(tg), built(torch)
    assert ours_visited == theirs_visited  # children first, then the module itself
    assert list(ours.state_dict()) == list(theirs.state_dict())  # non-persistent buffers are not saved
    assert [k for k, _ in ours.named_buffers()] == [k for k, _ in theirs.named_buffers()]


def test_print_nested_sequential_matches_pytorch() -> None:
    ours = nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.Linear(3, 1)))
    assert repr(ours) == repr(torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Sequential(torch.nn.Linear(3, 1))))


def test_print_custom_module_matches_pytorch() -> None:
    class Plain:
        pass

    def printed(lib) -> str:
        class Net(lib.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.fc1 = lib.nn.Linear(4, 8)
                self.act = lib.nn.Tanh()
                self.fc2 = lib.nn.Linear(8, 2, bias=False)
                self.extra = lib.nn.Sequential(lib.nn.Sigmoid(), lib.nn.Identity())
                self.notes = Plain()

        return repr(Net())

    assert printed(tg) == printed(torch)
    assert repr(nn.MSELoss()) == repr(torch.nn.MSELoss()) == "MSELoss()"


def test_extra_repr_is_used_by_print() -> None:
    def printed(lib) -> str:
        class Scaled(lib.nn.Module):
            def __init__(self, k: float) -> None:
                super().__init__()
                self.k = k
                self.inner = lib.nn.Identity()

            def extra_repr(self) -> str:
                return f"k={self.k}"

        outer = lib.nn.Module()
        outer.block = Scaled(2.0)
        outer.leaf = Scaled(3.0)
        return repr(outer)

    assert printed(tg) == printed(torch)


def test_to_dtype_and_device() -> None:
    model = build(tg)
    x = np.random.default_rng(0).normal(size=(5, 4))
    model.eval()
    y32 = model(tg.tensor(x, dtype=tg.float32)).data
    assert model.to(tg.float64) is model
    assert all(p.dtype == np.float64 for p in model.parameters())
    # floating buffers are cast; integer ones keep their dtype, as torch's num_batches_tracked does
    assert sorted(str(b.dtype) for b in model.buffers()) == ["float64", "float64", "int64"]
    y64 = model(tg.tensor(x)).data
    assert y64.dtype == np.float64
    np.testing.assert_allclose(y64, y32, rtol=1e-5, atol=1e-6)
    model.to("cpu", dtype=tg.float32).to(tg.device("cpu")).float()
    assert all(p.dtype == np.float32 for p in model.parameters())
    model.to(tg.zeros(1, dtype=tg.float64))
    assert all(p.dtype == np.float64 for p in model.parameters())
    model.double().cpu()
    with pytest.raises(RuntimeError, match="'cuda' is not supported"):
        model.to("cuda")
    with pytest.raises(RuntimeError, match="'cuda:0' is not supported"):
        model.to(device="cuda:0")
    with pytest.raises(TypeError, match="floating-point"):
        model.to(tg.int64)


def torch_state(model) -> dict:
    return {k: torch.from_numpy(np.array(v)) for k, v in model.state_dict().items()}


def check_both_ways(ours, theirs, x: np.ndarray, pick=lambda y: y) -> None:
    """Our weights into torch give torch's outputs = ours; torch's weights into ours, likewise."""
    theirs.load_state_dict(torch_state(ours))
    with torch.no_grad():
        ref = pick(theirs(torch.tensor(x)))
    np.testing.assert_allclose(pick(ours(Tensor(x))).data, ref.numpy(), rtol=1e-6, atol=1e-6)
    for p in theirs.parameters():  # new torch weights, then into ours
        torch.nn.init.normal_(p.data)
    result = ours.load_state_dict(dict(theirs.state_dict()))
    assert result.missing_keys == [] and result.unexpected_keys == []
    with torch.no_grad():
        ref = pick(theirs(torch.tensor(x)))
    np.testing.assert_allclose(pick(ours(Tensor(x))).data, ref.numpy(), rtol=1e-6, atol=1e-6)


def test_linear_and_sequential_state_dict_round_trip() -> None:
    ours = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Sequential(nn.Linear(8, 3), nn.Tanh()), nn.Linear(3, 2))
    theirs = torch.nn.Sequential(
        torch.nn.Linear(4, 8),
        torch.nn.ReLU(),
        torch.nn.Sequential(torch.nn.Linear(8, 3), torch.nn.Tanh()),
        torch.nn.Linear(3, 2),
    )
    sd, ref = ours.state_dict(), theirs.state_dict()
    assert list(sd) == list(ref) and all(sd[k].shape == tuple(ref[k].shape) for k in sd)
    assert all(isinstance(v, np.ndarray) for v in sd.values())
    check_both_ways(ours, theirs, np.random.default_rng(1).normal(size=(6, 4)).astype(np.float32))


def test_conv2d_state_dict_round_trip() -> None:
    tg.manual_seed(2)  # float32 sums differ in the last bits; fixed weights keep the 1e-6 check deterministic
    torch.manual_seed(2)
    ours = nn.Sequential(nn.Conv2d(2, 3, 3, stride=2, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(3 * 4 * 4, 2))
    theirs = torch.nn.Sequential(
        torch.nn.Conv2d(2, 3, 3, stride=2, padding=1), torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(48, 2)
    )
    sd, ref = ours.state_dict(), theirs.state_dict()
    assert list(sd) == list(ref) and all(sd[k].shape == tuple(ref[k].shape) for k in sd)
    check_both_ways(ours, theirs, np.random.default_rng(2).normal(size=(2, 2, 8, 8)).astype(np.float32))


def test_batchnorm_custom_module_state_dict_round_trip() -> None:
    ours, theirs = build(tg), build(torch)
    x = np.random.default_rng(3).normal(size=(7, 4)).astype(np.float32)
    theirs.train()
    theirs(torch.tensor(x))  # non-trivial running statistics in torch
    ours.eval()
    theirs.eval()
    sd = ours.state_dict()
    assert list(sd) == list(theirs.state_dict())
    ours.load_state_dict(dict(theirs.state_dict()))
    with torch.no_grad():
        ref = theirs(torch.tensor(x)).numpy()
    np.testing.assert_allclose(ours(Tensor(x)).data, ref, rtol=1e-6, atol=1e-6)
    theirs2 = build(torch)
    theirs2.load_state_dict(torch_state(ours))
    theirs2.eval()
    with torch.no_grad():
        np.testing.assert_allclose(theirs2(torch.tensor(x)).numpy(), ref, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("momentum", [0.1, None])
def test_batchnorm1d_counts_batches_and_loads_torch_state_strictly(momentum) -> None:
    ours, theirs = nn.BatchNorm1d(3, momentum=momentum), torch.nn.BatchNorm1d(3, momentum=momentum).double()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    rng = np.random.default_rng(0)
    for _ in range(3):  # training batches move the running statistics and the counter alike
        x = rng.normal(2.0, 3.0, size=(8, 3))
        ours(Tensor(x.astype(np.float32)))
        theirs(torch.tensor(x))
    ours.eval(), theirs.eval()
    ours(Tensor(np.zeros((2, 3), np.float32)))  # evaluation counts nothing
    mine = ours.state_dict()
    assert int(np.asarray(mine["num_batches_tracked"])) == int(theirs.num_batches_tracked) == 3
    for key in ("running_mean", "running_var"):
        np.testing.assert_allclose(np.asarray(mine[key]), theirs.state_dict()[key].numpy(), rtol=1e-5)
    fresh = nn.BatchNorm1d(3)
    fresh.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()}, strict=True)
    assert int(np.asarray(fresh.state_dict()["num_batches_tracked"])) == 3


@pytest.mark.parametrize("batch_first", [False, True])
def test_rnn_state_dict_round_trip_even_when_nested(batch_first) -> None:
    class Ours(nn.Module):
        def __init__(self) -> None:
            self.rnn = nn.RNN(3, 5, batch_first=batch_first)
            self.head = nn.Linear(5, 2)

        def forward(self, x):
            return self.head(self.rnn(x)[0])

    class Theirs(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.rnn = torch.nn.RNN(3, 5, batch_first=batch_first)
            self.head = torch.nn.Linear(5, 2)

        def forward(self, x):
            return self.head(self.rnn(x)[0])

    ours, theirs = Ours(), Theirs()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [k for k, _ in ours.named_modules()] == [k for k, _ in theirs.named_modules()]
    check_both_ways(ours, theirs, np.random.default_rng(4).normal(size=(4, 2, 3)).astype(np.float32))


def test_load_state_dict_errors_and_strictness() -> None:
    ours = nn.Sequential(nn.Linear(2, 3))
    theirs = torch.nn.Sequential(torch.nn.Linear(2, 4))
    with pytest.raises(RuntimeError, match=r"size mismatch for 0\.weight"):
        ours.load_state_dict(theirs.state_dict())
    with pytest.raises(RuntimeError, match=r'Missing key\(s\) in state_dict: "0\.bias"'):
        ours.load_state_dict({"0.weight": np.zeros((3, 2))})
    before = ours.state_dict()
    with pytest.raises(RuntimeError, match=r'Unexpected key\(s\) in state_dict: "1\.weight"'):
        ours.load_state_dict({**before, "1.weight": np.zeros(1)})
    result = ours.load_state_dict({"0.weight": np.ones((3, 2)), "x": np.zeros(1)}, strict=False)
    assert result == (["0.bias"], ["x"])
    np.testing.assert_array_equal(ours[0].weight.data, np.ones((3, 2)))
    # torch's NamedTuple has the same fields
    ref = torch.nn.Sequential(torch.nn.Linear(2, 3)).load_state_dict({"x": torch.zeros(1)}, strict=False)
    assert ref._fields == result._fields


def test_register_parameter_add_module_get_submodule_module_list() -> None:
    m = nn.Module()
    m.register_parameter("w", nn.Parameter(tg.ones(2)))
    m.add_module("layers", nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 1)]))
    r = torch.nn.Module()
    r.register_parameter("w", torch.nn.Parameter(torch.ones(2)))
    r.add_module("layers", torch.nn.ModuleList([torch.nn.Linear(2, 2), torch.nn.Linear(2, 1)]))
    assert list(m.state_dict()) == list(r.state_dict())
    assert repr(m) == repr(r)
    assert m.get_submodule("layers.1") is m.layers[1] and len(m.layers) == 2
    with pytest.raises(TypeError, match="must be a Parameter"):
        m.register_parameter("v", tg.ones(2))
    with pytest.raises(TypeError, match="not a Module"):
        nn.ModuleList([tg.ones(2)])
    with pytest.raises(AttributeError, match="no submodule 'nope'"):
        m.get_submodule("nope")


def test_zero_grad_set_to_none() -> None:
    lin = nn.Linear(2, 1)
    lin(tg.ones(1, 2)).sum().backward()
    lin.zero_grad(set_to_none=False)
    assert np.all(lin.weight.grad == 0) and lin.weight.grad.shape == (1, 2)
    lin.zero_grad()
    assert lin.weight.grad is None


@pytest.mark.parametrize(
    "make",
    [
        lambda nn: nn.Linear(3, 1),
        lambda nn: nn.Linear(3, 1, bias=False),
        lambda nn: nn.ReLU(),
        lambda nn: nn.Flatten(),
        lambda nn: nn.Flatten(0, 1),
        lambda nn: nn.Dropout(),
        lambda nn: nn.Dropout(0.2),
        lambda nn: nn.BatchNorm1d(3),
        lambda nn: nn.LeakyReLU(),
        lambda nn: nn.Softmax(dim=1),
        lambda nn: nn.Identity(),
        lambda nn: nn.RNN(3, 4),
        lambda nn: nn.RNN(3, 4, batch_first=True, nonlinearity="relu"),
        lambda nn: nn.RNNCell(3, 4, nonlinearity="relu"),
        lambda nn: nn.Sequential(nn.Flatten(), nn.Linear(4, 2), nn.Sequential(nn.Tanh(), nn.Dropout(0.1))),
    ],
)
def test_layer_reprs_are_pytorchs(make) -> None:
    assert repr(make(nn)) == repr(make(torch.nn))


def names_and_shapes(model) -> list[tuple[str, tuple]]:
    return [(k, tuple(p.shape)) for k, p in model.named_parameters()]


def check_walks_match(ours, theirs) -> None:
    """Everything the kept walk serves equals torch's on the same structure, and parameters()
    is named_parameters() without names (the same objects)."""
    assert names_and_shapes(ours) == names_and_shapes(theirs)
    assert [id(p) for p in ours.parameters()] == [id(p) for _, p in ours.named_parameters()]
    assert len(ours.parameters()) == len(list(theirs.parameters()))
    assert [k for k, _ in ours.named_modules()] == [k for k, _ in theirs.named_modules()]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [k for k, _ in ours.named_buffers()] == [k for k, _ in theirs.named_buffers()]


# Each step changes both models the same way, after the walk has been kept by a first call.
MUTATIONS = [
    ("new Parameter", lambda lib, m: setattr(m.body, "gain", lib.nn.Parameter(lib.ones(2)))),
    ("new Module", lambda lib, m: setattr(m, "extra", lib.nn.Linear(1, 2))),
    ("replaced Parameter", lambda lib, m: setattr(m.body.fc, "weight", lib.nn.Parameter(lib.zeros(5, 4)))),
    ("replaced Module", lambda lib, m: setattr(m.body, "fc", lib.nn.Linear(4, 7))),
    ("deleted Parameter", lambda lib, m: delattr(m.body, "scale")),
    ("deleted Module", lambda lib, m: delattr(m, "out")),
    ("bias set to None", lambda lib, m: m.body.head[0].register_parameter("bias", None)),
    ("register_buffer", lambda lib, m: m.body.register_buffer("count", lib.zeros(3))),
    ("add_module", lambda lib, m: m.body.add_module("side", lib.nn.Linear(2, 2))),
    ("Sequential item replaced", lambda lib, m: m.body.head.__setitem__(2, lib.nn.Linear(3, 4))),
    ("ModuleList appended", lambda lib, m: m.stack.append(lib.nn.Linear(3, 3))),
    ("ModuleList item replaced", lambda lib, m: m.stack.__setitem__(0, lib.nn.Linear(2, 5))),
    ("ModuleList insert", lambda lib, m: m.stack.insert(0, lib.nn.Linear(1, 1))),
    ("ModuleList item deleted", lambda lib, m: m.stack.__delitem__(1)),
    ("Parameter shared", lambda lib, m: setattr(m.stack[0], "weight", m.body.fc.weight)),
    ("Module shared", lambda lib, m: setattr(m, "again", m.body.fc)),
]


def test_the_kept_walk_follows_every_change_as_pytorch() -> None:
    """Each structural change, made after parameters() has walked the tree once, shows in the next
    parameters()/named_parameters()/named_modules()/state_dict() as in torch after the same change."""
    models = {}
    for lib in (tg, torch):
        model = build(lib)
        model.stack = lib.nn.ModuleList([lib.nn.Linear(2, 2), lib.nn.Linear(2, 3)])
        models[lib] = model
    check_walks_match(models[tg], models[torch])
    for what, mutate in MUTATIONS:
        for lib, model in models.items():
            mutate(lib, model)
        try:
            check_walks_match(models[tg], models[torch])
        except AssertionError as error:
            raise AssertionError(f"after {what}") from error


def test_zero_grad_and_train_see_a_module_added_after_the_walk() -> None:
    model = nn.Sequential(nn.Linear(2, 2))
    model.zero_grad()
    model.late = nn.Linear(2, 1)
    model.late(model(tg.ones(1, 2))).sum().backward()
    assert model.late.weight.grad is not None
    model.zero_grad()
    assert model.late.weight.grad is None and model[0].weight.grad is None
    model.late.dropout = nn.Dropout(0.5)
    assert model.eval().late.dropout.training is False


def test_scalar_mlp_walk_follows_lists_changed_in_place() -> None:
    """micrograd's nets keep weights in plain lists: changing a list in place, deep in the tree,
    shows in the root's parameters() (the count is the definition: Σ (fan_in + 1) per neuron)."""
    from tinygrad_edu import Value

    mlp = nn.MLP(2, [3, 1])
    assert len(mlp.parameters()) == 3 * 3 + 4
    neuron = mlp.layers[0].neurons[1]
    extra = Value(0.5)
    neuron.w.append(extra)
    assert len(mlp.parameters()) == 14 and extra in mlp.parameters()
    swapped = Value(2.0)
    neuron.w[0] = swapped  # same length, another object
    params = mlp.parameters()
    assert any(p is swapped for p in params) and len(params) == 14
    mlp.layers[1].neurons.append(nn.Neuron(3))
    assert len(mlp.parameters()) == 18
    mlp.zero_grad()
    assert all(p.grad == 0.0 for p in mlp.parameters())
    mlp.layers.pop()
    assert len(mlp.parameters()) == 3 * 3 + 1  # the first layer only (+ the appended weight)


def test_a_plain_tensor_attribute_counts_while_it_requires_grad() -> None:
    """The module doc's rule: a Tensor attribute with requires_grad=True is a parameter; switching
    the flag after the walk was kept changes the next parameters()."""
    m = nn.Module()
    m.t = tg.zeros(2)
    assert m.parameters() == []
    m.t.requires_grad = True
    assert m.parameters() == [m.t]
    m.t.requires_grad = False
    assert m.parameters() == []


def test_cuda_is_refused_with_the_device_error() -> None:
    """The README's device row: `model.cuda()` raises the same RuntimeError as torch.device('cuda') here."""
    with pytest.raises(RuntimeError, match=r"device 'cuda' is not supported: tinygrad_edu runs on the CPU only"):
        nn.Linear(2, 1).cuda()
    with pytest.raises(RuntimeError, match="is not supported"):
        nn.Linear(2, 1).to("cuda")

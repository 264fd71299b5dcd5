"""Chapter 13's math against PyTorch 2.13's autograd.

The chapter (notebooks/13_backprop_ninja.ipynb) writes every gradient of an MLP with BatchNorm by
hand and compares each with our autograd through a helper ``cmp(name, mine, tensor)``. Here its code
cells run in-process, in order, up to the training section (the pictures skipped), with ``cmp``
replaced by a recorder; then PyTorch recomputes the same forward pass from the chapter's parameters
and batch in float64, and every recorded hand gradient must equal torch's gradient of the same
tensor. The cells run in float32 as the chapter runs, and with the parameters cast to float64, where the
formulas alone (not rounding) decide the difference; and each way once more under real PyTorch
(``import torch`` for ``import tinygrad_edu as torch``), as the chapter says its code is PyTorch code:
there the same seeds must give the same words, batch and loss. The chapter's two fused formulas,
its custom ``autograd.Function``s, are also compared with torch on other shapes, and the exercise
checks must name the slips their hints are written for.
"""

from __future__ import annotations

import contextlib
import functools
import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tinygrad_edu import exercises as ex

torch = pytest.importorskip("torch")
nbformat = pytest.importorskip("nbformat")

import tinygrad_edu  # noqa: E402  (after the skips: the chapter's cells import it as torch)

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "13_backprop_ninja.ipynb"
PARAMETERS = ["C", "W1", "b1", "W2", "b2", "bngain", "bnbias"]
#: Every tensor whose gradient the chapter writes by hand.
HAND_WRITTEN = set(PARAMETERS) | {
    "logprobs", "probs", "counts_sum_inv", "counts_sum", "counts", "norm_logits", "logit_maxes", "logits", "h",
    "hpreact", "bnraw", "bnvar_inv", "bnvar", "bndiff2", "bndiff", "bnmeani", "hprebn", "embcat", "emb",
}  # fmt: skip


DOORS = {
    "tinygrad_edu": {},
    "torch": {"import tinygrad_edu as torch": "import torch", "tinygrad_edu.nn.functional": "torch.nn.functional"},
}


@functools.cache
def run_chapter(dtype: str, door: str = "tinygrad_edu") -> tuple[dict[str, Any], list[tuple[str, str, np.ndarray]]]:
    """The chapter's namespace after its gradcheck section, and (label, variable, hand gradient) per ``cmp``
    call. With ``dtype="float64"`` the parameters are cast right after the cell that makes them; with
    ``door="torch"`` the cells import real PyTorch instead of tinygrad_edu."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    ns: dict[str, Any] = {}
    recorded: list[tuple[str, str, np.ndarray]] = []

    def record(label: str, mine: Any, tensor: Any) -> None:
        name = next(k for k, v in ns.items() if v is tensor)
        recorded.append((label, name, np.array(mine.numpy(), dtype=np.float64)))

    try:
        with contextlib.redirect_stdout(io.StringIO()):
            for index, cell in enumerate(nb.cells):
                source, tags = cell.source, cell.metadata.get("tags", [])
                for ours, theirs in DOORS[door].items():
                    source = source.replace(ours, theirs)
                if cell.cell_type != "code" or "exercise" in tags or "check" in tags:
                    continue
                if "def forward(X)" in source:  # the training section: not needed for the math
                    break
                if "draw_dot(" in source or "plt.subplots" in source:
                    continue
                exec(compile(source, f"<{NOTEBOOK.name}, cell {index}>", "exec"), ns)
                if "def cmp(" in source:
                    ns["cmp"] = record
                if "parameters = [C, W1" in source and dtype == "float64":
                    for name in PARAMETERS:
                        ns[name] = ns[name].detach().double().requires_grad_()
                    ns["parameters"] = [ns[name] for name in PARAMETERS]
    finally:
        tinygrad_edu.set_grad_enabled(True)  # the chapter switches recording off for its hand-written backward
        torch.set_grad_enabled(True)
    return ns, recorded


def torch_reference(ns: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """torch's loss and every tensor of the forward pass (gradients filled) for the chapter's batch, in float64."""
    F = torch.nn.functional
    s = {k: torch.tensor(ns[k].detach().numpy(), dtype=torch.float64, requires_grad=True) for k in PARAMETERS}
    X, Y = torch.tensor(ns["Xb"].numpy()), torch.tensor(ns["Yb"].numpy())
    n = X.shape[0]
    s["emb"] = s["C"][X]
    s["embcat"] = s["emb"].reshape(n, -1)
    s["hprebn"] = s["embcat"] @ s["W1"] + s["b1"]
    s["bnmeani"] = s["hprebn"].mean(0, keepdim=True)
    s["bndiff"] = s["hprebn"] - s["bnmeani"]
    s["bndiff2"] = s["bndiff"].square()
    s["bnvar"] = s["bndiff2"].sum(0, keepdim=True) / (n - 1)
    s["bnvar_inv"] = torch.rsqrt(s["bnvar"] + 1e-5)
    s["bnraw"] = s["bndiff"] * s["bnvar_inv"]
    s["hpreact"] = s["bngain"] * s["bnraw"] + s["bnbias"]
    s["h"] = torch.tanh(s["hpreact"])
    s["logits"] = s["h"] @ s["W2"] + s["b2"]
    s["logit_maxes"] = s["logits"].amax(1, keepdim=True)
    s["norm_logits"] = s["logits"] - s["logit_maxes"]
    s["counts"] = s["norm_logits"].exp()
    s["counts_sum"] = s["counts"].sum(1, keepdim=True)
    s["counts_sum_inv"] = s["counts_sum"].reciprocal()
    s["probs"] = s["counts"] * s["counts_sum_inv"]
    s["logprobs"] = s["probs"].log()
    loss = F.nll_loss(s["logprobs"], Y)
    for name, t in s.items():
        if name not in PARAMETERS:
            t.retain_grad()
    loss.backward()
    return loss, s


# float32: each hand gradient went through up to twenty float32 steps (rounding 6e-8 each, BatchNorm's
# sums of nearly cancelling terms among them), so 1e-4 relative with an absolute floor of 1e-6 of the
# tensor's largest gradient; the slips a learner makes are off by 3% (n for n - 1) or more.
# float64: the same cells with 1e-16 rounding; 1e-9 relative, absolute 1e-12 for the gradients that are
# zero in exact arithmetic (logit_maxes, b1).
TOLERANCES = {"float32": (1e-4, 1e-6), "float64": (1e-9, 1e-12)}


@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_every_hand_written_gradient_equals_torchs(dtype: str, door: str) -> None:
    ns, recorded = run_chapter(dtype, door)
    loss, reference = torch_reference(ns)
    assert str(ns["loss"].dtype) == f"torch.{dtype}"
    assert abs(ns["loss"].item() - loss.item()) < (1e-5 if dtype == "float32" else 1e-12)
    assert {name for _, name, _ in recorded} == HAND_WRITTEN
    rtol, atol = TOLERANCES[dtype]
    for label, name, mine in recorded:
        expected = reference[name].grad.numpy()
        scale = max(1.0, float(np.abs(expected).max())) if dtype == "float32" else 1.0
        np.testing.assert_allclose(mine, expected, rtol=rtol, atol=atol * scale, err_msg=f"d{name} ({label})")


def test_under_pytorch_the_chapter_makes_the_same_words_batch_and_loss() -> None:
    ours, _ = run_chapter("float32")
    theirs, _ = run_chapter("float32", "torch")
    assert theirs["torch"] is torch and ours["torch"] is tinygrad_edu
    assert ours["words"] == theirs["words"]  # integer draws of the same generator: equal, not close
    for name in ("Xtr", "Ytr", "Xb", "Yb"):
        np.testing.assert_array_equal(ours[name].numpy(), theirs[name].numpy(), err_msg=name)
    for name in PARAMETERS:  # the same normal draws, scaled: float32 rounding at most
        np.testing.assert_allclose(ours[name].detach().numpy(), theirs[name].detach().numpy(), rtol=1e-6, atol=1e-7)
    assert abs(ours["loss"].item() - theirs["loss"].item()) < 1e-5


@pytest.mark.parametrize("shape", [(1, 2), (5, 7), (32, 27)])
def test_the_fused_cross_entropy_backward_equals_torchs(shape: tuple[int, int]) -> None:
    ns, _ = run_chapter("float64")
    rng = np.random.default_rng()
    logits = rng.normal(scale=3.0, size=shape)
    targets = rng.integers(0, shape[1], size=shape[0])
    upstream = float(rng.uniform(0.5, 2.0))  # a loss scaled after the op: the backward must use grad_output
    z = tinygrad_edu.tensor(logits, requires_grad=True)
    (ns["CrossEntropyByHand"].apply(z, tinygrad_edu.tensor(targets)) * upstream).backward()
    zt = torch.tensor(logits, requires_grad=True)
    (torch.nn.functional.cross_entropy(zt, torch.tensor(targets)) * upstream).backward()
    np.testing.assert_allclose(z.grad.numpy(), zt.grad.numpy(), rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("shape", [(2, 1), (8, 5), (32, 64)])
def test_the_fused_batchnorm_backward_equals_torchs(shape: tuple[int, int]) -> None:
    ns, _ = run_chapter("float64")
    rng = np.random.default_rng()
    x, dout = rng.normal(size=shape), rng.normal(size=shape)
    gain, bias = 1 + 0.3 * rng.normal(size=(1, shape[1])), 0.3 * rng.normal(size=(1, shape[1]))
    ours = [tinygrad_edu.tensor(a, requires_grad=True) for a in (x, gain, bias)]
    (ns["BatchNormByHand"].apply(*ours) * tinygrad_edu.tensor(dout)).sum().backward()
    xt, gt, bt = (torch.tensor(a, requires_grad=True) for a in (x, gain, bias))
    xhat = (xt - xt.mean(0)) / torch.sqrt(xt.var(0, unbiased=True) + 1e-5)
    ((gt * xhat + bt) * torch.tensor(dout)).sum().backward()
    for mine, theirs in zip(ours, (xt, gt, bt)):
        np.testing.assert_allclose(mine.grad.numpy(), theirs.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_the_chapters_gradchecks_pass_and_catch_the_slip() -> None:
    ns, _ = run_chapter("float64")
    assert tinygrad_edu.gradcheck(ns["BatchNormByHand"].apply, [ns["x"], ns["gain"], ns["bias"]])
    with pytest.raises(tinygrad_edu.GradcheckError, match="Jacobian entries differ"):
        tinygrad_edu.gradcheck(ns["BatchNormSlip"].apply, [ns["x"], ns["gain"], ns["bias"]])


def fails(check: Any, answer: Any) -> str:
    with pytest.raises(ex.ExerciseError) as failure, contextlib.redirect_stdout(io.StringIO()):
        check(answer)
    return str(failure.value)


def test_the_exercise_checks_name_the_slips() -> None:
    def softmax(z: np.ndarray) -> np.ndarray:
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def summed(logits, targets):  # forgot the mean's 1/n
        d = softmax(logits)
        d[np.arange(len(targets)), targets] -= 1
        return d

    assert "divide by n" in fails(ex.check_cross_entropy_backward, summed)
    assert "subtract 1 at each row's target" in fails(ex.check_cross_entropy_backward, lambda z, t: softmax(z) / len(t))

    def biased(dout, x, gamma, eps):  # the backward of a variance over n
        n = x.shape[0]
        var_inv = 1 / np.sqrt(x.var(axis=0) + eps)
        xhat = (x - x.mean(axis=0)) * var_inv
        return gamma * var_inv / n * (n * dout - dout.sum(0) - xhat * (dout * xhat).sum(0))

    assert "n/(n − 1)" in fails(ex.check_batchnorm_backward, biased)
    message = fails(ex.check_batchnorm_backward, lambda d, x, g, e: g * d / np.sqrt(x.var(axis=0, ddof=1) + e))
    assert "batch mean and the batch variance" in message

    def overwriting(ix, demb, vocab_size):
        dC = np.zeros((vocab_size, demb.shape[-1]))
        for b in range(ix.shape[0]):
            for k in range(ix.shape[1]):
                dC[ix[b, k]] = demb[b, k]
        return dC

    message = fails(ex.check_embedding_backward, overwriting)
    assert "entry (3, 0)" in message and "do not overwrite" in message

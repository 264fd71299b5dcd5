"""Scalar-engine benchmark: micrograd's demo workload, eager, compiled, micrograd 0.1.0 and PyTorch.

Workload (micrograd's demo.ipynb): MLP(2, [16, 16, 1]) with ReLU hidden units on 100 two-moons
points, labels ±1, max-margin loss mean(relu(1 − y·score)) + 1e-4·Σ p², full-batch SGD with
learning rate 1 − 0.9·k/100. Every contestant starts from the same weights, in one process:

- tinygrad_edu eager: micrograd's loop as its demo writes it: build the Value graph,
  ``model.zero_grad()``, ``backward()``, then ``for p in model.parameters(): p.data -= lr * p.grad``;
- tinygrad_edu compiled: ``tinygrad_edu.compile`` traces the graph once, a numba kernel replays it
  (forward, zero_grad and backward in one call), in the same loop: ``model.zero_grad()`` and
  ``model.parameters()`` are still called every step, as a micrograd user would leave them;
- the same tape replayed by the numpy twin (what ``TINYGRAD_EDU_JIT=0`` runs);
- PyTorch, the same network as float64 tensors (``X @ W.T + b``), autograd and an in-place SGD update,
  on one thread (these ops are too small for threads to help);
- micrograd 0.1.0 as shipped (with Python's cyclic GC on, and off), for its first ``--micrograd-steps``.

Prints median seconds per step (the SGD update included), the ratios, the trace time and the numba
compile time (once), and checks the loss curves: compiled and twin equal eager's within 1e-12
relative, PyTorch's within 1e-9 (its sums run in another order), micrograd's within 1e-9.

    pip install micrograd==0.1.0
    python bench/scalar_mlp.py [--steps 100] [--micrograd-steps 10]
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import time
from collections.abc import Callable

import tinygrad_edu
from tinygrad_edu import Value, nn
from tinygrad_edu.datasets import make_moons

ALPHA = 1e-4
CI = bool(os.environ.get("CI"))


def demo_loss(model: nn.MLP, X: list, y: list) -> Value:
    scores = [model(x) for x in X]
    losses = [(1 - yi * si).relu() for yi, si in zip(y, scores)]
    return Value.sum(losses) * (1.0 / len(losses)) + ALPHA * Value.sum(p * p for p in model.parameters())


def sgd(params: list, k: int, steps: int) -> None:
    lr = 1.0 - 0.9 * k / steps
    for p in params:
        p.data -= lr * p.grad


def eager_runner(model: nn.MLP, X: list, y: list, steps: int) -> Callable[[int], float]:
    def step(k: int) -> float:  # micrograd's demo loop
        loss = demo_loss(model, X, y)
        model.zero_grad()
        loss.backward()
        sgd(model.parameters(), k, steps)
        return loss.data

    return step


def compiled_runner(model: nn.MLP, X: list, y: list, steps: int, jit: bool) -> tuple[Callable[[int], float], float]:
    compiled = tinygrad_edu.compile(lambda: demo_loss(model, X, y), jit=jit)

    def step(k: int) -> float:  # micrograd's demo loop with the compiled step in place of loss + backward
        model.zero_grad()
        loss = compiled()
        sgd(model.parameters(), k, steps)
        return loss

    return step, compiled.trace_seconds


def torch_runner(model: nn.MLP, X: list, y: list, steps: int) -> Callable[[int], float]:
    import torch

    torch.set_num_threads(1)  # ops this small gain nothing from threads; two threads spin-wait on a busy 2-core box
    layers = [
        (
            torch.tensor([[w.data for w in n.w] for n in layer.neurons], dtype=torch.float64, requires_grad=True),
            torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64, requires_grad=True),
        )
        for layer in model.layers
    ]
    params = [t for pair in layers for t in pair]
    Xt, yt = torch.tensor(X, dtype=torch.float64), torch.tensor(y, dtype=torch.float64)

    def step(k: int) -> float:
        h = Xt
        for i, (W, b) in enumerate(layers):
            h = h @ W.T + b
            if i < len(layers) - 1:
                h = h.relu()
        loss = (1 - yt * h[:, 0]).relu().mean() + ALPHA * sum((p * p).sum() for p in params)
        for p in params:
            p.grad = None
        loss.backward()
        lr = 1.0 - 0.9 * k / steps
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad
        return loss.item()

    return step


def micrograd_runner(model, X: list, y: list, steps: int) -> Callable[[int], float]:
    from micrograd.engine import Value as MValue

    def step(k: int) -> float:  # micrograd's own demo code, as shipped
        inputs = [list(map(MValue, row)) for row in X]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
        loss = sum(losses) * (1.0 / len(losses)) + ALPHA * sum(p * p for p in model.parameters())
        model.zero_grad()
        loss.backward()
        sgd(model.parameters(), k, steps)
        return loss.data

    return step


def copy_weights(src, dst: nn.MLP) -> None:
    for p_src, p_dst in zip(src.parameters(), dst.parameters(), strict=True):
        p_dst.data = p_src.data


def timed(step: Callable[[int], float], steps: int, gc_off: bool = False) -> tuple[list[float], list[float]]:
    times, losses = [], []
    if gc_off:
        gc.disable()
    try:
        for k in range(steps):
            t0 = time.perf_counter()
            losses.append(step(k))
            times.append(time.perf_counter() - t0)
    finally:
        gc.enable()
    return times, losses


def max_rel(a: list[float], b: list[float]) -> float:
    return max(abs(x - y) / max(abs(y), 1e-300) for x, y in zip(a, b))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3 if CI else 100, help="SGD steps (the lr schedule's length)")
    parser.add_argument(
        "--micrograd-steps", type=int, default=None, help="steps micrograd runs (default min(5, steps))"
    )
    args = parser.parse_args()
    steps, mg_steps = args.steps, min(args.steps, args.micrograd_steps or 5)
    from micrograd.nn import MLP as MMLP

    Xn, yn = make_moons(100, noise=0.1, seed=1)
    X, y = Xn.tolist(), (2 * yn - 1).tolist()
    mg_models = [MMLP(2, [16, 16, 1]) for _ in range(2)]
    copy_weights(mg_models[0], mg_models[1])
    ours = {name: nn.MLP(2, [16, 16, 1], activation="relu") for name in ("eager", "compiled", "twin")}
    for model in ours.values():
        copy_weights(mg_models[0], model)

    t0 = time.perf_counter()
    tinygrad_edu.compile(Value(1.0) * 2, jit=True)()  # first kernel call: numba compiles, or loads its cache
    t_numba = time.perf_counter() - t0
    torch_step = torch_runner(ours["eager"], X, y, steps)
    compiled_step, t_trace = compiled_runner(ours["compiled"], X, y, steps, jit=True)
    twin_step, _ = compiled_runner(ours["twin"], X, y, steps, jit=False)

    runs = {
        "tinygrad_edu eager": timed(eager_runner(ours["eager"], X, y, steps), steps),
        "tinygrad_edu compiled": timed(compiled_step, steps),
        "compiled, numpy twin": timed(twin_step, steps),
        "PyTorch float64": timed(torch_step, steps),
        "micrograd": timed(micrograd_runner(mg_models[0], X, y, steps), mg_steps),
        "micrograd, gc off": timed(micrograd_runner(mg_models[1], X, y, steps), mg_steps, gc_off=True),
    }
    med = {name: statistics.median(t) for name, (t, _) in runs.items()}
    loss = {name: ls for name, (_, ls) in runs.items()}
    print(f"micrograd demo workload: MLP(2, [16, 16, 1]), 100 points, {steps} steps (micrograd: {mg_steps})")
    print(f"  trace (fn called twice): {t_trace * 1e3:.1f} ms; numba compile or cache load: {t_numba:.2f} s")
    for name, t in med.items():
        print(f"  {name:<24} {t * 1e3:10.3f} ms/step (median)")
    comp = med["tinygrad_edu compiled"]
    print(f"  compiled / PyTorch float64:       {comp / med['PyTorch float64']:.2f}x the time (micrograd's loop)")
    print(f"  speed-up compiled vs eager:       {med['tinygrad_edu eager'] / comp:.0f}x")
    print(f"  speed-up compiled vs numpy twin:  {med['compiled, numpy twin'] / comp:.0f}x")
    print(f"  speed-up vs micrograd as shipped: {med['micrograd'] / med['tinygrad_edu eager']:.1f}x (eager), "
          f"{med['micrograd'] / comp:.0f}x (compiled)")  # fmt: skip
    print(f"  speed-up vs micrograd, gc off:    {med['micrograd, gc off'] / med['tinygrad_edu eager']:.2f}x (eager)")
    ref = loss["tinygrad_edu eager"]
    checks = [
        ("compiled", max_rel(loss["tinygrad_edu compiled"], ref), 1e-12),
        ("numpy twin", max_rel(loss["compiled, numpy twin"], ref), 1e-12),
        ("PyTorch float64", max_rel(loss["PyTorch float64"], ref), 1e-9),
    ]
    print(f"  loss: first {ref[0]:.10f}, last {ref[-1]:.10f}")
    for name, diff, tol in checks:
        print(f"  max relative |{name} - eager| over {steps} losses = {diff:.2e} (limit {tol:g})")
    # micrograd keeps a node's inputs in a set, so its own sums run in an order that varies by run.
    diff = max(abs(a - b) for key in ("micrograd", "micrograd, gc off") for a, b in zip(ref, loss[key]))
    print(f"  max |tinygrad_edu - micrograd| = {diff:.2e} over {mg_steps} losses")
    failed = [name for name, d, tol in checks if not d <= tol] + (["micrograd"] if not diff <= 1e-9 else [])
    if failed:
        raise SystemExit(f"FAIL: losses differ from eager's beyond the limit: {', '.join(failed)}")


if __name__ == "__main__":
    main()

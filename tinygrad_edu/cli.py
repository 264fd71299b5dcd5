"""The ``tinygrad-edu`` command (also ``python -m tinygrad_edu``).

tinygrad-edu train [--dataset mnist|fashion-mnist] [--layers 256,128] [--optimizer adam]
                   [--epochs 5] [--batch-size 64] [--lr LR] [--seed 0] [--out DIR]
tinygrad-edu backprop [--out DIR]       the step-by-step example's table and graph
tinygrad-edu gradcheck                  every op's gradient, checked
tinygrad-edu data download NAME         fetch mnist or fashion-mnist (sha256-checked)
"""

from __future__ import annotations

import argparse
import itertools
import math
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from . import datasets, gradcheck, nn, optim
from . import op_cases as cases
from .autograd import no_grad
from .fileio import atomic_write
from .metrics import confusion_matrix
from .nn import functional as F
from .progress import progress_bar
from .rng import default_rng, manual_seed
from .tensor import Tensor

# The CLI's training settings where they differ from the classes' defaults (tuned for the MNIST MLP);
# the names and classes are optim.OPTIMIZERS, the one optimizer table.
TRAIN_SETTINGS: dict[str, dict[str, float]] = {
    "sgd": {"lr": 0.05, "momentum": 0.9},
    "rmsprop": {"lr": 1e-3},
    "adagrad": {"lr": 0.05},
}
OPTIMIZERS = {name: (cls, TRAIN_SETTINGS.get(name, {})) for name, cls in optim.OPTIMIZERS.items()}


def _load(name: str) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    try:
        return datasets.load_mnist() if name == "mnist" else datasets.load_fashion_mnist()
    except FileNotFoundError as err:
        raise SystemExit(str(err)) from None


def train(args: argparse.Namespace) -> int:
    """The main job: an MLP on MNIST (bundled) or Fashion-MNIST; weights, curves and confusion matrix."""
    manual_seed(args.seed)
    (x_train, y_train), (x_test, y_test) = _load(args.dataset)
    if args.limit:
        x_train, y_train = x_train[: args.limit], y_train[: args.limit]
    X = (x_train.reshape(len(x_train), -1) / np.float32(255)).astype(np.float32)
    Xt = (x_test.reshape(len(x_test), -1) / np.float32(255)).astype(np.float32)
    sizes = [784, *args.layers, 10]
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(itertools.pairwise(sizes)):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    model = nn.Sequential(*layers)
    cls, defaults = OPTIMIZERS[args.optimizer]
    opt = cls(model.parameters(), **{**defaults, **({"lr": args.lr} if args.lr is not None else {})})
    print(
        f"{args.dataset}: {len(X)} training and {len(Xt)} test images; MLP {'-'.join(map(str, sizes))} "
        f"({model.num_params():,} parameters), {args.optimizer}, batch {args.batch_size}, {args.epochs} epochs"
    )
    history: dict[str, list[float]] = {"loss": [], "accuracy": [], "val_loss": [], "val_accuracy": []}
    steps = -(-len(X) // args.batch_size)
    for epoch in range(1, args.epochs + 1):
        start = time.perf_counter()
        order = default_rng().permutation(len(X))
        total = correct = 0.0
        bar = progress_bar(steps)
        for k in range(steps):
            idx = order[k * args.batch_size : (k + 1) * args.batch_size]
            logits = model(Tensor(X[idx]))
            loss = F.cross_entropy(logits, y_train[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            if not math.isfinite(loss.item()):
                bar.close()
                raise SystemExit(
                    f"tinygrad-edu train: the loss became {loss.item()} in epoch {epoch}, batch {k + 1}: training "
                    f"diverged, so no weights were written to {args.out}; try a smaller --lr"
                )
            total += loss.item() * len(idx)
            correct += float(np.sum(logits.data.argmax(1) == y_train[idx]))
            bar.set_postfix_str(f"loss: {loss.item():.4f}", refresh=False)
            bar.update(1)
        bar.close()
        with no_grad():
            test_logits = model(Tensor(Xt))
            val_loss = F.cross_entropy(test_logits, y_test).item()
        predicted = test_logits.data.argmax(1)
        history["loss"].append(total / len(X))
        history["accuracy"].append(correct / len(X))
        history["val_loss"].append(val_loss)
        history["val_accuracy"].append(float(np.mean(predicted == y_test)))
        print(
            f"{chr(13) if sys.stdout.isatty() else ''}epoch {epoch}/{args.epochs} - {time.perf_counter() - start:.1f}s"
            f" - loss {history['loss'][-1]:.4f} - accuracy {history['accuracy'][-1]:.4f}"
            f" - test loss {val_loss:.4f} - test accuracy {history['val_accuracy'][-1]:.4f}"
        )
    print(f"test accuracy: {history['val_accuracy'][-1]:.4f}")
    matrix = confusion_matrix(y_test, predicted, 10)
    print("confusion matrix (rows: true digit, columns: predicted):")
    print("     " + " ".join(f"{j:>5}" for j in range(10)))
    for i, row in enumerate(matrix):
        print(f"{i:>4} " + " ".join(f"{v:>5}" for v in row))
    out = Path(args.out)  # created by check_train_args before training
    with atomic_write(out / "weights.npz") as f:
        np.savez(f, **model.state_dict())
    written = [out / "weights.npz"]
    try:
        from . import plots

        written.append(plots.plot_history(history, path=out / "history.png") and out / "history.png")
        written.append(
            plots.plot_confusion_matrix(y_test, predicted, path=out / "confusion.png") and out / "confusion.png"
        )
    except ImportError:
        print("(install matplotlib for the PNG plots: pip install matplotlib)")
    print("wrote", ", ".join(map(str, written)))
    return 0


def backprop(args: argparse.Namespace) -> int:
    from .worked_example import report

    return 0 if report(args.out) else 1


GRADCHECK_CASES = cases.CASES  # the package's op-case registry: one row per op case


def gradcheck_all(args: argparse.Namespace) -> int:
    shapes = [" ".join(map(str, case.shapes)) for case in GRADCHECK_CASES]
    wide, wide_shapes = max(len(case.name) for case in GRADCHECK_CASES), max(map(len, shapes))
    print(f"{'op':<{wide}} {'inputs':<{wide_shapes}} result   (float64 central differences vs backward(), eps 1e-6)")
    failures = 0
    for i, case in enumerate(GRADCHECK_CASES):
        inputs = [Tensor(x, requires_grad=True) for x in cases.make_inputs(case, args.seed + i)]
        ok = gradcheck(case.apply, inputs, raise_exception=False)
        failures += not ok
        print(f"{case.name:<{wide}} {shapes[i]:<{wide_shapes}} {'pass' if ok else 'FAIL'}")
    print(f"{len(GRADCHECK_CASES) - failures} passed, {failures} failed")
    return 1 if failures else 0


def data(args: argparse.Namespace) -> int:
    try:
        folder = datasets.download(args.name, args.dest)
    except (datasets.DownloadError, ValueError) as err:
        print(f"tinygrad-edu: {err}", file=sys.stderr)
        return 1
    print(f"{args.name}: four files verified in {folder}")
    return 0


def _int_at_least(low: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be {'positive' if low == 1 else f'at least {low}'}, got {value}")
        return value

    parse.__name__ = "integer"  # argparse names the type in its messages
    return parse


def _learning_rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number like 0.001, got {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a positive finite number (a step size), got {text}")
    return value


def _hidden_sizes(text: str) -> tuple[int, ...]:
    """'256,128' -> (256, 128); '' -> () (no hidden layer: softmax regression)."""
    if not text.strip():
        return ()
    try:
        sizes = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be comma-separated layer sizes like 256,128, got {text!r}") from None
    if min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"layer sizes must be positive, got {text!r}")
    return sizes


def check_train_args(args: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    """Refuse what the argument types cannot see, before any data is loaded: an ``--out`` that
    is a file, or a folder that cannot be made (it is made here, so a typo fails now, not after
    an hour of training)."""
    out = Path(args.out)
    for folder in (out, *out.parents):
        if folder.exists() and not folder.is_dir():
            parser.error(f"argument --out: {folder} is an existing file; give a folder for the weights and plots")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        parser.error(f"argument --out: cannot create the folder {out}: {err.strerror or err}")
    if not os.access(out, os.W_OK):
        parser.error(f"argument --out: the folder {out} is not writable")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tinygrad-edu", description="A small, exact autograd engine for learning and teaching backpropagation."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    quick = os.environ.get("CI") == "true"
    t = sub.add_parser("train", help="train an MLP on MNIST (the main job)")
    t.add_argument("--dataset", choices=("mnist", "fashion-mnist"), default="mnist")
    t.add_argument(
        "--layers", type=_hidden_sizes, default=(256, 128), help="hidden layer sizes, comma-separated (default 256,128)"
    )
    t.add_argument("--optimizer", choices=sorted(OPTIMIZERS), default="adam")
    t.add_argument("--lr", type=_learning_rate, default=None, help="learning rate > 0 (default: the optimizer's)")
    t.add_argument("--epochs", type=_int_at_least(1), default=2 if quick else 5)
    t.add_argument("--batch-size", type=_int_at_least(1), default=64)
    t.add_argument(
        "--limit", type=_int_at_least(0), default=2000 if quick else 0, help="use only the first N training images"
    )
    t.add_argument("--seed", type=_int_at_least(0), default=0)
    t.add_argument("--out", default="out", help="folder for weights.npz and the plots (made if missing)")
    t.set_defaults(run=train, parser=t)
    b = sub.add_parser("backprop", help="the step-by-step backpropagation example")
    b.add_argument("--out", default="out")
    b.set_defaults(run=backprop)
    g = sub.add_parser("gradcheck", help="check every op's gradient")
    g.add_argument("--seed", type=int, default=0)
    g.set_defaults(run=gradcheck_all)
    d = sub.add_parser("data", help="data sets")
    dsub = d.add_subparsers(dest="action", required=True)
    dl = dsub.add_parser("download", help="download mnist or fashion-mnist (sha256-checked)")
    dl.add_argument("name", choices=sorted(datasets.SOURCES))
    dl.add_argument("--dest", default=None, help="folder (default: the data cache)")
    dl.set_defaults(run=data)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.run is train:
        check_train_args(args, args.parser)
    return args.run(args)


if __name__ == "__main__":
    raise SystemExit(main())

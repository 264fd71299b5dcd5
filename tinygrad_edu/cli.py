"""The ``tinygrad-edu`` command (also ``python -m tinygrad_edu``).

tinygrad-edu train [--dataset mnist|fashion-mnist] [--layers 256,128] [--optimizer adam]
                   [--epochs 5] [--batch-size 64] [--lr LR] [--seed 0] [--out DIR]
tinygrad-edu backprop [--out DIR]       the step-by-step example's table and graph
tinygrad-edu gradcheck                  every op's gradient, checked
tinygrad-edu data download NAME         fetch mnist, fashion-mnist or one of Keras' sets (imdb, reuters,
                                        boston_housing), checksum-checked
"""

from __future__ import annotations

import argparse
import itertools
import math
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from . import datasets, gradcheck, nn, optim
from . import op_cases as cases
from .autograd import no_grad
from .fileio import check_writable_target
from .metrics import confusion_matrix
from .nn import functional as F
from .progress import progress_bar
from .random import default_rng, manual_seed
from .serialization import save
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
    """The data set's two splits, checked to be what the MLP needs, or SystemExit with what is wrong."""
    try:
        splits = datasets.load_mnist() if name == "mnist" else datasets.load_fashion_mnist()
    except (FileNotFoundError, datasets.DataFormatError) as err:
        raise SystemExit(f"tinygrad-edu train: {err}") from None
    for split, (images, labels) in zip(("training", "test"), splits):
        problem = _data_problem(images, labels)
        if problem:
            raise SystemExit(
                f"tinygrad-edu train: the {name} {split} data cannot be used: {problem}; delete the cached files "
                f"(in {datasets.data_dir()}) and run `tinygrad-edu data download {name}` again"
            )
    return splits


def _data_problem(images: np.ndarray, labels: np.ndarray) -> str | None:
    """What keeps ``images``/``labels`` from being 28x28 uint8 digits with labels 0..9, or None."""
    if images.ndim != 3 or images.shape[1:] != (28, 28) or images.dtype != np.uint8:
        return f"images of shape {images.shape[1:]} and dtype {images.dtype} (28x28 uint8 expected)"
    if labels.ndim != 1 or labels.dtype.kind not in "iu":
        return f"labels of shape {labels.shape} and dtype {labels.dtype} (one integer per image expected)"
    if len(images) == 0 or len(images) != len(labels):
        return f"{len(images)} images and {len(labels)} labels"
    if labels.min() < 0 or labels.max() > 9:
        return f"labels from {labels.min()} to {labels.max()} (0..9 expected)"
    return None


def mlp_sizes(layers: tuple[int, ...]) -> list[int]:
    """The layer widths of the MLP that `train` builds: 784 pixels in, ``layers`` hidden, 10 classes out."""
    return [784, *layers, 10]


def num_params(sizes: list[int]) -> int:
    """Weights and biases of an MLP with these widths: sum of (a + 1)·b over consecutive widths."""
    return sum((a + 1) * b for a, b in itertools.pairwise(sizes))


def train(args: argparse.Namespace) -> int:
    """The main job: an MLP on MNIST (bundled) or Fashion-MNIST; weights, curves and confusion matrix."""
    manual_seed(args.seed)
    (x_train, y_train), (x_test, y_test) = _load(args.dataset)
    if args.limit:
        x_train, y_train = x_train[: args.limit], y_train[: args.limit]
    X = (x_train.reshape(len(x_train), -1) / np.float32(255)).astype(np.float32)
    Xt = (x_test.reshape(len(x_test), -1) / np.float32(255)).astype(np.float32)
    sizes = mlp_sizes(args.layers)
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
    for epoch in range(1, args.epochs + 1):
        start = time.perf_counter()
        loss, accuracy = _train_epoch(model, opt, X, y_train, args, epoch)
        with no_grad():
            test_logits = model(Tensor(Xt))
            val_loss = F.cross_entropy(test_logits, y_test).item()
        predicted = test_logits._data.argmax(1)
        history["loss"].append(loss)
        history["accuracy"].append(accuracy)
        history["val_loss"].append(val_loss)
        history["val_accuracy"].append(float(np.mean(predicted == y_test)))
        print(
            f"{chr(13) if sys.stdout.isatty() else ''}epoch {epoch}/{args.epochs} - {time.perf_counter() - start:.1f}s"
            f" - loss {loss:.4f} - accuracy {accuracy:.4f}"
            f" - test loss {val_loss:.4f} - test accuracy {history['val_accuracy'][-1]:.4f}"
        )
    print(f"test accuracy: {history['val_accuracy'][-1]:.4f}")
    matrix = confusion_matrix(y_test, predicted, 10)
    print("confusion matrix (rows: true digit, columns: predicted):")
    print("     " + " ".join(f"{j:>5}" for j in range(10)))
    for i, row in enumerate(matrix):
        print(f"{i:>4} " + " ".join(f"{v:>5}" for v in row))
    return _write_results(model.state_dict(), history, y_test, predicted, Path(args.out))


def _train_epoch(model: nn.Module, opt, X: np.ndarray, y: np.ndarray, args: argparse.Namespace, epoch: int):
    """One pass over the shuffled training set; its mean loss and accuracy (a short last batch weighs less)."""
    steps = -(-len(X) // args.batch_size)
    order = default_rng().permutation(len(X))
    total = correct = 0.0
    bar = progress_bar(steps)
    for k in range(steps):
        idx = order[k * args.batch_size : (k + 1) * args.batch_size]
        logits = model(Tensor(X[idx]))
        loss = F.cross_entropy(logits, y[idx])
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
        correct += float(np.sum(logits._data.argmax(1) == y[idx]))
        bar.set_postfix_str(f"loss: {loss.item():.4f}", refresh=False)
        bar.update(1)
    bar.close()
    return total / len(X), correct / len(X)


def _write_results(state: dict, history: dict, y_test: np.ndarray, predicted: np.ndarray, out: Path) -> int:
    """Write the weights (elsewhere, said so, if ``out`` fails) and the plots; 0 when all went to ``out``."""
    target, status = out / "weights.npz", 0
    try:
        save(state, target)
        written = [target]
    except OSError as err:
        where = _save_elsewhere(state)
        print(
            f"tinygrad-edu train: could not write {target} ({err.strerror or err}); "
            + (
                f"the trained weights were saved to {where} instead (tinygrad_edu.load reads them)"
                if where
                else "nor anywhere else: the trained weights are lost"
            ),
            file=sys.stderr,
        )
        written, status = [], 1
    try:
        from . import plots

        for name, draw in (
            ("history.png", lambda p: plots.plot_history(history, path=p)),
            ("confusion.png", lambda p: plots.plot_confusion_matrix(y_test, predicted, path=p)),
        ):
            draw(out / name)
            written.append(out / name)
    except ImportError:
        print("(install matplotlib for the PNG plots: pip install matplotlib)")
    except OSError as err:
        print(f"tinygrad-edu train: could not write the plots in {out}: {err.strerror or err}", file=sys.stderr)
        status = 1
    if written:
        print("wrote", ", ".join(map(str, written)))
    return status


def _save_elsewhere(state: dict) -> Path | None:
    """Save ``state`` to a new file in the temporary folder, the home folder or the current one; where it went."""
    for folder in (tempfile.gettempdir(), Path.home(), Path.cwd()):
        try:
            fd, name = tempfile.mkstemp(prefix="tinygrad-edu-weights-", suffix=".npz", dir=folder)
        except OSError:
            continue
        os.close(fd)
        try:
            save(state, name)
            return Path(name)
        except OSError:
            Path(name).unlink(missing_ok=True)
    return None


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
    files = len(datasets.SOURCES[args.name]["sha256"]) + len(datasets.SOURCES[args.name].get("md5", {}))
    print(f"{args.name}: {files} files verified in {folder}")
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


#: Room ``train`` needs in ``--out`` besides 4 bytes per parameter: two PNG plots (about 60 KB each,
#: measured) and the .npz's headers, with a margin.
OUTPUT_SLACK = 1 << 20


def memory_needed(sizes: list[int], batch_size: int) -> int:
    """Bytes of float32 that training an MLP of these widths holds at once: per parameter its value,
    gradient and Adam's two moments; per activation of the widest layer, forward and backward copies
    for a batch (at most the 60,000 training images) and the test pass (at most 10,000)."""
    rows = min(batch_size, 60_000) + 10_000
    return 4 * (4 * num_params(sizes) + 3 * rows * max(sizes))


def _machine_memory() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # pragma: no cover - not POSIX
        return None


def _gib(n: int) -> str:
    return f"{n / 2**30:,.1f} GiB"


def check_train_args(args: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    """Refuse what the argument types cannot see, before any data is loaded (a mistake fails now, not
    after an hour of training): an MLP too large for this machine's memory; an ``--out`` that is a
    file, cannot be made (it is made here) or written, or lacks room for the weights and plots."""
    sizes = mlp_sizes(args.layers)
    needed, memory = memory_needed(sizes, args.batch_size), _machine_memory()
    if memory is not None and needed > memory:
        parser.error(
            f"argument --layers: an MLP {'-'.join(map(str, sizes))} ({num_params(sizes):,} parameters) needs about "
            f"{_gib(needed)} to train, more than this machine's {_gib(memory)} of memory"
        )
    out = Path(args.out)
    for folder in (out, *out.parents):
        if folder.exists() and not folder.is_dir():
            parser.error(f"argument --out: {folder} is an existing file; give a folder for the weights and plots")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        parser.error(f"argument --out: cannot create the folder {out}: {err.strerror or err}")
    try:
        tempfile.TemporaryFile(dir=out).close()  # a real write: read-only mounts and ACLs included
        check_writable_target(out / "weights.npz")
        free = shutil.disk_usage(out).free
    except OSError as err:
        parser.error(f"argument --out: cannot write in {out}: {err.strerror or err}")
    room = 4 * num_params(sizes) + OUTPUT_SLACK
    if free < room:
        parser.error(
            f"argument --out: {out} has {free:,} bytes free, but the weights ({num_params(sizes):,} parameters) "
            f"and plots need about {room:,}"
        )


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
    dl = dsub.add_parser("download", help="download a data set (checksum-checked)")
    dl.add_argument("name", choices=sorted(datasets.SOURCES))
    dl.add_argument("--dest", default=None, help="folder (default: the data cache; Keras' for its sets)")
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

"""`tinygrad-edu train` refuses bad options before any work, and never loses a good weights file.

The reference is argparse's own contract for a usage error: exit status 2 and a message
``argument --name: ...`` on stderr. "Before any work" is checked by making the data loader fail
the test if it is reached.
"""

from __future__ import annotations

import gzip
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_edu import cli, datasets, fileio
from tinygrad_edu.serialization import load

from .idx_data import TINY_MNIST, idx_bytes
from .unprivileged import run_python

ROOT = Path(__file__).resolve().parents[1]

TINY = ["--limit", "64", "--epochs", "1", "--layers", "8", "--batch-size", "32"]


@pytest.fixture
def no_training(monkeypatch):
    """Fail the test if training gets as far as loading data."""

    def reached(*args, **kwargs):
        raise AssertionError("training started although the options were bad")

    monkeypatch.setattr(datasets, "load_mnist", reached)
    monkeypatch.setattr(datasets, "load_fashion_mnist", reached)


def refused(argv: list[str], capsys) -> str:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["train", *argv])
    assert exit_info.value.code == 2, exit_info.value.code
    err = capsys.readouterr().err
    assert err.startswith("usage: tinygrad-edu train")
    return err.strip().splitlines()[-1]


BAD = [
    (["--epochs", "0"], "argument --epochs: must be positive, got 0"),
    (["--epochs", "-3"], "argument --epochs: must be positive, got -3"),
    (["--epochs", "2.5"], "argument --epochs: must be a whole number, got '2.5'"),
    (["--epochs", "many"], "argument --epochs: must be a whole number, got 'many'"),
    (["--batch-size", "0"], "argument --batch-size: must be positive, got 0"),
    (["--batch-size", "-5"], "argument --batch-size: must be positive, got -5"),
    (["--layers", "0"], "argument --layers: layer sizes must be positive, got '0'"),
    (["--layers", "256,-1"], "argument --layers: layer sizes must be positive, got '256,-1'"),
    (["--layers", "256,,128"], "argument --layers: must be comma-separated layer sizes like 256,128, got '256,,128'"),
    (["--layers", "256;128"], "argument --layers: must be comma-separated layer sizes like 256,128, got '256;128'"),
    (["--layers", "1e3"], "argument --layers: must be comma-separated layer sizes like 256,128, got '1e3'"),
    (["--lr", "-1"], "argument --lr: must be a positive finite number (a step size), got -1"),
    (["--lr", "0"], "argument --lr: must be a positive finite number (a step size), got 0"),
    (["--lr", "nan"], "argument --lr: must be a positive finite number (a step size), got nan"),
    (["--lr", "inf"], "argument --lr: must be a positive finite number (a step size), got inf"),
    (["--lr", "1e-400"], "argument --lr: must be a positive finite number (a step size), got 1e-400"),
    (["--lr", "fast"], "argument --lr: must be a number like 0.001, got 'fast'"),
    (["--limit", "-5"], "argument --limit: must be at least 0, got -5"),
    (["--seed", "-1"], "argument --seed: must be at least 0, got -1"),
    (["--optimizer", "lamb"], "argument --optimizer: invalid choice: 'lamb'"),
    (["--dataset", "cifar"], "argument --dataset: invalid choice: 'cifar'"),
]


@pytest.mark.parametrize(("argv", "message"), BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_options_are_refused_before_training(argv, message: str, capsys, no_training, tmp_path) -> None:
    assert message in refused([*argv, "--out", str(tmp_path / "out")], capsys)
    assert not (tmp_path / "out").exists()


@given(st.integers(max_value=0))
def test_any_non_positive_epochs_or_batch_size_is_refused(n: int) -> None:
    for option in ("--epochs", "--batch-size"):
        with pytest.raises(SystemExit) as exit_info:
            cli.build_parser().parse_args(["train", option, str(n)])
        assert exit_info.value.code == 2


@given(st.floats(max_value=0.0) | st.just(float("nan")) | st.just(float("inf")))
def test_any_unusable_learning_rate_is_refused(lr: float) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.build_parser().parse_args(["train", "--lr", repr(lr)])
    assert exit_info.value.code == 2


def test_out_that_is_an_existing_file_is_refused_and_left_alone(tmp_path, capsys, no_training) -> None:
    precious = tmp_path / "notes.txt"
    precious.write_text("keep me")
    message = refused(["--out", str(precious)], capsys)
    assert f"argument --out: {precious} is an existing file; give a folder" in message
    message = refused(["--out", str(precious / "run1")], capsys)  # a file on the way there
    assert f"argument --out: {precious} is an existing file" in message
    assert precious.read_text() == "keep me"


def test_out_that_cannot_be_created_is_refused(tmp_path, capsys, monkeypatch, no_training) -> None:
    def mkdir(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(cli.Path, "mkdir", mkdir)
    message = refused(["--out", str(tmp_path / "new")], capsys)
    assert f"argument --out: cannot create the folder {tmp_path / 'new'}: Permission denied" in message


def test_lr_is_used_when_given(tmp_path, monkeypatch) -> None:
    seen = []
    real = cli.OPTIMIZERS["sgd"]

    def spy(params, **kwargs):
        seen.append(kwargs)
        return real[0](params, **kwargs)

    monkeypatch.setitem(cli.OPTIMIZERS, "sgd", (spy, real[1]))
    assert cli.main(["train", *TINY, "--optimizer", "sgd", "--lr", "0.0125", "--out", str(tmp_path)]) == 0
    assert cli.main(["train", *TINY, "--optimizer", "sgd", "--out", str(tmp_path)]) == 0
    assert seen[0]["lr"] == 0.0125 and seen[1]["lr"] == real[1]["lr"]


def test_no_hidden_layers_is_softmax_regression(tmp_path) -> None:
    assert cli.main(["train", *TINY, "--layers", "", "--out", str(tmp_path)]) == 0
    with np.load(tmp_path / "weights.npz", allow_pickle=False) as f:
        assert {k: f[k].shape for k in f.files} == {"0.weight": (10, 784), "0.bias": (10,)}


def fail_replace_in(folder, monkeypatch) -> None:
    """A full disk under ``folder`` only: renaming a finished file into it fails with ENOSPC."""
    real = fileio.os.replace

    def replace(src, dst, *args, **kwargs):
        if os.path.dirname(os.fspath(dst)) == os.fspath(folder):
            raise OSError(28, "No space left on device")
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(fileio.os, "replace", replace)


def test_a_failed_final_write_keeps_the_old_file_and_the_trained_weights_elsewhere(tmp_path, monkeypatch, capsys):
    out, elsewhere = tmp_path / "out", tmp_path / "tmp"
    elsewhere.mkdir()
    assert cli.main(["train", *TINY, "--out", str(out)]) == 0
    good = (out / "weights.npz").read_bytes()
    monkeypatch.setattr(tempfile, "tempdir", str(elsewhere))
    fail_replace_in(out, monkeypatch)
    capsys.readouterr()
    assert cli.main(["train", *TINY, "--seed", "1", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    kept = list(elsewhere.glob("tinygrad-edu-weights-*.npz"))
    assert len(kept) == 1, err
    assert (
        f"could not write {out / 'weights.npz'} (No space left on device); the trained weights were saved to "
        f"{kept[0]} instead" in err
    )
    assert "could not write the plots" in err and "Traceback" not in err
    weights = load(kept[0], as_numpy=True)
    assert {k: v.shape for k, v in weights.items()} == {
        "0.weight": (8, 784),
        "0.bias": (8,),
        "2.weight": (10, 8),
        "2.bias": (10,),
    }
    assert (out / "weights.npz").read_bytes() == good  # the earlier run's file is intact
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]


def test_an_out_without_room_is_refused_before_training(tmp_path, monkeypatch, capsys, no_training) -> None:
    real = shutil.disk_usage
    monkeypatch.setattr(cli.shutil, "disk_usage", lambda p: real(p)._replace(free=100_000))
    message = refused(["--layers", "256,128", "--out", str(tmp_path)], capsys)
    assert f"argument --out: {tmp_path} has 100,000 bytes free, but the weights (235,146 parameters)" in message


def test_a_full_tmpfs_is_refused_before_training(tmp_path) -> None:
    """A real 256 KiB file system (a tmpfs in a private mount namespace): no data loaded, nothing written."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("mounting a tmpfs needs root and unshare")
    mount = tmp_path / "small"
    mount.mkdir()
    script = f"mount -t tmpfs -o size=256k tmpfs {mount} && exec {sys.executable} -m tinygrad_edu train --out {mount}"
    done = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, text=True, timeout=120)
    if "mount:" in done.stderr or "unshare:" in done.stderr:
        pytest.skip(f"no private mounts here: {done.stderr.strip()[:200]}")
    assert done.returncode == 2, done.stderr
    assert f"argument --out: {mount} has 262,144 bytes free, but the weights (235,146 parameters)" in done.stderr
    assert done.stdout == ""


def test_a_read_only_out_is_refused_before_training(tmp_path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    tmp_path.chmod(0o755)
    out.chmod(0o555)
    code = "import sys; from tinygrad_edu import cli; sys.exit(cli.main(['train', '--out', sys.argv[1]]))"
    done = run_python(code, str(out), env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=tmp_path)
    out.chmod(0o755)
    assert done.returncode == 2, done.stderr
    assert f"argument --out: cannot write in {out}: Permission denied" in done.stderr
    assert done.stdout == "" and not list(out.iterdir())


def test_a_read_only_weights_file_is_refused_before_training(tmp_path, capsys, no_training) -> None:
    (tmp_path / "weights.npz").mkdir()  # a folder where the weights go: refused whoever runs it
    message = refused(["--out", str(tmp_path)], capsys)
    assert "argument --out: cannot write in" in message and "weights.npz: it is a folder" in message


@pytest.mark.parametrize("layers", ["100000000", "1000000,1000000", "784," * 40 + "4000000"])
def test_an_mlp_too_large_for_this_machine_is_refused(layers: str, capsys, no_training, tmp_path) -> None:
    message = refused(["--layers", layers, "--out", str(tmp_path)], capsys)
    assert re.search(
        r"argument --layers: an MLP 784-.*-10 \([\d,]+ parameters\) needs about [\d,.]+ GiB to train, "
        r"more than this machine's [\d,.]+ GiB of memory",
        message,
    ), message


def test_memory_needed_counts_what_training_holds() -> None:
    """784-256-128-10: 235,146 parameters (784·256 + 256 + 256·128 + 128 + 128·10 + 10, by hand)."""
    sizes = cli.mlp_sizes((256, 128))
    assert cli.num_params(sizes) == 784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10 == 235_146
    assert cli.memory_needed(sizes, 64) == 4 * (4 * 235_146 + 3 * (64 + 10_000) * 784)


BAD_DATA = [
    ({"train-labels-idx1-ubyte.gz": np.array([0, 1, 2, 12, 4], np.uint8)}, "labels from 0 to 12 (0..9 expected)"),
    ({"t10k-images-idx3-ubyte.gz": np.ones((2, 10, 10), np.uint8)}, "images of shape (10, 10) and dtype uint8"),
    (
        {"train-images-idx3-ubyte.gz": np.zeros((0, 28, 28), np.uint8), "train-labels-idx1-ubyte.gz": np.zeros(0)},
        "0 images and 0 labels",
    ),
]


@pytest.mark.parametrize(("changes", "message"), BAD_DATA, ids=["label-12", "10x10", "empty"])
def test_unusable_cached_data_is_named_before_training(tmp_path, monkeypatch, changes: dict, message: str) -> None:
    files = {name: np.zeros((5, 28, 28) if "images" in name else 5, np.uint8) for name in TINY_MNIST}
    files = {name: a[:2] if "t10k" in name else a for name, a in files.items()}
    monkeypatch.setenv("TINYGRAD_EDU_DATA", str(tmp_path / "cache"))
    for name, array in {**files, **changes}.items():
        (tmp_path / "cache" / "mnist").mkdir(parents=True, exist_ok=True)
        (tmp_path / "cache" / "mnist" / name).write_bytes(gzip.compress(idx_bytes(array)))
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["train", *TINY, "--out", str(tmp_path / "out")])
    text = str(exit_info.value.code)
    assert text.startswith("tinygrad-edu train: the mnist ") and message in text, text
    assert "run `tinygrad-edu data download mnist` again" in text
    assert not (tmp_path / "out" / "weights.npz").exists()


def test_a_damaged_cached_file_is_a_message_not_a_traceback(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("TINYGRAD_EDU_DATA", str(tmp_path / "cache"))
    folder = tmp_path / "cache" / "mnist"
    folder.mkdir(parents=True)
    for name, array in TINY_MNIST.items():
        (folder / name).write_bytes(gzip.compress(idx_bytes(array))[: -5 if "t10k-labels" in name else None])
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["train", *TINY, "--out", str(tmp_path / "out")])
    text = str(exit_info.value.code)
    assert text.startswith("tinygrad-edu train: ") and "t10k-labels-idx1-ubyte.gz" in text and "delete" in text


def test_a_diverging_run_stops_and_writes_no_weights(tmp_path, capsys) -> None:
    with pytest.raises(SystemExit) as exit_info, np.errstate(all="ignore"):
        cli.main(["train", *TINY, "--optimizer", "sgd", "--lr", "1e30", "--out", str(tmp_path)])
    assert "training diverged, so no weights were written" in str(exit_info.value.code)
    assert "try a smaller --lr" in str(exit_info.value.code)
    assert not (tmp_path / "weights.npz").exists()


def test_the_installed_command_exits_2_on_a_bad_option(tmp_path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tinygrad_edu", "train", "--batch-size", "0", "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "argument --batch-size: must be positive, got 0" in done.stderr
    assert done.stdout == "" and not (tmp_path / "o").exists()

"""`tinygrad-edu train` refuses bad options before any work, and never loses a good weights file.

The reference is argparse's own contract for a usage error: exit status 2 and a message
``argument --name: ...`` on stderr. "Before any work" is checked by making the data loader fail
the test if it is reached.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_edu import cli, datasets, fileio

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
    (["--optimizer", "adamw"], "argument --optimizer: invalid choice: 'adamw'"),
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


def test_a_failed_save_keeps_the_weights_that_were_there(tmp_path, monkeypatch) -> None:
    assert cli.main(["train", *TINY, "--out", str(tmp_path)]) == 0
    good = (tmp_path / "weights.npz").read_bytes()

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fileio.os, "replace", disk_full)
    with pytest.raises(OSError, match="No space left on device"):
        cli.main(["train", *TINY, "--seed", "1", "--out", str(tmp_path)])
    assert (tmp_path / "weights.npz").read_bytes() == good
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


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

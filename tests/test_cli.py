"""The tinygrad-edu command: train (the main job), backprop, gradcheck, data download."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from tinygrad_edu import cli

from .idx_data import serve


def test_train_writes_weights_and_reports(tmp_path, capsys) -> None:
    code = cli.main(["train", "--epochs", "3", "--limit", "2000", "--out", str(tmp_path), "--layers", "64"])
    assert code == 0
    out = capsys.readouterr().out
    accuracy = float(out.split("test accuracy: ")[1].split()[0])
    assert accuracy > 0.8  # 2,000 digits, three epochs of Adam (measured: 0.85); chance is 0.1
    assert "confusion matrix (rows: true digit, columns: predicted)" in out
    with np.load(tmp_path / "weights.npz", allow_pickle=False) as f:
        assert {k: f[k].shape for k in f.files} == {
            "0.weight": (64, 784),
            "0.bias": (64,),
            "2.weight": (10, 64),
            "2.bias": (10,),
        }
    rows = [line.split() for line in out.splitlines() if line[:4].strip().isdigit() and len(line.split()) == 11]
    assert sum(int(v) for row in rows for v in row[1:]) == 2000  # every test digit counted once


def test_backprop_and_gradcheck(tmp_path, capsys) -> None:
    assert cli.main(["backprop", "--out", str(tmp_path)]) == 0
    assert "E_total after update" in capsys.readouterr().out
    assert (tmp_path / "step_by_step_backprop.dot").exists()
    assert cli.main(["gradcheck"]) == 0
    assert f"{len(cli.GRADCHECK_CASES)} passed, 0 failed" in capsys.readouterr().out


def test_data_download(tmp_path, monkeypatch, capsys) -> None:
    served = serve(tmp_path / "served", "mnist", monkeypatch)
    assert cli.main(["data", "download", "mnist", "--dest", str(tmp_path / "d")]) == 0
    assert "4 files verified" in capsys.readouterr().out
    (served / "t10k-labels-idx1-ubyte.gz").write_bytes(b"corrupt")
    assert cli.main(["data", "download", "mnist", "--dest", str(tmp_path / "e")]) == 1
    assert "checksum mismatch" in capsys.readouterr().err


def test_module_entry_point() -> None:
    done = subprocess.run([sys.executable, "-m", "tinygrad_edu", "--help"], capture_output=True, text=True, check=False)
    assert done.returncode == 0 and "train" in done.stdout and "gradcheck" in done.stdout


def test_bad_layers_argument(capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["train", "--layers", "big"])
    assert exit_info.value.code == 2  # argparse's usage error
    assert "argument --layers: must be comma-separated layer sizes like 256,128, got 'big'" in capsys.readouterr().err

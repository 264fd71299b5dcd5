"""`fileio.atomic_write`: a failure at any step leaves the old file as it was and no debris.

Failures are injected where the operating system would report them (write, fsync, rename) and
as an interrupt (KeyboardInterrupt) in the middle of writing. The permission checks compare with
what plain ``open()`` gives under the same umask.
"""

from __future__ import annotations

import os
import re
import stat
import threading

import pytest

from tinygrad_edu import fileio
from tinygrad_edu.fileio import atomic_write


def debris(folder) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


@pytest.fixture
def old_file(tmp_path):
    path = tmp_path / "weights.npz"
    path.write_bytes(b"the only good copy")
    return path


def fail(*args, **kwargs):
    raise OSError(28, "No space left on device")


@pytest.mark.parametrize("step", ["replace", "fsync"])
def test_a_failing_system_call_keeps_the_old_file(old_file, monkeypatch, step: str) -> None:
    monkeypatch.setattr(fileio.os, step, fail)
    with pytest.raises(OSError, match="No space left on device"), atomic_write(old_file) as f:
        f.write(b"new content")
    assert old_file.read_bytes() == b"the only good copy"
    assert debris(old_file.parent) == []


def test_a_failing_write_keeps_the_old_file(old_file) -> None:
    class FullDisk:
        def __init__(self, f):
            self.f = f

        def write(self, data):
            self.f.write(data[: len(data) // 2])
            raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space left"), atomic_write(old_file) as f:
        FullDisk(f).write(b"x" * 1000)
    assert old_file.read_bytes() == b"the only good copy"
    assert debris(old_file.parent) == []


def test_an_interrupt_mid_write_keeps_the_old_file(old_file) -> None:
    with pytest.raises(KeyboardInterrupt), atomic_write(old_file) as f:
        f.write(b"half of it")
        raise KeyboardInterrupt
    assert old_file.read_bytes() == b"the only good copy"
    assert debris(old_file.parent) == []


def test_success_replaces_and_text_mode_is_utf8(tmp_path) -> None:
    path = tmp_path / "notes.txt"
    with atomic_write(path, "w") as f:
        f.write("∂L/∂w = 0.5\n")
    assert path.read_bytes() == "∂L/∂w = 0.5\n".encode()
    with atomic_write(path) as f:
        f.write(b"\x00\x01")
    assert path.read_bytes() == b"\x00\x01" and debris(tmp_path) == []


@pytest.mark.parametrize(
    ("target", "error", "message"),
    [
        (lambda d: d, IsADirectoryError, "it is a folder; give a file name"),
        (lambda d: d / "missing" / "w.npz", FileNotFoundError, "the folder .*missing does not exist"),
    ],
)
def test_impossible_targets_are_named(tmp_path, target, error, message: str) -> None:
    with pytest.raises(error, match=message), atomic_write(target(tmp_path)) as f:
        f.write(b"never")
    assert debris(tmp_path) == []


@pytest.mark.parametrize("mode", ["a", "r", "w+", "ab", "x"])
def test_other_modes_are_refused(tmp_path, mode: str) -> None:
    message = re.escape(f"mode must be 'w' or 'wb', got '{mode}'")
    with pytest.raises(ValueError, match=message), atomic_write(tmp_path / "f", mode):
        pass


def test_new_files_get_the_permissions_open_gives(tmp_path) -> None:
    with open(tmp_path / "plain", "wb") as f:
        f.write(b"x")
    with atomic_write(tmp_path / "atomic") as f:
        f.write(b"x")
    assert stat.S_IMODE(os.stat(tmp_path / "atomic").st_mode) == stat.S_IMODE(os.stat(tmp_path / "plain").st_mode)


def test_a_replaced_file_keeps_its_permissions(old_file) -> None:
    os.chmod(old_file, 0o600)
    with atomic_write(old_file) as f:
        f.write(b"new")
    assert stat.S_IMODE(os.stat(old_file).st_mode) == 0o600


def test_a_symlink_is_written_through(tmp_path) -> None:
    real = tmp_path / "real.npz"
    real.write_bytes(b"old")
    link = tmp_path / "link.npz"
    link.symlink_to(real)
    with atomic_write(link) as f:
        f.write(b"new")
    assert link.is_symlink() and real.read_bytes() == b"new"


def test_concurrent_writers_leave_one_whole_version(tmp_path) -> None:
    path = tmp_path / "shared.bin"
    versions = [bytes([k]) * 200_000 for k in range(8)]
    start = threading.Barrier(len(versions))

    def write(content: bytes) -> None:
        start.wait(30)
        with atomic_write(path) as f:
            for i in range(0, len(content), 10_000):
                f.write(content[i : i + 10_000])

    threads = [threading.Thread(target=write, args=(v,)) for v in versions]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert path.read_bytes() in versions
    assert debris(tmp_path) == []

"""`save` / `load` against what the red-team pass found: keys np.savez swallowed, targets that torch.save
refuses, temporary files left by killed saves, damaged files, and headers that lie about their size.

The expected values come from outside the code under test: the dict that was saved, what ``torch.save``
does with the same target in the same process, and the zip format's CRC-32 (any changed byte in a member
is detected, so a damaged file must either load exactly as saved or raise ValueError).
"""

from __future__ import annotations

import importlib.util
import io
import os
import signal
import stat
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from tinygrad_edu import fileio
from tinygrad_edu.serialization import load, save

from .conftest import HAS_TORCH
from .unprivileged import run_python

ROOT = Path(__file__).resolve().parents[1]


def debris(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def assert_same(loaded: dict, saved: dict) -> None:
    assert list(loaded) == list(saved)  # every key, in the saved order
    for key, value in saved.items():
        got = loaded[key]
        assert got.dtype == value.dtype and got.shape == value.shape, key
        np.testing.assert_array_equal(got, value, err_msg=key)


# np.savez(file, *args, allow_pickle=True, **kwds): 'allow_pickle' was taken as its argument (the array
# was dropped) and 'file' raised TypeError; the others are names a state_dict can hold.
AWKWARD_KEYS = ["allow_pickle", "file", "args", "kwds", "arr_0", "a/b", "../up", "x.npy", " ", "ŵ∂", "a" * 300]


def test_every_key_round_trips(tmp_path) -> None:
    saved = {key: np.arange(i + 1, dtype=np.float32) * i for i, key in enumerate(AWKWARD_KEYS)}
    save(saved, tmp_path / "w.npz")
    assert_same(load(tmp_path / "w.npz", as_numpy=True), saved)


@pytest.mark.parametrize(
    "value",
    [
        np.float64(2.5),
        np.zeros((0, 3), np.int8),
        np.asfortranarray(np.arange(6, dtype=np.int16).reshape(2, 3)),
        np.arange(12, dtype=np.float64).reshape(3, 4)[:, ::2],
        np.array([True, False]),
        np.arange(4, dtype=">u4"),
    ],
    ids=["0-d", "empty", "fortran", "strided", "bool", "big-endian"],
)
def test_shapes_orders_and_dtypes_round_trip(tmp_path, value) -> None:
    save({"v": value}, tmp_path / "v.npz")
    got = load(tmp_path / "v.npz", as_numpy=True)["v"]
    assert got.shape == value.shape and got.dtype == value.dtype.newbyteorder("=")
    np.testing.assert_array_equal(got, value)


def test_files_numpy_writes_load(tmp_path) -> None:
    """Checkpoints written by earlier versions (np.savez) and np.savez_compressed files still load."""
    saved = {"w": np.arange(6.0).reshape(2, 3), "n": np.int64(7)}
    np.savez(tmp_path / "old.npz", **saved)
    np.savez_compressed(tmp_path / "small.npz", **saved)
    assert_same(load(tmp_path / "old.npz", as_numpy=True), saved)
    assert_same(load(tmp_path / "small.npz", as_numpy=True), saved)


@pytest.mark.parametrize(
    ("key", "message"),
    [("a\0b", "NUL character"), ("\udc80", "not valid Unicode"), ("k" * 70_000, "longer than")],
    ids=["nul", "surrogate", "70k-chars"],
)
def test_keys_a_zip_cannot_hold_are_refused_before_writing(tmp_path, key: str, message: str) -> None:
    path = tmp_path / "w.npz"
    save({"w": np.ones(2)}, path)
    before = path.read_bytes()
    with pytest.raises(ValueError, match=message):
        save({"fine": np.zeros(1), key: np.zeros(1)}, path)
    assert path.read_bytes() == before and debris(tmp_path) == []


# ----------------------------------------------------------------------------- targets
def test_a_fifo_is_refused_not_replaced(tmp_path) -> None:
    fifo = tmp_path / "weights.npz"
    os.mkfifo(fifo)
    with pytest.raises(OSError, match="not a regular file"):
        save({"w": np.ones(2)}, fifo)
    assert fifo.is_fifo() and debris(tmp_path) == []


def test_a_device_is_refused_not_replaced(tmp_path) -> None:
    # a private copy of /dev/null (character device 1:3): code that renames over devices must not reach the real one
    device = tmp_path / "null"
    try:
        os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except (PermissionError, AttributeError):
        pytest.skip("cannot make a device node here (needs CAP_MKNOD)")
    link = tmp_path / "weights.npz"
    link.symlink_to(device)  # written through, as open() would: the device itself is the target
    with pytest.raises(OSError, match="not a regular file"):
        save({"w": np.ones(2)}, link)
    assert device.is_char_device() and debris(tmp_path) == []


def test_a_folder_is_refused(tmp_path) -> None:
    with pytest.raises(IsADirectoryError):
        save({"w": np.ones(2)}, tmp_path)


READ_ONLY_PROBE = """
import sys
import numpy as np
from tinygrad_edu.serialization import save
path = sys.argv[1]
if sys.argv[2] == "torch":
    import torch
    try:
        torch.save({"w": torch.ones(2)}, path)
        print("torch wrote it")
    except (RuntimeError, OSError) as err:
        print("torch refused:", type(err).__name__, err)
try:
    save({"w": np.ones(2)}, path)
    print("ours wrote it")
except PermissionError as err:
    print("ours refused:", err)
"""


def test_a_read_only_checkpoint_is_refused_as_torch_save_refuses_it(tmp_path) -> None:
    tmp_path.chmod(0o755)
    path = tmp_path / "weights.npz"
    save({"w": np.zeros(3)}, path)
    before = path.read_bytes()
    path.chmod(0o444)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = run_python(READ_ONLY_PROBE, str(path), "torch" if HAS_TORCH else "", env=env)
    assert out.returncode == 0, out.stderr
    if HAS_TORCH:  # torch 2.13 raises RuntimeError("... open file failed with strerror: Permission denied")
        assert "torch refused:" in out.stdout and "Permission denied" in out.stdout, out.stdout
    assert "ours refused: [Errno 13] cannot write" in out.stdout and "read-only" in out.stdout, out.stdout
    assert path.read_bytes() == before and debris(tmp_path) == []


# ----------------------------------------------------------------------------- temporary files
def test_stale_temporary_files_are_removed_by_the_next_save(tmp_path) -> None:
    path = tmp_path / "weights.npz"
    stale = [tmp_path / f".weights.npz.{k:016x}.tmp" for k in range(3)]
    for p in stale:
        p.write_bytes(b"half a zip from a killed save")
    other = tmp_path / ".other.npz.0123456789abcdef.tmp"  # another file's: not ours to remove
    other.write_bytes(b"x")
    save({"w": np.ones(2)}, path)
    assert debris(tmp_path) == [other.name]
    np.testing.assert_array_equal(load(path)["w"].data, np.ones(2))


WRITER = """
import importlib.util, sys, time
spec = importlib.util.spec_from_file_location("fileio", sys.argv[1])
fileio = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fileio)
with fileio.atomic_write(sys.argv[2]) as f:
    f.write(b"x" * 100_000)
    f.flush()
    print("writing", flush=True)
    time.sleep(120)
"""


def start_writer(path: Path) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, fileio.__file__, str(path)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline() == "writing\n"
    return proc


@pytest.mark.skipif(importlib.util.find_spec("fcntl") is None, reason="flock is POSIX")
def test_a_killed_save_leaves_nothing_after_the_next_save_and_a_live_one_is_left_alone(tmp_path) -> None:
    path = tmp_path / "weights.npz"
    killed, alive = start_writer(path), start_writer(path)
    try:
        killed.send_signal(signal.SIGKILL)
        killed.wait(30)
        assert len(debris(tmp_path)) == 2  # the killed writer's and the live writer's
        save({"w": np.arange(3)}, path)
        assert len(debris(tmp_path)) == 1  # the live writer still holds its lock: its file stays
    finally:
        alive.kill()
        alive.wait(30)
    save({"w": np.arange(4)}, path)
    assert debris(tmp_path) == []
    np.testing.assert_array_equal(load(path)["w"].data, np.arange(4))


# ----------------------------------------------------------------------------- damaged files
def checkpoint_bytes(tmp_path: Path) -> tuple[dict, bytes]:
    saved = {"w": np.arange(6, dtype=np.float32).reshape(2, 3), "b": np.array([-1, 0, 1])}
    save(saved, tmp_path / "good.npz")
    return saved, (tmp_path / "good.npz").read_bytes()


def load_or_value_error(path: Path, data: bytes, saved: dict) -> str:
    path.write_bytes(data)
    try:
        loaded = load(path, as_numpy=True)
    except ValueError as err:
        assert str(path) in str(err)
        return "refused"
    assert_same(loaded, saved)
    return "intact"


@pytest.mark.parametrize("mask", [0x01, 0x80, 0xFF])
def test_any_flipped_byte_loads_exactly_or_raises_value_error(tmp_path, mask: int) -> None:
    saved, good = checkpoint_bytes(tmp_path)
    outcomes = [
        load_or_value_error(tmp_path / "bad.npz", good[:i] + bytes([good[i] ^ mask]) + good[i + 1 :], saved)
        for i in range(len(good))
    ]
    assert outcomes.count("refused") > len(good) // 2  # most bytes matter; all data bytes are CRC-checked


def test_random_damage_and_every_truncation(tmp_path) -> None:
    saved, good = checkpoint_bytes(tmp_path)
    rng = np.random.default_rng()  # any damage must hold, so no particular seed is needed
    for _ in range(300):
        data = bytearray(good)
        for i in rng.integers(0, len(good), rng.integers(1, 6)):
            data[i] = rng.integers(0, 256)
        load_or_value_error(tmp_path / "bad.npz", bytes(data), saved)
    for cut in range(len(good)):
        assert load_or_value_error(tmp_path / "cut.npz", good[:cut], saved) == "refused"


def npz_with_member(name: str, member: bytes, compress: int = zipfile.ZIP_STORED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compress) as archive:
        archive.writestr(name, member)
    return buf.getvalue()


def npy_header(shape: tuple, descr: str = "<f8") -> bytes:
    text = repr({"descr": descr, "fortran_order": False, "shape": shape}).encode()
    text += b" " * (-(10 + len(text) + 1) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text


def test_a_200_byte_file_claiming_terabytes_is_refused_before_allocating(tmp_path) -> None:
    path = tmp_path / "liar.npz"
    path.write_bytes(npz_with_member("w.npy", npy_header((450_000_000_000,))))  # 3.6 TB of float64
    assert path.stat().st_size < 300
    with pytest.raises(ValueError, match=r"liar\.npz.*describes \(450000000000,\) float64 \(3600000000000 bytes\)"):
        load(path)


@pytest.mark.parametrize(
    ("member", "message"),
    [
        (npy_header((2,)) + b"\0" * 8, "holds 8 bytes of data"),
        (npy_header((2,)) + b"\0" * 24, "holds 24 bytes of data"),
        (npy_header((2,), "|O") + b"\0" * 16, "expected numbers"),
        (npy_header((2,), "<U1") + b"\0" * 8, "expected numbers"),
    ],
    ids=["short", "long", "objects", "text"],
)
def test_headers_are_checked_against_the_bytes_present(tmp_path, member: bytes, message: str) -> None:
    path = tmp_path / "odd.npz"
    path.write_bytes(npz_with_member("w.npy", member))
    with pytest.raises(ValueError, match=message):
        load(path)


def test_a_deflate_member_claiming_more_than_deflate_can_give_is_refused(tmp_path) -> None:
    data = bytearray(npz_with_member("w.npy", npy_header((4,)) + b"\0" * 32, zipfile.ZIP_DEFLATED))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.infolist()[0]
    central = data.rindex(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, 3_000_000_000)  # the directory's uncompressed size: 3 GB
    path = tmp_path / "bomb.npz"
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match=f"claims 3000000000 bytes from {info.compress_size} stored bytes"):
        load(path)


@pytest.mark.filterwarnings("ignore:Duplicate name")
def test_a_name_given_twice_is_refused_rather_than_one_array_dropped(tmp_path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for value in (1.0, 2.0):
            member = io.BytesIO()
            np.save(member, np.array([value]))
            archive.writestr("w.npy", member.getvalue())
    path = tmp_path / "twice.npz"
    path.write_bytes(buf.getvalue())
    with pytest.raises(ValueError, match="twice"):
        load(path)

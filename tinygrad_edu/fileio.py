"""Writing files so that a failure never destroys the copy that was there.

Every writer in the package goes through `atomic_write`: the bytes go to a temporary file in the
target's own folder, which is flushed, synced and then renamed over the target (`os.replace`, atomic
on POSIX and Windows). A full disk, a killed process or an exception in the middle of writing leaves
the old file untouched and no half-written file behind.

What ``open(path, "wb")`` would refuse is refused before a byte is written: a read-only file
(`PermissionError`, as ``torch.save`` raises for one), a folder (`IsADirectoryError`), and anything
that is not a regular file (a FIFO, a device, a socket: renaming over it would silently replace it).

A process killed mid-write cannot run its own clean-up, so each temporary file is held under an
exclusive ``flock`` while it is written; the next `atomic_write` of the same file removes every
temporary file of that target whose lock is free (its writer is gone: the kernel drops the locks of
a dead process). Temporary files are named ``.<name>.<16 hex digits>.tmp``.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import IO

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no flock, so stale temporary files are left alone
    fcntl = None  # type: ignore[assignment]


#: Deflate (zip, gzip) cannot shrink data more than 1032:1 (RFC 1951: at most 258 bytes per 2-bit
#: code), so a compressed stream that claims more than this ratio of its own size lies about it.
MAX_DEFLATE_RATIO = 1032


def _temp_name(target: Path) -> Path:
    return target.parent / f".{target.name}.{secrets.token_hex(8)}.tmp"


def check_writable_target(target: Path) -> None:
    """Raise what ``open(target, "wb")`` would, and refuse what a rename would silently replace."""
    if target.is_dir():
        raise IsADirectoryError(errno.EISDIR, f"cannot write {target}: it is a folder; give a file name")
    if not target.parent.is_dir():
        raise FileNotFoundError(errno.ENOENT, f"cannot write {target}: the folder {target.parent} does not exist")
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISREG(mode):
        kind = "a FIFO, device or socket"
        raise OSError(errno.EINVAL, f"cannot write {target}: it is not a regular file ({kind}); give a file name")
    if not os.access(target, os.W_OK):
        raise PermissionError(errno.EACCES, f"cannot write {target}: the file is read-only")


def remove_stale_temp_files(target: Path) -> list[Path]:
    """Delete the temporary files that killed writers of ``target`` left (those whose lock is free); return them."""
    if fcntl is None:  # pragma: no cover
        return []
    pattern = re.compile(rf"\.{re.escape(target.name)}\.[0-9a-f]{{16}}\.tmp")
    removed = []
    with contextlib.suppress(OSError):
        for entry in os.scandir(target.parent):
            if not pattern.fullmatch(entry.name) or not entry.is_file(follow_symlinks=False):
                continue
            try:
                fd = os.open(entry.path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
            except OSError:
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # free: nobody is writing it any more
                if os.path.samestat(os.fstat(fd), os.lstat(entry.path)):
                    os.unlink(entry.path)
                    removed.append(Path(entry.path))
            except OSError:
                pass  # locked: a live writer's file
            finally:
                os.close(fd)
    return removed


def _open_locked_temp(target: Path) -> tuple[int, Path]:
    """Create and lock a new temporary file beside ``target``; return its descriptor and path."""
    while True:
        tmp = _temp_name(target)
        # O_EXCL with a random name, as mkstemp does, but with mode 0o666 so that the OS applies the
        # umask as for any new file (reading the umask means setting it, which races other threads)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        if fcntl is None:  # pragma: no cover
            return fd, tmp
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            if os.path.samestat(os.fstat(fd), os.lstat(tmp)):
                return fd, tmp
        except FileNotFoundError:
            pass
        os.close(fd)  # another save's clean-up took it in the instant before the lock: take a new name


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "wb") -> Iterator[IO]:
    """Open a temporary file beside ``path`` for writing; on success, rename it over ``path``.

    A file being replaced keeps its permissions; a symbolic link is written through (its target
    is replaced), as ``open(path, "w")`` would. ``mode`` is ``"wb"`` (bytes) or ``"w"`` (UTF-8 text).
    A read-only file, a folder and a non-regular file (FIFO, device) are refused before writing.

    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "notes.txt"
    >>> with atomic_write(target, "w") as f:
    ...     _ = f.write("kept")
    >>> try:
    ...     with atomic_write(target, "w") as f:
    ...         _ = f.write("half")
    ...         raise OSError("disk full")
    ... except OSError:
    ...     pass
    >>> target.read_text()
    'kept'
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_write: mode must be 'w' or 'wb', got {mode!r}")
    target = Path(path)
    if target.is_symlink():
        target = target.resolve()  # write through the link, as open() does, rather than replace it
    check_writable_target(target)
    remove_stale_temp_files(target)
    fd, tmp = _open_locked_temp(target)
    renamed = False
    try:
        with os.fdopen(fd, mode, encoding="utf-8" if mode == "w" else None) as f:
            if target.exists():  # keep the permissions of the file being replaced
                os.chmod(tmp, stat.S_IMODE(os.stat(target).st_mode))
            yield f
            f.flush()
            os.fsync(f.fileno())
            os.replace(tmp, target)  # before the close drops the lock, so no clean-up can take it
            renamed = True
    finally:
        if not renamed:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)

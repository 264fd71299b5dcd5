"""Writing files so that a failure never destroys the copy that was there.

Every writer in the package goes through `atomic_write`: the bytes go to a temporary file in the
target's own folder, which is flushed, synced and then renamed over the target (`os.replace`, atomic
on POSIX and Windows). A full disk, a killed process or an exception in the middle of writing leaves
the old file untouched and no half-written file behind.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import IO


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "wb") -> Iterator[IO]:
    """Open a temporary file beside ``path`` for writing; on success, rename it over ``path``.

    A file being replaced keeps its permissions; a symbolic link is written through (its target
    is replaced), as ``open(path, "w")`` would. ``mode`` is ``"wb"`` (bytes) or ``"w"`` (UTF-8 text).

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
    if target.is_dir():
        raise IsADirectoryError(f"cannot write {target}: it is a folder; give a file name")
    if not target.parent.is_dir():
        raise FileNotFoundError(f"cannot write {target}: the folder {target.parent} does not exist")
    # O_EXCL with a random name, as mkstemp does, but with mode 0o666 so that the OS applies the
    # umask as for any new file (reading the umask means setting it, which races other threads)
    tmp = target.parent / f".{target.name}.{secrets.token_hex(8)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, mode, encoding="utf-8" if mode == "w" else None) as f:
            if target.exists():  # keep the permissions of the file being replaced
                os.chmod(tmp, stat.S_IMODE(os.stat(target).st_mode))
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise

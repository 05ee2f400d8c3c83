"""Errors a user's environment causes, as one line naming the file and what to do."""

from __future__ import annotations

import contextlib
import errno
from collections.abc import Iterator
from pathlib import Path


def user_message(exc: BaseException) -> str | None:
    """The message for an input or environment failure, or None for an internal error."""
    from forecast.common.errors import UserInputError
    from forecast.outputs.rundir import RunFolderError

    if isinstance(exc, UserInputError | RunFolderError):
        return str(exc)
    if isinstance(exc, MemoryError):
        return "out of memory: use fewer --draws, a nearer --until or fewer scenarios"
    if isinstance(exc, OSError):
        where = exc.filename or exc.filename2 or getattr(exc, "forecast_path", None) or "a file"
        advice = {
            errno.EACCES: "check the folder's permissions or choose another --out",
            errno.EPERM: "check the folder's permissions or choose another --out",
            errno.EROFS: "the disk is read-only; choose another --out",
            errno.ENOSPC: "the disk is full; free space or choose another --out",
            errno.ENOTDIR: "a file stands where a folder should be; choose another --out",
            errno.EISDIR: "a folder stands where a file should be",
            errno.ENOENT: "it does not exist",
        }.get(exc.errno, "check the path")
        return f"{where}: {exc.strerror or exc}; {advice}"
    return None


@contextlib.contextmanager
def naming(path: str | Path) -> Iterator[None]:
    """Within the block, an ``OSError`` the system raised without a file name (a full disk
    during a write, ...) is given ``path`` (the output folder), so the message names it
    instead of "a file"."""
    try:
        yield
    except OSError as exc:
        if not (exc.filename or exc.filename2 or getattr(exc, "forecast_path", None)):
            exc.forecast_path = str(path)
        raise

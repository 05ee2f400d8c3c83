"""Errors a user's environment causes, as one line naming the file and what to do."""

from __future__ import annotations

import errno


def user_message(exc: BaseException) -> str | None:
    """The message for an input or environment failure, or None for an internal error."""
    from forecast.data.config import ConfigError
    from forecast.data.inputs.encoding import InputFileError
    from forecast.data.problems import DatasetError
    from forecast.outputs.rundir import RunFolderError

    if isinstance(exc, InputFileError | ConfigError | DatasetError | RunFolderError):
        return str(exc)
    if isinstance(exc, MemoryError):
        return "out of memory: use fewer --draws, a nearer --until or fewer scenarios"
    if isinstance(exc, OSError):
        where = exc.filename or "a file"
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

"""The janitor: cleans up after a run that was killed while writing its output folder.

A run cannot clean up after ``SIGKILL`` (or a power cut of its own process): nothing of it
runs any more. So before it takes the folder's lock, the run starts this small process
(standard library only, about 30 ms) in its own session, so that killing the run's process
group spares it. The janitor waits on a pipe from the run:

- the run writes ``done`` when it has swapped its folder in (or cleaned up after an error
  itself): the janitor exits and touches nothing;
- the pipe closes without ``done``: the run died. The janitor takes the lock the dead run
  held (released by the kernel with the process), removes that run's temporary folder, puts
  ``OUT.previous`` back if the run died between its two renames (or removes it if the swap
  had finished), removes the lock file and exits. If another run already holds the lock, it
  removes only the dead run's own temporary folder (the other run cleans the rest).

It never removes anything but the dead run's own temporary folder (one the run said it
``made``, or that carries the marker), an ``OUT.previous`` that carries the marker and the
lock file it holds. The marker (``MARKER``, a small file the package writes into its
temporary folders and into OUT just before OUT becomes ``OUT.previous``) is how a folder the
package may remove is told from a user's folder that happens to have such a name. If the
janitor cannot start, nothing is lost: the next run into the folder removes what a killed
run left (``forecast.outputs.rundir``).

Usage (by ``rundir`` only): ``python janitor.py OUT TMP``
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import stat
import sys
import time
from pathlib import Path

DONE = b"done"
MADE = b"made"  # the run created its temporary folder (so it is the dead run's own)
LOCK_WAIT = 5.0  # seconds to wait for a dead run's lock (the kernel releases it at once)
MARKER = ".forecast-folder"
MARKER_TEXT = ("forecast: a temporary or previous run folder that forecast wrote and may "
               "remove (docs/outputs.md)\n")


def sibling(out: Path, suffix: str, hidden: bool = False) -> Path:
    """``OUT`` + suffix beside ``OUT`` (``.OUT`` + suffix when hidden)."""
    return out.parent / (f".{out.name}{suffix}" if hidden else f"{out.name}{suffix}")


def lock_path(out: Path) -> Path:
    return sibling(out, ".lock", hidden=True)


def previous_of(out: Path) -> Path:
    return sibling(out, ".previous")


def marked(folder: Path) -> bool:
    """True when ``folder`` is a real folder (not a link) holding the package's marker."""
    try:
        if not stat.S_ISDIR(os.lstat(folder).st_mode):
            return False
        mark = folder / MARKER
        if not stat.S_ISREG(os.lstat(mark).st_mode):
            return False
        with open(mark, "rb") as handle:
            return handle.read(len(MARKER_TEXT) + 1) == MARKER_TEXT.encode("ascii")
    except OSError:
        return False


def mark(folder: Path) -> None:
    """Write the marker into ``folder`` (never through a link)."""
    fd = os.open(folder / MARKER, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o666)
    try:
        os.write(fd, MARKER_TEXT.encode("ascii"))
    finally:
        os.close(fd)


def unmark(folder: Path) -> None:
    with contextlib.suppress(FileNotFoundError, NotADirectoryError):
        os.unlink(folder / MARKER)


def recover(out: Path) -> None:
    """Undo what a killed run left: put ``OUT.previous`` back when ``OUT`` is missing (killed
    between the two renames), or remove it when the swap had finished. Only an
    ``OUT.previous`` with the marker is touched (a user's folder of that name is left alone).
    Call under the lock (readers may call it too: both cases are idempotent)."""
    previous = previous_of(out)
    if not marked(previous):
        return
    if out.exists() or out.is_symlink():
        shutil.rmtree(previous, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            os.rename(previous, out)
            unmark(out)


def _remove_own(tmp: Path, made: bool) -> None:
    """Remove the dead run's temporary folder: one it said it made, or one with the marker."""
    if (made and not tmp.is_symlink()) or marked(tmp):
        shutil.rmtree(tmp, ignore_errors=True)


def clean_after_death(out: Path, tmp: Path, made: bool = False) -> None:
    """What the janitor does once the run has died without saying ``done``."""
    path = lock_path(out)
    try:
        fd = os.open(path, os.O_RDWR | os.O_NOFOLLOW)
    except OSError:  # the run died before taking the lock, a run removed it, or a link
        _remove_own(tmp, made)
        return
    try:
        deadline = time.monotonic() + LOCK_WAIT
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:  # a live run holds it: it cleans the rest
                    _remove_own(tmp, made)
                    return
                time.sleep(0.05)
        _remove_own(tmp, made)
        recover(out)
        with contextlib.suppress(FileNotFoundError):
            if os.fstat(fd).st_ino == os.stat(path).st_ino:  # still the file we hold
                os.unlink(path)
    finally:
        os.close(fd)


def main(argv: list[str]) -> int:
    out, tmp = Path(argv[1]), Path(argv[2])
    said = b""
    with contextlib.suppress(OSError):
        while chunk := sys.stdin.buffer.read(64):
            said += chunk
    if DONE not in said:
        clean_after_death(out, tmp, MADE in said)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

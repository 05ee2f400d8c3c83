"""An output folder holds exactly one complete run.

A run writes into a sibling temporary folder ``.OUT.tmp-PID`` and swaps it in at the end:
``OUT`` is renamed ``OUT.previous``, the temporary folder becomes ``OUT``, and only then is
``OUT.previous`` removed. A run killed at any point leaves the previous complete run (as
``OUT``, or as ``OUT.previous``, which the next run or reader puts back) and at most a stale
temporary folder, which the next run into the same folder removes. A lock file ``.OUT.lock``
(held with ``flock``, so a killed holder releases it) keeps two runs from interleaving.

Only folders that hold nothing but this package's outputs are replaced: a folder with other
files (``--out .`` or ``--out ~/Documents``) is refused with the files named, since swapping
it would delete them. Files are created normally, so they follow the user's umask.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from forecast.outputs.manifest import finalise

OWNED = frozenset({
    "projections.csv", "plan_check.csv", "implied_migration.csv", "shortfall.csv",
    "shortfall_summary.csv", "class_size_check.csv", "coverage.csv", "accuracy.csv",
    "backtest.csv", "capacity.csv", "capacity_items.csv", "scheduler.json", "scheduler.csv",
    "scheduler.parquet", "run.json", "report.xlsx", "report.html", "plots", "entry_methods.csv",
    "refusals.csv", "classes.csv",
})


class RunFolderError(Exception):
    """An output folder that cannot take a run; the message says why and what to do."""


def _sibling(out: Path, suffix: str, hidden: bool = False) -> Path:
    return out.parent / (f".{out.name}{suffix}" if hidden else f"{out.name}{suffix}")


def previous_of(out: Path) -> Path:
    return _sibling(out, ".previous")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextlib.contextmanager
def lock(out: Path) -> Iterator[None]:
    """Hold ``.OUT.lock`` for the duration; RunFolderError naming the holder's pid when
    another run holds it."""
    path = _sibling(out, ".lock", hidden=True)
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            raise RunFolderError(f"{out}: another forecast run (pid {holder}) is writing this "
                                 f"folder (lock {path}); wait for it to finish or choose another "
                                 "--out") from None
        try:  # the file may have been removed and replaced by a finishing run meanwhile
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    try:
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode("ascii"))
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        os.close(fd)


def recover(out: Path) -> None:
    """Undo what a killed run left: put ``OUT.previous`` back when ``OUT`` is missing (killed
    between the two renames), or remove it when the swap had finished. Call under the lock
    (readers may call it too: both cases are idempotent)."""
    previous = previous_of(out)
    if not previous.is_dir():
        return
    if out.exists():
        shutil.rmtree(previous, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            os.rename(previous, out)


def _clean_stale(out: Path) -> None:
    """Remove temporary folders of runs killed earlier (we hold the lock: none is live)."""
    prefix = f".{out.name}.tmp-"
    for entry in out.parent.glob(f"{prefix}*"):
        shutil.rmtree(entry, ignore_errors=True)


def owned_names(out: Path) -> set[str]:
    """Top-level names in ``out`` that this package wrote: the fixed output names and anything
    the folder's run.json manifest lists."""
    names = set(OWNED)
    with contextlib.suppress(OSError, ValueError, AttributeError):
        files = json.loads((out / "run.json").read_text(encoding="utf-8")).get("files") or {}
        names |= {Path(f).parts[0] for f in files}
    return names


def _check_target(out: Path) -> None:
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise RunFolderError(f"--out {out}: is a file (or link), not a folder; choose a folder")
    if not out.exists():
        return
    # ``.NAME.*.tmp``: a half-written file an older version's killed run left
    foreign = sorted(n for n in set(os.listdir(out)) - owned_names(out)
                     if not (n.startswith(".") and n.endswith(".tmp")))
    if foreign:
        shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
        raise RunFolderError(f"--out {out}: holds files that are not forecast outputs ({shown}); "
                             "a run replaces its folder as a whole, so choose an empty or new "
                             "folder (or move those files)")


def _writable_parent(out: Path) -> None:
    parent = out.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise RunFolderError(f"--out {out}: {parent} is a file, not a folder") from None
    except OSError as exc:
        raise RunFolderError(f"--out {out}: cannot create {parent} ({exc.strerror})") from None
    if not os.access(parent, os.W_OK | os.X_OK):
        raise RunFolderError(f"--out {out}: the folder {parent} is not writable; choose another --out")


@contextlib.contextmanager
def run_folder(out: Path, keep: bool = False) -> Iterator[Path]:
    """Yield a fresh temporary folder for a whole run; on success finalise its manifest and
    swap it in as ``out``. ``keep``: start from a copy of the current run (to add to it,
    as ``forecast report`` and ``forecast export`` do)."""
    out = Path(os.path.abspath(out))
    _writable_parent(out)
    if out.exists() and not out.is_dir():
        raise RunFolderError(f"--out {out}: is a file, not a folder; choose a folder")
    with lock(out):
        recover(out)
        _clean_stale(out)
        _check_target(out)
        tmp = _sibling(out, f".tmp-{os.getpid()}", hidden=True)
        try:
            if keep and out.is_dir():
                shutil.copytree(out, tmp, copy_function=shutil.copy2)
            else:
                tmp.mkdir()
            yield tmp
            finalise(tmp)
            _swap(tmp, out)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise


def _swap(tmp: Path, out: Path) -> None:
    previous = previous_of(out)
    if previous.exists():
        shutil.rmtree(previous)
    if out.exists():
        os.rename(out, previous)
    try:
        os.rename(tmp, out)
    except OSError as exc:
        if previous.exists() and not out.exists():
            os.rename(previous, out)  # put the previous run back before failing
        if exc.errno in (errno.EXDEV, errno.ENOTEMPTY):
            raise RunFolderError(f"--out {out}: cannot swap the new run in ({exc.strerror})") from exc
        raise
    shutil.rmtree(previous, ignore_errors=True)


@contextlib.contextmanager
def update_run(out: Path) -> Iterator[Path]:
    """Add to the run in ``out`` (report, export) the same way: copy, write, swap."""
    out = Path(out)
    recover(out)
    if not (out / "run.json").is_file():
        raise RunFolderError(f"{out}: holds no run outputs (no run.json); run `forecast run --out {out}` first")
    with run_folder(out, keep=True) as folder:
        yield folder

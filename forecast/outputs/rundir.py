"""An output folder holds exactly one complete run.

A run writes into a sibling temporary folder ``.OUT.tmp-PID`` and swaps it in at the end:
``OUT`` is renamed ``OUT.previous``, the temporary folder becomes ``OUT``, and only then is
``OUT.previous`` removed. A lock file ``.OUT.lock`` (held with ``flock``, so a killed holder
releases it) keeps two runs from interleaving.

A run killed at any point, even by ``SIGKILL``, leaves the previous complete run and no
temporary files: a small janitor process (``forecast.outputs.janitor``), started before the
lock is taken and told ``done`` after the swap, removes the dead run's temporary folder and
lock and puts ``OUT.previous`` back (within a second of the death). Should the janitor be
unable to run, the next run into the folder, or a reader, does the same.

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
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from forecast.outputs import janitor
from forecast.outputs.janitor import lock_path, previous_of, recover
from forecast.outputs.manifest import finalise

OWNED = frozenset({
    "projections.csv", "plan_check.csv", "implied_migration.csv", "shortfall.csv",
    "shortfall_summary.csv", "class_size_check.csv", "coverage.csv", "accuracy.csv",
    "backtest.csv", "capacity.csv", "capacity_items.csv", "scheduler.json", "scheduler.csv",
    "scheduler.parquet", "run.json", "report.xlsx", "report.html", "plots", "entry_methods.csv",
    "refusals.csv", "classes.csv", "shortfall_map.geojson",
})


class RunFolderError(Exception):
    """An output folder that cannot take a run; the message says why and what to do."""


_sibling = janitor.sibling
__all__ = ["RunFolderError", "lock", "previous_of", "recover", "run_folder", "update_run"]
PAUSE_AT = "FORECAST_TEST_PAUSE_AT"  # test hook: ``write`` or ``swap`` (see ``_pause``)


def _pause(point: str) -> None:
    """Test hook: when ``FORECAST_TEST_PAUSE_AT`` names ``point``, touch the file
    ``FORECAST_TEST_PAUSE_FILE`` and sleep, so a test can kill the run exactly there."""
    if os.environ.get(PAUSE_AT) == point:
        Path(os.environ["FORECAST_TEST_PAUSE_FILE"]).touch()
        time.sleep(60)


class _Janitor:
    """The run's side of the janitor: start it, and tell it ``done`` at the end."""

    def __init__(self, out: Path, tmp: Path) -> None:
        try:
            self.proc: subprocess.Popen | None = subprocess.Popen(
                [sys.executable, "-I", "-S", janitor.__file__, str(out), str(tmp)],
                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                start_new_session=True, close_fds=True)
        except OSError:  # no janitor: the next run into the folder cleans up instead
            self.proc = None

    def done(self) -> None:
        if self.proc is None:
            return
        with contextlib.suppress(OSError, subprocess.TimeoutExpired):
            self.proc.stdin.write(janitor.DONE)
            self.proc.stdin.close()
            self.proc.wait(timeout=5)


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
    path = lock_path(out)
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
    tmp = _sibling(out, f".tmp-{os.getpid()}", hidden=True)
    keeper = _Janitor(out, tmp)
    try:
        with lock(out):
            recover(out)
            _clean_stale(out)
            _check_target(out)
            try:
                if keep and out.is_dir():
                    shutil.copytree(out, tmp, copy_function=shutil.copy2)
                else:
                    tmp.mkdir()
                yield tmp
                _pause("write")
                finalise(tmp)
                _swap(tmp, out)
            except BaseException:
                shutil.rmtree(tmp, ignore_errors=True)
                raise
    finally:
        keeper.done()


def _swap(tmp: Path, out: Path) -> None:
    previous = previous_of(out)
    if previous.exists():
        shutil.rmtree(previous)
    if out.exists():
        os.rename(out, previous)
        _pause("swap")
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

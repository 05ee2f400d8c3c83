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

Only a folder the package wrote is replaced: an empty folder, or one whose run.json lists
every file in it with its size and sha256 (``manifest.unverified``). A folder with other
files (``--out .``, ``--out ~/Documents``, a user's own ``report.xlsx`` or ``plots/photo.png``,
a run file edited since) is refused with the files named, since swapping it would delete
them; so is a folder holding another run's folder, and a folder inside another run's folder
(the outer run would delete it). ``OUT.previous`` and ``.OUT.tmp-*`` are removed only when
they carry the package's marker (``janitor.MARKER``), never by name alone, and the lock is
never opened through a link. ``check_out`` makes these checks before a run computes. Files
are created normally, so they follow the user's umask. See docs/security.md.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import shutil
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from forecast.outputs import janitor
from forecast.outputs.janitor import MARKER, lock_path, mark, marked, previous_of, recover, unmark
from forecast.outputs.manifest import finalise, unverified

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
__all__ = ["RunFolderError", "check_out", "lock", "previous_of", "recover", "run_folder",
           "update_run"]
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

    def made(self) -> None:
        """The temporary folder exists: it is this run's to remove should the run die."""
        if self.proc is None:
            return
        with contextlib.suppress(OSError):
            self.proc.stdin.write(janitor.MADE + b"\n")
            self.proc.stdin.flush()

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
        fd = _open_lock(path, out)
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


def _open_lock(path: Path, out: Path) -> int:
    """The lock file, opened without following a link: a planted ``.OUT.lock -> victim``
    would otherwise have the victim truncated and the pid written into it."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o666)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise RunFolderError(f"--out {out}: the lock {path} is a link; forecast never writes "
                                 "through one: remove the link (or choose another --out)") from None
        raise
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_nlink != 1:
        os.close(fd)
        raise RunFolderError(f"--out {out}: the lock {path} is not a plain file of its own (a "
                             "pipe, device or hard link); remove it (or choose another --out)")
    return fd


def _clean_stale(out: Path) -> None:
    """Remove temporary folders of runs killed earlier (we hold the lock: none is live): those
    with the package's marker, and empty ones; anything else of that name is left alone."""
    prefix = f".{out.name}.tmp-"
    for entry in out.parent.glob(f"{prefix}*"):
        if marked(entry):
            shutil.rmtree(entry, ignore_errors=True)
        elif entry.is_dir() and not entry.is_symlink():
            with contextlib.suppress(OSError):
                entry.rmdir()  # only when empty


def _ignored(name: str) -> bool:
    """Top-level names a run folder may hold beside its manifest: the marker, and
    ``.NAME.*.tmp``, a half-written output an older version's killed run left."""
    return name == MARKER or (name.startswith(".") and name.endswith(".tmp")
                              and any(name[1:].startswith(f"{o}.") for o in OWNED))


def _listed(names: list[str]) -> str:
    return ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")


def _check_target(out: Path) -> None:
    """RunFolderError unless ``out`` may be replaced: absent, empty, or a folder whose
    run.json vouches for every file in it."""
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise RunFolderError(f"--out {out}: is a file (or link), not a folder; choose a folder")
    if not out.exists():
        return
    foreign = unverified(out, _ignored)
    if not foreign:
        return
    runs = sorted({f.split("/")[0] for f in foreign if "/" in f
                   and (out / f.split("/")[0] / "run.json").is_file()})
    if runs:
        raise RunFolderError(f"--out {out}: holds {_listed(runs)}, the folder of another forecast "
                             "run; a run replaces its whole folder, so that run would be deleted: "
                             f"write to a sibling folder instead (e.g. --out {out}-2), or move "
                             f"{_listed(runs)} out of {out}")
    raise RunFolderError(f"--out {out}: holds files that forecast did not write, or that changed "
                         f"since its run wrote them ({_listed(foreign)}); a run replaces its "
                         "folder as a whole, so choose an empty or new folder (or move those "
                         "files)")


def _check_nesting(out: Path) -> None:
    """A run folder inside another run's folder would be deleted by the next run there."""
    parent = out.parent
    if (parent / "run.json").is_file():
        raise RunFolderError(f"--out {out}: is inside {parent}, the folder of another forecast "
                             "run, which a run there replaces as a whole (deleting this one): "
                             f"choose a sibling folder instead (e.g. --out "
                             f"{parent.parent / (parent.name + '-' + out.name)})")


def _check_previous(out: Path) -> None:
    """``OUT.previous`` must be the package's (marked) or absent: the name is needed while a
    new run is swapped in, and a user's folder of that name is never removed."""
    previous = previous_of(out)
    if (previous.exists() or previous.is_symlink()) and not marked(previous):
        raise RunFolderError(f"--out {out}: {previous} was not written by forecast (it lacks the "
                             f"{MARKER} marker), but forecast keeps the previous run under that "
                             "name while it swaps a new one in: rename or move it, or choose "
                             "another --out")


def check_out(out: str | Path) -> None:
    """Whether a run may write ``out``, checked before it computes (fail fast); the same
    checks are made again under the lock when it writes (``run_folder``). RunFolderError
    with the reason and what to do."""
    out = Path(os.path.abspath(out))
    ancestor = out.parent
    while not ancestor.exists() and not ancestor.is_symlink() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise RunFolderError(f"--out {out}: {ancestor} is a file, not a folder")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise RunFolderError(f"--out {out}: the folder {ancestor} is not writable; choose another --out")
    _check_nesting(out)
    _check_target(out)
    _check_previous(out)


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
            _check_nesting(out)
            _check_target(out)
            _check_previous(out)
            try:
                tmp.mkdir()
            except FileExistsError:
                raise RunFolderError(f"--out {out}: {tmp} exists and was not written by forecast; "
                                     "move it (or choose another --out)") from None
            try:
                mark(tmp)
                keeper.made()
                if keep and out.is_dir():
                    shutil.copytree(out, tmp, copy_function=shutil.copy2, dirs_exist_ok=True)
                    mark(tmp)  # a marker copied from OUT is replaced by this folder's own
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
    if previous.exists():  # marked (checked under the lock): a killed run's, already recovered
        shutil.rmtree(previous)
    if out.exists():
        mark(out)  # verified under the lock: marked, it may be restored or removed as previous
        os.rename(out, previous)
        _pause("swap")
    unmark(tmp)
    try:
        os.rename(tmp, out)
    except OSError as exc:
        if previous.exists() and not out.exists():
            os.rename(previous, out)  # put the previous run back before failing
            unmark(out)
        with contextlib.suppress(OSError):
            mark(tmp)  # still the run's temporary folder, removed by the caller
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

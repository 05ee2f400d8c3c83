"""The run folder through the command line: killed runs, concurrent runs, identical runs."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from forecast.cli import cli
from forecast.outputs.manifest import files_of

FORECAST = [sys.executable, "-c", "from forecast.cli import main; main()"]


def _run_args(data: Path, out: Path, seed: int) -> list[str]:
    return ["run", "--data", str(data), "--draws", "200", "--seed", str(seed), "--no-report",
            "--out", str(out)]


def _complete(out: Path) -> dict:
    """The folder's files when it holds one whole run (every file as run.json lists it)."""
    meta = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert files_of(out) == meta["files"], "the folder is not the run its run.json describes"
    return meta


def _leftovers(tmp_path: Path, wait: float = 10.0) -> set[str]:
    """Names beside ``out`` other than the run and the data, once the janitor has had up to
    ``wait`` seconds to clean up after a killed run."""
    deadline = time.monotonic() + wait
    while True:
        left = {p.name for p in tmp_path.iterdir()} - {"out", "toy", "paused"}
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.05)


def _kill_when(proc: subprocess.Popen, marker: Path, group: bool = False) -> None:
    deadline = time.monotonic() + 60
    while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert proc.poll() is None, "the run ended before reaching the pause"
    os.killpg(proc.pid, signal.SIGKILL) if group else proc.send_signal(signal.SIGKILL)
    proc.wait()


def test_sigkill_at_any_point_leaves_the_previous_complete_run_and_no_temporary_files(toy_dataset, tmp_path):
    out = tmp_path / "out"
    assert subprocess.run(FORECAST + _run_args(toy_dataset, out, 1), capture_output=True).returncode == 0
    before = _complete(out)
    outcomes = []
    marker = tmp_path / "paused"
    # killed after a delay (loading, projecting or writing), then exactly while the files
    # are written, exactly between the two renames, and with its whole process group
    points = [(delay, None, False) for delay in (0.2, 1.0, 2.0, 3.0)]
    points += [(None, "write", False), (None, "swap", False), (None, "write", True)]
    for delay, pause, group in points:
        marker.unlink(missing_ok=True)
        env = {**os.environ, "FORECAST_TEST_PAUSE_AT": pause or "", "FORECAST_TEST_PAUSE_FILE": str(marker)}
        proc = subprocess.Popen(FORECAST + _run_args(toy_dataset, out, 2), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, env=env, start_new_session=group)
        if pause:
            _kill_when(proc, marker, group)
        else:
            time.sleep(delay)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        assert _leftovers(tmp_path) == set(), (delay, pause)  # no temp folder, lock or previous
        after = _complete(out)  # the previous run, whole (or the new one if it had finished)
        outcomes.append("previous" if after["run_id"] == before["run_id"] else "new")
        if after["run_id"] == before["run_id"]:
            assert after["files"] == before["files"]
    assert outcomes[-3:] == ["previous"] * 3  # the paused kills landed before the swap
    assert subprocess.run(FORECAST + _run_args(toy_dataset, out, 1), capture_output=True).returncode == 0
    assert _leftovers(tmp_path, wait=0) == set()
    assert _complete(out)["files"] == before["files"]


def test_two_runs_into_one_folder_do_not_interleave(toy_dataset, tmp_path):
    out = tmp_path / "out"
    procs = [subprocess.Popen(FORECAST + _run_args(toy_dataset, out, seed), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for seed in (1, 2)]
    results = [(p.wait(), p.stderr.read()) for p in procs]
    for code, err in results:
        assert code == 0 or (code == 1 and "another forecast run (pid" in err), err
    assert any(code == 0 for code, _ in results)
    meta = _complete(out)  # one whole run, whichever finished last
    assert meta["config"]["seed"] in (1, 2) or meta["run_id"]
    assert {p.name for p in tmp_path.iterdir()} == {"out", "toy"}


def test_identical_runs_give_identical_folders_readable_by_others(toy_dataset, tmp_path):
    old = os.umask(0o022)
    try:
        for name in ("a", "b"):
            result = CliRunner().invoke(cli, ["run", "--data", str(toy_dataset), "--draws", "50",
                                              "--out", str(tmp_path / name)])
            assert result.exit_code == 0, result.output
    finally:
        os.umask(old)
    a, b = files_of(tmp_path / "a"), files_of(tmp_path / "b")
    assert "report.xlsx" in a and any(f.endswith(".png") for f in a) and "report.html" in a
    assert a == b  # every file, report.xlsx and the PNGs included, byte for byte (sha256)
    assert (tmp_path / "a/run.json").read_bytes() == (tmp_path / "b/run.json").read_bytes()
    for path in (tmp_path / "a").rglob("*"):
        assert stat.S_IMODE(path.stat().st_mode) & 0o044 == 0o044, path


def test_shortfall_reads_only_a_matching_run_and_says_which(toy_dataset, tmp_path):
    out = str(tmp_path / "out")
    assert CliRunner().invoke(cli, ["run", "--data", str(toy_dataset), "--draws", "50", "--out", out,
                                    "--no-report"]).exit_code == 0
    run_id = json.loads((tmp_path / "out/run.json").read_text(encoding="utf-8"))["run_id"]
    result = CliRunner().invoke(cli, ["shortfall", "--data", str(toy_dataset), "--out", out])
    assert result.exit_code == 0 and f"reading run {run_id}" in result.output
    (tmp_path / "out/shortfall.csv").write_text("area\n", encoding="utf-8")  # no longer the run's
    result = CliRunner().invoke(cli, ["shortfall", "--data", str(toy_dataset), "--out", out])
    assert "no run in" in result.output and "running it" in result.output
    # running it would replace the folder, which now holds an edited file: refused, file kept
    assert result.exit_code == 1 and "shortfall.csv (changed since the run)" in result.output
    assert (tmp_path / "out/shortfall.csv").read_text(encoding="utf-8") == "area\n"
    (tmp_path / "out/shortfall.csv").unlink()  # the edit undone: the run may be replaced
    result = CliRunner().invoke(cli, ["shortfall", "--data", str(toy_dataset), "--out", out])
    assert result.exit_code == 0 and "no run in" in result.output and "running it" in result.output

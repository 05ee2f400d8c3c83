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


def test_sigkill_at_any_point_leaves_the_previous_complete_run(toy_dataset, tmp_path):
    out = tmp_path / "out"
    assert subprocess.run(FORECAST + _run_args(toy_dataset, out, 1), capture_output=True).returncode == 0
    before = _complete(out)
    outcomes = []
    for delay in (0.2, 1.0, 2.0, 3.0, 4.5):
        proc = subprocess.Popen(FORECAST + _run_args(toy_dataset, out, 2), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if not out.exists():  # killed between the renames: the next run or reader puts it back
            assert (tmp_path / "out.previous").is_dir()
            from forecast.outputs.rundir import recover

            recover(out)
        after = _complete(out)
        outcomes.append("previous" if after["run_id"] == before["run_id"] else "new")
        if after["run_id"] == before["run_id"]:
            assert after["files"] == before["files"]
        # anything else left is a stale temporary folder or lock, removed by the next run
        leftovers = {p.name for p in tmp_path.iterdir()} - {"out", "toy"}
        assert all(n.startswith((".out.tmp-", ".out.lock", "out.previous")) for n in leftovers), leftovers
    assert "previous" in outcomes  # at least one kill landed before the swap
    assert subprocess.run(FORECAST + _run_args(toy_dataset, out, 1), capture_output=True).returncode == 0
    assert {p.name for p in tmp_path.iterdir()} == {"out", "toy"}  # stale temps cleaned
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
    assert result.exit_code == 0 and "no run in" in result.output and "running it" in result.output

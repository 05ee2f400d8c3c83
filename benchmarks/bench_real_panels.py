"""Time the shipped real panels end to end, as a planner runs them.

Prints wall-clock seconds (and CPU seconds) of `forecast run` with the default model and with
every other projection method, and of `forecast backtest`, on the Texas districts panel
(1,276 districts, 2013-2023, no births) and on Banan; each command runs in its own process so
imports and caches count as they do for a user. Nothing here is asserted: compare the figures
with the issue's goal (under 60 s on this machine) and with earlier runs.

    python benchmarks/bench_real_panels.py [--repeat 1]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time

RUNS = [
    ("texas: run (default)", ["run", "--config", "texas", "--no-report"]),
    ("texas: run --model cohort", ["run", "--config", "texas", "--model", "cohort", "--no-report"]),
    ("texas: run --model auto", ["run", "--config", "texas", "--model", "auto", "--no-report"]),
    ("texas: backtest", ["backtest", "--config", "texas"]),
    ("banan: run (default)", ["run", "--config", "banan", "--no-report"]),
]


def timed(args: list[str]) -> tuple[float, float, int]:
    """Wall and CPU seconds of one `forecast` command in a fresh process, and its exit code."""
    with tempfile.TemporaryDirectory() as out:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "forecast", *args, "--out", out],
                              capture_output=True, text=True)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode:
        print(proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "(no message)")
    return wall, cpu, proc.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    print(f"{'command':32s} {'wall s':>8s} {'cpu s':>8s}  exit")
    for label, command in RUNS:
        for _ in range(args.repeat):
            wall, cpu, code = timed(command)
            print(f"{label:32s} {wall:8.1f} {cpu:8.1f}  {code}")


if __name__ == "__main__":
    main()

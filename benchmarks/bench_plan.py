"""Time `forecast plan` on Texas (1,276 districts, US K-5/6-8/9-12) and Banan to 2030.

    python benchmarks/bench_plan.py [--out /tmp/bench_plan] [--cold]

Runs each dataset once into OUT (unless a matching run is already there, or with --cold
always first), then times `forecast plan` on it, and prints the solver line and the risk
line of the plan. The issue's bar: Texas plans in at most 2 minutes.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

CASES = {"texas": ["--config", "configs/texas.yaml"], "banan": ["--config", "configs/banan.yaml", "--until", "2030"]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="/tmp/bench_plan")
    parser.add_argument("--cold", action="store_true", help="remove OUT first: time the run too")
    args = parser.parse_args()
    root = Path(__file__).resolve().parent.parent
    for name, options in CASES.items():
        out = Path(args.out) / name
        if args.cold and out.exists():
            shutil.rmtree(out)
        began = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "forecast", "plan", *options, "--out", str(out),
                               "--lang", "en"], cwd=root, capture_output=True, text=True)
        seconds = time.perf_counter() - began
        if done.returncode:
            print(f"{name}: failed\n{done.stderr}")
            continue
        lines = [ln for ln in done.stdout.splitlines() if ln.startswith(("solver:", "risk where", "target", "budget"))]
        print(f"{name}: forecast plan {seconds:.1f} s wall")
        for line in lines:
            print(f"  {line}")


if __name__ == "__main__":
    main()

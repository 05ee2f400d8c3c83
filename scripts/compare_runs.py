"""Run the shipped datasets and compare every output's sha256 with an earlier set of runs.

Used to show that a change which should not alter results (a reorganisation, a faster
writer) leaves the run folders byte-identical::

    python scripts/compare_runs.py --out runs-before          # before the change
    python scripts/compare_runs.py --out runs-after --against runs-before

Each run's ``run.json`` lists its files with their sha256; run.json itself carries a run id
and timings, so it is compared through that list, not byte by byte.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

RUNS = {
    "banan": ["run"],
    "china": ["run", "--config", "configs/china.yaml", "--no-report"],
    "texas": ["run", "--config", "configs/texas.yaml", "--no-report"],
}


def files_of(folder: Path) -> dict[str, str]:
    """Output name -> sha256, as the run's manifest lists them."""
    manifest = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    return {name: entry["sha256"] for name, entry in manifest["files"].items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for the run folders")
    parser.add_argument("--against", type=Path, help="an earlier --out to compare with")
    parser.add_argument("--only", nargs="*", default=list(RUNS), help="runs to make")
    args = parser.parse_args(argv)
    differ = 0
    for name in args.only:
        folder = args.out / name
        command = [sys.executable, "-m", "forecast", *RUNS[name], "--out", str(folder)]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        if args.against is None:
            print(f"{name}: {len(files_of(folder))} files")
            continue
        now, before = files_of(folder), files_of(args.against / name)
        changed = sorted(n for n in set(now) | set(before) if now.get(n) != before.get(n))
        differ += len(changed)
        print(f"{name}: {len(now)} files, " + (f"{len(changed)} differ: {', '.join(changed)}"
                                               if changed else "all identical"))
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())

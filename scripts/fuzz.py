"""Full fuzz run: generate broken datasets, configs and command lines, run the CLI on each
and print a table of fault families x outcomes.

    python scripts/fuzz.py --cases 1000 --seed 13

Exits 1 if any case is unhandled, hangs, is silently accepted, names the wrong thing or
reads differently where it must read the same. See forecast/testing/fuzz.py.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from forecast.testing.fuzz import FAMILIES, run_cases, table

BAD = ("unhandled", "hang", "silently accepted", "wrong message", "differs")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--timeout", type=int, default=60, help="seconds before a case counts as a hang")
    parser.add_argument("--family", action="append", help="only these families (repeatable)")
    parser.add_argument("--details", action="store_true", help="print every bad case's detail")
    args = parser.parse_args()
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="forecast-fuzz-") as work:
        results = run_cases(args.cases, args.seed, Path(work), args.family, args.timeout)
    print(table(results))
    print(f"\n{len(results)} cases in {len(FAMILIES) if not args.family else len(args.family)} "
          f"families, seed {args.seed}, {time.perf_counter() - start:.0f} s")
    bad = [(c, o, d) for c, o, d in results if o in BAD]
    for case, outcome, detail in bad[: None if args.details else 20]:
        print(f"{outcome}: {case.family}: {' '.join(case.args)}\n    {detail}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: the whole run at scale, side by side with the numpy floor.

    python benchmarks/bench_scale.py [--sizes 300,3000,30000] [--floor-areas 3000]
                                     [--rounds 3] [--warmup 1] [--draws 1000] [--dask] [--stream]

Prints, in one run (figures only; nothing is asserted):

1. the ratio of fit+project (grade cohort flow, local engine, 2 threads) to the numpy floor on
   the same synthetic data, median of ``--rounds`` rounds measured alternately after
   ``--warmup`` unmeasured ones (imports and first touches of memory): the floor
   generates as many normals as the projection has output draws (every area x slot x year x
   draw, parents included), writes and reads every value once (a float32 copy) and sorts each
   cell's draws (the least work exact quantiles need), chunk by chunk on 2 threads;
2. the end-to-end ``forecast run --data`` time split by stage (load+validate, fit, project,
   evidence, shortfall, classes, export records, write) and its peak resident memory, at each
   size, each in a fresh process (synthetic datasets from benchmarks/synthetic.py in a temp
   dir), and end to end over fit+project (the evidence step, which fits and projects the
   candidates, counts as fit+project: the rest is load, validation, shortfall, classes, export
   and writing);
3. with ``--dask``: fit+project on the local engine against a Dask LocalCluster (2 worker
   processes) on the same data, and whether the projections are byte-identical.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

UNTIL = 2025  # the default config's last year: five projected years


def floor_seconds(cells: int, draws: int, chunk_cells: int = 25 * 100 * 5, workers: int = 2) -> float:
    """Generate cells x draws normals, write and read each once, sort each cell's draws."""
    bounds = [(s, min(s + chunk_cells, cells)) for s in range(0, cells, chunk_cells)]

    def work(k: int) -> None:
        rng = np.random.default_rng(k)
        ordered = None
        for start, stop in bounds[k::workers]:
            z = rng.standard_normal((stop - start, draws))
            if ordered is None or ordered.shape != z.shape:
                ordered = np.empty(z.shape, dtype=np.float32)
            np.copyto(ordered, z, casting="same_kind")
            ordered.sort(axis=-1)

    start = time.perf_counter()
    threads = [threading.Thread(target=work, args=(k,)) for k in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - start


def fit_project(folder: Path, draws: int, engine=None):
    from forecast.data.dataset import load_dataset
    from forecast.models.projection import CohortFlow

    ds = load_dataset(folder)
    start = time.perf_counter()
    frame = CohortFlow().fit(ds).project(UNTIL, draws=draws, engine=engine)
    return time.perf_counter() - start, frame


OVERHEAD = ("load+validate", "shortfall", "classes", "export records", "write")


def stages_child(folder: Path, out: Path, draws: int, stream: bool = False, method: str | None = None) -> None:
    """One CLI-equivalent run with a timer on each stage; prints JSON (run in a fresh process)."""
    from forecast import pipeline
    from forecast.cli import _load
    from forecast.models import projection
    from forecast.planning import scheduler_export as export
    from forecast.planning import shortfall

    timings: dict[str, float] = {}

    def timed(owner, name: str, label: str):
        original = getattr(owner, name)

        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                timings[label] = timings.get(label, 0.0) + time.perf_counter() - start
        setattr(owner, name, wrapper)

    from forecast.evidence import step

    timed(pipeline, "load_dataset", "load+validate")
    timed(projection.CohortFlow, "fit", "fit")
    timed(projection.FittedCohortFlow, "project", "project")
    timed(step, "prepare", "evidence")  # the candidates' backtest: fitting and projecting too
    timed(step, "apply", "evidence")
    timed(pipeline, "shortfall_table", "shortfall")
    timed(pipeline, "classes_table", "classes")
    timed(export, "records", "export records")
    start = time.perf_counter()
    config = _load(None, str(folder))
    result = pipeline.run(config, draws=draws, stream=stream, method=method)
    mid = time.perf_counter()
    pipeline.write_outputs(result, out, config)
    if result.spool is not None:
        result.spool.cleanup()
    end = time.perf_counter()
    timings["write"] = end - mid
    timings["total (run + write)"] = end - start
    timings["peak RSS GiB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    del shortfall
    print(json.dumps(timings))


def cli_seconds(folder: Path, out: Path, draws: int, stream: bool = False) -> tuple[float, float]:
    """Wall time and peak memory of ``forecast run --data`` in a fresh process."""
    code = ("import resource, sys, time; from forecast.cli import main; t = time.perf_counter()\n"
            "sys.argv = ['forecast'] + sys.argv[1:]\ntry:\n    main()\nexcept SystemExit:\n    pass\n"
            "print('BENCH', time.perf_counter() - t, "
            "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code, "run", "--data", str(folder), "--out", str(out),
                           "--no-report", "--draws", str(draws)] + (["--stream"] if stream else []),
                          capture_output=True, text=True)
    line = [x for x in done.stderr.splitlines() if x.startswith("BENCH")]
    if not line:
        raise RuntimeError(done.stderr[-2000:])
    _, seconds, gib = line[-1].split()
    return float(seconds), float(gib)


def main() -> None:
    from synthetic import write

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="300,3000,30000")
    parser.add_argument("--floor-areas", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=1, help="unmeasured rounds before the first")
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--dask", action="store_true")
    parser.add_argument("--stream", action="store_true", help="end-to-end runs with --stream")
    parser.add_argument("--child", nargs=2, metavar=("DATA", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--method", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        stages_child(Path(args.child[0]), Path(args.child[1]), args.draws, args.stream, args.method)
        return
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        folder = write(tmp / f"syn{args.floor_areas}", args.floor_areas)
        ratios = []
        for _ in range(args.warmup):  # first use of imports and fresh memory: timed by neither side
            fit_project(folder, args.draws)
            floor_seconds(356_615, args.draws)
        for r in range(args.rounds):
            seconds, frame = fit_project(folder, args.draws)
            floor = floor_seconds(len(frame), args.draws)
            ratios.append(seconds / floor)
            print(f"round {r + 1}: fit+project {seconds:.2f} s, floor {floor:.2f} s "
                  f"({len(frame):,} cells x {args.draws} draws), ratio {seconds / floor:.2f}")
        print(f"numpy-floor ratio at {args.floor_areas} areas (median of {args.rounds}): "
              f"{statistics.median(ratios):.2f}\n")
        if args.dask:
            from forecast.engine.run import Engine

            local_s, local = fit_project(folder, args.draws)
            dask_s, distributed = fit_project(folder, args.draws, Engine(kind="dask"))
            same = local.equals(distributed)
            print(f"local engine (2 threads) {local_s:.2f} s; Dask LocalCluster (2 workers, incl. "
                  f"start-up) {dask_s:.2f} s; ratio {dask_s / local_s:.2f}; identical: {same}\n")
        for size in [int(s) for s in args.sizes.split(",") if s]:
            data = write(tmp / f"syn{size}", size)
            for method in ("evidence", "cohort"):
                done = subprocess.run([sys.executable, __file__, "--child", str(data), str(tmp / f"out{size}"),
                                       "--draws", str(args.draws), "--method", method]
                                      + (["--stream"] if args.stream else []), capture_output=True, text=True)
                if done.returncode:
                    print(f"{size} areas ({method}): failed\n{done.stderr[-2000:]}")
                    continue
                stages = json.loads(done.stdout.strip().splitlines()[-1])
                total = stages["total (run + write)"]
                overhead = sum(stages.get(k, 0.0) for k in OVERHEAD)
                parts = ", ".join(f"{k} {v:.1f} s" for k, v in stages.items() if k not in ("peak RSS GiB",))
                print(f"{size:,} areas, model {method}: {parts}; peak RSS {stages['peak RSS GiB']:.2f} GiB")
                # fit+project = everything but the overhead stages (the nested timers of the
                # evidence step's own fits would otherwise count twice)
                print(f"  load+validate+shortfall+classes+export+write {overhead:.1f} s; fit+project "
                      f"{total - overhead:.1f} s; end to end / (fit+project) = {total / (total - overhead):.2f}")
            if size <= 30000:
                cli, gib = cli_seconds(data, tmp / f"cli{size}", args.draws, args.stream)
                print(f"  CLI `forecast run --data` (default) {cli:.1f} s, peak RSS {gib:.2f} GiB")


if __name__ == "__main__":
    main()

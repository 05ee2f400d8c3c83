"""Benchmark: the whole run at scale, side by side with the numpy floor.

    python benchmarks/bench_scale.py [--sizes 300,3000,30000] [--floor-areas 3000] [--until 2030]
                                     [--rounds 3] [--warmup 1] [--draws 1000] [--workers N]
                                     [--model cohort,evidence] [--dask] [--stream]

Prints, in one run (figures only; nothing is asserted):

1. fit+project (grade cohort flow, local engine on ``--workers`` threads, default all cores)
   beside the numpy floor on 1 and on 2 threads, on the same synthetic data, in alternating
   rounds after ``--warmup`` unmeasured ones (imports and first touches of memory), and the
   median over ``--rounds`` of fit+project / the faster floor of the round. The floor does
   only what any such projection must: generate as many normals as the projection has output
   draws (every area x slot x year x draw, parents included), write and read every value once
   (a float32 copy) and sort each cell's draws (the least work exact quantiles need), chunk
   by chunk. ``--until 2030``: ten projected years, as in issue 27;
2. the end-to-end run (``pipeline.run`` + ``write_outputs``, as ``forecast run --data DIR
   --model M --no-report``) split into stages, each in a fresh process, with each stage's
   wall and CPU seconds and its share of the run: load (reading the tables), validate (the
   rest of ``load_dataset``), fit, evidence (the candidates' backtests and choice, their own
   fits and projections included), project, shortfall, classes, spells (shortfall_summary),
   export (the scheduler's records), write, and other (the rest: seats, notes, plan check);
   then end to end / (load + validate + fit + project), and the CLI's own wall time in a
   fresh process (imports included) over the same;
3. with ``--dask``: fit+project on the local engine against a Dask LocalCluster (2 worker
   processes) on the same data, and whether the projections are byte-identical.

The machine is shared: read the ratios measured side by side, and their spread over rounds,
not the absolute seconds.
"""

from __future__ import annotations

import argparse
import json
import os
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

UNTIL = 2030  # ten projected years after the synthetic base year 2020 (issue 27)
STAGES = ("load", "validate", "fit", "evidence", "project", "shortfall", "classes", "spells",
          "export", "write", "other")


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


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


def fit_project(folder: Path, draws: int, until: int = UNTIL, engine=None, dataset=None):
    """Seconds of ``CohortFlow().fit(ds).project(until, draws)`` and the projection."""
    from forecast.data.dataset import load_dataset
    from forecast.models.projection import CohortFlow

    ds = dataset if dataset is not None else load_dataset(folder)
    start = time.perf_counter()
    frame = CohortFlow().fit(ds).project(until, draws=draws, engine=engine)
    return time.perf_counter() - start, frame


def stages_child(folder: Path, out: Path, draws: int, stream: bool = False, method: str | None = None,
                 workers: int | None = None) -> None:
    """One CLI-equivalent run with a timer on each stage; prints JSON (run in a fresh process).
    A stage called inside another is timed apart (its time leaves the outer stage), except
    inside the evidence step, whose own fits and projections count as evidence."""
    from forecast import pipeline
    from forecast.cli import _load
    from forecast.data import dataset as dataset_module
    from forecast.engine.run import Engine
    from forecast.evidence import step
    from forecast.models import projection

    wall: dict[str, float] = {}
    cpu: dict[str, float] = {}
    active: list[str] = []

    def timed(owner, name: str, label: str):
        original = getattr(owner, name)

        def wrapper(*args, **kwargs):
            if "evidence" in active:
                return original(*args, **kwargs)
            wall.setdefault(label, 0.0)
            cpu.setdefault(label, 0.0)
            start, start_cpu = time.perf_counter(), time.process_time()
            active.append(label)
            try:
                return original(*args, **kwargs)
            finally:
                active.pop()
                spent, spent_cpu = time.perf_counter() - start, time.process_time() - start_cpu
                wall[label] = wall.get(label, 0.0) + spent
                cpu[label] = cpu.get(label, 0.0) + spent_cpu
                if active:  # exclusive times: the inner stage leaves the outer one
                    wall[active[-1]] -= spent
                    cpu[active[-1]] -= spent_cpu
        setattr(owner, name, wrapper)

    timed(dataset_module, "read_table", "load")
    timed(pipeline, "load_dataset", "validate")  # the rest of load_dataset: checks, conversions
    timed(projection.CohortFlow, "fit", "fit")
    timed(projection.FittedCohortFlow, "project", "project")
    timed(step, "prepare", "evidence")  # the candidates' backtest: fitting and projecting too
    timed(step, "apply", "evidence")
    timed(pipeline, "shortfall_table", "shortfall")
    timed(pipeline, "classes_table", "classes")
    timed(pipeline, "summarise", "spells")
    timed(pipeline, "plan", "export")
    timed(pipeline, "write_outputs", "write")
    engine = Engine(workers=workers) if workers else None
    start, start_cpu = time.perf_counter(), time.process_time()
    config = _load(None, str(folder))
    result = pipeline.run(config, draws=draws, stream=stream, method=method, engine=engine)
    pipeline.write_outputs(result, out, config)
    if result.spool is not None:
        result.spool.cleanup()
    total, total_cpu = time.perf_counter() - start, time.process_time() - start_cpu
    wall["other"] = total - sum(wall.values())
    cpu["other"] = total_cpu - sum(cpu.values())
    print(json.dumps({"wall": wall, "cpu": cpu, "total": total, "total_cpu": total_cpu,
                      "peak_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20}))


def cli_seconds(folder: Path, out: Path, draws: int, method: str, stream: bool = False,
                workers: int | None = None) -> tuple[float, float]:
    """Wall time and peak memory of ``forecast run --data DIR --model M --no-report`` in a
    fresh process (imports included)."""
    code = ("import resource, sys, time; t = time.perf_counter(); from forecast.cli import main\n"
            "sys.argv = ['forecast'] + sys.argv[1:]\ntry:\n    main()\nexcept SystemExit:\n    pass\n"
            "print('BENCH', time.perf_counter() - t, "
            "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code, "run", "--data", str(folder), "--out", str(out),
                           "--no-report", "--draws", str(draws), "--model", method]
                          + (["--stream"] if stream else [])
                          + (["--workers", str(workers)] if workers else []),
                          capture_output=True, text=True)
    line = [x for x in done.stderr.splitlines() if x.startswith("BENCH")]
    if not line:
        raise RuntimeError(done.stderr[-2000:])
    _, seconds, gib = line[-1].split()
    return float(seconds), float(gib)


def stage_table(stages: dict) -> str:
    """Each stage's wall and CPU seconds and share of the run's wall time."""
    total = stages["total"]
    lines = [f"  {'stage':10s} {'wall s':>8s} {'cpu s':>8s} {'share':>6s}"]
    for name in STAGES:
        if name in stages["wall"]:
            w, c = stages["wall"][name], stages["cpu"][name]
            lines.append(f"  {name:10s} {w:8.2f} {c:8.2f} {100 * w / total:5.1f}%")
    lines.append(f"  {'total':10s} {total:8.2f} {stages['total_cpu']:8.2f} 100.0%")
    return "\n".join(lines)


def spread(values: list[float]) -> str:
    return f"median {statistics.median(values):.2f} (rounds {' / '.join(f'{v:.2f}' for v in values)})"


def main() -> None:
    from synthetic import write

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="300,3000,30000")
    parser.add_argument("--floor-areas", type=int, default=3000)
    parser.add_argument("--until", type=int, default=UNTIL, help="last projected year of the floor rounds")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=1, help="unmeasured rounds before the first")
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=None,
                        help="threads of the local engine (default: the engine's, all cores)")
    parser.add_argument("--model", default="cohort,evidence", help="models of the end-to-end runs")
    parser.add_argument("--dask", action="store_true")
    parser.add_argument("--stream", action="store_true", help="end-to-end runs with --stream")
    parser.add_argument("--child", nargs=2, metavar=("DATA", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--method", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        stages_child(Path(args.child[0]), Path(args.child[1]), args.draws, args.stream, args.method,
                     args.workers)
        return
    from forecast.data.dataset import load_dataset
    from forecast.engine.run import Engine

    engine = Engine(workers=args.workers) if args.workers else None
    print(f"{cores()} cores; load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        folder = write(tmp / f"syn{args.floor_areas}", args.floor_areas)
        ds = load_dataset(folder)
        cells = None
        for _ in range(args.warmup):  # first use of imports and fresh memory: timed by neither side
            _, frame = fit_project(folder, args.draws, args.until, engine, ds)
            cells = len(frame)
            floor_seconds(cells, args.draws, workers=1)
            floor_seconds(cells, args.draws, workers=2)
        ratios, ratios_1, ratios_2 = [], [], []
        for r in range(args.rounds):  # alternating: projection, 1-thread floor, 2-thread floor
            seconds, frame = fit_project(folder, args.draws, args.until, engine, ds)
            cells = len(frame)
            one = floor_seconds(cells, args.draws, workers=1)
            two = floor_seconds(cells, args.draws, workers=2)
            ratios.append(seconds / min(one, two))
            ratios_1.append(seconds / one)
            ratios_2.append(seconds / two)
            print(f"round {r + 1}: fit+project {seconds:.2f} s; floor 1 thread {one:.2f} s, 2 threads "
                  f"{two:.2f} s ({cells:,} cells x {args.draws} draws); ratio to the faster floor "
                  f"{ratios[-1]:.2f}", flush=True)
        print(f"fit+project / faster floor at {args.floor_areas} areas, until {args.until}: "
              f"{spread(ratios)}")
        print(f"  / 1-thread floor {spread(ratios_1)}; / 2-thread floor {spread(ratios_2)}\n")
        if args.dask:
            local_s, local = fit_project(folder, args.draws, args.until, engine, ds)
            dask_s, distributed = fit_project(folder, args.draws, args.until, Engine(kind="dask"), ds)
            same = local.equals(distributed)
            print(f"local engine {local_s:.2f} s; Dask LocalCluster (2 workers, incl. "
                  f"start-up) {dask_s:.2f} s; ratio {dask_s / local_s:.2f}; identical: {same}\n")
        del ds
        for size in [int(s) for s in args.sizes.split(",") if s]:
            data = write(tmp / f"syn{size}", size)
            for method in [m for m in args.model.split(",") if m]:
                done = subprocess.run([sys.executable, __file__, "--child", str(data), str(tmp / f"out{size}"),
                                       "--draws", str(args.draws), "--method", method]
                                      + (["--workers", str(args.workers)] if args.workers else [])
                                      + (["--stream"] if args.stream else []), capture_output=True, text=True)
                if done.returncode:
                    print(f"{size} areas ({method}): failed\n{done.stderr[-2000:]}")
                    continue
                stages = json.loads(done.stdout.strip().splitlines()[-1])
                print(f"{size:,} areas, model {method} (peak RSS {stages['peak_gib']:.2f} GiB):")
                print(stage_table(stages))
                wall = stages["wall"]
                core = sum(wall.get(k, 0.0) for k in ("load", "validate", "fit", "project"))
                print(f"  end to end / (load+validate+fit+project) = {stages['total'] / core:.2f}")
                if size <= 30000:
                    cli, gib = cli_seconds(data, tmp / f"cli{size}", args.draws, method, args.stream,
                                           args.workers)
                    print(f"  CLI `forecast run --data DIR --model {method} --no-report` {cli:.1f} s "
                          f"(imports included), peak RSS {gib:.2f} GiB; / (load+validate+fit+project "
                          f"above) = {cli / core:.2f}")


if __name__ == "__main__":
    main()

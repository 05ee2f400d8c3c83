"""Held-out check of the cohort flow on the national series (data/china).

    python scripts/national_check.py [--origins 2012 2013 2014 2015] [--window 3] [--damping 0.8]

For each origin: fit on enrolment and births up to the origin only (later births unknown,
held at the origin's value), project five years, print the percentage error per year for
kindergarten and primary. The rolling backtest with baselines is `forecast backtest`'s job.
"""

from __future__ import annotations

import argparse
import dataclasses

from forecast import load_dataset
from forecast.data.catalog import resolve_dataset
from forecast.data.config import ModelSettings
from forecast.models.projection import CohortFlow


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--origins", type=int, nargs="+", default=[2012, 2013, 2014, 2015])
    parser.add_argument("--window", type=int, default=ModelSettings().migration_window)
    parser.add_argument("--damping", type=float, default=ModelSettings().migration_damping)
    args = parser.parse_args()
    ds = load_dataset(resolve_dataset("china"))
    actual = ds.level_totals().set_index(["level", "year"])["students"]
    settings = ModelSettings(migration_window=args.window, migration_damping=args.damping)
    last = int(ds.enrolment["year"].max())
    print(f"migration_window={args.window} migration_damping={args.damping}; error % by year ahead")
    for origin in args.origins:
        cut = dataclasses.replace(ds, base_year=origin, enrolment=ds.enrolment[ds.enrolment.year <= origin],
                                  births=ds.births[ds.births.year <= origin])
        proj = CohortFlow(settings).fit(cut).project(min(origin + 5, last), draws=1)
        for level in ("kindergarten", "primary"):
            part = proj[(proj.level == level) & (proj.grade == "")].set_index("year")["mean"]
            errors = [100 * (part[y] / actual[(level, y)] - 1) for y in part.index]
            print(f"  origin {origin} {level:13s} " + " ".join(f"{e:+5.1f}" for e in errors))


if __name__ == "__main__":
    main()

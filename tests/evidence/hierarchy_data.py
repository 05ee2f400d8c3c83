"""A synthetic school system with known parameters: districts whose totals follow their
births (a constant ratio to the births of the six cohorts aged 6-11) and schools that share
each district's pupils in proportions that wander year to year (catchment changes, a
popular head teacher): the district is predictable from births, its schools are not."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd


def write_hierarchy(folder: Path, districts: int = 4, schools: int = 6, seed: int = 7,
                    share_noise: float = 0.08, years: range = range(2002, 2021)) -> Path:
    """city -> districts (births) -> schools (primary totals, no births)."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    years = np.arange(years[0], years[-1] + 1)
    birth_years = np.arange(years[0] - 11, years[-1] + 1)
    meta = ["name: hierarchy", f"base_year: {years[-1]}", "areas:", "  - {area: city, parent: null}"]
    births, enrol = [], []
    for d in range(districts):
        district = f"d{d}"
        meta.append(f"  - {{area: {district}, parent: city}}")
        path = 2000 * np.exp(np.cumsum(rng.normal(0, 0.06, len(birth_years))))
        births += [(district, int(y), round(v)) for y, v in zip(birth_years, path, strict=True)]
        by_year = dict(zip(birth_years, path, strict=True))
        ratio = 0.9 + 0.02 * d
        total = np.array([ratio * sum(by_year[t - a] for a in range(6, 12)) for t in years])
        logits = np.cumsum(rng.normal(0, share_noise, (schools, len(years))), axis=1) \
            + rng.normal(0, 0.3, (schools, 1))
        share = np.exp(logits) / np.exp(logits).sum(axis=0)
        for s in range(schools):
            school = f"d{d}s{s}"
            meta.append(f"  - {{area: {school}, parent: {district}}}")
            enrol += [(school, int(t), "primary", "", round(v)) for t, v in zip(years, total * share[s], strict=True)]
    (folder / "dataset.yaml").write_text("\n".join(meta) + "\n", encoding="utf-8")
    pd.DataFrame(births, columns=["area", "year", "births"]).to_csv(folder / "births.csv", index=False)
    pd.DataFrame(enrol, columns=["area", "year", "level", "grade", "students"]).to_csv(
        folder / "enrolment.csv", index=False)
    return folder

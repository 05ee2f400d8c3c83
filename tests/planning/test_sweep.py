"""forecast sweep: the grid, the shortfall at each point and the thresholds, by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from forecast import load_config
from forecast.cli import _load, cli
from forecast.planning.sweep import parse_grid, run_sweep
from tests.conftest import REPO


def _south_demand(births: float, scale: float) -> float:
    """Toy dataset, south primary in 2027 by hand: ratio R = 310 / C(2020), drift = change of
    the log ratio 2019 -> 2020, damped 0.8 a year over 7 years; the cohorts of 2027 (born
    2016-2021) are 108+109+110+111+112 observed plus 2021 held at 112 and multiplied."""
    c2019, c2020 = sum(range(100, 106)), sum(range(101, 107))  # born 2008-13, 2009-14
    ratio = 310 / c2020
    drift = np.log(310 / c2020) - np.log(300 / c2019)
    build = 0.8 * (1 - 0.8 ** 7) / (1 - 0.8)
    return ratio * np.exp(drift * scale * build) * (550 + 112 * births)


def test_grid_parsing():
    name, values = parse_grid("births=0.8:1.2:0.1")
    assert name == "births"
    np.testing.assert_allclose(values, [0.8, 0.9, 1.0, 1.1, 1.2])
    for bad in ("birth=1:2:1", "births=1:2", "births=2:1:0.1", "migration=0:1:0"):
        with pytest.raises(ValueError):
            parse_grid(bad)


def test_thresholds_match_a_hand_computation(toy_dataset):
    config = _load(None, str(toy_dataset))
    grid = dict([parse_grid("births=0:0.5:0.05"), parse_grid("migration=0:2:0.5")])
    result = run_sweep(config, grid, year=2027, draws=1)  # one draw: P90 is the central path
    south = result.sweep[result.sweep["area"] == "south"].set_index(["births", "migration"])
    for b, m in [(0.0, 1.0), (0.25, 1.0), (0.5, 2.0), (0.2, 0.0)]:
        assert south.loc[(b, m), "demand_p90"] == pytest.approx(_south_demand(b, m), rel=1e-6)
    assert (south["seats"] == 310).all()  # base-year enrolment, no project in south
    # By hand: short once R e^(drift x 3.16) (550 + 112 b) > 310, i.e. b > 0.2437 at scale 1
    bound = (310 / (_south_demand(0, 1) / 550) - 550) / 112
    assert 0.2 < bound < 0.25
    found = result.thresholds.query("area == 'south' and vary == 'births' and migration == 1.0")
    assert found["threshold"].item() == 0.25
    # at births 0.2 the migration scale must reach the first grid value above the bound
    scales = np.arange(0, 2.01, 0.5)
    short = [_south_demand(0.2, s) > 310 for s in scales]
    expected = scales[short.index(True)] if any(short) else np.nan
    got = result.thresholds.query("area == 'south' and vary == 'migration' and births == 0.2")["threshold"].item()
    assert got == expected or (np.isnan(got) and np.isnan(expected))


def test_banan_gives_a_threshold_reading_per_level():
    config = load_config(REPO / "configs" / "banan.yaml")
    grid = dict([parse_grid("births=0.8:1.2:0.2"), parse_grid("migration=0.5:1.5:0.5")])
    result = run_sweep(config, grid, draws=50)
    levels = set(result.sweep["level"])
    assert {"primary", "junior"} <= levels
    at_one = result.thresholds.query("vary == 'births' and migration == 1.0")
    assert set(at_one["level"]) == levels and at_one["reading"].str.len().gt(0).all()
    # P(shortfall) never falls as births rise (same draws at every grid point)
    for _, part in result.sweep[result.sweep["migration"] == 1.0].groupby(["area", "level"]):
        assert part.sort_values("births")["p_shortfall"].is_monotonic_increasing


def test_cli_writes_both_tables_and_refuses_a_bad_grid(tmp_path, toy_dataset):
    runner = CliRunner()
    done = runner.invoke(cli, ["sweep", "--data", str(toy_dataset), "--grid", "births=0.5:1.5:0.5",
                               "--year", "2027", "--draws", "20", "--out", str(tmp_path / "out")])
    assert done.exit_code == 0, done.output
    sweep = pd.read_csv(tmp_path / "out" / "sweep.csv")
    assert len(sweep) == 3 * sweep.groupby(["area", "level"]).ngroups
    assert (tmp_path / "out" / "thresholds.csv").exists()
    bad = runner.invoke(cli, ["sweep", "--data", str(toy_dataset), "--grid", "birth=1:2:1"])
    assert bad.exit_code == 1 and "axis must be one of" in bad.output


@pytest.mark.parametrize(("spec", "reason"), [
    ("births=0:inf:1", "must be finite"),        # overflowed converting the point count
    ("births=0:1e300:1e299", "STOP at most 10"),  # ran, and wrote inf into sweep.csv
    ("migration=0:nan:1", "must be finite"),
    ("births=0:10:1e-300", "points; at most 200 per axis"),
])
def test_a_grid_beyond_the_config_bounds_is_refused_as_a_user_error(tmp_path, toy_dataset, spec, reason):
    from forecast.common.errors import OptionError

    with pytest.raises(OptionError, match=reason):
        parse_grid(spec)
    result = CliRunner().invoke(cli, ["sweep", "--data", str(toy_dataset), "--grid", spec,
                                      "--out", str(tmp_path / "o")])
    assert result.exit_code == 1 and reason.split(";")[0] in result.output
    assert not (tmp_path / "o").exists()

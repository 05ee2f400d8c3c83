"""Bounds on horizon, draws and memory, checked before work starts."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from forecast.cli import cli
from forecast.data.inputs.bounds import check_memory, check_until, estimate_bytes


def test_until_must_lie_within_the_horizon():
    check_until(2021, 2020)
    check_until(2050, 2020)
    with pytest.raises(ValueError, match="must be after the base year 2020"):
        check_until(2020, 2020)
    with pytest.raises(ValueError, match="more than 30 years after the base year 2020; use 2021 to 2050"):
        check_until(2051, 2020)
    check_until(2060, 2020, max_horizon=40)


def test_memory_estimate_counts_parent_draws_chunks_and_rows():
    # 1 parent x 10 slots x 5 years x 100 draws x 4 bytes; 2 x 3 areas x ... chunk; rows x 250 bytes
    assert estimate_bytes(3, 1, 10, 5, 100, 2) == 1 * 10 * 5 * 100 * 4 + 2 * 3 * 10 * 5 * 100 * 4 + 3 * 10 * 5 * 2 * 250
    check_memory(799, available=1000)
    with pytest.raises(ValueError, match="needs about .* GiB of memory"):
        check_memory(801, available=1000)


def test_run_refuses_a_far_horizon_and_a_typo_path(toy_dataset, tmp_path):
    result = CliRunner().invoke(cli, ["run", "--data", str(toy_dataset), "--until", "2100",
                                      "--out", str(tmp_path / "o")])
    assert result.exit_code == 1 and "--until 2100: more than 30 years" in result.output
    result = CliRunner().invoke(cli, ["run", "--data", str(toy_dataset), "--until", "2060",
                                      "--max-horizon", "40", "--draws", "5", "--no-report",
                                      "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(cli, ["run", "--data", "some/typo/banan", "--out", str(tmp_path / "p")])
    assert result.exit_code == 1 and "some/typo/banan: no such dataset folder" in result.output
    assert not (tmp_path / "p").exists()


def test_until_zero_and_huge_draws_are_usage_errors(toy_dataset):
    for option, value in (("--until", "0"), ("--draws", "1000000000")):
        result = CliRunner().invoke(cli, ["run", "--data", str(toy_dataset), option, value])
        assert result.exit_code == 2 and option in result.output


def test_until_blames_what_the_user_wrote():
    from forecast.common.errors import OptionError

    with pytest.raises(OptionError, match=r"^configs/x.yaml, key until: 2010: must be after"):
        check_until(2010, 2020, given="configs/x.yaml, key until: 2010")
    with pytest.raises(OptionError, match=r"^--until 2020: must be after the base year 2020"):
        check_until(2020, 2020)


def test_default_settings_on_another_dataset_project_five_years_past_its_base_year(tmp_path):
    from forecast.data.config import load_config
    from forecast.data.inputs.bounds import DATA_HORIZON, resolve_until

    settings = load_config("default")  # until 2025, written for Banan (base year 2020)
    assert resolve_until(settings, 2025) == (2025, f"{settings.source}, key until: 2025", None)
    china = settings.for_dataset(tmp_path)
    until, given, note = resolve_until(china, 2025)
    assert (until, DATA_HORIZON) == (2030, 5) and given == "until 2030 (base year + 5)"
    assert note.startswith("no --until given and the settings' until 2025 is not after the base "
                           "year 2025: projecting to 2030")
    assert resolve_until(china, 2020) == (2025, f"{settings.source}, key until: 2025", None)
    assert resolve_until(china, 2025, asked=2027) == (2027, "--until 2027", None)


def test_a_projection_beyond_any_plausible_count_is_refused():
    import pandas as pd

    from forecast.common.errors import DataLimitError
    from forecast.data.inputs.bounds import check_projection

    row = {"area": "north", "level": "primary", "grade": "", "year": 2024, "mean": 1e3, "p10": 9e2,
           "p90": 1.1e3}
    check_projection(pd.DataFrame([row]))
    for bad in (2e9, float("inf"), float("nan")):
        with pytest.raises(DataLimitError, match="the projection of north primary reaches .* in 2024"):
            check_projection(pd.DataFrame([{**row, "year": 2023}, {**row, "p90": bad}]))

"""Run configurations: every number finite and within a stated range (issue 21, items 8 and 11).

Each case below was accepted before and then overflowed, wrote ``Infinity`` into
scheduler.json, or made areas vanish from the projections without a refusal.
"""

from __future__ import annotations

import pytest

from forecast.data.config import BOUNDS, ConfigError, load_config

BASE = "dataset: banan\nuntil: 2024\ndraws: 20\n"


def _config(tmp_path, text: str):
    path = tmp_path / "config.yaml"
    path.write_text(BASE + text, encoding="utf-8")
    return load_config(path)


@pytest.mark.parametrize(("text", "key"), [
    ("scenarios: {baseline: {migration: {mode: scaled, scale: .inf}}}", "migration.scale"),
    ("scenarios: {baseline: {migration: {mode: scaled, scale: 1.0e+300}}}", "migration.scale"),
    ("scenarios: {baseline: {migration: {mode: scaled, scale: .nan}}}", "migration.scale"),
    ("scenarios: {baseline: {migration: {net_movers: {banan: {primary: .nan}}}}}",
     "migration.net_movers.banan.primary"),
    ("scenarios: {baseline: {births: {multiplier: .inf}}}", "births.multiplier"),
    ("scenarios: {baseline: {births: {multiplier: 1.0e+300}}}", "births.multiplier"),
    ("scenarios: {baseline: {births: {multiplier: .nan}}}", "births.multiplier"),
    ("scenarios: {baseline: {births: {multiplier: {2022: .nan}}}}", "births.multiplier.2022"),
    ("scenarios: {baseline: {births: {uplift_percent: .inf, uplift_from: 2022}}}", "births.uplift_percent"),
    ("scenarios: {baseline: {births: {uplift_percent: 1.0e+300, uplift_from: 2022}}}",
     "births.uplift_percent"),
    ("scenarios: {baseline: {births: {series: {2022: .nan}}}}", "births.series.2022"),
    ("scenarios: {baseline: {housing: {dwellings: {banan: {2022: 100}}, "
     "pupils_per_dwelling: {primary: .inf}}}}", "housing.pupils_per_dwelling.primary"),
    ("scenarios: {baseline: {housing: {dwellings: {banan: {2022: 100}}, "
     "pupils_per_dwelling: {primary: 1.0e+300}}}}", "housing.pupils_per_dwelling.primary"),
    ("scenarios: {baseline: {transition: {junior: .nan}}}", "transition.junior"),
    ("capacity: {class_size: {primary: 1.0e-300}}", "capacity.class_size.primary"),
    ("capacity: {class_size: {primary: .inf}}", "capacity.class_size.primary"),
    ("capacity: {existing: {source: enrolment, utilisation: .inf}}", "capacity.existing.utilisation"),
    ("capacity: {existing: {source: enrolment, utilisation: 1.0e-300}}",
     "capacity.existing.utilisation"),
    ("capacity: {m2_per_seat: {primary: .nan}}", "capacity.m2_per_seat.primary"),
    ("capacity: {mixed_school_shares: {primary+junior: {primary: .nan, junior: 1}}}",
     "capacity.mixed_school_shares"),
])
def test_non_finite_and_out_of_range_numbers_are_refused_naming_the_key(tmp_path, text, key):
    with pytest.raises(ConfigError) as caught:
        _config(tmp_path, text)
    message = str(caught.value)
    assert f"config.yaml, key {'scenarios.baseline.' if text.startswith('scenarios') else ''}{key}" \
        in message, message
    assert len(message.splitlines()) == 1  # one line per key, not one per union branch
    assert "constrained-float" not in message and "dict[" not in message


def test_a_nan_says_finite_and_a_bound_says_the_bound(tmp_path):
    with pytest.raises(ConfigError, match="must be a finite number"):
        _config(tmp_path, "scenarios: {baseline: {births: {multiplier: .nan}}}")
    with pytest.raises(ConfigError, match="less than or equal to 10"):
        _config(tmp_path, "scenarios: {baseline: {births: {multiplier: 11}}}")
    with pytest.raises(ConfigError, match="greater than or equal to 1"):
        _config(tmp_path, "capacity: {class_size: {primary: 0.5}}")


def test_values_inside_the_bounds_are_kept(tmp_path):
    config = _config(tmp_path, "seed: 0\ncapacity: {class_size: {primary: 200}, existing: "
                               "{utilisation: 0.1}}\nscenarios: {baseline: {births: {multiplier: "
                               "{2022: 10, 2023: 0}}, migration: {mode: scaled, scale: -10}}}")
    assert config.capacity.class_size["primary"] == BOUNDS["capacity.class_size"][1] == 200
    assert config.capacity.existing.utilisation == BOUNDS["capacity.existing.utilisation"][0] == 0.1
    assert config.scenarios["baseline"].births.multiplier == {2022: 10, 2023: 0}
    assert config.scenarios["baseline"].migration.scale == -10


def test_every_bound_is_finite():
    assert all(-1e19 < lo < hi < 1e19 for lo, hi in BOUNDS.values())


def test_an_empty_dataset_path_is_refused(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("dataset: ''\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="key dataset: is empty"):
        load_config(path)

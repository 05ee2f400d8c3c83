"""The shortfall map's numbers (forecast.report.maps): what each area is coloured by."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from forecast.report import read_outputs
from forecast.report.maps import map_values, payload, unit_label


def page_map(folder) -> dict:
    text = (folder / "report.html").read_text(encoding="utf-8")
    found = re.search(r'<script type="application/json" id="map-data">(.*?)</script>', text, flags=re.S)
    assert found, "no map in the page"
    return json.loads(found.group(1).replace("<\\/", "</"))


def test_each_year_of_the_page_map_is_the_p90_deficit_of_shortfall_csv(map_run):
    shortfall = pd.read_csv(map_run / "shortfall.csv")
    data = page_map(map_run)
    assert data["units"] == ["north", "south"]
    checked = 0
    for key, layer in data["layers"].items():
        scenario, level = key.split("|")
        for year, values in zip(layer["years"], layer["values"], strict=True):
            for area, value in zip(data["units"], values, strict=True):
                row = shortfall[(shortfall["area"] == area) & (shortfall["level"] == level)
                                & (shortfall["scenario"] == scenario) & (shortfall["year"] == year)]
                assert value == pytest.approx(float(row["deficit_seats_p90"].iloc[0]), abs=1e-3)
                checked += 1
    assert checked == 2 * 2 * 9  # two scenarios x two areas x 2020-2028


def test_the_peak_is_the_summarys_peak_for_every_area(map_run):
    """The 'peak' view shows shortfall_summary.csv's numbers; an area not in the summary was
    never short at P90 (0), north's peak is its peak_deficit_p90."""
    summary = pd.read_csv(map_run / "shortfall_summary.csv")
    data = page_map(map_run)
    for key, layer in data["layers"].items():
        scenario, level = key.split("|")
        for area, value in zip(data["units"], layer["peak"], strict=True):
            row = summary[(summary["area"] == area) & (summary["level"] == level) & (summary["scenario"] == scenario)]
            expected = float(row["peak_deficit_p90"].iloc[0]) if len(row) else 0.0
            assert value == pytest.approx(expected, abs=0.05)
            assert value == pytest.approx(max(v[data["units"].index(area)] for v in layer["values"]), abs=0.05)
    assert data["layers"]["baseline|primary"]["peak"][0] > 0 == data["layers"]["baseline|primary"]["peak"][1]


def test_a_county_of_districts_shows_their_deficits_summed_never_netted(map_run, tmp_path):
    """Only the district has a shape: it is coloured by north's deficit (south's empty seats
    do not offset it), which is deficit_children_sum_p90, not its own (zero) net balance."""
    inputs = read_outputs(map_run)
    from forecast.data.boundaries import Boundaries

    whole = inputs.boundaries.shapes["district"]
    inputs.boundaries = Boundaries(inputs.boundaries.file, {"district": whole}, {"district": whole},
                                   units=["district"], inside={"north": "district", "south": "district",
                                                               "district": "district"})
    layers = map_values(inputs)
    sf = inputs.shortfall
    for (scenario, level), layer in layers.items():
        north = sf[(sf["area"] == "north") & (sf["level"] == level) & (sf["scenario"] == scenario)].set_index("year")
        own = sf[(sf["area"] == "district") & (sf["level"] == level) & (sf["scenario"] == scenario)].set_index("year")
        for year, values in zip(layer["years"], layer["values"], strict=True):
            assert values[0] == pytest.approx(north.loc[year, "deficit_seats_p90"], abs=1e-6)
        assert own.loc[2020, "deficit_seats_p90"] == 0 < layer["values"][0][0] == 130  # 630 pupils, 500 seats
        summary = inputs.spells.set_index(["area", "level", "scenario"])
        assert layer["peak"][0] == pytest.approx(summary.loc[("district", level, scenario), "peak_deficit_children_sum"])
    words = payload(inputs, "en")["hover"][0]
    assert "sum of its 2 finest areas' P90 deficits, not netted" in words


def test_areas_without_rows_are_no_data_not_zero(map_run):
    inputs = read_outputs(map_run)
    inputs.shortfall = inputs.shortfall[inputs.shortfall["area"] != "south"]
    layer = map_values(inputs)[("baseline", "primary")]
    assert all(v[1] is None for v in layer["values"]) and layer["peak"][1] is None


def test_names_schools_and_static_maps(map_run):
    inputs = read_outputs(map_run)
    assert unit_label(inputs, "north") == "北片区"
    data = page_map(map_run)
    assert data["labels"]["text"] == ["北片区", "南片区"]
    assert "ForecastCJK" in data["labels"]["textfont"]["family"]
    points = data["schools"]["primary"]
    assert points["lat"] == [29.55, 29.45]
    assert points["marker"]["color"] == [round(630 / 500, 3), 0.31]  # utilisation: pupils / seats
    assert points["marker"]["size"][0] > points["marker"]["size"][1]  # sized by pupils
    squeeze = np.cos(np.radians(29.5))  # lon drawn at the map's middle latitude's scale
    assert points["lon"][0] == pytest.approx(106.55, abs=1e-4)
    ring = data["geojson"]["features"][0]["geometry"]["coordinates"][0]
    assert max(x for x, _ in ring) - min(x for x, _ in ring) == pytest.approx(0.1 * squeeze, abs=1e-3)
    png = map_run / "plots" / "map_primary.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000

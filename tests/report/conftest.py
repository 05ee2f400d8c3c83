"""A Banan run with its report, shared by the report tests."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from forecast.cli import cli
from tests.conftest import REPO


@pytest.fixture(scope="package")
def banan_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    result = CliRunner().invoke(cli, ["run", "--config", str(REPO / "configs" / "banan.yaml"),
                                      "--scenario", "baseline", "--scenario", "low_births",
                                      "--draws", "200", "--lang", "zh", "--model", "cohort", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out

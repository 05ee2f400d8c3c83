"""The procedure's warm-up origins and the last value candidate, by hand."""

from __future__ import annotations

import pandas as pd

from forecast.data.dataset import load_dataset
from forecast.evidence.candidates import PanelBaseline
from forecast.evidence.procedure import backtest_candidates, warmup_origins
from tests.conftest import write_cohort_process


def test_warmup_origins_are_evidence_only(tmp_path):
    folder = write_cohort_process(tmp_path / "d", {"a": 0.95, "b": 0.9}, years=range(2005, 2016),
                                  seed=1, ratio_noise=0.01)
    dataset = load_dataset(folder)
    assert warmup_origins(dataset, [2011, 2012], 3) == [2008, 2009, 2010]
    assert warmup_origins(dataset, [2006], 3) == []  # 2005 leaves one year known: no change yet
    test = backtest_candidates(dataset, [2011, 2012], 2, warmup=3)
    assert test.warmup == [2008, 2009, 2010]
    assert set(test.candidates["origin"]) == {2008, 2009, 2010, 2011, 2012}
    # the record and the accuracy table cover the asked origins only
    assert set(test.chosen["origin"]) == {2011, 2012}
    assert set(test.as_backtest().table["origin"]) == {2011, 2012}
    # at 2011 the choice already rests on the warm-up's errors (a score), not the fallback
    assert test.chosen.loc[test.chosen["origin"] == 2011, "score"].notna().all()
    without = backtest_candidates(dataset, [2011, 2012], 2, warmup=0)
    assert without.chosen.loc[without.chosen["origin"] == 2011, "score"].isna().all()


def test_last_value_holds_the_base_year_and_skips_levels_not_taught_then(tmp_path):
    folder = write_cohort_process(tmp_path / "d", {"a": 0.95, "b": 0.9}, years=range(2010, 2015))
    enrol = pd.read_csv(folder / "enrolment.csv")
    enrol.loc[(enrol["area"] == "b") & (enrol["year"] == 2014), "students"] = 0.0  # closed in 2014
    enrol.to_csv(folder / "enrolment.csv", index=False)
    dataset = load_dataset(folder)
    frame = PanelBaseline("last").forecast(dataset, 2016).frame
    assert set(frame["area"]) == {"a"}  # b is not held at its 2013 value
    base = enrol[(enrol["area"] == "a") & (enrol["year"] == 2014)]["students"].iloc[0]
    assert (frame["mean"] == base).all() and sorted(frame["year"]) == [2015, 2016]

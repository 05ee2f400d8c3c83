"""What planners look at: the Excel workbook, the charts and the HTML report of a run.

All three read the run's output folder (``projections.csv``, ``shortfall.csv``,
``plan_check.csv``, ``capacity.csv``, ``run.json`` and, when present, a backtest's
``accuracy.csv``), so ``forecast report --out DIR`` can rebuild them at any time.
"""

from forecast.report.inputs import ReportInputs, read_outputs
from forecast.report.write import write_report

__all__ = ["ReportInputs", "read_outputs", "write_report"]

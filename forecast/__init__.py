"""forecast: school-enrolment demand projections and school-place shortfalls for planners."""

from forecast.api import load_config, load_dataset, plan, run  # noqa: E402  (shipped names resolve from any folder)
from forecast.common.version import __version__  # noqa: E402
from forecast.data.dataset import Dataset, inspect_dataset  # noqa: E402
from forecast.data.problems import DatasetError, Problem  # noqa: E402

__all__ = ["__version__", "Dataset", "DatasetError", "Problem", "inspect_dataset", "load_config",
           "load_dataset", "plan", "run"]

"""forecast: school-enrolment demand projections and school-place shortfalls for planners."""

__version__ = "0.1.0"

from forecast.api import load_dataset, plan, run  # noqa: E402  (shipped names resolve from any folder)
from forecast.config import load_config  # noqa: E402
from forecast.dataset import Dataset, inspect_dataset  # noqa: E402
from forecast.validation import DatasetError, Problem  # noqa: E402

__all__ = ["Dataset", "DatasetError", "Problem", "inspect_dataset", "load_config", "load_dataset", "plan", "run"]

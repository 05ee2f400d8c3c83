"""forecast: school-enrolment demand projections and school-place shortfalls for planners."""

from forecast.dataset import Dataset, inspect_dataset, load_dataset
from forecast.validation import DatasetError, Problem

__all__ = ["Dataset", "DatasetError", "Problem", "inspect_dataset", "load_dataset"]
__version__ = "0.1.0"

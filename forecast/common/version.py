"""The package's version, written into run.json, the scheduler export and the report."""

__version__ = "0.1.0"

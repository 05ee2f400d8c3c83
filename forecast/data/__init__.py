"""The ground the forecast stands on: what a planner gives and what the package ships.

Datasets (folders of CSVs or one workbook) read, validated and converted to persons; run
configurations and scenarios; the school system a dataset declares; planning standards;
the shipped catalogue; the births schedule. Imports nothing above it.
"""

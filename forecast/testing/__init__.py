"""Tools for testing the package against broken inputs (``fuzz``)."""

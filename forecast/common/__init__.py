"""What every floor may use: atomic file writes, JSON-safe values, memory hand-back, the version.

The ground floor: it imports nothing else of the package.
"""

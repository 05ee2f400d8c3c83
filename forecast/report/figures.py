"""A matplotlib figure and its byte-stable PNG: shared by the charts and the printed map."""

from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure

from forecast.common.files import atomic_write_with
from forecast.outputs.determinism import PNG_METADATA


def new_axes(size: tuple[float, float]):
    """A figure and its axes; plain Figure objects need no GUI backend and no closing."""
    fig = Figure(figsize=size)
    return fig, fig.subplots()


def save_png(fig: Figure, path: Path) -> Path:
    atomic_write_with(path, lambda tmp: fig.savefig(tmp, format="png", bbox_inches="tight",
                                                    metadata=PNG_METADATA))
    return path

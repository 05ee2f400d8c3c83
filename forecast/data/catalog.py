"""Where the shipped datasets and configs are, and how a name or path resolves to them.

An installed wheel carries them under ``forecast/_shipped``; a source checkout (or an
editable install) uses the repository's top-level ``data/`` and ``configs/``.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parents[1]  # the forecast package folder


def shipped_root() -> Path:
    """Folder holding ``data/`` and ``configs/`` as shipped with this copy of the package."""
    installed = _PACKAGE / "_shipped"
    return installed if (installed / "data").is_dir() else _PACKAGE.parent


def is_bare_name(name_or_path: str | Path) -> bool:
    """True for a name such as ``banan`` (no folder part, not ``.``/``~``-relative): only such
    a name may stand for a shipped dataset or config. ``some/typo/banan`` is a path and must
    exist, so a typo never silently runs the shipped data."""
    text = str(name_or_path)
    return bool(text) and "/" not in text and "\\" not in text and not text.startswith((".", "~"))


def resolve_dataset(name_or_path: str | Path) -> Path:
    """A dataset folder: an existing path as given, else (for a bare name only) a shipped
    dataset of that name; otherwise the path as given (callers report it missing)."""
    path = Path(name_or_path)
    if path.exists() or not is_bare_name(name_or_path):
        return path
    shipped = shipped_root() / "data" / path.name
    return shipped if shipped.is_dir() else path


def resolve_config(name_or_path: str | Path) -> Path:
    """A config file: an existing path as given, else (for a bare name, with or without
    ``.yaml``) a shipped config of that name; otherwise the path as given."""
    path = Path(name_or_path)
    if path.exists() or not is_bare_name(name_or_path):
        return path
    stem = path.name if path.suffix else f"{path.name}.yaml"
    shipped = shipped_root() / "configs" / stem
    return shipped if shipped.is_file() else path


def shown_path(path: str | Path) -> str:
    """A dataset's folder as a reader should see it: a shipped dataset as ``data/<name>``
    (not the absolute path of one installation, which a saved notebook or report would
    carry to every reader), any other path as given."""
    try:
        inside = Path(path).resolve().relative_to((shipped_root() / "data").resolve())
    except ValueError:
        return str(path)
    return str(Path("data") / inside)


def list_datasets() -> list[Path]:
    """Shipped dataset folders (those with a dataset.yaml or an enrolment table)."""
    root = shipped_root() / "data"
    markers = ("dataset.yaml", "enrolment.csv")
    return sorted(p for p in root.iterdir() if p.is_dir() and any((p / m).exists() for m in markers))

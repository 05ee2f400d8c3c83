"""The run's manifest: ``run.json`` lists every output with its size and sha256, so a
reader can tell the folder is whole and which run it reads."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from forecast.common.jsonsafe import json_safe


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def files_of(folder: Path) -> dict[str, dict[str, object]]:
    """Every file under ``folder`` except run.json: relative path -> bytes and sha256."""
    return {p.relative_to(folder).as_posix(): {"bytes": p.stat().st_size, "sha256": sha256(p)}
            for p in sorted(folder.rglob("*"))
            if p.is_file() and p.relative_to(folder).as_posix() != "run.json"}


def finalise(folder: Path) -> None:
    """Rewrite ``folder/run.json`` with the manifest of the files now in the folder."""
    record = folder / "run.json"
    if not record.is_file():
        return
    meta = json.loads(record.read_text(encoding="utf-8"))
    meta["files"] = files_of(folder)
    record.write_text(json.dumps(json_safe(meta), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def verify(folder: Path, names: tuple[str, ...]) -> str | None:
    """None when each of ``names`` matches the manifest, else the reason it does not."""
    try:
        meta = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return f"run.json cannot be read ({exc})"
    files = meta.get("files") or {}
    for name in names:
        entry, path = files.get(name), folder / name
        if entry is None or not path.is_file():
            return f"{name} is not part of the run"
        if path.stat().st_size != entry.get("bytes") or sha256(path) != entry.get("sha256"):
            return f"{name} differs from the run that wrote run.json"
    return None

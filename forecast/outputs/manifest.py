"""The run's manifest: ``run.json`` lists every output with its size and sha256, so a
reader can tell the folder is whole and which run it reads."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path

from forecast.common.jsonsafe import json_safe
from forecast.outputs.janitor import MARKER


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def files_of(folder: Path) -> dict[str, dict[str, object]]:
    """Every file under ``folder`` except run.json (and the marker of a folder being
    written): relative path -> bytes and sha256."""
    return {p.relative_to(folder).as_posix(): {"bytes": p.stat().st_size, "sha256": sha256(p)}
            for p in sorted(folder.rglob("*"))
            if p.is_file() and p.relative_to(folder).as_posix() not in ("run.json", MARKER)}


def finalise(folder: Path) -> None:
    """Rewrite ``folder/run.json`` with the manifest of the files now in the folder; a folder
    without a run record (``backtest`` or ``sweep`` alone) gets a run.json holding only the
    manifest, so a later run may verify and replace it."""
    record = folder / "run.json"
    if not record.is_file():
        if any(p.name != MARKER for p in folder.iterdir()):
            record.write_text("{}", encoding="utf-8")
        else:
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


def unverified(folder: Path, ignored=lambda name: False) -> list[str]:
    """What in ``folder`` its run.json does not vouch for, as paths relative to it: files the
    manifest does not list, files whose size or sha256 differ from it (``name (changed since
    the run)``), links and anything else that is not a plain file or folder. [] when every
    file is exactly as the run wrote it; everything when run.json is missing or unreadable.
    ``ignored``: top-level names to pass over (the marker, an older version's leftovers)."""
    files: dict = {}
    record = folder / "run.json"
    try:
        if stat.S_ISREG(os.lstat(record).st_mode):
            files = json.loads(record.read_text(encoding="utf-8")).get("files") or {}
    except (OSError, ValueError, AttributeError):
        files = {}
    if not isinstance(files, dict):
        files = {}
    found = []
    for root, dirs, names in os.walk(folder):
        base = Path(root).relative_to(folder)
        for name in sorted(dirs):
            if os.path.islink(os.path.join(root, name)):
                found.append((base / name).as_posix() + " (a link)")
                dirs.remove(name)
        for name in sorted(names):
            rel = (base / name).as_posix()
            if rel == "run.json" or (base == Path(".") and ignored(name)):
                continue
            path = Path(root) / name
            info = os.lstat(path)
            entry = files.get(rel)
            if not stat.S_ISREG(info.st_mode):
                found.append(rel + " (a link)" if stat.S_ISLNK(info.st_mode) else rel)
            elif not isinstance(entry, dict):
                found.append(rel)
            elif info.st_size != entry.get("bytes") or sha256(path) != entry.get("sha256"):
                found.append(f"{rel} (changed since the run)")
    return sorted(found)

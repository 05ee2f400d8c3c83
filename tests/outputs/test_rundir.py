"""One run per folder: swap, refusal of foreign files, lock, manifest, recovery, umask."""

from __future__ import annotations

import json
import os
import stat

import pytest

from forecast.outputs.janitor import mark
from forecast.outputs.manifest import sha256, verify
from forecast.outputs.rundir import RunFolderError, lock, run_folder, update_run


def _write_run(out, files):
    with run_folder(out) as folder:
        for name, text in files.items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_text(text, encoding="utf-8")
        (folder / "run.json").write_text(json.dumps({"run_id": "x"}), encoding="utf-8")


def test_a_new_run_replaces_the_whole_previous_run(tmp_path):
    out = tmp_path / "out"
    _write_run(out, {"projections.csv": "a\n", "plan_check.csv": "old\n", "plots/p.png": "png"})
    _write_run(out, {"projections.csv": "b\n"})
    assert sorted(p.name for p in out.iterdir()) == ["projections.csv", "run.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no temp, lock or previous left


def test_manifest_lists_every_file_with_size_and_sha256(tmp_path):
    out = tmp_path / "out"
    _write_run(out, {"projections.csv": "area\nx\n", "plots/fan.png": "png"})
    files = json.loads((out / "run.json").read_text(encoding="utf-8"))["files"]
    assert files == {"plots/fan.png": {"bytes": 3, "sha256": sha256(out / "plots/fan.png")},
                     "projections.csv": {"bytes": 7, "sha256": sha256(out / "projections.csv")}}
    assert verify(out, ("projections.csv",)) is None
    (out / "projections.csv").write_text("area\ny\n", encoding="utf-8")
    assert "differs" in verify(out, ("projections.csv",))


def test_a_folder_with_foreign_files_is_refused_and_kept(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "thesis.docx").write_text("mine", encoding="utf-8")
    with pytest.raises(RunFolderError, match=r"thesis.docx.*choose an empty or new folder"):
        _write_run(out, {"projections.csv": "a\n"})
    assert (out / "thesis.docx").read_text(encoding="utf-8") == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_leftovers_of_older_killed_runs_are_not_foreign(tmp_path):
    out = tmp_path / "out"
    _write_run(out, {"projections.csv": "old\n"})  # a run (its run.json vouches for its files)
    (out / ".projections.csv.abc123.tmp").write_text("half", encoding="utf-8")
    _write_run(out, {"projections.csv": "new\n"})
    assert sorted(p.name for p in out.iterdir()) == ["projections.csv", "run.json"]


def test_a_failing_run_keeps_the_previous_run_and_leaves_no_temp(tmp_path):
    out = tmp_path / "out"
    _write_run(out, {"projections.csv": "a\n"})
    with pytest.raises(ZeroDivisionError), run_folder(out) as folder:
        (folder / "projections.csv").write_text("half", encoding="utf-8")
        1 / 0  # noqa: B018
    assert (out / "projections.csv").read_text(encoding="utf-8") == "a\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_the_lock_names_the_holder(tmp_path):
    out = tmp_path / "out"
    with lock(out), pytest.raises(RunFolderError, match=rf"another forecast run \(pid {os.getpid()}\)"):
        _write_run(out, {"projections.csv": "a\n"})


def test_what_a_killed_run_left_is_recovered(tmp_path):
    out = tmp_path / "out"
    _write_run(out, {"projections.csv": "a\n"})
    # killed between the two renames: OUT is gone, OUT.previous holds the last run (marked
    # before the rename), and the dead run's marked temporary folder is left
    mark(out)
    os.rename(out, tmp_path / "out.previous")
    (tmp_path / ".out.tmp-99999").mkdir()
    mark(tmp_path / ".out.tmp-99999")
    (tmp_path / ".out.tmp-99999" / "projections.csv").write_text("partial", encoding="utf-8")
    with update_run(out) as folder:
        assert (folder / "projections.csv").read_text(encoding="utf-8") == "a\n"
        (folder / "report.html").write_text("<html>", encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert json.loads((out / "run.json").read_text(encoding="utf-8"))["files"].keys() == {
        "projections.csv", "report.html"}


def test_out_as_a_file_is_refused(tmp_path):
    (tmp_path / "out.txt").write_text("x", encoding="utf-8")
    with pytest.raises(RunFolderError, match="is a file"):
        _write_run(tmp_path / "out.txt", {})


def test_files_follow_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        _write_run(tmp_path / "out", {"projections.csv": "a\n"})
    finally:
        os.umask(old)
    for path in [tmp_path / "out", tmp_path / "out/projections.csv", tmp_path / "out/run.json"]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode & 0o044 == 0o044, (path, oct(mode))

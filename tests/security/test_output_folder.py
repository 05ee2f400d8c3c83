"""A run deletes only what forecast wrote (issue 21, items 3 and 4; issue 22, item 7): the
lock never follows a link; a folder is replaced only when its run.json vouches for every file
in it (sizes and sha256); OUT.previous and .OUT.tmp-* are removed only with the package's
marker; `sweep` keeps the run-folder rule; the folder is checked before anything is computed.
One test per way a user's files were lost."""

from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner

import forecast.pipeline
from forecast.cli import cli
from forecast.outputs.manifest import sha256
from forecast.outputs.rundir import RunFolderError, run_folder


def _run(data, out, *extra, cwd=None):
    args = ["run", "--data", str(data), "--model", "cohort", "--draws", "20", "--no-report"]
    args += ["--out", str(out)] if out is not None else []
    if cwd is not None:
        old = os.getcwd()
        os.chdir(cwd)
    try:
        return CliRunner().invoke(cli, args + list(extra))
    finally:
        if cwd is not None:
            os.chdir(old)


@pytest.fixture
def no_compute(monkeypatch):
    """Fail the test if a run starts computing (the folder must be refused first)."""
    def refuse(*args, **kwargs):
        raise AssertionError("the run computed before checking its output folder")

    monkeypatch.setattr(forecast.pipeline, "run", refuse)


def _tree(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


# ---- item 3: the lock file

def test_a_planted_lock_link_leaves_its_victim_intact(tmp_path, toy_dataset):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n", encoding="utf-8")
    os.symlink(victim, tmp_path / ".out.lock")
    result = _run(toy_dataset, tmp_path / "out")
    assert result.exit_code == 1
    assert f"the lock {tmp_path / '.out.lock'} is a link; forecast never writes through one" in result.output
    assert victim.read_text(encoding="utf-8") == "precious\n"
    assert not (tmp_path / "out").exists()


def test_a_lock_hard_linked_to_a_victim_is_refused(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n", encoding="utf-8")
    os.link(victim, tmp_path / ".out.lock")
    with pytest.raises(RunFolderError, match="not a plain file of its own"), run_folder(tmp_path / "out"):
        pass
    assert victim.read_text(encoding="utf-8") == "precious\n"


# ---- item 4: what is deleted

def test_a_folder_of_output_like_names_without_run_json_is_kept(tmp_path, toy_dataset, no_compute):
    out = tmp_path / "out"
    (out / "plots").mkdir(parents=True)
    (out / "plots" / "photo.png").write_bytes(b"\x89PNG holiday")
    (out / "report.xlsx").write_bytes(b"my own workbook")
    before = _tree(out)
    result = _run(toy_dataset, out)
    assert result.exit_code == 1
    assert "holds files that forecast did not write" in result.output
    assert "plots/photo.png" in result.output and "report.xlsx" in result.output
    assert _tree(out) == before


def test_an_edited_output_of_a_run_is_not_replaced(tmp_path, toy_dataset):
    out = tmp_path / "out"
    assert _run(toy_dataset, out).exit_code == 0
    (out / "shortfall.csv").write_text("my notes\n", encoding="utf-8")  # edited in place
    (out / "plots").mkdir()
    (out / "plots" / "photo.png").write_bytes(b"added by hand")
    result = _run(toy_dataset, out)
    assert result.exit_code == 1
    assert "plots/photo.png, shortfall.csv (changed since the run)" in result.output
    assert (out / "shortfall.csv").read_text(encoding="utf-8") == "my notes\n"
    assert (out / "plots" / "photo.png").is_file()


def test_names_listed_in_a_planted_run_json_are_not_deleted(tmp_path, toy_dataset, no_compute):
    out = tmp_path / "out"
    out.mkdir()
    (out / "thesis.docx").write_bytes(b"four years of work")
    (out / "report.xlsx").write_bytes(b"my own workbook")
    # names only, or a wrong hash: the probe's planted manifests
    (out / "run.json").write_text(json.dumps({"files": {
        "thesis.docx": {}, "report.xlsx": {"bytes": 15, "sha256": "0" * 64}}}), encoding="utf-8")
    before = _tree(out)
    result = _run(toy_dataset, out)
    assert result.exit_code == 1
    assert "report.xlsx (changed since the run), thesis.docx" in result.output
    assert _tree(out) == before


def test_a_users_previous_folder_beside_out_is_not_deleted(tmp_path, toy_dataset):
    out = tmp_path / "out"
    assert _run(toy_dataset, out).exit_code == 0
    mine = tmp_path / "out.previous"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine\n", encoding="utf-8")
    result = _run(toy_dataset, out)
    assert result.exit_code == 1
    assert f"{mine} was not written by forecast" in result.output
    assert (mine / "notes.txt").read_text(encoding="utf-8") == "mine\n"


def test_a_users_temp_like_folder_beside_out_is_not_deleted(tmp_path, toy_dataset):
    out = tmp_path / "out"
    mine = tmp_path / ".out.tmp-keep"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine\n", encoding="utf-8")
    assert _run(toy_dataset, out).exit_code == 0
    assert _run(toy_dataset, out).exit_code == 0
    assert (mine / "notes.txt").read_text(encoding="utf-8") == "mine\n"
    assert (out / "run.json").is_file()


def test_a_lone_previous_folder_is_not_renamed_to_out(tmp_path, toy_dataset, no_compute):
    mine = tmp_path / "out.previous"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine\n", encoding="utf-8")
    result = _run(toy_dataset, tmp_path / "out")
    assert result.exit_code == 1 and "was not written by forecast" in result.output
    assert (mine / "notes.txt").read_text(encoding="utf-8") == "mine\n"
    assert not (tmp_path / "out").exists()


def test_sweep_does_not_overwrite_a_users_sweep_csv(tmp_path, toy_dataset):
    out = tmp_path / "out"
    out.mkdir()
    (out / "sweep.csv").write_text("my own stress table\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["sweep", "--data", str(toy_dataset), "--grid", "births=1:1:1",
                                      "--draws", "5", "--out", str(out)])
    assert result.exit_code == 1 and "holds files that forecast did not write" in result.output
    assert "since its run wrote them (sweep.csv)" in result.output
    assert (out / "sweep.csv").read_text(encoding="utf-8") == "my own stress table\n"


def test_sweep_beside_a_run_adds_to_it_and_lists_its_files(tmp_path, toy_dataset):
    out = tmp_path / "out"
    assert _run(toy_dataset, out).exit_code == 0
    before = json.loads((out / "run.json").read_text(encoding="utf-8"))["files"]
    result = CliRunner().invoke(cli, ["sweep", "--data", str(toy_dataset), "--grid", "births=1:1.2:0.1",
                                      "--draws", "5", "--out", str(out)])
    assert result.exit_code == 0, result.output
    files = json.loads((out / "run.json").read_text(encoding="utf-8"))["files"]
    assert {k: v for k, v in files.items() if k in before} == before  # the run, whole
    assert files["sweep.csv"]["sha256"] == sha256(out / "sweep.csv")
    assert _run(toy_dataset, out).exit_code == 0  # the folder stays one forecast may replace


# ---- issue 22, item 7: nested run folders, checked before computing

def test_a_run_inside_out_and_a_later_plain_run_give_a_clear_error_first(tmp_path, toy_dataset,
                                                                         monkeypatch):
    assert _run(toy_dataset, "out/mine", cwd=tmp_path).exit_code == 0
    mine = _tree(tmp_path / "out" / "mine")
    monkeypatch.setattr(forecast.pipeline, "run", lambda *a, **k: pytest.fail("computed"))
    result = _run(toy_dataset, None, cwd=tmp_path)  # the default --out out
    assert result.exit_code == 1
    assert "holds mine, the folder of another forecast run" in result.output
    assert "write to a sibling folder instead" in result.output
    assert _tree(tmp_path / "out" / "mine") == mine


def test_a_run_is_not_written_inside_another_runs_folder(tmp_path, toy_dataset, monkeypatch):
    assert _run(toy_dataset, None, cwd=tmp_path).exit_code == 0
    before = _tree(tmp_path / "out")
    monkeypatch.setattr(forecast.pipeline, "run", lambda *a, **k: pytest.fail("computed"))
    result = _run(toy_dataset, "out/mine", cwd=tmp_path)
    assert result.exit_code == 1
    assert "is inside" in result.output and "choose a sibling folder instead" in result.output
    assert f"--out {tmp_path / 'out-mine'}" in result.output
    assert _tree(tmp_path / "out") == before


def test_sibling_folders_both_run(tmp_path, toy_dataset):
    assert _run(toy_dataset, "out-mine", cwd=tmp_path).exit_code == 0
    assert _run(toy_dataset, None, cwd=tmp_path).exit_code == 0
    assert _run(toy_dataset, None, cwd=tmp_path).exit_code == 0
    assert (tmp_path / "out-mine" / "run.json").is_file() and (tmp_path / "out" / "run.json").is_file()

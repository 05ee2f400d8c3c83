"""The README as a new user reads it: the venv comes first, the Python example runs from an
empty folder."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def test_first_lines_create_the_venv_before_installing():
    first = re.search(r"```bash\n(.*?)```", README, re.S).group(1).splitlines()
    venv = next(i for i, line in enumerate(first) if "python3 -m venv" in line)
    install = next(i for i, line in enumerate(first) if "pip install" in line)
    assert venv < install and README.index("python3 -m venv") < README.index("pip install")


def test_python_example_runs_from_an_empty_folder(tmp_path):
    code = re.search(r"```python\n(.*?)```", README, re.S).group(1)
    code += "\nassert len(result.spells) and (tmp / 'out-banan' / 'report.html').is_file()\n"
    done = subprocess.run([sys.executable, "-c", "from pathlib import Path; tmp = Path.cwd()\n" + code],
                          cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert not (tmp_path / "data").exists()  # nothing borrowed from the repository folder


# README commands the walk-through does not run, and where they are tested instead. The first
# four take minutes (every model at ten origins; 1,276 districts; a grid of runs); the others
# are the slowest runs that no later command reads (each writes its own folder or `out/`,
# which the commands after them overwrite or do not read), so skipping them cannot hide an
# ordering problem. What remains still runs every command that reads another's folder.
SLOW = {
    "forecast backtest --config configs/china.yaml": "tests/test_cli_backtest.py",
    "forecast run --config configs/texas.yaml": "tests/test_texas.py, tests/test_outputs_agree.py",
    "forecast backtest --config configs/texas.yaml": "tests/test_texas.py",
    "forecast sweep --config configs/banan.yaml --grid births=0.8:1.2:0.05": "tests/planning/test_sweep.py",
    "forecast run --data mydistrict --engine dask --stream --out out-dask": "tests/engine/test_determinism.py",
    "forecast run --config configs/banan.yaml --scenario plan_targets --until 2030": "tests/test_pipeline.py",
    "forecast run --data mydistrict --until 2032": "tests/data/inputs/test_bounds.py",
    "forecast run --data mydistrict --area north": "tests/planning/test_spells.py",
    "forecast run --config configs/china.yaml --model cohort": "tests/test_outputs_agree.py",
}
SETUP = ("python3 -m venv", "pip install", "pytest")  # the environment this test already runs in


def readme_commands() -> list[str]:
    """Every command of the README's shell blocks, in reading order, comments dropped."""
    blocks = re.findall(r"```bash\n(.*?)```", README, re.S)
    lines = [line.split("  #")[0].strip() for block in blocks for line in block.splitlines()]
    commands = []
    for line in lines:
        for part in (p.strip() for p in line.split("&&")):
            if part and not part.startswith("#") and not part.startswith(SETUP) and not part.startswith(". "):
                commands.append(part)
    return commands


def test_readme_commands_run_in_order_in_a_fresh_copy(tmp_path, monkeypatch):
    """The README as a new user follows it, in a fresh copy of the repository: every command
    exits 0, in the order given, each run writing beside the others (no output folder inside
    another run's). ``forecast run`` gets ``--draws 100`` (the README's default is 1,000: the
    same code, a tenth of the draws); the commands in SLOW are tested where SLOW says."""
    import shlex

    from click.testing import CliRunner

    from forecast.cli import cli

    for name in ("configs", "data"):
        shutil.copytree(REPO / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    commands = readme_commands()
    assert "forecast run --data mydistrict --out out-mine" in commands and commands[0] == "forecast run"
    ran = []
    for command in commands:
        if command in SLOW or command in ran:  # a repeated command (`forecast run`) runs once
            continue
        args = shlex.split(command)
        assert args[0] == "forecast", command
        if args[1] == "run" and "--draws" not in args:
            args += ["--draws", "100"]
        result = CliRunner().invoke(cli, args[1:])
        assert result.exit_code == 0, f"{command}\n{result.output[-3000:]}"
        if args[1] == "run":  # nothing stray on stderr (no lone progress label, no pandas warning)
            assert result.stderr == "", f"{command}\n{result.stderr}"
        ran.append(command)
    assert len(ran) >= 13 and set(SLOW) <= set(commands)
    assert (tmp_path / "out-mine" / "report.html").is_file() and (tmp_path / "out" / "run.json").is_file()

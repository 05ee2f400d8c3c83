"""The README as a new user reads it: the venv comes first, the Python example runs from an
empty folder."""

from __future__ import annotations

import re
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

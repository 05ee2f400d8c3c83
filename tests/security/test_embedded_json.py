"""Names cannot break out of the JSON embedded in report.html (issue 21, item 6): an area
named ``<!--<script>`` once made the browser read the rest of the page as script text, so no
chart drew. ``<!--``, ``<script`` and ``</script`` inside the JSON are written ``\\u003c``."""

from __future__ import annotations

import json
import re

from click.testing import CliRunner

from forecast.cli import cli
from forecast.report.page import _json
from tests.security.conftest import write_named_dataset

HOSTILE = "<!--<script>"
CLOSER = "</SCRIPT><b>x</b>"
OPEN_TAG = re.compile(r"<script\b[^>]*>", re.IGNORECASE)
CLOSE_TAG = re.compile(r"</script", re.IGNORECASE)


def _blocks(page: str) -> list[tuple[str, str]]:
    """(opening tag, content) of every script block, the content ending at the first
    ``</script`` as an HTML parser ends it."""
    out, at = [], 0
    while (opening := OPEN_TAG.search(page, at)) is not None:
        end = CLOSE_TAG.search(page, opening.end())
        assert end is not None, "a script block is never closed"
        out.append((opening.group(0), page[opening.end():end.start()]))
        at = end.end()
    return out


def _strings(value) -> set[str]:
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return set(value) | {s for v in value.values() for s in _strings(v)}
    if isinstance(value, list):
        return {s for v in value for s in _strings(v)}
    return set()


def test_hostile_area_names_stay_inside_the_pages_json(tmp_path):
    data = write_named_dataset(tmp_path / "data", HOSTILE, CLOSER, north_name=HOSTILE + " name")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["run", "--data", str(data), "--model", "cohort", "--draws", "50",
                                      "--out", str(out), "--lang", "en"])
    assert result.exit_code == 0, result.output
    page = (out / "report.html").read_text(encoding="utf-8")
    blocks = _blocks(page)
    assert len(blocks) == len(CLOSE_TAG.findall(page))  # every </script is a real closing tag
    data_blocks = [content for tag, content in blocks if "application/json" in tag]
    assert len(data_blocks) == 2
    names: set[str] = set()
    for content in data_blocks:
        assert "<!--" not in content and not re.search(r"<script|</script", content, re.IGNORECASE)
        names |= _strings(json.loads(content))  # parses back...
    order = json.loads(data_blocks[0])["order"]  # the areas the page draws, by id
    assert HOSTILE in order and CLOSER in order  # ...to the exact names
    assert any(HOSTILE in s for s in names if s != HOSTILE)  # in the display names too


def test_json_escaping_by_hand():
    text = json.dumps({"a": "<!--<script></script></Script x>", "b": "<b>ok</b>"})
    safe = _json(text)
    assert "<!--" not in safe and not re.search(r"<script|</script", safe, re.IGNORECASE)
    assert json.loads(safe) == json.loads(text)
    assert safe.count("\\u003c") == 4 and "<\\/b>" in safe  # other closing tags as before

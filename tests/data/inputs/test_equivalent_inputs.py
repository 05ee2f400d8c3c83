"""Inputs that must read the same give the same run: encodings, BOMs, line ends, row and
column order, thousands separators and full-width digits change no projected number."""

from __future__ import annotations

import codecs
import csv
import io
import random

from click.testing import CliRunner

from forecast.cli import cli
from forecast.testing.fuzz import write_base


def _rewrite(path, encoding="utf-8", bom=b"", newline="\n", shuffle=None, cell=None):
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    header, body = rows[0], rows[1:]
    if shuffle is not None:
        shuffle.shuffle(body)
        order = list(range(len(header)))
        shuffle.shuffle(order)
        header, body = [header[i] for i in order], [[r[i] for i in order] for r in body]
    if cell is not None:
        column, change = cell
        body = [[change(v) if header[i] == column else v for i, v in enumerate(r)] for r in body]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=newline).writerows([header] + body)
    path.write_bytes(bom + buffer.getvalue().encode(encoding))


def test_equivalent_inputs_give_byte_identical_projections(tmp_path):
    plain = write_base(tmp_path / "plain")
    odd = write_base(tmp_path / "odd")
    rng = random.Random(4)
    wide = str.maketrans("0123456789", "０１２３４５６７８９")
    _rewrite(odd / "births.csv", "gb18030", shuffle=rng, cell=("births", lambda v: f"{int(v):,}"))
    _rewrite(odd / "enrolment.csv", "utf-16-le", codecs.BOM_UTF16_LE, "\r\n", rng,
             ("students", lambda v: v.translate(wide)))
    _rewrite(odd / "schools.csv", "utf-8", codecs.BOM_UTF8, "\r\n", rng)
    yaml = odd / "dataset.yaml"
    yaml.write_bytes(yaml.read_text(encoding="utf-8").encode("gbk"))
    outputs = {}
    for name, folder in (("plain", plain), ("odd", odd)):
        out = tmp_path / f"out_{name}"
        result = CliRunner().invoke(cli, ["run", "--data", str(folder), "--draws", "30", "--until", "2024",
                                          "--no-report", "--out", str(out)])
        assert result.exit_code == 0, result.output
        outputs[name] = {f: (out / f).read_bytes() for f in ("projections.csv", "shortfall.csv", "capacity.csv")}
    assert outputs["plain"] == outputs["odd"]
    assert b"north" in outputs["plain"]["projections.csv"]

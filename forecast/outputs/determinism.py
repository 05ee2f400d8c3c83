"""Byte-identical files from identical runs.

openpyxl stamps the workbook's creation and modification time into docProps/core.xml and
every zip entry carries the time it was written; matplotlib writes its version and no date
into PNGs when told so. Both are fixed here, so the same inputs and seed give the same bytes.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

FIXED_ZIP_TIME = (2000, 1, 1, 0, 0, 0)
FIXED_W3C = "2000-01-01T00:00:00Z"
PNG_METADATA = {"Software": "forecast", "Creation Time": None}  # no date, no version drift
_STAMP = re.compile(r"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")


def fix_zip(path: str | Path) -> None:
    """Rewrite an OOXML file (xlsx) with fixed entry times and fixed core.xml dates."""
    path = Path(path)
    with zipfile.ZipFile(path) as source:
        entries = [(info, source.read(info.filename)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w") as target:
        for info, data in entries:
            if info.filename == "docProps/core.xml":
                data = _STAMP.sub(lambda m: m.group(1) + FIXED_W3C + m.group(3),
                                  data.decode("utf-8")).encode("utf-8")
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            target.writestr(fixed, data)

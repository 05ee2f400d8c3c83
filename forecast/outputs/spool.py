"""Streaming the projection to disk: memory bounded by the chunk, not by the number of areas.

With ``forecast run --stream`` each chunk's projection rows go to a Parquet file (one row group
per chunk) as soon as the chunk is summarised; only the level totals (a fifth of the rows
with grade panels; they feed the shortfall, the summary and the scheduler export) and the
classes the grade rows imply stay in memory. ``write_csv``/``write_parquet`` then copy the
spool into the output folder row group by row group. Rows are in chunk order (whole
subtrees), sorted by area, level, grade and year within a chunk.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from forecast.common.csv_columns import write_frame
from forecast.common.files import CSV_CHUNK_ROWS, byte_order_mark
from forecast.data.standards import Standards
from forecast.planning.shortfall import grade_classes


class ProjectionSpool:
    """A callable sink for ``FittedCohortFlow.project``: writes each chunk, returns the rows
    to keep in memory (level totals)."""

    def __init__(self, standards: Standards, columns: list[str], folder: Path | None = None):
        self.standards = standards
        self.columns = columns
        self._dir = Path(tempfile.mkdtemp(prefix="forecast-spool-", dir=folder))
        self.path = self._dir / "projections.parquet"
        self._writer: pq.ParquetWriter | None = None
        self._schema: pa.Schema | None = None
        self._classes: list[pd.DataFrame] = []
        self.rows = 0

    def __call__(self, frame: pd.DataFrame) -> pd.DataFrame:
        if frame.empty:
            return frame
        frame = frame.sort_values(["area", "level", "grade", "year"], kind="stable")
        table = pa.Table.from_pandas(frame[self.columns], preserve_index=False)
        if self._writer is None:
            self._schema = _plain(table.schema)
            self._writer = pq.ParquetWriter(self.path, self._schema)
        self._writer.write_table(table.cast(self._schema))
        self.rows += len(frame)
        self._classes.append(grade_classes(frame, self.standards))
        return frame[frame["grade"] == ""]

    def classes(self) -> pd.DataFrame:
        """Grade classes of every streamed chunk (for ``shortfall.compare``)."""
        parts = [c for c in self._classes if len(c)]
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
            columns=["area", "level", "year", "scenario", "classes"])

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def batches(self):
        """The spooled rows, one DataFrame per chunk."""
        self.close()
        if not self.path.exists():
            return
        file = pq.ParquetFile(self.path)
        for i in range(file.num_row_groups):
            yield file.read_row_group(i).to_pandas()

    def write_csv(self, path: Path, decimals: int = 1, encoding: str = "utf-8") -> Path:
        """Append every chunk to ``path`` (numbers rounded as in the in-memory CSV); written
        to a temporary name first and renamed, so a failed run leaves no half file."""
        from forecast.common.cells import neutralise

        tmp = path.with_name(path.name + ".part")
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as handle:
            handle.write(byte_order_mark(encoding))
            header = True
            for batch in self.batches():
                write_frame(handle, neutralise(batch), decimals, CSV_CHUNK_ROWS, header=header)
                header = False
            if header:  # nothing spooled: a header-only file, as the in-memory path writes
                write_frame(handle, pd.DataFrame(columns=self.columns), decimals, CSV_CHUNK_ROWS)
        tmp.replace(path)
        return path

    def write_parquet(self, path: Path) -> Path:
        """The spool itself (row groups per chunk) as ``path``."""
        self.close()
        tmp = path.with_name(path.name + ".part")
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.path, tmp)
        tmp.replace(path)
        return path

    def cleanup(self) -> None:
        self.close()
        shutil.rmtree(self._dir, ignore_errors=True)


def _plain(schema: pa.Schema) -> pa.Schema:
    """String columns as plain strings and numbers as float64/int64, whatever the first
    chunk's pandas dtypes were, so every chunk fits one schema."""
    fields = []
    for f in schema:
        if pa.types.is_string(f.type) or pa.types.is_large_string(f.type) or pa.types.is_dictionary(f.type):
            fields.append(pa.field(f.name, pa.string()))
        elif pa.types.is_floating(f.type):
            fields.append(pa.field(f.name, pa.float64()))
        elif pa.types.is_integer(f.type):
            fields.append(pa.field(f.name, pa.int64()))
        else:
            fields.append(f)
    return pa.schema(fields)

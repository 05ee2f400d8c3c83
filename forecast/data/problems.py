"""What is wrong with an input: one located ``Problem`` per fault, all raised at once.

Every reader (tables, workbooks, dataset.yaml, plausibility checks) reports in these terms,
so a planner sees one line per fault with the file, row and column (or YAML key).
"""

from __future__ import annotations

from dataclasses import dataclass

from forecast.common.errors import UserInputError, printable


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, located as precisely as the input allows."""

    file: str
    reason: str
    row: int | None = None
    column: str | None = None
    severity: str = "error"  # "error" stops loading; "warning" is reported only

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f" row {self.row}"
        if self.column:  # a YAML file has keys, a table columns
            where += f", {'key' if self.file.endswith(('.yaml', '.yml')) else 'column'} {self.column}"
        # one line, whatever a quoted cell holds (a newline in a cell cannot forge a problem)
        return printable(f"{where}: {self.reason}")


class DatasetError(UserInputError):
    """Raised when a dataset has errors; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        errors = [p for p in problems if p.severity == "error"]
        super().__init__(f"{len(errors)} problem(s) in the dataset:\n" + "\n".join(map(str, errors)))

"""The errors a user's input causes, as one family the command line can tell from bugs.

Everything a planner can fix (a file, a config key, an option, a run folder, data too short
for what was asked) raises a subclass of ``UserInputError``; the command prints its message
as one line and exits 1. Any other exception is an internal error: the command says so,
writes the traceback to a file (or prints it with ``forecast --debug``) and exits 2, so a
bug never poses as a user's mistake.

The family (each defined beside the code that raises it, all subclasses of this base):
``forecast.data.inputs.encoding.InputFileError`` (unreadable files), ``forecast.data.validation.DatasetError``
(every problem in a dataset), ``forecast.data.config.ConfigError`` (a config key),
``forecast.data.system.SchoolSystemError`` (a ``system:`` declaration), ``forecast.data.area_filter.AreaError``
(``--area``), ``forecast.report.inputs.ReportError`` (a run folder the report cannot read),
and here ``OptionError`` and ``DataLimitError``. ``forecast.outputs.rundir.RunFolderError``
(an unusable ``--out``) is recognised by ``forecast.outputs.errors.user_message``.
"""

from __future__ import annotations


class UserInputError(ValueError):
    """A problem with what the user gave; the message names the file, key or option and
    what to do. A ``ValueError`` so callers that caught ``ValueError`` keep working."""


class OptionError(UserInputError):
    """A command-line option or API argument that cannot be used (``--until``, ``--grid``,
    ``--scenario``, ``--stream`` with ``--model auto``, ...)."""


class DataLimitError(UserInputError):
    """Valid data that cannot support what was asked: a backtest of one observed year, a
    sweep of a dataset without enrolment, a projection that leaves any plausible range."""


_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: str) -> str:
    """``text`` with every control, format or line-separator character escaped (``\\n``,
    ``\\u202e``), so a value quoted in a message stays on its line: a newline inside a CSV
    cell cannot forge a problem line, a right-to-left override cannot reorder one."""
    import unicodedata

    if text.isprintable():
        return text
    out = []
    for char in text:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"):
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return "".join(out)

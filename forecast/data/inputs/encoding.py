"""Read a text file whatever encoding a planner's tools saved it in, and say which.

Accepted: UTF-8 (with or without BOM), UTF-16 with a BOM (Excel's "Unicode text") and
GB18030, the superset of GBK and GB2312 that Excel on Chinese Windows writes. Anything
else is refused with the encodings tried named, never guessed: a wrongly guessed encoding
would give area names that silently match nothing.
"""

from __future__ import annotations

import codecs
import re
import stat
import unicodedata
from pathlib import Path

from forecast.common.errors import UserInputError

# A province of 100,000 schools by grade over ten years is 18 million rows, 1.2 GB of CSV;
# a file beyond this is a mistake (a dump, a video renamed .csv), not a table of schools
MAX_BYTES = 4 * 1024**3


class InputFileError(UserInputError):
    """A file that cannot be read; the message names the file and what to do."""


def reason_of(exc: InputFileError, path: Path) -> str:
    """The message without the leading path (for callers that name the file themselves)."""
    text = str(exc)
    for prefix in (str(path), path.name):
        if text.startswith(prefix):
            return text[len(prefix):].lstrip(":, ").strip() or text
    return text


def read_bytes(path: Path) -> bytes:
    """The bytes of a regular file, or ``InputFileError`` naming the file and the fix."""
    try:
        info = path.stat()
    except FileNotFoundError as exc:
        hint = " (a link pointing nowhere)" if path.is_symlink() else ""
        raise InputFileError(f"{path}: file not found{hint}") from exc
    except OSError as exc:
        raise InputFileError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    if stat.S_ISDIR(info.st_mode):
        raise InputFileError(f"{path}: is a folder where a file should be; replace it with the file")
    if not stat.S_ISREG(info.st_mode):
        raise InputFileError(f"{path}: is not a regular file (a pipe or device); save the data as a file")
    if info.st_size > MAX_BYTES:
        raise InputFileError(f"{path}: {info.st_size:,} bytes is too large for a table of this package "
                             f"(at most {MAX_BYTES:,}); split the dataset into smaller regions")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputFileError(f"{path}: cannot be read ({exc.strerror or exc}); check its permissions") from exc


def decode(data: bytes, path: Path) -> tuple[str, str]:
    """Text and the name of the encoding it was read in (``utf-8``, ``utf-8-sig``,
    ``utf-16``, ``gb18030``)."""
    if data.startswith(codecs.BOM_UTF8):
        return _strict(data[3:], "utf-8", path), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)) and len(data) % 4 == 0 \
            and data[:4] in (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE):
        raise InputFileError(f"{path}: is UTF-32, which is not accepted; save it as UTF-8")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _strict(data, "utf-16", path), "utf-16"
    if b"\x00" in data:
        raise InputFileError(f"{path}: contains NUL bytes (UTF-16 without a byte-order mark, or "
                             "not a text file); save it as UTF-8 (tried utf-8, utf-16 with BOM, gb18030)")
    try:
        return _checked(data.decode("utf-8"), path), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise InputFileError(f"{path}: is neither UTF-8 nor GB18030/GBK (byte {exc.start + 1}); "
                             "save it as UTF-8 (tried utf-8, utf-16 with BOM, gb18030)") from exc
    if not _plausible_chinese(text):
        raise InputFileError(f"{path}: is not UTF-8 and reads as GB18030 only into unusual "
                             "characters (another encoding such as Latin-1?); save it as UTF-8 "
                             "(tried utf-8, utf-16 with BOM, gb18030)")
    return _checked(text, path), "gb18030"


def read_text(path: str | Path) -> tuple[str, str]:
    """Read ``path`` as text (see the module docstring); returns (text, encoding)."""
    path = Path(path)
    return decode(read_bytes(path), path)


def _strict(data: bytes, encoding: str, path: Path) -> str:
    try:
        return _checked(data.decode(encoding), path)
    except UnicodeDecodeError as exc:
        raise InputFileError(f"{path}: starts with a {encoding} byte-order mark but is not valid "
                             f"{encoding} (byte {exc.start + 1}); save it again as UTF-8") from exc


def _checked(text: str, path: Path) -> str:
    if "\x00" in text:
        raise InputFileError(f"{path}: contains NUL characters; it is not a text table")
    return text


_COMMON_CJK = ((0x4E00, 0x9FFF), (0x3000, 0x303F), (0xFF00, 0xFFEF), (0x2000, 0x206F),
               (0x00B7, 0x00B7), (0x2460, 0x24FF), (0x3400, 0x4DBF), (0x00D7, 0x00D7),
               (0x2150, 0x218F), (0x25A0, 0x25FF), (0x0391, 0x03C9))


# A lone ideograph between Latin letters ("Gr鲞e") is how accented Latin-1 text reads as GBK.
_LATIN_SANDWICH = re.compile(r"[A-Za-z][\u3400-\u9fff][A-Za-z]")


def _plausible_chinese(text: str) -> bool:
    """True when the text GB18030 gave looks like Chinese: every non-ASCII character is one
    Chinese text uses (ideographs, CJK and full-width punctuation) and at least half of them
    are in GB2312, the common core. Latin-1 text misread as GBK gives rare ideographs (a high byte followed by an ASCII
    letter) or lone ideographs between Latin letters, so it is refused instead of garbled."""
    wide = [c for c in text if ord(c) >= 128]
    for char in set(wide):
        code = ord(char)
        if unicodedata.category(char) in ("Co", "Cn", "Cs"):
            return False
        if not any(lo <= code <= hi for lo, hi in _COMMON_CJK):
            return False
    if _LATIN_SANDWICH.search(text):
        return False
    common = sum(1 for c in wide if _in_gb2312(c))
    return common * 2 >= len(wide)


def _in_gb2312(char: str) -> bool:
    try:
        char.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True

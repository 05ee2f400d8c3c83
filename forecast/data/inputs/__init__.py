"""Reading a user's files: encoding detection, strict YAML, numbers by the contract's rules.

Every reader here raises ``InputFileError`` (a ``ValueError``) whose message names the file
and says what to do, so no raw ``OSError`` or ``UnicodeDecodeError`` reaches a user.
"""

from forecast.data.inputs.encoding import InputFileError, read_text
from forecast.data.inputs.yaml_loader import load_yaml

__all__ = ["InputFileError", "load_yaml", "read_text"]

"""YAML with duplicate keys refused: a key given twice silently won before."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from forecast.data.inputs.encoding import InputFileError, read_text

# libyaml's parser when PyYAML was built with it (the wheels are): 10-20x faster on a
# dataset.yaml listing thousands of areas; the same safe constructor either way
_SAFE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class UniqueKeyLoader(_SAFE):
    """A safe loader that refuses a mapping holding the same key twice."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                hash(key)
            except TypeError as exc:
                raise yaml.constructor.ConstructorError(
                    None, None, f"a key that is a list or mapping ({key_node.start_mark.line + 1})",
                    key_node.start_mark) from exc
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key '{key}' (first on line {seen[key]}, again on line "
                    f"{key_node.start_mark.line + 1}); keep one", key_node.start_mark)
            seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)


UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
                                UniqueKeyLoader.construct_mapping)


def parse_yaml(text: str, path: Path) -> Any:
    """Parse ``text`` (from ``path``); ``InputFileError`` names the file and line."""
    try:
        return yaml.load(text, Loader=UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f", line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputFileError(f"{path}: is not valid YAML{where}: {problem}") from exc
    except RecursionError as exc:
        raise InputFileError(f"{path}: YAML nested too deeply") from exc


def load_yaml(path: str | Path) -> tuple[Any, str]:
    """Read and parse a YAML file in any accepted encoding; returns (data, encoding)."""
    path = Path(path)
    text, encoding = read_text(path)
    return parse_yaml(text, path), encoding

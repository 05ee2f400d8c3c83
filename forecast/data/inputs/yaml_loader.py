"""YAML with duplicate keys refused (a key given twice silently won before) and alias bombs
refused before they are expanded.

An alias (``*name``) repeats a node without copying it in the file: a 1.5 KB file whose
aliases nest ten deep expands to billions of values (the "billion laughs"), gigabytes once
constructed. The parsed node graph is counted first, each alias as the size of what it
repeats, and a file whose aliases add more than ``MAX_ALIASED_NODES`` values is refused
naming the file, as is an alias inside the node it names (a loop).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from forecast.data.inputs.encoding import InputFileError, read_text

# libyaml's parser when PyYAML was built with it (the wheels are): 10-20x faster on a
# dataset.yaml listing thousands of areas; the same safe constructor either way
_SAFE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# values that aliases may add beyond those written out in the file (a config repeating a
# scenario block with an anchor adds hundreds)
MAX_ALIASED_NODES = 100_000


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
    loader = UniqueKeyLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        check_aliases(node, path)
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f", line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputFileError(f"{path}: is not valid YAML{where}: {problem}") from exc
    except RecursionError as exc:
        raise InputFileError(f"{path}: YAML nested too deeply") from exc
    finally:
        loader.dispose()


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def expanded_size(root: yaml.Node) -> tuple[int, int]:
    """(nodes written, nodes once every alias is expanded) of a composed document, counted
    without expanding anything (each node once, by identity); ValueError naming the line of
    an alias inside the node it names."""
    size: dict[int, int] = {}
    open_: set[int] = set()  # the nodes on the path from the root
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        if finished:
            open_.discard(key)
            size[key] = 1 + sum(size[id(child)] for child in _children(node))
            continue
        if key in size:
            continue
        open_.add(key)
        stack.append((node, True))
        for child in _children(node):
            if id(child) in open_:
                raise ValueError(f"line {child.start_mark.line + 1}: an alias refers to a node "
                                 "that contains it (a loop)")
            if id(child) not in size:
                stack.append((child, False))
    return len(size), size[id(root)]


def check_aliases(node: yaml.Node, path: Path) -> None:
    """InputFileError when aliases would expand ``node`` beyond ``MAX_ALIASED_NODES`` extra
    values, or loop (see the module docstring)."""
    try:
        written, expanded = expanded_size(node)
    except ValueError as exc:
        raise InputFileError(f"{path}: is not accepted: {exc}; write the values out") from None
    if expanded - written > MAX_ALIASED_NODES:
        raise InputFileError(
            f"{path}: its aliases (*name) would expand {written:,} values written in the file to "
            f"{expanded:,}; at most {MAX_ALIASED_NODES:,} may come from aliases (an alias bomb?); "
            "write the values out instead of repeating them with aliases")


def load_yaml(path: str | Path) -> tuple[Any, str]:
    """Read and parse a YAML file in any accepted encoding; returns (data, encoding)."""
    path = Path(path)
    text, encoding = read_text(path)
    return parse_yaml(text, path), encoding

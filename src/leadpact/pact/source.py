"""YAML read with positions: every key and value keeps the line and column it was written at."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

Path = tuple[Any, ...]


@dataclass(frozen=True, order=True)
class PactError:
    """One problem in a pact file, at a 1-based line and column."""

    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.line}:{self.column}: {self.message}"


@dataclass
class Positions:
    """Where each value (and each mapping key) of the document was written."""

    values: dict[Path, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path, tuple[int, int]] = field(default_factory=dict)

    def at(self, path: Path, *, key: bool = False) -> tuple[int, int]:
        """Return the line and column of `path`, or of its nearest written ancestor."""
        if key and path in self.keys:
            return self.keys[path]
        while path not in self.values and path:
            path = path[:-1]
        return self.values.get(path, (1, 1))

    def error(self, path: Path, message: str, *, key: bool = False) -> PactError:
        """Return a PactError located at `path`."""
        line, column = self.at(path, key=key)
        return PactError(line, column, message)


def _position(mark: yaml.Mark) -> tuple[int, int]:
    return mark.line + 1, mark.column + 1


def read_yaml(text: str) -> tuple[Any, Positions, list[PactError]]:
    """Parse YAML text into plain data plus positions; syntax problems come back as errors."""
    positions = Positions()
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = _position(mark) if mark else (1, 1)
        problem = error.problem or error.context or "cannot be read"
        return None, positions, [PactError(line, column, f"YAML syntax error: {problem}")]
    except yaml.YAMLError as error:
        return None, positions, [PactError(1, 1, f"YAML syntax error: {error}")]
    if node is None:
        return None, positions, [PactError(1, 1, "the pact is empty")]
    errors: list[PactError] = []
    loader = yaml.SafeLoader("")
    data = _convert(node, (), loader, positions, errors)
    return data, positions, errors


def _convert(node: yaml.Node, path: Path, loader: yaml.SafeLoader, positions: Positions,
             errors: list[PactError]) -> Any:
    positions.values[path] = _position(node.start_mark)
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)  # resolves `<<:` merge keys the way safe_load would
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node, loader, errors)
            if not isinstance(key, str | int | float | bool | None):
                errors.append(PactError(*_position(key_node.start_mark), "a key must be a plain name"))
                continue
            if key in result:
                errors.append(PactError(*_position(key_node.start_mark), f"duplicate key '{key}'"))
                continue
            positions.keys[path + (key,)] = _position(key_node.start_mark)
            result[key] = _convert(value_node, path + (key,), loader, positions, errors)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, path + (index,), loader, positions, errors) for index, item in enumerate(node.value)]
    return _scalar(node, loader, errors)


def _scalar(node: yaml.Node, loader: yaml.SafeLoader, errors: list[PactError]) -> Any:
    if not isinstance(node, yaml.ScalarNode):
        return node  # a mapping or list used as a key: reported by the caller
    try:
        return loader.construct_object(node, deep=True)
    except yaml.YAMLError as error:
        problem = getattr(error, "problem", None) or str(error)
        errors.append(PactError(*_position(node.start_mark), f"cannot read this value: {problem}"))
        return None

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


# A pact is a page or two of YAML; these bounds are far above any real one and far below what hurts the server.
MAX_BYTES = 262_144  # 256 KiB of UTF-8: room for thousands of listed domains
MAX_DEPTH = 64  # mappings and lists nested in one another
MAX_ALIAS_VALUES = 10_000  # values that aliases (*name) and merges (<<) add beyond those written out
MERGE = "tag:yaml.org,2002:merge"


class _Refused(Exception):
    """A document refused before it is read whole: too deep, or aliases that expand too far or into themselves."""

    def __init__(self, mark: yaml.Mark | None, message: str) -> None:
        super().__init__(message)
        self.position = _position(mark) if mark is not None else (1, 1)
        self.message = message


class _Loader(yaml.SafeLoader):
    """The safe loader, refusing nesting deeper than MAX_DEPTH while composing (before Python's own limit), and
    noting where each alias is written (composing gives back the anchored node itself, which sits elsewhere)."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.depth = 0
        self.aliases: dict[tuple[int, Any], yaml.Mark] = {}

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        """Compose one node, counting how deep it sits."""
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise _Refused(self.peek_event().start_mark,
                               f"nested more than {MAX_DEPTH} levels deep: a pact never needs that many")
            if self.check_event(yaml.AliasEvent):
                # a mapping's value is composed with its key node as index, a list item with its position
                self.aliases[(id(parent), id(index) if isinstance(index, yaml.Node) else index)] = \
                    self.peek_event().start_mark
            return super().compose_node(parent, index)  # type: ignore[no-any-return]
        finally:
            self.depth -= 1


def _position(mark: yaml.Mark) -> tuple[int, int]:
    return mark.line + 1, mark.column + 1


def read_yaml(text: str) -> tuple[Any, Positions, list[PactError]]:
    """Parse YAML text into plain data plus positions; syntax problems come back as errors."""
    positions = Positions()
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_BYTES:
        return None, positions, [PactError(1, 1, f"the pact is {size:,} bytes; at most {MAX_BYTES:,} are read")]
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except _Refused as refused:
        return None, positions, [PactError(*refused.position, refused.message)]
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = _position(mark) if mark else (1, 1)
        problem = error.problem or error.context or "cannot be read"
        return None, positions, [PactError(line, column, f"YAML syntax error: {problem}")]
    except yaml.YAMLError as error:
        return None, positions, [PactError(1, 1, f"YAML syntax error: {error}")]
    finally:
        loader.dispose()
    if node is None:
        return None, positions, [PactError(1, 1, "the pact is empty")]
    errors: list[PactError] = []
    reader = _Reader(positions, errors, loader.aliases)
    try:
        data = reader.convert(node, ())
    except _Refused as refused:
        return None, Positions(), [PactError(*refused.position, refused.message)]
    return data, positions, errors


class _Reader:
    """Turns composed nodes into plain data, noting positions, and counting what aliases add.

    Composing keeps one node per anchor however often it is used, so a 400-byte alias bomb is small until it is
    turned into data; here each node used a second time counts against MAX_ALIAS_VALUES, and a node reached again
    from inside itself (a recursive anchor) is refused instead of recursing until Python gives up."""

    def __init__(self, positions: Positions, errors: list[PactError],
                 aliases: dict[tuple[int, Any], yaml.Mark]) -> None:
        self.aliases = aliases
        self.positions = positions
        self.errors = errors
        self.loader = yaml.SafeLoader("")
        self.seen: set[int] = set()
        self.open: set[int] = set()
        self.repeated = 0
        self.merged_sizes: dict[int, int] = {}

    def convert(self, node: yaml.Node, path: Path, alias: yaml.Mark | None = None) -> Any:
        """Return the plain data of a node (and everything under it); `alias` is where it was referred to."""
        key = id(node)
        if key in self.open:
            raise _Refused(alias or node.start_mark,
                           "an alias refers to a value that contains it (a recursive anchor)")
        if key in self.seen:
            self.repeated += 1
            if self.repeated > MAX_ALIAS_VALUES:
                raise _Refused(alias or node.start_mark, f"aliases (*name) expand this pact past "
                               f"{MAX_ALIAS_VALUES:,} repeated values: write the values out, or refer to fewer")
        self.seen.add(key)
        self.positions.values[path] = _position(node.start_mark)
        if not isinstance(node, yaml.MappingNode | yaml.SequenceNode):
            return self.scalar(node)
        self.open.add(key)
        try:
            if isinstance(node, yaml.SequenceNode):
                return [self.convert(item, path + (index,), alias or self.aliases.get((key, index)))
                        for index, item in enumerate(node.value)]
            return self.mapping(node, path, alias)
        finally:
            self.open.discard(key)

    def mapping(self, node: yaml.MappingNode, path: Path, alias: yaml.Mark | None) -> dict[Any, Any]:
        """Return a mapping's plain data, merge keys (<<) resolved the way safe_load would."""
        self.merged_size(node, set())
        self.loader.flatten_mapping(node)
        within = id(node)
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = self.scalar(key_node)
            if not isinstance(key, str | int | float | bool | None):
                self.errors.append(PactError(*_position(key_node.start_mark), "a key must be a plain name"))
                continue
            if key in result:
                self.errors.append(PactError(*_position(key_node.start_mark), f"duplicate key '{key}'"))
                continue
            self.positions.keys[path + (key,)] = _position(key_node.start_mark)
            result[key] = self.convert(value_node, path + (key,), alias or self.aliases.get((within, id(key_node))))
        return result

    def merged_size(self, node: yaml.MappingNode, inside: set[int]) -> int:
        """Return how many pairs a mapping has once merged; refuse a merge into itself or past the bound.

        Merging resolves before anything is counted, and a chain of `<<: [*a, *a]` doubles at each step."""
        key = id(node)
        if key in self.merged_sizes:
            return self.merged_sizes[key]
        if key in inside:
            raise _Refused(node.start_mark, "a merge (<<) includes the mapping that holds it (a recursive anchor)")
        inside.add(key)
        size = 0
        for key_node, value_node in node.value:
            if key_node.tag != MERGE:
                size += 1
                continue
            sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
            size += sum(self.merged_size(s, inside) for s in sources if isinstance(s, yaml.MappingNode))
            if size > MAX_ALIAS_VALUES:
                raise _Refused(key_node.start_mark, f"merges (<<) expand this mapping past {MAX_ALIAS_VALUES:,} "
                                                    "keys: write the keys out, or merge fewer")
        inside.discard(key)
        self.merged_sizes[key] = size
        return size

    def scalar(self, node: yaml.Node) -> Any:
        """Return a scalar's value; a value YAML cannot build is an error at its place, not an exception."""
        if not isinstance(node, yaml.ScalarNode):
            return node  # a mapping or list used as a key: reported by the caller
        try:
            return self.loader.construct_object(node, deep=True)
        except yaml.YAMLError as error:
            problem = getattr(error, "problem", None) or str(error)
        except ValueError as error:  # a date like 2024-13-45, an integer of thousands of digits
            problem = str(error)
        self.errors.append(PactError(*_position(node.start_mark), f"cannot read this value: {problem}"))
        return None

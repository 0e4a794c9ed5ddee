"""Load a pact: read the YAML, check its shape and meaning, and report every problem with its place."""

from __future__ import annotations

import difflib
from functools import lru_cache
from pathlib import Path as FilePath
from typing import Any

from pydantic import BaseModel, ValidationError

from leadpact.pact import schema
from leadpact.pact.checks import Checker
from leadpact.pact.examples import example_problems
from leadpact.pact.schema import Pact, condition_kind
from leadpact.pact.source import MAX_BYTES, PactError, Path, Positions, read_yaml

__all__ = ["InvalidPact", "PactError", "UnreadablePactFile", "load_pact", "load_pact_file", "read_pact_file",
           "stored_pact", "validate_pact"]

TYPE_WORDS = {
    "string_type": "expected text",
    "bool_type": "expected true or false",
    "int_type": "expected a whole number",
    "float_type": "expected a number",
    "list_type": "expected a list",
    "dict_type": "expected a mapping of keys to values",
    "model_type": "expected a mapping of keys to values",
    "model_attributes_type": "expected a mapping of keys to values",
}


class InvalidPact(ValueError):
    """A pact that cannot be used; `errors` lists every problem, in file order."""

    def __init__(self, errors: list[PactError]) -> None:
        self.errors = sorted(set(errors))
        super().__init__("\n".join(str(error) for error in self.errors))


def _known_keys() -> list[str]:
    keys: set[str] = set()
    for value in vars(schema).values():
        if isinstance(value, type) and issubclass(value, BaseModel):
            keys.update(value.model_fields)
    return sorted(keys)


KNOWN_KEYS = _known_keys()


def _data_path(data: Any, loc: tuple[Any, ...]) -> tuple[Path, bool]:
    """Follow a pydantic error location through the data, skipping union tags; tell if it ended on a key."""
    path: list[Any] = []
    current = data
    for index, part in enumerate(loc):
        last = index == len(loc) - 1
        if isinstance(current, dict):
            # a tagged union puts the tag before the model's own keys: skip it
            tag = condition_kind(current) or schema.assignment_kind(current)
            if part == tag and not last:
                continue
            if part in current:
                path.append(part)
                current = current[part]
                continue
            return tuple(path), False
        if isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current):
            path.append(part)
            current = current[part]
            continue
        if part == "[key]":
            return tuple(path), True
    return tuple(path), False


def _message(error: dict[str, Any]) -> str:
    kind, loc, value = error["type"], error["loc"], error.get("input")
    if kind == "missing":
        return f"missing required key '{loc[-1]}'"
    if kind == "extra_forbidden":
        return f"unknown key '{loc[-1]}'{_suggest(loc[-1])}"
    if kind in TYPE_WORDS:
        return f"{TYPE_WORDS[kind]}, got {_show(value)}"
    if kind == "literal_error":
        if loc == ("leadpact",):
            return f"unsupported format version {value!r}: this leadpact reads format 1"
        return f"expected {error['ctx']['expected']}, got {_show(value)}"
    if kind == "string_pattern_mismatch":
        return f"expected a name of letters, digits, _ or -, got {_show(value)}"
    if kind == "condition" and isinstance(value, dict):
        unknown = [key for key in value if key not in schema.CONDITION_KEYS]
        hint = "".join(f"; unknown key '{key}'{_suggest(key)}" for key in unknown[:1])
        return error["msg"] + hint
    if kind in ("too_short", "string_too_short"):
        return "must not be empty"
    message = error["msg"].removeprefix("Value error, ").replace("Input should be", "must be")
    return message[0].lower() + message[1:] if message else kind


def _suggest(key: Any) -> str:
    close = difflib.get_close_matches(str(key), KNOWN_KEYS, n=1, cutoff=0.75)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _schema_errors(data: Any, positions: Positions, error: ValidationError) -> list[PactError]:
    found = []
    for item in error.errors():
        path, on_key = _data_path(data, item["loc"])
        if item["type"] == "extra_forbidden":
            on_key = True
        found.append(positions.error(path, _message(item), key=on_key))
    return found


def validate_pact(text: str) -> tuple[Pact | None, list[PactError]]:
    """Return the pact read from YAML text and every problem in it (the pact is None when any)."""
    data, positions, errors = read_yaml(text)
    if data is None and errors:
        return None, errors
    if not isinstance(data, dict):
        return None, errors + [positions.error((), "a pact is a mapping of keys (leadpact, name, fit, ...)")]
    pact = None
    try:
        pact = Pact.model_validate(data)
    except ValidationError as error:
        errors.extend(_schema_errors(data, positions, error))
    for path, message, on_key in Checker(data).run():
        errors.append(positions.error(path, message, key=on_key))
    if not errors and pact is not None:
        # the examples are read only under a pact that is otherwise sound: its rules decide them
        errors.extend(positions.error(path, message) for path, message in example_problems(pact))
    if errors:
        return None, sorted(set(errors))
    return pact, []


def load_pact(text: str) -> Pact:
    """Return the pact read from YAML text; raise InvalidPact listing every problem."""
    pact, errors = validate_pact(text)
    if pact is None:
        raise InvalidPact(errors)
    return pact


class UnreadablePactFile(ValueError):
    """A pact file that cannot be read as text: missing, unreadable, too large, or not UTF-8."""

    def __init__(self, message: str, place: str = "") -> None:
        super().__init__(f"{place}: {message}" if place else message)
        self.place = place  # "LINE:COLUMN" when the problem has one
        self.message = message


def read_pact_file(path: str | FilePath) -> str:
    """Return a pact file's text; raise UnreadablePactFile saying why it cannot be read (never read past the
    size a pact may have)."""
    try:
        with open(path, "rb") as file:
            data = file.read(MAX_BYTES + 1)
    except OSError as error:
        raise UnreadablePactFile(f"cannot read: {error.strerror or error}") from None
    if len(data) > MAX_BYTES:
        raise UnreadablePactFile(f"the pact is over {MAX_BYTES:,} bytes; at most {MAX_BYTES:,} are read")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise UnreadablePactFile(f"not UTF-8 text (byte {data[error.start]:#04x}); save the file as UTF-8",
                                 f"{line}:{column}") from None


def load_pact_file(path: str | FilePath) -> Pact:
    """Return the pact read from a YAML file; raise InvalidPact listing every problem (UnreadablePactFile when
    it cannot be read as text)."""
    return load_pact(read_pact_file(path))


@lru_cache(maxsize=32)
def stored_pact(source: str) -> Pact:
    """Load a stored version's YAML once per process (a version's text never changes); treat it as read-only."""
    return load_pact(source)

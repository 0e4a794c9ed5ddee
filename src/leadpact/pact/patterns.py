"""The regular expressions of `matches`, run by RE2: time linear in the text, whatever the pattern.

Python's `re` backtracks: `^(a+)+$` against thirty letters and a full stop takes seconds, and a pattern comes
from a pact anyone with the pact editor's access can write, tested against text any visitor can send. RE2 has
no backreferences or lookarounds, so validation refuses those, saying why, instead of running them.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import re2

SYNTAX = "https://github.com/google/re2/wiki/Syntax"

# What RE2 says about a construct it refuses, and the reason in the pact author's words.
_HINTS = (
    ("invalid perl operator: (?=", "lookahead (?=...) is not supported"),
    ("invalid perl operator: (?!", "negative lookahead (?!...) is not supported"),
    ("invalid perl operator: (?<=", "lookbehind (?<=...) is not supported"),
    ("invalid perl operator: (?<!", "negative lookbehind (?<!...) is not supported"),
    ("invalid perl operator: (?>", "atomic groups (?>...) are not supported"),
    ("invalid escape sequence: \\Z", "\\Z is not supported: write \\z for the end of the text"),
    ("bad repetition operator: ++", "possessive repetition (++) is not supported"),
    ("bad repetition operator: *+", "possessive repetition (*+) is not supported"),
    ("bad repetition operator: ?+", "possessive repetition (?+) is not supported"),
    ("invalid repetition size", "a repetition count is above 1,000 (counting nested repetitions)"),
    ("pattern too large", "the pattern is too large to run"),
)
_BACKREFERENCE = "invalid escape sequence: \\"


def _options() -> re2.Options:
    options = re2.Options()
    options.log_errors = False  # a refused pattern is reported to its author, not written to stderr
    options.never_capture = True  # only whether it matches is asked: no group positions to keep
    return options


@lru_cache(maxsize=512)
def _compiled(pattern: str) -> Callable[[bytes], object]:
    return re2.compile(pattern.encode("utf-8"), _options()).search


def pattern_problem(pattern: str) -> str | None:
    """Return why RE2 cannot run a pattern (in words, naming the construct), or None when it can."""
    try:
        pattern.encode("utf-8")
    except UnicodeEncodeError as error:
        return f"bad regex: character {error.start + 1} is half of a character pair (a lone surrogate)"
    try:
        _compiled(pattern)
    except re2.error as error:
        return f"bad regex: {_explain(error)} (patterns use RE2 syntax: {SYNTAX})"
    return None


def _explain(error: re2.error) -> str:
    said = error.args[0].decode("utf-8", "replace") if error.args and isinstance(error.args[0], bytes) \
        else str(error)
    for start, hint in _HINTS:
        if said.startswith(start):
            return f"{hint}; RE2 says: {said}"
    rest = said.removeprefix(_BACKREFERENCE)
    if rest != said and rest[:1].isdigit():
        return f"backreferences (\\{rest}) are not supported; RE2 says: {said}"
    return said


def searcher(pattern: str) -> Callable[[str], bool]:
    """Return the test `text -> whether the pattern occurs in it` (case-sensitive unless it says (?i))."""
    search = _compiled(pattern)

    def found(text: str) -> bool:
        # surrogatepass: a lone surrogate in stored text becomes bytes no pattern character matches, not an error
        return search(text.encode("utf-8", "surrogatepass")) is not None

    return found

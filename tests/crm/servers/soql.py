"""Just enough SOQL for the Salesforce contract server: SELECT fields FROM object [WHERE …] [ORDER BY …]
[LIMIT n], with AND/OR/parentheses, = != < <= > >= LIKE, IN/NOT IN lists, strings, numbers, booleans, null and
datetime literals."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

TOKEN = re.compile(r"""\s*(?:(?P<string>'(?:[^'\\]|\\.)*')|(?P<time>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z)
    |(?P<date>\d{4}-\d{2}-\d{2})|(?P<number>-?\d+(?:\.\d+)?)|(?P<op><=|>=|!=|<>|=|<|>)|(?P<punct>[(),])
    |(?P<word>[A-Za-z_][A-Za-z0-9_.]*))""", re.VERBOSE)


class SoqlError(ValueError):
    """A query the contract server cannot run, with Salesforce's error code."""

    def __init__(self, message: str, code: str = "MALFORMED_QUERY") -> None:
        super().__init__(message)
        self.code = code


@dataclass
class Query:
    """A parsed query: what to select, from where, which rows, in what order, how many."""

    fields: list[str]
    sobject: str
    where: Any
    order: list[tuple[str, bool]]
    limit: int | None


def tokens(text: str) -> list[tuple[str, Any]]:
    """The query as (kind, value) tokens."""
    found, position = [], 0
    text = text.strip()
    while position < len(text):
        match = TOKEN.match(text, position)
        if not match or match.end() == position:
            raise SoqlError(f"unexpected token at: {text[position:position + 20]!r}")
        position = match.end()
        kind = match.lastgroup
        value: Any = match.group(kind)
        if kind == "string":
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        elif kind == "time":
            value = datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
        elif kind == "number":
            value = float(value)
        found.append((kind, value))
    return found


class Parser:
    """Recursive descent over the tokens."""

    def __init__(self, text: str) -> None:
        self.items, self.at = tokens(text), 0

    def peek(self, upper: bool = True) -> Any:
        """The next token's value (keywords upper-cased), or None at the end."""
        if self.at >= len(self.items):
            return None
        kind, value = self.items[self.at]
        return value.upper() if upper and kind == "word" else value

    def take(self, expected: str | None = None) -> Any:
        """Consume the next token (which must be `expected` when given) and return its value."""
        if self.at >= len(self.items):
            raise SoqlError(f"unexpected end of query{f', expected {expected}' if expected else ''}")
        kind, value = self.items[self.at]
        if expected and (kind != "word" or value.upper() != expected) and value != expected:
            raise SoqlError(f"expected {expected}, found {value!r}")
        self.at += 1
        return value

    def query(self) -> Query:
        """SELECT … FROM … [WHERE …] [ORDER BY …] [LIMIT n]."""
        self.take("SELECT")
        fields = [self.take()]
        while self.peek() == ",":
            self.take(",")
            fields.append(self.take())
        self.take("FROM")
        sobject = self.take()
        where = self.condition() if self.peek() == "WHERE" and self.take() else None
        order: list[tuple[str, bool]] = []
        if self.peek() == "ORDER":
            self.take()
            self.take("BY")
            while True:
                name = self.take()
                descending = self.peek() in ("ASC", "DESC") and self.take().upper() == "DESC"
                order.append((name, descending))
                if self.peek() != ",":
                    break
                self.take(",")
        limit = int(self.take()) if self.peek() == "LIMIT" and self.take() else None
        if self.at != len(self.items):
            raise SoqlError(f"unexpected {self.peek(False)!r}")
        return Query(fields, sobject, where, order, limit)

    def condition(self) -> Any:
        """Terms joined by AND / OR, left to right."""
        left = self.term()
        while self.peek() in ("AND", "OR"):
            joiner = self.take().upper()
            left = (joiner, left, self.term())
        return left

    def term(self) -> Any:
        """A parenthesised condition, or `field operator value(s)`."""
        if self.peek() == "(":
            self.take("(")
            inner = self.condition()
            self.take(")")
            return inner
        field = self.take()
        operator = self.take()
        if isinstance(operator, str) and operator.upper() == "NOT":
            self.take("IN")
            operator = "NOT IN"
        operator = operator.upper() if isinstance(operator, str) else operator
        if operator in ("IN", "NOT IN"):
            self.take("(")
            values = [self.value()]
            while self.peek() == ",":
                self.take(",")
                values.append(self.value())
            self.take(")")
            return (operator, field, values)
        if operator not in ("=", "!=", "<>", "<", "<=", ">", ">=", "LIKE"):
            raise SoqlError(f"unknown operator {operator!r}")
        return (operator, field, self.value())

    def value(self) -> Any:
        """A literal: string, number, datetime, date, true, false or null."""
        kind, value = self.items[self.at]
        self.at += 1
        if kind == "word":
            lowered = value.lower()
            if lowered in ("true", "false"):
                return lowered == "true"
            if lowered == "null":
                return None
            raise SoqlError(f"bind variables and functions are not supported: {value}")
        return value


def parse(text: str) -> Query:
    """Parse a SOQL query (raises SoqlError)."""
    return Parser(text).query()


def holds(condition: Any, row: dict[str, Any], compare: Any) -> bool:
    """Whether `row` satisfies a parsed WHERE condition; `compare(field, row_value, operator, literal)` decides."""
    if condition is None:
        return True
    head = condition[0]
    if head in ("AND", "OR"):
        left, right = holds(condition[1], row, compare), holds(condition[2], row, compare)
        return (left and right) if head == "AND" else (left or right)
    operator, field, literal = condition
    return compare(field, row.get(field), operator, literal)

"""The pact engine: load and validate a pact, evaluate people against it, render and compare it.

Other domains import from here only.
"""

from __future__ import annotations

from leadpact.pact.catalog import Catalog, load_content
from leadpact.pact.conditions import ConditionError
from leadpact.pact.diff import diff
from leadpact.pact.durations import format_duration, parse_duration
from leadpact.pact.evaluate import CompiledPact, as_utc, compile_pact, evaluate, pact_lists
from leadpact.pact.load import InvalidPact, PactError, load_pact, load_pact_file, stored_pact, validate_pact
from leadpact.pact.offline import OfflinePerson, read_messages, resolve
from leadpact.pact.operators import OPERATORS, Operator
from leadpact.pact.phrases import describe, ready_sentence
from leadpact.pact.render import render_html, render_markdown
from leadpact.pact.results import (
    STATUSES,
    ConditionFailure,
    Disqualification,
    Evaluation,
    MatchedCriterion,
    Route,
)
from leadpact.pact.schema import Pact
from leadpact.pact.vectorised import NotVectorisable, condition_expression, flatten

__all__ = [
    "OPERATORS",
    "STATUSES",
    "Catalog",
    "CompiledPact",
    "ConditionError",
    "ConditionFailure",
    "Disqualification",
    "Evaluation",
    "InvalidPact",
    "MatchedCriterion",
    "NotVectorisable",
    "OfflinePerson",
    "Operator",
    "Pact",
    "PactError",
    "Route",
    "as_utc",
    "compile_pact",
    "condition_expression",
    "describe",
    "diff",
    "evaluate",
    "flatten",
    "format_duration",
    "load_content",
    "load_pact",
    "load_pact_file",
    "pact_lists",
    "parse_duration",
    "read_messages",
    "ready_sentence",
    "render_html",
    "render_markdown",
    "resolve",
    "stored_pact",
    "validate_pact",
]

"""Deal stages → won, lost or open: HubSpot's and Salesforce's default pipelines out of the box, anything else by
`--stage "Verbal Commit=open"` or a `stages:` section in the mapping file."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from leadpact.imports.mapping import MappingError, spelling

OUTCOMES = ("won", "lost", "open")
# The stages of HubSpot's default sales pipeline (internal values and labels) and of Salesforce's default
# Opportunity stage picklist, plus the plain words exports use.
DEFAULT_STAGES: dict[str, str] = {
    **dict.fromkeys(("closedwon", "won", "closedwonwon", "closedwon100", "win", "signed", "booked"), "won"),
    **dict.fromkeys(("closedlost", "lost", "closedlostlost", "closedlost0", "loss", "dead", "disqualified",
                     "closeddisqualified", "closednotconverted"), "lost"),
    **dict.fromkeys((
        # HubSpot: appointmentscheduled … contractsent, and their labels
        "appointmentscheduled", "qualifiedtobuy", "presentationscheduled", "decisionmakerboughtin", "contractsent",
        # Salesforce: Prospecting … Negotiation/Review
        "prospecting", "qualification", "needsanalysis", "valueproposition", "iddecisionmakers", "iddecisionmaker",
        "perceptionanalysis", "proposalpricequote", "negotiationreview",
        # plain words
        "open", "new", "discovery", "demo", "proposal", "negotiation", "pending", "inprogress", "qualified",
        "evaluation", "commit", "pipeline", "opportunity"), "open"),
}


@dataclass
class StageMap:
    """The stage vocabulary of one import: the defaults with the user's own stages on top."""

    overrides: dict[str, str] = field(default_factory=dict)  # spelling → outcome

    def outcome(self, stage: str) -> str | None:
        """Return won, lost or open for a stage label, or None when nothing says which."""
        key = spelling(stage)
        if key in self.overrides:
            return self.overrides[key]
        if key in DEFAULT_STAGES:
            return DEFAULT_STAGES[key]
        # "Closed Won - Renewal", "Closed Lost (no budget)": the CRMs' own prefixes say it.
        for prefix, outcome in (("closedwon", "won"), ("closedlost", "lost")):
            if key.startswith(prefix):
                return outcome
        return None


def parse_stage_options(options: list[str]) -> dict[str, str]:
    """Turn repeated `--stage LABEL=won|lost|open` options into {label: outcome}."""
    stages: dict[str, str] = {}
    for option in options:
        label, sep, outcome = option.rpartition("=")
        if not sep or not label.strip():
            raise MappingError(f"--stage {option!r} must look like \"Stage name=won\" (won, lost or open)")
        stages[label.strip()] = outcome.strip()
    return stages


def load_stage_file(path: Path) -> dict[str, str]:
    """Read the `stages:` section of a mapping file (YAML or JSON), if it has one."""
    text = Path(path).read_text(encoding="utf-8-sig")
    try:
        if Path(path).suffix.lower() == ".json":
            data: Any = json.loads(text)
        else:
            import yaml

            data = yaml.safe_load(text)
    except Exception as error:  # JSON and YAML each raise their own error types
        raise MappingError(f"mapping file {path} cannot be read: {error}") from None
    stages = data.get("stages") if isinstance(data, dict) else None
    if stages is None:
        return {}
    if not isinstance(stages, dict):
        raise MappingError(f"mapping file {path}: `stages` must map stage names to won, lost or open")
    return {str(label): str(outcome) for label, outcome in stages.items()}


def stage_map(stages: dict[str, str] | None) -> StageMap:
    """Return the stage vocabulary with `stages` ({label: won|lost|open}) on top of the defaults."""
    overrides = {}
    for label, outcome in (stages or {}).items():
        value = str(outcome).strip().lower()
        if value not in OUTCOMES:
            raise MappingError(f"stage {label!r} maps to {outcome!r}; use won, lost or open")
        overrides[spelling(label)] = value
    return StageMap(overrides)

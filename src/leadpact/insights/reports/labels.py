"""What reports call things: a persona by its label (`Data leader`), a rejection reason in words (`wrong company
size`). Metrics and the API keep the ids, which `--where persona=data_leader` filters by; reports are read by
people, so their frames are relabelled once, before any figure, table or chart is made from them."""

from __future__ import annotations

import polars as pl
from sqlalchemy.orm import Session

from leadpact.insights.metrics import Frames
from leadpact.pact import stored_pact
from leadpact.pact.versions import list_versions


def persona_labels(*, session: Session) -> dict[str, str]:
    """Return every stored version's persona ids mapped to their labels (a later version's label wins)."""
    labels: dict[str, str] = {}
    for row in list_versions(session=session):
        labels.update({persona.id: persona.label for persona in stored_pact(row.source).personas})
    return labels


def reason_words(reason: str) -> str:
    """Return a rejection reason id as words: `wrong_company_size` → `wrong company size`."""
    return reason.replace("_", " ")


def labelled(frame: pl.DataFrame, personas: dict[str, str]) -> pl.DataFrame:
    """Return a lead or handoff frame with persona labels and rejection reasons in words."""
    return frame.with_columns(pl.col("persona").replace(personas),
                              pl.col("rejection_reason").str.replace_all("_", " ", literal=True))


def labelled_frames(frames: Frames, *, session: Session) -> Frames:
    """Return both frames of a report relabelled for reading."""
    personas = persona_labels(session=session)
    return Frames(labelled(frames.leads, personas), labelled(frames.handoffs, personas))

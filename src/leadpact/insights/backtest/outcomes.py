"""What happened to people after the pact qualified them: sales feedback, SQLs and won deals (the database's
handoffs, lifecycle trail and opportunities), and the figures a backtest reads from them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl
from sqlalchemy import select
from sqlalchemy.engine import Engine

from leadpact.handoff.models import Handoff, Opportunity
from leadpact.lifecycle.models import Transition
from leadpact.people.models import Person

SQL_STATES = ("sql", "opportunity", "won")


@dataclass
class Outcomes:
    """Per person: the latest sales feedback, whether they reached SQL, and when they were won."""

    feedback: pl.DataFrame  # person, accepted, rejection_reason
    sql: pl.DataFrame  # person
    won: pl.DataFrame  # person, won_day

    @property
    def has_feedback(self) -> bool:
        """Tell whether any handoff was accepted or rejected."""
        return self.feedback.height > 0

    def figures(self, qualified: pl.DataFrame) -> dict[str, Any]:
        """Return predicted acceptance, MQL → SQL and won deals caught for a pact's qualified people."""
        from leadpact.insights.backtest.report import median_days

        judged = qualified.join(self.feedback, on="person", how="inner")
        accepted = int(judged["accepted"].sum()) if judged.height else 0
        reasons = (judged.filter(~pl.col("accepted")).group_by("rejection_reason").len()
                   .sort(["len", "rejection_reason"], descending=[True, False]).head(3))
        reached = qualified.join(self.sql, on="person", how="semi").height
        caught = qualified.join(self.won, on="person", how="inner").filter(pl.col("first_day") <= pl.col("won_day"))
        days = (caught["won_day"] - caught["first_day"]).dt.total_days().cast(pl.Float64).to_list()
        return {
            "with_feedback": judged.height,
            "predicted_acceptance": round(accepted / judged.height, 3) if judged.height else None,
            "top_rejection_reasons": {str(r): n for r, n in reasons.iter_rows()},
            "mql_to_sql": round(reached / qualified.height, 3) if qualified.height else None,
            "won_deals": self.won.height,
            "won_caught": caught.height,
            "won_caught_share": round(caught.height / self.won.height, 3) if self.won.height else None,
            "median_days_before_win": median_days(days),
        }

    def days_earlier(self, candidate: pl.DataFrame, active: pl.DataFrame) -> dict[str, Any]:
        """Return by how many days the candidate qualified won deals before the active pact (both caught them)."""
        from leadpact.insights.backtest.report import mean_days, median_days

        def caught(qualified: pl.DataFrame) -> pl.DataFrame:
            """Won deals a pact qualified on or before the day they were won."""
            return qualified.join(self.won, on="person").filter(pl.col("first_day") <= pl.col("won_day"))

        mine, theirs = caught(candidate), caught(active)
        both = mine.join(theirs.select("person", pl.col("first_day").alias("first_day_active")), on="person")
        # positive: the candidate's first MQL day came that many days before the active pact's
        days = (both["first_day_active"] - both["first_day"]).dt.total_days().cast(pl.Float64).to_list()
        return {"both": both.height, "median_days_earlier": median_days(days), "mean_days_earlier": mean_days(days),
                "earlier": sum(d > 0 for d in days), "same_day": sum(d == 0 for d in days),
                "later": sum(d < 0 for d in days),
                "candidate_only": mine.join(theirs, on="person", how="anti").height,
                "active_only": theirs.join(mine, on="person", how="anti").height}


def _rows(engine: Engine, statement: Any, schema: dict[str, Any]) -> pl.DataFrame:
    with engine.connect() as connection:
        rows = [tuple(row) for row in connection.execute(statement)]
    return pl.DataFrame(rows, schema=schema, orient="row")


def read_outcomes(engine: Engine) -> Outcomes:
    """Return feedback, SQLs and wins recorded in the database."""
    handoffs = _rows(engine, select(Handoff.person_id, Handoff.state, Handoff.rejection_reason, Handoff.created_at,
                                    Handoff.id).where(Handoff.state.in_(("accepted", "rejected"))),
                     {"person": pl.Int64, "state": pl.String, "rejection_reason": pl.String,
                      "at": pl.Datetime("us", "UTC"), "id": pl.Int64})
    feedback = (handoffs.sort(["at", "id"]).unique("person", keep="last", maintain_order=True)
                .select("person", (pl.col("state") == "accepted").alias("accepted"), "rejection_reason"))
    moved = _rows(engine, select(Transition.person_id).where(Transition.to_status.in_(SQL_STATES)),
                  {"person": pl.Int64})
    # Deals of an account alone (imported history naming no person) have no person to replay.
    opportunities = _rows(engine, select(Opportunity.person_id, Opportunity.stage, Opportunity.opened_at,
                                         Opportunity.closed_at).where(Opportunity.person_id.is_not(None)),
                          {"person": pl.Int64, "stage": pl.String, "opened_at": pl.Datetime("us", "UTC"),
                           "closed_at": pl.Datetime("us", "UTC")})
    status = _rows(engine, select(Person.id).where(Person.status.in_(SQL_STATES)), {"person": pl.Int64})
    sql = pl.concat([moved, opportunities.select("person"), status]).unique()
    won = (opportunities.filter(pl.col("stage") == "won")
           .group_by("person").agg(pl.coalesce("closed_at", "opened_at").min().dt.date().alias("won_day")))
    return Outcomes(feedback=feedback, sql=sql, won=won)

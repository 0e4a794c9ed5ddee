"""The synthetic demo company: a seeded B2B software vendor's funnel, generated from a hidden ground truth.

Public API (other domains import only from here):

- ``generate_company(*, seed=7, accounts=2500, people=10000, end=datetime(2026, 10, 31, tzinfo=UTC),
  months=6, visitors=None) -> DemoCompany`` — the same arguments always give the same company. Records
  and truth are built on first use; events are generated on demand.
- ``DemoCompany`` attributes: ``accounts`` (list[Account]), ``people`` (list[Person]), ``content``
  (list[ContentAsset]), ``teams`` (list[Team]), ``reps`` (list[Rep]: reps *and* team managers, see
  ``Rep.role``; ``sales_reps`` holds only the reps), ``truth`` (GroundTruth), ``start``, ``end``
  (aware UTC), ``identities`` (person id → PersonIdentities: user_id, email, anonymous_ids),
  ``person_by_identifier`` (user id, email or anonymous id → person id).
- ``DemoCompany.iter_events()`` yields every Segment message dict in (timestamp, messageId) order; it
  holds all events in memory, which suits the default size (~190,000 messages). For big runs use
  ``iter_event_chunks()`` (each chunk's events sorted on their own), ``iter_chunks()`` (each chunk's
  records, truth and events together), or write files: ``company.write_jsonl(directory)`` /
  ``company.write_parquet(directory)`` (sorted by time at any size, in bounded memory). Messages are
  fresh dicts; a person's own messages never share a timestamp.
- Records (``Account``, ``Person``, ``ContentAsset``, ``Team``, ``Rep``, ``PersonIdentities``) are frozen
  dataclasses with ``to_dict()``. None of them carries any truth. ``Account.owner`` is the owning rep's
  email (named accounts only); ``Person.account_id`` is None for free-mail sign-ups.
- ``GroundTruth``: ``acceptance_probability(person_id, at=None)``, ``win_probability(person_id, at=None)``
  (given acceptance), ``likely_rejection_reason(person_id, rng, at=None)`` (one of ``REJECTION_REASONS``)
  and ``rep_response_minutes(rep_id, rng)``; pass ``at`` (the handoff time) so timing counts. Also
  ``accounts`` / ``people`` (AccountTruth / PersonTruth by id) and ``rep_response_pace``.
- ``write_company(company, directory, *, fmt="jsonl"|"parquet", workers=None, progress=None) ->
  WriteSummary`` (what ``write_jsonl``/``write_parquet`` call): events, accounts, people, identities,
  content, teams and reps, and the truth under ``truth/``. Parquet events have one row per message:
  message_id, type, event, anonymous_id, user_id, timestamp (timestamp[us, UTC]), properties_json,
  context_json, traits_json, path, asset_id, utm_source, utm_medium, utm_campaign, group_id, previous_id.
  ``workers`` > 1 generates chunks on spawned processes (the default uses them from 16,000 people up),
  so a calling script needs an ``if __name__ == "__main__"`` guard.
- ``STARTING_PACT_PATH``: the pact marketing wrote alone (format 1), tuned to this company's fields.
"""

from __future__ import annotations

from pathlib import Path

from leadpact.demo.company import DEFAULT_END, DemoCompany, generate_company
from leadpact.demo.output import WriteSummary, write_company
from leadpact.demo.records import Account, ContentAsset, Person, PersonIdentities, Rep, Team
from leadpact.demo.truth import (
    BUYING_ROLES,
    NOISE_KINDS,
    REJECTION_REASONS,
    AccountTruth,
    GroundTruth,
    PersonTruth,
)
from leadpact.demo.writers import read_events

STARTING_PACT_PATH = Path(__file__).with_name("starting_pact.yaml")

__all__ = [
    "BUYING_ROLES", "DEFAULT_END", "NOISE_KINDS", "REJECTION_REASONS", "STARTING_PACT_PATH", "Account",
    "AccountTruth", "ContentAsset", "DemoCompany", "GroundTruth", "Person", "PersonIdentities", "PersonTruth",
    "Rep", "Team", "WriteSummary", "generate_company", "read_events", "write_company",
]

"""Pact evaluation speed, three ways, each beside its reference measured in the same run:

1. the pure evaluator: people evaluated per second (demo company, starting pact, whole history each), beside
   the floor of merely reading every one of those events once in Python;
2. events/s through POST /v1/batch (100-message batches, 16 concurrent senders, the first 2,000 events untimed:
   see bench/ingest.py for why) with live evaluation under an active pact, beside the same events with no active
   pact (ingest alone); target ≥ 5,000 events/s on SQLite;
3. re-evaluating every open person on activation (by default 77,000 identified people and 23,100 anonymous
   visitors, as many people as the 30% visitor share makes: 100,100, each with their whole history), beside
   loading the same people's histories from the database, the input the per-person evaluator starts from;
   target 100,000 people in ≤ 10 s. Module imports are made before the clock starts, as a running server has them.

Reproduce: `.venv/bin/python bench/evaluate.py [--people 10000] [--activation-people 77000] [--senders 16]`."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._demo_load import bulk_load  # noqa: E402
from bench._support import create_write_key, leadpact_server  # noqa: E402
from bench.ingest import send_batches  # noqa: E402
from leadpact.db import make_engine, migrate, session_factory  # noqa: E402
from leadpact.demo import STARTING_PACT_PATH, generate_company  # noqa: E402
from leadpact.engine import reevaluate_all  # noqa: E402
from leadpact.engine.inputs import load_histories  # noqa: E402
from leadpact.pact import Catalog, compile_pact, evaluate, load_pact, read_messages, resolve  # noqa: E402
from leadpact.pact.models import PactVersion  # noqa: E402

AS_OF = datetime(2026, 10, 31, tzinfo=UTC)


def pure_evaluator(people: int) -> None:
    """People/s of the pure function over whole histories, beside one plain pass over the same events."""
    import orjson

    company = generate_company(people=people, accounts=max(10, people // 4))
    messages, _ = read_messages(orjson.dumps(m).decode() for m in company.iter_events())
    persons = resolve(messages, as_of=AS_OF)
    catalog = Catalog({c.id: c.to_dict() for c in company.content})
    compiled = compile_pact(load_pact(STARTING_PACT_PATH.read_text()))
    started = time.perf_counter()
    for person in persons:
        evaluate(compiled, person=person.person, account=person.account, events=person.events, content=catalog,
                 as_of=AS_OF)
    elapsed = time.perf_counter() - started
    started = time.perf_counter()
    touched = 0
    for person in persons:
        for event in person.events:
            if event["timestamp"] <= AS_OF and event.get("type"):
                touched += 1
    floor = time.perf_counter() - started
    events = sum(len(p.events) for p in persons)
    print(f"pure evaluator: {len(persons) / elapsed:>9,.0f} people/s ({events / len(persons):.1f} events each)   "
          f"reading the events once: {len(persons) / floor:>10,.0f} people/s   ratio {floor / elapsed:.3f}")


def live_ingest(people: int, senders: int) -> None:
    """/v1/batch events/s with live evaluation on, beside the same events with no active pact."""
    company = generate_company(people=people, accounts=max(10, people // 4))
    messages = list(company.iter_events())
    rates = {}
    with tempfile.TemporaryDirectory() as directory:
        for label, active in (("ingest alone", False), ("live evaluation", True)):
            url = f"sqlite:///{directory}/{label.replace(' ', '_')}.db"
            engine = make_engine(url)
            migrate(engine)
            if active:
                with session_factory(engine).begin() as session:
                    session.add(PactVersion(version=1, name="starting", source=STARTING_PACT_PATH.read_text(),
                                            state="active", created_by="bench", created_at=AS_OF))
            key = create_write_key(url)
            with leadpact_server(url) as server:
                rates[label] = send_batches(server, key, messages, batch_size=100, senders=senders, warmup=2_000)
    print(f"/v1/batch with live evaluation: {rates['live evaluation']:>7,.0f} events/s   "
          f"ingest alone: {rates['ingest alone']:>7,.0f} events/s   "
          f"ratio {rates['live evaluation'] / rates['ingest alone']:.2f}   (target ≥ 5,000 events/s)")


def activation(people: int) -> None:
    """Seconds to re-evaluate every open person on activation, beside loading the same people's histories."""
    from sqlalchemy import select

    import leadpact.engine.bulk  # noqa: F401  (imports belong to a server's start, not to an activation)
    import leadpact.engine.bulk_write  # noqa: F401
    from leadpact.engine.activation import OPEN_STATES
    from leadpact.people.models import Person

    company = generate_company(people=people, accounts=max(10, people // 4))
    with tempfile.TemporaryDirectory() as directory:
        engine = make_engine(f"sqlite:///{directory}/activation.db")
        migrate(engine)
        counts = bulk_load(engine, company)
        with session_factory(engine)() as session:
            version = PactVersion(version=1, name="starting", source=STARTING_PACT_PATH.read_text(), state="active",
                                  created_by="bench", created_at=AS_OF)
            session.add(version)
            session.flush()
            open_people = list(session.scalars(select(Person.id).where(Person.status.in_(OPEN_STATES))))
            started = time.perf_counter()
            for start in range(0, len(open_people), 2000):
                load_histories(session, open_people[start : start + 2000])
            loading = time.perf_counter() - started
            started = time.perf_counter()
            summary = reevaluate_all(session=session, version=version, now=AS_OF)
            elapsed = time.perf_counter() - started
            session.rollback()
    evaluated = summary["people_evaluated"]
    assert evaluated == len(open_people) == counts["people"], (evaluated, len(open_people), counts)
    print(f"activation: {evaluated:,} people re-evaluated ({len(company.people):,} identified + "
          f"{evaluated - len(company.people):,} anonymous visitors; {counts['events']:,} events) in {elapsed:.1f} s "
          f"({summary['people_moved']:,} moved, {summary['evaluated_live']:,} by the live evaluator, "
          f"{summary['workers']} readers)   loading their histories alone: {loading:.1f} s   "
          f"ratio {loading / elapsed:.2f}   (target ≤ 10 s for 100,000 people)")


def main() -> None:
    """Run the three measurements."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=10_000, help="identified people for parts 1 and 2")
    parser.add_argument("--activation-people", type=int, default=77_000,
                        help="identified people for part 3 (plus 30%% anonymous visitors: ~100,000 people)")
    parser.add_argument("--senders", type=int, default=16, help="concurrent clients, each waiting for its answer")
    parser.add_argument("--skip", nargs="*", default=[], choices=["pure", "live", "activation"])
    args = parser.parse_args()
    if "pure" not in args.skip:
        pure_evaluator(args.people)
    if "live" not in args.skip:
        live_ingest(args.people, args.senders)
    if "activation" not in args.skip:
        activation(args.activation_people)


if __name__ == "__main__":
    main()

"""The pact document (Markdown and HTML) and the diff in words."""

from __future__ import annotations

from datetime import UTC, datetime

from leadpact.pact import diff, load_pact, load_pact_file, ready_sentence, render_html, render_markdown

from .conftest import EXAMPLE

NORTHWIND = EXAMPLE.read_text()


def test_markdown_document_reads_in_plain_english() -> None:
    text = render_markdown(load_pact_file(EXAMPLE))
    assert text.startswith("# Northwind lead pact")
    assert "> A lead is ready when someone in a buying role at a 200-5,000 person software company" in text
    assert "account employees is between 200 and 5,000 (+30 points)" in text
    assert "not in a buying role (-25 points)" in text
    assert 'a page view where path starts with "/pricing" (+10 points each, at most 1 a day)' in text
    assert "**Hot** when grade is A or B and (a \"Demo Requested\" event in the last 7 days" in text
    assert "| Hot | 15 minutes | around the clock | manager | never |" in text
    assert "deliver 120 MQLs per month; keep at least 60% of MQLs accepted by sales" in text
    assert "wrong company size" in text
    assert "Not yet approved" in text


def test_approvals_are_part_of_the_document() -> None:
    approvals = [{"role": "marketing", "name": "Mia Marketing", "at": datetime(2024, 5, 1, 9, 30, tzinfo=UTC)},
                 {"role": "sales", "name": "Sam <Sales>", "at": "2024-05-02"}]
    pact = load_pact_file(EXAMPLE)
    assert "| marketing | Mia Marketing | 2024-05-01 09:30 UTC |" in render_markdown(pact, approvals)
    html = render_html(pact, approvals)
    assert html.startswith("<!doctype html>") and "<link" not in html and "<script" not in html
    assert "Sam &lt;Sales&gt;" in html
    assert "account employees is between 200 and 5,000 (+30 points)" in html


def test_sentence_is_generated_when_absent() -> None:
    pact = load_pact("""
leadpact: 1
name: Generated
stages:
  mql: {when: {all: [{score: fit, op: gte, value: 50}, {score: engagement, op: gte, value: 30}]}}
disqualify:
  - {id: student, reason: student, when: {field: person.title, op: contains, value: student}}
""")
    assert ready_sentence(pact) == (
        "A lead is ready when fit score is at least 50 and engagement score is at least 30 "
        '(a marketing-qualified lead), unless person title contains "student".')


def test_diff_says_what_changed() -> None:
    # the written-down examples would (rightly) refuse these rules: this test is about the rules' diff
    changed = (NORTHWIND[:NORTHWIND.index("\nexamples:")]
               .replace("{score: fit, op: gte, value: 50}", "{score: fit, op: gte, value: 60}")
               .replace("points: 40", "points: 45")
               .replace("respond_within: 15m", "respond_within: 30m")
               .replace(", duplicate]", "]")
               .replace("{A: 70", "{A: 75")
               .replace("""    - id: industry
      label: Software or fintech
      when: {field: account.industry, op: in, value: [software, fintech]}
      points: 20
""", ""))
    assert diff(load_pact(NORTHWIND), load_pact(changed)) == [
        "grade A threshold raised from 70 to 75",
        'fit criterion "Software or fintech" (industry) removed',
        'engagement criterion "Requested a demo": points changed from +40 points to +45 points',
        "stage MQL: fit score threshold raised from 50 to 60",
        "SLA: hot respond within changed from 15 minutes to 30 minutes",
        "rejection reason duplicate removed",
    ]


def test_diff_of_rules_and_additions() -> None:
    before = load_pact("leadpact: 1\nname: A\npersonas:\n"
                       "  - {id: a, label: A, when: {field: person.title, op: exists}}\n"
                       "  - {id: b, label: B, when: {field: person.title, op: missing}}\n")
    after = load_pact("leadpact: 1\nname: B\npersonas:\n"
                      "  - {id: b, label: B, when: {field: person.title, op: missing}}\n"
                      "  - {id: a, label: A, when: {field: person.title, op: contains, value: vp}}\n"
                      "lists: {competitors: [rival.example]}\n")
    assert diff(before, after) == [
        'name changed from "A" to "B"',
        'persona "A": "person title is known" became "person title contains "vp""',
        "persona order changed from a, b to b, a (the first persona that matches wins)",
        "list competitors added",
    ]
    assert diff(before, before) == []


def test_text_the_authors_wrote_shows_as_itself() -> None:
    pact = load_pact("""\
leadpact: 1
name: "<script>alert(1)</script> *pact*"
personas:
  - id: student_intern
    label: "<img src=x onerror=alert(1)> | [click](http://evil.example)"
    when: {field: person.title, op: matches, value: "(?i)\\\\b(student|intern)\\\\b"}
""")
    markdown = render_markdown(pact, [])
    assert markdown.startswith(r"# \<script\>alert(1)\</script\> \*pact\*")
    assert (r"1. **\<img src=x onerror=alert(1)\> \| \[click\](http://evil.example)** (`student_intern`): "
            r'person title matches the pattern "(?i)\\b(student\|intern)\\b".') in markdown
    html = render_html(pact, [])
    assert "<script>alert" not in html and "<img" not in html and "&lt;img src=x" in html

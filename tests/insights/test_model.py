"""The predictive model: out-of-fold AUC on the X Education leads with the sales team's columns left out, the
leakage guard when they are left in, and clear refusals of bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from leadpact.cli import app

LEADS = Path("/work/shared/data/leads_xeducation.csv")
RECORDED_BY_SALES = ["Tags", "Lead Quality", "Lead Profile", "Asymmetrique Activity Index",
                     "Asymmetrique Profile Index", "Asymmetrique Activity Score", "Asymmetrique Profile Score",
                     "Last Notable Activity"]
runner = CliRunner()


def train(*arguments: str) -> tuple[int, str]:
    """Run `leadpact insights train` and return (exit code, output)."""
    result = runner.invoke(app, ["insights", "train", *arguments])
    return result.exit_code, result.output


@pytest.mark.skipif(not LEADS.exists(), reason="the X Education data set is not here")
def test_the_model_beats_the_baselines_and_the_guard_flags_what_sales_wrote() -> None:
    code, output = train("--csv", str(LEADS), "--target", "Converted", "--json",
                         *[argument for column in RECORDED_BY_SALES for argument in ("--exclude", column)])
    assert code == 0, output
    honest = json.loads(output)
    assert honest["auc"] >= 0.90
    assert honest["baselines"]["logistic_regression"] >= 0.85 and honest["baselines"]["naive_bayes"] >= 0.8
    assert set(honest["identifiers"]) == {"Prospect ID", "Lead Number"}  # unique per row: left out by themselves
    assert not set(honest["features"]) & {"Prospect ID", "Lead Number", *RECORDED_BY_SALES}
    assert honest["top_factors"][0]["importance"] > 0
    assert len(honest["people"]) == 5 and all(len(p["top_factors"]) == 3 for p in honest["people"])
    assert not {"Tags", "Lead Quality"} & {flag["column"] for flag in honest["leakage"]}

    code, output = train("--csv", str(LEADS), "--target", "Converted", "--json")
    assert code == 0, output
    leaky = json.loads(output)
    flagged = {flag["column"]: flag["reasons"] for flag in leaky["leakage"]}
    assert {"Tags", "Lead Quality"} <= set(flagged)
    assert any("AUC" in reason or "covers" in reason for reason in flagged["Tags"])  # too predictive alone
    assert leaky["auc"] > honest["auc"]


@pytest.fixture
def leads(tmp_path: Path) -> Path:
    """A tiny lead table."""
    rows = ["id,source,visits,won"] + [f"{i},{'ads' if i % 3 else 'seo'},{i % 7},{'yes' if i % 2 else 'no'}"
                                        for i in range(60)]
    path = tmp_path / "leads.csv"
    path.write_text("\n".join(rows) + "\n")
    return path


def test_a_small_table_trains_and_reads_yes_as_won(leads: Path) -> None:
    code, output = train("--csv", str(leads), "--target", "won", "--cv", "3", "--json")
    assert code == 0, output
    result = json.loads(output)
    assert result["positive"] == "yes" and result["identifiers"] == ["id"] and 0 <= result["auc"] <= 1


@pytest.mark.parametrize(("arguments", "message"), [
    (["--target", "converted"], "no column 'converted'; the columns are: id, source, visits, won"),
    (["--target", "visits"], "must have exactly two values"),
    (["--target", "won", "--exclude", "nope"], "--exclude names no column: nope"),
    (["--target", "won", "--exclude", "won"], "cannot also be excluded"),
])
def test_bad_input_is_refused_with_a_reason(leads: Path, arguments: list[str], message: str) -> None:
    code, output = train("--csv", str(leads), *arguments)
    assert code == 2
    assert message in output


def test_an_empty_or_missing_file_is_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    code, output = train("--csv", str(empty), "--target", "won")
    assert code == 2 and "the file is empty" in output
    header = tmp_path / "header.csv"
    header.write_text("a,won\n")
    code, output = train("--csv", str(header), "--target", "won")
    assert code == 2 and "no rows" in output
    code, output = train("--csv", str(tmp_path / "absent.csv"), "--target", "won")
    assert code == 2 and "no such file" in output

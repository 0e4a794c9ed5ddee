"""Commands of this domain, registered on the `leadpact` CLI: `insights train` (the predictive model of won deals)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

insights_app = typer.Typer(name="insights", help="Evidence from outcomes: the predictive model and its leakage "
                                                 "guard.", no_args_is_help=True)


@insights_app.command("train")
def train_command(
    csv: Path = typer.Option(..., "--csv", help="A table of leads, one row per lead, with the outcome column."),
    target: str = typer.Option(..., "--target", help="The outcome column (two values: won/lost, 1/0, yes/no)."),
    exclude: list[str] = typer.Option([], "--exclude", help="Columns to leave out (repeat, or separate by commas)."),
    cv: int = typer.Option(5, "--cv", help="Folds of stratified cross-validation."),
    dictionary: Path | None = typer.Option(None, "--dictionary", help="A data dictionary CSV (column, "
                                           "description); default: NAME_data_dictionary.csv beside the table."),
    after_handoff: list[str] = typer.Option([], "--after-handoff", help="A column known to be recorded after the "
                                                                         "handoff (repeat for more)."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Train a calibrated model of the outcome: out-of-fold AUC, baselines, factors and leakage flags."""
    from leadpact.insights.leakage import default_dictionary, read_dictionary
    from leadpact.insights.model import train
    from leadpact.insights.table import TrainingError, lead_table, read_csv

    # `--exclude A --exclude B` or `--exclude A,B`
    excluded = [name.strip() for value in exclude for name in value.split(",") if name.strip()]
    try:
        table = lead_table(read_csv(csv), target=target, exclude=excluded)
        source = dictionary or default_dictionary(csv)
        result = train(table, cv=cv, dictionary=read_dictionary(source) if source else None,
                       after_handoff=after_handoff)
    except TrainingError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    typer.echo(json.dumps(result) if as_json else render(result))


def render(result: dict[str, Any]) -> str:
    """Return the training result as text a person reads."""
    lines = [f"{result['rows']:,} leads, target {result['target']!r} (positive: {result['positive']!r}), "
             f"{len(result['features'])} features, {result['cv']}-fold cross-validation",
             f"model (calibrated gradient-boosted trees): AUC {result['auc']:.3f}",
             f"baselines: logistic regression {result['baselines']['logistic_regression']:.3f}, "
             f"naive Bayes {result['baselines']['naive_bayes']:.3f}"]
    if result["identifiers"]:
        lines.append(f"left out as identifiers: {', '.join(result['identifiers'])}")
    lines.append("top factors (AUC lost when shuffled):")
    lines += [f"  {f['feature']}: {f['importance']:.4f}" for f in result["top_factors"]]
    lines.append("per lead:")
    for lead in result["people"]:
        factors = "; ".join(f"{f['feature']} = {f['value']} ({f['effect']:+.2f})" for f in lead["top_factors"])
        lines.append(f"  row {lead['row']}: {lead['probability']:.2f} — {factors}")
    if result["leakage"]:
        lines.append("leakage guard — these columns look recorded after the handoff or too predictive to be honest:")
        for flag in result["leakage"]:
            lines.append(f"  {flag['column']}: " + "; ".join(flag["reasons"]))
    else:
        lines.append("leakage guard: nothing flagged")
    return "\n".join(lines)


def register(app: typer.Typer) -> None:
    """Add this domain's commands to `app`."""
    app.add_typer(insights_app, name="insights")

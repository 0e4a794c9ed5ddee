"""The predictive model of won deals: gradient-boosted trees, calibrated, judged out of fold beside baselines.

5-fold stratified cross-validation (shuffled, random_state=0) gives every lead a prediction from a model
that never saw it; the AUC of those predictions is the model's figure. Factors are model-agnostic:
permutation importance on each held-out fold (a field and its missing indicator shuffled together), and,
per lead, how far the probability moves when one field is set to its most common value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold
from threadpoolctl import threadpool_limits

from leadpact.insights import baselines, leakage
from leadpact.insights.table import LeadTable, TrainingError

REPEATS = 1  # shuffles per field and fold for permutation importance (five folds already average it)
SAMPLE = 1200  # held-out rows per fold it shuffles: enough for a stable AUC drop, and quick


def make_model(table: LeadTable) -> CalibratedClassifierCV:
    """Return the calibrated gradient-boosted model for a table's columns."""
    trees = HistGradientBoostingClassifier(
        categorical_features=np.array([c.categorical for c in table.columns]), learning_rate=0.1, max_iter=120,
        max_leaf_nodes=15, min_samples_leaf=40, l2_regularization=1.0, early_stopping=False, random_state=0)
    # three models, each sigmoid-calibrated on the third it did not see, averaged: calibrated probabilities
    # that rank as well as the trees alone (a single calibrated model per fold ranks worse across folds)
    return CalibratedClassifierCV(trees, method="sigmoid", cv=3, ensemble=True)


def _folds(table: LeadTable, count: int) -> baselines.Folds:
    smallest = int(min(table.y.sum(), len(table.y) - table.y.sum()))
    if count < 2 or smallest < count:
        raise TrainingError(f"{count}-fold cross-validation needs at least {count} leads of each outcome and "
                            f"--cv ≥ 2; the smaller outcome has {smallest}")
    splitter = StratifiedKFold(n_splits=count, shuffle=True, random_state=0)
    return list(splitter.split(np.zeros(len(table.y)), table.y))


def _reference(table: LeadTable) -> np.ndarray:
    """Each field's most common value (median for numbers): the 'typical lead' a factor is measured against."""
    reference = []
    for column in table.columns:
        present = column.values[~np.isnan(column.values)]
        if not present.size:
            reference.append(np.nan)
        elif column.categorical or set(np.unique(present)) <= {0.0, 1.0}:
            values, counts = np.unique(present, return_counts=True)
            reference.append(values[np.argmax(counts)])
        else:
            reference.append(float(np.median(present)))
    return np.array(reference)


def _fields(table: LeadTable) -> dict[str, list[int]]:
    """Return each field's columns: its own and its missing indicator move together when permuted."""
    fields: dict[str, list[int]] = {}
    for index, column in enumerate(table.columns):
        fields.setdefault(column.name.removesuffix(" (missing)"), []).append(index)
    return fields


def permutation_drop(model: Any, x: np.ndarray, y: np.ndarray, fields: Mapping[str, list[int]],
                     seed: int) -> dict[str, float]:
    """Return each field's AUC drop when its values are shuffled among the rows (one batched prediction)."""
    rng = np.random.default_rng(seed)
    blocks = []
    for columns in fields.values():
        shuffled = x.copy()
        order = rng.permutation(len(x))
        shuffled[:, columns] = x[order][:, columns]
        blocks.append(shuffled)
    scores = model.predict_proba(np.vstack([x, *blocks]))[:, 1].reshape(len(fields) + 1, len(x))
    base = roc_auc_score(y, scores[0])
    return {name: base - roc_auc_score(y, scores[i + 1]) for i, name in enumerate(fields)}


def lead_factors(model: Any, table: LeadTable, rows: Sequence[int], top: int = 3) -> list[dict[str, Any]]:
    """Return, for a few leads, the probability and the fields that move it most from a typical lead's value."""
    chosen = table.matrix()[list(rows)]
    reference = _reference(table)
    fields = _fields(table)
    blocks = []
    for columns in fields.values():
        changed = chosen.copy()
        changed[:, columns] = reference[columns]
        blocks.append(changed)
    scores = model.predict_proba(np.vstack([chosen, *blocks]))[:, 1].reshape(len(fields) + 1, len(rows))
    effects = scores[0] - scores[1:]  # fields × leads
    names = list(fields)
    label = table.identifiers[0] if table.identifiers else None
    people = []
    for position, row in enumerate(rows):
        order = np.argsort(-np.abs(effects[:, position]))[:top]
        people.append({
            "row": int(row), **({label: table.frame[label][int(row)]} if label else {}),
            "probability": round(float(scores[0, position]), 4),
            "top_factors": [{"feature": names[i], "value": table.columns[fields[names[i]][0]].describe(
                chosen[position, fields[names[i]][0]]), "effect": round(float(effects[i, position]), 4)}
                for i in order],
        })
    return people


def train(table: LeadTable, *, cv: int = 5, dictionary: Mapping[str, str] | None = None,
          after_handoff: Sequence[str] = (), people: int = 5, top: int = 10) -> dict[str, Any]:
    """Return the cross-validated model's AUC, the baselines, top factors, per-lead factors and leakage flags."""
    folds = _folds(table, cv)
    x, y = table.matrix(), table.y
    fields = _fields(table)
    predictions, importance, fold_aucs = np.zeros(len(y)), dict.fromkeys(fields, 0.0), []
    # one thread: the table is small, and OpenMP threads spinning on a busy machine cost more than they give
    with threadpool_limits(limits=1):
        for train_rows, test_rows in folds:
            model = make_model(table).fit(x[train_rows], y[train_rows])
            predictions[test_rows] = model.predict_proba(x[test_rows])[:, 1]
            fold_aucs.append(roc_auc_score(y[test_rows], predictions[test_rows]))
            sample = test_rows[:SAMPLE]  # a fold is a random subset of the rows, so its first rows are too
            for repeat in range(REPEATS):
                drops = permutation_drop(model, x[sample], y[sample], fields, seed=repeat)
                for name, drop in drops.items():
                    importance[name] += drop / (len(folds) * REPEATS)
        final = make_model(table).fit(x, y)
        logistic = baselines.logistic_regression(table, folds)
        bayes = baselines.naive_bayes(table, folds)
        flags = leakage.guard(table, folds, dictionary=dictionary, after_handoff=after_handoff)
        rows = list(range(min(people, len(y))))
        per_lead = lead_factors(final, table, rows)
    ranked = sorted(importance.items(), key=lambda item: -item[1])[:top]
    return {
        "rows": int(len(y)), "target": table.target, "positive": table.positive,
        "features": table.names, "identifiers": table.identifiers, "excluded": table.excluded,
        "cv": cv, "auc": round(float(roc_auc_score(y, predictions)), 4),
        "auc_folds": [round(float(a), 4) for a in fold_aucs],
        "baselines": {"logistic_regression": round(float(roc_auc_score(y, logistic)), 4),
                      "naive_bayes": round(float(roc_auc_score(y, bayes)), 4)},
        "top_factors": [{"feature": name, "importance": round(float(drop), 4)} for name, drop in ranked],
        "people": per_lead,
        "leakage": [flag.to_dict() for flag in flags],
    }

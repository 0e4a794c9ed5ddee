"""The baselines a model must beat, scored on the same folds: logistic regression, and a per-field naive Bayes
over won/lost value frequencies (categories as they are, numbers binned, missing as its own value)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from leadpact.insights.table import LeadTable

Folds = list[tuple[np.ndarray, np.ndarray]]
BINS = 10


def logistic_regression(table: LeadTable, folds: Folds) -> np.ndarray:
    """Return out-of-fold probabilities of a logistic regression (one-hot categories, scaled numbers)."""
    x = table.matrix()
    categorical = [i for i, c in enumerate(table.columns) if c.categorical]
    numeric = [i for i, c in enumerate(table.columns) if not c.categorical]
    prepare = ColumnTransformer([
        ("numbers", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),
        ("categories", make_pipeline(SimpleImputer(strategy="constant", fill_value=-1),
                                     OneHotEncoder(handle_unknown="ignore")), categorical),
    ])
    predictions = np.zeros(len(table.y))
    for train, test in folds:
        model = make_pipeline(prepare, LogisticRegression(max_iter=2000))
        model.fit(x[train], table.y[train])
        predictions[test] = model.predict_proba(x[test])[:, 1]
    return predictions


def _bins(values: np.ndarray, categorical: bool, train: np.ndarray) -> np.ndarray:
    """Return a bin per row: the category (or a quantile bin of the training rows), missing last."""
    missing = np.isnan(values)
    if categorical:
        bins = np.where(missing, 0, values + 1)
    else:
        edges = np.unique(np.nanquantile(values[train], np.linspace(0, 1, BINS + 1)[1:-1])) \
            if (~missing[train]).any() else np.array([])
        bins = np.where(missing, 0, np.searchsorted(edges, np.nan_to_num(values), side="right") + 1)
    return bins.astype(np.int64)


def field_log_odds(values: np.ndarray, categorical: bool, y: np.ndarray, train: np.ndarray,
                   test: np.ndarray) -> np.ndarray:
    """Return each test row's log-odds of winning given one field's value, from the training rows' counts."""
    bins = _bins(values, categorical, train)
    size = int(bins.max()) + 1
    won = np.bincount(bins[train][y[train] == 1], minlength=size) + 1.0  # Laplace: unseen values say nothing
    lost = np.bincount(bins[train][y[train] == 0], minlength=size) + 1.0
    odds = np.log(won / won.sum()) - np.log(lost / lost.sum())
    return odds[bins[test]]


def naive_bayes(table: LeadTable, folds: Folds) -> np.ndarray:
    """Return out-of-fold scores of the per-field naive Bayes (prior log-odds plus each field's log-odds)."""
    scores = np.zeros(len(table.y))
    for train, test in folds:
        positive = table.y[train].mean()
        total = np.full(len(test), np.log(positive / (1 - positive)))
        for column in table.columns:
            if column.name.endswith(" (missing)"):
                continue  # the field's own missing bin already counts it
            total += field_log_odds(column.values, column.categorical, table.y, train, test)
        scores[test] = total
    return scores


def single_field_auc(table: LeadTable, folds: Folds) -> Iterator[tuple[str, float]]:
    """Yield each field's out-of-fold AUC on its own (either direction: a field that predicts losing counts)."""
    for column in table.columns:
        scores = np.zeros(len(table.y))
        for train, test in folds:
            scores[test] = field_log_odds(column.values, column.categorical, table.y, train, test)
        auc = roc_auc_score(table.y, scores)
        yield column.name, max(auc, 1 - auc)

"""The content catalog as the engine reads it: assets by id and by page path."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from leadpact.files import open_source
from leadpact.pact.memo import remember
from leadpact.pact.values import WHITESPACE, is_missing

_PLAIN_IDS = (str, int, type(None))  # asset ids whose answer may be remembered (hashable, read as text)


def normalise_path(path: Any) -> str | None:
    """Return a page path in comparable form: no query or fragment, no trailing slash, lower case."""
    if not isinstance(path, str) or is_missing(path):
        return None
    return _normalised(path)


@lru_cache(maxsize=65_536)
def _normalised(path: str) -> str:
    # Memoised: a site has few paths, and every evaluation of every person reads them again.
    text = path.strip()
    if "://" in text:
        text = urlsplit(text).path or "/"
    text = text.split("?", 1)[0].split("#", 1)[0]
    # marketing writes /Pricing/ and /pricing alike; paths are compared the forgiving way
    text = text.rstrip("/").lower() or "/"
    return text if text.startswith("/") else "/" + text


def event_path(event: Mapping[str, Any]) -> str | None:
    """Return the normalised page path an event names (properties.path, else context.page.path)."""
    properties = event.get("properties") or {}
    path = properties.get("path") if isinstance(properties, Mapping) else None
    if is_missing(path):
        context = event.get("context") or {}
        page = context.get("page") if isinstance(context, Mapping) else None
        path = page.get("path") if isinstance(page, Mapping) else None
    return normalise_path(path)


def event_asset_id(event: Mapping[str, Any]) -> str | None:
    """Return the asset id an event carries in properties.asset_id, as text."""
    properties = event.get("properties") or {}
    asset_id = properties.get("asset_id") if isinstance(properties, Mapping) else None
    return None if is_missing(asset_id) or isinstance(asset_id, dict | list) else str(asset_id)


def _answer_key(event: Mapping[str, Any]) -> tuple[Any, bool, str | None] | None:
    """The values that decide what an event names, as (asset id, path from properties?, raw path), when they are
    plain hashable data; None otherwise (read the slow way)."""
    properties = event.get("properties")
    if properties is None:
        properties = {}
    elif properties.__class__ is not dict:
        return None
    asset_id = properties.get("asset_id")
    if asset_id.__class__ not in _PLAIN_IDS:
        return None
    path = properties.get("path")
    if path.__class__ is str and path.strip(WHITESPACE):
        return (asset_id, True, path)
    if path is not None and path.__class__ is not str:
        return None
    context = event.get("context")  # properties.path is missing: event_path reads context.page.path
    if context is None:
        return (asset_id, False, None)
    if context.__class__ is not dict:
        return None
    page = context.get("page")
    if page is None:
        return (asset_id, False, None)
    if page.__class__ is not dict:
        return None
    path = page.get("path")
    return (asset_id, False, path) if path is None or path.__class__ is str else None


class Catalog:
    """Content assets indexed by id and by normalised page path; build once, share across evaluations."""

    __slots__ = ("by_id", "by_path", "problem_ids", "problem_paths", "_answers")

    def __init__(self, assets: Mapping[str, Mapping[str, Any]] | None = None) -> None:
        self.by_id: dict[str, Mapping[str, Any]] = {str(k): v for k, v in (assets or {}).items()}
        self.by_path: dict[str, Mapping[str, Any]] = {}
        for asset in self.by_id.values():
            path = normalise_path(asset.get("path"))
            if path is not None:
                self.by_path.setdefault(path, asset)
        # The keys whose asset names a problem: readiness asks this of every event of every person.
        self.problem_ids = frozenset(k for k, a in self.by_id.items() if not is_missing(a.get("problem")))
        self.problem_paths = frozenset(k for k, a in self.by_path.items() if not is_missing(a.get("problem")))
        self._answers: dict[tuple[Any, bool, str | None], bool] = {}

    @classmethod
    def of(cls, content: Catalog | Mapping[str, Mapping[str, Any]] | None) -> Catalog:
        """Return `content` as a Catalog, indexing it when it is a plain mapping."""
        return content if isinstance(content, Catalog) else cls(content)

    def asset_for(self, event: Mapping[str, Any]) -> Mapping[str, Any] | None:
        """Return the catalog asset an event names, by asset id or page path, or None."""
        asset_id = event_asset_id(event)
        if asset_id is not None and asset_id in self.by_id:
            return self.by_id[asset_id]
        path = event_path(event)
        return self.by_path.get(path) if path is not None else None

    def names_problem(self, event: Mapping[str, Any]) -> bool:
        """Tell whether the asset an event names (as `asset_for` finds it) states a problem."""
        # Readiness asks this of every event of a person until one says yes, at every evaluation, and a site has
        # few (asset id, path) pairs: when they are plain values, the answer is remembered.
        key = _answer_key(event)
        if key is None:
            return self._names_problem(event)
        answer = self._answers.get(key)
        return remember(self._answers, key, self._names_problem(event), 65_536) if answer is None else answer

    def names_any_problem(self, events: Iterable[Mapping[str, Any]]) -> bool:
        """Tell whether any of these events names an asset that states a problem."""
        # Asked of a person's whole history at every evaluation: the usual event (a page, its path in properties,
        # no asset id) is looked up here by the key `names_problem` remembers it under, without a call per event.
        answers = self._answers
        for event in events:
            properties = event.get("properties")
            answer = None
            if properties.__class__ is dict and "asset_id" not in properties:
                path = properties.get("path")
                if path.__class__ is str:
                    answer = answers.get((None, True, path))  # a blank path is never kept under this key
            if answer is None:
                answer = self.names_problem(event)
            if answer:
                return True
        return False

    def _names_problem(self, event: Mapping[str, Any]) -> bool:
        asset_id = event_asset_id(event)
        if asset_id is not None and asset_id in self.by_id:
            return asset_id in self.problem_ids
        path = event_path(event)
        return path is not None and path in self.problem_paths

    def __len__(self) -> int:
        return len(self.by_id)


def assets_from(data: Any) -> dict[str, dict[str, Any]]:
    """Return assets keyed by id from a list of assets, `{assets: [...]}`, or a mapping id → asset."""
    if isinstance(data, Mapping) and isinstance(data.get("assets"), list):
        data = data["assets"]
    if isinstance(data, Mapping):
        return {str(key): {"id": str(key), **dict(value)} for key, value in data.items() if isinstance(value, Mapping)}
    if isinstance(data, list):
        assets = {}
        for item in data:
            if not isinstance(item, Mapping) or is_missing(item.get("id")):
                raise ValueError(f"every asset needs an id: {item!r}")
            assets[str(item["id"])] = dict(item)
        return assets
    raise ValueError("a content catalog is a list of assets or a mapping of id to asset")


def load_content(path: str | Path) -> dict[str, dict[str, Any]]:
    """Return the content catalog in a .yaml/.yml, .json, .jsonl or .csv file, keyed by asset id."""
    file = Path(path)
    suffix = file.suffix.lower()
    if suffix == ".csv":
        # The imports' reader: any delimiter, BOM or Windows-1252, quoted line breaks.
        rows = list(open_source(file).rows())
        bad = next((row for row in rows if row.error), None)
        if bad is not None:
            raise ValueError(f"{file.name}: row {bad.number} {bad.error}")
        return assets_from([row.values for row in rows])
    text = file.read_text(encoding="utf-8")
    if suffix == ".jsonl":
        return assets_from([json.loads(line) for line in text.splitlines() if line.strip()])
    if suffix == ".json":
        return assets_from(json.loads(text))
    return assets_from(yaml.safe_load(text))

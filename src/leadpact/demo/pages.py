"""Which pages a session visits, by what the session is about, and which form an action submits."""

from __future__ import annotations

import random

from leadpact.demo.catalog import CatalogIndex
from leadpact.demo.draw import pick, randint
from leadpact.demo.records import ContentAsset

# action → (value of Form Submitted's `form` property, the track event that follows the identify)
FORM_EVENTS: dict[str, tuple[str, str | None]] = {
    "download": ("guide_download", "Content Downloaded"),
    "webinar": ("webinar_registration", "Webinar Registered"),
    "demo": ("demo_request", "Demo Requested"),
    "pricing_request": ("pricing_request", "Pricing Requested"),
    "trial": ("trial_signup", "Trial Started"),
    "newsletter": ("newsletter_signup", None),
}


def pages_for(rng: random.Random, catalog: CatalogIndex, mode: str, action: str | None, problem: str | None,
              landing: ContentAsset | None = None) -> list[ContentAsset]:
    """Return the pages of one session, ending on the page where its action (if any) happens."""
    if landing is not None:
        pages = [landing, *_more_awareness(rng, catalog, problem, randint(rng, 0, 1))]
    elif action == "download":
        pages = _browse(rng, catalog, "awareness", problem)[: randint(rng, 0, 1)]
        pages.append(_pick(rng, catalog.problem_guides, catalog.guides, problem))
    elif action == "webinar":
        pages = [_pick(rng, catalog.problem_webinars, catalog.webinars, problem)]
    else:
        pages = _browse(rng, catalog, mode, problem)
    if action == "demo":
        pages.append(catalog.demo_page)
    elif action == "pricing_request" and pages[-1].kind != "pricing":
        pages.append(catalog.pricing[0])
    elif action == "trial":
        pages.append(catalog.trial_page)
    return pages


def _browse(rng: random.Random, catalog: CatalogIndex, mode: str, problem: str | None) -> list[ContentAsset]:
    if mode == "awareness":
        if problem and rng.random() < 0.5:
            first = pick(rng, catalog.problem_awareness[problem])
        else:
            first = pick(rng, catalog.awareness)
        return [first, *_more_awareness(rng, catalog, problem, randint(rng, 0, 1))]
    if mode == "problem":
        topic = problem or pick(rng, catalog.problems)
        pages = [pick(rng, catalog.problem_awareness[topic])]
        pages += rng.sample(catalog.problem_consideration[topic], randint(rng, 1, 2))
        if rng.random() < 0.3:
            pages.append(pick(rng, catalog.rival[1:]))
        return pages
    if mode == "decision":
        first = catalog.home if rng.random() < 0.4 else (
            catalog.problem_product[problem] if problem else catalog.platform)
        pages = [first, catalog.pricing[0]]
        if rng.random() < 0.4:
            pages.append(catalog.pricing[1])
        if rng.random() < 0.25:
            pages.append(catalog.security)
        if rng.random() < 0.2:
            pages.append(catalog.customers)
        return pages
    if mode == "careers":
        return rng.sample(catalog.careers, randint(rng, 1, 3))
    if mode == "rival":
        pages = rng.sample(catalog.rival, randint(rng, 2, 4))
        if rng.random() < 0.6:
            pages.append(catalog.pricing[0])
        return pages
    # casual: the home page and perhaps one light read
    return [catalog.home, *rng.sample(catalog.casual, randint(rng, 0, 1))]


def _more_awareness(rng: random.Random, catalog: CatalogIndex, problem: str | None, count: int) -> list[ContentAsset]:
    pool = catalog.problem_awareness[problem] if problem and rng.random() < 0.5 else catalog.blogs
    return [pick(rng, pool) for _ in range(count)]


def _pick(rng: random.Random, by_problem: dict[str, list[ContentAsset]], anything: list[ContentAsset],
          problem: str | None) -> ContentAsset:
    if problem and rng.random() < 0.7:
        return pick(rng, by_problem[problem])
    return pick(rng, anything)

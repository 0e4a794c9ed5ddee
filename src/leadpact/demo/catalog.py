"""The vendor's content catalog: pages and assets, each with a topic, the problem it speaks to and a stage."""

from __future__ import annotations

from leadpact.demo.records import ContentAsset

AWARENESS, CONSIDERATION, DECISION = "awareness", "consideration", "decision"

# The problems buyers come with; each in-market account has exactly one of them.
PROBLEMS: dict[str, dict[str, str]] = {
    "data pipeline reliability": {"slug": "pipelines", "topic": "pipelines", "product": "Pipelines",
                                  "noun": "pipeline", "pain": "broken pipelines"},
    "reporting is too slow": {"slug": "reporting", "topic": "analytics", "product": "BI Accelerator",
                              "noun": "dashboard", "pain": "slow dashboards"},
    "compliance audits": {"slug": "governance", "topic": "governance", "product": "Governance",
                          "noun": "audit", "pain": "audit season"},
    "cost of warehouse": {"slug": "cost", "topic": "cost", "product": "Cost Control",
                          "noun": "warehouse bill", "pain": "runaway warehouse costs"},
    "data quality": {"slug": "quality", "topic": "quality", "product": "Observability",
                     "noun": "data test", "pain": "bad data"},
    "self-serve analytics": {"slug": "self-serve", "topic": "analytics", "product": "Semantic Layer",
                             "noun": "metric", "pain": "the analyst bottleneck"},
}

# Per problem: (kind, stage, path template, title template). Gated guides and webinars need a form.
_PER_PROBLEM: tuple[tuple[str, str, str, str], ...] = (
    ("blog", AWARENESS, "/blog/why-{slug}-fails", "Why {pain} keep happening (and what to do)"),
    ("blog", AWARENESS, "/blog/{slug}-checklist", "A 10-point {noun} checklist"),
    ("blog", AWARENESS, "/blog/{slug}-lessons", "Lessons from fixing {pain} at scale"),
    ("guide", AWARENESS, "/guides/{slug}-handbook", "The {product} handbook: beating {pain}"),
    ("guide", CONSIDERATION, "/guides/{slug}-buyers-guide", "Buyer's guide: tools for {pain}"),
    ("webinar", CONSIDERATION, "/webinars/{slug}-live", "Live: how teams end {pain}"),
    ("product", CONSIDERATION, "/product/{slug}", "Northwind {product}"),
    ("case_study", CONSIDERATION, "/customers/{slug}-story", "How a fintech ended {pain} with {product}"),
    ("roi", DECISION, "/roi/{slug}", "{product} ROI calculator"),
)

# Assets that speak to no specific problem: the generic awareness blog, company pages and decision pages.
_GENERAL: tuple[tuple[str, str, str, str, str, str | None], ...] = (
    ("blog-data-trends-2026", "blog", AWARENESS, "/blog/data-trends-2026", "12 data trends for 2026", "trends"),
    ("blog-what-is-a-lakehouse", "blog", AWARENESS, "/blog/what-is-a-lakehouse", "What is a lakehouse?",
     "fundamentals"),
    ("blog-sql-tips", "blog", AWARENESS, "/blog/sql-tips", "25 SQL tips every analyst should know",
     "fundamentals"),
    ("blog-career-data-engineer", "blog", AWARENESS, "/blog/become-a-data-engineer",
     "How to become a data engineer", "careers"),
    ("blog-interview-questions", "blog", AWARENESS, "/blog/data-interview-questions",
     "50 data engineering interview questions", "careers"),
    ("blog-culture", "blog", AWARENESS, "/blog/life-at-northwind", "Life at Northwind", "company"),
    ("blog-release-notes", "blog", AWARENESS, "/blog/release-notes-fall", "What's new this fall", "product"),
    ("guide-data-glossary", "guide", AWARENESS, "/guides/data-glossary", "The data glossary", "fundamentals"),
    ("guide-state-of-data", "guide", AWARENESS, "/guides/state-of-data-2026", "State of data teams 2026",
     "trends"),
    ("webinar-ask-me-anything", "webinar", AWARENESS, "/webinars/ask-me-anything",
     "Ask the founders anything", "company"),
    ("page-home", "page", AWARENESS, "/", "Northwind Data: the reliable data platform", "company"),
    ("page-careers", "page", AWARENESS, "/careers", "Careers at Northwind", "careers"),
    ("page-about", "page", AWARENESS, "/about", "About Northwind", "company"),
    ("page-docs", "page", CONSIDERATION, "/docs", "Documentation", "product"),
    ("page-integrations", "page", CONSIDERATION, "/product/integrations", "Integrations", "product"),
    ("page-platform", "product", CONSIDERATION, "/product", "The Northwind platform", "product"),
    ("page-compare", "page", CONSIDERATION, "/compare", "Northwind vs the alternatives", "product"),
    ("page-customers", "case_study", CONSIDERATION, "/customers", "Customer stories", "product"),
    ("page-pricing", "pricing", DECISION, "/pricing", "Pricing", "pricing"),
    ("page-pricing-enterprise", "pricing", DECISION, "/pricing/enterprise", "Enterprise pricing", "pricing"),
    ("page-security", "page", DECISION, "/security", "Security and compliance", "governance"),
    ("page-demo", "page", DECISION, "/demo", "Book a demo", "sales"),
    ("page-contact-sales", "page", DECISION, "/contact-sales", "Talk to sales", "sales"),
    ("page-trial", "page", DECISION, "/trial", "Start a free trial", "product"),
)


def build_catalog() -> list[ContentAsset]:
    """Return the content catalog: the same 78 assets for every seed, because marketing owns it."""
    assets: list[ContentAsset] = []
    for problem, words in PROBLEMS.items():
        for kind, stage, path, title in _PER_PROBLEM:
            path_text = path.format(**words)
            asset_id = f"{kind.replace('_', '-')}-{path_text.rsplit('/', 1)[1]}"
            assets.append(ContentAsset(
                id=asset_id, title=title.format(**words), path=path_text, topic=words["topic"],
                problem=problem, funnel_stage=stage, kind=kind, gated=kind in ("guide", "webinar"),
            ))
    for asset_id, kind, stage, path, title, topic in _GENERAL:
        # The security page answers compliance questions; everything else here is problem-agnostic.
        problem = "compliance audits" if asset_id == "page-security" else None
        assets.append(ContentAsset(id=asset_id, title=title, path=path, topic=topic or "general", problem=problem,
                                   funnel_stage=stage, kind=kind, gated=kind in ("guide", "webinar")))
    return assets


class CatalogIndex:
    """Assets grouped the ways journeys pick them: by kind, stage and problem."""

    def __init__(self, assets: list[ContentAsset]) -> None:
        self.assets = assets
        self.by_id = {asset.id: asset for asset in assets}
        self.by_path = {asset.path: asset for asset in assets}
        self.awareness = [a for a in assets if a.funnel_stage == AWARENESS and a.kind in ("blog", "guide", "webinar")]
        self.blogs = [a for a in assets if a.kind == "blog"]
        self.generic_blogs = [a for a in self.blogs if a.problem is None]
        self.guides = [a for a in assets if a.kind == "guide"]
        self.webinars = [a for a in assets if a.kind == "webinar"]
        self.product = [a for a in assets if a.kind in ("product", "case_study") or a.id == "page-integrations"]
        self.pricing = [a for a in assets if a.kind == "pricing"]
        self.careers = [self.by_id["page-careers"], self.by_id["page-about"], self.by_id["blog-culture"],
                        self.by_id["blog-career-data-engineer"], self.by_id["blog-interview-questions"]]
        self.rival = [self.by_id[i] for i in ("page-compare", "page-docs", "page-platform", "page-integrations")]
        self.for_problem: dict[str, list[ContentAsset]] = {
            problem: [a for a in assets if a.problem == problem and a.kind != "page"] for problem in PROBLEMS
        }
        self.problem_awareness = {p: [a for a in items if a.funnel_stage == AWARENESS]
                                  for p, items in self.for_problem.items()}
        self.problem_consideration = {p: [a for a in items if a.funnel_stage != AWARENESS]
                                      for p, items in self.for_problem.items()}
        self.problem_guides = {p: [a for a in items if a.kind == "guide"] for p, items in self.for_problem.items()}
        self.problem_webinars = {p: [a for a in items if a.kind == "webinar"]
                                 for p, items in self.for_problem.items()}
        self.problem_product = {p: next(a for a in items if a.kind == "product")
                                for p, items in self.for_problem.items()}
        self.problems = list(PROBLEMS)
        self.home = self.by_id["page-home"]
        self.platform = self.by_id["page-platform"]
        self.customers = self.by_id["page-customers"]
        self.security = self.by_id["page-security"]
        self.casual = [self.by_id["page-about"], *self.generic_blogs]
        self.demo_page = self.by_id["page-demo"]
        self.trial_page = self.by_id["page-trial"]
        self.contact_page = self.by_id["page-contact-sales"]

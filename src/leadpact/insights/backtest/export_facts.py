"""People's and accounts' facts from exported messages, as `leadpact.pact.offline.resolve` merges them.

A person's trait is the value of the latest identify that sent it (identify traits are merged with
dict.update in time order); a trait whose own name holds dots wins over the nested walk. An account's
trait is the latest group call's for its groupId, with `domain` rebuilt from domain/website. A person's
account is the group they last sent, else the account of their business email domain, else of their
company name, else one implied by their company trait.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import polars as pl

from leadpact.insights.backtest import derived, typed
from leadpact.insights.backtest.documents import Documents, walk
from leadpact.insights.backtest.history import LiveInputs
from leadpact.pact.offline import _domain_of

IMPLIED = ("name", "domain", "industry", "employees")


def _choose(target: str, choices: list[tuple[pl.Expr, str]]) -> list[pl.Expr]:
    """Typed columns of `target` copied from the first source whose condition holds (null or none: absent)."""
    names = typed.names(target)
    kind: Any = pl
    values: dict[str, Any] = {suffix: pl for suffix in "sifb"}
    for condition, source in choices:
        origin = typed.names(source)
        usable = condition & ~pl.col(origin["k"]).is_in([typed.ABSENT, typed.NULL])
        kind = kind.when(condition).then(pl.when(usable).then(pl.col(origin["k"])).otherwise(
            pl.lit(typed.ABSENT, pl.Int8)))
        for suffix in "sifb":
            values[suffix] = values[suffix].when(usable).then(pl.col(origin[suffix]))
    return [kind.otherwise(pl.lit(typed.ABSENT, pl.Int8)).alias(names["k"]),
            *[values[suffix].otherwise(None).alias(names[suffix]) for suffix in "sifb"]]


def _ascii_stripped(text: pl.Expr) -> pl.Expr:
    """`text.strip() or None` for printable-ASCII texts (see derived.text_map)."""
    stripped = text.str.strip_chars(" ")
    return pl.when(stripped != "").then(stripped)


def _keys(path: str) -> list[str]:
    return path.split(".")[1:]


def _tops(keys: list[str]) -> list[str]:
    return [".".join(keys), keys[0]] if len(keys) > 1 else [keys[0]]


def trait_fields(paths: Sequence[str], extra: Sequence[str] = ()) -> tuple[dict[str, Any], set[str]]:
    """The fields read from each trait document for these paths (see ExportFacts._table), and the top-level keys."""
    tops = {top for path in paths for top in _tops(_keys(path))} | {"company", *extra}
    fields: dict[str, Any] = {path: _keys(path) for path in paths}
    fields.update({f"@{top}": [top] for top in tops})
    # resolve reads the company trait with company.get(...): a plain walk, no dotted trait names
    fields.update({f"company@{key}": walk("company", key) for key in ("name", "industry", "employees",
                                                                      "employee_count")})
    return fields, tops


def _person_paths(paths: Sequence[str]) -> tuple[list[str], list[str]]:
    """The person paths asked for (with person.email), and those read from identify traits (email_domain last)."""
    person_paths = sorted({p for p in paths if p.startswith("person.")} | {"person.email"})
    return person_paths, [p for p in person_paths if p != "person.email_domain"] + ["person.email_domain"]


def identify_fields(paths: Sequence[str]) -> dict[str, Any]:
    """The fields `ExportFacts.fields(paths)` reads from identify traits: to extract them in one pass, up front."""
    return trait_fields(_person_paths(paths)[1])[0]


class ExportFacts:
    """Facts of people resolved from an export: identify and group calls, first ids, trait documents."""

    def __init__(self, *, people: pl.DataFrame, identifies: pl.DataFrame, groups: pl.DataFrame,
                 firsts: pl.DataFrame, identify_traits: Documents, group_traits: Documents,
                 live: Callable[[Sequence[int]], dict[int, LiveInputs]]) -> None:
        self.people, self.identifies, self.groups, self.firsts = people, identifies, groups, firsts
        self.identify_traits, self.group_traits, self._live = identify_traits, group_traits, live
        self._known: set[str] = set()
        self._frame: pl.DataFrame | None = None

    def live_inputs(self, people: Sequence[int]) -> dict[int, LiveInputs]:
        """Return the live evaluator's inputs for a few people, resolved from their own messages."""
        return self._live(people)

    @staticmethod
    def _latest_documents(calls: pl.DataFrame, owner: str, table: pl.DataFrame, tops: Sequence[str]) -> pl.DataFrame:
        """Per owner, for each top key, the document of the latest call holding it (`doc:TOP`; null: none)."""
        # one group-by for every key: calls are in time order, so the latest holding a key is the highest row
        # number among them (a plain maximum: a filter inside each group costs several times more)
        flags = table.select("tdoc", *[f"has:{top}" for top in sorted(set(tops))])
        rows = (calls.select(owner, "tdoc").join(flags, on="tdoc", how="left", maintain_order="left")
                .with_row_index("row"))
        latest = rows.group_by(owner).agg(pl.when(pl.col(f"has:{top}")).then(pl.col("row")).max().alias(f"doc:{top}")
                                          for top in sorted(set(tops)))
        return latest.with_columns(rows["tdoc"].gather(latest[f"doc:{top}"]).alias(f"doc:{top}")
                                   for top in sorted(set(tops)))

    @staticmethod
    def _latest(documents: pl.DataFrame, owner: str, table: pl.DataFrame, path: str, tops: list[str]) -> pl.DataFrame:
        """Per owner, the typed value of `path` from the latest call holding its top key (dotted name first)."""
        docs = documents.select(owner, pl.coalesce([f"doc:{top}" for top in tops]).alias("tdoc")).drop_nulls("tdoc")
        return docs.join(table.select("tdoc", *typed.names(path).values()), on="tdoc", how="left").drop("tdoc")

    def _table(self, paths: Sequence[str], documents: Documents, extra: Sequence[str]) -> pl.DataFrame:
        """Per trait document: each path's, each top-level key's (and `extra` keys') and the company trait's values."""
        fields, tops = trait_fields(paths, extra)
        table = documents.table("tdoc", fields=fields)
        company, name = typed.names("@company"), typed.names("company@name")
        raw_name = (pl.when(pl.col(company["k"]) == typed.TEXT).then(pl.col(company["s"]))
                    .when((pl.col(company["k"]) == typed.OBJECT) & (pl.col(name["k"]) == typed.TEXT))
                    .then(pl.col(name["s"])))
        table = table.with_columns(raw_name.alias("company_raw"),
                                   *[(pl.col(typed.names(f"@{top}")["k"]) != typed.ABSENT).alias(f"has:{top}")
                                     for top in tops],
                                   *[typed.truthy(f"@{key}").alias(f"truthy:{key}") for key in ("domain", "website")
                                     if key in tops])
        names = derived.text_map(table["company_raw"], _ascii_stripped, lambda v: v.strip() or None, pl.String())
        # joined on the one column: a join of the whole table would copy every column of millions of documents
        names = names.rename({"value": "company_raw", "mapped": "company_name"})
        company_name = table.select("company_raw").join(names, on="company_raw", how="left", maintain_order="left")
        table = table.with_columns(company_name["company_name"])
        is_object = pl.col(company["k"]) == typed.OBJECT
        has_employees = pl.col(typed.names("company@employees")["k"]) != typed.ABSENT
        # the implied account: {industry: company.get("industry"), employees: company.get("employees",
        # company.get("employee_count"))}, leaving out what is None
        return table.with_columns(
            *_choose("company.industry", [(is_object, "company@industry")]),
            *_choose("company.employees", [(is_object & has_employees, "company@employees"),
                                           (is_object & ~has_employees, "company@employee_count")]))

    def fields(self, paths: Sequence[str]) -> pl.DataFrame:
        """Return person and the typed columns of each person/account path (kept for later calls)."""
        wanted = set(paths)
        if not wanted <= self._known:
            self._known |= wanted
            self._frame = self._compute(sorted(self._known))
        assert self._frame is not None
        return self._frame.select("person", *[c for c in self._frame.columns if c.split("#")[0] in wanted])

    def _compute(self, paths: Sequence[str]) -> pl.DataFrame:
        person_paths, raw = _person_paths(paths)
        account_paths = sorted({p for p in paths if p.startswith("account.")})
        group_paths = [f"group.{p.partition('.')[2]}" for p in account_paths] + ["group.domain", "group.website",
                                                                                 "group.name"]
        table = self._table(raw, self.identify_traits, ())
        frame = self.people.select("person")
        documents = self._latest_documents(self.identifies, "person", table,
                                           [top for path in raw for top in _tops(_keys(path))])
        for path in raw:
            latest = self._latest(documents, "person", table, path, _tops(_keys(path)))
            frame = frame.join(latest, on="person", how="left")
            top = _keys(path)[0]
            if path in ("person.userId", "person.anonymousId"):  # setdefault: the first id sent, unless a trait
                first = self.firsts.select("person", pl.col(top).alias("first"))
                frame = frame.join(first, on="person", how="left").with_columns(self._fill(path, pl.col("first")))
                frame = frame.drop("first")
        frame = frame.with_columns(pl.col(c).fill_null(typed.ABSENT) for c in frame.columns if c.endswith("#k"))
        frame = derived.with_email_domain(frame, wanted="person.email_domain" in person_paths)
        if not account_paths:
            return frame.select("person", *[c for c in frame.columns if c.split("#")[0] in set(person_paths)])
        company = self._company(table)
        frame = frame.join(company, on="person", how="left")
        del table
        self.identify_traits.forget()  # per person now: the per-document columns would only weigh
        accounts = self._accounts(self._table(group_paths, self.group_traits, ("domain", "website", "name",
                                                                                "group_id")), account_paths)
        frame = self._attach_accounts(frame, accounts, account_paths)
        keep = [c for c in frame.columns if c == "person" or c.split("#")[0] in set(person_paths) | set(account_paths)]
        return frame.select(keep)

    def _fill(self, path: str, value: pl.Expr) -> list[pl.Expr]:
        n = typed.names(path)
        use = (pl.col(n["k"]).is_null() | (pl.col(n["k"]) == typed.ABSENT)) & value.is_not_null()
        return [pl.when(use).then(pl.lit(typed.TEXT, pl.Int8)).otherwise(pl.col(n["k"])).alias(n["k"]),
                pl.when(use).then(value).otherwise(pl.col(n["s"])).alias(n["s"])]

    def _company(self, table: pl.DataFrame) -> pl.DataFrame:
        """Per person, the company trait of the latest identify that sent one: name, industry, employees."""
        columns = [*typed.names("company.industry").values(), *typed.names("company.employees").values()]
        rows = self.identifies.join(table.select("tdoc", "has:company", "company_name", *columns), on="tdoc",
                                    how="inner", maintain_order="left").filter(pl.col("has:company"))
        return rows.unique("person", keep="last", maintain_order=True).select("person", "company_name", *columns)

    def _accounts(self, table: pl.DataFrame, account_paths: list[str]) -> pl.DataFrame:
        """One row per groupId: first-seen order, rebuilt domain, name key and each account path's value."""
        groups = self.groups.rename({"person": "sender", "group_id": "owner"})
        accounts = groups.group_by("owner").agg(pl.col("order").min().alias("first_seen"))
        documents = self._latest_documents(groups, "owner", table, ["group_id", *[
            top for path in account_paths for top in _tops(_keys(path))]])
        for path in account_paths:
            keys = _keys(path)
            source = "group." + ".".join(keys)
            if keys in (["domain"], ["group_id"]):
                continue
            latest = self._latest(documents, "owner", table, source, _tops(keys))
            renamed = dict(zip(typed.names(source).values(), typed.names(path).values(), strict=True))
            accounts = accounts.join(latest.rename(renamed), on="owner", how="left")
        for key in ("domain", "website", "name"):
            n = typed.names(f"group.{key}")
            truthy = [f"truthy:{key}"] if key != "name" else []
            rows = groups.select("owner", "order", "tdoc").join(
                table.select("tdoc", f"has:{key}", *truthy, *n.values()), on="tdoc", how="inner",
                maintain_order="left").filter(pl.col(f"has:{key}"))
            latest = rows.unique("owner", keep="last", maintain_order=True).select(
                "owner", pl.when(pl.col(n["k"]) == typed.TEXT).then(pl.col(n["s"])).alias(f"{key}_text"), *truthy)
            accounts = accounts.join(latest, on="owner", how="left")
        # resolve: `traits.get("domain") or traits.get("website")`, then the host of it when it is text
        source = pl.when(pl.col("truthy:domain").fill_null(False)).then(pl.col("domain_text")).otherwise(
            pl.col("website_text"))
        accounts = accounts.with_columns(source.alias("domain_source"))
        hosts = derived.python_map(accounts["domain_source"], lambda v: _domain_of({"domain": v}), pl.String)
        names = derived.text_map(accounts["name_text"], lambda v: v.str.strip_chars(" ").str.to_lowercase(),
                                 lambda v: v.strip().casefold(), pl.String())
        accounts = (accounts.join(hosts.rename({"value": "domain_source", "mapped": "domain"}), on="domain_source",
                                  how="left")
                    .join(names.rename({"value": "name_text", "mapped": "name_key"}), on="name_text", how="left"))
        for path in account_paths:
            keys = _keys(path)
            if keys == ["domain"]:
                accounts = accounts.with_columns(typed.from_column(pl.col("domain"), pl.String(), path))
            elif keys == ["group_id"]:
                latest = self._latest(documents, "owner", table, "group.group_id", ["group_id"])
                renamed = dict(zip(typed.names("group.group_id").values(), typed.names(path).values(), strict=True))
                accounts = accounts.join(latest.rename(renamed), on="owner", how="left").with_columns(
                    self._fill(path, pl.col("owner")))
        return accounts

    def _attach_accounts(self, frame: pl.DataFrame, accounts: pl.DataFrame, paths: list[str]) -> pl.DataFrame:
        """Each person's account (group, business domain, company name, else implied) and its typed fields."""
        sent = self.groups.unique("person", keep="last", maintain_order=True).select("person", pl.col("group_id")
                                                                                      .alias("sent"))
        ordered = accounts.sort("first_seen")
        by_domain = ordered.filter(pl.col("domain").is_not_null()).unique("domain", keep="last", maintain_order=True)
        by_name = ordered.filter(pl.col("name_key").is_not_null()).unique("name_key", keep="last", maintain_order=True)
        lookups = derived.text_map(frame["company_name"].fill_null(""), lambda v: v.str.to_lowercase(), str.casefold,
                                   pl.String())
        frame = (frame.join(sent, on="person", how="left")
                 .with_columns(pl.col("company_name").fill_null("").alias("company_lookup"))
                 .join(lookups.rename({"value": "company_lookup", "mapped": "company_key"}), on="company_lookup",
                       how="left")
                 .join(by_domain.select(pl.col("domain").alias("business"), pl.col("owner").alias("by_domain")),
                       on="business", how="left")
                 .join(by_name.select(pl.col("name_key").alias("company_key"), pl.col("owner").alias("by_name")),
                       on="company_key", how="left"))
        frame = frame.with_columns(pl.coalesce("sent", "by_domain", "by_name").alias("owner"))
        implied = pl.col("owner").is_null() & (pl.col("company_name").is_not_null() | pl.col("business").is_not_null())
        frame = frame.join(accounts.drop("first_seen"), on="owner", how="left").with_columns(implied.alias("implied"))
        exprs = []
        for path in paths:
            keys = _keys(path)
            n = typed.names(path)
            if n["k"] not in frame.columns:
                frame = frame.with_columns(typed.absent(path))
            frame = frame.with_columns(pl.col(n["k"]).fill_null(typed.ABSENT))
            if keys == ["name"]:
                given = typed.from_column(pl.col("company_name"), pl.String(), path)
            elif keys == ["domain"]:
                given = typed.from_column(pl.col("business"), pl.String(), path)
            elif keys in (["industry"], ["employees"]):
                source = typed.names(f"company.{keys[0]}")
                given = [pl.col(source[s]).alias(n[s]) for s in "ksifb"]
            else:
                given = typed.absent(path)
            for expr in given:
                name = expr.meta.output_name()
                fill = pl.lit(typed.ABSENT, pl.Int8) if name.endswith("#k") else None
                value = expr.fill_null(fill) if fill is not None else expr
                exprs.append(pl.when(pl.col("implied")).then(value).otherwise(pl.col(name)).alias(name))
        if exprs:
            frame = frame.with_columns(exprs)
        # an absent value in the implied account is a left-out key: keep kind ABSENT where from_column says NULL
        for path in paths:
            n = typed.names(path)
            frame = frame.with_columns(pl.when(pl.col("implied") & (pl.col(n["k"]) == typed.NULL))
                                       .then(pl.lit(typed.ABSENT, pl.Int8)).otherwise(pl.col(n["k"])).alias(n["k"]))
        return frame

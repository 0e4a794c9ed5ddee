"""People of one chunk: buyers and bystanders at accounts, plus the noise every real funnel carries."""

from __future__ import annotations

import bisect
import math
import random
from dataclasses import dataclass

from leadpact.demo.firms import SPECIAL_ACCOUNTS, account_id, has_special_accounts, special_account
from leadpact.demo.messages import seeded_uuid
from leadpact.demo.records import Account, Person, PersonIdentities
from leadpact.demo.roles import buying_role_of, intent_of, title_for
from leadpact.demo.truth import AccountTruth, PersonTruth
from leadpact.demo.vocabulary import COMPETITORS as _COMPETITORS
from leadpact.demo.vocabulary import (
    CONSULTANT_TITLES,
    COUNTRIES,
    DEPARTMENTS,
    FREEMAIL,
    JOB_SEEKER_TITLES,
    SENIORITIES,
    STUDENT_TITLES,
)
from leadpact.demo.vocabulary import FIRST_NAMES as _FIRST
from leadpact.demo.vocabulary import LAST_NAMES as _LAST

# Shares of people by noise kind; "none" are genuine employees of customer-like accounts.
NOISE_SHARES: dict[str, float] = {"student": 9, "job_seeker": 7, "consultant": 6, "competitor": 3,
                                  "freemail": 9, "none": 66}
DUPLICATE_SHARE = 0.015  # people who sign up a second time with a personal address
_KINDS, _KIND_WEIGHTS = list(NOISE_SHARES), list(NOISE_SHARES.values())
_FREEMAIL, _FREEMAIL_WEIGHTS = list(FREEMAIL), list(FREEMAIL.values())
_COUNTRY_CODES = list(COUNTRIES)
_COUNTRY_WEIGHTS = [COUNTRIES[c][0] for c in _COUNTRY_CODES]
_DEPTS, _DEPT_WEIGHTS = list(DEPARTMENTS), list(DEPARTMENTS.values())
_LEVELS, _LEVEL_WEIGHTS = list(SENIORITIES), list(SENIORITIES.values())


@dataclass
class PersonDraft:
    """A person being built: observable record, identifiers and truth travel together until split."""

    person: Person
    identities: PersonIdentities
    truth: PersonTruth


class PeopleBuilder:
    """Builds the people of one chunk from its accounts; global indices keep ids and emails unique."""

    def __init__(self, rng: random.Random, *, seed: int, accounts: list[Account],
                 account_truths: list[AccountTruth], total_accounts: int, total_people: int) -> None:
        self.rng, self.seed = rng, seed
        self.accounts = {a.id: a for a in accounts}
        self.truths = {t.account_id: t for t in account_truths}
        special = has_special_accounts(total_accounts)
        regular = [a for a in accounts if not (special and int(a.id[4:]) <= SPECIAL_ACCOUNTS)]
        self.regular = regular or accounts
        # Bigger and in-market accounts send more people to the site.
        weights = [(1 + math.log1p(self.truths[a.id].employees)) * (3 if self.truths[a.id].in_market else 1)
                   for a in self.regular]
        self.cumulative = _cumulative(weights)
        self.consultancies = [a for a in self.regular if self.truths[a.id].industry == "professional_services"]
        self.competitors = [account_id(i) for i in range(len(_COMPETITORS))] if special else []
        self.universities = [account_id(i) for i in range(len(_COMPETITORS), SPECIAL_ACCOUNTS)] if special else []
        self.modulus = 10 ** max(4, len(str(total_people)))
        self.used_emails: set[str] = set()

    def build(self, indices: range) -> list[PersonDraft]:
        """Return the people at these global indices (a duplicate sign-up takes the next index)."""
        drafts: list[PersonDraft] = []
        position = indices.start
        while position < indices.stop:
            kind = self.rng.choices(_KINDS, _KIND_WEIGHTS)[0]
            if kind == "competitor" and not self.competitors:
                kind = "freemail"
            draft = self._person(position, kind)
            drafts.append(draft)
            position += 1
            if kind == "none" and position < indices.stop and self.rng.random() < DUPLICATE_SHARE:
                drafts.append(self._duplicate(position, draft))
                position += 1
        return drafts

    def _person(self, index: int, kind: str) -> PersonDraft:
        rng = self.rng
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        account: Account | None = None
        company: str | None = None
        seniority: str | None = rng.choices(_LEVELS, _LEVEL_WEIGHTS)[0]
        department: str | None = rng.choices(_DEPTS, _DEPT_WEIGHTS)[0]
        title: str | None = None
        if kind == "none":
            account = self.regular[bisect.bisect_left(self.cumulative, rng.random() * self.cumulative[-1])]
            title = title_for(rng, seniority, department)
        elif kind == "student":
            seniority, department = rng.choice([None, "ic"]), rng.choice([None, None, "data", "engineering"])
            title = rng.choice(STUDENT_TITLES)
            if self.universities and rng.random() < 0.4:
                account = self._special(self.universities[index % len(self.universities)])
        elif kind == "job_seeker":
            seniority, department = rng.choice([None, "ic", "manager"]), rng.choice([None, "data", "engineering"])
            title = rng.choice(JOB_SEEKER_TITLES)
            if rng.random() < 0.3:  # they name their last employer, which a name match would pick up
                company = self.regular[rng.randrange(len(self.regular))].name
        elif kind == "consultant":
            seniority, department = rng.choice(["manager", "director", "director", "ic"]), rng.choice(["data", "it"])
            title = rng.choice(CONSULTANT_TITLES)
            if self.consultancies and rng.random() < 0.6:
                account = rng.choice(self.consultancies)
            else:
                company = "Independent"
        elif kind == "competitor":
            account = self._special(self.competitors[rng.randrange(len(self.competitors))])
            department = rng.choice(["engineering", "marketing", "sales", "data"])
            title = title_for(rng, seniority, department)
        else:  # free-mail sign-ups with no company to speak of
            seniority, department = rng.choice([None, None, "ic"]), rng.choice([None, None, *_DEPTS])
            title = rng.choice([None, "Founder", "Developer", "Analyst", "Self-employed", "Hobbyist"])
        truth_account = account.id if account else None
        freemail_buyer = kind == "none" and rng.random() < 0.05  # real buyers sometimes use a personal address
        if account is not None and not freemail_buyer:
            email = self._work_email(first, last, account, index)
        else:
            email = self._freemail(first, last, index)
        if account is not None:
            company = account.name
        country = self._country(account)
        role = buying_role_of(rng, kind, seniority, department)
        account_truth = self.truths.get(truth_account) if truth_account else None
        intent = intent_of(rng, kind, role, account_truth.in_market if account_truth else False)
        person_id = f"per_{index + 1:07d}"
        person = Person(
            id=person_id, account_id=None if freemail_buyer else truth_account, first_name=first, last_name=last,
            email=email, title=None if rng.random() < 0.06 else title,
            seniority=seniority if rng.random() < 0.85 else None,
            department=department if rng.random() < 0.85 else None, country=country,
            phone=self._phone(country) if rng.random() < (0.35 if kind == "none" else 0.1) else None,
            company_name=company,
        )
        truth = PersonTruth(person_id=person_id, account_id=truth_account, buying_role=role, noise_kind=kind,
                            intent=intent, seniority=seniority, department=department)
        return PersonDraft(person, self._identities(person_id, email), truth)

    def _duplicate(self, index: int, original: PersonDraft) -> PersonDraft:
        """A second record for the same human, signed up with a personal address."""
        person_id = f"per_{index + 1:07d}"
        source = original.person
        email = self._freemail(source.first_name, source.last_name, index)
        person = Person(id=person_id, account_id=None, first_name=source.first_name, last_name=source.last_name,
                        email=email, title=source.title, seniority=None, department=None, country=source.country,
                        phone=None, company_name=source.company_name)
        truth = PersonTruth(person_id=person_id, account_id=original.truth.account_id,
                            buying_role=original.truth.buying_role, noise_kind="none", intent="none",
                            seniority=original.truth.seniority, department=original.truth.department,
                            duplicate_of=original.person.id)
        return PersonDraft(person, self._identities(person_id, email), truth)

    def _special(self, identifier: str) -> Account:
        account = self.accounts.get(identifier)
        if account is None:  # rivals and universities live in the first chunk; staff appear in every chunk
            account = special_account(self.seed, int(identifier[4:]) - 1)[0]
            self.accounts[identifier] = account
        return account

    def _work_email(self, first: str, last: str, account: Account, index: int) -> str:
        local = f"{_slug(first)}.{_slug(last)}"
        if int(account.id[4:]) <= SPECIAL_ACCOUNTS:  # shared across chunks: a number keeps them unique
            local = f"{_slug(first)[0]}{_slug(last)}{self._number(index)}"
        elif self.rng.random() < 0.25:
            local = f"{_slug(first)[0]}{_slug(last)}"
        email = f"{local}@{account.domain}"
        if email in self.used_emails:
            email = f"{local}{self._number(index)}@{account.domain}"
        self.used_emails.add(email)
        return email

    def _freemail(self, first: str, last: str, index: int) -> str:
        domain = self.rng.choices(_FREEMAIL, _FREEMAIL_WEIGHTS)[0]
        return f"{_slug(first)}.{_slug(last)}{self._number(index)}@{domain}"

    def _number(self, index: int) -> int:
        """A number unique to the global person index (an odd multiplier coprime to 10^k is a bijection)."""
        return (index * 2654435761 + self.seed * 7) % self.modulus

    def _country(self, account: Account | None) -> str:
        if account is not None and self.rng.random() < 0.85:
            return account.country
        return self.rng.choices(_COUNTRY_CODES, _COUNTRY_WEIGHTS)[0]

    def _phone(self, country: str) -> str:
        rng = self.rng
        return f"{COUNTRIES[country][1]} {rng.randint(200, 999)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}"

    def _identities(self, person_id: str, email: str) -> PersonIdentities:
        devices = 2 if self.rng.random() < 0.3 else 1
        anonymous = tuple(seeded_uuid(self.rng) for _ in range(devices))
        return PersonIdentities(person_id=person_id, user_id=f"usr_{self.rng.getrandbits(64):016x}", email=email,
                                anonymous_ids=anonymous)


def _cumulative(weights: list[float]) -> list[float]:
    total, out = 0.0, []
    for weight in weights:
        total += weight
        out.append(total)
    return out


def _slug(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())

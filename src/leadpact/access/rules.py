"""Every access rule, in one place. Each route and page declares exactly one of these (`Depends(allow(rules.X))`);
a route with none is refused. A rule says who is let in at the door; rows (whose handoffs, whose people) are then
narrowed by `visible_handoffs`, `require_handoff` and `require_person`.

Who is who: users sign in (session cookie or personal token) and act with their role; project keys act with their
scope: `admin` (automation, which may act on a named user's behalf, recorded as such), `read`, `ingest` (write keys,
which only send events).
"""

from __future__ import annotations

from dataclasses import dataclass

from leadpact.access.principal import Principal

EVERY_ROLE = frozenset({"admin", "marketing", "manager", "rep"})


@dataclass(frozen=True)
class Rule:
    """Who a route lets in: user roles and project-key scopes (or everyone, for the few open routes)."""

    name: str
    says: str
    users: frozenset[str] = frozenset()
    keys: frozenset[str] = frozenset()
    open: bool = False

    def admits(self, principal: Principal) -> bool:
        """Whether this principal may use a route with this rule (rows are checked afterwards)."""
        if self.open:
            return True
        if principal.kind == "user":
            return principal.role in self.users
        if principal.kind == "key":
            return principal.role in self.keys
        return False

    def refusal(self, principal: Principal) -> str:
        """Why `principal` is refused, in words."""
        if principal.kind == "key" and principal.role == "ingest":
            return "this is a write key (scope ingest): write keys can only send events"
        who = f"a {principal.role} key" if principal.kind == "key" else f"{principal.label} ({principal.role})"
        return f"{who} cannot do this: {self.says}"


def _rule(name: str, says: str, *, users: tuple[str, ...] = (), keys: tuple[str, ...] = ()) -> Rule:
    return Rule(name=name, says=says, users=frozenset(users), keys=frozenset(keys))


PUBLIC = Rule(name="Public", says="open to everyone, signed in or not", open=True)
# The Segment-compatible API checks its write key itself (Basic username or `writeKey` in the body), as the
# Segment and RudderStack clients send it.
TRACKING = Rule(name="Tracking", says="open; the route itself checks the write key", open=True)
# Inbound CRM webhooks prove themselves with the CRM's signature, which the route verifies.
CRM_WEBHOOK = Rule(name="CrmWebhook", says="open; the route itself verifies the CRM's signature", open=True)

SIGNED_IN = _rule("SignedIn", "any signed-in user, for their own session", users=tuple(EVERY_ROLE))
SITE_FORM = _rule("SiteForm", "a site's write key, for a visitor its own events know", keys=("ingest",))
READER = _rule("Reader", "any signed-in user or a read or admin key reads the pact and its versions",
               users=tuple(EVERY_ROLE), keys=("read", "admin"))
HANDOFF_READER = _rule("Rep.own_handoff", "reps read their own handoffs, managers their team's; marketing, admins "
                       "and read keys all", users=tuple(EVERY_ROLE), keys=("read", "admin"))
HANDOFF_WORK = _rule("Rep.act", "only the handoff's rep, the manager of its team or an admin acts on a lead "
                     "(marketing never acts for a rep)", users=("rep", "manager", "admin"), keys=("admin",))
PEOPLE_READER = _rule("Rep.own_people", "reps read the people of their handoffs, managers their team's; marketing, "
                      "admins and read keys everyone", users=tuple(EVERY_ROLE), keys=("read", "admin"))
PERSON_WORK = _rule("Rep.act_person", "only the person's rep, the manager of their team or an admin records an "
                    "outcome", users=("rep", "manager", "admin"), keys=("admin",))
TEAM_LEAD = _rule("Manager.team", "a manager reassigns within their team; an admin anywhere",
                  users=("manager", "admin"), keys=("admin",))
MARKETING = _rule("Marketing", "marketing (or an admin) writes pact drafts and the content catalog",
                  users=("marketing", "admin"), keys=("admin",))
PACT_SIGNATURE = _rule("Pact.sign", "a pact is signed by a signed-in marketing user or sales manager, for their side",
                       users=("marketing", "manager"))
PACT_STEWARD = _rule("Pact.steward", "an admin, marketing user or manager puts a pact version into force or "
                     "withdraws it", users=("admin", "marketing", "manager"), keys=("admin",))
INSIGHTS = _rule("Insights", "marketing, managers, admins and read keys read the metrics",
                 users=("marketing", "manager", "admin"), keys=("read", "admin"))
REPORTS = _rule("Reports", "marketing, admins and read keys read the ritual reports (they list every team's leads)",
                users=("marketing", "admin"), keys=("read", "admin"))
OPERATIONS = _rule("Operations", "admins and read or admin keys watch deliveries", users=("admin",),
                   keys=("read", "admin"))
ADMIN = _rule("Admin", "admins manage users, keys, connectors, channels and privacy", users=("admin",),
              keys=("admin",))

ALL = (PUBLIC, TRACKING, CRM_WEBHOOK, SIGNED_IN, SITE_FORM, READER, HANDOFF_READER, HANDOFF_WORK, PEOPLE_READER,
       PERSON_WORK, TEAM_LEAD, MARKETING, PACT_SIGNATURE, PACT_STEWARD, INSIGHTS, REPORTS, OPERATIONS, ADMIN)

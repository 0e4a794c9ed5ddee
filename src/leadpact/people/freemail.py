"""Free-mail domains: never used to match a person to an account; the pact's built-in `freemail` list."""

from __future__ import annotations

FREEMAIL_DOMAINS: frozenset[str] = frozenset(
    """
    gmail.com googlemail.com yahoo.com yahoo.co.uk yahoo.fr yahoo.de yahoo.co.in ymail.com rocketmail.com
    hotmail.com hotmail.co.uk hotmail.fr hotmail.de live.com live.co.uk msn.com outlook.com outlook.fr
    aol.com icloud.com me.com mac.com protonmail.com proton.me pm.me gmx.com gmx.de gmx.net web.de
    mail.com zoho.com zohomail.com yandex.com yandex.ru mail.ru inbox.ru qq.com 163.com 126.com
    sina.com naver.com hanmail.net fastmail.com hey.com tutanota.com libero.it orange.fr free.fr
    laposte.net wanadoo.fr t-online.de rediffmail.com comcast.net verizon.net att.net sbcglobal.net
    """.split()
)


def email_domain(email: str | None) -> str | None:
    """Return the lower-cased domain of an email address, or None when there is none."""
    if not email or "@" not in email:
        return None
    domain = email.rsplit("@", 1)[1].strip().lower()
    return domain or None


def is_freemail(domain: str | None) -> bool:
    """Tell whether a domain belongs to a free-mail provider."""
    return bool(domain) and domain.lower() in FREEMAIL_DOMAINS

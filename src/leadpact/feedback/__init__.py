"""Feedback and outcomes (SPEC §9): first touch, accept, reject with one reason, qualify, opportunity, won, lost.

Other domains import from here only.
"""

from leadpact.feedback.service import (
    BANT,
    REJECTION_OUTCOMES,
    FeedbackRefused,
    InvalidFeedback,
    NotPermitted,
    PersonNotFound,
    accept,
    allowed_reasons,
    lose,
    mark_contacted,
    open_opportunity,
    qualify,
    reject,
    rejection_outcome,
    win,
)

__all__ = [
    "BANT", "REJECTION_OUTCOMES", "FeedbackRefused", "InvalidFeedback", "NotPermitted", "PersonNotFound", "accept",
    "allowed_reasons", "lose", "mark_contacted", "open_opportunity", "qualify", "reject", "rejection_outcome", "win",
]

"""Privacy (SPEC §14): erasing a person's personal data everywhere while keeping anonymous aggregates, exporting
everything held about a person, and deleting anonymous events after their retention.

Other domains import from here only."""

from leadpact.privacy.models import Erasure
from leadpact.privacy.service import (
    ErasureReport,
    PersonNotFound,
    PrivacyError,
    erase_person,
    export_person,
    find_people,
)

__all__ = ["Erasure", "ErasureReport", "PersonNotFound", "PrivacyError", "erase_person", "export_person",
           "find_people"]

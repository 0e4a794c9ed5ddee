"""`/`: each role's home page."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import RedirectResponse

from leadpact.web.deps import Reader

router = APIRouter()
HOMES = {"rep": "/inbox", "manager": "/team", "marketing": "/dashboard", "admin": "/admin"}


@router.get("/")
def home(principal: Reader) -> RedirectResponse:
    """Send the reader to their role's home: a rep's inbox, a manager's team, marketing's dashboard, admin."""
    return RedirectResponse(HOMES.get(principal.role, "/pacts"), status_code=303)

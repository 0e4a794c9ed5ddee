"""A page form's fields as a plain dict, read once per request (so views stay synchronous)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request


async def form_fields(request: Request) -> dict[str, str]:
    """Return the text fields of the submitted form (files are not accepted by any page)."""
    form = await request.form()
    return {name: value for name, value in form.items() if isinstance(value, str)}


Fields = Annotated[dict[str, str], Depends(form_fields)]

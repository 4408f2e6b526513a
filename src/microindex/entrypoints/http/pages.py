"""The HTML side of the hub: sign-in, the dashboard, the staff page."""

from __future__ import annotations

from fastapi import APIRouter

from microindex.entrypoints.http import dashboard, session, staff

router = APIRouter(include_in_schema=False)
for part in (session.router, dashboard.router, staff.router):
    router.include_router(part)

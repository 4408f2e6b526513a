"""The HTML side of the hub: sign-in, the dashboard, the staff page, the shopper's scan pages."""

from __future__ import annotations

from fastapi import APIRouter

from microindex.entrypoints.http import dashboard, scan_pages, session, staff

router = APIRouter(include_in_schema=False)
for part in (session.router, dashboard.router, staff.router, scan_pages.router):
    router.include_router(part)

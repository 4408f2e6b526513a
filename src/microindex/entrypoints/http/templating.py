"""Server-rendered HTML: Jinja2 templates, autoescaped, with the headers every page sends."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")

# Scripts and styles come from /static only; the staff page may use the camera.
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; "
        "style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'"
    ),
    "Permissions-Policy": "camera=(self)",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


def page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    response = templates.TemplateResponse(request, name, context, status_code=status)
    response.headers.update(PAGE_HEADERS)
    return response


def ago(age: timedelta | None) -> str:
    """How long ago, as a person says it: "just now", "12 min ago", "5 h ago", "3 days ago"."""
    if age is None:
        return "never"
    minutes = int(age.total_seconds() // 60)
    if minutes < 1:
        return "just now"
    if minutes < 90:
        return f"{minutes} min ago"
    if minutes < 48 * 60:
        return f"{minutes // 60} h ago"
    return f"{minutes // (24 * 60)} days ago"


def local(moment: datetime | None, zone: tzinfo, fmt: str = "%H:%M") -> str:
    """`moment` on the shop's clock (its time zone from the settings), as `fmt` says."""
    return "" if moment is None else moment.astimezone(zone).strftime(fmt)


def day_and_time(moment: datetime | None, zone: tzinfo, now: datetime) -> str:
    """ "today 18:30", "tomorrow 09:00", "yesterday 17:10" or "Thu 10 Dec 09:00", on the shop's
    clock."""
    if moment is None:
        return ""
    seen = moment.astimezone(zone)
    days = (seen.date() - now.astimezone(zone).date()).days
    day = {-1: "yesterday", 0: "today", 1: "tomorrow"}.get(days, f"{seen:%a %d %b}")
    return f"{day} {seen:%H:%M}"


def zone_name(zone: tzinfo, now: datetime) -> str:
    """The zone as a shop's staff know it: "Europe/London, GMT" (BST in summer)."""
    return f"{getattr(zone, 'key', str(zone))}, {now.astimezone(zone):%Z}"


templates.env.filters.update(local=local, day_and_time=day_and_time)

"""GET /engagement: the engagement dashboard.

PLACEHOLDER, owned by the helper who builds the dashboard (with db/insights.py and
api/templates/ui/engagement.html): replace the body of `engagement` freely. See api/ui/today.py
for what a page gets from the foundation (api/ui/pages.py).
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from api.ui.pages import SignedInPage

router = APIRouter(include_in_schema=False)


@router.get("/engagement")
async def engagement(page: SignedInPage) -> Response:
    return page.render("ui/engagement.html", nav="engagement")

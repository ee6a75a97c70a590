"""GET /: the Today page, the operator UI's home.

PLACEHOLDER, owned by the helper who builds the Today page (with db/insights.py and
api/templates/ui/today.html): replace the body of `today` freely. The foundation it stands on:

    page: SignedInPage                      (api/ui/pages.py) signed in, or a 303 to /signin
    page.render("ui/today.html", **values)  the template extends "ui/base.html"
    page.t("key"), page.t.date(d)           words (api/ui/messages/today.py) and dates
    page.can(Action.OPERATE)                the role's permissions (api/auth.py)
    page.request.app.state.pool / .clock    the database and the deployment clock
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from api.ui.pages import SignedInPage

router = APIRouter(include_in_schema=False)


@router.get("/")
async def today(page: SignedInPage) -> Response:
    return page.render("ui/today.html", nav="today")

"""The API keys, for admins: who has one, its role, when it was last used, and revoking it.

    GET  /keys                 admin   every key (never the key itself: only its hash is kept)
    POST /keys/{key_id}/revoke admin   the key stops working at once; UI sessions signed in
                                       with it end; on the audit trail

The same as `lifecycle keys list` and `lifecycle keys revoke NAME`, by one key rather than a name.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from api.auth import Action
from api.ui.pages import PageError, SignedInForm, SignedInPage, record
from db import api_keys

router = APIRouter(include_in_schema=False)


@router.get("/keys")
async def keys_page(page: SignedInPage) -> Response:
    page.require(Action.ADMINISTER)
    t = page.t
    rows = [
        {
            "id": k["id"],
            "name": k["name"],
            "role": t(f"role_{k['role']}"),
            "created": t.datetime(k["created_at"], "UTC"),
            "last_used": t.datetime(k["last_used_at"], "UTC")
            if k["last_used_at"]
            else t("keys_never"),
            "revoked": t.datetime(k["revoked_at"], "UTC") if k["revoked_at"] else None,
            "yours": page.session is not None and page.session.key_id == k["id"],
        }
        for k in await api_keys.listing(page.request.app.state.pool)
    ]
    return page.render("ui/keys.html", nav="keys", rows=rows)


@router.post("/keys/{key_id}/revoke")
async def revoke_key(key_id: int, form: SignedInForm) -> Response:
    page = form.page
    page.require(Action.ADMINISTER)
    pool = page.request.app.state.pool
    revoked = await api_keys.revoke_id(pool, key_id)
    if revoked is None:
        raise PageError(404, "not_found_title", "keys_not_found")
    await record(page, page.actor, "key_revoked", name=revoked.name, role=revoked.role)
    page.request.app.state.keys.forget(revoked.id)  # this process stops trusting it at once
    return page.redirect("/keys", flash="flash_key_revoked")

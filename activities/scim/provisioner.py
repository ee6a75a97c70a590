"""Tool access over SCIM 2.0 (RFC 7643/7644): the `Provisioner` the access activity calls.

The account
    One user per assignment, found by `externalId` = the assignment id (`filter=externalId eq
    "..."`), created when absent with `userName` = the freelancer's email, `name`,
    `displayName`, the email (work, primary) and `active: true`. It is looked up again at the
    start of every call, so a retry after a create whose answer was lost finds the user instead of
    creating a second one; a create answered 409 (a concurrent create) is followed by the same
    look-up. A 409 with no user of that `externalId` to be found means the `userName` belongs to
    another account: a freelancer who worked here before. Their inactive account is taken over
    for the new assignment (`externalId` replaced), so a returning freelancer is welcomed back
    with their own account; an active one (an assignment still running) is a permanent
    `ProviderRejected`. A deactivation never creates a user.

The groups
    One group per tool, found by `displayName` and created when absent (a 409 on the create is
    followed by a look-up). A provider that does not keep group names unique may end up with two
    groups of one name after concurrent creates: the oldest (`meta.created`, then `id`) is the
    tool's group for every caller, and a younger one found empty is deleted (nobody uses it; one
    holding members is left, with a warning). A revoke removes the user from every group of the
    tool's name.

Membership (PATCH on the group, no version condition: a membership change commutes)
    Grant: `{"op": "add", "path": "members", "value": [{"value": user id}]}`; a 409 (a strict
    provider's "already a member") is success. Revoke: `{"op": "remove", "path": 'members[value
    eq "user id"]'}`; a 400 `noTarget` (not a member) and a 404 (group gone) are success.
    Deactivation removes the user from the revoked tools' groups and from every catalogue group
    the provider says holds the user (`filter=members[value eq "user id"]`; every catalogue group
    when the provider cannot filter on members), then PATCHes `active: false`; a 404 there (the
    user already deleted) is success. A grant PATCHes `active: true` when the user is inactive.

The requests themselves, and how the provider's answers become retries or permanent failures,
are in activities/scim/client.py. Every step is idempotent, so the whole call can be repeated
after a failure at any point.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import cast

from pydantic import ValidationError
from scim2_models import Email, Group, Name, User
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.scim.client import (
    DEFAULT_TIMEOUT,
    PRECONDITION_RETRIES,
    ScimAnswer,
    ScimClient,
    ScimUnavailable,
)
from core.errors import INVALID_INPUT, PROVIDER_REJECTED
from core.settings import Settings
from workflows.types import Person

ACCOUNTS_AT_ONCE = 50  # ids in one search when the reconciliation reads accounts back


def _literal(value: str) -> str:
    """A string as a SCIM filter value (a JSON string)."""
    return json.dumps(value, ensure_ascii=False)


def _user_for(assignment_id: str, person: Person) -> User:
    given, _, family = person.name.strip().partition(" ")
    try:
        return User(
            user_name=person.email,
            external_id=assignment_id,
            display_name=person.name,
            name=Name(formatted=person.name, given_name=given or None, family_name=family or None),
            emails=[Email(value=person.email, type=Email.Type.work, primary=True)],
            active=True,
        )
    except ValidationError as exc:
        raise ApplicationError(
            f"the freelancer of {assignment_id} cannot be a SCIM user: "
            f"{exc.errors()[0].get('msg', 'invalid')}",
            type=INVALID_INPUT,
            non_retryable=True,
        ) from None


class ScimProvisioner:
    """Grants tools as SCIM group memberships of one user per assignment (see the module)."""

    name = "scim"

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        catalogue: Iterable[str] = (),
        *,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self._scim = ScimClient(base_url, token, timeout=timeout)
        self._catalogue = list(dict.fromkeys(catalogue))

    @classmethod
    def from_settings(cls, settings: Settings) -> ScimProvisioner:
        if not settings.scim_url:
            raise ValueError("LIFECYCLE_SCIM_URL is not set")
        return cls(settings.scim_url, settings.scim_token, settings.tools)

    async def aclose(self) -> None:
        await self._scim.aclose()

    async def apply(
        self,
        assignment_id: str,
        freelancer: Person,
        grant: list[str],
        revoke: list[str],
        active: bool,
    ) -> None:
        try:
            if active:
                user_id = await self._active_user(assignment_id, freelancer)
                for tool in grant:
                    await self._add_member(tool, user_id)
                for tool in revoke:
                    await self._remove_member(tool, user_id)
            else:
                await self._deactivate(assignment_id, revoke)
        except ScimAnswer as answer:
            raise answer.failure() from answer

    # ------------------------------------------------------- read back (reconciliation)

    async def accounts(self, assignment_ids: list[str]) -> dict[str, tuple[str, bool]]:
        """The accounts of these assignments at the IdP as they are: by assignment id, (user id,
        active); an assignment without one is absent. One search per ACCOUNTS_AT_ONCE ids
        (`externalId eq … or …`); a provider that refuses such a filter is asked one by one."""
        found: dict[str, tuple[str, bool]] = {}
        try:
            for at in range(0, len(assignment_ids), ACCOUNTS_AT_ONCE):
                batch = assignment_ids[at : at + ACCOUNTS_AT_ONCE]
                for user in await self._users_of(batch):
                    if user.external_id in batch and user.external_id not in found:
                        found[user.external_id] = (cast(str, user.id), user.active is not False)
        except ScimAnswer as answer:
            raise answer.failure() from answer
        return found

    async def _users_of(self, batch: list[str]) -> list[User]:
        """The users whose externalId is in `batch`, oldest first."""
        wanted = " or ".join(f"externalId eq {_literal(a)}" for a in batch)
        params = {"filter": wanted, "count": 2 * len(batch)}
        try:
            return await self._scim.search(User, "find users", params)
        except ScimAnswer as answer:
            if answer.status != 400 or len(batch) == 1:  # 400: invalidFilter or tooMany
                raise
        return [u for a in batch if (u := await self._find_user(a)) is not None]

    async def memberships(self) -> dict[str, set[str]]:
        """For each tool of the catalogue, the user ids its group(s) hold at the IdP."""
        found: dict[str, set[str]] = {}
        try:
            for tool in self._catalogue:
                members: set[str] = set()
                for group in await self._groups_named(tool):
                    full = await self._scim.read(
                        Group, cast(str, group.id), f"read group {tool}", members=True
                    )
                    members |= {m.value for m in (full.members or []) if m.value} if full else set()
                found[tool] = members
        except ScimAnswer as answer:
            raise answer.failure() from answer
        return found

    # ------------------------------------------------------------------ the user

    async def _active_user(self, assignment_id: str, freelancer: Person) -> str:
        user = await self._find_user(assignment_id)
        if user is None:
            try:
                user = await self._scim.create(_user_for(assignment_id, freelancer), "create user")
                self._log("created SCIM user %s", user.id, assignment_id=assignment_id)
            except ScimAnswer as answer:
                if answer.status != 409:
                    raise
                user = await self._find_user(assignment_id) or await self._welcome_back(
                    assignment_id, freelancer
                )
        user_id = cast(str, user.id)
        if user.active is False:
            if not await self._set_active(user_id, True):
                raise ScimUnavailable(f"the SCIM user of {assignment_id} vanished; look again")
            self._log("reactivated SCIM user %s", user_id, assignment_id=assignment_id)
        return user_id

    async def _welcome_back(self, assignment_id: str, freelancer: Person) -> User:
        """The account of a freelancer who worked here before (the userName is theirs): an
        inactive one is taken over for this assignment, so a returning freelancer gets their
        own account back; an active one belongs to an assignment still running."""
        users = await self._scim.search(
            User, "find user by userName", {"filter": f"userName eq {_literal(freelancer.email)}"}
        )
        if not users:
            raise ApplicationError(
                f"the SCIM provider refused the account of the freelancer of {assignment_id}",
                type=PROVIDER_REJECTED,
                non_retryable=True,
            )
        user = users[0]
        if user.active is not False:
            raise ApplicationError(
                f"{freelancer.email} already has an active account, for assignment "
                f"{user.external_id}: end that access first",
                type=PROVIDER_REJECTED,
                non_retryable=True,
            )
        operation = {"op": "replace", "path": "externalId", "value": assignment_id}
        if not await self._scim.patch(User, cast(str, user.id), operation, "take over user"):
            raise ScimUnavailable(f"the account of {freelancer.email} vanished; look again")
        self._log(
            "welcomed back SCIM user %s (was %s)",
            user.id,
            user.external_id,
            assignment_id=assignment_id,
        )
        return user

    async def _find_user(self, assignment_id: str) -> User | None:
        users = await self._scim.search(
            User, "find user", {"filter": f"externalId eq {_literal(assignment_id)}"}
        )
        if len(users) > 1:
            activity.logger.warning(
                "%d SCIM users have the externalId %s; using the oldest",
                len(users),
                assignment_id,
                extra={"assignment_id": assignment_id},
            )
        return users[0] if users else None

    async def _set_active(self, user_id: str, active: bool) -> bool:
        """False when the user is gone."""
        operation = {"op": "replace", "path": "active", "value": active}
        return await self._scim.patch(User, user_id, operation, "set user active")

    async def _deactivate(self, assignment_id: str, revoke: list[str]) -> None:
        user = await self._find_user(assignment_id)
        if user is None:
            self._log("no SCIM user to deactivate", assignment_id=assignment_id)
            return
        user_id = cast(str, user.id)
        groups = {g.id: g for g in await self._groups_holding(user_id, revoke)}
        for tool in revoke:  # whatever the provider's filter found
            groups.update((g.id, g) for g in await self._groups_named(tool) if g.id not in groups)
        for group in groups.values():
            await self._remove_from(group, user_id)
        await self._set_active(user_id, False)  # a user already deleted is as good
        self._log("deactivated SCIM user %s", user_id, assignment_id=assignment_id)

    # ------------------------------------------------------------------ the groups

    async def _groups_named(self, tool: str) -> list[Group]:
        groups = await self._scim.search(
            Group,
            f"find group {tool}",
            {"filter": f"displayName eq {_literal(tool)}", "excludedAttributes": ["members"]},
        )
        # A provider may match case-insensitively; the tool's group has exactly its name.
        return [g for g in groups if g.display_name == tool]

    async def _group_for(self, tool: str) -> Group:
        groups = await self._groups_named(tool)
        if not groups:
            try:
                created = await self._scim.create(Group(display_name=tool), f"create group {tool}")
                self._log("created SCIM group %s (%s)", tool, created.id)
            except ScimAnswer as answer:
                if answer.status != 409:  # 409: created meanwhile, found below
                    raise
            # Read again: a concurrent create may have made an older group of the same name.
            groups = await self._groups_named(tool)
            if not groups:
                raise ScimUnavailable(f"group {tool} created, then not found")
        if len(groups) > 1:
            await self._drop_duplicates(tool, groups[1:])
        return groups[0]

    async def _drop_duplicates(self, tool: str, younger: list[Group]) -> None:
        """Deletes the empty groups named like an older one: left by concurrent creates on a
        provider that does not keep group names unique, and never used (every caller takes the
        oldest). A duplicate that holds members is left, with a warning."""
        for group in younger:
            group_id = cast(str, group.id)
            found = await self._scim.read(
                Group, group_id, f"read duplicate group {tool}", members=True
            )
            if found is None:
                continue
            if found.members:
                activity.logger.warning(
                    "SCIM group %s (%s) duplicates an older one", tool, group_id
                )
                continue
            await self._scim.delete(Group, group_id, f"delete duplicate group {tool}")
            self._log("deleted duplicate SCIM group %s (%s)", tool, group_id)

    async def _groups_holding(self, user_id: str, revoke: list[str]) -> list[Group]:
        """The catalogue groups (and the revoked tools' groups) that hold the user."""
        names = set(self._catalogue) | set(revoke)
        try:
            groups = await self._scim.search(
                Group,
                "find the user's groups",
                {"filter": f"members[value eq {_literal(user_id)}]", "attributes": ["displayName"]},
            )
        except ScimAnswer as answer:
            if answer.transient or answer.status not in (400, 403, 501):
                raise
            # No filtering on members here: every catalogue group, one by one.
            return [g for tool in sorted(names) for g in await self._groups_named(tool)]
        return [g for g in groups if g.display_name in names]

    async def _add_member(self, tool: str, user_id: str) -> None:
        operation = {"op": "add", "path": "members", "value": [{"value": user_id}]}
        for _ in range(PRECONDITION_RETRIES):
            group = await self._group_for(tool)
            try:
                if await self._scim.patch(Group, cast(str, group.id), operation, f"add to {tool}"):
                    return
            except ScimAnswer as answer:
                if answer.status == 409:  # already a member
                    return
                raise
            # The group was deleted between the look-up and the PATCH: look (or create) again.
        raise ScimUnavailable(f"group {tool} keeps disappearing")

    async def _remove_member(self, tool: str, user_id: str) -> None:
        for group in await self._groups_named(tool):
            await self._remove_from(group, user_id)

    async def _remove_from(self, group: Group, user_id: str) -> None:
        operation = {"op": "remove", "path": f"members[value eq {_literal(user_id)}]"}
        try:
            await self._scim.patch(
                Group, cast(str, group.id), operation, f"remove from {group.display_name}"
            )
        except ScimAnswer as answer:
            if answer.status == 400 and answer.scim_type == "noTarget":  # not a member
                return
            raise

    @staticmethod
    def _log(message: str, *args: object, assignment_id: str | None = None) -> None:
        extra = {"assignment_id": assignment_id} if assignment_id else None
        activity.logger.info(message, *args, extra=extra)

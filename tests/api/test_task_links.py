"""A manager marks a checklist task done from the link in the mail (/tasks/{token}): opening the
link marks nothing, its confirmation marks the task once in the manager's name; a forged,
expired, foreign or used link gets a calm page with the reason. Real dev server, worker and
PostgreSQL; the links are those the manager's onboarding checklist was written with."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from core.tokens import make_task_token, read_task_token
from tests.api.conftest import create_body, eventually
from tests.api.pages import assert_page, assignment, create
from tests.clock import DEPLOYMENT
from tests.factories import MANAGER


async def checklist_links(pool, assignment_id: str) -> dict[str, str]:
    """The "mark done" links of the manager's onboarding checklist mail, by task id."""
    query = "SELECT body_text FROM mail_message WHERE assignment_id = $1 AND kind = $2"

    async def written() -> str | None:
        return await pool.fetchval(query, assignment_id, "manager_checklist")

    text = await eventually(written, within=30)
    paths = [urlsplit(u).path for u in re.findall(r"https?://\S+/tasks/\S+", text)]
    assert paths, text
    return {
        read_task_token(p.rsplit("/", 1)[1], "test-secret", DEPLOYMENT.now()).task_id: p
        for p in paths
    }


def task_of(a: dict, task_id: str) -> dict:
    return next(t for t in a["tasks"] if t["task_id"] == task_id)


async def test_the_link_marks_the_task_once_in_the_managers_name(http, auth, unique_id, pool):
    await create(http, auth, create_body(unique_id, language="en"))
    links = await checklist_links(pool, unique_id)
    a = await assignment(http, auth, unique_id)
    assert set(links) == {
        t["task_id"] for t in a["tasks"] if t["owner"] == "manager" and t["phase"] == "onboarding"
    }
    task_id, path = next(iter(links.items()))

    for _ in range(2):  # a mail scanner opens it: nothing marked
        assert_page(await http.get(path), 200, "Mark it done", "Hi Lea,")
    assert not task_of(await assignment(http, auth, unique_id), task_id)["done"]

    done = await http.post(path)
    assert_page(done, 200, "Thank you, Lea", "is marked done")
    task = task_of(await assignment(http, auth, unique_id), task_id)
    assert task["done"] and task["done_by"] == f"manager:{MANAGER.name}"

    assert_page(await http.post(path), 409, "This task is done already")
    assert_page(await http.get(path), 409, "This task is done already")
    others = [
        t for t in (await assignment(http, auth, unique_id))["tasks"] if t["task_id"] != task_id
    ]
    assert not any(t["done"] for t in others)  # one link, one task


async def test_racing_confirmations_mark_it_once(http, auth, unique_id, pool):
    await create(http, auth, create_body(unique_id, language="nl"))
    _, path = next(iter((await checklist_links(pool, unique_id)).items()))

    answers = await asyncio.gather(*(http.post(path) for _ in range(4)))

    assert {r.status_code for r in answers} <= {200, 409} and 200 in {
        r.status_code for r in answers
    }
    trail = await http.get("/v1/audit", params={"assignment_id": unique_id}, headers=auth("admin"))
    assert [e["action"] for e in trail.json()].count("complete_task") == 1


async def test_forged_expired_foreign_and_mangled_links(http, auth, unique_id, pool):
    await create(http, auth, create_body(unique_id, language="en"))
    task_id, path = next(iter((await checklist_links(pool, unique_id)).items()))
    token = path.rsplit("/", 1)[1]
    payload, signature = token.split(".")
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    later = DEPLOYMENT.now() + timedelta(days=30)

    def link(email: str = MANAGER.email, key: str = "test-secret", expires=later, task=task_id):
        return f"/tasks/{make_task_token(unique_id, 1, task, email, key, expires)}"

    for bad in (
        f"/tasks/{payload}.{flipped}",
        link(key="not-ours"),
        link(task="no-such-task"),
        f"{path}/x",
    ):
        assert_page(await http.post(bad), 404, "This link does not work")
    assert_page(
        await http.post(link(expires=DEPLOYMENT.now() - timedelta(seconds=1))),
        410,
        "This link has expired",
    )
    assert_page(
        await http.post(link("jo@client.example")), 403, "This link is not yours", "Lea Janssens"
    )
    decide_token = path.replace("/tasks/", "/decide/")  # a task token is no decision token
    assert (await http.get(decide_token)).status_code == 404
    assert not any(t["done"] for t in (await assignment(http, auth, unique_id))["tasks"])


@pytest.mark.parametrize("language", ["nl", "fr"])
def test_every_text_of_the_page_exists_in_every_language(language: str) -> None:
    from core.i18n import catalogue

    keys = {
        lang: {m.id for m in catalogue(lang) if str(m.id).startswith("tasks.")}
        for lang in ("en", language)
    }
    assert keys["en"] and keys[language] == keys["en"]

"""GET /engagement: the engagement dashboard.

Whether freelancers are treated like colleagues, in numbers over the last year (db.engagement says
how each is counted): how early they hear the renewal outcome, access ready before day one,
access seen after an end (must be zero: red otherwise), exit feedback (response rate, rating,
whether they would come back, what made them feel part of the team), tenure, and the alumni
who want to stay in touch.

Charts are SVG drawn here on the server (api/templates/ui/charts/), each with a title, a
description that says every value, and the numbers as a table under it: readable without a
script, by a screen reader, and printed.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from api.ui.i18n import Translator
from api.ui.pages import PageError, SignedInPage
from db import engagement as dashboard

router = APIRouter(include_in_schema=False)


@router.get("/engagement")
async def engagement(page: SignedInPage) -> Response:
    if not page.scope.everything:  # figures over every team: a few people would be told apart
        raise PageError(403, "forbidden_title", "forbidden_scope")
    clock = page.request.app.state.clock
    found = await dashboard.engagement(page.request.app.state.pool, clock.today(), now=clock.now())
    t = page.t
    return page.render(
        "ui/engagement.html",
        nav="engagement",
        period=t(
            "eng_period",
            since=t.date(found.since),
            today=t.date(found.today),
        ),
        tiles=_tiles(t, found),
        notice=_notice(t, found.notice),
        tenure=_tenure(t, found.tenure),
        ratings=_ratings(t, found),
        come_back=_come_back(t, found),
        after_end=[
            {
                "id": x.assignment_id,
                "name": x.freelancer_name,
                "href": f"/assignments/{x.assignment_id}",
                "reason": t(f"eng_after_end_{x.reason}"),
            }
            for x in found.access_after_end_examples
        ],
        after_end_total=found.access_after_end,
        felt_part=[_quote(t, q) for q in found.felt_part],
        not_part=[_quote(t, q) for q in found.not_part],
        alumni=found.alumni,
        alumni_latest=[{"name": a.first_name, "team": a.team} for a in found.alumni_latest],
    )


def percent(t: Translator, share: dashboard.Share) -> str:
    value = share.percent
    return "\u2013" if value is None else t("eng_percent", n=t.number(round(value)))


def _tile(
    label: str, value: str, detail: str, tone: str = "neutral", percent: float | None = None
) -> dict[str, Any]:
    return {"label": label, "value": value, "detail": detail, "tone": tone, "percent": percent}


def _tiles(t: Translator, e: dashboard.Engagement) -> dict[str, dict[str, Any]]:
    notice, after, none_yet = e.notice.distribution, e.access_after_end, t("eng_none_yet")

    def share(label: str, detail: str, figure: dashboard.Share) -> dict[str, Any]:
        told = detail if figure.total else none_yet
        return _tile(label, percent(t, figure), told, percent=figure.percent)

    def part_of(key: str, figure: dashboard.Share) -> str:
        return t(key, part=t.number(figure.part), total=t.number(figure.total))

    rating = e.average_rating
    return {
        "notice": _tile(
            t("eng_tile_notice"),
            t.plural("eng_days", round(notice.median)) if notice.median is not None else "\u2013",
            t.plural("eng_tile_notice_detail", notice.total) if notice.total else none_yet,
        ),
        "ready": share(
            t("eng_tile_ready"),
            part_of("eng_tile_ready_detail", e.access_ready),
            e.access_ready,
        ),
        "after_end": _tile(
            t("eng_tile_after_end"),
            t.number(after),
            t.plural("eng_tile_after_end_bad", after) if after else t("eng_tile_after_end_good"),
            tone="bad" if after else "good",
        ),
        "feedback": share(
            t("eng_tile_feedback"), part_of("eng_tile_feedback_detail", e.feedback), e.feedback
        ),
        "rating": _tile(
            t("eng_tile_rating"),
            t("eng_rating_value", rating=t.number(rating)) if rating is not None else "\u2013",
            t.plural("eng_tile_rating_detail", sum(e.ratings.values()))
            if rating is not None
            else none_yet,
        ),
        "alumni": _tile(t("eng_tile_alumni"), t.number(e.alumni), t("eng_tile_alumni_detail")),
    }


def _range(t: Translator, bucket: dashboard.Bucket, unit: str) -> str:
    if bucket.high is None:
        return t(f"eng_range_open_{unit}", low=t.number(bucket.low))
    return t(f"eng_range_{unit}", low=t.number(bucket.low), high=t.number(bucket.high - 1))


def _median_x(distribution: dashboard.Distribution) -> float | None:
    """Where the median falls along the columns, in percent of the width."""
    median, buckets = distribution.median, distribution.buckets
    if median is None or not buckets:
        return None
    slot = 100.0 / len(buckets)
    for i, b in enumerate(buckets):
        if b.high is None or median < b.high:
            # An open last bucket is read as wide as the one before it.
            width = (b.high - b.low) if b.high is not None else _width_before(buckets, i)
            fraction = min(1.0, (max(median, b.low) - b.low) / width)
            return min(100.0, max(0.0, (i + fraction) * slot))
    return 100.0


def _width_before(buckets: list[dashboard.Bucket], i: int) -> int:
    before = buckets[i - 1] if i > 0 else None
    if before is None or before.high is None:
        return 1
    return before.high - before.low


def _distribution(
    t: Translator, d: dashboard.Distribution, unit: str, median_key: str, chart: str, counted: str
) -> dict[str, Any]:
    bins = [
        {
            "label": _range(t, b, "short"),  # under the column: the unit is in the caption
            "long": _range(t, b, unit),
            "value": b.count,
            "text": t.number(b.count),
        }
        for b in d.buckets
    ]
    median_text = t.plural(median_key, d.median) if d.median is not None else None
    x = _median_x(d)
    values = "; ".join(
        t("eng_desc_pair", label=view["long"], count=t.plural(counted, bucket.count))
        for bucket, view in zip(d.buckets, bins, strict=True)
    )
    desc = t(f"eng_{chart}_desc", values=values)
    if median_text:
        desc += " " + median_text + "."
    return {
        "bins": bins,
        "total": d.total,
        "median": {"x": x, "label": median_text} if median_text and x is not None else None,
        "median_text": median_text,
        "desc": desc,
        "rows": [(b["long"], b["text"]) for b in bins],
    }


def _notice(t: Translator, n: dashboard.Notice) -> dict[str, Any]:
    view = _distribution(t, n.distribution, "days", "eng_median_days", "notice", "eng_outcomes")
    notes = []
    if n.undecided:
        notes.append(t.plural("eng_notice_undecided", n.undecided))
    if n.after_end:
        notes.append(t.plural("eng_notice_after_end", n.after_end))
    if n.unmeasured:
        notes.append(t.plural("eng_notice_unmeasured", n.unmeasured))
    return {**view, "notes": notes}


def _tenure(t: Translator, d: dashboard.Distribution) -> dict[str, Any]:
    return _distribution(t, d, "months", "eng_median_months", "tenure", "eng_assignments")


def _bars(t: Translator, chart: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    values = "; ".join(
        t("eng_desc_pair", label=r["label"], count=t.plural("eng_leavers", r["value"]))
        for r in rows
    )
    return {
        "rows": rows,
        "total": sum(r["value"] for r in rows),
        "desc": t(f"eng_{chart}_desc", values=values),
        "table": [(r["label"], r["text"]) for r in rows],
    }


def _ratings(t: Translator, e: dashboard.Engagement) -> dict[str, Any]:
    rows = [
        {
            "label": t.plural("eng_stars", n),
            "value": e.ratings[n],
            "text": t.number(e.ratings[n]),
            "tone": None,
        }
        for n in range(5, 0, -1)
    ]
    return _bars(t, "ratings", rows)


def _come_back(t: Translator, e: dashboard.Engagement) -> dict[str, Any]:
    rows = [
        {
            "label": t(f"eng_come_back_{answer}"),
            "value": e.come_back[answer],
            "text": t.number(e.come_back[answer]),
            "tone": tone,
        }
        for answer, tone in (("yes", "good"), ("maybe", "wait"), ("no", "muted"))
    ]
    return _bars(t, "come_back", rows)


def _quote(t: Translator, q: dashboard.Quote) -> dict[str, Any]:
    return {"text": q.text, "when": t.date(q.submitted_at)}

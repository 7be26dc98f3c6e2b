"""Agent comment (REST) to chat.postMessage; a rate-limited burst; one channel that only answers 429.

    uv run python bench/slack_delivery.py [--backends postgresql,sqlite]

`assistdesk serve` (delivery worker in-process, Slack paced at 1 message/s per channel, the default)
posts to a fake Slack Web API in this process, which records when each chat.postMessage arrives.
1. Latency: comments on tickets in 50 channels, 10 per second (no channel is due twice within its
   pacing interval), from the REST call being sent to the fake receiving the post.
2. Burst: 1,000 comments over 20 channels as fast as the API takes them, the fake enforcing one
   message per second per channel (429 + Retry-After otherwise). Theoretical minimum: 50 posts per
   channel, the first at once, so 49 s. Lost and duplicated posts are counted.
3. The latency run again while one more channel answers every post with 429.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import re
import sys
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import Figure, at_most, base_env, database, percentile, report, served
from tests.fakes.slack_api import FakeSlack, Scripted

TOKEN = "xoxb-bench-token"
TEAM = "T0A1B2C3D4"
MARK = re.compile(r"bench comment #(\d+)\b")


def seed(db_url: str, secret_key: str, channels: list[str]) -> tuple[str, dict[str, str]]:
    """An organization, one ticket per channel (its thread is the channel's root message), an agent."""
    from assistdesk.bridge import chat
    from assistdesk.bridge.chat import ChatPerson, ChatPlace
    from assistdesk.domain.links import service as links
    from assistdesk.domain.links.models import ChatPlatform
    from assistdesk.domain.orgs import service as orgs
    from assistdesk.domain.people import service as people
    from assistdesk.runtime import build_runtime
    from assistdesk.settings import Settings

    runtime = build_runtime(Settings(database_url=db_url, secret_key=secret_key))

    def org_and_agent(uow):  # type: ignore[no-untyped-def]
        org = orgs.create_org(uow, name="Acme", plan="premium", domains=["acme.example"])
        orgs.enable_feature(uow, org=org, feature="slack")
        for channel in channels:
            links.connect_channel(uow, platform="slack", workspace=TEAM, channel=channel, org=org)
        agent = people.add_agent(uow, email="dana@vendor.example", name="Dana Reyes")
        return people.create_token(uow, agent=agent)[0]

    token = runtime.db.run(org_and_agent)
    keys = {}
    for n, channel in enumerate(channels):
        ref = runtime.db.run(
            lambda uow, channel=channel, n=n: chat.open_request(
                uow,
                place=ChatPlace(ChatPlatform.SLACK, TEAM, channel),
                requester=ChatPerson("U0CUST0001", "jamie", "jamie@acme.example"),
                reporter_email="jamie@acme.example",
                title=f"Ticket in {channel}",
                description="",
                severity="S3",
                thread_root=f"1767225600.{n:06d}",
                prefix="SUP",
                public_url="https://support.example.test",
            )
        )
        keys[channel] = ref.key
    runtime.db.dispose()
    return token, keys


class Poster:
    """Posts numbered comments through the REST API and remembers when each was sent."""

    def __init__(self, base: str, token: str) -> None:
        self.base = base
        self.headers = {"Authorization": f"Bearer {token}"}
        self.sent: dict[int, float] = {}
        self.answered: dict[int, float] = {}
        self.ticket: dict[int, str] = {}
        self.failed = 0
        self.n = 0

    async def post(self, session: aiohttp.ClientSession, key: str) -> None:
        self.n += 1
        number = self.n
        self.sent[number] = time.monotonic()
        self.ticket[number] = key
        async with session.post(
            f"{self.base}/api/v1/tickets/{key}/comments",
            json={"body": f"bench comment #{number} for {key}"},
            headers=self.headers,
        ) as response:
            await response.read()
            self.answered[number] = time.monotonic()
            if response.status != 201:
                self.failed += 1


def arrivals(fake: FakeSlack) -> dict[int, list[float]]:
    seen: dict[int, list[float]] = {}
    for call in fake.calls_to("chat.postMessage"):
        found = MARK.search(str(call.args.get("text", "")))
        if found:
            seen.setdefault(int(found.group(1)), []).append(call.at)
    return seen


def wait_for(fake: FakeSlack, numbers: set[int], timeout: float) -> dict[int, list[float]]:
    deadline = time.monotonic() + timeout
    seen = arrivals(fake)
    while time.monotonic() < deadline and not numbers <= set(seen):
        time.sleep(0.05)
        seen = arrivals(fake)
    return seen


async def steady(poster: Poster, keys: list[str], count: int, rate: float) -> set[int]:
    start = poster.n + 1
    async with aiohttp.ClientSession() as session:
        tasks = []
        for i in range(count):
            due = time.monotonic() + (1.0 / rate if i else 0)
            tasks.append(asyncio.create_task(poster.post(session, keys[i % len(keys)])))
            await asyncio.sleep(max(0.0, due - time.monotonic()))
        await asyncio.gather(*tasks)
    return set(range(start, poster.n + 1))


async def burst(poster: Poster, keys: list[str], count: int, concurrency: int) -> set[int]:
    start = poster.n + 1
    queue = [keys[i % len(keys)] for i in range(count)]
    async with aiohttp.ClientSession() as session:

        async def client() -> None:
            while queue:
                await poster.post(session, queue.pop(0))

        await asyncio.gather(*(client() for _ in range(concurrency)))
    return set(range(start, poster.n + 1))


def latencies(poster: Poster, seen: dict[int, list[float]], numbers: set[int]) -> list[float]:
    return [(min(seen[n]) - poster.sent[n]) * 1000 for n in numbers if n in seen]


def run(backend: str, fake: FakeSlack) -> None:
    steady_channels = [f"C0STEADY{n:02d}" for n in range(50)]
    burst_channels = [f"C0BURST{n:02d}" for n in range(20)]
    bad = "C0ALWAYS429"
    with database(backend) as db_url:
        env = base_env(
            db_url,
            SLACK_SIGNING_SECRET="bench-signing-secret",
            SLACK_BOT_TOKEN=TOKEN,
            SLACK_API_URL=fake.api_url,
        )
        token, keys = seed(db_url, env["ASSISTDESK_SECRET_KEY"], steady_channels + burst_channels + [bad])
        with served(env) as base:
            poster = Poster(base, token)
            steady_keys = [keys[c] for c in steady_channels]
            asyncio.run(steady(poster, steady_keys, 50, 10))  # warm-up
            wait_for(fake, set(range(1, poster.n + 1)), 30)

            numbers = asyncio.run(steady(poster, steady_keys, 200, 10))
            seen = wait_for(fake, numbers, 60)
            normal = latencies(poster, seen, numbers)
            rest = [(poster.answered[n] - poster.sent[n]) * 1000 for n in numbers]
            after = [(min(seen[n]) - poster.answered[n]) * 1000 for n in numbers if n in seen]
            figures = [
                at_most(f"{backend} comment to chat.postMessage p50", percentile(normal, 50), "ms", 20),
                at_most(f"{backend} comment to chat.postMessage p99", percentile(normal, 99), "ms", 100),
                Figure(f"{backend}   of which the REST call (201 received) p50", percentile(rest, 50), "ms"),
                Figure(f"{backend}   of which the REST call (201 received) p99", percentile(rest, 99), "ms"),
                Figure(f"{backend}   and from the 201 to Slack p50", percentile(after, 50), "ms"),
                Figure(f"{backend}   and from the 201 to Slack p99", percentile(after, 99), "ms"),
            ]

            fake.channel_answers(bad, Scripted(error="ratelimited", status=429, headers={"Retry-After": "1"}))
            mixed = [keys[bad] if i % 10 == 0 else k for i, k in enumerate(steady_keys * 4)]
            numbers = asyncio.run(steady(poster, mixed, 200, 10))
            others = {n for n in numbers if poster.ticket[n] != keys[bad]}
            seen = wait_for(fake, others, 60)
            slow = latencies(poster, seen, others)
            growth = percentile(slow, 99) - percentile(normal, 99)
            figures += [
                Figure(
                    f"{backend} p99 of other channels while one answers only 429", percentile(slow, 99), "ms"
                ),
                at_most(f"{backend} growth of that p99", growth, "ms", 100),
            ]
            fake.channel_answers(bad, None)

            fake.post_interval = 1.0
            limited_before = fake.rate_limited
            started = time.monotonic()
            numbers = asyncio.run(burst(poster, [keys[c] for c in burst_channels], 1000, 16))
            seen = wait_for(fake, numbers, 180)
            last = max((max(seen[n]) for n in numbers if n in seen), default=time.monotonic())
            total = last - started
            lost = len([n for n in numbers if n not in seen])
            created = max(poster.answered[n] for n in numbers)
            gap = _gaps_after(fake, burst_channels, created)
            duplicated = sum(len(seen[n]) - 1 for n in numbers if n in seen)
            minimum = 1000 / 20 - 1
            figures += [
                Figure(f"{backend} burst: 1,000 comments over 20 channels", total, "s"),
                at_most(
                    f"{backend} burst time / theoretical minimum ({minimum:.0f} s)", total / minimum, "x", 1.2
                ),
                Figure(
                    f"{backend} burst: all comments created through the API after", created - started, "s"
                ),
                Figure(f"{backend} burst: mean gap between posts to a channel after that", gap, "s"),
                Figure(
                    f"{backend} burst: 429 answers received", fake.rate_limited - limited_before, "answers"
                ),
                Figure(f"{backend} burst: comments lost", lost, "comments", "0", lost == 0),
                Figure(
                    f"{backend} burst: comments posted twice", duplicated, "comments", "0", duplicated == 0
                ),
                Figure(f"{backend} REST errors", poster.failed, "requests", "0", poster.failed == 0),
            ]
            fake.post_interval = 0.0
            report(f"Slack deliveries on {backend}", figures)


def _gaps_after(fake: FakeSlack, channels: list[str], since: float) -> float:
    """Mean interval between consecutive posts to one channel once the API was quiet again: the
    pacing's own overhead over its 1 s."""
    gaps: list[float] = []
    for channel in channels:
        times = sorted(c.at for c in fake.calls_to("chat.postMessage") if c.args.get("channel") == channel)
        later = [t for t in times if t > since]
        gaps += [b - a for a, b in itertools.pairwise(later)]
    return sum(gaps) / len(gaps) if gaps else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backends", default="postgresql,sqlite")
    args = parser.parse_args()
    fake = FakeSlack()
    fake.add_workspace(TEAM, TOKEN)
    print("# Slack deliveries: fake Slack in this process, `assistdesk serve` with its worker")
    try:
        for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
            fake.reset()
            run(backend, fake)
    finally:
        fake.close()


if __name__ == "__main__":
    main()

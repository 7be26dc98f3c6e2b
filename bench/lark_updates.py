"""Ticket updates reaching a Lark group, on a served assistdesk and the fake Lark Open API.

1. Latency: an agent's public comment (REST) to its update card arriving at Lark, one comment every
   `--spacing` seconds (slower than the 5-per-second pacing, so pacing adds nothing).
2. Burst: `--burst` comments at once to one ticket, so to one group: delivered at 5 per second, in
   order, while the fake loses an answer and rate-limits now and then; every update must arrive
   exactly once (Lark's uuid makes the retry of a lost answer harmless).

    uv run python bench/lark_updates.py [--backend postgresql] [--comments 100] [--burst 500]
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import sys
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import Figure, at_most, cli, percentile, report
from bench.lark_common import Stage, mention, signed, stage
from tests.fakes.lark_api import Fault, rate_limited
from tests.lark.pushes import CHAT, callback_value, fixture, form_defaults, texts


def open_ticket(running: Stage) -> tuple[str, str]:
    """Mention, form, submit: the ticket key and the message its thread hangs off."""
    body = mention("Checkout API returns 502")
    message_id = body["event"]["message"]["message_id"]
    running.fake.said(message_id, CHAT)
    raw, headers = signed(body)
    assert (
        httpx.post(f"{running.url}/lark/events", content=raw, headers=headers, timeout=30).status_code == 200
    )
    form = running.fake.wait_for(1, kind="ephemeral", timeout=60)[0]
    click = copy.deepcopy(fixture("card_action_trigger_form_submit.json"))
    click["event"]["action"]["value"] = callback_value(form.content, "submit_request")
    click["event"]["action"]["form_value"] = form_defaults(form.content)
    click["event"]["context"] = {"open_message_id": form.message_id, "open_chat_id": CHAT}
    raw, headers = signed(click)
    answer = httpx.post(f"{running.url}/lark/events", content=raw, headers=headers, timeout=30).json()
    return answer["toast"]["content"].split()[1], message_id


def agent_token(running: Stage) -> str:
    plain = {k: v for k, v in running.env.items() if not k.startswith("LARK_")}  # no Lark: a faster CLI
    cli(plain, "agent", "add", "eve@vendor.example", "--name", "Eve Engineer")
    return cli(plain, "token", "create", "--agent", "eve@vendor.example").strip().splitlines()[-1]


def updates(running: Stage, root: str) -> list:  # type: ignore[type-arg]
    return [
        p
        for p in running.fake.visible(kind="reply")
        if p.root_id == root and texts(p.content)[0].startswith("Update")
    ]


def latency(
    running: Stage, api: httpx.Client, key: str, root: str, count: int, spacing: float
) -> list[float]:
    found: list[float] = []
    for n in range(count):
        started = time.monotonic()
        api.post(f"/tickets/{key}/comments", json={"body": f"latency {n}", "public": True}).raise_for_status()
        deadline = started + 30
        while len(updates(running, root)) <= n:
            if time.monotonic() > deadline:
                raise AssertionError(f"update {n} never arrived")
            time.sleep(0.0005)
        found.append((updates(running, root)[n].at - started) * 1000)
        time.sleep(max(0.0, spacing - (time.monotonic() - started)))
    return found


def burst(running: Stage, base: str, token: str, key: str, root: str, count: int) -> list[str]:
    before = len(updates(running, root))
    stop = threading.Event()

    def chaos() -> None:
        """Every few seconds: one answer lost after Lark posted the message, and one 429."""
        while not stop.wait(7):
            running.fake.fail("message.reply", Fault(lose_answer=True), rate_limited(reset=1))

    async def post_all() -> None:
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(base_url=f"{base}/api/v1", headers=headers, timeout=60) as client:
            limit = asyncio.Semaphore(8)

            async def one(n: int) -> None:
                async with limit:
                    answer = await client.post(
                        f"/tickets/{key}/comments", json={"body": f"burst {n:04d}", "public": True}
                    )
                    answer.raise_for_status()

            await asyncio.gather(*(one(n) for n in range(count)))

    troublemaker = threading.Thread(target=chaos, daemon=True)
    troublemaker.start()
    asyncio.run(post_all())
    deadline = time.monotonic() + count / 5 * 2 + 60
    while len(updates(running, root)) < before + count and time.monotonic() < deadline:
        time.sleep(0.2)
    stop.set()
    time.sleep(3)  # anything duplicated would have arrived by now
    return [texts(p.content)[4] for p in updates(running, root)[before:]]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", default="postgresql")
    parser.add_argument("--comments", type=int, default=100)
    parser.add_argument("--spacing", type=float, default=0.3)
    parser.add_argument("--burst", type=int, default=500)
    args = parser.parse_args()
    # A lost answer is retried after Lark's timeout, a third of the lease less a second: 1 s here.
    with stage(args.backend, ASSISTDESK_OUTBOX_LEASE_SECONDS="6") as running:
        token = agent_token(running)
        key, root = open_ticket(running)
        with httpx.Client(
            base_url=f"{running.url}/api/v1", headers={"Authorization": f"Bearer {token}"}
        ) as api:
            ms = latency(running, api, key, root, args.comments, args.spacing)
        report(
            f"Lark comment to update, {args.backend}, {len(ms)} comments {args.spacing:g} s apart",
            [at_most("p50", percentile(ms, 50), "ms", 20), at_most("p99", percentile(ms, 99), "ms", 100)],
        )

        fake = running.fake
        answered_before = len(fake.answers)
        seen = burst(running, running.url, token, key, root, args.burst)
        with httpx.Client(
            base_url=f"{running.url}/api/v1", headers={"Authorization": f"Bearer {token}"}
        ) as api:
            created = [
                c["body"]
                for c in api.get(f"/tickets/{key}").json()["comments"]
                if c["body"].startswith("burst")
            ]
        expected = [f"burst {n:04d}" for n in range(args.burst)]
        times = [p.at for p in updates(running, root)[-len(seen) :]] if seen else []
        rate = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else float("nan")
        busiest = max((sum(1 for t in times if start <= t < start + 1.0) for start in times), default=0)
        refused = [a for a in fake.answers[answered_before:] if a[0] == "message.reply" and a[2] != 0]
        report(
            f"Lark burst, {args.backend}, {args.burst} updates to one group",
            [
                at_most("lost", float(len(set(expected) - set(seen))), "", 1),
                at_most("duplicated", float(len(seen) - len(set(seen))), "", 1),
                at_most(
                    "not in the order written",
                    float(sum(1 for a, b in zip(seen, created, strict=False) if a != b)),
                    "",
                    1,
                ),
                at_most("most messages in any 1 s", float(busiest), "msg", 5.5),
                Figure("average rate, faults included", rate, "msg/s"),
                at_most("230020 from Lark", float(sum(1 for a in refused if a[2] == 230020)), "", 1),
            ],
        )
        print(
            f"faults injected and retried: {len(refused)} refusals ({sorted({a[2] for a in refused})}) plus lost answers"
        )


if __name__ == "__main__":
    main()

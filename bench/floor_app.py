"""The floor bench/floor.py compares the product with: a hand-written REST create-ticket and
public-comment on Starlette + pydantic + async psycopg, issuing the statements the product must
issue (the product's own, minus its redundant re-reads), with the API token's agent cached.

    ASSISTDESK_DATABASE_URL=postgresql://… uvicorn bench.floor_app:app --loop uvloop --http httptools

It writes what the product writes for these requests on a desk with one webhook subscription: the
ticket (its number from `key_counters`) or the comment, the webhook job, the reporter's mail thread
and notification job, and a NOTIFY for the workers. It delivers nothing and renders a short answer.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import psycopg
from pydantic import BaseModel, ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

POOL_SIZE = 8


class NewTicket(BaseModel):
    org: str
    reporter_email: str
    title: str
    description: str = ""
    severity: str = "S3"


class NewComment(BaseModel):
    body: str
    public: bool = True


class Pool:
    """A fixed set of connections handed out in turn (the floor needs nothing more)."""

    def __init__(self) -> None:
        self._idle: asyncio.Queue[psycopg.AsyncConnection[Any]] = asyncio.Queue()

    async def open(self, url: str) -> None:
        for _ in range(POOL_SIZE):
            self._idle.put_nowait(await psycopg.AsyncConnection.connect(url))

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
        conn = await self._idle.get()
        try:
            async with conn.transaction():
                yield conn
        finally:
            self._idle.put_nowait(conn)


pool = Pool()
agents: dict[str, tuple[int, str, str]] = {}  # token digest -> (agent id, name, email)


def _url() -> str:
    url = os.environ["ASSISTDESK_DATABASE_URL"]
    return url.replace("postgresql+psycopg://", "postgresql://")


async def _agent(conn: psycopg.AsyncConnection[Any], request: Request) -> tuple[int, str, str] | None:
    header = request.headers.get("authorization", "")
    if not header.startswith("Bearer "):
        return None
    digest = hashlib.sha256(header[7:].encode()).hexdigest()
    if digest not in agents:
        row = await (
            await conn.execute(
                "SELECT a.id, a.name, a.email FROM api_tokens t JOIN agents a ON a.id = t.agent_id "
                "WHERE t.token_digest = %s AND t.revoked_at IS NULL AND a.active",
                (digest,),
            )
        ).fetchone()
        if row is None:
            return None
        agents[digest] = row
    return agents[digest]


async def _enqueue(
    conn: psycopg.AsyncConnection[Any], destination: str, kind: str, payload: dict[str, Any], now: datetime
) -> None:
    await conn.execute(
        "UPDATE outbox_destinations SET enqueue_seq = enqueue_seq + 1, next_run_at = CASE WHEN "
        "next_run_at IS NULL THEN (CASE WHEN not_before > %(now)s THEN not_before ELSE %(now)s END) "
        "ELSE next_run_at END WHERE key = %(key)s",
        {"now": now, "key": destination},
    )
    await conn.execute(
        "INSERT INTO outbox_jobs (destination, kind, payload, idempotency_key, status, attempts, failures, "
        "available_at, created_at) VALUES (%s, %s, %s, %s, 'pending', 0, 0, %s, %s)",
        (destination, kind, json.dumps(payload), uuid.uuid4().hex, now, now),
    )


async def _notify(
    conn: psycopg.AsyncConnection[Any], ticket: dict[str, Any], event: str, now: datetime
) -> None:
    hooks = await (await conn.execute("SELECT id FROM webhook_subscriptions WHERE active")).fetchall()
    for (hook,) in hooks:
        body = {"type": event, "data": {"ticket": ticket}}
        await _enqueue(
            conn, f"webhook:{hook}", "webhook.event", {"webhook_id": hook, "event": event, "body": body}, now
        )
    await conn.execute("SELECT pg_notify('assistdesk_outbox', '')")


async def create_ticket(request: Request) -> Response:
    try:
        data = NewTicket.model_validate_json(await request.body())
    except ValidationError:
        return JSONResponse({"title": "invalid"}, status_code=422)
    now = datetime.now(UTC).replace(tzinfo=None)
    async with pool.transaction() as conn:
        if await _agent(conn, request) is None:
            return JSONResponse({"title": "unauthorized"}, status_code=401)
        org = await (
            await conn.execute("SELECT id, plan FROM organizations WHERE name_key = %s", (data.org.lower(),))
        ).fetchone()
        contact = await (
            await conn.execute("SELECT id FROM contacts WHERE email = %s", (data.reporter_email,))
        ).fetchone()
        if org is None or contact is None:
            return JSONResponse({"title": "unknown"}, status_code=422)
        (number,) = await (  # type: ignore[misc]
            await conn.execute("UPDATE key_counters SET value = value + 1 WHERE name = 'SUP' RETURNING value")
        ).fetchone()
        await conn.execute(
            "SELECT seconds, business_hours FROM sla_targets WHERE plan = %s AND severity = %s",
            (org[1], data.severity),
        )
        key = f"SUP-{number}"
        (ticket_id,) = await (  # type: ignore[misc]
            await conn.execute(
                "INSERT INTO tickets (key, organization_id, reporter_id, title, description, status, severity, "
                "source, created_at, updated_at, sla_plan, sla_stage) "
                "VALUES (%s, %s, %s, %s, %s, 'open', %s, 'api', %s, %s, %s, 0) RETURNING id",
                (key, org[0], contact[0], data.title, data.description, data.severity, now, now, org[1]),
            )
        ).fetchone()
        ticket = {"key": key, "title": data.title, "status": "open", "severity": data.severity}
        await _notify(conn, ticket, "ticket.created", now)
        message_id = f"<{uuid.uuid4().hex}@localhost>"
        await conn.execute(
            "INSERT INTO mail_threads (ticket_id, root_message_id, follow, created_at) VALUES (%s, %s, false, %s)",
            (ticket_id, message_id, now),
        )
        await conn.execute(
            "INSERT INTO mail_messages (message_id, direction, sender, ticket_id, created_at) "
            "VALUES (%s, 'outbound', 'support@localhost', %s, %s) ON CONFLICT DO NOTHING",
            (message_id, ticket_id, now),
        )
        await _enqueue(conn, "mail:floor", "mail.ticket", {"to": data.reporter_email, "ticket": key}, now)
    return JSONResponse({**ticket, "created_at": now.isoformat() + "Z"}, status_code=201)


async def add_comment(request: Request) -> Response:
    try:
        data = NewComment.model_validate_json(await request.body())
    except ValidationError:
        return JSONResponse({"title": "invalid"}, status_code=422)
    now = datetime.now(UTC).replace(tzinfo=None)
    async with pool.transaction() as conn:
        agent = await _agent(conn, request)
        if agent is None:
            return JSONResponse({"title": "unauthorized"}, status_code=401)
        row = await (
            await conn.execute(
                "SELECT id, key, title, status, severity, first_response_at FROM tickets WHERE key = %s FOR UPDATE",
                (request.path_params["key"],),
            )
        ).fetchone()
        if row is None:
            return JSONResponse({"title": "not found"}, status_code=404)
        (comment_id,) = await (  # type: ignore[misc]
            await conn.execute(
                "INSERT INTO comments (ticket_id, body, public, source, author_kind, author_agent_id, "
                "author_name, author_email, created_at) VALUES (%s, %s, %s, 'api', 'agent', %s, %s, %s, %s) "
                "RETURNING id",
                (row[0], data.body, data.public, agent[0], agent[1], agent[2], now),
            )
        ).fetchone()
        await conn.execute(
            "UPDATE tickets SET updated_at = %s, first_response_at = COALESCE(first_response_at, %s), "
            "sla_next_at = NULL WHERE id = %s",
            (now, now, row[0]),
        )
        ticket = {"key": row[1], "title": row[2], "status": row[3], "severity": row[4]}
        comment = {"id": comment_id, "body": data.body, "public": data.public}
        await _notify(conn, {**ticket, "comment": comment}, "comment.added", now)
        thread = await (
            await conn.execute("SELECT root_message_id FROM mail_threads WHERE ticket_id = %s", (row[0],))
        ).fetchone()
        if thread is not None:
            message_id = f"<{uuid.uuid4().hex}@localhost>"
            await conn.execute(
                "INSERT INTO mail_messages (message_id, direction, sender, ticket_id, created_at) "
                "VALUES (%s, 'outbound', 'support@localhost', %s, %s) ON CONFLICT DO NOTHING",
                (message_id, row[0], now),
            )
            await _enqueue(conn, "mail:floor", "mail.ticket", {"ticket": row[1], "comment": comment_id}, now)
    return JSONResponse({**comment, "created_at": now.isoformat() + "Z"}, status_code=201)


async def ready(_: Request) -> Response:
    return JSONResponse({"status": "ready"})


@asynccontextmanager
async def lifespan(_: Starlette) -> AsyncIterator[None]:
    await pool.open(_url())
    async with pool.transaction() as conn:  # the destinations the product would have made
        await conn.execute(
            "INSERT INTO outbox_destinations (key, channel, enqueue_seq) VALUES ('mail:floor', 'mail', 0) "
            "ON CONFLICT DO NOTHING"
        )
    yield


app = Starlette(
    routes=[
        Route("/api/v1/tickets", create_ticket, methods=["POST"]),
        Route("/api/v1/tickets/{key}/comments", add_comment, methods=["POST"]),
        Route("/readyz", ready),
    ],
    lifespan=lifespan,
)

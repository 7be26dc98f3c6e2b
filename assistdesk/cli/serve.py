"""assistdesk serve · worker · db upgrade"""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import TYPE_CHECKING, Annotated, Any

import typer

from assistdesk.cli.common import configure_logging, freeze_startup_heap, note, say
from assistdesk.db import migrate
from assistdesk.db.engine import build_engine
from assistdesk.runtime import build_runtime
from assistdesk.settings import Settings

if TYPE_CHECKING:
    from assistdesk.runtime import Runtime

log = logging.getLogger("assistdesk")
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)


def _platforms(settings: Settings) -> str:
    on = [
        name
        for name, enabled in (("Slack", settings.slack_enabled), ("Lark", settings.lark_enabled))
        if enabled
    ]
    return ", ".join(on) if on else "none (set SLACK_* or LARK_* to switch them on)"


def serve(
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 8000,
    workers: Annotated[
        int, typer.Option("--workers", min=1, help="processes sharing the port, each with its own worker")
    ] = 1,
    no_worker: Annotated[
        bool, typer.Option("--no-worker", help="leave deliveries to `assistdesk worker` processes")
    ] = False,
    access_log: Annotated[bool, typer.Option("--access-log", help="log every request")] = False,
    demo: Annotated[
        bool, typer.Option("--demo", help="on an empty database, add demo organizations, people and tickets")
    ] = False,
) -> None:
    """Migrate the database, then serve the web app with the delivery worker in-process."""
    import uvicorn  # the web stack is imported only by the commands that serve

    from assistdesk.app import create_app
    from assistdesk.bridge import lark
    from assistdesk.cli.processes import ServedConfig, run_processes
    from assistdesk.web.serving import server_options

    settings = served_settings(Settings(), host=host, port=port)
    configure_logging(settings.log_level)
    runtime = build_runtime(settings)  # migrates, once, before any serving process starts
    processes = f", {workers} processes" if workers > 1 else ""
    say(f"assistdesk on http://{host}:{port}{processes}  (public URL {settings.public_url})")
    note(f"database: {settings.safe_database_url()}; chat platforms: {_platforms(settings)}")
    if demo:
        _seed_demo(runtime)
    _first_run(runtime)
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_level": settings.log_level.lower(),
        "access_log": access_log,
        "loop": "uvloop",
        "lifespan": "on",
        "server_header": False,
        **server_options(settings),  # forwarded headers, header deadline
    }
    # One Lark long connection per machine: Lark hands each event to one connected client.
    lark.warm(runtime)  # the first push must be answered within Lark's 3 s
    connection = lark.long_connection(runtime)
    if connection is not None:
        note("Lark: receiving events over the long connection (LARK_LONG_CONNECTION)")
        connection.start()
    try:
        if workers > 1:
            run_processes(
                ServedConfig(settings=settings, run_worker=not no_worker, workers=workers, **options)
            )
        else:
            app = create_app(runtime=runtime, run_worker=not no_worker)
            freeze_startup_heap()
            uvicorn.Server(uvicorn.Config(app, **options)).run()
    finally:
        if connection is not None:
            connection.stop()
        runtime.db.dispose()


def served_settings(settings: Settings, *, host: str, port: int) -> Settings:
    """Without ASSISTDESK_PUBLIC_URL, links (sign-in, setup, tickets) point at the address actually
    served, not at the default port: `serve --port 8766` must not print links to :8000."""
    if "public_url" in settings.model_fields_set:
        return settings
    return settings.model_copy(update={"public_url": served_url(host, port)})


def served_url(host: str, port: int) -> str:
    """http://host:port as a browser on this machine reaches it (a wildcard address is reached on
    loopback; an IPv6 literal is bracketed)."""
    if host in ("", "0.0.0.0"):  # noqa: S104 (recognising the wildcard, not binding it)
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _seed_demo(runtime: Runtime) -> None:
    from assistdesk.cli.demo import seed

    logins = seed(runtime)
    if logins is None:
        note("--demo: the database already has organizations; nothing added")
        return
    base = runtime.settings.public_url
    say("demo desk ready:")
    say(f"  agent console  {base}/agent/login  {logins.admin_email} / {logins.admin_password}")
    say(
        f"  help center    {base}/help/login  {logins.customer_email} (the sign-in code is mailed, or logged)"
    )


def _first_run(runtime: Runtime) -> None:
    """No admin yet: print a one-time link that creates the first one."""
    from assistdesk.domain.access import service as access

    with runtime.db.reading() as session:
        if access.has_admin(session):
            return
    token = runtime.db.run(access.issue_setup_link)
    say(f"no admin yet: create the first one at {runtime.settings.public_url}/agent/setup?token={token}")
    note("(the link works once, for 24 hours; each start without an admin prints a new one)")


def worker() -> None:
    """Run the delivery worker alone (run several beside `serve --no-worker` to scale out)."""
    import uvloop

    settings = Settings()
    configure_logging(settings.log_level)
    runtime = build_runtime(settings)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        try:
            await runtime.run_worker(stop)
        finally:
            await runtime.aclose()

    freeze_startup_heap()

    note(
        f"delivery worker on {settings.safe_database_url()}; channels: {', '.join(sorted(runtime.handlers))}"
    )
    uvloop.run(main())  # as `serve` runs: the worker's own overhead is mostly the event loop's


@db_app.command("upgrade")
def upgrade() -> None:
    """Apply pending migrations."""
    settings = Settings()
    engine = build_engine(settings.database_url, pool_size=1)
    try:
        applied = migrate.upgrade(engine)
        heads = ", ".join(sorted(migrate.current_revisions(engine)))
    finally:
        engine.dispose()
    say(f"database {'upgraded to' if applied else 'already at'} revision {heads}")

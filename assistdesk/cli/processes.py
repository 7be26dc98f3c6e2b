"""`serve --workers N`: N processes answering on one port.

uvicorn's own supervisor does the process work: the parent binds the socket once and hands it to N
spawned children (the kernel spreads connections over their accept calls), restarts a child that
dies, and on SIGTERM or SIGINT stops them all and waits for them. What uvicorn cannot do is build an
app that needs a runtime; `ServedConfig` carries the settings to each child and builds the app there,
with its own database pool and, unless `--no-worker`, its own delivery worker. The parent has
already migrated the database, so the children start without touching the schema.
"""

from __future__ import annotations

from typing import Any

import uvicorn
from uvicorn.supervisors import Multiprocess

from assistdesk.cli.common import configure_logging, freeze_startup_heap
from assistdesk.settings import Settings

# Never imported: each child builds its app in `ServedConfig.load`.
_BUILT_IN_CHILD = "assistdesk.app:create_app"
# How long a child may take to answer the supervisor's ping before it is killed and replaced. A
# spawned child answers only once it has imported the web stack and built its runtime: seconds on a
# busy machine, past uvicorn's default of 5 s, which made the supervisor kill every new child in turn.
HEALTHCHECK_SECONDS = 60


class ServedConfig(uvicorn.Config):
    """A uvicorn configuration that builds the assistdesk app in the process that serves it."""

    def __init__(self, *, settings: Settings, run_worker: bool, **options: Any) -> None:
        options.setdefault("timeout_worker_healthcheck", HEALTHCHECK_SECONDS)
        super().__init__(_BUILT_IN_CHILD, **options)
        self.settings = settings
        self.run_worker = run_worker

    def load(self) -> None:
        if not self.loaded:
            from assistdesk.app import create_app
            from assistdesk.runtime import build_runtime

            configure_logging(self.settings.log_level)
            runtime = build_runtime(self.settings, run_migrations=False)
            self.app = create_app(runtime=runtime, run_worker=self.run_worker)
        super().load()
        freeze_startup_heap()


def run_processes(config: ServedConfig) -> None:
    """Serve with `config.workers` processes until SIGTERM or SIGINT."""
    socket = config.bind_socket()
    try:
        Multiprocess(config, sockets=[socket]).run()
    finally:
        socket.close()

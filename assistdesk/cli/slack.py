"""assistdesk slack manifest"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from assistdesk.cli.common import say
from assistdesk.errors import Invalid
from assistdesk.platforms.slack.manifest import manifest as build_manifest

app = typer.Typer(help="The Slack app.", no_args_is_help=True)


@app.command("manifest")
def manifest(
    url: Annotated[str, typer.Option("--url", help="the public URL Slack reaches this server at")],
    name: Annotated[str, typer.Option("--name", help="the app's name in Slack")] = "Assist",
    socket_mode: Annotated[
        bool, typer.Option("--socket-mode", help="no public URL: events over Socket Mode (SLACK_APP_TOKEN)")
    ] = False,
) -> None:
    """Print the app manifest (JSON) to paste into api.slack.com/apps → Create New App → From a manifest."""
    if not url.startswith(("https://", "http://")):
        raise Invalid(f"--url must be an http(s) URL, not {url!r}", field="url")
    say(json.dumps(build_manifest(url, name=name, socket_mode=socket_mode), indent=2))

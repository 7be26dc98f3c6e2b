"""assistdesk slack manifest"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from assistdesk.cli.common import note, say
from assistdesk.errors import Invalid
from assistdesk.platforms.slack.manifest import NAME_LIMIT
from assistdesk.platforms.slack.manifest import manifest as build_manifest
from assistdesk.settings import Settings

app = typer.Typer(help="The Slack app.", no_args_is_help=True)

HTTP_WARNING = (
    "warning: Slack sends events, commands and OAuth redirects only to https URLs; "
    "this manifest works only if {url} is served as https (a proxy or tunnel in front)"
)


@app.command("manifest")
def manifest(
    url: Annotated[str, typer.Option("--url", help="the public URL Slack reaches this server at")],
    name: Annotated[
        str | None, typer.Option("--name", help="the app's name in Slack (default: SLACK_APP_NAME, Assist)")
    ] = None,
    socket_mode: Annotated[
        bool, typer.Option("--socket-mode", help="no public URL: events over Socket Mode (SLACK_APP_TOKEN)")
    ] = False,
) -> None:
    """Print the app manifest (JSON) to paste into api.slack.com/apps → Create New App → From a manifest."""
    if not url.startswith(("https://", "http://")):
        raise Invalid(f"--url must be an http(s) URL, not {url!r}", field="url")
    app_name = Settings().slack_app_name if name is None else name
    if not app_name.strip() or len(app_name) > NAME_LIMIT:
        raise Invalid(
            f"--name must be 1 to {NAME_LIMIT} characters (Slack's limit); {app_name!r} has {len(app_name)}",
            field="name",
        )
    if url.startswith("http://"):
        note(HTTP_WARNING.format(url=url))
    say(json.dumps(build_manifest(url, name=app_name, socket_mode=socket_mode), indent=2))

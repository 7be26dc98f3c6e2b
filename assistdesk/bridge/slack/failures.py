"""Why a Slack job could not be delivered, in the words the deliveries page shows operators.

Named once: the two Slack delivery channels (`delivery`, `sync`) fail for the same reasons and
must say so the same way.
"""

from __future__ import annotations

from assistdesk.outcomes import PermanentFailure

NOT_INSTALLED = (
    "the Slack app is not installed in workspace {workspace} (or its token was revoked): "
    "install it at /slack/install"
)
UNKNOWN_KIND = "unknown Slack job kind {kind!r}"


def not_installed(workspace: str) -> PermanentFailure:
    return PermanentFailure(NOT_INSTALLED.format(workspace=workspace))


def unknown_kind(kind: str) -> PermanentFailure:
    return PermanentFailure(UNKNOWN_KIND.format(kind=kind))

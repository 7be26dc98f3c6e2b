"""The neutral values Slack listeners hand to the application, and what the application answers.

Listeners parse Slack payloads into these (`payloads.py`) and call an `Inbound` implementation (the
bridge); the bridge answers with view-models that `blocks.py` and `forms.py` render. Slack's JSON
never travels further than this package.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

# Where a payload belongs: the workspace (team) the app is installed in. In Slack Connect channels it
# can differ from the team of the person acting (slack.md §1.2, §3.5).


@dataclass(frozen=True)
class Credentials:
    """One installation's bot token and identity (what Bolt calls an AuthorizeResult)."""

    team_id: str | None
    enterprise_id: str | None
    bot_token: str
    bot_id: str | None = None
    bot_user_id: str | None = None
    app_id: str | None = None
    scopes: frozenset[str] = frozenset()
    scopes_known: bool = False

    def can(self, scope: str) -> bool:
        """Unknown scopes count as granted: Slack's answer (missing_scope) then decides."""
        return scope in self.scopes or not self.scopes_known


FindCredentials = Callable[[str | None, str | None], Awaitable[Credentials | None]]


# Inbound ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SharedFile:
    id: str
    name: str
    mimetype: str | None = None
    size: int | None = None
    download_url: str | None = None
    permalink: str | None = None


@dataclass(frozen=True)
class Reaction:
    event_id: str
    workspace: str
    channel: str
    message_ts: str
    user: str
    reaction: str


@dataclass(frozen=True)
class ThreadReply:
    event_id: str
    workspace: str
    channel: str
    thread_ts: str
    ts: str
    user: str
    text: str
    files: tuple[SharedFile, ...] = ()


@dataclass(frozen=True)
class Mention:
    """A person @mentioning the bot (`app_mention`, or the `message` event Slack sends for the same
    message to an app subscribed to both: same channel and ts, another event_id; slack.md §1.6).
    `text` is what they wrote without the mention; `thread_ts` is set when written in a thread."""

    event_id: str
    workspace: str
    channel: str
    ts: str
    user: str
    text: str
    thread_ts: str | None = None


@dataclass(frozen=True)
class ReplyEdit:
    event_id: str
    workspace: str
    channel: str
    thread_ts: str
    ts: str
    text: str


@dataclass(frozen=True)
class ReplyDeletion:
    event_id: str
    workspace: str
    channel: str
    thread_ts: str
    ts: str


@dataclass(frozen=True)
class Command:
    workspace: str
    channel: str
    user: str
    user_name: str
    text: str
    trigger_id: str


@dataclass(frozen=True)
class FormButton:
    workspace: str
    channel: str
    user: str
    user_name: str
    value: str
    trigger_id: str


class FormSource(StrEnum):
    REACTION = "reaction"
    COMMAND = "command"


@dataclass(frozen=True)
class RequestForm:
    """The request modal: what it is prefilled with and where the ticket will live."""

    source: FormSource
    workspace: str
    channel: str
    locale: str
    title: str = ""
    description: str = ""
    severity: str = "S3"
    reporter_email: str = ""
    message_ts: str | None = None  # the reacted message: the ticket's thread root
    permalink: str | None = None
    user_name: str = ""
    profile_email: str | None = None  # what Slack's profile said, kept apart from what is typed


@dataclass(frozen=True)
class FormValues:
    title: str
    description: str
    severity: str | None
    reporter_email: str


@dataclass(frozen=True)
class FormSubmission:
    form: RequestForm  # as it was opened (private_metadata)
    values: FormValues
    user: str
    user_name: str
    view_id: str


# Answers ---------------------------------------------------------------------------------------------


class Access(StrEnum):
    NOT_CONNECTED = "not_connected"
    PLAN_TOO_LOW = "plan_too_low"
    NOT_ENABLED = "not_enabled"
    CREATE_ONLY = "create_only"  # the plan opens requests by @mention only (🎫 and /assist: Premium)


@dataclass(frozen=True)
class Refusal:
    """Why requests cannot be opened here, in the terms the user needs to ask for them."""

    access: Access
    channel: str
    features_url: str
    organization: str | None = None
    plan: str | None = None
    required_plan: str | None = None
    feature_state: str | None = None


class CardView(Protocol):
    """A ticket as chat shows it (bridge.views.TicketCard fits)."""

    @property
    def key(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def severity(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def reporter_name(self) -> str: ...
    @property
    def reporter_email(self) -> str: ...


class CommentLike(Protocol):
    """A comment as chat shows it (bridge.views.CommentView fits)."""

    @property
    def author_name(self) -> str: ...
    @property
    def author_kind(self) -> str: ...
    @property
    def body(self) -> str: ...


@dataclass(frozen=True)
class Reply:
    """What an interaction is answered with: a form to open, or a message only the user sees."""

    locale: str
    form: RequestForm | None = None
    help: bool = False
    refusal: Refusal | None = None
    tracked: CardView | None = None
    problem: str | None = None  # a short technical reason, shown as "could not …"


class FormProblem(StrEnum):
    EMPTY = "empty"
    TOO_LONG = "too_long"
    INVALID = "invalid"
    NOT_A_CONTACT = "not_a_contact"


@dataclass(frozen=True)
class FieldError:
    field: str  # title, description, severity, reporter_email
    problem: FormProblem
    organization: str = ""
    value: str = ""


@dataclass(frozen=True)
class Submitted:
    """The answer to a form submission: close it, show errors on it, or replace it with a notice."""

    locale: str
    errors: tuple[FieldError, ...] = ()
    refusal: Refusal | None = None
    tracked: CardView | None = None


@dataclass(frozen=True)
class Uninstall:
    workspace: str | None
    enterprise_id: str | None
    tokens_only: bool = False
    user_ids: tuple[str, ...] = field(default_factory=tuple)


class Inbound(Protocol):
    """What Slack's listeners call. Everything returns within the 3-second ack window: event
    handlers only record the event and its work in the database."""

    async def reaction_added(self, reaction: Reaction) -> None: ...
    async def thread_reply(self, reply: ThreadReply) -> None: ...
    async def mentioned(self, mention: Mention) -> None: ...
    async def reply_edited(self, edit: ReplyEdit) -> None: ...
    async def reply_deleted(self, deletion: ReplyDeletion) -> None: ...
    async def uninstalled(self, uninstall: Uninstall) -> None: ...
    async def slash_command(self, command: Command) -> Reply: ...
    async def form_button(self, click: FormButton) -> Reply: ...
    async def form_submitted(self, submission: FormSubmission) -> Submitted: ...
    async def form_opened(self, form: RequestForm, *, user: str, view_id: str, view_hash: str) -> None:
        """The form opened without the reporter's email: look it up and fill it in afterwards."""
        ...

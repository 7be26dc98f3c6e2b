"""What Slack's listeners call: each user action becomes one transaction, inside the 3-second ack.

Events (a 🎫 reaction, a thread reply, an edit) only claim the delivery and enqueue the work: the
claim (`event_id`, and `(channel, ts)` for messages, which Slack can deliver under two event ids)
and the job commit together before Slack gets its 200, so a retry finds the claim and a crash
loses nothing Slack believes delivered. Interactions (the command, the button, the form) read what
they need, and the form's submission creates the ticket through `bridge.chat.open_request`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from assistdesk.bridge import chat, views
from assistdesk.bridge.chat import ChatPerson, Entitlement, NotEntitled, TicketRef
from assistdesk.bridge.slack import jobs
from assistdesk.bridge.slack.installations import Installations
from assistdesk.bridge.slack.intake import Intake
from assistdesk.bridge.slack.models import SlackDraft
from assistdesk.db.uow import Database, UnitOfWork
from assistdesk.domain.links import batch, hints
from assistdesk.domain.links import service as links
from assistdesk.domain.links.batch import ThreadAt
from assistdesk.domain.links.models import ChatPlatform
from assistdesk.domain.links.places import ChatPlace
from assistdesk.domain.text import normalise_email
from assistdesk.domain.tickets import service as tickets
from assistdesk.errors import Invalid
from assistdesk.i18n import normalise
from assistdesk.outbox.enqueue import enqueue
from assistdesk.outbox.jobs import NewJob
from assistdesk.platforms.slack.ports import (
    Access,
    CardView,
    Command,
    FieldError,
    FormButton,
    FormProblem,
    FormSource,
    FormSubmission,
    Mention,
    Reaction,
    Refusal,
    Reply,
    ReplyDeletion,
    ReplyEdit,
    RequestForm,
    Submitted,
    ThreadReply,
    Uninstall,
)
from assistdesk.platforms.slack.text import first_line, to_plain
from assistdesk.settings import Settings

SLACK = ChatPlatform.SLACK.value
HELP_WORDS = frozenset({"help", "?", "-h", "--help", "ヘルプ", "帮助"})
TITLE_MAX = 255


def refusal_of(entitlement: Entitlement, *, channel: str, features_url: str) -> Refusal:
    """Why requests cannot be opened this way here; an allowed channel that only creates and follows
    (Enterprise) is told that 🎫 and /assist come with Premium and that @mention works."""
    access = Access.CREATE_ONLY if entitlement.allowed else Access(entitlement.access.value)
    return Refusal(
        access=access,
        channel=channel,
        features_url=features_url,
        organization=entitlement.organization,
        plan=entitlement.plan,
        required_plan=entitlement.required_plan,
        feature_state=entitlement.feature_state,
    )


@dataclass(frozen=True)
class _Asker:
    """Who is asking, as far as our records know them (no Web API call on the ack path)."""

    locale: str
    email: str | None
    name: str


def _asker(session: Session, workspace: str, user: str, fallback_name: str) -> _Asker:
    identity = links.find_identity(session, platform=SLACK, workspace=workspace, user_id=user)
    if identity is None:
        return _Asker("en", None, fallback_name)
    return _Asker(normalise(identity.locale) or "en", identity.email, identity.display_name or fallback_name)


class SlackInbound:
    def __init__(
        self, *, db: Database, settings: Settings, installations: Installations, intake: Intake
    ) -> None:
        self._db = db
        self._intake = intake
        self._settings = settings
        self._installations = installations
        self._features_url = f"{settings.public_url}/help/features"

    def _card(self, session: Session, ref: TicketRef) -> CardView:
        ticket = tickets.get_ticket_by_id(session, ref.ticket_id)
        return views.ticket_card(ticket, public_url=self._settings.public_url)

    # Events -----------------------------------------------------------------------------------------

    async def reaction_added(self, reaction: Reaction) -> None:
        await self._intake.submit_event(reaction, accept_events)

    async def thread_reply(self, reply: ThreadReply) -> None:
        await self._intake.submit_event(reply, accept_events)

    async def mentioned(self, mention: Mention) -> None:
        await self._intake.submit_event(mention, accept_events)

    async def reply_edited(self, edit: ReplyEdit) -> None:
        await self._intake.submit_event(edit, accept_events)

    async def reply_deleted(self, deletion: ReplyDeletion) -> None:
        await self._intake.submit_event(deletion, accept_events)

    async def uninstalled(self, uninstall: Uninstall) -> None:
        await self._db.run_async(
            lambda uow: self._installations.revoke(
                uow, enterprise_id=uninstall.enterprise_id, team_id=uninstall.workspace
            )
        )
        self._installations.forget()

    # Interactions -----------------------------------------------------------------------------------

    async def slash_command(self, command: Command) -> Reply:
        def state(session: Session) -> tuple[_Asker, Entitlement]:
            place = _place(command.workspace, command.channel)
            asker = _asker(session, command.workspace, command.user, command.user_name)
            return asker, chat.entitlement(session, place)

        asker, entitlement = await self._db.read_async(state)
        create_only = entitlement.allowed and not entitlement.interacts  # told that /assist is Premium's
        if command.text.strip().lower() in HELP_WORDS and not create_only:
            return Reply(asker.locale, help=True)
        if not entitlement.interacts:
            return Reply(asker.locale, refusal=self._refusal(entitlement, command.channel))
        text = command.text.strip()
        return Reply(
            asker.locale,
            form=RequestForm(
                source=FormSource.COMMAND,
                workspace=command.workspace,
                channel=command.channel,
                locale=asker.locale,
                title=first_line(text, TITLE_MAX),
                description=text,
                reporter_email=asker.email or "",
                user_name=asker.name,
                profile_email=asker.email,
            ),
        )

    async def form_button(self, click: FormButton) -> Reply:
        def state(session: Session) -> Reply:
            draft = session.get(SlackDraft, int(click.value)) if click.value.isdigit() else None
            if draft is None or draft.user_id != click.user:
                return Reply("en", problem="expired")
            locale = normalise(draft.locale) or "en"
            place = _place(draft.workspace, draft.channel)
            entitlement = chat.entitlement(session, place)
            if not entitlement.allowed:
                return Reply(locale, refusal=self._refusal(entitlement, draft.channel))
            ref = chat.ticket_at(session, place, draft.thread_ts, public_url=self._settings.public_url)
            if ref is not None:
                return Reply(locale, tracked=self._card(session, ref))
            text = to_plain(draft.text)
            return Reply(
                locale,
                form=RequestForm(
                    source=FormSource.REACTION,
                    workspace=draft.workspace,
                    channel=draft.channel,
                    locale=locale,
                    title=first_line(text, TITLE_MAX),
                    description=text,
                    reporter_email=draft.email or "",
                    message_ts=draft.thread_ts,
                    permalink=draft.permalink,
                    user_name=draft.display_name or click.user_name,
                    profile_email=draft.email,
                ),
            )

        return await self._db.read_async(state)

    async def form_opened(self, form: RequestForm, *, user: str, view_id: str, view_hash: str) -> None:
        job = jobs.prefill(form, user=user, view_id=view_id, view_hash=view_hash)
        await self._db.run_async(lambda uow: enqueue(uow, [job]))

    async def form_submitted(self, submission: FormSubmission) -> Submitted:
        form, values = submission.form, submission.values
        place = _place(form.workspace, form.channel)
        description = values.description.strip()
        if form.permalink:
            description = f"{description}\n\nSlack: {form.permalink}".strip()
        requester = ChatPerson(
            user_id=submission.user,
            display_name=form.user_name or submission.user_name,
            email=form.profile_email,
            locale=form.locale,
        )

        def submit(uow: UnitOfWork) -> CardView | None:
            # A form resubmitted after a slow answer (the user saw Slack's timeout) opens nothing new.
            if not links.claim_receipt(uow, platform=SLACK, key=f"view:{submission.view_id}"):
                return None
            ref = chat.open_request(
                uow,
                place=place,
                requester=requester,
                reporter_email=values.reporter_email,
                title=values.title,
                description=description,
                severity=values.severity,
                thread_root=form.message_ts,
                prefix=self._settings.ticket_prefix,
                public_url=self._settings.public_url,
            )
            return None if ref.created else self._card(uow.session, ref)

        try:
            tracked = await self._db.run_async(submit)
        except NotEntitled as refused:
            return Submitted(form.locale, refusal=self._refusal(refused.entitlement, form.channel))
        except Invalid as invalid:
            return Submitted(
                form.locale, errors=(await self._field_error(invalid, place, values.reporter_email),)
            )
        return Submitted(form.locale, tracked=tracked)

    async def _field_error(self, invalid: Invalid, place: ChatPlace, email: str) -> FieldError:
        field = invalid.field or "title"
        if field == "reporter_email":
            try:
                clean = normalise_email(email, field=field)
            except Invalid:
                return FieldError(field, FormProblem.INVALID, value=email)
            org = (await self._db.read_async(lambda s: chat.entitlement(s, place))).organization or ""
            return FieldError(field, FormProblem.NOT_A_CONTACT, organization=org, value=clean)
        if field == "severity":
            return FieldError(field, FormProblem.INVALID)
        empty = "empty" in invalid.message
        return FieldError(field, FormProblem.EMPTY if empty else FormProblem.TOO_LONG)

    def _refusal(self, entitlement: Entitlement, channel: str) -> Refusal:
        return refusal_of(entitlement, channel=channel, features_url=self._features_url)


# The ack path: claims, and the jobs to enqueue (committed together by the Intake) ------------------

Event = Reaction | ThreadReply | Mention | ReplyEdit | ReplyDeletion


def _place(workspace: str, channel: str) -> ChatPlace:
    return ChatPlace(SLACK, workspace, channel)


def _thread_root(event: Event) -> str | None:
    """The thread the event happened in, when the event means nothing outside a ticket's thread."""
    return None if isinstance(event, Reaction) else event.thread_ts


def _claim_key(event: Event, thread: ThreadAt | None) -> str | None:
    """What makes the event count once; None when it is not ours to take (a reply, an edit outside
    a ticket's thread). A new message is claimed by (channel, ts) rather than event_id: a retry
    keeps both, and the same message delivered under two event ids (message and app_mention) keeps
    the ts."""
    if isinstance(event, ThreadReply | Mention):
        if isinstance(event, ThreadReply) and thread is None:
            return None
        return f"message:{event.workspace}:{event.channel}:{event.ts}"
    if isinstance(event, ReplyEdit | ReplyDeletion) and thread is None:
        return None
    return f"event:{event.event_id}"


def accept_events(uow: UnitOfWork, events: Sequence[Event]) -> list[NewJob]:
    """The jobs of a batch of events: one SELECT finds their threads and one INSERT claims them;
    an event already claimed (a redelivery, or the same message twice in the batch) adds nothing."""
    wanted = {e: (_place(e.workspace, e.channel), root) for e in events if (root := _thread_root(e))}
    threads, channels = batch.threads_at(uow, list(wanted.values()), chat.feature_of(SLACK))
    thread_of = {e: threads.get(where) for e, where in wanted.items()}
    keys = [(e, _claim_key(e, thread_of.get(e))) for e in events]
    claimed = batch.claim_receipts(uow, platform=SLACK, keys=[k for _, k in keys if k is not None])
    # A lone thread's channel came with it; other places are asked when an event needs them.
    entitlements = {place: chat.entitlement_of(place, org) for place, org in channels.items()}

    def interacts(place: ChatPlace) -> bool:
        if place not in entitlements:
            entitlements[place] = chat.entitlement(uow.session, place)
        return entitlements[place].interacts

    told: list[NewJob] = []
    for event, key in keys:
        if key is None or key not in claimed:
            continue
        claimed.discard(key)
        told.extend(_jobs_for(uow, event, thread_of.get(event), interacts))
    return told


def _jobs_for(
    uow: UnitOfWork, event: Event, thread: ThreadAt | None, interacts: Callable[[ChatPlace], bool]
) -> list[NewJob]:
    """A claimed event's work. A reply in a ticket's thread becomes a comment when the plan is
    two-way at this moment; otherwise its author is told, once per thread, where to reply instead.
    Our own posts never get here (they are bots); add_reply would drop them anyway, by their ts.
    An @mention opens one prompt; inside a ticket's thread it never opens a second ticket: on a
    two-way plan it is a comment, otherwise the person is pointed to the ticket."""
    place = _place(event.workspace, event.channel)
    if isinstance(event, Reaction):
        return [jobs.reaction(event)]
    if isinstance(event, ReplyEdit):
        return [jobs.reply_edit(event)]
    if isinstance(event, ReplyDeletion):
        return [jobs.reply_delete(event)]
    if isinstance(event, ThreadReply):
        assert thread is not None  # claimed only in a ticket's thread
        if interacts(place):
            return [jobs.reply(event)]
        if hints.claim_hint(uow, thread_id=thread.id, user_id=event.user):
            return [jobs.hint(event, ticket_id=thread.ticket_id)]
        return []
    if thread is None:
        return [jobs.mention(event)]
    if interacts(place) and event.text:
        reply = ThreadReply(
            event_id=event.event_id,
            workspace=event.workspace,
            channel=event.channel,
            thread_ts=thread.thread_root or event.thread_ts or "",
            ts=event.ts,
            user=event.user,
            text=event.text,
        )
        return [jobs.reply(reply)]
    return [jobs.mention(event, ticket_id=thread.ticket_id)]

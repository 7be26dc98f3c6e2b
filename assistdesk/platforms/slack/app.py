"""The Bolt app: Slack's guards, then one small listener per surface (slack.md §10).

Guards: signature and 5-minute window (401 otherwise), checked once by `screen` in front of Bolt
(web/slack.py; Bolt's own check is off, as Socket Mode needs none) → then in Bolt's fixed order: SSL
check and URL verification → authorization from our installation store (no auth.test per request)
→ our own bot's events dropped → the listener. Event callbacks with a listener take the same steps
without Bolt's per-request machinery (events.py); interactions and the command go through Bolt.

`process_before_response=True`: the HTTP 200 goes out only after the listener returned, and event
listeners return once the event and its work are committed to the database. Bolt's default acks
first and runs the listener afterwards, so a crash in between would lose an event Slack considers
delivered. Listeners therefore never call the Web API for events; the one exception is views.open,
which must happen inside the trigger's 3 seconds.

Every request that reaches no listener is answered 200 (Bolt answers 404, which Slack counts as a
failed delivery and retries, slack.md §1.3).
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Mapping
from typing import Any, cast

from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.error import BoltUnhandledRequestError
from slack_bolt.listener_matcher.async_builtins import AsyncBuiltinListenerMatcher
from slack_bolt.listener_matcher.async_listener_matcher import AsyncListenerMatcher
from slack_bolt.logger import get_bolt_app_logger
from slack_bolt.request.async_internals import build_async_context
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.request.internals import build_normalized_headers, extract_content_type, parse_query
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from assistdesk.i18n import Translator
from assistdesk.platforms.slack import blocks, forms, interactions, payloads
from assistdesk.platforms.slack.answers import OpenedView
from assistdesk.platforms.slack.client import SlackApi
from assistdesk.platforms.slack.errors import code_of
from assistdesk.platforms.slack.events import EventDispatch, EventListeners, answer_error
from assistdesk.platforms.slack.manifest import COMMAND
from assistdesk.platforms.slack.ports import (
    Credentials,
    FindCredentials,
    FormSubmission,
    Inbound,
    Reply,
)

log = logging.getLogger(__name__)
Translate = Callable[[str | None], Translator]
_CREDENTIALS = "assist_credentials"


def build_app(
    *,
    api: SlackApi,
    find_credentials: FindCredentials,
    inbound: Inbound,
    translate: Translate,
) -> AsyncApp:
    async def authorize(enterprise_id: str | None, team_id: str | None, context: Any) -> Any:
        credentials = await find_credentials(enterprise_id, team_id)
        if credentials is None:
            return None
        context[_CREDENTIALS] = credentials
        return AuthorizeResult(
            enterprise_id=enterprise_id,
            team_id=team_id,
            bot_token=credentials.bot_token,
            bot_id=credentials.bot_id,
            bot_user_id=credentials.bot_user_id,
        )

    app = _App(
        signing_secret="",
        # The one HTTP entry (web/slack.py) verifies every request with `screen` before Bolt sees it;
        # Bolt's check would compute the same HMAC a second time, and Socket Mode needs none.
        request_verification_enabled=False,
        # Bolt's own client (Socket Mode's apps.connections.open, per-request clients) must also
        # talk to SLACK_API_URL.
        client=AsyncWebClient(base_url=api.base_url, timeout=int(api.timeout)),
        authorize=authorize,
        process_before_response=True,
        raise_error_for_unhandled_request=True,
        logger=logging.getLogger("assistdesk.slack.bolt"),
        name="assistdesk",
    )
    app.events = EventDispatch(EventListeners(inbound), find_credentials)
    _InteractionListeners(api, inbound, translate).register(app)
    app.match_on_bodies()

    @app.error
    async def answer_unhandled(error: Exception) -> BoltResponse | None:
        if isinstance(error, BoltUnhandledRequestError):
            return BoltResponse(status=200, body="")
        return await answer_error(error)

    return app


NO_CONTEXT_CLIENT = "the Bolt context's client makes no calls: use SlackApi with the installation's token"


class _InertClient(AsyncWebClient):
    """The Web API client in every request's context, shared by all requests: it calls nothing.

    Since 1.15 Bolt builds a new AsyncWebClient per request so that listeners may change its token
    (AsyncApp._init_context), a cost on every ack. Our listeners never call Slack through it (SlackApi
    does, with the installation's token), so one client serves every request; the token Bolt's
    authorization writes into it is never used, because it refuses every call.
    """

    async def api_call(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(NO_CONTEXT_CLIENT)


class _BodyMatcher(AsyncListenerMatcher):
    """One of Bolt's built-in matchers (an event type, a command, an action or callback id), given
    the request's body directly.

    Bolt hands a matcher its arguments the way it hands a listener its own: it first builds every
    argument a listener may ask for (say, respond, complete and some thirty others), then keeps
    those the matcher names. Each listener tried costs that again, on every request; the built-in
    matchers only ever read `body`.
    """

    def __init__(self, builtin: AsyncBuiltinListenerMatcher) -> None:
        self._test = builtin.func

    async def async_matches(self, req: AsyncBoltRequest, resp: BoltResponse) -> bool:
        found = self._test(body=req.body)
        return bool(await found if inspect.isawaitable(found) else found)


class _App(AsyncApp):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._inert_client = _InertClient(base_url=self.client.base_url)
        self._request_logger = get_bolt_app_logger(app_name=self.name, base_logger=self._base_logger)

    events: EventDispatch | None = None

    async def async_dispatch(self, req: AsyncBoltRequest) -> BoltResponse:
        """Event callbacks we listen to go to `events` (events.py says why); the rest to Bolt."""
        listener = self.events.listener_for(req.body) if self.events is not None else None
        if listener is None:
            return await super().async_dispatch(req)
        return await self.events.dispatch(req, listener)  # type: ignore[union-attr]

    def match_on_bodies(self) -> None:
        """Swap the registered listeners' built-in matchers for `_BodyMatcher`s (slack-bolt 1.30)."""
        for listener in self._async_listeners:
            listener.matchers = [
                _BodyMatcher(matcher)
                if isinstance(matcher, AsyncBuiltinListenerMatcher) and matcher.arg_names == ["body"]
                else matcher
                for matcher in listener.matchers
            ]

    def _init_context(self, req: AsyncBoltRequest) -> None:
        """AsyncApp._init_context (slack-bolt 1.30), with the shared client instead of a new one."""
        req.context["logger"] = self._request_logger
        req.context["token"] = self._token
        req.context["client"] = self._inert_client
        req.context["listener_runner"] = self.listener_runner


def verified_request(
    raw_body: str, body: dict[str, Any] | None, *, query: str, headers: Mapping[str, str]
) -> AsyncBoltRequest:
    """Bolt's request for a POST whose signature `screen` checked; `body` is the JSON object screen
    already parsed from `raw_body` (None: Bolt parses `raw_body`, as it does forms).

    Bolt's constructor would parse the body again; this one builds the same request (slack-bolt
    1.30's AsyncBoltRequest.__init__ in HTTP mode) from the object in hand.
    """
    bolt_headers = cast("dict[str, str | Any]", dict(headers))
    if body is None:
        return AsyncBoltRequest(body=raw_body, query=query, headers=bolt_headers)
    return _ParsedRequest(raw_body, body, query=query, headers=bolt_headers)


class _ParsedRequest(AsyncBoltRequest):
    def __init__(self, raw_body: str, body: dict[str, Any], *, query: str, headers: dict[str, Any]) -> None:
        self.raw_body = raw_body
        self.query = parse_query(query)
        self.headers = build_normalized_headers(headers)
        self.content_type = extract_content_type(self.headers)
        self.body = body
        self.context = build_async_context(AsyncBoltContext({}), body)
        self.lazy_only = bool(self.headers.get("x-slack-bolt-lazy-only", [False])[0])
        self.lazy_function_name = self.headers.get("x-slack-bolt-lazy-function-name", [None])[0]
        self.mode = "http"


def credentials_of(context: Any) -> Credentials | None:
    found = context.get(_CREDENTIALS)
    return found if isinstance(found, Credentials) else None


class _InteractionListeners:
    """Slash command, buttons and the form: answered in the ack body or with views.open."""

    def __init__(self, api: SlackApi, inbound: Inbound, translate: Translate) -> None:
        self._api = api
        self._inbound = inbound
        self._translate = translate

    def register(self, app: AsyncApp) -> None:
        app.command(COMMAND)(self.command)
        app.action(blocks.OPEN_FORM_ACTION)(self.open_form)
        app.view(forms.CALLBACK_ID)(self.submit)

    async def _answer(self, reply: Reply, trigger_id: str, context: Any, user: str) -> str | None:
        """Open the form, or say why not: the text to show the user, or None."""
        _ = self._translate(reply.locale)
        if reply.form is not None:
            credentials = credentials_of(context)
            if credentials is None:
                return blocks.problem("not installed", _)
            opened = await self._api.open_view(
                credentials.bot_token, trigger_id=trigger_id, view=forms.request_modal(reply.form, _)
            )
            if not isinstance(opened, OpenedView):
                log.warning("could not open the request form: %s", opened.reason)
                return blocks.problem(code_of(opened), _)
            view = opened.view
            if not reply.form.reporter_email and view.id:
                await self._inbound.form_opened(
                    reply.form, user=user, view_id=view.id, view_hash=view.hash or ""
                )
            return None
        if reply.refusal is not None:
            return blocks.refusal(reply.refusal, _)
        if reply.tracked is not None:
            return blocks.tracked(reply.tracked, _).text
        if reply.help:
            return blocks.help_text(_)
        if reply.problem:
            return blocks.problem(reply.problem, _)
        return None

    async def command(self, ack: Any, body: dict[str, Any], context: Any) -> None:
        parsed = interactions.slash_command(body)
        if parsed is None:  # signed, but not a shape Slack sends
            await ack()
            return
        command = parsed.command(context.team_id)
        reply = await self._inbound.slash_command(command)
        text = await self._answer(reply, command.trigger_id, context, command.user)
        await (ack(text=text, response_type="ephemeral") if text else ack())

    async def open_form(self, ack: Any, body: dict[str, Any], context: Any) -> None:
        parsed = interactions.block_action(body)
        await ack()
        if parsed is None:  # signed, but not a shape Slack sends
            return
        click = parsed.form_button(context.team_id)
        reply = await self._inbound.form_button(click)
        text = await self._answer(reply, click.trigger_id, context, click.user)
        credentials = credentials_of(context)
        if text and credentials is not None:
            # A button's ack carries no message and the prompt was ephemeral: say why in a small
            # modal, inside the same trigger window.
            _ = self._translate(reply.locale)
            await self._api.open_view(
                credentials.bot_token, trigger_id=click.trigger_id, view=forms.notice_modal(text, _)
            )

    async def submit(self, ack: Any, body: dict[str, Any], context: Any) -> None:
        submission = payloads.parse(payloads.ViewSubmission, body)
        form = payloads.form_metadata(submission.view.private_metadata) if submission else None
        if submission is None or form is None:
            await ack()
            return
        result = await self._inbound.form_submitted(
            FormSubmission(
                form=form,
                values=payloads.form_values(submission.view),
                user=submission.user.id,
                user_name=submission.user.label,
                view_id=submission.view.id,
            )
        )
        _ = self._translate(result.locale)
        if result.errors:
            await ack(response_action="errors", errors=forms.errors_by_block(result.errors, _))
        elif result.refusal is not None:
            await ack(response_action="update", view=forms.notice_modal(blocks.refusal(result.refusal, _), _))
        elif result.tracked is not None:
            await ack(
                response_action="update", view=forms.notice_modal(blocks.tracked(result.tracked, _).text, _)
            )
        else:
            await ack()


async def run_socket_mode(app: AsyncApp, app_token: str, stop: Any) -> None:
    """Serve `app` over Socket Mode until `stop` is set (slack.md §8). Bolt acks each envelope with
    the listener's response, so the same durability rules hold as over HTTP."""
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    handler = AsyncSocketModeHandler(app, app_token)
    await handler.connect_async()  # type: ignore[no-untyped-call]
    log.info("Slack Socket Mode connected")
    try:
        await stop.wait()
    finally:
        await handler.close_async()  # type: ignore[no-untyped-call]

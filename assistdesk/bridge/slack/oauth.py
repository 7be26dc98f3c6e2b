"""Installing the app in many workspaces: OAuth v2 with our own state and installation store.

Bolt refuses an `authorize` function next to its OAuth settings (slack.md §7.1), and its default
stores are files; so the flow is slack_sdk's URL generator and oauth.v2.access, with:
- state: a random nonce, signed with ASSISTDESK_SECRET_KEY, valid 10 minutes, bound to the browser
  by a cookie and usable once (an inbound receipt claims it);
- auth.test after the exchange, for the bot_id oauth.v2.access does not return;
- the bot token encrypted at rest.
"""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass
from urllib.parse import urljoin

from slack_sdk.oauth import AuthorizeUrlGenerator

from assistdesk.bridge.slack.installations import Installations
from assistdesk.db.uow import Database
from assistdesk.domain.links import service as links
from assistdesk.platforms.slack.answers import Access, Identity
from assistdesk.platforms.slack.client import SlackApi
from assistdesk.platforms.slack.manifest import BOT_SCOPES
from assistdesk.security.secretbox import SecretBox

STATE_SECONDS = 600
COOKIE = "assistdesk_slack_oauth"
_PURPOSE = "slack-oauth-state"
SLACK_REPORTED = "Slack reported: {error}"
LINK_EXPIRED = "this installation link expired or was not started here"
LINK_USED = "this installation link was already used"


@dataclass(frozen=True)
class Installed:
    ok: bool
    team_name: str = ""
    team_id: str = ""
    problem: str = ""


def authorization_url(api_url: str) -> str:
    """slack.com/api/ → slack.com/oauth/v2/authorize (GovSlack and test servers alike)."""
    return urljoin(api_url if api_url.endswith("/") else api_url + "/", "../oauth/v2/authorize")


class OAuthInstall:
    def __init__(
        self,
        *,
        db: Database,
        secrets_box: SecretBox,
        api: SlackApi,
        installations: Installations,
        client_id: str,
        client_secret: str,
        public_url: str,
    ) -> None:
        self._db = db
        self._box = secrets_box
        self._api = api
        self._installations = installations
        self._client_id = client_id
        self._client_secret = client_secret
        self.redirect_uri = f"{public_url}/slack/oauth_redirect"

    def _sign(self, nonce: str, issued: int) -> str:
        return self._box.sign(f"{nonce}.{issued}".encode(), _PURPOSE)

    def begin(self) -> tuple[str, str]:
        """The URL to send the browser to, and the nonce to keep in its cookie."""
        nonce = secrets.token_urlsafe(18)
        issued = int(time.time())
        state = f"{nonce}.{issued}.{self._sign(nonce, issued)}"
        generator = AuthorizeUrlGenerator(
            client_id=self._client_id,
            redirect_uri=self.redirect_uri,
            scopes=list(BOT_SCOPES),
            authorization_url=authorization_url(self._api.base_url),
        )
        return generator.generate(state), nonce

    def _state_ok(self, state: str, cookie: str | None, now: float) -> str | None:
        """The nonce of a valid state, or None."""
        try:
            nonce, issued_raw, signature = state.split(".", 2)
            issued = int(issued_raw)
        except ValueError:
            return None
        if not hmac.compare_digest(signature, self._sign(nonce, issued)):
            return None
        if not 0 <= now - issued <= STATE_SECONDS:
            return None
        if cookie is None or not hmac.compare_digest(cookie, nonce):
            return None
        return nonce

    async def finish(
        self, *, code: str | None, state: str | None, cookie: str | None, error: str | None
    ) -> Installed:
        if error:
            return Installed(False, problem=SLACK_REPORTED.format(error=error))
        nonce = self._state_ok(state or "", cookie, time.time())
        if nonce is None or not code:
            return Installed(False, problem=LINK_EXPIRED)
        claimed = await self._db.run_async(
            lambda uow: links.claim_receipt(uow, platform="slack", key=f"oauth:{nonce}")
        )
        if not claimed:
            return Installed(False, problem=LINK_USED)
        answer = await self._api.oauth_access(
            client_id=self._client_id,
            client_secret=self._client_secret,
            code=code,
            redirect_uri=self.redirect_uri,
        )
        if not isinstance(answer, Access):
            return Installed(False, problem=answer.reason)
        token = answer.access_token or ""
        identity = await self._api.auth_test(token)
        if not isinstance(identity, Identity):
            return Installed(False, problem=identity.reason)
        team, enterprise = answer.team, answer.enterprise
        await self._db.run_async(
            lambda uow: self._installations.save(
                uow,
                enterprise_id=enterprise.id,
                team_id=team.id,
                is_enterprise_install=bool(answer.is_enterprise_install),
                team_name=team.name or enterprise.name or "",
                app_id=answer.app_id,
                bot_user_id=answer.bot_user_id or identity.user_id,
                bot_id=identity.bot_id,
                scopes=answer.scopes or frozenset(),
                bot_token=token,
                installer_user_id=answer.authed_user.id,
            ),
        )
        self._installations.forget()
        return Installed(True, team_name=team.name or "", team_id=team.id or "")

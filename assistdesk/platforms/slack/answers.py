"""What the Slack Web API answers, typed: the bridge reads these, never Slack's JSON.

Only the fields the app reads are declared (https://api.slack.com/methods for each method); the
OAuth scopes a token holds come from the `X-OAuth-Scopes` header, which the client copies into the
answer as `_scopes`.
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

T = TypeVar("T")


def _null_is_empty(value: Any) -> Any:
    """Slack sends `null` for an object it has nothing for (`"enterprise": null`): read it as empty."""
    return {} if value is None else value


Part = Annotated[T, BeforeValidator(_null_is_empty)]


class _Answer(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class _Scoped(_Answer):
    granted: str | None = Field(default=None, alias="_scopes")  # the X-OAuth-Scopes header
    scope: str | None = None  # oauth.v2.access names them in its body too

    @property
    def scopes(self) -> frozenset[str] | None:
        """The token's scopes, or None when Slack did not say (then every scope counts as granted)."""
        raw = self.granted or self.scope
        if raw is None:
            return None
        return frozenset(s.strip() for s in raw.split(",") if s.strip())


class Identity(_Scoped):
    """auth.test: who a token is."""

    user_id: str | None = None
    bot_id: str | None = None
    team_id: str | None = None
    enterprise_id: str | None = None


class Named(_Answer):
    id: str | None = None
    name: str | None = None


class Access(_Scoped):
    """oauth.v2.access: the installation a code was exchanged for."""

    access_token: str | None = None
    app_id: str | None = None
    bot_user_id: str | None = None
    is_enterprise_install: bool | None = None
    team: Part[Named] = Field(default_factory=Named)
    enterprise: Part[Named] = Field(default_factory=Named)
    authed_user: Part[Named] = Field(default_factory=Named)


class ProfileFields(_Answer):
    display_name: str | None = None
    real_name: str | None = None
    email: str | None = None


class UserFields(_Answer):
    name: str | None = None
    real_name: str | None = None
    locale: str | None = None
    profile: Part[ProfileFields] = Field(default_factory=ProfileFields)


class UserInfo(_Answer):
    """users.info: a person's name, email (with users:read.email) and locale."""

    user: Part[UserFields] = Field(default_factory=UserFields)

    def name_or(self, fallback: str) -> str:
        """The name people know them by: display name, then real name, then handle."""
        u, p = self.user, self.user.profile
        return p.display_name or p.real_name or u.real_name or u.name or fallback

    @property
    def email(self) -> str | None:
        return self.user.profile.email or None

    @property
    def locale(self) -> str | None:
        return self.user.locale or None


class MessageFields(_Answer):
    text: str | None = None
    thread_ts: str | None = None
    permalink: str | None = None


class ReactedMessage(_Answer):
    """reactions.get: the message a reaction points at (reaction_added carries no text)."""

    message: Part[MessageFields] = Field(default_factory=MessageFields)
    permalink: str | None = None

    @property
    def text(self) -> str:
        return self.message.text or ""

    @property
    def link(self) -> str | None:
        return self.message.permalink or self.permalink


class ViewFields(_Answer):
    id: str | None = None
    hash: str | None = None


class OpenedView(_Answer):
    """views.open and views.update: the modal's id and the hash that guards its next update."""

    view: Part[ViewFields] = Field(default_factory=ViewFields)

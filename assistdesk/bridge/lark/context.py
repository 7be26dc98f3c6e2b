"""What every Lark use case needs: the database, the words, the links, and the Open API client.

The client is built on first use: importing lark-oapi takes seconds, and CLI commands that never
call Lark must not pay for it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from assistdesk.db.uow import Database
from assistdesk.i18n import Catalogs, Translator, normalise

if TYPE_CHECKING:
    from assistdesk.platforms.lark.client import LarkApi

DOMAIN = "lark"  # the translation catalog


def default_locale(domain: str) -> str:
    """A tenant's language when Lark does not tell the user's: Feishu tenants read Chinese."""
    return "zh_Hans" if "feishu.cn" in domain else "en"


@dataclass
class LarkContext:
    db: Database
    catalogs: Catalogs
    public_url: str
    prefix: str
    fallback_locale: str
    connect: Callable[[], LarkApi]  # builds the Open API client: importing lark-oapi takes seconds
    _api: LarkApi | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @property
    def api(self) -> LarkApi:
        """Built on first use, so CLI commands that never call Lark never import lark-oapi."""
        if self._api is None:
            with self._lock:
                if self._api is None:
                    self._api = self.connect()
        return self._api

    def locale(self, *candidates: str | None) -> str:
        for raw in candidates:
            found = normalise(raw)
            if found:
                return found
        return self.fallback_locale

    def translator(self, locale: str | None) -> Translator:
        return self.catalogs.translator(self.locale(locale), DOMAIN)

    @property
    def features_url(self) -> str:
        return f"{self.public_url}/help/features"

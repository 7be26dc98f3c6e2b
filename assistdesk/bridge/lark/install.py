"""Switching Lark on: the installer the composition root calls (runtime._install_chat_platforms).

Lark is on when LARK_APP_ID and LARK_APP_SECRET are set; otherwise it is off, logged once, never a
crash (INTERFACE.md). Installing imports nothing of lark-oapi (see `wiring`).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from assistdesk.bridge.host import ChannelHost

if TYPE_CHECKING:
    from assistdesk.bridge.lark.wiring import LarkIntegration

log = logging.getLogger(__name__)


def install(host: ChannelHost) -> LarkIntegration | None:
    if not host.settings.lark_enabled:
        log.info("Lark is off (set LARK_APP_ID and LARK_APP_SECRET to switch it on)")
        return None
    from assistdesk.bridge.lark.wiring import wire

    return wire(host)

"""`@bot help` and `@bot status SUP-12`: the words after the mention, in English, Japanese or Chinese.

Anything else after a mention is a problem description, which opens the request form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

HELP_WORDS = {"help", "?", "ヘルプ", "帮助"}
STATUS_WORDS = {"status", "ステータス", "状态", "狀態"}
_KEY = re.compile(r"^[A-Za-z0-9]{1,16}-\d{1,12}$")


@dataclass(frozen=True)
class Command:
    name: str  # help | status
    key: str | None = None


def parse(text: str) -> Command | None:
    words = text.split()
    if not words:
        return None
    first = words[0].lower()
    if first in HELP_WORDS and len(words) == 1:
        return Command("help")
    if first in STATUS_WORDS and len(words) <= 2:
        key = words[1].upper() if len(words) == 2 else None
        return Command("status", key if key and _KEY.match(key) else None)
    return None

"""Every text the Slack app shows (platforms/slack, bridge/slack) is in Japanese and Chinese."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent.parent / "assistdesk"
KEYWORDS = {"_": None, "N_": None}


def _shown() -> set[str]:
    found: set[str] = set()
    for directory in (ROOT / "platforms" / "slack", ROOT / "bridge" / "slack"):
        for _, _, message, _, _ in extract_from_dir(str(directory), [("**.py", "python")], keywords=KEYWORDS):
            found.add(message[0] if isinstance(message, tuple) else message)
    return found


@pytest.mark.parametrize("locale", ["ja", "zh_Hans"])
def test_every_slack_text_is_translated(locale: str) -> None:
    translated: set[str] = set()
    for domain in ("slack", "common"):
        with (ROOT / "locale" / locale / "LC_MESSAGES" / f"{domain}.po").open("rb") as handle:
            translated |= {m.id for m in read_po(handle) if m.id and m.string and isinstance(m.id, str)}
    assert sorted(_shown() - translated) == []

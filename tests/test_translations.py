"""Every string the help center, the console, the login mail and the bots show has its Japanese translation."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent / "assistdesk"
LOCALE = ROOT / "locale" / "ja" / "LC_MESSAGES"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "_t": (2,)}


def _msgids(directory: Path) -> set[str]:
    method_map = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
    found = set()
    for _, _, message, _, _ in extract_from_dir(str(directory), method_map, keywords=KEYWORDS):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_the_web_pages_and_login_mail_are_translated_to_japanese() -> None:
    translated = set()
    for domain in ("web", "common", "slack", "lark"):
        with (LOCALE / f"{domain}.po").open("rb") as handle:
            catalog = read_po(handle)
        translated |= {m.id[0] if isinstance(m.id, tuple) else m.id for m in catalog if m.id and m.string}
    shown = _msgids(ROOT / "web") | _msgids(ROOT / "bridge")  # bridge: the login mail (and bot texts)
    missing = sorted(shown - translated)
    assert missing == [], f"add these to assistdesk/locale/ja/LC_MESSAGES/web.po: {missing}"

"""Translations, shared by the help center, the console and the bots.

Catalogs are gettext `.po` files under `assistdesk/locale/<lang>/LC_MESSAGES/<domain>.po`, compiled in
memory when first used (no build step). Domains: `common` (statuses, severities, words every surface
shows), `web`, `slack`, `lark`. A lookup tries the surface's domain, then `common`, then the English
msgid itself.

Extract new strings with `uv run pybabel extract -F babel.cfg -o /tmp/messages.pot assistdesk` and merge
them into the domain's `.po` files.
"""

from __future__ import annotations

import gettext
import io
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DEFAULT = "en"
SUPPORTED = ("en", "ja", "zh_Hans")
DOMAINS = ("common", "web", "slack", "lark")

_ALIASES = {
    "en": "en",
    "ja": "ja",
    "zh": "zh_Hans",
    "zh_hans": "zh_Hans",
    "zh_cn": "zh_Hans",
    "zh_sg": "zh_Hans",
}


def normalise(raw: str | None) -> str | None:
    """Map platform and browser locale spellings to ours: `ja-JP`, `ja_jp` → `ja`; `zh-CN`,
    `zh_cn`, `zh-Hans` → `zh_Hans`; `en-US`, `en_us` → `en`. None when unsupported."""
    if not raw:
        return None
    key = raw.strip().replace("-", "_").lower()
    if key in _ALIASES:
        return _ALIASES[key]
    language = key.split("_", 1)[0]
    if language == "zh":
        # Traditional Chinese (zh_TW, zh_HK, zh_Hant) is not translated; English is safer than
        # Simplified for those readers.
        return None if any(t in key for t in ("tw", "hk", "hant")) else "zh_Hans"
    return _ALIASES.get(language)


def negotiate(preferences: list[str] | str | None) -> str:
    """The first supported locale among `preferences` (an Accept-Language header, or a list)."""
    if isinstance(preferences, str):
        items = []
        for part in preferences.split(","):
            tag, _, params = part.strip().partition(";")
            quality = 1.0
            if params.strip().startswith("q="):
                try:
                    quality = float(params.strip()[2:])
                except ValueError:
                    quality = 0.0
            if tag:
                items.append((quality, tag))
        ordered = [tag for _, tag in sorted(items, key=lambda item: -item[0])]
    else:
        ordered = list(preferences or [])
    for tag in ordered:
        found = normalise(tag)
        if found:
            return found
    return DEFAULT


@dataclass(frozen=True)
class Translator:
    """`_("Ticket {key} created", key="SUP-1")` in one locale and one domain."""

    locale: str
    _chain: tuple[gettext.NullTranslations, ...]

    def __call__(self, message: str, /, **params: Any) -> str:
        return self.gettext(message, **params)

    def gettext(self, message: str, /, **params: Any) -> str:
        text = message
        for translations in self._chain:
            found = translations.gettext(message)
            if found != message:
                text = found
                break
        return text.format(**params) if params else text

    def ngettext(self, singular: str, plural: str, n: int, /, **params: Any) -> str:
        text = singular if n == 1 else plural
        for translations in self._chain:
            found = translations.ngettext(singular, plural, n)
            if found not in (singular, plural):
                text = found
                break
        return text.format(n=n, **params)


class Catalogs:
    """Loads each (locale, domain) catalog once; thread-safe."""

    def __init__(self, directory: Path = LOCALE_DIR) -> None:
        self._directory = directory
        self._loaded: dict[tuple[str, str], gettext.NullTranslations] = {}
        self._lock = threading.Lock()
        # Translators by (locale as asked, domain): a page asks for one on every request.
        self._translators: dict[tuple[str | None, str], Translator] = {}

    def _load(self, locale: str, domain: str) -> gettext.NullTranslations:
        key = (locale, domain)
        with self._lock:
            if key not in self._loaded:
                self._loaded[key] = self._compile(locale, domain)
            return self._loaded[key]

    def _compile(self, locale: str, domain: str) -> gettext.NullTranslations:
        path = self._directory / locale / "LC_MESSAGES" / f"{domain}.po"
        if locale == DEFAULT or not path.exists():
            return gettext.NullTranslations()
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=locale, domain=domain)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        return gettext.GNUTranslations(buffer)

    def translator(self, locale: str | None, domain: str = "common") -> Translator:
        found = self._translators.get((locale, domain))
        if found is None:
            chosen = normalise(locale) or DEFAULT
            chain = tuple(self._load(chosen, d) for d in dict.fromkeys((domain, "common")))
            found = Translator(chosen, chain)
            if len(self._translators) < 1000:  # locales as asked: a few spellings each
                self._translators[(locale, domain)] = found
        return found

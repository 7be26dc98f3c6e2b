"""What a person wrote, without the quoted history and the signature, and the ticket key and title
of a subject line.

Quote stripping is mail-parser-reply's job: it knows the "On … wrote:" lines of Gmail, Outlook's
"From:/Sent:" blocks and Apple Mail's, in many languages, Japanese among them.
"""

from __future__ import annotations

import re

from mailparser_reply import EmailReplyParser

LANGUAGES = ("en", "ja", "de", "fr", "es", "zh", "nl", "it", "pt", "sv", "pl")
# Reply and forward prefixes of English, German, French, Spanish, Dutch, Nordic, Japanese and
# Chinese mail clients, repeated any number of times ("Re: AW: Fwd:").
_PREFIX = re.compile(
    r"^\s*(?:(?:re|fw|fwd|aw|wg|sv|vs|rv|tr|antw|ref|答复|回复|转发|返信|転送|Ｒｅ|ＲＥ)\s*(?:\[\d+\])?\s*[:：]\s*)+",
    re.IGNORECASE,
)
# Japanese clients also quote with `>` only, which the parser handles; Gmail's Japanese header
# ("2026年12月7日(月) 10:00 山田 <...>:") is in mail-parser-reply's `ja` rules.
_WROTE_FALLBACK = re.compile(
    r"^\s*(?:On .{5,200} wrote:|.{5,200}(?:のメッセージ|さんは書きました|wrote):?\s*)$"
)


def latest_reply(text: str) -> str:
    """The newest part of a mail body. Never empty for a non-empty body: when the parser finds
    nothing above the quote (a mail that is only a quote), the whole text is kept."""
    cleaned = text.replace("\r\n", "\n").strip()
    if not cleaned:
        return ""
    try:
        reply = EmailReplyParser(languages=list(LANGUAGES)).parse_reply(cleaned)
    except Exception:  # the parser is heuristics over regular expressions; a body must not stop the mail
        reply = None
    result = _drop_signature((reply or "").strip())
    return _drop_quote_lines(result) or cleaned


def _drop_signature(text: str) -> str:
    """Everything after the RFC 3676 signature separator, a line of `-- `."""
    lines = text.split("\n")
    for index, line in enumerate(lines):
        if line.rstrip() == "--" and index > 0:
            return "\n".join(lines[:index]).strip()
    return text


def _drop_quote_lines(text: str) -> str:
    lines = text.split("\n")
    while lines and (
        lines[-1].lstrip().startswith(">") or _WROTE_FALLBACK.match(lines[-1]) or not lines[-1].strip()
    ):
        lines.pop()
    return "\n".join(lines).strip()


def _is_quote_tail(line: str) -> bool:
    return not line.strip() or line.lstrip().startswith(">") or _WROTE_FALLBACK.match(line) is not None


def clean_subject(subject: str) -> str:
    return _PREFIX.sub("", subject).strip()


def ticket_key(subject: str, prefix: str) -> str | None:
    """`[SUP-12]` anywhere in the subject."""
    found = re.search(rf"\[({re.escape(prefix)}-\d+)\]", subject, re.IGNORECASE)
    return found.group(1).upper() if found else None


def title_of(subject: str, prefix: str) -> str:
    """The subject without reply prefixes and without our `[KEY]`."""
    title = clean_subject(subject)
    title = re.sub(rf"\[{re.escape(prefix)}-\d+\]\s*", "", title, flags=re.IGNORECASE)
    return clean_subject(title)

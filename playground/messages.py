"""Messages in the reader's language: errors with their hints, and the summaries handlers return.

English is what the code writes. `translate(text, lang)` gives the Chinese from presets/messages.json
(exact strings, then templates whose {parts} are kept; a part that is itself a known message is translated
too); `label(text)` also knows the page's labels (presets/i18n.json), for the names of columns, checks
and fixes a handler writes. The provider's own words (`ProviderError.provider_message`) are always kept
verbatim.

Which language a call wants: `language()` asks the lookup the UI registers (the Gradio request of the
event being handled): the `vcp-lang` cookie the page's language switch sets, else the request's
Accept-Language. gradio_client and other API callers send neither, so they get English unless they
send `Accept-Language: zh-CN`. Imports neither gradio nor httpx.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import overload

from playground import presets
from playground.errors import PlaygroundError, ProviderError

EN, ZH = "en", "zh-CN"
COOKIE = "vcp-lang"
SEGMENT_SEP = " · "
BULLET = re.compile(r"^(\s*(?:[-*]\s+)?(?:(?:ℹ️|⚠️|❌|✅|ℹ|⚠)\s*)?)(?=\S)(?!\*\*)(.+)$")  # a list mark, an icon


def _no_headers() -> dict[str, str] | None:
    return None


_headers_lookup: Callable[[], dict[str, str] | None] = _no_headers


def use_headers_lookup(lookup: Callable[[], dict[str, str] | None]) -> None:
    """The UI registers how to read the headers of the request being handled (lower-case names)."""
    global _headers_lookup
    _headers_lookup = lookup


def language_of(headers: dict[str, str] | None) -> str:
    """`zh-CN` when the cookie says so, or (no cookie) Accept-Language prefers Chinese; else `en`."""
    if not headers:
        return EN
    for part in (headers.get("cookie") or "").split(";"):
        name, _, value = part.strip().partition("=")
        if name == COOKIE:
            return ZH if value.strip().lower().startswith("zh") else EN
    best, best_q = EN, -1.0
    for item in (headers.get("accept-language") or "").split(","):
        tag, _, params = item.strip().partition(";")
        try:
            q = float(params.strip()[2:]) if params.strip().startswith("q=") else 1.0
        except ValueError:
            q = 0.0
        if tag and q > best_q:
            best, best_q = (ZH if tag.lower().startswith("zh") else EN), q
    return best


def language() -> str:
    try:
        return language_of(_headers_lookup())
    except Exception:  # outside a request: English
        return EN


@lru_cache(maxsize=1)
def _catalog() -> tuple[dict[str, str], list[tuple[re.Pattern, str]], dict[str, str], list[tuple[re.Pattern, str]]]:
    """(messages.json strings, its templates, the UI labels of i18n.json, the templates of both files),
    the most specific wording first."""
    doc, ui = presets.load("messages"), presets.load("i18n")

    def compiled(rows: list[dict]) -> list[tuple[re.Pattern, str]]:
        rows = sorted(rows, key=lambda row: -len(re.sub(r"\{\w+\}", "", row["en"])))
        return [(compile_template(row["en"]), row[ZH]) for row in rows]

    return doc["strings"], compiled(doc["templates"]), ui["strings"], compiled([*doc["templates"], *ui["templates"]])


def compile_template(english: str) -> re.Pattern:
    """`"{label} is overloaded"` -> a regex with one named group per {part}."""
    parts = re.split(r"(\{\w+\})", english)
    pattern = "".join(f"(?P<{p[1:-1]}>.+?)" if re.fullmatch(r"\{\w+\}", p) else re.escape(p) for p in parts)
    # a one-line wording never matches across lines: a multi-line text is translated line by line
    return re.compile(f"^{pattern}$", re.S if "\n" in english else 0)


def _fill(text: str, templates: list[tuple[re.Pattern, str]], strings: dict[str, str]) -> str | None:
    for pattern, target in templates:
        match = pattern.match(text)
        if match:
            return target.format(**{k: _part(v, strings) for k, v in match.groupdict().items()})
    return None


def chinese(text: str) -> str | None:
    """The Chinese of one English message, or None when the catalog does not know it."""
    strings, templates, _, _ = _catalog()
    if text in strings:
        return strings[text]
    return _fill(text, templates, strings)


def label(text: str, lang: str | None = None) -> str:
    """A column name, a check's or a fix's name written by a handler (not a sentence): the messages,
    then the page's own labels (presets/i18n.json). Kept apart from translate(), which every handler
    output goes through: a value such as "happy" or "English" must stay the value it is."""
    if not text or (lang or language()) != ZH:
        return text
    strings, _, ui_labels, all_templates = _catalog()
    return strings.get(text) or ui_labels.get(text) or _fill(text, all_templates, strings) or text


def _part(value: str, strings: dict[str, str]) -> str:
    """A template part: a known message or template is translated (a part is shorter than its text, so
    this ends), and so is a trailing " (sandbox)"."""
    if value in strings:
        return strings[value]
    nested = chinese(value) if value.strip() else None
    if nested is not None:
        return nested
    if SEGMENT_SEP in value:  # a template's last part ran on over "a · b" segments: each is a message
        return SEGMENT_SEP.join(_part(seg, strings) for seg in value.split(SEGMENT_SEP))
    if value.endswith(" (sandbox)"):
        return value[: -len(" (sandbox)")] + strings.get("(sandbox)", " (sandbox)")
    return value


@overload
def translate(text: str, lang: str | None = None) -> str: ...
@overload
def translate(text: None, lang: str | None = None) -> None: ...
@overload
def translate(text: str | None, lang: str | None = None) -> str | None: ...
def translate(text: str | None, lang: str | None = None) -> str | None:
    """`text` in `lang` (default: the current request's). Unknown text comes back unchanged; a summary
    of `a · b · c` segments is translated segment by segment, and so are its lines."""
    if not text or (lang or language()) != ZH:
        return text
    whole = chinese(text)
    if whole is not None:
        return whole
    if "\n" in text:
        return "\n".join(translate(line, ZH) or "" for line in text.split("\n"))
    bullet = BULLET.match(text)
    if bullet and bullet.group(1):  # "- ℹ️ a note": the note is the message
        return bullet.group(1) + (translate(bullet.group(2), ZH) or "")
    if SEGMENT_SEP in text:
        return SEGMENT_SEP.join(chinese(seg) or seg for seg in text.split(SEGMENT_SEP))
    return text


def user_message(exc: PlaygroundError, lang: str | None = None) -> str:
    """What the person reads for a typed error, in their language (the provider's words verbatim)."""
    lang = lang or language()
    if lang != ZH:
        return exc.user_message()
    message = translate(exc.message, ZH) or exc.message
    hint = translate(exc.hint, ZH) if exc.hint else None
    if not isinstance(exc, ProviderError):
        return f"{message}{hint}" if hint else message
    evidence = []
    if exc.status is not None:
        evidence.append(f"HTTP {exc.status}")
    if exc.code not in (None, ""):
        evidence.append(f"代码 {exc.code}")
    if exc.request_id:
        evidence.append(f"请求 ID {exc.request_id}")
    parts = [f"{message}（{'，'.join(evidence)}）" if evidence else message]
    if exc.provider_message:
        parts.append(f"服务商原话：{exc.provider_message}")
    if hint:
        parts.append(hint)
    out = ""
    for part in parts:
        part = part if part.endswith(("。", "！", "？", ".", "!", "?", "…")) else part + "。"
        out += (" " if out.endswith((".", "!", "?")) else "") + part
    return out

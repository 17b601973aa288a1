"""The UI in English and Chinese, with as few edits to the tabs as possible.

`localize(demo)` runs once after the app is built: it walks every block and replaces the
English strings it knows (labels, info, placeholders, buttons, Markdown, tab titles, choice
labels, table headers) by Gradio i18n markers. The table is presets/i18n.json: exact strings,
plus templates such as "{label} API key (…)" whose {parts} are kept as they are. Gradio's
frontend translates the markers with `I18N` (passed to launch: layout.launch_kwargs()), following
the browser's language; `build_language_switch()` adds a switch that remembers the choice in the
browser. Messages from handlers (gr.Error, summaries) are translated on the server: playground/messages.py.
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import lru_cache
from typing import Any

import gradio as gr

from playground import presets
from playground.messages import compile_template
from playground.ui.event_args import EventOptions

ZH = "zh-CN"
LOCALES = (ZH, "zh")  # Gradio maps a bare `zh` browser locale to English unless it has its own table
I18N = gr.I18n(en={}, **{locale: {} for locale in LOCALES})
STORAGE_KEY = "vcp-lang"
COOKIE = "vcp-lang"  # the same choice, sent with every event so handler messages follow it (messages.py)
TEXT_ATTRS = ("label", "info", "placeholder")
KEPT_PARTS = {"api", "label"}  # template parts that are names (an API parameter, a provider), never translated
SWITCH_ID = "vcp-lang"  # its choices stay "English" / "中文" in both languages
# Text the markers cannot reach is translated in the browser (see _TRANSLATE_JS): table headers (a marker
# there shows raw), the key status and the empty sample card (HTML), button labels set by handlers, the
# toast's title (Gradio 6.31 writes it from the toast's type, "Error", outside its own i18n), and the
# navigation bar and title (ui/pages/chrome.py, HTML).
BROWSER_SELECTORS = "th, .vcp-key-status, .clinic-card.empty, button, .toast-title, .vcp-nav a, #vcp-title h1"


@lru_cache(maxsize=1)
def _table() -> tuple[dict[str, str], list[tuple[re.Pattern, str]]]:
    doc = presets.load("i18n")
    templates = []
    for row in doc["templates"]:
        templates.append((compile_template(row["en"]), row[ZH]))
    return doc["strings"], templates


def chinese(text: str) -> str | None:
    """The Chinese of an English UI string, or None when the table does not know it."""
    strings, templates = _table()
    if text in strings:
        return strings[text]
    for pattern, target in templates:
        match = pattern.match(text)
        if match:  # a part that is a known string is translated too (a help text before " · API: x"), not a name
            parts = match.groupdict()
            return target.format(**{k: v if k in KEPT_PARTS else strings.get(v, v) for k, v in parts.items()})
    return None


def marker(text: object) -> object:
    """An i18n marker string for known English text (registered in I18N); anything else unchanged."""
    if not isinstance(text, str) or not text.strip() or text.startswith("__i18n__"):
        return text
    zh = chinese(text)
    if zh is None:
        return text
    key = "vcp_" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]
    I18N.translations["en"][key] = text
    for locale in LOCALES:
        I18N.translations[locale][key] = zh
    return str(I18N(key))


def _choices(choices: list) -> list:
    out = []
    for choice in choices:
        if isinstance(choice, (tuple, list)) and len(choice) == 2:
            out.append((marker(choice[0]), choice[1]))
        else:
            out.append(choice)
    return out


def localize(demo: gr.Blocks) -> gr.Blocks:
    """Swap every known English string of the built app for its i18n marker (idempotent)."""
    for block in demo.blocks.values():
        for attr in TEXT_ATTRS:
            value = getattr(block, attr, None)
            if isinstance(value, str):
                setattr(block, attr, marker(value))
        if isinstance(block, (gr.Button, gr.Markdown)) and isinstance(block.value, str):
            block.value = marker(block.value)
        if (
            isinstance(block, (gr.Dropdown, gr.Radio, gr.CheckboxGroup))  # Gradio's only blocks with `choices`
            and isinstance(block.choices, list)
            and block.elem_id != SWITCH_ID
        ):
            block.choices = _choices(block.choices)
        # Dataframe headers: not markers (the frontend shows those raw); _TRANSLATE_JS relabels them
    return demo


def browser_table() -> dict:
    """The table for the in-browser pass: exact strings, and templates as JavaScript regex sources."""
    strings, templates = _table()
    return {"strings": strings, "templates": [[p.pattern.replace("(?P<", "(?<"), t] for p, t in templates]}


_SET_LOCALE_JS = """
async function vcpSetLocale(lang) {
  const urls = [...performance.getEntriesByType('resource').map(e => e.name),
                ...[...document.querySelectorAll('link[rel=modulepreload],script[type=module]')]
                  .map(e => e.href || e.src)];
  const url = urls.find(u => /\\/assets\\/core-[^/]*\\.js$/.test(u || ''));
  if (!url) return false;
  const core = await import(url);
  if (typeof core.changeLocale !== 'function') return false;
  core.changeLocale(lang);
  document.documentElement.lang = lang;
  // tab buttons of tabs not shown keep the label they were mounted with: relabel them from the table
  const table = (window.gradio_config || {}).i18n_translations || {};
  const target = table[lang] || {};
  const fix = () => document.querySelectorAll('button[role=tab]').forEach(b => {
    const text = b.textContent.trim();
    for (const loc of Object.keys(table)) {
      const key = Object.keys(table[loc]).find(k => table[loc][k] === text);
      if (key && target[key] && target[key] !== text) { b.textContent = target[key]; return; }
    }
  });
  setTimeout(fix, 50); setTimeout(fix, 600);
  return true;
}
"""


_TRANSLATE_JS = """
function vcpTranslate(lang) {
  window.vcpLang = lang;
  const T = window.vcpI18nTable;
  if (!T) return;
  T.compiled = T.compiled || T.templates.map(([source, target]) => [new RegExp(source, 's'), target]);
  const zhOf = (text) => {
    if (Object.prototype.hasOwnProperty.call(T.strings, text)) return T.strings[text];
    for (const [pattern, target] of T.compiled) {
      const m = pattern.exec(text);
      if (m) return target.replace(/\\{(\\w+)\\}/g, (_, k) => (m.groups || {})[k] ?? '');
    }
    return null;
  };
  const pass = () => {
    document.querySelectorAll(SELECTORS).forEach((el) => {
      const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const raw = n.nodeValue, text = raw.trim();
        if (!text) continue;
        if (window.vcpLang === 'ZH_LOCALE') {
          const zh = n.__vcpEn === undefined || n.__vcpZh !== text ? zhOf(text) : null;
          if (zh && zh !== text) { n.__vcpEn = text; n.__vcpZh = zh; n.nodeValue = raw.replace(text, zh); }
        } else if (n.__vcpEn !== undefined && n.__vcpZh === text) {
          n.nodeValue = raw.replace(text, n.__vcpEn); n.__vcpEn = undefined;
        }
      }
    });
  };
  pass();
  if (!window.vcpI18nObserver) {
    let timer = null;
    window.vcpI18nObserver = new MutationObserver(() => {
      if (timer) return;
      timer = setTimeout(() => { timer = null; pass(); }, 60);
    });
    window.vcpI18nObserver.observe(document.body, {childList: true, subtree: true, characterData: true});
  }
}
"""


# the language cookie travels like the visitor cookie (playground/identity.py): third-party-safe on https
_COOKIE_ATTRS_JS = "(location.protocol === 'https:' ? 'SameSite=None; Secure; Partitioned' : 'SameSite=Lax')"
TABLE_PATH = "/vcp-i18n.json"  # the browser pass's table, fetched once and cached (not in every page's config)

_LOAD_TABLE_JS = f"""
async function vcpLoadTable() {{
  if (window.vcpI18nTable) return;
  try {{
    const root = window.gradio_config?.root ? window.gradio_config.root + '/' : document.baseURI;
    const r = await fetch(new URL('.{TABLE_PATH}', root));
    if (r.ok) window.vcpI18nTable = await r.json();
  }} catch (e) {{}}
}}
"""


def _translate_js() -> str:
    return _LOAD_TABLE_JS + _TRANSLATE_JS.replace("SELECTORS", json.dumps(BROWSER_SELECTORS)).replace("ZH_LOCALE", ZH)


@lru_cache(maxsize=1)
def _table_bytes() -> bytes:
    return json.dumps(browser_table(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


async def _table_route(request):
    from starlette.responses import Response

    return Response(_table_bytes(), media_type="application/json", headers={"Cache-Control": "public, max-age=3600"})


def routes() -> list:
    from starlette.routing import Route

    return [Route(TABLE_PATH, _table_route, methods=["GET", "HEAD"])]


def by_language_js(by_language: dict[str, Any]) -> str:
    """A browser-only function (a load event's js) that returns the value for the page's language, by
    the same rule as the switch: the visitor's saved choice, else the browser's language. No call to
    the server: a component whose value depends on the language needs no callable `value=` (Gradio
    attaches those to every page's load, each visit calling the server once per page of the app)."""
    default = by_language.get("en")
    table = json.dumps(by_language, ensure_ascii=False)
    return (
        f"() => {{ let s = null; try {{ s = localStorage.getItem('{STORAGE_KEY}'); }} catch (e) {{}} "
        "const lang = s || ((navigator.language || '').toLowerCase().startsWith('zh') ? "
        f"'{ZH}' : 'en'); const table = {table}; "
        f"return Object.hasOwn(table, lang) ? table[lang] : {json.dumps(default, ensure_ascii=False)}; }}"
    )


def build_language_switch() -> gr.Radio:
    """English / 中文: follows the browser at first, then the user's choice (kept in localStorage)."""
    switch = gr.Radio(
        [("English", "en"), ("中文", ZH)],
        value="en",
        show_label=False,
        container=False,
        elem_id="vcp-lang",
        elem_classes=["vcp-lang"],
    )
    private: EventOptions = {"api_visibility": "private", "queue": False}
    switch.input(
        None,
        [switch],
        None,
        js=f"""async (lang) => {{ {_SET_LOCALE_JS} {_translate_js()}
        try {{ localStorage.setItem('{STORAGE_KEY}', lang); }} catch (e) {{}}
        document.cookie = '{COOKIE}=' + lang + '; path=/; ' + {_COOKIE_ATTRS_JS};
        await vcpSetLocale(lang); if (lang === '{ZH}') await vcpLoadTable(); vcpTranslate(lang); return []; }}""",
        **private,
    )
    root = gr.context.Context.root_block
    if root is not None:
        root.load(
            None,
            None,
            [switch],
            js=f"""async () => {{ {_SET_LOCALE_JS} {_translate_js()}
            let saved = null; try {{ saved = localStorage.getItem('{STORAGE_KEY}'); }} catch (e) {{}}
            const browser = (navigator.language || '').toLowerCase();
            const lang = saved || (browser.startsWith('zh') ? '{ZH}' : 'en');
            document.cookie = '{COOKIE}=' + lang + '; path=/; ' + {_COOKIE_ATTRS_JS};
            if (saved || (lang === '{ZH}' && navigator.language !== '{ZH}')) await vcpSetLocale(lang);
            if (lang === '{ZH}') await vcpLoadTable(); vcpTranslate(lang);
            return lang; }}""",
            **private,
        )
    return switch

"""The whole UI in Chinese: every top-level tab and sub-tab, opened in a zh-CN browser, shows no English label.

Text is collected with inner_text() on each visible tab panel after clicking its tab; a label counts as
left in English when one of its lines is exactly one of the English strings below (so example texts
and data may still contain the words). Screenshots: /tmp/i18n_<n>_<tab>.png.
"""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

# English labels, buttons, tab titles, Markdown and choice labels that must not be visible in Chinese
ENGLISH = [
    # clinic
    "Record or upload a clip to check it.",
    "Transcribe with",
    "Transcribe",
    "I have the right to clone this voice",
    "It is my own voice, or its owner agreed to have it cloned.",
    "Key not tested",
    # library
    "Voice library",
    "Voices",
    "History",
    "Sync with providers",
    "Sample sent",
    "Name",
    "Note",
    "Save name and note",
    "Use it",
    "also delete at the provider",
    "Export / import",
    "Clear history",
    "Take",
    "Replay",
    "Download as",
    "as made",
    "Re-run with the same settings",
    "Delete take",
    "entry",
    "provider",
    "voice id",
    "last used",
    "note",
    "sync",
    "time",
    "format",
    "audio",
    "text",
    "name",
    "model",
    "transcript",
    "status",
    "created",
    "type",
    "voice",
    "preview link",
    # compare
    "Compare",
    "Side by side",
    "Long text",
    "Second text, e.g. Chinese (optional: every pair speaks both)",
    "Provider / voice pairs (up to 8)",
    "Add voices from the library",
    "Blind mode: hide which is which until I vote",
    "Download all (zip)",
    "No votes yet.",
    "Example",
    "English example",
    "Provider / voice",
    "Output format",
    "Preview segments",
    "Speak long text",
    "pair",
    "first byte s",
    "first audio s",
    "total s",
    "duration s",
    "bytes",
    "cost",
    "characters",
    # code view
    "View code",
    # arena
    "Arena",
    "Clone everywhere",
    "Hear them all",
    "Make report",
    "Retry this row",
    "Providers",
    "Test script",
    "Which sounds more like you?",
    "Your voice sample",
    "Clone progress",
    # provider tabs
    "Upload voice",
    "Speak",
    "My voices",
    "Voice name",
    "Send as",
    "Test key",
    "Refresh",
    "Delete",
    "Cancel",
    "ALL",
    "all",
    "system",
    "Text",  # (PRIVATE/OFFICIAL also appear as data in voice tables) "Model", "Result", "Download",
]
STARTS = [
    "Every voice created in this app",
    "Speak one text with up to 8",
    "Text longer than a provider",
    "Remember on this browser",
    "The exact requests of your last run",
]

# rows are data (voice names, a Fish model's state "created"...), not labels: every table is replaced by the
# text of its header cells only. Gradio 6's dataframe draws its rows as divs (.virtual-body) beside a sizing
# <tbody> inside its <table>, so the whole .table-wrap goes, keeping the <thead> cells.
WITHOUT_TABLE_DATA = """el => { const copy = el.cloneNode(true);
    copy.querySelectorAll('.table-wrap, table').forEach(t => { if (!copy.contains(t)) return;  // inside a wrap already replaced
        const d = document.createElement('div');
        d.innerText = [...t.querySelectorAll('thead th')].map(h => h.innerText).join('\\n'); t.replaceWith(d); });
    document.body.appendChild(copy); const text = copy.innerText; copy.remove(); return text; }"""

MARK = """() => document.querySelectorAll('.tabs').forEach(t => { let d = 0, e = t.parentElement;
    while (e) { if (e.classList && e.classList.contains('tabs')) d++; e = e.parentElement; } t.dataset.vcpDepth = d; })"""


def _buttons(page, depth):
    page.evaluate(MARK)
    return page.locator(f".tabs[data-vcp-depth='{depth}'] > .tab-wrapper button[role=tab]:visible")


def _visit(page, depth, path, seen):
    """Click every tab of the tab set at this depth; recurse into the tab set inside its panel."""
    for i in range(_buttons(page, depth).count()):
        button = _buttons(page, depth).nth(i)
        name = button.inner_text().strip()
        button.click()
        page.wait_for_timeout(500)  # the panel mounts; the in-browser pass relabels table headers
        page.evaluate(MARK)
        here = [*path, name]
        panel = page.locator(f".tabs[data-vcp-depth='{depth}'] > .tabitem[role=tabpanel]:visible").first
        seen[" / ".join(here)] = panel.evaluate(WITHOUT_TABLE_DATA)  # rows are data (voice types...), not labels
        slug = re.sub(r"\W+", "_", "_".join(here)).strip("_")[:60]
        page.screenshot(path=f"/tmp/i18n_{len(seen):02d}_{slug}.png", full_page=True)
        if page.locator(f".tabs[data-vcp-depth='{depth + 1}']").count():
            _visit(page, depth + 1, here, seen)


def _a_fish_model_still_training(sandbox) -> None:
    """A voice model in state "created" for the app's sandbox key: the Fish table then has a data row
    (the first read of the list sees it untrained), which must not count as an English label."""
    import httpx

    from playground import config
    from tests.conftest import speech_wav

    wav = speech_wav("A voice model that has not trained yet.", 6.0)
    answer = httpx.post(
        sandbox.base_url("fishaudio") + "/model",
        headers={"Authorization": f"Bearer {config.SANDBOX_KEY}"},
        data={"type": "tts", "title": "untrained", "train_mode": "fast", "visibility": "private"},
        files=[("voices", ("a.wav", wav, "audio/wav"))],
        timeout=30,
        trust_env=False,
    )
    assert answer.status_code == 201 and answer.json()["state"] == "created", answer.text


def test_every_page_in_chinese(browser, app_url, sandbox):
    """Every page (ui/pages/) and every tab inside it, in a Chinese browser."""
    from playground.ui.pages import PAGES

    _a_fish_model_still_training(sandbox)
    context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(30_000)
    seen: dict[str, str] = {}
    for spec in PAGES:
        page.goto(f"{app_url}{spec.path}")
        page.wait_for_selector("#vcp-nav")
        page.wait_for_function("() => window.vcpLang === 'zh-CN'")
        page.wait_for_timeout(800)
        seen[f"<{spec.name}>"] = page.locator("body").evaluate(WITHOUT_TABLE_DATA)
        _visit(page, 0, [spec.name], seen)

    assert len([name for name in seen if name.startswith("<")]) == len(PAGES)
    assert any(name.startswith("Voice library / 声音") for name in seen), sorted(seen)  # the library's sub-tabs
    assert any(name.startswith("Compare / ") for name in seen), sorted(seen)
    assert any("查看代码" in text for text in seen.values()) and "我有权克隆这个声音" in seen["<Arena>"]

    left = []
    for where, text in seen.items():
        lines = {line.strip() for line in text.splitlines()}
        left += [(where, s) for s in ENGLISH if s in lines]
        left += [(where, s) for s in STARTS for line in lines if line.startswith(s)]
        left += [(where, "raw i18n marker") for line in lines if "__i18n__" in line]
    assert not left, left
    context.close()


def test_switch_back_to_english_restores_relabelled_text(browser, app_url):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(app_url + "siliconflow")  # the Voice Arena is the landing page; every provider has its own
    page.wait_for_selector("#siliconflow-key")
    page.wait_for_function(
        "() => document.querySelector('#siliconflow-key-status')?.innerText.includes('密钥尚未测试')"
    )
    page.locator("#vcp-lang label").filter(has_text="English").click()
    page.wait_for_function(
        "() => document.querySelector('#siliconflow-key-status')?.innerText.includes('Key not tested')"
    )
    page.wait_for_function("() => document.body.innerText.includes('Test key')")
    context.close()

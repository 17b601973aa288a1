"""The main actions in the Chinese page (upload, clone, speak, compare, library re-run) leave no English
sentence on screen: after each, no run of three or more English words outside names, ids, units and
code (tests/browser/english.py). Screenshots: test-artifacts/zh_walk_<width>_<step>.png."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from playground.ui.i18n import chinese
from tests.browser.english import english_runs
from tests.browser.steps import field, open_tab, wait_value

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _sub_tab(page, english: str) -> None:
    """A provider's inner tab (its steps wrap on a narrow screen: none is behind a menu)."""
    label = chinese(english) or english
    exact = re.compile(f"^{re.escape(label)}$")
    page.locator("button[role=tab]:visible").filter(has_text=exact).last.click()


def _upload(page, elem_id: str, path) -> None:
    page.locator(f"#{elem_id} [aria-label='Upload file']").first.click()
    page.locator(f"#{elem_id} input[type=file]").set_input_files(str(path))
    page.locator(f"#{elem_id} a[data-testid=download-link]").wait_for(state="attached")


def _fill(page, elem_id: str, text: str) -> None:
    box = field(page, elem_id)
    for _ in range(5):
        box.fill(text)
        page.wait_for_timeout(300)
        if box.input_value() == text:
            return
    raise AssertionError(f"#{elem_id} did not keep {text!r}")


@pytest.mark.parametrize("width", [1400, 390])
def test_the_main_actions_leave_no_english_in_the_chinese_page(browser, app_url, sandbox, mic_wav, width):
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(
        locale="zh-CN", viewport={"width": width, "height": 1000 if width > 500 else 844}, is_mobile=width < 500
    )
    page = context.new_page()
    page.set_default_timeout(45_000)
    page.goto(app_url)
    page.wait_for_function("() => window.vcpLang === 'zh-CN'")
    problems: list[str] = []

    def check(step: str, root: str = "body") -> None:
        page.wait_for_timeout(700)  # the in-browser pass runs 60 ms after the last change
        page.screenshot(path=str(ARTIFACTS / f"zh_walk_{width}_{step}.png"), full_page=True)
        problems.extend(f"{step}: {run}" for run in english_runs(page, root))

    # SiliconFlow: upload a voice, then speak with it (it is already chosen)
    open_tab(page, "SiliconFlow", "sf")
    _upload(page, "sf-upload-audio", mic_wav)
    _fill(page, "sf-upload-name", "walk-voice")
    _fill(page, "sf-upload-text", "Hello, this is my voice. I am recording a sample for the playground.")
    page.locator("#sf-upload-consent input[type=checkbox]").check()
    page.locator("#sf-upload-btn").click()
    wait_value(page, "sf-upload-uri")
    check("01_sf_upload")
    _sub_tab(page, "Speak")
    _fill(page, "sf-speak-text", "你好，这是我的声音。")
    page.locator("#sf-speak-btn").click()
    page.locator("#sf-speak-info").get_by_text("完成").wait_for(timeout=60_000)
    check("02_sf_speak")
    _sub_tab(page, "My voices")
    # the table draws only the rows in view (other tests' voices may come first): wait for it to have rows
    page.wait_for_function(
        "() => (document.querySelector('#sf-voices-table')?.innerText || '').split('\\n').length > 3"
    )
    check("02a_sf_voices")

    # MiniMax: the form before anything (Gradio's own "Record", the microphone picker), upload, clone, speak
    open_tab(page, "MiniMax", "mm")
    check("03a_mm_open")
    _upload(page, "mm-upload-audio", mic_wav)
    page.locator("#mm-upload-consent input[type=checkbox]").check()
    page.locator("#mm-upload-btn").click()
    wait_value(page, "mm-upload-file-id")
    check("03_mm_upload")
    _sub_tab(page, "Clone voice")
    voice_id = f"Walk_voice_{width}"
    _fill(page, "mm-clone-voice-id", voice_id)
    page.locator("#mm-clone-voice-check").get_by_text(voice_id, exact=True).wait_for()
    page.locator("#mm-clone-btn").click()
    page.locator("#mm-clone-info").get_by_text(voice_id, exact=True).wait_for(timeout=60_000)
    check("04_mm_clone")
    _sub_tab(page, "Text to speech")
    _fill(page, "mm-speak-text", "你好，这是我克隆的声音。")
    page.locator("#mm-speak-stream input").check()
    page.locator("#mm-speak-btn").click()
    page.locator("#mm-speak-info").get_by_text("完成").wait_for(timeout=60_000)
    # the stream has ended and played: the live box's Stop button is gone
    page.wait_for_function(
        "() => { const b = document.querySelector('#mm-speak-live .vcp-live-stop');"
        " return b && getComputedStyle(b).display === 'none'; }",
        timeout=30_000,
    )
    check("05_mm_speak")
    _sub_tab(page, "Voices (list / delete)")
    # the table draws only the rows in view (other tests' voices may come first): wait for it to have rows
    page.wait_for_function(
        "() => (document.querySelector('#mm-voices-table')?.innerText || '').split('\\n').length > 3"
    )
    check("05a_mm_voices")

    # Compare: the default three pairs
    open_tab_named(page, chinese("Compare") or "Compare")
    page.locator("#cmp-run").click()
    for i in range(3):
        page.locator(f"#cmp-cell-{i}-figures").get_by_text(chinese("total") or "total").first.wait_for(timeout=90_000)
    check("06_compare")

    # Voice library: History, pick this walk's own take (its Chinese text), re-run it (confirm first)
    open_tab_named(page, chinese("Voice library") or "Voice library")
    _sub_tab(page, "History")
    page.locator("#lib-history-refresh").click()
    page.wait_for_function("() => document.querySelector('#lib-history-table')?.innerText.includes('你好')")
    page.locator("#lib-take-pick input").click()
    page.locator("#lib-take-pick li[role=option]").filter(has_text="你好").first.click()
    page.locator("#lib-take-rerun").click()
    page.locator("#lib-take-rerun-confirm").wait_for(state="visible")
    check("07_library_rerun_preview")
    page.locator("#lib-take-rerun-confirm").click()
    page.locator("#lib-take-rerun-confirm").wait_for(state="hidden", timeout=60_000)
    page.wait_for_function(  # the History table has come back from its refresh
        "() => { const t = document.querySelector('#lib-history-table');"
        " const s = t?.querySelector('[data-testid=status-tracker]');"
        " return t && t.innerText.includes('你好') && (!s || s.classList.contains('hide')); }"
    )
    check("08_library_rerun_done")

    # an error: its toast (title and message) and the result area
    open_tab(page, "SiliconFlow", "sf")
    _sub_tab(page, "Speak")
    _fill(page, "sf-speak-text", "   ")
    page.locator("#sf-speak-btn").click()
    page.locator(".toast-body").first.wait_for()
    # the message stays in the result area (not only a red pill), and the toast's title is Chinese too
    page.locator("#sf-speak-info").get_by_text("为空").wait_for()
    page.wait_for_function("() => document.querySelector('.toast-title')?.innerText.trim() === '错误'")
    check("09_error")
    context.close()

    # the scanner sees English where there is English (the same page in English)
    english = browser.new_context(locale="en-US", viewport={"width": width, "height": 1000})
    en_page = english.new_page()
    en_page.goto(app_url)
    en_page.wait_for_selector("#vcp-first-step")
    assert english_runs(en_page), "the English page should show English runs"
    english.close()
    assert not problems, "English left in the Chinese page:\n" + "\n".join(problems)


def open_tab_named(page, label: str) -> None:
    """Another page by its link in the navigation bar (one tap, as a visitor would), named as shown."""
    page.locator("#vcp-nav a").filter(has_text=re.compile(f"^{re.escape(label)}$")).first.click()
    page.wait_for_load_state("load")
    page.wait_for_selector("#vcp-nav")
    page.wait_for_timeout(800)  # the page's load events: language, held keys, first refresh

"""The Scripts page ({app_url}/scripts) in a browser, in English and Chinese (page locale zh-CN), at a
phone width (390 px) and a desktop width (1400 px): a dialogue is spoken into a playable track with
its subtitles and timing table, and the example subtitles are dubbed; nothing overflows sideways.
The table fills in line by line while the lines are spoken, and Cancel stops a run.
Screenshots: test-artifacts/scripts_<mode>_<locale>_<width>.png."""

from __future__ import annotations

import pytest

from tests.browser.conftest import fetch_audio_bytes
from tests.browser.test_layout_browser import ARTIFACTS, OVERFLOW

pytestmark = pytest.mark.browser

WORDS = {
    "en-US": {
        "dialogue": "Dialogue",
        "dubbing": "Dubbing",
        "run": "Speak script",
        "spoken": "4 of 4 lines spoken",
        "dubbed": "3 of 3 cues dubbed",
        "header": "speaker",
    },
    "zh-CN": {
        "dialogue": "对白",
        "dubbing": "配音",
        "run": "朗读剧本",
        "spoken": "已朗读 4/4 行",
        "dubbed": "已配音 3/3 条字幕",
        "header": "说话人",
    },
}


def _open(browser, app_url, locale: str, width: int):
    context = browser.new_context(
        locale=locale,
        viewport={"width": width, "height": 900 if width > 500 else 844},
        is_mobile=width < 500,
        has_touch=width < 500,
    )
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(app_url + "scripts")
    page.locator("#dlg-run").wait_for(state="visible")
    return context, page


def _no_overflow(page) -> None:
    found = page.evaluate(OVERFLOW)
    assert found["scroll"] <= found["width"] + 1 and not found["wide"], found


@pytest.mark.parametrize("width", [390, 1400])
@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_both_modes(browser, app_url, sandbox, locale, width):
    ARTIFACTS.mkdir(exist_ok=True)
    words = WORDS[locale]
    context, page = _open(browser, app_url, locale, width)
    try:
        assert page.locator("#dlg-run").inner_text().strip() == words["run"]
        if locale == "zh-CN":  # the Chinese example: Chinese names, Zhipu for one of them
            page.locator("#dlg-example label").filter(has_text="中文示例").click()
            page.wait_for_function("() => document.querySelector('#dlg-script textarea').value.includes('小安')")
        _no_overflow(page)
        page.locator("#dlg-run").click()
        page.locator("#dlg-summary").get_by_text(words["spoken"]).wait_for()
        track = fetch_audio_bytes(page, "dlg-track")
        assert track[:4] == b"RIFF" and len(track) > 50_000
        page.locator("#dlg-srt a").first.wait_for(state="attached")
        page.locator("#dlg-zip a").first.wait_for(state="attached")
        assert words["header"] in page.locator("#dlg-table").inner_text()
        _no_overflow(page)
        page.screenshot(path=str(ARTIFACTS / f"scripts_dialogue_{locale}_{width}.png"), full_page=True)

        page.get_by_role("tab", name=words["dubbing"], exact=True).click()
        page.locator("#dub-example").click()
        page.locator("#dub-file a").first.wait_for(state="attached")  # the example file is in the box
        page.locator("#dub-run").click()
        page.locator("#dub-summary").get_by_text(words["dubbed"]).wait_for()
        track = fetch_audio_bytes(page, "dub-track")
        assert track[:4] == b"RIFF" and len(track) > 50_000
        table = page.locator("#dub-table").inner_text()
        assert all(t in table for t in ("00:00:00,500", "00:00:03,000", "00:00:05,500")), table  # the cues' slots
        _no_overflow(page)
        page.screenshot(path=str(ARTIFACTS / f"scripts_dubbing_{locale}_{width}.png"), full_page=True)
    finally:
        context.close()


def test_add_to_cast_writes_the_line(browser, app_url, sandbox):
    context, page = _open(browser, app_url, "en-US", 1400)
    try:
        page.locator("#dlg-cast-name input, #dlg-cast-name textarea").first.fill("Carol")
        page.locator("#dlg-cast-voice input").fill("tongtong")
        page.get_by_role("option", name="Zhipu BigModel · 彤彤 tongtong").click()
        page.locator("#dlg-cast-add").click()
        page.wait_for_function(
            "() => document.querySelector('#dlg-cast textarea').value.endsWith('Carol = zhipu|tongtong')"
        )
    finally:
        context.close()


def test_the_table_fills_in_line_by_line_and_cancel_stops_the_run(browser, app_url, sandbox):
    sandbox.set_latency("siliconflow", first_byte_s=6.0)  # Anna's lines are slow, Ben's are not
    context, page = _open(browser, app_url, "en-US", 1400)
    try:
        page.locator("#dlg-run").click()
        # Ben's line is done and shown while Anna's are still being spoken
        page.locator("#dlg-table").get_by_text("done").first.wait_for(timeout=20_000)
        assert page.locator("#dlg-table").get_by_text("speaking…").count() >= 1
        page.screenshot(path=str(ARTIFACTS / "scripts_dialogue_progress.png"), full_page=True)
        page.locator("#dlg-cancel").click()
        page.wait_for_timeout(7_000)  # past the slow lines' latency: nothing more arrives
        assert "lines spoken" not in page.locator("#dlg-summary").inner_text()
        assert page.locator("#dlg-run").is_enabled()
    finally:
        context.close()

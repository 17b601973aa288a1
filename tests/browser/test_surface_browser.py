"""The page's surface at a phone (390 px) and a desktop (1400 px), in English and Chinese: the key status,
the Transcribe button, dropdown text and the microphone picker are not clipped; the sample card reads
"Duration: 14.7 s"; fields show the API's name under a plain label; Compare's table keeps its first column
and shows a price where one is known. And the voice just made is the voice the Speak form speaks with.
Screenshots: test-artifacts/surface_<lang>_<width>_<step>.png."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from playground.ui.i18n import chinese
from tests.browser.steps import field, open_tab, wait_value

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

CLIPPED = """(sel) => {
  const root = document.querySelector(sel);
  if (!root) return 'missing';
  const r = root.getBoundingClientRect();
  return {width: r.width, height: r.height, right: r.right, scroll: root.scrollWidth, client: root.clientWidth,
          lineHeight: parseFloat(getComputedStyle(root).lineHeight) || 20,
          border: parseFloat(getComputedStyle(root).borderTopWidth) || 0};
}"""


# line numbers against code lines in a gr.Code: the worst vertical gap (px) between a visible line and the
# number beside it
GUTTER = """(elem) => {
  const root = document.getElementById(elem);
  const lines = [...root.querySelectorAll('.cm-content .cm-line')];
  const numbers = [...root.querySelectorAll('.cm-lineNumbers .cm-gutterElement')].filter(g => g.textContent.trim());
  let worst = 0, compared = 0;
  for (const g of numbers) {
    const n = parseInt(g.textContent, 10), line = lines[n - 1];
    if (!line) continue;
    const a = g.getBoundingClientRect(), b = line.getBoundingClientRect();
    if (!a.height || !b.height) continue;
    worst = Math.max(worst, Math.abs(a.top - b.top)); compared += 1;
  }
  return {lines: compared, worst};
}"""


def _upload(page, elem_id: str, path) -> None:
    page.locator(f"#{elem_id} [aria-label='Upload file']").first.click()
    page.locator(f"#{elem_id} input[type=file]").set_input_files(str(path))
    page.locator(f"#{elem_id} a[data-testid=download-link]").wait_for(state="attached")


def _sub_tab(page, english: str, lang: str) -> None:
    label = (chinese(english) or english) if lang == "zh-CN" else english
    page.locator("button[role=tab]:visible").filter(has_text=re.compile(f"^{re.escape(label)}$")).last.click()


def _top_tab(page, label: str) -> None:
    """Another page by its link in the navigation bar (one tap, as a visitor would), named as shown."""
    page.locator("#vcp-nav a").filter(has_text=re.compile(f"^{re.escape(label)}$")).first.click()
    page.wait_for_load_state("load")
    page.wait_for_selector("#vcp-nav")
    page.wait_for_timeout(800)  # the page's load events: language, held keys, first refresh


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
@pytest.mark.parametrize("width", [390, 1400])
def test_controls_tables_and_labels(browser, app_url, sandbox, mic_wav, width, lang):
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(
        locale="zh-CN" if lang == "zh-CN" else "en-US",
        viewport={"width": width, "height": 1000 if width > 500 else 844},
        is_mobile=width < 500,
        has_touch=width < 500,
        permissions=["microphone"],
    )
    page = context.new_page()
    page.set_default_timeout(45_000)
    page.goto(app_url)
    page.wait_for_function(f"() => window.vcpLang === '{lang}'")
    shot = lambda step: page.screenshot(  # noqa: E731
        path=str(ARTIFACTS / f"surface_{lang}_{width}_{step}.png"), full_page=True
    )
    problems = []

    open_tab(page, "MiniMax", "mm")
    page.wait_for_timeout(800)
    status = page.evaluate(CLIPPED, "#minimax-key-status .vcp-key-status")
    if status["height"] > 2.6 * status["lineHeight"] or status["right"] > width + 1:
        problems.append(f"key status wraps word by word or leaves the screen: {status}")
    button = page.evaluate(CLIPPED, "#mm-upload-asr-btn")
    if button["border"] < 1 or button["height"] > 60:
        problems.append(f"Transcribe does not look like a button: {button}")
    arrow = page.evaluate("""() => {
        const root = document.querySelector('#mm-upload-asr-provider');
        const input = root.querySelector('input'), a = root.querySelector('.icon-wrap').getBoundingClientRect();
        const textRight = input.getBoundingClientRect().right - parseFloat(getComputedStyle(input).paddingRight);
        return {inputRight: textRight, arrowLeft: a.left};
    }""")
    if arrow["inputRight"] > arrow["arrowLeft"] + 1:
        problems.append(f"dropdown text runs under its arrow: {arrow}")
    mic = page.evaluate(CLIPPED, "#mm-upload-audio select")
    if mic != "missing" and mic["scroll"] > mic["client"] + 2:
        problems.append(f"the microphone picker is cut: {mic}")
    _upload(page, "mm-upload-audio", mic_wav)
    card = page.locator("#mm-upload-clinic-card")
    duration = "时长：" if lang == "zh-CN" else "Duration:"
    card.get_by_text(duration, exact=True).first.wait_for()
    assert re.search(r"(Duration: |时长：)\s*\d+\.\d s", card.inner_text()), card.inner_text()
    shot("01_minimax_upload")

    _sub_tab(page, "Clone voice", lang)
    noise = page.locator("#mm-clone-noise").inner_text()
    assert "API: need_noise_reduction" in noise or "API：need_noise_reduction" in noise, noise
    assert ("Reduce background noise" if lang == "en" else "降低背景噪声") in noise
    shot("02_minimax_clone_form")

    _top_tab(page, chinese("Compare") if lang == "zh-CN" else "Compare")
    page.locator("#cmp-run").click()
    total = chinese("total") if lang == "zh-CN" else "total"
    for i in range(3):
        page.locator(f"#cmp-cell-{i}-figures").get_by_text(total).first.wait_for(timeout=90_000)
    figures = " ".join(page.locator(f"#cmp-cell-{i}-figures").inner_text() for i in range(3))
    assert "CNY" in figures, figures  # SiliconFlow's and Zhipu's prices come from presets/arena.json
    sticky = page.evaluate("""() => {
        const cell = document.querySelector('#cmp-table td');
        if (!cell) return null;
        let p = cell.parentElement; while (p && !['auto', 'scroll'].includes(getComputedStyle(p).overflowX)) p = p.parentElement;
        return {position: getComputedStyle(cell).position, scroller: !!p};
    }""")
    if sticky is None or sticky["position"] != "sticky" or not sticky["scroller"]:
        problems.append(f"Compare's table: first column not sticky or no sideways scroll: {sticky}")
    page.locator("#cmp-cell-0").scroll_into_view_if_needed()
    shot("03_compare")
    context.close()
    assert not problems, "\n".join(problems)


def test_the_voice_just_made_is_the_voice_you_speak_with(page, sandbox, mic_wav):
    ARTIFACTS.mkdir(exist_ok=True)
    # SiliconFlow: an upload
    open_tab(page, "SiliconFlow", "sf")
    _upload(page, "sf-upload-audio", mic_wav)
    field(page, "sf-upload-name").fill("picked-voice")
    field(page, "sf-upload-text").fill("Hello, this is my voice. I am recording a sample for the playground.")
    page.locator("#sf-upload-consent input[type=checkbox]").check()
    page.locator("#sf-upload-btn").click()
    uri = wait_value(page, "sf-upload-uri")
    _sub_tab(page, "Speak", "en")
    page.wait_for_function(
        "(uri) => ['picked-voice (uploaded)', uri].includes(document.querySelector('#sf-speak-voice input')?.value)",
        arg=uri,
    )
    assert uri in page.locator("#sf-speak-chosen").inner_text()
    page.screenshot(path=str(ARTIFACTS / "surface_en_1400_04_sf_new_voice_selected.png"), full_page=True)
    field(page, "sf-speak-text").fill("Speaking with the voice I just uploaded.")
    page.locator("#sf-speak-btn").click()
    page.locator("#sf-speak-info").get_by_text("Done").wait_for(timeout=60_000)
    speech = [r for r in sandbox.requests("siliconflow") if r["path"].endswith("/audio/speech")][-1]
    import base64
    import json

    assert json.loads(base64.b64decode(speech["body_b64"]))["voice"] == uri

    # View code: opens in view, calls the public base URL (the run went to the sandbox), numbers by the lines
    page.locator("#siliconflow-code").get_by_text("View code").first.click()
    page.wait_for_function(
        "() => document.querySelector('#siliconflow-code-curl')?.innerText.includes('/audio/speech')"
    )
    page.wait_for_timeout(800)
    top = page.evaluate("() => document.getElementById('siliconflow-code').getBoundingClientRect().top")
    assert 0 <= top < page.viewport_size["height"] / 2, top
    for elem in ("siliconflow-code-curl", "siliconflow-code-python"):
        text = page.locator(f"#{elem}").inner_text()
        assert "127.0.0.1" not in text and "api.siliconflow.cn" in text and "built-in sandbox" in text, text[:400]
        page.locator(f"#{elem}").scroll_into_view_if_needed()
        page.wait_for_timeout(300)
        drift = page.evaluate(GUTTER, elem)
        assert drift["lines"] > 5 and drift["worst"] <= 3, drift
    page.locator("#siliconflow-code").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "surface_en_1400_06_view_code.png"), full_page=True)

    # MiniMax: upload, then clone: the clone is the Speak form's voice
    open_tab(page, "MiniMax", "mm")
    _upload(page, "mm-upload-audio", mic_wav)
    page.locator("#mm-upload-consent input[type=checkbox]").check()
    page.locator("#mm-upload-btn").click()
    wait_value(page, "mm-upload-file-id")
    _sub_tab(page, "Clone voice", "en")
    field(page, "mm-clone-voice-id").fill("Picked_voice_01")
    page.locator("#mm-clone-voice-check").get_by_text("Picked_voice_01").wait_for()
    page.locator("#mm-clone-btn").click()
    page.locator("#mm-clone-info").get_by_text("Picked_voice_01").wait_for(timeout=60_000)
    _sub_tab(page, "Text to speech", "en")
    page.wait_for_function(
        "() => (document.querySelector('#mm-speak-voice input')?.value || '').startsWith('Picked_voice_01')"
    )
    assert "Picked_voice_01" in page.locator("#mm-speak-chosen").inner_text()
    page.screenshot(path=str(ARTIFACTS / "surface_en_1400_05_mm_new_voice_selected.png"), full_page=True)
    # the id is now in the library: the check says so instead of "follows the rules"
    _sub_tab(page, "Clone voice", "en")
    field(page, "mm-clone-voice-id").fill("Picked_voice_02")
    page.locator("#mm-clone-voice-check").get_by_text("Picked_voice_02").wait_for()
    field(page, "mm-clone-voice-id").fill("Picked_voice_01")
    page.locator("#mm-clone-voice-check").get_by_text("already in").wait_for()

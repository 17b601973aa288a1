"""Hosted mode in a real browser: two users in separate browser contexts, and the UI in Chinese and English."""

from __future__ import annotations

import uuid

import httpx
import pytest

from playground.sandbox.control import fingerprint
from tests.browser.steps import open_page
from tests.conftest import hosted_app_url, speech_wav

pytestmark = pytest.mark.browser
KEY_A = "sk-user-a-" + uuid.uuid4().hex[:12]


@pytest.fixture(scope="module")
def hosted_url(sandbox):
    with hosted_app_url(sandbox) as url:
        yield url


def _open(browser, url, locale="en-US"):
    context = browser.new_context(locale=locale, viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(url + "siliconflow")  # the Arena is the landing page; every provider has its own page
    page.wait_for_selector("#siliconflow-key")
    page.wait_for_timeout(800)  # the load events (restore a remembered key, language)
    return context, page


def _storage(page) -> str:
    return page.evaluate("() => JSON.stringify({...localStorage}) + JSON.stringify({...sessionStorage})")


def test_user_b_sees_nothing_of_user_a(browser, hosted_url, sandbox, tmp_path):
    sample = tmp_path / "a.wav"
    sample.write_bytes(speech_wav())
    voice_name = "alice-" + uuid.uuid4().hex[:6]

    ctx_a, a = _open(browser, hosted_url)
    open_page(a, "zhipu")
    a.locator("#zhipu-key input").fill(KEY_A)
    a.locator("#zhipu-key-remember input").check()
    a.locator("#zhipu-key-test").click()
    a.wait_for_function("() => document.querySelector('#zhipu-key-status')?.innerText.includes('Key works')")
    assert KEY_A in _storage(a)  # remembered: in A's own browser storage only
    a.locator("#zp-upload-audio [aria-label='Upload file']").click()
    a.locator("#zp-upload-audio input[type=file]").set_input_files(str(sample))
    a.locator("#zp-upload-audio a[data-testid=download-link], #zp-upload-audio a.download-link").first.wait_for(
        state="attached"
    )
    a.locator("#zp-upload-consent input[type=checkbox]").check()
    a.locator("#zp-upload-btn").click()
    a.wait_for_function("() => document.querySelector('#zp-upload-file-id textarea, #zp-upload-file-id input')?.value")
    file_id = a.locator("#zp-upload-file-id textarea, #zp-upload-file-id input").first.input_value()
    a.get_by_role("tab", name="2 · Clone voice").click()
    a.locator("#zp-clone-name textarea, #zp-clone-name input").first.fill(voice_name)
    a.locator("#zp-clone-btn").click()
    a.wait_for_function("() => document.querySelector('#zp-clone-voice textarea, #zp-clone-voice input')?.value")
    voice_id = a.locator("#zp-clone-voice textarea, #zp-clone-voice input").first.input_value()
    assert any(fingerprint(KEY_A) in r["headers"].get("authorization", "") for r in sandbox.requests("zhipu"))
    a.screenshot(path="/tmp/hosted_user_a.png", full_page=True)

    ctx_b, b = _open(browser, hosted_url)
    open_page(b, "zhipu")
    assert b.locator("#zhipu-key input").input_value() == ""
    b.get_by_role("tab", name="My voices").click()
    b.locator("#zp-voices-refresh").click()
    b.wait_for_timeout(1500)
    open_page(b, "library")
    b.wait_for_timeout(1500)
    b.screenshot(path="/tmp/hosted_user_b.png", full_page=True)
    seen_by_b = "\n".join(
        [b.content(), b.locator("body").inner_text(), _storage(b)]
        + [httpx.get(hosted_url + p, timeout=30).text for p in ("", "config", "gradio_api/info")]
    )
    for secret in (KEY_A, voice_name, voice_id, file_id):
        assert secret not in seen_by_b, f"user B can see {secret!r}"
    ctx_b.close()
    ctx_a.close()


def test_ui_renders_in_chinese_and_english(browser, hosted_url):
    ctx, zh = _open(browser, hosted_url, locale="zh-CN")
    zh.screenshot(path="/tmp/hosted_ui_zh.png", full_page=True)
    text = zh.locator("body").inner_text()
    for label in (
        "声音克隆实验场",
        "测试密钥",
        "在此浏览器中记住",
        "上传声音",
        "朗读",
        "我的声音",
        "智谱 BigModel",
        "SiliconFlow API 密钥",
        "声音名称",
        "发送方式",
    ):
        assert label in text, label
    for english in ("Test key", "Remember on this browser", "Upload voice", "Voice name", "Send as", "My voices"):
        assert english not in text, english
    ctx.close()

    ctx, en = _open(browser, hosted_url, locale="en-US")
    en.screenshot(path="/tmp/hosted_ui_en.png", full_page=True)
    text = en.locator("body").inner_text()
    for label in ("Voice Clone Playground", "Test key", "Upload voice", "My voices", "Voice name", "Send as"):
        assert label in text, label
    assert "测试密钥" not in text
    # the switch: English -> 中文 in place, remembered for the next visit
    en.locator("#vcp-lang label").filter(has_text="中文").click()
    en.wait_for_function("() => document.body.innerText.includes('测试密钥')")
    en.reload()
    en.wait_for_function("() => document.body.innerText.includes('测试密钥')")
    en.screenshot(path="/tmp/hosted_ui_switched.png", full_page=True)
    ctx.close()

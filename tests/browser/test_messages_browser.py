"""With the UI in Chinese, handler messages are Chinese too: an empty text, a silent sample and a
provider 429 each show a Chinese toast; the same calls through the API answer in English."""

from __future__ import annotations

import io
import re
import wave

import pytest

pytestmark = pytest.mark.browser


def _toast(page, needle: str) -> str:
    """The text of the toast that contains `needle` (the error toasts in this page)."""
    try:
        page.wait_for_function(
            "n => [...document.querySelectorAll('.toast-body')].some(t => t.innerText.includes(n))",
            arg=needle,
            timeout=30_000,
        )
    except Exception as err:
        page.screenshot(path="/tmp/vcp_messages_fail.png", full_page=True)
        raise AssertionError(f"no toast with {needle!r}: {page.locator('.toast-body').all_inner_texts()}") from err
    return next(t for t in page.locator(".toast-body").all_inner_texts() if needle in t)


def _fill(page, selector: str, text: str) -> None:
    """Type into a box and make sure it kept it: on a loaded machine a page-load update can still land
    after the first fill and put the box back to its default (seen once in a full CI run)."""
    box = page.locator(selector)
    for _ in range(5):
        box.fill(text)
        page.wait_for_timeout(400)
        if box.input_value() == text:
            return
    raise AssertionError(f"{selector} did not keep {text!r}: {box.input_value()!r}")


def _silent_wav(path) -> str:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(16000)
        w.writeframes(b"\x00\x00" * 16000 * 5)
    path.write_bytes(buf.getvalue())
    return str(path)


def test_chinese_messages_in_a_chinese_page(browser, app_url, sandbox, tmp_path):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(app_url + "siliconflow")  # the Arena is the landing page; every provider has its own page
    page.wait_for_selector("#siliconflow-badge")
    page.wait_for_function("() => window.vcpLang === 'zh-CN'")

    # a silent sample
    page.locator("#sf-upload-audio [aria-label='Upload file']").first.click()
    page.locator("#sf-upload-audio input[type=file]").set_input_files(_silent_wav(tmp_path / "silent.wav"))
    page.wait_for_selector("#sf-upload-audio a[data-testid=download-link], #sf-upload-audio audio", state="attached")
    _fill(page, "#sf-upload-text textarea", "你好，这是我的声音。")
    page.locator("#sf-upload-consent input[type=checkbox]").check()
    page.locator("#sf-upload-btn").click()
    assert "静音" in _toast(page, "静音")

    # an empty text
    page.locator("button[role=tab]:visible").filter(has_text=re.compile("^朗读$")).first.click()
    _fill(page, "#sf-speak-text textarea", "   ")
    page.locator("#sf-speak-btn").click()
    assert "为空" in _toast(page, "为空")

    # a provider 429
    sandbox.add_fault("siliconflow", "speech", "429", count=20, retry_after=None)
    _fill(page, "#sf-speak-text textarea", "Hello there.")
    page.locator("#sf-speak-btn").click()
    toast = _toast(page, "限流")
    assert "正在对此密钥限流" in toast and "HTTP 429" in toast
    context.close()


def test_the_api_answers_in_english(app_url, sandbox):
    from gradio_client import Client

    def empty_text_error(client: Client) -> str:
        with pytest.raises(Exception) as info:
            client.predict(text="   ", api_name="/siliconflow_speak")  # every other parameter has a default
        return str(info.value)

    assert "Text is empty" in empty_text_error(Client(app_url, verbose=False))
    assert "为空" in empty_text_error(Client(app_url, verbose=False, headers={"Accept-Language": "zh-CN"}))

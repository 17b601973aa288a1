"""Upload a voice in the SiliconFlow tab, find it in the Voice library, use it to speak, then find the
take in History and download it as wav."""

from __future__ import annotations

import uuid
from urllib.parse import unquote

import pytest

from playground.audio import sniff_format
from tests.browser.conftest import fetch_audio_bytes, record

pytestmark = pytest.mark.browser


def field(page, elem_id: str):
    return page.locator(f"#{elem_id} textarea, #{elem_id} input").first


def pick(page, elem_id: str, text: str) -> None:
    """Choose the option containing `text` in a gr.Dropdown."""
    page.locator(f"#{elem_id} input").click()
    page.locator(f"#{elem_id} li[role=option]", has_text=text).first.click()


def test_upload_find_in_library_use_it_and_download_the_take(page, sandbox):
    name = "lib-" + uuid.uuid4().hex[:6]
    record(page, "sf-upload-audio", seconds=5)
    field(page, "sf-upload-name").fill(name)
    field(page, "sf-upload-text").fill("Hello, this is my voice. I am recording a sample for the playground.")
    consent = page.locator("#sf-upload-consent input")
    if consent.count():
        consent.check()
    page.locator("#sf-upload-btn").click()
    page.wait_for_function(
        "() => (document.querySelector('#sf-upload-uri textarea, #sf-upload-uri input')?.value || '').startsWith('speech:')"
    )
    uri = field(page, "sf-upload-uri").input_value()

    # the library page lists it (refreshed when the page opens), with the sample that was sent
    page.locator("#vcp-nav a[data-page=library]").click()
    page.wait_for_function(f"() => document.querySelector('#lib-voices-table')?.innerText.includes('{name}')")
    pick(page, "lib-voice-pick", name)
    page.wait_for_function(f"() => document.querySelector('#lib-voice-details')?.innerText.includes('{uri}')")
    sample = fetch_audio_bytes(page, "lib-voice-sample")
    assert sniff_format(sample) == "wav"

    # "use it" opens SiliconFlow's page with its speak form showing the voice
    page.locator("#lib-voice-use").click()
    page.wait_for_url("**/siliconflow")
    page.locator("#sf-speak-btn").wait_for(state="visible")
    # the voice list now offers uploaded voices by name: the picker shows "<name> (uploaded)" for the uri
    page.wait_for_function(
        f"() => ['{uri}', '{name} (uploaded)'].includes(document.querySelector('#sf-speak-voice input')?.value)"
    )
    field(page, "sf-speak-text").fill("Speaking with my voice from the library.")
    page.locator("#sf-speak-btn").click()
    assert sniff_format(fetch_audio_bytes(page, "sf-speak-audio")) == "mp3"

    # the take is in History: replay it, download it as wav
    page.locator("#vcp-nav a[data-page=library]").click()
    page.get_by_role("tab", name="History").click()
    page.wait_for_function(
        "() => document.querySelector('#lib-history-table')?.innerText"
        ".includes('Speaking with my voice from the library.')"
    )
    pick(page, "lib-take-pick", "Speaking with my voice from the")
    assert sniff_format(fetch_audio_bytes(page, "lib-take-audio")) == "mp3"
    page.locator("#lib-take-format").get_by_label("wav").check()
    page.locator("#lib-take-download").click()
    link = page.locator("#lib-take-file a[href]").first
    link.wait_for(state="attached")
    href = link.get_attribute("href")
    assert unquote(href).rsplit("/", 1)[-1].startswith(f"siliconflow-{name}-")
    assert href.endswith(".wav")
    data = bytes(page.evaluate("async (u) => Array.from(new Uint8Array(await (await fetch(u)).arrayBuffer()))", href))
    assert sniff_format(data) == "wav"

    # re-run: what it will use is shown first, and only the confirm button sends it
    page.locator("#lib-take-rerun").click()
    page.wait_for_function("() => document.querySelector('#lib-take-info')?.innerText.includes('will use')")
    info = page.locator("#lib-take-info").inner_text()
    assert "Speaking with my voice from the library." in info and "no stored address, file or key" in info
    page.locator("#lib-take-rerun-confirm").click()
    page.wait_for_function("() => document.querySelector('#lib-take-info')?.innerText.includes('done')")
    page.wait_for_function(
        "() => document.querySelector('#lib-history-table')?.innerText"
        ".split('Speaking with my voice from the library.').length > 2"
    )

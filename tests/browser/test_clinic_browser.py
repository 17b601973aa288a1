"""The sample card in the browser: a 40 s stereo 48 kHz file as a MiniMax prompt clip, the
best 7.5 s window previewed and applied, the duration check turning green, the transcript
refreshed, Undo, and the upload sending exactly the clip in the audio box."""

from __future__ import annotations

import base64

import pytest

from playground.audio import decode, encode
from tests.browser.conftest import fetch_audio_bytes
from tests.browser.steps import open_page
from tests.conftest import speech_wav

pytestmark = pytest.mark.browser


def check_state(page, key: str) -> str | None:
    return page.evaluate(
        f"() => document.querySelector('#mm-upload-clinic-card [data-check={key}]')?.getAttribute('data-ok')"
    )


def wait_check(page, key: str, ok: bool) -> None:
    page.wait_for_function(
        f"() => document.querySelector('#mm-upload-clinic-card [data-check={key}]')?.getAttribute('data-ok') === "
        f"'{str(ok).lower()}'",
        timeout=60_000,
    )


def wait_prompt_text(page, needle: str) -> str:
    """The prompt transcript (on the Clone voice tab) once it contains `needle`; back to Upload after."""
    page.locator("#mm-upload-asr-info").get_by_text(needle.replace("of ", "the ") + " clip").wait_for(timeout=60_000)
    page.get_by_role("tab", name="Clone voice", exact=True).click()
    box = page.locator("#mm-clone-prompt-text textarea")
    page.wait_for_function(
        f"() => (document.querySelector('#mm-clone-prompt-text textarea')?.value || '').includes('{needle}')",
        timeout=30_000,
    )
    text = box.input_value()
    page.get_by_role("tab", name="Upload audio", exact=True).click()
    return text


def test_best_window_turns_the_prompt_clip_green_and_refreshes_the_transcript(page, sandbox, tmp_path):
    clip = tmp_path / "long-stereo.wav"
    seg = decode(speech_wav(seconds_min=40.0))[:40000]
    clip.write_bytes(encode(seg, "wav", sample_rate=48000, channels=2))

    open_page(page, "minimax")
    page.locator("#mm-upload-purpose").get_by_text("prompt_audio", exact=False).click()
    page.locator("#mm-upload-audio [aria-label='Upload file']").click()
    page.locator("#mm-upload-audio input[type=file]").set_input_files(str(clip))
    page.locator("#mm-upload-audio a[data-testid=download-link]").wait_for(state="attached")

    wait_check(page, "duration", False)
    card = page.locator("#mm-upload-clinic-card").inner_text()
    assert "40.0 s" in card and "48000 Hz" in card and "stereo" in card
    assert check_state(page, "channels") == "false"
    # the upload put a transcript of the whole 40 s clip into the (empty) prompt transcript box
    before = wait_prompt_text(page, "of 40.0 s")

    window = page.locator("#mm-upload-fix-window")
    assert "7.5 s" in window.inner_text()
    window.click()
    page.locator("#mm-upload-fix-preview a[data-testid=download-link]").wait_for(state="attached", timeout=60_000)
    assert "Best 7.5 s window" in page.locator("#mm-upload-fix-info").inner_text()
    preview = decode(fetch_audio_bytes(page, "mm-upload-fix-preview"))
    assert abs(len(preview) - 7500) < 20
    assert check_state(page, "duration") == "false"  # nothing changes before Apply

    page.locator("#mm-upload-fix-apply").click()
    wait_check(page, "duration", True)
    assert (
        page.evaluate(
            "() => document.querySelector('#mm-upload-clinic-card [data-overall]').getAttribute('data-overall')"
        )
        == "true"
    )
    after = wait_prompt_text(page, "of 7.5 s")
    assert after != before and len(after.split()) < len(before.split())
    asr = [r for r in sandbox.requests("siliconflow") if r["path"].endswith("/audio/transcriptions")]
    assert len(asr) >= 2

    # the clip in the audio box is the fixed one, and it is what the upload sends
    in_box = decode(fetch_audio_bytes(page, "mm-upload-audio"))
    assert abs(len(in_box) - 7500) < 20
    page.locator("#mm-upload-consent input[type=checkbox]").check()
    page.locator("#mm-upload-btn").click()
    page.wait_for_function(
        "() => /^\\d{16,}$/.test(document.querySelector('#mm-upload-file-id textarea, #mm-upload-file-id input')"
        "?.value || '')",
        timeout=60_000,
    )
    upload = [r for r in sandbox.requests("minimax") if r["path"].endswith("/v1/files/upload")][-1]
    body = base64.b64decode(upload["body_b64"])
    assert b"prompt_audio" in body
    sent = body[body.index(b"RIFF") :]
    assert abs(len(decode(sent[: sent.index(b"\r\n--")])) - 7500) < 20  # exactly the clip in the box

    # Undo brings the 40 s clip back (and its red duration)
    page.locator("#mm-upload-fix-undo").click()
    wait_check(page, "duration", False)

"""The steps a provider tab's browser test takes: open the tab, clone from recorded samples, speak
streamed with the new voice (played while it arrives) and fetch the take and its download name.
Elements follow the tabs' naming: `#{prefix}-clone-…` and `#{prefix}-speak-…` (e.g. prefix "el")."""

from __future__ import annotations

from urllib.parse import unquote

from tests.browser.conftest import fetch_audio_bytes, live_stats


def field(page, elem_id: str):
    return page.locator(f"#{elem_id} textarea, #{elem_id} input").first


def wait_value(page, elem_id: str) -> str:
    page.wait_for_function(
        f"() => (document.querySelector('#{elem_id} textarea, #{elem_id} input')?.value || '').trim() !== ''",
        timeout=60_000,
    )
    return field(page, elem_id).input_value().strip()


def open_page(page, path: str) -> None:
    """A page of the app ("" is the landing page, the Arena), on the same origin as the current one."""
    origin = page.evaluate("() => location.origin")
    page.goto(f"{origin}/{path}")
    page.wait_for_selector("#vcp-nav")


def open_tab(page, label: str, prefix: str) -> None:
    """The provider's page (ui/pages/), once its clone (or upload) form is there."""
    from playground.ui.pages import PROVIDER_PAGES

    open_page(page, next(p.path for p in PROVIDER_PAGES if p.name == label))
    page.locator(f"#{prefix}-clone-btn, #{prefix}-upload-btn").first.wait_for(state="attached")


def clone_voice(page, prefix: str, *, name_id: str, name: str, result_id: str) -> str:
    """Name the voice, give consent ("I have the right to clone this voice"), clone, and return the
    new voice's id from the field `result_id` (a screenshot in /tmp/{prefix}_clone.png either way).
    The samples are recorded (and any form specifics filled) before."""
    field(page, name_id).fill(name)
    page.locator(f"#{prefix}-clone-consent input[type=checkbox]").check()
    page.locator(f"#{prefix}-clone-btn").click()
    try:
        return wait_value(page, result_id)
    finally:
        page.screenshot(path=f"/tmp/{prefix}_clone.png", full_page=True)


def fill_speak(page, prefix: str, voice: str, text: str) -> None:
    """The Speak sub-tab with this voice chosen (typed in when the dropdown has not offered it yet) and text."""
    page.locator("button[role=tab]:visible").filter(has_text="Speak").last.click()
    voice_input = field(page, f"{prefix}-speak-voice")
    if voice not in voice_input.input_value():
        voice_input.fill(voice)
        voice_input.press("Enter")
    field(page, f"{prefix}-speak-text").fill(text)


def speak_streamed(page, sandbox, provider: str, prefix: str, *, chunk_delay_s: float) -> tuple[dict, bytes]:
    """Speak with the sandbox pacing its stream so that it plays while it arrives: the live player's
    figures and the take's bytes (a screenshot in /tmp/{prefix}_speak.png either way)."""
    sandbox.set_latency(provider, first_byte_s=0.3, chunk_delay_s=chunk_delay_s)
    page.locator(f"#{prefix}-speak-btn").click()
    try:
        return live_stats(page, f"{prefix}-speak-live"), fetch_audio_bytes(page, f"{prefix}-speak-audio")
    finally:
        page.screenshot(path=f"/tmp/{prefix}_speak.png", full_page=True)


def download_name(page, prefix: str) -> str:
    """The file name the take downloads as."""
    href = page.locator(f"#{prefix}-speak-file a[href]").first.get_attribute("href")
    return unquote(href).rsplit("/", 1)[-1]

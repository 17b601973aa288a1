"""The Compare tab in a browser: a 3-way comparison shows three playable takes with their figures;
blind mode hides the labels until a vote; View code shows the request a provider tab sent."""

from __future__ import annotations

import pytest

from tests.browser.conftest import fetch_audio_bytes
from tests.browser.steps import open_page

pytestmark = pytest.mark.browser


def _open_compare(page):
    open_page(page, "compare")
    page.locator("#cmp-run").wait_for(state="visible")


def test_three_way_comparison_shows_three_playable_takes_with_figures(page, sandbox):
    _open_compare(page)
    page.locator("#cmp-run").click()
    for i in range(3):
        page.locator(f"#cmp-cell-{i}-figures").get_by_text("time to first byte").wait_for(timeout=60_000)
    assert not page.locator("#cmp-cell-3").is_visible()
    titles = [page.locator(f"#cmp-cell-{i}-title").inner_text() for i in range(3)]
    assert any("SiliconFlow" in t for t in titles) and any("Zhipu" in t for t in titles)
    for i in range(3):
        figures = page.locator(f"#cmp-cell-{i}-figures").inner_text()
        for name in (
            "time to first audio",
            "total",
            "audio duration",
            "real-time factor",
            "sample rate",
            "estimated cost",
        ):
            assert name in figures, figures
        data = fetch_audio_bytes(page, f"cmp-cell-{i}-audio")
        assert data[:4] == b"RIFF" and len(data) > 10_000  # the loudness-matched WAV copy
    # the browser can decode and play every take
    durations = page.evaluate("""async () => {
        const out = [];
        for (const i of [0, 1, 2]) {
            const a = document.querySelector(`#cmp-cell-${i}-audio audio`);
            const src = a?.src || document.querySelector(`#cmp-cell-${i}-audio a.download-link`)?.href;
            const buf = await (await fetch(src)).arrayBuffer();
            const decoded = await new AudioContext().decodeAudioData(buf);
            out.push(decoded.duration);
        }
        return out;
    }""")
    assert all(d > 1.0 for d in durations), durations
    page.locator("#cmp-zip a").first.wait_for(state="attached")
    assert "3 of 3 takes finished" in page.locator("#cmp-summary").inner_text()


def test_blind_mode_hides_labels_until_the_vote(page, sandbox):
    _open_compare(page)
    page.locator("#cmp-blind input").check()
    page.locator("#cmp-run").click()
    page.locator("#cmp-cell-2-figures").get_by_text("time to first byte").wait_for(timeout=60_000)
    titles = [page.locator(f"#cmp-cell-{i}-title").inner_text() for i in range(3)]
    assert sorted(titles) == ["Take A", "Take B", "Take C"]
    page.locator("#cmp-vote").get_by_label("B").check()
    page.locator("#cmp-vote-btn").click()
    page.locator("#cmp-reveal").get_by_text("You chose").wait_for()
    assert "Your blind votes" in page.locator("#cmp-tally").inner_text()
    assert not page.locator("#cmp-cell-0-title").inner_text().startswith("Take ")


def test_view_code_shows_the_speak_request_as_curl_and_python(page, sandbox):
    page.get_by_role("tab", name="Speak").first.click()
    page.locator("#sf-speak-btn").click()
    page.locator("#sf-speak-info").get_by_text("Done").wait_for(timeout=60_000)
    page.locator("#siliconflow-code").get_by_text("View code").first.click()
    page.locator("#siliconflow-code-refresh").click()
    page.wait_for_function(
        "() => document.querySelector('#siliconflow-code-curl')?.innerText.includes('/audio/speech')"
    )
    curl = page.locator("#siliconflow-code-curl").inner_text()
    python = page.locator("#siliconflow-code-python").inner_text()
    assert "$SILICONFLOW_API_KEY" in curl and "sandbox-key" not in curl
    assert "os.environ['SILICONFLOW_API_KEY']" in python and "httpx.request(" in python

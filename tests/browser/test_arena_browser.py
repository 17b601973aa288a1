"""The Voice Arena in Chromium: record through the fake microphone, clone everywhere in the sandbox,
hear the takes, vote blind, download the report. The scorecard must tell a clone from the
unrelated system voice (the control row). Saves a screenshot to /tmp/arena.png, or over docs/arena.png
(the README's) with PLAYGROUND_UPDATE_DOCS=1: a test run leaves the repository as it was."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pytest

from playground.arena import entrants
from tests.browser.conftest import record

pytestmark = pytest.mark.browser
DOCS = Path(__file__).resolve().parents[2] / "docs" / "arena.png"
SCREENSHOT = DOCS if os.environ.get("PLAYGROUND_UPDATE_DOCS") == "1" else Path("/tmp/arena.png")
LONG_MS = 420_000  # scoring seven takes on a busy 2-core machine


@pytest.fixture
def arena(browser, app_url):
    context = browser.new_context(permissions=["microphone"], viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(app_url)
    page.wait_for_selector("#arena-intro")  # the Arena is the first tab, selected by default
    yield page
    context.close()


def _rows(page, elem_id: str) -> list[list[str]]:
    return page.evaluate(f"""() => Array.from(document.querySelectorAll('#{elem_id} [role=row].virtual-row')).map(
        row => Array.from(row.querySelectorAll('[role=gridcell]')).map(cell => cell.textContent.trim()))""")


def _fetch_text(page, selector: str) -> str:
    page.wait_for_selector(selector, state="attached", timeout=LONG_MS)
    return page.evaluate(f'async () => await (await fetch(document.querySelector("{selector}").href)).text()')


def test_arena_end_to_end(arena):
    page = arena
    record(page, "arena-sample", seconds=12.5)
    # the clinic's speech recognition fills the transcript by itself
    page.wait_for_function("() => document.querySelector('#arena-transcript textarea')?.value.trim().length > 0")
    page.locator("#arena-consent input[type=checkbox]").check()
    page.locator("#arena-clone").click()
    page.wait_for_function(
        "() => /\\d+ of \\d+ ready[.;]/.test(document.querySelector('#arena-clone-summary')?.innerText || '')",
        timeout=LONG_MS,
    )
    n = len(entrants.default_keys())
    summary = page.locator("#arena-clone-summary").inner_text()
    assert f"{n} of {n} ready" in summary, (summary, _rows(page, "arena-progress"))
    page.locator("#arena-retry").click()  # one row again, alone: it is reused, the others stay
    page.wait_for_function(
        "() => (document.querySelector('#arena-clone-summary')?.innerText || '').includes('1 of 1 ready')"
    )
    assert "reused" in _rows(page, "arena-progress")[0][1]  # the retried row, merged into the table

    page.locator("#arena-speak").click()
    page.wait_for_function(
        "() => (document.querySelector('#arena-vote-note')?.innerText || '').includes('Scores are in')", timeout=LONG_MS
    )
    # every take plays (the reference first, then one player per entrant)
    assert page.locator("#arena-takes audio").count() == len(entrants.default_keys()) + 1
    page.evaluate("() => document.querySelectorAll('#arena-takes audio')[1].play()")
    page.wait_for_function("() => document.querySelectorAll('#arena-takes audio')[1].currentTime > 0")

    assert _rows(page, "arena-scorecard")[0][0] == "1"  # ranked
    assert "similarity" in page.locator("#arena-score-help").inner_text()
    page.locator("#arena-scorecard").scroll_into_view_if_needed()
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=False)

    # blind vote: names appear only after it
    pair = page.locator("#arena-pair")
    assert pair.locator("audio").count() == 2 and "CosyVoice" not in pair.inner_html()
    pair.locator("audio").first.evaluate("a => a.play()")
    page.wait_for_function("() => document.querySelector('#arena-pair audio').currentTime > 0")
    page.locator("#arena-vote").click()
    page.wait_for_function("() => (document.querySelector('#arena-reveal')?.innerText || '').includes('A was')")
    assert len(_rows(page, "arena-ratings")) == 2

    page.locator("#arena-report").click()
    html = _fetch_text(page, "#arena-report-html a[href]")
    assert "Voice Arena report" in html and "data:audio/wav;base64," in html
    # the scorecard tells a clone from the unrelated system voice (the control row)
    card = {r[1]: r for r in csv.reader(io.StringIO(_fetch_text(page, "#arena-report-csv a[href]")))}
    control = next(r for k, r in card.items() if "control" in k)
    clone = next(r for k, r in card.items() if "CosyVoice2-0.5B · uploaded" in k)
    assert float(clone[3]) > float(control[3]), (clone, control)

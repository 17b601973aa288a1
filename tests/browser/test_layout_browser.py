"""The page at a phone width (390 px) and a desktop width (1400 px): nothing overflows sideways, the
first screen says what to do, and every main (primary) button of each top-level tab is on screen and
not covered. Screenshots of each tab at each width: test-artifacts/layout_<width>_<tab>.png."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll('body *')].filter(el => {
    const r = el.getBoundingClientRect(), s = getComputedStyle(el);
    if (!r.width || s.visibility === 'hidden' || s.display === 'none') return false;
    // inside a box that scrolls sideways on purpose (tables, code) is fine
    for (let p = el.parentElement; p; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o === 'auto' || o === 'scroll' || o === 'hidden') return false;
    }
    return r.right > width + 1 || r.left < -1;
  });
  return {scroll: document.documentElement.scrollWidth, width,
          wide: wide.slice(0, 5).map(el => el.tagName + '#' + el.id + '.' + el.className)};
}"""

BUTTONS = """() => [...document.querySelectorAll('button.primary, button.lg.primary')].filter(b => b.offsetParent)
  .map(b => { b.scrollIntoView({block: 'center'}); const r = b.getBoundingClientRect();
    const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    return {text: b.innerText.trim(), left: r.left, right: r.right, width: r.width,
            covered: !(top === b || b.contains(top))}; })"""


@pytest.mark.parametrize("width", [390, 1400])
def test_layout_at_width(browser, app_url, width):
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(
        viewport={"width": width, "height": 900 if width > 500 else 844}, is_mobile=width < 500, has_touch=width < 500
    )
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(app_url)
    page.wait_for_selector("#vcp-first-step")
    first = page.locator("#vcp-first-step")
    assert first.is_visible() and first.bounding_box()["y"] < 844  # the one line that says what to do
    top = page.locator(".tabs").first.locator("> .tab-wrapper")
    shown = [t.strip() for t in top.locator("button[role=tab]").all_text_contents()]
    folded = [t.strip() for t in top.locator(".overflow-dropdown button").all_text_contents()]
    names = shown + [n for n in folded if n not in shown]
    assert len(names) >= 5, names
    problems = []
    for i, name in enumerate(names):
        if name in shown:
            top.locator("button[role=tab]").filter(has_text=re.compile(f"^{re.escape(name)}$")).click()
        else:  # a narrow screen folds the last tabs into the "More tabs" menu
            top.locator("button[aria-label='More tabs']").click()
            top.locator(".overflow-dropdown button").filter(has_text=re.compile(f"^{re.escape(name)}$")).click()
        page.wait_for_timeout(400)
        slug = re.sub(r"\W+", "_", name).strip("_")[:30] or str(i)
        page.screenshot(path=str(ARTIFACTS / f"layout_{width}_{i:02d}_{slug}.png"), full_page=True)
        over = page.evaluate(OVERFLOW)
        if over["scroll"] > over["width"] + 1 or over["wide"]:
            problems.append(f"{name}: page is {over['scroll']} px wide at {over['width']} ({over['wide']})")
        for button in page.evaluate(BUTTONS):
            if button["left"] < -1 or button["right"] > width + 1 or button["width"] < 40 or button["covered"]:
                problems.append(f"{name}: main button {button}")
    context.close()
    assert not problems, "\n".join(problems)

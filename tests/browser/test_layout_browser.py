"""Every page at a phone width (390 px) and a desktop width (1400 px), in English and Chinese: nothing
overflows sideways, the first screen says what to do, every main (primary) button is on screen and not
covered, and every page is one tap away. Screenshots: test-artifacts/page_<width>_<page>[_zh].png."""

from __future__ import annotations

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


NAV = """() => [...document.querySelectorAll('#vcp-nav a')].map(a => { const r = a.getBoundingClientRect();
  const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  return {href: a.getAttribute('href'), left: r.left, right: r.right, top: r.top, bottom: r.bottom,
          covered: !(top === a || a.contains(top))}; })"""


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
@pytest.mark.parametrize("width", [390, 1400])
def test_every_page_at_width(browser, app_url, width, locale):
    """Every page (ui/pages/): nothing overflows sideways, its main buttons are on screen and not covered,
    every step of a page is in its tab bar (none folded into a menu), and the navigation bar on the first
    screen reaches every page in one tap."""
    from playground.ui.pages import PAGES

    ARTIFACTS.mkdir(exist_ok=True)
    phone = width < 500
    height = 844 if phone else 900
    context = browser.new_context(
        viewport={"width": width, "height": height}, is_mobile=phone, has_touch=phone, locale=locale
    )
    page = context.new_page()
    page.set_default_timeout(30_000)
    problems = []
    for spec in PAGES:
        page.goto(f"{app_url}{spec.path}")
        page.wait_for_selector("#vcp-nav")
        page.wait_for_timeout(800)  # the page's load events (language, held keys) finish; their overlays go
        if spec.kind == "arena":
            first = page.locator("#vcp-first-step")
            assert first.is_visible() and first.bounding_box()["y"] < height  # the one line that says what to do
        links = page.evaluate(NAV)
        assert sorted(link["href"] for link in links) == sorted(p.href for p in PAGES), links
        for link in links:  # every page one tap away: on the first screen, inside the width, not covered
            if link["left"] < -1 or link["right"] > width + 1 or link["bottom"] > height or link["covered"]:
                problems.append(f"{spec.name}: nav link {link}")
        slug = (spec.path or "arena") + ("_zh" if locale.startswith("zh") else "")
        page.screenshot(path=str(ARTIFACTS / f"page_{width}_{slug}.png"), full_page=True)
        over = page.evaluate(OVERFLOW)
        if over["scroll"] > over["width"] + 1 or over["wide"]:
            problems.append(f"{spec.name}: page is {over['scroll']} px wide at {over['width']} ({over['wide']})")
        folded = page.locator("button[aria-label='More tabs']:visible").count()
        if folded:  # a page's steps (its tabs) wrap onto a second row: none is behind a menu
            problems.append(f"{spec.name}: {folded} tab bar(s) fold steps into a menu")
        for button in page.evaluate(BUTTONS):
            if button["left"] < -1 or button["right"] > width + 1 or button["width"] < 40 or button["covered"]:
                problems.append(f"{spec.name}: main button {button}")
    # one tap: the library link of the landing page opens the library
    page.goto(app_url)
    page.wait_for_selector("#vcp-nav")
    page.locator("#vcp-nav a[data-page=library]").click()
    page.wait_for_selector("#lib-voices-refresh")
    assert page.url.rstrip("/").endswith("/library")
    context.close()
    assert not problems, "\n".join(problems)

"""Moving between pages keeps what the visitor carries: a typed key and the language (same browser tab),
and in hosted mode their own library (the signed visitor cookie, playground/identity.py), also when the
app is shown inside an iframe of another site, as a Space is on huggingface.co."""

from __future__ import annotations

import http.server
import threading
import uuid

import pytest
from gradio_client import Client, handle_file

from playground.identity import COOKIE
from tests.browser.steps import open_page
from tests.conftest import hosted_app_url, speech_wav

pytestmark = pytest.mark.browser

CANARY = "sk-canary-pages-" + uuid.uuid4().hex[:8]


@pytest.fixture(scope="module")
def hosted_url(sandbox):
    with hosted_app_url(sandbox) as url:
        yield url


def test_a_typed_key_and_the_language_follow_the_visitor(browser, app_url):
    context = browser.new_context(locale="en-US", viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(app_url + "minimax")
    page.wait_for_selector("#minimax-key")
    page.locator("#minimax-key input").fill(CANARY)
    page.locator("#vcp-lang label").filter(has_text="中文").click()
    page.wait_for_function("() => window.vcpLang === 'zh-CN'")
    page.locator("#vcp-nav a[data-page=library]").click()  # one tap, a new page load
    page.wait_for_selector("#lib-voices-refresh")
    page.wait_for_function("() => window.vcpLang === 'zh-CN' && document.body.innerText.includes('声音库')")
    page.locator("#vcp-nav a[data-page=minimax]").click()
    page.wait_for_selector("#minimax-key")
    page.wait_for_function(f"() => document.querySelector('#minimax-key input')?.value === {CANARY!r}")
    # for this tab only: a new tab of the same browser starts without it, and nothing was remembered
    other = context.new_page()
    other.goto(app_url + "minimax")
    other.wait_for_selector("#minimax-key")
    other.wait_for_timeout(800)
    assert other.locator("#minimax-key input").input_value() == ""
    assert CANARY not in other.evaluate("() => JSON.stringify({...localStorage})")
    context.close()


def _clone_in_hosted_sandbox(url: str, cookie: str | None, name: str) -> str:
    """A SiliconFlow upload (the sandbox) made as the visitor holding `cookie`; its uri."""
    headers = {"Cookie": f"{COOKIE}={cookie}"} if cookie else None
    sample = speech_wav("This is the visitor's own voice for the pages test.", 6.0)
    import tempfile
    from pathlib import Path

    path = Path(tempfile.mkdtemp()) / "me.wav"
    path.write_bytes(sample)
    client = Client(url, headers=headers, verbose=False)
    uri, _ = client.predict(
        audio=handle_file(str(path)),
        name=name,
        transcript="This is the visitor's own voice for the pages test.",
        consent=True,
        api_name="/siliconflow_upload",
    )
    return str(uri)


def test_hosted_library_follows_the_visitor_and_nobody_else(browser, hosted_url):
    a_ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    a = a_ctx.new_page()
    a.set_default_timeout(30_000)
    a.goto(hosted_url + "siliconflow")
    a.wait_for_selector("#vcp-nav")
    cookie = next(c for c in a_ctx.cookies() if c["name"] == COOKIE)
    assert cookie["httpOnly"] and cookie["sameSite"] == "None" and cookie["secure"], cookie
    name = "pages-" + uuid.uuid4().hex[:6]
    _clone_in_hosted_sandbox(hosted_url, cookie["value"], name)
    open_page(a, "library")
    a.wait_for_function(
        f"() => document.querySelector('#lib-voices-table')?.innerText.includes({name!r})", timeout=30_000
    )
    a.screenshot(path="/tmp/pages_hosted_library.png", full_page=True)

    b_ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    b = b_ctx.new_page()
    b.goto(hosted_url + "library")
    b.wait_for_selector("#lib-voices-refresh")
    b.wait_for_timeout(2000)
    assert name not in b.locator("body").inner_text()
    b_ctx.close()
    a_ctx.close()


class _Embedder(http.server.BaseHTTPRequestHandler):
    target = ""

    def do_GET(self):
        body = f'<html><body><iframe id="space" src="{self.target}" width="1200" height="900"></iframe></body></html>'
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args):
        return


def test_hosted_inside_an_iframe_of_another_site(browser, hosted_url):
    """The Space case: the app in an iframe of another site (here `localhost` around `127.0.0.1`). The
    visitor cookie is partitioned to that site and still follows the visitor from page to page."""
    _Embedder.target = hosted_url + "siliconflow"
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Embedder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.goto(f"http://localhost:{server.server_address[1]}/")
        frame = page.frame_locator("#space")
        frame.locator("#vcp-nav").wait_for()
        cookies = [c for c in context.cookies() if c["name"] == COOKIE]
        assert cookies, "the embedded app got no visitor cookie"
        first = cookies[0]["value"]
        frame.locator("#vcp-nav a[data-page=library]").click()
        frame.locator("#lib-voices-refresh").wait_for()
        again = [c["value"] for c in context.cookies() if c["name"] == COOKIE]
        assert again == [first]  # the same visitor on the next page, inside the embed
        context.close()
    finally:
        server.shutdown()

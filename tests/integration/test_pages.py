"""The pages on the running app: each carries only its own components, every page is small on the wire,
served from memory, and the visitor cookie is issued once and then carried."""

from __future__ import annotations

import json
import re

import httpx
import pytest

from playground.identity import COOKIE
from playground.ui import page_cache
from playground.ui.pages import PAGES
from tests.conftest import hosted_app_url

LIMIT = 100 * 1024  # on the wire, gzip (issue: the landing page was 1,769 KB)


def _config(html: str) -> dict:
    return json.loads(re.search(r"window\.gradio_config = (\{.*?\});</script>", html, re.S).group(1))


def test_every_page_is_its_own_and_small(app_url):
    with httpx.Client(trust_env=False, timeout=60) as c:
        seen_components: set = set()
        for spec in PAGES:
            r = c.get(app_url + spec.path, headers={"Accept-Encoding": "gzip"})
            assert r.status_code == 200, spec
            assert r.headers.get("content-encoding") == "gzip"
            assert int(r.headers["content-length"]) <= LIMIT, (spec.path, r.headers["content-length"])
            config = _config(r.text)
            assert config["current_page"] == spec.path and list(config["page"]) == [spec.path]
            ids = {comp["id"] for comp in config["components"]}
            assert not (ids & seen_components - {n["id"] for n in config["components"] if n["type"] == "navbar"})
            seen_components |= ids
            assert 'id="vcp-nav"' in r.text or "vcp-nav" in r.text
        # gradio_client reads the whole app's config: every page's components are in it
        whole = c.get(app_url + "config").json()
        assert {comp["id"] for comp in whole["components"]} >= seen_components


def test_pages_are_built_once(app_url):
    assert page_cache.CACHE is not None
    with httpx.Client(trust_env=False, timeout=60) as c:
        c.get(app_url + "compare")
        before = page_cache.CACHE.builds
        for _ in range(5):
            assert c.get(app_url + "compare").status_code == 200
    assert page_cache.CACHE.builds == before


def test_the_visitor_cookie_is_issued_once_and_holds_no_key(app_url):
    with httpx.Client(trust_env=False, timeout=60) as c:
        first = c.get(app_url + "library")
        issued = first.headers.get("set-cookie", "")
        assert issued.startswith(f"{COOKIE}=") and "HttpOnly" in issued and "SameSite=Lax" in issued
        again = c.get(app_url + "compare")  # the client's jar sends it back
        assert "set-cookie" not in again.headers
        assert COOKIE in c.cookies


@pytest.fixture(scope="module")
def hosted_url(sandbox):
    with hosted_app_url(sandbox) as url:
        yield url


def test_hosted_cookie_is_third_party_safe(hosted_url):
    with httpx.Client(trust_env=False, timeout=60) as c:
        issued = c.get(hosted_url).headers["set-cookie"]
    for attr in ("HttpOnly", "SameSite=None", "Secure", "Partitioned"):
        assert attr in issued

"""The page config is built once at start-up (ui/build_once.py), and it is exactly the config Gradio
would have built itself: same layout, components and events, same served /config."""

from __future__ import annotations

import json

import httpx
import pytest

from bench import free_port

pytestmark = pytest.mark.timeout(180)


def _fresh(demo) -> dict:
    """The page part as Gradio builds it, without ui/build_once.py."""
    config = demo.default_config
    return type(config).get_config(config)


def _page(config: dict) -> str:
    parts = {k: config[k] for k in ("layout", "components", "dependencies", "page")}
    return json.dumps(parts, sort_keys=True, default=repr)  # a callable value: the same object, the same repr


def test_launch_builds_the_page_config_once_and_it_is_gradios_own(sandbox):
    from playground.ui import build_once
    from playground.ui.layout import after_launch, build_app, launch_kwargs

    demo = build_app()
    assert build_once.builds(demo) == 0  # leaving the `with` block built nothing that launch() throws away
    _, url, _ = demo.launch(
        server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True, quiet=True, **launch_kwargs()
    )
    try:
        assert build_once.builds(demo) == 1  # launch() asked twice (its config, then the MCP set-up)
        fresh = _fresh(demo)
        assert len(fresh["components"]) > 1000 and len(fresh["dependencies"]) > 300
        assert _page(demo.config) == _page(fresh)
        assert demo.config["mcp_server"] is True and demo.config["connect_heartbeat"] is True
        served = httpx.get(url.rstrip("/") + "/config", trust_env=False, timeout=30).json()
        assert len(served["components"]) == len(fresh["components"])
        assert [d["id"] for d in served["dependencies"]] == [d["id"] for d in fresh["dependencies"]]
        after_launch(demo)
        demo.get_config_file()
        assert build_once.builds(demo) == 2  # after start-up every build is fresh again
    finally:
        demo.close()

"""Session-state eviction: fresh session hashes from one address evict only that address's own sessions."""

from __future__ import annotations

import os
import uuid

import httpx
import pytest
from gradio_client import Client

from tests.conftest import LAUNCHED, hosted_app_url

VISITOR, ATTACKER = "198.51.100.20", "203.0.113.66"


@pytest.fixture(scope="module")
def small_app(sandbox):
    saved = {k: os.environ.get(k) for k in ("PLAYGROUND_MAX_SESSIONS", "PLAYGROUND_SESSIONS_PER_CLIENT")}
    os.environ["PLAYGROUND_MAX_SESSIONS"] = "10"  # read when the app launches
    os.environ["PLAYGROUND_SESSIONS_PER_CLIENT"] = "3"
    try:
        with hosted_app_url(sandbox) as url:
            yield url
    finally:
        for key, value in saved.items():
            os.environ.pop(key, None) if value is None else os.environ.__setitem__(key, value)


def holder(url: str):
    return LAUNCHED[url].server_app.state_holder


def join(url: str, fn_index: int, forwarded_for: str) -> str:
    session = uuid.uuid4().hex[:11]
    answer = httpx.post(
        url + "gradio_api/queue/join",
        headers={"X-Forwarded-For": forwarded_for},
        timeout=30,
        json={
            "data": ["", "", "", "", ""],
            "fn_index": fn_index,
            "session_hash": session,
            "event_data": None,
            "trigger_id": None,
        },
    )
    assert answer.status_code == 200, answer.text
    return session


def library_history_index(url: str) -> int:
    config = httpx.get(url + "config", timeout=30).json()
    return next(d["id"] for d in config["dependencies"] if d.get("api_name") == "library_history")


def test_fresh_session_hashes_evict_only_their_own(small_app):
    visitor = Client(small_app, verbose=False, headers={"X-Forwarded-For": VISITOR})
    visitor.predict("", "", "", "", "", api_name="/library_history")
    mine = visitor.session_hash
    assert mine in holder(small_app).session_data
    fn = library_history_index(small_app)
    for _ in range(30):  # one address, 30 fresh sessions
        join(small_app, fn, ATTACKER)
    state = holder(small_app)
    assert mine in state.session_data  # the visitor keeps their state
    assert len(state.sessions_of[ATTACKER]) <= 3  # the attacker holds at most its share
    visitor.predict("", "", "", "", "", api_name="/library_history")  # and the visitor's next click works


def test_past_the_capacity_the_biggest_holder_loses(small_app):
    visitor = Client(small_app, verbose=False, headers={"X-Forwarded-For": "198.51.100.21"})
    visitor.predict("", "", "", "", "", api_name="/library_history")
    fn = library_history_index(small_app)
    for i in range(8):  # 8 addresses x 3 sessions = 24, capacity 10
        for _ in range(3):
            join(small_app, fn, f"203.0.113.{100 + i}")
    state = holder(small_app)
    assert len(state.session_data) <= 10
    assert visitor.session_hash in state.session_data

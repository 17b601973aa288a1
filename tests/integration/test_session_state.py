"""A browser session's server-side state must not grow with the number of runs, and the number of
sessions kept is bounded.

Gradio 6.31 keeps a copy of the app's components per session. Sending gr.skip()/gr.update() to
an output that other yields or events give plain values to makes that copy grow by one component
(and its config) per run: a long session, or a hosted demo under load, grows without bound
(found by bench/soak.py). Every speak endpoint, streamed and not, runs three times here in one
session; the session may hold no component the app does not have.
"""

from __future__ import annotations

import pytest
from gradio_client import Client

from playground.sandbox.server import free_port

# every parameter an endpoint is called without takes its default (the API's own, as a page sends it)
RUNS = [
    ("/siliconflow_speak", dict(text="One more run.", sample_rate=32000, stream=True)),
    ("/siliconflow_speak", dict(text="One more run.", sample_rate=32000, stream=False)),
    ("/minimax_speak", dict(text="One more run.", voice_id="English_Graceful_Lady", stream=True)),
    ("/minimax_speak", dict(text="One more run.", voice_id="English_Graceful_Lady", stream=False)),
    ("/zhipu_speak", dict(text="One more run.", stream=True)),
    ("/zhipu_speak", dict(text="One more run.", stream=False)),
    ("/openai_speak", dict(text="One more run.")),
]


@pytest.fixture(scope="module")
def app(sandbox):
    from playground.ui.layout import build_app, launch_kwargs

    demo = build_app()
    _, url, _ = demo.launch(
        server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True, quiet=True, **launch_kwargs()
    )
    yield demo, url
    demo.close()


@pytest.mark.parametrize(
    "api_name,kwargs", RUNS, ids=[f"{a[1:]}-{'stream' if k.get('stream', True) else 'whole'}" for a, k in RUNS]
)
def test_a_session_holds_no_more_components_after_three_runs(app, api_name, kwargs):
    demo, url = app
    client = Client(url, verbose=False, download_files=False)
    try:
        for _ in range(3):
            _audio, download, summary, _player = client.predict(**kwargs, api_name=api_name)
            assert download and "Done" in summary
        session = demo.state_holder.session_data[client.session_hash]
        extra = {
            key: type(block).__name__ for key, block in session.blocks_config.blocks.items() if key not in demo.blocks
        }
        assert not extra, f"{api_name} left component copies in the session: {extra}"
    finally:
        client.close()


def test_the_server_keeps_a_bounded_number_of_sessions(app, monkeypatch):
    from playground import hosted

    demo, _ = app
    assert demo.state_holder.capacity == hosted.max_sessions() == hosted.MAX_SESSIONS_DEFAULT
    monkeypatch.setenv("PLAYGROUND_MAX_SESSIONS", "2000")
    assert hosted.max_sessions() == 2000
    monkeypatch.setenv("PLAYGROUND_MAX_SESSIONS", "3")  # too few to be useful: raised to 10
    assert hosted.max_sessions() == 10
    monkeypatch.setenv("PLAYGROUND_MAX_SESSIONS", "lots")
    assert hosted.max_sessions() == hosted.MAX_SESSIONS_DEFAULT

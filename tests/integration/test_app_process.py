"""`python app.py` as a user runs it: a fresh process with no keys is a working sandbox demo, its
download files live in one folder of its own, and SIGTERM (docker stop, a Space restart) shuts it
down cleanly, removing that folder."""

from __future__ import annotations

import http.client
import signal
import subprocess
import time
from pathlib import Path

import pytest

from bench import PY, ROOT, clean_env, free_port, wait_http

pytestmark = pytest.mark.timeout(120)


def test_app_process_serves_a_keyless_speak_and_cleans_up_on_sigterm(tmp_path):
    from gradio_client import Client

    port = free_port()
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = clean_env(GRADIO_SERVER_PORT=str(port), TMPDIR=str(tmp), PLAYGROUND_DATA_DIR=str(tmp_path / "data"))
    log = open(tmp_path / "app.log", "wb")  # noqa: SIM115  # the child process writes to it until the finally below
    proc = subprocess.Popen([PY, "app.py"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_http(f"http://127.0.0.1:{port}/", timeout_s=90, proc=proc)
        client = Client(f"http://127.0.0.1:{port}/", verbose=False, download_files=False)
        try:
            _audio, _download, summary, _player = client.predict(
                text="Hello from a fresh machine.", api_name="/openai_speak"
            )
        finally:
            client.close()
        assert "sandbox" in summary
        # an API client's pooled connection stays usable past 5 s idle (httpx's and the openai SDK's
        # keep-alive expiry), so the client retires it first rather than racing the server's close.
        # Opened after a call, when launch() has surely returned (app.py sets it on the running server).
        api = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        api.request("GET", "/v1/models")
        assert api.getresponse().read() and api.sock is not None
        time.sleep(6.5)
        api.request("GET", "/v1/models")  # the same socket: http.client does not reconnect by itself
        assert api.getresponse().status == 200
        api.close()
        takes = list(tmp.glob(f"vcp-downloads-{proc.pid}/take-*/*"))
        assert len(takes) == 1 and takes[0].stat().st_size > 1000
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
        assert not (tmp / f"vcp-downloads-{proc.pid}").exists()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.close()
    text = Path(tmp_path / "app.log").read_text(errors="replace")
    assert "Traceback" not in text, text[-2000:]

"""Hosted demo mode: mode defaults, the owner-paid fallback caps, a canary key through every
operation (it must surface only in the Authorization header the sandbox received), and 16
users speaking at once (counted in flight at the sandbox, not timed)."""

from __future__ import annotations

import asyncio
import logging
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError

from playground import config, hosted, providers, visitors
from playground.sandbox.control import fingerprint
from tests.conftest import PROVIDER_ENV, speech_wav

CANARY = "sk-canary-hosted-7f3a9c2e5b1d"


@pytest.fixture
def session_named(monkeypatch):
    names = {"current": "s1"}
    monkeypatch.setattr(hosted, "_session_lookup", lambda: names["current"])
    hosted.BUDGET.reset()
    yield names
    hosted.BUDGET.reset()


# -- mode defaults -------------------------------------------------------------------------------
def test_mode_follows_space_id_and_explicit_setting(monkeypatch):
    monkeypatch.delenv("SPACE_ID", raising=False)
    monkeypatch.delenv("PLAYGROUND_MODE", raising=False)
    assert hosted.mode() == "local" and hosted.server_keys() == "on"
    monkeypatch.setenv("SPACE_ID", "someone/voice-clone-playground")
    assert hosted.mode() == "hosted" and hosted.server_keys() == "off"
    monkeypatch.setenv("PLAYGROUND_MODE", "local")
    assert hosted.mode() == "local"
    monkeypatch.delenv("SPACE_ID")
    monkeypatch.setenv("PLAYGROUND_MODE", "hosted")
    assert hosted.is_hosted() and hosted.server_keys() == "off"
    monkeypatch.setenv("PLAYGROUND_SERVER_KEYS", "fallback")
    assert hosted.server_keys() == "fallback"


def test_hosted_never_uses_server_keys_unless_the_owner_opts_in(sandbox, monkeypatch):
    monkeypatch.setenv("SILICONFLOW_API_KEY", "sk-owner-key")
    monkeypatch.setenv("PLAYGROUND_MODE", "hosted")
    monkeypatch.delenv("PLAYGROUND_SERVER_KEYS", raising=False)
    target = config.resolve_target("siliconflow")
    assert target.sandbox and target.key.reveal().startswith(config.SANDBOX_KEY)  # a per-session sandbox key
    assert "sk-owner-key" not in target.key.reveal()
    assert config.is_sandbox("siliconflow")
    typed = config.resolve_target("siliconflow", "sk-user-key")
    assert not typed.sandbox and typed.key.reveal() == "sk-user-key"
    monkeypatch.setenv("PLAYGROUND_MODE", "local")
    assert config.resolve_target("siliconflow").key.reveal() == "sk-owner-key"


def test_fallback_caps_characters_per_session_and_globally(sandbox, monkeypatch, session_named):
    monkeypatch.setenv("SILICONFLOW_API_KEY", "sk-owner-key")
    monkeypatch.setenv("PLAYGROUND_MODE", "hosted")
    monkeypatch.setenv("PLAYGROUND_SERVER_KEYS", "fallback")
    monkeypatch.setenv("PLAYGROUND_FALLBACK_SESSION_CHARS", "100")
    monkeypatch.setenv("PLAYGROUND_FALLBACK_GLOBAL_CHARS", "150")
    monkeypatch.setenv("PLAYGROUND_FALLBACK_RATE", "100")
    hosted.note_text("x" * 60)
    assert config.resolve_target("siliconflow").key.reveal() == "sk-owner-key"
    hosted.note_text("x" * 60)
    with pytest.raises(hosted.DemoLimitError) as exc:
        config.resolve_target("siliconflow")
    assert "100 characters" in exc.value.user_message() and "40 left" in exc.value.user_message()
    assert "own API key" in exc.value.user_message()
    session_named["current"] = "s2"  # a new session has its own cap, but the global one is shared
    hosted.note_text("x" * 60)
    config.resolve_target("siliconflow")
    session_named["current"] = "s3"
    hosted.note_text("x" * 60)
    with pytest.raises(hosted.DemoLimitError, match="150 characters for today"):
        config.resolve_target("siliconflow")
    # a user's own key is never capped
    hosted.note_text("x" * 600)
    assert config.resolve_target("siliconflow", "sk-user-key").key.reveal() == "sk-user-key"


def test_fallback_rate_limit_per_session(sandbox, monkeypatch, session_named):
    monkeypatch.setenv("ZHIPU_API_KEY", "sk-owner-key")
    monkeypatch.setenv("PLAYGROUND_MODE", "hosted")
    monkeypatch.setenv("PLAYGROUND_SERVER_KEYS", "fallback")
    monkeypatch.setenv("PLAYGROUND_FALLBACK_RATE", "2")
    monkeypatch.setenv("PLAYGROUND_FALLBACK_RATE_WINDOW_S", "60")
    for _ in range(2):
        hosted.note_text("hello")
        config.resolve_target("zhipu")
    hosted.note_text("hello")
    with pytest.raises(hosted.DemoLimitError, match=r"at most 2 calls per 60 s.*Wait about \d+ s"):
        config.resolve_target("zhipu")
    config.resolve_target("zhipu")  # listing (no text) is not counted
    session_named["current"] = "other"  # a new session hash costs nothing: the address's cap still holds
    hosted.note_text("hello")
    with pytest.raises(hosted.DemoLimitError, match=r"at most 2 calls per 60 s"):
        config.resolve_target("zhipu")
    token = visitors.use_client("198.51.100.7")  # another client address has its own allowance
    try:
        hosted.note_text("hello")
        config.resolve_target("zhipu")
    finally:
        visitors.forget_client(token)


# -- the app in hosted mode (tests/conftest.py hosted_app), typed keys pointed at the sandbox --------
def _operations(client: Client, sample: str, long_sample: str) -> list[tuple[str, dict]]:
    """Every named endpoint that takes a key, with working arguments (ids come from earlier calls)."""
    key = CANARY
    sf_uri, _ = client.predict(
        handle_file(sample),
        "canary",
        "Hello there.",
        "FunAudioLLM/CosyVoice2-0.5B",
        "multipart",
        True,
        key,
        api_name="/siliconflow_upload",
    )
    mm_file, _ = client.predict(
        handle_file(long_sample), "voice_clone", False, "env", "", True, key, api_name="/minimax_upload"
    )
    zp_file, _ = client.predict(handle_file(sample), True, key, api_name="/zhipu_upload")
    mm_voice = "Canary" + uuid.uuid4().hex[:10]
    return [
        (
            "/siliconflow_speak",
            dict(text="Hello canary.", voice=sf_uri, response_format="wav", sample_rate=24000, api_key=key),
        ),
        ("/siliconflow_voices", dict(api_key=key)),
        (
            "/siliconflow_upload",
            dict(
                audio=handle_file(sample),
                name="canary2",
                transcript="Hello there.",
                model="FunAudioLLM/CosyVoice2-0.5B",
                send_as="json",
                consent=True,
                api_key=key,
            ),
        ),
        ("/siliconflow_delete_voice", dict(uri=sf_uri, api_key=key)),
        (
            "/minimax_clone",
            dict(
                file_id=mm_file,
                voice_id=mm_voice,
                prompt_file_id="",
                prompt_text="",
                preview_text="Hi there.",
                model="speech-2.8-hd",
                need_noise_reduction=False,
                need_volume_normalization=False,
                language_boost="",
                region="env",
                group_id="",
                api_key=key,
            ),
        ),
        (
            "/minimax_speak",
            dict(text="Hello canary.", region="env", api_key=key),  # every other field: the endpoint's default
        ),
        ("/minimax_voices", dict(voice_type="all", region="env", group_id="", api_key=key)),
        (
            "/minimax_upload",
            dict(
                audio=handle_file(long_sample),
                purpose="voice_clone",
                trim_prompt=False,
                region="env",
                group_id="",
                consent=True,
                api_key=key,
            ),
        ),
        (
            "/minimax_delete_voice",
            dict(voice_id=mm_voice, voice_type="voice_cloning", region="env", group_id="", api_key=key),
        ),
        (
            "/zhipu_clone",
            dict(
                file_id=zp_file,
                voice_name="canary-" + uuid.uuid4().hex[:6],
                transcript="",
                preview_text="Hello canary.",
                model="glm-tts-clone",
                request_id="",
                api_key=key,
            ),
        ),
        (
            "/zhipu_speak",
            dict(
                text="Hello canary.",
                model="glm-tts",
                voice="tongtong",
                response_format="pcm",
                stream=True,
                encode_format="base64",
                speed=1.0,
                volume=1.0,
                watermark_enabled=True,
                api_key=key,
            ),
        ),
        ("/zhipu_voices", dict(voice_name="", voice_type="ALL", api_key=key)),
        ("/zhipu_upload", dict(audio=handle_file(sample), consent=True, api_key=key)),
        ("/zhipu_delete_voice", dict(voice="voice_does_not_exist", api_key=key)),
        (
            "/openai_speak",
            dict(
                text="Hello canary.",
                model="gpt-4o-mini-tts",
                voice="alloy",
                instructions="",
                response_format="mp3",
                speed=1.0,
                stream_format="audio",
                base_url="",
                api_key=key,
            ),
        ),
        ("/openai_models", dict(base_url="", api_key=key)),
        (
            "/library_voices",
            dict(siliconflow_key=key, minimax_key=key, zhipu_key=key, openai_base_url="", openai_key=key),
        ),
        (
            "/library_history",
            dict(siliconflow_key=key, minimax_key=key, zhipu_key=key, openai_base_url="", openai_key=key),
        ),
        (
            "/library_sync",
            dict(siliconflow_key=key, minimax_key=key, zhipu_key=key, openai_base_url="", openai_key=key),
        ),
    ]


def _provider(api_name: str) -> str | None:
    head = api_name.strip("/").split("_", 1)[0]
    return {"openai": "openai_compat", "library": None}.get(head, head)


def _call(client: Client, api_name: str, kwargs: dict, texts: list[str]) -> bool:
    try:
        result = client.predict(**kwargs, api_name=api_name)
        texts.append(repr(result))
        return True
    except AppError as exc:
        texts.append(str(exc))
        return False
    except Exception as exc:  # e.g. the client's own error for an endpoint that vanished
        texts.append(repr(exc))
        return False


def _files_written_since(start: float, roots: list[Path]) -> list[Path]:
    found = []
    for root in roots:
        if not root.exists():
            continue
        for path in root.rglob("*"):
            try:
                if path.is_file() and path.stat().st_mtime >= start - 1 and path.stat().st_size < 50 * 1024 * 1024:
                    found.append(path)
            except OSError:
                continue
    return found


@pytest.fixture
def short_timeouts(monkeypatch):
    """A 0.6 s read timeout for the "hang" faults. Transports cache one client per event loop with the
    timeout it was made with, so forget them before and after."""

    def forget():
        for pid in PROVIDER_ENV:
            providers.get(pid).transport._clients.clear()

    def shorten():  # only for the "hang" faults: a loaded machine may take longer than that for real work
        forget()
        monkeypatch.setattr(config, "READ_TIMEOUT_S", 0.6)

    forget()
    monkeypatch.setattr(config, "MAX_RETRIES", 0)
    yield shorten
    forget()


def test_canary_key_never_leaks(hosted_app, sandbox, caplog, capfd, tmp_path, short_timeouts):
    from playground import library
    from playground.ui import keys

    caplog.set_level(logging.DEBUG)
    start = time.time()
    sample, long_sample = tmp_path / "s.wav", tmp_path / "long.wav"
    sample.write_bytes(speech_wav())
    long_sample.write_bytes(speech_wav(seconds_min=12.0))
    client = Client(hosted_app, verbose=False)
    texts: list[str] = []

    ops = _operations(client, str(sample), str(long_sample))
    ok = [name for name, kwargs in ops if _call(client, name, kwargs, texts)]
    assert {
        "/siliconflow_speak",
        "/minimax_speak",
        "/zhipu_speak",
        "/openai_speak",
        "/minimax_clone",
        "/zhipu_clone",
    } <= set(ok), texts
    for pid in PROVIDER_ENV:  # the key panel's "Test key"
        texts.append(asyncio.run(keys.test_key(pid, CANARY)))

    for kind in ("429", "500", "hang"):
        if kind == "hang":
            short_timeouts()
        for name, kwargs in ops:
            pid = _provider(name)
            if pid is None or (kind == "hang" and not name.endswith(("speak", "voices", "models"))):
                continue
            # a timeout: the first byte comes after the 0.6 s read timeout (and the handler ends soon after)
            extra = dict(kind="slow_first_byte", delay_s=3.0) if kind == "hang" else dict(kind=kind)
            sandbox.add_fault(pid, "*", count=5, **extra)
            assert not _call(client, name, kwargs, texts), f"{name} survived a {kind}"
            sandbox.state.faults.clear()
    sandbox.state.valid_keys = {"sk-someone-else"}  # 401 for the canary everywhere
    try:
        for name, kwargs in ops:
            if _provider(name) is not None:
                assert not _call(client, name, kwargs, texts), f"{name} accepted a rejected key"
        for pid in PROVIDER_ENV:
            status = asyncio.run(keys.test_key(pid, CANARY))
            assert 'data-status="bad"' in status
            texts.append(status)
    finally:
        sandbox.state.valid_keys = None

    # it went out: only in the Authorization header the sandbox received (whose log keeps a fingerprint)
    assert not any(CANARY in repr(r) for r in sandbox.requests())
    key_headers = ("authorization", "xi-api-key")  # ElevenLabs sends the raw key in xi-api-key
    auth = [r for r in sandbox.requests() if any(fingerprint(CANARY) in r["headers"].get(h, "") for h in key_headers)]
    assert {r["provider"] for r in auth} >= set(PROVIDER_ENV)
    for r in sandbox.requests():
        assert CANARY not in repr({k: v for k, v in r["headers"].items() if k not in key_headers})
        assert CANARY not in r["query"]

    # ... and nowhere else
    pages = [httpx.get(hosted_app + path, timeout=30).text for path in ("", "config", "gradio_api/info")]
    out, err = capfd.readouterr()
    where = {
        "error texts and results": "\n".join(texts),
        "logs": caplog.text,
        "stdout": out,
        "stderr": err,
        "page, /config, /gradio_api/info": "\n".join(pages),
    }
    for name, text in where.items():
        assert CANARY not in text, f"the canary key leaked into {name}"
    assert "Demo limit" not in where["error texts and results"]
    roots = [Path(tempfile.gettempdir()), library.data_dir(), Path.cwd() / "data"]
    files = _files_written_since(start, roots)
    assert any(library.data_dir() in f.parents for f in files) or not library.data_dir().exists()

    def holds_canary(path: Path) -> bool:
        try:
            return CANARY.encode() in path.read_bytes() or CANARY in path.name
        except OSError:  # another process's temp file, gone meanwhile
            return False

    leaks = [str(f) for f in files if holds_canary(f)]
    assert not leaks, f"the canary key is in files: {leaks}"


def test_fallback_limit_message_reaches_the_user(hosted_app, sandbox, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_SERVER_KEYS", "fallback")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-owner-key")
    monkeypatch.setenv("PLAYGROUND_FALLBACK_RATE", "1")
    hosted.BUDGET.reset()
    client = Client(hosted_app, verbose=False)
    kwargs = dict(text="Hello.")  # the endpoint's defaults: gpt-4o-mini-tts, alloy, no key of the visitor's
    client.predict(**kwargs, api_name="/openai_speak")
    assert sandbox.requests("openai_compat")[-1]["headers"]["authorization"] == f"Bearer {fingerprint('sk-owner-key')}"
    with pytest.raises(AppError, match="Demo limit: at most 1 calls"):
        client.predict(**kwargs, api_name="/openai_speak")
    again = Client(hosted_app, verbose=False)  # a new session from the same address does not lift it
    with pytest.raises(AppError, match="Demo limit: at most 1 calls"):
        again.predict(**kwargs, api_name="/openai_speak")
    other = Client(hosted_app, verbose=False, headers={"X-Forwarded-For": "198.51.100.7"})  # another address
    other.predict(**kwargs, api_name="/openai_speak")
    hosted.BUDGET.reset()


def test_sixteen_users_speak_at_once(hosted_app, sandbox):
    sandbox.set_latency("siliconflow", first_byte_s=1.0)
    for _ in range(50):  # requests an earlier test timed out on may still be held by the sandbox for a moment
        if sum(sandbox.state.in_flight.values()) == 0:
            break
        time.sleep(0.1)
    sandbox.state.max_in_flight.clear()
    lingering = sandbox.state.in_flight["siliconflow"]
    clients = [
        Client(
            hosted_app,
            verbose=False,
            download_files=False,  # counted, not fetched
            headers={"X-Forwarded-For": f"198.51.100.{i}"},
        )
        for i in range(16)
    ]  # 16 visitors, 16 addresses
    kwargs = dict(text="Sixteen at once.", response_format="wav", sample_rate=24000, stream=False)
    barrier = threading.Barrier(16)
    results, errors = [], []

    def speak(client):
        barrier.wait()
        try:
            results.append(client.predict(**kwargs, api_name="/siliconflow_speak"))
        except Exception as exc:
            errors.append(repr(exc))

    threads = [threading.Thread(target=speak, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors and len(results) == 16
    assert sandbox.state.max_in_flight["siliconflow"] - lingering == 16


def test_keyless_visitors_each_get_their_own_sandbox(hosted_app, sandbox, tmp_path):
    """Hosted, the sandbox key is per browser session: one visitor's sandbox voices, library entries
    and takes are invisible to the next visitor."""
    wav = tmp_path / "a.wav"
    wav.write_bytes(speech_wav("Hello, this is visitor A speaking.", 6.0))
    alice, bob = Client(hosted_app, verbose=False), Client(hosted_app, verbose=False)
    uri, _ = alice.predict(
        handle_file(str(wav)),
        "alice-voice",
        "Hello, this is visitor A speaking.",
        "FunAudioLLM/CosyVoice2-0.5B",
        "multipart",
        True,
        "",
        api_name="/siliconflow_upload",
    )
    keys = [r["headers"]["authorization"] for r in sandbox.requests("siliconflow")]
    assert keys and all(k.startswith("Bearer sandbox-key-") for k in keys)  # not the shared local key

    def listed(client: Client) -> str:
        rows = client.predict("", api_name="/siliconflow_voices")
        library = client.predict("", "", "", "", "", api_name="/library_voices")
        return repr(rows) + repr(library)

    assert uri in listed(alice)
    assert uri not in listed(bob) and "alice-voice" not in listed(bob)

"""Fault suite: every provider and operation against every way an API fails, over real HTTP.

For each (provider, operation): HTTP 400/401/403/404/429 (with and without Retry-After)/500/
502/503/504, a read timeout, a refused connection, a stream cut halfway, malformed JSON, a 200
with a body that is not what was asked for, and MiniMax's errors inside a 200. Each must end
in a typed PlaygroundError with a readable message; only safe calls are retried (an upload or
a clone is sent once, except after a 429 or a failed connect); nothing partial is returned as
a finished take.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import pytest

from playground import config, errors, providers
from playground.audio import VoiceSample
from playground.providers.asr import TranscribeRequest
from playground.providers.cartesia import CartesiaClone, CartesiaSpeech
from playground.providers.elevenlabs import ElevenLabsClone, ElevenLabsSpeech
from playground.providers.fishaudio import FishClone, FishSpeech
from playground.providers.minimax import MiniMaxClone, MiniMaxSpeech, MiniMaxUpload
from playground.providers.minimax_checks import suggest_voice_id
from playground.providers.openai_compat import OpenAISpeech
from playground.providers.siliconflow import SiliconFlowSpeech, SiliconFlowUpload
from playground.providers.zhipu import ZhipuClone, ZhipuSpeech, ZhipuUpload
from playground.sandbox.server import free_port
from tests.conftest import speech_wav

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(scope="module")
def wavs():
    return {"short": speech_wav(seconds_min=3.0), "long": speech_wav(seconds_min=11.0)}


@dataclass
class Op:
    provider: str
    op: str  # the sandbox's fault op name
    creates: bool  # upload/clone: never retried blindly
    call: Callable[..., Awaitable]  # (sandbox, wavs) -> awaitable, after setup
    setup: Callable[..., Awaitable] | None = None  # returns what call needs
    streams: bool = False  # the body is audio read as it arrives


# -- operations ------------------------------------------------------------------------------------
def _sf_upload(ctx, wavs):
    return providers.get("siliconflow").upload_voice(
        SiliconFlowUpload(VoiceSample(wavs["short"], filename="me.wav"), name="fault-test", text="Hello there.")
    )


def _sf_speak(ctx, wavs, on_chunk=None):
    return providers.get("siliconflow").speak(
        SiliconFlowSpeech(text="Hello from the fault suite.", voice="alex", stream=True), on_chunk=on_chunk
    )


def _sf_list(ctx, wavs):
    return providers.get("siliconflow").list_voices()


def _sf_delete(ctx, wavs):
    return providers.get("siliconflow").delete_voice("speech:fault:sandbox:0123456789abcdef")


async def _mm_file(wavs):
    up = await providers.get("minimax").upload_voice(MiniMaxUpload(VoiceSample(wavs["long"], filename="me.wav")))
    return up.extra["file_id"]


def _mm_upload(ctx, wavs):
    return providers.get("minimax").upload_voice(MiniMaxUpload(VoiceSample(wavs["long"], filename="me.wav")))


def _mm_clone(ctx, wavs):
    return providers.get("minimax").clone_voice(MiniMaxClone(file_id=ctx, voice_id=suggest_voice_id("Fault")))


def _mm_speak(ctx, wavs, on_chunk=None):
    return providers.get("minimax").speak(
        MiniMaxSpeech(text="Hello from the fault suite.", voice_id="English_Graceful_Lady", stream=True),
        on_chunk=on_chunk,
    )


def _mm_list(ctx, wavs):
    return providers.get("minimax").list_voices()


def _mm_delete(ctx, wavs):
    return providers.get("minimax").delete_voice("FaultVoice01")


async def _zp_file(wavs):
    up = await providers.get("zhipu").upload_voice(ZhipuUpload(VoiceSample(wavs["short"], filename="me.wav")))
    return up.voice_id


def _zp_upload(ctx, wavs):
    return providers.get("zhipu").upload_voice(ZhipuUpload(VoiceSample(wavs["short"], filename="me.wav")))


def _zp_clone(ctx, wavs):
    import uuid

    return providers.get("zhipu").clone_voice(
        ZhipuClone(file_id=ctx, voice_name=f"f_{uuid.uuid4().hex[:8]}", input="Hello preview.", fetch_preview=False)
    )


def _zp_speak(ctx, wavs, on_chunk=None):
    return providers.get("zhipu").speak(ZhipuSpeech(text="Hello from the fault suite.", stream=True), on_chunk=on_chunk)


def _zp_list(ctx, wavs):
    return providers.get("zhipu").list_voices()


def _zp_delete(ctx, wavs):
    return providers.get("zhipu").delete_voice("voice_fault_0001")


def _oa_speak(ctx, wavs, on_chunk=None):
    return providers.get("openai_compat").speak(OpenAISpeech(text="Hello from the fault suite."), on_chunk=on_chunk)


def _oa_models(ctx, wavs):
    return providers.get("openai_compat").list_models()


def _el_clone(ctx, wavs):  # the pre-flight has its own row (subscription): one request per attempt here
    return providers.get("elevenlabs").clone_voice(
        ElevenLabsClone(samples=[VoiceSample(wavs["short"], filename="me.wav")], name="Fault", preflight=False)
    )


def _el_subscription(ctx, wavs):
    return providers.get("elevenlabs").subscription()


def _el_speak(ctx, wavs, on_chunk=None):
    return providers.get("elevenlabs").speak(
        ElevenLabsSpeech(text="Hello from the fault suite.", output_format="pcm_24000", stream=True), on_chunk=on_chunk
    )


def _el_list(ctx, wavs):
    return providers.get("elevenlabs").list_voices()


def _el_delete(ctx, wavs):
    return providers.get("elevenlabs").delete_voice("FaultVoice0000000000")


def _el_transcribe(ctx, wavs):
    return providers.get("elevenlabs").transcribe(TranscribeRequest(VoiceSample(wavs["short"], filename="me.wav")))


def _fa_clone(ctx, wavs):  # wait=False: the polling after a creation is not part of the fault under test
    return providers.get("fishaudio").clone_voice(
        FishClone(samples=[VoiceSample(wavs["short"], filename="me.wav")], title="fault-test", wait=False)
    )


def _fa_speak(ctx, wavs, on_chunk=None):
    return providers.get("fishaudio").speak(
        FishSpeech(text="Hello from the fault suite.", reference_id="7f92f8afb8ec43bf81429cc1c9199cb1", format="pcm"),
        on_chunk=on_chunk,
    )


def _fa_list(ctx, wavs):
    return providers.get("fishaudio").list_voices()


def _fa_delete(ctx, wavs):
    return providers.get("fishaudio").delete_voice("0" * 32)


def _ca_clone(ctx, wavs):
    return providers.get("cartesia").clone_voice(
        CartesiaClone(sample=VoiceSample(wavs["short"], filename="me.wav"), name="fault-test")
    )


def _ca_speak(ctx, wavs, on_chunk=None):
    return providers.get("cartesia").speak(
        CartesiaSpeech(
            text="Hello from the fault suite.",
            voice="694f9389-aac1-45b6-b726-9d9369183238",
            container="raw",
            stream=True,
        ),
        on_chunk=on_chunk,
    )


def _ca_speak_bytes(ctx, wavs, on_chunk=None):
    return providers.get("cartesia").speak(
        CartesiaSpeech(
            text="Hello from the fault suite.", voice="694f9389-aac1-45b6-b726-9d9369183238", container="raw"
        ),
        on_chunk=on_chunk,
    )


def _ca_list(ctx, wavs):
    return providers.get("cartesia").list_voices()


def _ca_delete(ctx, wavs):
    return providers.get("cartesia").delete_voice("00000000-0000-4000-8000-000000000000")


OPS = [
    Op("siliconflow", "upload", True, _sf_upload),
    Op("siliconflow", "speech", False, _sf_speak, streams=True),
    Op("siliconflow", "list", False, _sf_list),
    Op("siliconflow", "delete", False, _sf_delete),
    Op("minimax", "upload", True, _mm_upload),
    Op("minimax", "clone", True, _mm_clone, setup=_mm_file),
    Op("minimax", "speech", False, _mm_speak, streams=True),
    Op("minimax", "list", False, _mm_list),
    Op("minimax", "delete", False, _mm_delete),
    Op("zhipu", "upload", True, _zp_upload),
    Op("zhipu", "clone", True, _zp_clone, setup=_zp_file),
    Op("zhipu", "speech", False, _zp_speak, streams=True),
    Op("zhipu", "list", False, _zp_list),
    Op("zhipu", "delete", False, _zp_delete),
    Op("openai_compat", "speech", False, _oa_speak, streams=True),
    Op("openai_compat", "models", False, _oa_models),
    Op("elevenlabs", "clone", True, _el_clone),
    Op("elevenlabs", "subscription", False, _el_subscription),
    Op("elevenlabs", "speech", False, _el_speak, streams=True),
    Op("elevenlabs", "list", False, _el_list),
    Op("elevenlabs", "delete", False, _el_delete),
    Op("elevenlabs", "transcribe", False, _el_transcribe),
    Op("fishaudio", "clone", True, _fa_clone),
    Op("fishaudio", "speech", False, _fa_speak, streams=True),
    Op("fishaudio", "list", False, _fa_list),
    Op("fishaudio", "delete", False, _fa_delete),
    Op("cartesia", "clone", True, _ca_clone),
    Op("cartesia", "speech", False, _ca_speak, streams=True),
    Op("cartesia", "speech", False, _ca_speak_bytes, streams=True),
    Op("cartesia", "list", False, _ca_list),
    Op("cartesia", "delete", False, _ca_delete),
]
IDS = [f"{o.provider}-{o.op}" + ("-bytes" if o.call is _ca_speak_bytes else "") for o in OPS]

STATUS_ERRORS = {
    "400": errors.BadRequestError,
    "401": errors.AuthenticationError,
    "403": errors.PermissionDeniedError,
    "404": errors.NotFoundError,
    "429": errors.RateLimitError,
    "500": errors.ServerError,
    "502": errors.ServerError,
    "503": errors.OverloadedError,
    "504": errors.ProviderTimeoutError,
}
SAFE_FOR_ALL = {"429"}  # refused before any work: any call may be sent again
SAFE_IF_IDEMPOTENT = {"502", "503", "504"}


async def prepared(sandbox, op: Op, wavs):
    ctx = await op.setup(wavs) if op.setup else None
    with sandbox.state.lock:
        sandbox.state.requests.clear()
    return ctx


def sent(sandbox, provider: str) -> int:
    return len(sandbox.requests(provider))


def assert_clear(exc: errors.PlaygroundError) -> str:
    text = exc.user_message()
    assert text and len(text) > 15, text
    assert "Traceback" not in text and "Unexpected error" not in text
    assert config.SANDBOX_KEY not in text
    return text


# -- HTTP status faults ------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", sorted(STATUS_ERRORS))
@pytest.mark.parametrize("op", OPS, ids=IDS)
async def test_status_faults_give_typed_errors_and_retry_only_when_safe(sandbox, wavs, op, kind):
    if (op.provider, op.op, kind) == ("openai_compat", "models", "404"):
        pytest.skip("a gateway without /models is normal: list_models() reports it instead of failing")
    ctx = await prepared(sandbox, op, wavs)
    sandbox.add_fault(op.provider, op.op, kind, count=20, retry_after=0)
    with pytest.raises(errors.ProviderError) as caught:
        await op.call(ctx, wavs)
    exc = caught.value
    assert_clear(exc)
    assert exc.status == int(kind)
    expected = STATUS_ERRORS[kind]
    if op.provider != "zhipu" or kind in ("401", "404", "429"):  # Zhipu answers with business codes
        assert isinstance(exc, expected), (type(exc).__name__, exc.user_message())
    retried = kind in SAFE_FOR_ALL or (kind in SAFE_IF_IDEMPOTENT and not op.creates)
    n = sent(sandbox, op.provider)
    if retried:
        assert n == config.MAX_RETRIES + 1, n
    else:
        assert n == 1, f"{op.provider} {op.op} was sent {n} times after a {kind}"


@pytest.mark.parametrize("op", OPS, ids=IDS)
async def test_a_429_with_retry_after_is_waited_out_once_then_succeeds(sandbox, wavs, op):
    ctx = await prepared(sandbox, op, wavs)
    sandbox.add_fault(op.provider, op.op, "429", count=1, retry_after=0)
    try:
        await op.call(ctx, wavs)
    except errors.ProviderError as exc:  # deleting a voice that does not exist: the retry got the real answer
        assert op.op == "delete" and not isinstance(exc, errors.RateLimitError), exc.user_message()
    assert next(r["status"] for r in sandbox.requests(op.provider)) == 429
    assert sent(sandbox, op.provider) == 2


@pytest.mark.parametrize("op", [o for o in OPS if o.creates], ids=[f"{o.provider}-{o.op}" for o in OPS if o.creates])
async def test_a_429_without_retry_after_backs_off_and_still_never_duplicates(sandbox, wavs, op):
    ctx = await prepared(sandbox, op, wavs)
    sandbox.add_fault(op.provider, op.op, "429", count=20, retry_after=None)
    with pytest.raises(errors.RateLimitError) as caught:
        await op.call(ctx, wavs)
    assert_clear(caught.value)
    requests = sandbox.requests(op.provider)
    assert len(requests) == config.MAX_RETRIES + 1  # each attempt was refused: nothing was created twice
    assert all(r["status"] == 429 for r in requests)


@pytest.mark.parametrize("op", OPS, ids=IDS)
async def test_a_429_with_a_long_retry_after_is_not_waited_for(sandbox, wavs, op):
    ctx = await prepared(sandbox, op, wavs)
    sandbox.add_fault(op.provider, op.op, "429", count=20, retry_after=config.MAX_RETRY_AFTER_S + 60)
    with pytest.raises(errors.RateLimitError) as caught:
        await op.call(ctx, wavs)
    assert_clear(caught.value)
    assert sent(sandbox, op.provider) == 1


# -- transport faults ----------------------------------------------------------------------------------
@pytest.mark.parametrize("op", OPS, ids=IDS)
async def test_a_timeout_is_a_timeout_error_and_creations_are_not_resent(sandbox, wavs, op, monkeypatch):
    monkeypatch.setattr(config, "READ_TIMEOUT_S", 0.15)  # before the first call: clients are made per loop
    ctx = await prepared(sandbox, op, wavs)
    sandbox.add_fault(op.provider, op.op, "slow_first_byte", count=20, delay_s=0.5)
    with pytest.raises(errors.ProviderTimeoutError) as caught:
        await op.call(ctx, wavs)
    assert_clear(caught.value)
    for _ in range(500):  # the simulator logs a request when its (late) answer is done (10 s at most)
        if not sandbox.state.in_flight[op.provider]:
            break
        await asyncio.sleep(0.02)
    n = sent(sandbox, op.provider)
    assert n == (1 if op.creates else config.MAX_RETRIES + 1), n


@pytest.mark.parametrize("op", OPS, ids=IDS)
async def test_a_refused_connection_is_a_connection_error(sandbox, wavs, op, monkeypatch):
    ctx = await prepared(sandbox, op, wavs)
    dead = f"http://127.0.0.1:{free_port()}"
    base = config.sandbox_url(op.provider)
    monkeypatch.setitem(config._sandbox_urls, op.provider, dead + base[len(sandbox.url) :])
    with pytest.raises(errors.ConnectionFailedError) as caught:
        await op.call(ctx, wavs)
    assert "could not be reached" in assert_clear(caught.value)
    assert sent(sandbox, op.provider) == 0


STREAMED = [o for o in OPS if o.streams]


@pytest.mark.parametrize("op", STREAMED, ids=[i for o, i in zip(OPS, IDS, strict=True) if o.streams])
async def test_a_stream_cut_halfway_returns_no_take(sandbox, wavs, op):
    ctx = await prepared(sandbox, op, wavs)
    sandbox.add_fault(op.provider, op.op, "cut_stream", count=20, cut_after_bytes=3000)
    chunks: list[bytes] = []
    with pytest.raises(errors.ProviderError) as caught:
        await op.call(ctx, wavs, on_chunk=chunks.append)
    assert isinstance(caught.value, (errors.StreamInterruptedError, errors.InvalidResponseError)), caught.value
    assert_clear(caught.value)
    assert sum(map(len, chunks)) <= 3000  # what played live was partial, and no result was returned
    assert sent(sandbox, op.provider) == 1  # a stream that started is never replayed


# answers shown as they come (a deletion's text; a gateway's /models that is not a model list)
FREE_FORM = {
    ("siliconflow", "delete"),
    ("zhipu", "delete"),
    ("openai_compat", "models"),
    ("fishaudio", "delete"),
    ("cartesia", "delete"),
}


@pytest.mark.parametrize("kind", ["bad_json", "html_200"])
@pytest.mark.parametrize("op", OPS, ids=IDS)
async def test_a_200_with_a_broken_or_foreign_body_is_an_invalid_response(sandbox, wavs, op, kind):
    ctx = await prepared(sandbox, op, wavs)
    sandbox.add_fault(op.provider, op.op, kind, count=20)
    if (op.provider, op.op) in FREE_FORM:
        try:
            await op.call(ctx, wavs)
        except errors.PlaygroundError as exc:
            assert_clear(exc)
        assert sent(sandbox, op.provider) == 1
        return
    with pytest.raises(errors.ProviderError) as caught:
        await op.call(ctx, wavs)
    exc = caught.value
    assert isinstance(exc, errors.InvalidResponseError), (type(exc).__name__, exc.user_message())
    assert_clear(exc)
    assert sent(sandbox, op.provider) == 1


MM_OPS = [o for o in OPS if o.provider == "minimax"]
MINIMAX_200_CODES = {
    1000: errors.ServerError,
    1002: errors.RateLimitError,
    1004: errors.AuthenticationError,
    1008: errors.QuotaError,
    1026: errors.ContentRejectedError,
    2013: errors.BadRequestError,
}


@pytest.mark.parametrize("code", sorted(MINIMAX_200_CODES))
@pytest.mark.parametrize("op", MM_OPS, ids=[o.op for o in MM_OPS])
async def test_minimax_errors_inside_a_200_are_typed(sandbox, wavs, op, code):
    ctx = await prepared(sandbox, op, wavs)
    sandbox.add_fault("minimax", op.op, "error_200", count=20, code=code)
    with pytest.raises(errors.ProviderError) as caught:
        await op.call(ctx, wavs)
    exc = caught.value
    assert isinstance(exc, MINIMAX_200_CODES[code]), (type(exc).__name__, exc.user_message())
    assert str(code) in assert_clear(exc)
    if op.creates and code != 1002:
        assert sent(sandbox, "minimax") == 1


EL_OPS = [o for o in OPS if o.provider == "elevenlabs" and o.op in ("clone", "speech")]
ELEVENLABS_CODES = {  # ElevenLabs' traps: the body's code, not the HTTP status, decides (providers-more.md 1.5)
    ("401", "quota_exceeded"): errors.QuotaError,
    ("401", "invalid_api_key"): errors.AuthenticationError,
    ("401", "detected_unusual_activity"): errors.PermissionDeniedError,
    ("400", "voice_limit_reached"): errors.QuotaError,
    ("400", "max_character_limit_exceeded"): errors.BadRequestError,
    ("400", "voice_not_found"): errors.NotFoundError,
    ("403", "only_for_creator+"): errors.PermissionDeniedError,
    ("429", "too_many_concurrent_requests"): errors.RateLimitError,
    ("429", "rate_limit_exceeded"): errors.RateLimitError,
}


@pytest.mark.parametrize("kind, code", sorted(ELEVENLABS_CODES), ids=[f"{k}-{c}" for k, c in sorted(ELEVENLABS_CODES)])
@pytest.mark.parametrize("op", EL_OPS, ids=[o.op for o in EL_OPS])
async def test_elevenlabs_codes_decide_the_error_class(sandbox, wavs, op, kind, code):
    ctx = await prepared(sandbox, op, wavs)
    sandbox.add_fault("elevenlabs", op.op, kind, count=20, code=code, retry_after=0)
    with pytest.raises(errors.ProviderError) as caught:
        await op.call(ctx, wavs)
    exc = caught.value
    assert type(exc) is ELEVENLABS_CODES[(kind, code)], (type(exc).__name__, exc.user_message())
    assert exc.status == int(kind) and exc.code == code and code in assert_clear(exc)
    assert sent(sandbox, "elevenlabs") == (config.MAX_RETRIES + 1 if kind == "429" else 1)  # a 401 quota: never resent


# -- through the app: a failed stream leaves no finished take behind -----------------------------------
def test_a_cut_stream_through_the_app_saves_no_take(client, sandbox, monkeypatch):
    from gradio_client.exceptions import AppError

    from playground.ui import tab_handlers  # the speak endpoints built from declarations (ui/tab_builder.py)
    from tests.integration.test_siliconflow import SPEAK_DEFAULTS

    saved = []
    real = tab_handlers.download_file
    monkeypatch.setattr(tab_handlers, "download_file", lambda result: saved.append(result) or real(result))
    sandbox.add_fault("siliconflow", "speech", "cut_stream", count=1, cut_after_bytes=3000)
    with pytest.raises(AppError) as caught:
        client.predict(**{**SPEAK_DEFAULTS, "stream": True}, api_name="/siliconflow_speak")
    text = str(caught.value)
    assert "cut the audio stream short" in text and "Traceback" not in text
    assert not saved, "a partial take was saved"
    client.predict(**{**SPEAK_DEFAULTS, "stream": True}, api_name="/siliconflow_speak")
    assert len(saved) == 1  # the check above would have seen a take


# -- Fish Audio: a created model that never becomes usable, and the out-of-credit status ----------------
@pytest.mark.parametrize(
    "kind, cls, words",
    [
        ("stuck_training", errors.ProviderTimeoutError, "still training"),
        ("train_failed", errors.ServerError, "training of model"),
    ],
)
async def test_fish_model_that_never_trains_is_a_bounded_clear_error(sandbox, wavs, monkeypatch, kind, cls, words):
    fa = providers.get("fishaudio")
    monkeypatch.setattr(fa, "poll_interval_s", 0.01)
    monkeypatch.setattr(fa, "poll_max_s", 0.3)
    sandbox.add_fault("fishaudio", "clone", kind)
    with pytest.raises(cls) as caught:
        await fa.clone_voice(FishClone(samples=[VoiceSample(wavs["short"], filename="me.wav")], title="stuck"))
    assert words in assert_clear(caught.value)
    posts = [r for r in sandbox.requests("fishaudio") if r["method"] == "POST"]
    assert len(posts) == 1  # the creation is never repeated; only the status is polled


async def test_fish_out_of_credit_is_a_quota_error_and_not_retried(sandbox, wavs):
    sandbox.add_fault("fishaudio", "speech", "402", count=5)
    with pytest.raises(errors.QuotaError) as caught:
        await _fa_speak(None, wavs)
    assert "API credit" in assert_clear(caught.value)
    assert sent(sandbox, "fishaudio") == 1


# -- Cartesia: an error event after the stream started (both versions' shapes) ----------------------------
@pytest.mark.parametrize("version", ["2025-04-16", "2026-08-14"])
async def test_cartesia_error_event_mid_stream_returns_no_take(sandbox, wavs, monkeypatch, version):
    monkeypatch.setenv("CARTESIA_VERSION", version)
    sandbox.add_fault("cartesia", "speech", "error_200", code=503)
    chunks: list[bytes] = []
    with pytest.raises(errors.OverloadedError) as caught:
        await _ca_speak(None, wavs, on_chunk=chunks.append)
    assert "failed mid-stream" in assert_clear(caught.value)
    assert chunks and sent(sandbox, "cartesia") == 1  # a started stream is never replayed


async def test_cartesia_without_a_version_header_fails_like_the_real_one(sandbox):
    import httpx

    resp = httpx.get(sandbox.base_url("cartesia") + "/voices", headers={"Authorization": "Bearer k"})
    assert resp.status_code == 400 and "Cartesia-Version" in resp.text

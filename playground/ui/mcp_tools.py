"""The MCP tool set for agents (`launch(mcp_server=True)`, at /gradio_api/mcp/): list_voices,
speak, clone_voice, compare_voices, arena_score. Nothing else is listed as a tool.

How Gradio 6.31 decides (gradio/mcp.py): every endpoint in `get_api_info()` becomes a tool, i.e.
every event with `api_visibility="public"` (private and undocumented ones never do), named by
its function's `__name__`; `list_tools()` then skips functions whose `_mcp_type` is not "tool"
(what `gr.mcp.resource`/`gr.mcp.prompt` set). There is no per-event MCP switch, so
`keep_only_these_tools()` marks every other public function as not a tool: the provider tabs'
endpoints stay in the API for gradio_client, but agents see this small, documented set.

Provider keys come in request headers, declared as `gr.Header` parameters (never as tool
arguments, so they never land in an agent's transcript): `X-Provider-Key`, or per provider
`X-SiliconFlow-Key`, `X-MiniMax-Key`, `X-Zhipu-Key`, `X-OpenAI-Compat-Key` (see
playground/gateway/callers.py). With PLAYGROUND_API_TOKEN set, `Authorization: Bearer <token>`
is required, as for /v1/audio/speech.
"""

from __future__ import annotations

import json
import warnings

import gradio as gr

from playground import compare as comparing
from playground.gateway import catalog, cloning, fetch, files, listing, service
from playground.gateway.callers import check_token, provider_key
from playground.gateway.problems import classify

TOOLS = ("list_voices", "speak", "clone_voice", "compare_voices", "arena_score")
# gradio/mcp.py finds header parameters with `hint is Header or hint is Optional[Header]`: `Header | None` never
# matches, and `Optional[Header]` only while typing's small cache still holds it, so the annotation stays `gr.Header`
# and the "header absent" default is typed as one
NO_HEADER: gr.Header = None  # type: ignore[assignment]  # None stands for an absent header, see above


def _fail(exc: Exception) -> gr.Error:
    return gr.Error(classify(exc).message, print_exception=False)


def _base_url(request: gr.Request | None) -> str:
    from gradio.route_utils import get_root_url

    if request is None:
        return ""
    req = getattr(request, "request", None) or request
    path = str(getattr(req, "url", "") and req.url.path)
    # without its starlette request, a gr.Request duck-types the attributes get_root_url reads
    return get_root_url(request=req, route_path=path, root_path=None)  # type: ignore[arg-type]  # see above


def _headers(request: gr.Request | None) -> dict[str, str]:
    return dict(request.headers) if request is not None else {}


def _audio_url(request: gr.Request | None, data: bytes, name: str) -> str:
    token, safe = files.save(data, name)
    return _base_url(request) + files.url_path(token, safe)


async def list_voices(
    model: str = "",
    authorization: gr.Header = NO_HEADER,
    x_provider_key: gr.Header = NO_HEADER,
    request: gr.Request | None = None,
) -> str:
    """List the voices you can speak with: your voice library (voices cloned here) and each model's system voices.

    Args:
        model: a model id `provider/model` (e.g. `zhipu/glm-tts`, `siliconflow/FunAudioLLM/CosyVoice2-0.5B`); empty lists every available model.
    Returns:
        JSON: {"models": [model ids], "voices": [{"id", "name", "kind": "library"|"system", "provider", "model"}]}. Use a voice's id or name with `speak`.
    """  # noqa: E501  # Gradio reads each Args/Returns line of an MCP tool as one whole entry
    import asyncio

    try:
        check_token(authorization)
        headers = _headers(request)
        voices = await asyncio.to_thread(listing.voices, headers, model.strip() or None)
        models = [m["id"] for m in listing.models(headers)]
    except Exception as exc:
        raise _fail(exc) from None
    return json.dumps({"models": models, "voices": voices}, ensure_ascii=False)


async def speak(
    text: str,
    model: str,
    voice: str,
    response_format: str = "mp3",
    speed: float = 1.0,
    instructions: str = "",
    authorization: gr.Header = NO_HEADER,
    x_provider_key: gr.Header = NO_HEADER,
    request: gr.Request | None = None,
) -> str:
    """Speak a text with a provider's model and a voice; returns the URL of the audio file (kept for an hour).

    Args:
        text: what to say.
        model: a model id `provider/model`, e.g. `siliconflow/FunAudioLLM/CosyVoice2-0.5B`, `minimax/speech-02-hd`, `zhipu/glm-tts`, `openai_compat/tts-1` (see list_voices).
        voice: a voice id or name from list_voices: a library voice (cloned here) or a system voice such as `alex`, `tongtong`, `alloy`.
        response_format: mp3, opus, aac, flac, wav or pcm (24 kHz 16-bit mono); converted when the provider lacks it.
        speed: 1.0 is normal; each provider has its own range (e.g. 0.5-2.0).
        instructions: optional style instructions (models that take them: gpt-4o-mini-tts, CosyVoice2).
    Returns:
        JSON: {"audio_url", "format", "bytes", "provider", "model", "voice", "converted"}. Download audio_url to get the file.
    """  # noqa: E501  # Gradio reads each Args/Returns line of an MCP tool as one whole entry
    doc = {
        "model": model,
        "input": text,
        "voice": voice,
        "response_format": response_format or "mp3",
        "speed": float(speed) if speed is not None else None,
        "instructions": instructions or None,
    }
    try:
        check_token(authorization)
        call = service.prepare({k: v for k, v in doc.items() if v is not None}, _headers(request))
        data = await service.speak_whole(call)
    except Exception as exc:
        raise _fail(exc) from None
    name = f"{call.ask.pid}-{call.voice_id.rsplit(':', 1)[-1][:40]}.{'wav' if call.wanted == 'pcm' else call.wanted}"
    if call.wanted == "pcm":  # a file agents can play: headerless pcm wrapped as wav
        from playground.audio import wrap_pcm

        data = wrap_pcm(data, 24000)
    return json.dumps(
        {
            "audio_url": _audio_url(request, data, name),
            "format": "wav" if call.wanted == "pcm" else call.wanted,
            "bytes": len(data),
            "provider": call.ask.pid,
            "model": call.model_id,
            "voice": call.voice_id,
            "converted": call.converted,
            "sandbox": call.target.sandbox,
        },
        ensure_ascii=False,
    )


async def clone_voice(
    model: str,
    name: str,
    audio_url: str,
    transcript: str = "",
    consent: bool = False,
    authorization: gr.Header = NO_HEADER,
    x_provider_key: gr.Header = NO_HEADER,
    request: gr.Request | None = None,
) -> str:
    """Clone a voice from an audio sample and save it in your voice library under `name`, for `speak`.

    Args:
        model: the provider and model to clone for: `siliconflow/FunAudioLLM/CosyVoice2-0.5B` (or IndexTTS-2), `minimax/speech-02-hd` (any MiniMax model) or `zhipu/glm-tts`.
        name: the voice's name in the library (letters, digits, - and _); speak with it by this name.
        audio_url: the sample: an http(s) URL of an audio file (3-30 s of clear speech; MiniMax needs 10 s+) or a `data:audio/wav;base64,...` URI of an uploaded file.
        transcript: what is said in the sample (recommended; SiliconFlow needs one and uses an example text without it).
        consent: must be true: you have the right to clone this voice (your own, or its owner agreed).
    Returns:
        JSON: {"name", "voice_id", "provider", "model", "sandbox", "notes"}.
    """  # noqa: E501  # Gradio reads each Args/Returns line of an MCP tool as one whole entry
    from playground.ui.clinic_ui import require_consent

    try:
        check_token(authorization)
        require_consent(consent)
        pid, provider_model = catalog.split_model(model)
        key = provider_key(_headers(request), pid)
        sample = await fetch.sample_from(audio_url, "sample")
        done = await cloning.clone(pid, provider_model, name, sample, transcript, key)
    except Exception as exc:
        raise _fail(exc) from None
    return json.dumps(
        {
            "name": done.name,
            "voice_id": done.voice_id,
            "provider": done.provider,
            "model": f"{pid}/{provider_model}",
            "sandbox": done.sandbox,
            "notes": done.notes,
        },
        ensure_ascii=False,
    )


async def compare_voices(
    text: str,
    pairs: list[str],
    authorization: gr.Header = NO_HEADER,
    x_provider_key: gr.Header = NO_HEADER,
    request: gr.Request | None = None,
) -> str:
    """Speak one text with up to 8 provider/voice pairs at once and compare the figures.

    Args:
        text: what to say.
        pairs: up to 8 `provider|voice` or `provider|voice|model` strings, e.g. `zhipu|tongtong`, `openai_compat|alloy`, `minimax|English_Graceful_Lady|speech-02-hd`.
    Returns:
        JSON list, one entry per pair: {"pair", "ok", "error", "audio_url", "first_byte_s", "first_audio_s", "total_s", "duration_s", "rtf", "bytes", "format"}.
    """  # noqa: E501  # Gradio reads each Args/Returns line of an MCP tool as one whole entry
    try:
        check_token(authorization)
        parsed = [comparing.Pair.parse(p) for p in pairs or []]
        headers = _headers(request)
        keys = {p.provider_id: provider_key(headers, p.provider_id) for p in parsed}
        cells = await comparing.compare([text], parsed, {k: v for k, v in keys.items() if v})
    except Exception as exc:
        raise _fail(exc) from None
    out = []
    for i, cell in enumerate(cells):
        entry = {"pair": cell.pair.key, "ok": cell.ok, "error": cell.error}
        if cell.result is not None and cell.figures is not None:
            audio = cell.result.audio
            f = cell.figures
            url = _audio_url(request, audio.download_bytes(), f"{cell.file_stem(i)}.{audio.extension}")
            entry.update(
                audio_url=url,
                first_byte_s=f.first_byte_s,
                first_audio_s=f.first_audio_s,
                total_s=f.total_s,
                duration_s=f.duration_s,
                rtf=f.rtf,
                bytes=f.size_bytes,
                format=f.format,
            )
        out.append(entry)
    return json.dumps(out, ensure_ascii=False)


async def arena_score(
    reference_url: str,
    take_url: str,
    text: str,
    authorization: gr.Header = NO_HEADER,
    request: gr.Request | None = None,
) -> str:
    """Score a take against its reference voice and script, as the Arena does: speaker similarity, word/character error
    rate, DNSMOS quality, loudness.

    Args:
        reference_url: the reference voice sample: an http(s) URL or a data:audio/...;base64 URI.
        take_url: the take to score (e.g. the audio_url `speak` returned), same forms.
        text: the script the take was asked to say.
    Returns:
        JSON scorecard: {"similarity", "similarity_ceiling", "wer", "cer", "transcript", "dnsmos_ovrl", "dnsmos_p808", "duration_s", "loudness_lufs", "notes"}.
    """  # noqa: E501  # Gradio reads each Args/Returns line of an MCP tool as one whole entry
    try:
        check_token(authorization)
        from playground.scoring import score_take  # the Arena's scoring (issue 16), loaded on first use

        reference = await fetch.audio_bytes(reference_url)
        take = await fetch.audio_bytes(take_url)
        card = await score_take(reference, take, text)
    except ImportError:
        raise gr.Error("Scoring is not installed on this server (playground.scoring).", print_exception=False) from None
    except Exception as exc:
        raise _fail(exc) from None
    return json.dumps(card.as_dict(), ensure_ascii=False, default=str)


def build_mcp_tools() -> None:
    """Register the tools as API endpoints (inside the Blocks): outside Gradio's queue, so an agent
    waits only for the provider; their names are the endpoint and tool names."""
    for fn in (list_voices, speak, clone_voice, compare_voices, arena_score):
        gr.api(fn, api_name=fn.__name__, queue=False)


def keep_only_these_tools(demo: gr.Blocks) -> None:
    """Every other public endpoint stays in the API but is not listed as an MCP tool (see above)."""
    # Gradio warns about gr.State inputs of every public endpoint it considers; none of those is a tool here
    warnings.filterwarnings("ignore", message="This MCP server includes a tool that has a gr.State input")
    for block_fn in demo.fns.values():
        fn = block_fn.fn
        if fn is None or block_fn.api_visibility != "public" or getattr(fn, "__name__", "") in TOOLS:
            continue
        try:
            # list_tools() lists only "tool" (or unset); a function attribute Callable's type does not declare
            fn._mcp_type = "api-only"  # type: ignore[attr-defined]  # Gradio's own marker attribute
        except (AttributeError, TypeError):  # a builtin or bound method: leave it
            pass

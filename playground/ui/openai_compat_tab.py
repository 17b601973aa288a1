"""The OpenAI-compatible tab: OpenAI itself or any gateway that speaks its speech API.

Handlers are thin: UI values in, one adapter call, UI values out. Their signatures are
the named API endpoints (openai_speak, openai_models).
"""

from __future__ import annotations

import re

import gradio as gr

from playground import providers
from playground.providers.openai_compat import ModelList, OpenAISpeech, OpenAISpeechResult
from playground.ui.common import build_badge, build_key_box, download_file, speech_summary, ui_errors
from playground.ui.live_player import build_live_player, player_value, speak_live, streaming_outputs
from playground.ui.code_view import build_code_view
from playground.ui.fair_queue import build_cancel_button, wire_cancel
from playground.library.hooks import record_take
from playground.ui.common import register

PID = "openai_compat"
NO_MODELS_ENDPOINT = "this gateway has no /models endpoint; type the model name"


def _oa():
    return providers.get(PID)


# -- handlers (= API endpoints) -------------------------------------------------------------
@ui_errors
async def openai_speak(text, model, voice, instructions, response_format, speed, stream_format, base_url, api_key,
                       progress=gr.Progress()):
    """Text to speech through POST {base_url}/audio/speech. stream_format 'audio' reads the chunked
    body as it arrives; 'sse' reads base64 speech.audio.delta events (not for tts-1/tts-1-hd).
    An empty base_url uses OPENAI_BASE_URL/the default with OPENAI_API_KEY, or the sandbox."""
    settings = dict(locals())  # kept with the take (minus the key) for a re-run from History
    request = OpenAISpeech(
        text=text, model=model, voice=voice, instructions=instructions, response_format=response_format,
        speed=float(speed) if speed is not None else 1.0, stream_format=stream_format or "audio",
    )
    oa = _oa()
    request = oa.check_speak(request)  # a bad field fails here, before the live player opens
    progress(0.2, desc="Synthesising…")
    pcm_rate = oa.spec["pcm"]["sample_rate"] if request.response_format == "pcm" else None
    async for update in speak_live(lambda on_chunk: oa.speak(request, api_key=api_key, base_url=base_url,
                                                             on_chunk=on_chunk),
                                   live=True, fmt=request.response_format, sample_rate=pcm_rate):
        if update.result is None:
            yield streaming_outputs(update)
            continue
        result = update.result
        await record_take("openai_speak", result, oa.target(api_key, base_url), settings)
        yield result.audio.playable(), download_file(result), speak_summary(result), player_value(update)


@ui_errors
async def openai_models(base_url, api_key):
    """GET {base_url}/models. Returns a summary and the model ids (empty when the gateway has no /models)."""
    found = await _oa().list_models(api_key=api_key, base_url=base_url)
    return models_summary(found), found.models


# -- summaries -----------------------------------------------------------------------------------
def speak_summary(result: OpenAISpeechResult) -> str:
    parts = [speech_summary(result)]
    mode = "SSE events" if result.request_fields.get("stream_format") == "sse" else "chunked audio body"
    if result.first_audio_s is not None:
        parts.append(f"first audio chunk after {result.first_audio_s:.2f} s ({result.chunks} chunks, {mode})")
    fields = ", ".join(f"`{k}`" for k in result.request_fields)
    parts.append(f"sent {fields}")
    text = " · ".join(parts)
    if result.notes:
        text += "\n\n" + "\n".join(f"- ℹ️ {note}" for note in result.notes)
    return text


def models_summary(found: ModelList) -> str:
    where = f"`{found.base_url}`" + (" (sandbox)" if found.sandbox else "")
    if not found.has_endpoint:
        detail = f" ({found.detail})" if found.detail else ""
        return f"**{NO_MODELS_ENDPOINT[0].upper()}{NO_MODELS_ENDPOINT[1:]}.** {where}{detail}"
    if not found.models:
        return f"**{where} lists no models.** Type the model name."
    speech = ", ".join(f"`{m}`" for m in found.speech_models) or "none that look like speech models (type the name)"
    return f"**{len(found.models)} models** at {where}. Speech models: {speech}."


# -- UI-only helpers (private events) ---------------------------------------------------------
def _model_choices(extra: list[str] | None = None) -> list[tuple[str, str]]:
    spec = _oa().spec
    choices = [(v["label"], k) for k, v in spec["models"].items()]
    known = {k for _, k in choices}
    return choices + [(f"{m} (listed by the gateway)", m) for m in (extra or []) if m not in known]


def _on_models_listed(models, current):
    pattern = re.compile(_oa().spec["speech_model_pattern"], re.I)
    speech = [m for m in (models or []) if isinstance(m, str) and pattern.search(m)]
    return gr.update(choices=_model_choices(speech), value=current)


def _on_model(model, current_stream):
    oa = _oa()
    sse = oa.accepts_sse(model or "")
    streams = [("Chunked audio body", "audio")] + ([("SSE events (base64 deltas)", "sse")] if sse else [])
    stream = current_stream if sse and current_stream in ("audio", "sse") else "audio"
    return gr.update(visible=oa.accepts_instructions(model or "")), gr.update(choices=streams, value=stream)


def _on_use_gateway():
    url = _oa().sandbox_gateway_url()
    if url is None:
        raise gr.Error("The sandbox is not running.")
    return url, gr.update(value="tts-1"), gr.update(value="mp3")


def _voice_choices() -> list[tuple[str, str]]:
    spec = _oa().spec
    return [(f"{v} (seed 003)", v) for v in spec["seed_voices"]] + [(f"{v} (newer)", v) for v in spec["newer_voices"]]


def _format_choices() -> list[tuple[str, str]]:
    labels = {"wav": "wav (not on seed-003 gateways)", "pcm": "pcm (24 kHz, played as wav)"}
    return [(labels.get(f, f), f) for f in _oa().spec["formats"]]


# -- layout --------------------------------------------------------------------------------------
def build_openai_compat_tab() -> None:
    oa = _oa()
    spec = oa.spec
    limit = spec["limits"]["input_chars"][1]
    example = spec["examples"]["en"][0]

    build_badge(PID)
    with gr.Row():
        api_key = build_key_box(PID)
        base_url = gr.Textbox(label="Base URL (optional, this session only)", value="", elem_id="oa-base-url",
                              placeholder=f"Empty: {spec['env_base_url']}, else {spec['default_base_url']} "
                                          "(or the sandbox without a key)",
                              info="Any OpenAI-compatible gateway, e.g. https://gateway.example/v1. A typed URL "
                                   "needs a typed key.")
    with gr.Row():
        check_btn = gr.Button("Check: list the gateway's models", size="sm", elem_id="oa-check-btn")
        gateway_btn = gr.Button("Use the sandbox gateway (seed 003, no /models)", size="sm", elem_id="oa-gateway-btn")
    check_info = gr.Markdown(elem_id="oa-check-info")
    with gr.Accordion("Models the gateway lists", open=False):
        models_json = gr.JSON(label="Model ids", elem_id="oa-models")

    with gr.Row():
        with gr.Column(scale=3):
            text = gr.Textbox(label="Text", lines=4, max_lines=12, value=example, elem_id="oa-speak-text")
            counter = gr.Markdown(f"{len(example)} / {limit:,} characters", elem_id="oa-speak-counter")
            examples = gr.Dropdown(spec["examples"]["en"] + spec["examples"]["zh"], value=None, label="Examples",
                                   elem_id="oa-speak-examples")
            model = gr.Dropdown(_model_choices(), value=spec["default_model"], label="Model", allow_custom_value=True,
                                elem_id="oa-speak-model", info="Pick a preset or type any model name.")
            voice = gr.Dropdown(_voice_choices(), value=spec["default_voice"], label="Voice", allow_custom_value=True,
                                elem_id="oa-speak-voice",
                                info="Or type any name; a custom voice id (voice_…) is sent as {\"id\": …}.")
            instructions = gr.Textbox(label="Instructions (tone and style; not for tts-1/tts-1-hd)", lines=2, value="",
                                      placeholder=spec["instruction_examples"]["en"][0], elem_id="oa-speak-instructions")
        with gr.Column(scale=2):
            response_format = gr.Radio(_format_choices(), value=spec["default_format"], label="Format",
                                       elem_id="oa-speak-format")
            speed = gr.Slider(*spec["limits"]["speed"], value=1.0, step=0.05, label="Speed", elem_id="oa-speak-speed")
            stream_format = gr.Radio([("Chunked audio body", "audio"), ("SSE events (base64 deltas)", "sse")],
                                     value=spec["default_stream_format"], label="Streaming",
                                     elem_id="oa-speak-stream")
            speak_btn = gr.Button("Speak", variant="primary", elem_id="oa-speak-btn")
            speak_cancel = build_cancel_button("oa-speak-cancel")
            live = build_live_player("oa-speak-live")
            out_audio = gr.Audio(label="Result", interactive=False, elem_id="oa-speak-audio")
            out_file = gr.File(label="Download", interactive=False, elem_id="oa-speak-file")
            out_info = gr.Markdown(elem_id="oa-speak-info")

    register(f"{PID}.speak", dict(voice=voice, model=model, base_url=base_url))  # for the voice library
    build_code_view(PID)  # "View code": this session's last requests as curl and httpx
    # -- events ----------------------------------------------------------------------------
    private = dict(api_visibility="private", queue=False)
    speak_event = speak_btn.click(
        openai_speak,
        [text, model, voice, instructions, response_format, speed, stream_format, base_url, api_key],
        [out_audio, out_file, out_info, live],
        api_name="openai_speak",
    )
    wire_cancel(speak_cancel, speak_event)
    check_btn.click(openai_models, [base_url, api_key], [check_info, models_json], api_name="openai_models"
                    ).success(_on_models_listed, [models_json, model], [model], **private)
    gateway_btn.click(_on_use_gateway, None, [base_url, model, response_format], **private)
    model.change(_on_model, [model, stream_format], [instructions, stream_format], **private)
    text.change(None, [text], [counter], js=f"(t) => {{ const n = [...t].length; return `${{n.toLocaleString('en-US')}} / {limit:,} characters`"
                + f" + (n > {limit} ? ' (too long)' : ''); }}", **private)
    examples.change(lambda e, t: e or t, [examples, text], [text], **private)

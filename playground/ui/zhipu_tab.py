"""The Zhipu BigModel tab: upload a sample, clone a voice (preview plays), speak, manage voices.

Handlers are thin: UI values in, one adapter call, UI values out. Their signatures are the
named API endpoints zhipu_upload, zhipu_clone, zhipu_speak, zhipu_voices, zhipu_delete_voice.
"""

from __future__ import annotations


import gradio as gr

from playground import providers
from playground.audio import VoiceSample
from playground.errors import InputError
from playground.providers.zhipu import ZhipuClone, ZhipuSpeech, ZhipuUpload
from playground.ui.common import build_badge, build_key_box, download_file, speech_summary, ui_errors
from playground.ui.live_player import build_live_player, live_summary, player_value, speak_live, streaming_outputs
from playground.ui.code_view import build_code_view
from playground.ui.fair_queue import build_cancel_button, wire_cancel
from playground.ui.clinic_ui import build_consent, build_sample_card, connect_transcript, require_consent
from playground.library.hooks import record_take, record_upload, record_voice
from playground.ui.common import register

PID = "zhipu"
ALL_TYPES = "ALL"


def _zp():
    return providers.get(PID)


def _mode(sandbox: bool) -> str:
    return "sandbox" if sandbox else "live"


# -- handlers (= API endpoints) -------------------------------------------------------------------
@ui_errors
async def zhipu_upload(audio, consent, api_key):
    """Upload a voice sample (mp3/wav, at most 10 MB; other formats are converted) with purpose
    voice-clone-input. Returns the file id (a string) and a summary. consent must be True:
    "I have the right to clone this voice"."""
    require_consent(consent)
    sample = VoiceSample.from_input(audio)
    if sample is None:
        raise InputError("Record or upload a voice sample first.")
    result = await _zp().upload_voice(ZhipuUpload(sample), api_key=api_key)
    await record_upload(result, _zp().target(api_key))  # the library keeps the sample a later clone names
    extra = result.extra
    notes = "".join(f"\n\n⚠️ {note}" if "recommends" in note else f"\n\nℹ️ {note}" for note in result.notes)
    info = (f"**Uploaded** `{result.name}` ({extra['duration_s']:.1f} s, {extra.get('bytes') or result.sample.size:,} bytes, "
            f"purpose `{extra['purpose']}`) · {_mode(result.sandbox)}. The file id is filled in *Clone voice*.{notes}")
    return result.voice_id, info


@ui_errors
async def zhipu_clone(file_id, voice_name, transcript=None, preview_text=None, model=None, request_id=None, api_key=""):
    """Clone a voice from an uploaded sample (seed 004). Returns the voice id, the preview audio
    (fetched through the voice list's download_url) and a summary."""
    request = ZhipuClone(file_id=file_id, voice_name=voice_name, input=preview_text, model=model,
                         text=transcript, request_id=request_id)
    result = await _zp().clone_voice(request, api_key=api_key)
    preview = result.extra.get("preview")
    notes = "".join(f"\n\n⚠️ {note}" for note in result.notes)
    info = (f"**Cloned** `{result.name}` as voice `{result.voice_id}` with {result.model} · request id "
            f"`{result.extra['request_id']}` · preview file `{result.extra.get('preview_file_id')}` "
            f"({result.extra.get('file_purpose')}, played from the voice list's download link) · "
            f"{_mode(result.sandbox)}. The voice is selected in *Speak*.{notes}")
    info += await record_voice(result, _zp().target(api_key), transcript=transcript or "",
                               source_file_id=str(file_id or "").strip())
    return result.voice_id, (preview.playable() if preview else None), info


@ui_errors
async def zhipu_speak(text, model, voice, response_format, stream, encode_format, speed, volume,
                      watermark_enabled, api_key):
    """Text to speech with glm-tts / cogtts and a system voice or a clone. pcm is wrapped as
    24 kHz 16-bit mono wav so it plays; streaming (SSE) works with pcm only."""
    settings = dict(locals())  # kept with the take (minus the key) for a re-run from History
    request = ZhipuSpeech(text=text, model=model, voice=voice, response_format=response_format, stream=bool(stream),
                          encode_format=encode_format, speed=float(speed), volume=float(volume),
                          watermark_enabled=bool(watermark_enabled))
    zp = _zp()
    request = zp.check_speak(request)  # a bad field fails here, before the live player opens
    async for update in speak_live(lambda on_chunk: zp.speak(request, api_key=api_key, on_chunk=on_chunk),
                                   live=request.stream, fmt="pcm", sample_rate=zp.pcm_rate):
        if update.result is None:
            yield streaming_outputs(update)
            continue
        result = update.result
        summary = speech_summary(result) + live_summary(update)
        if update.stream:
            summary += f" ({request.encode_format} SSE)"
        if result.audio.format == "pcm":
            summary += " · pcm wrapped as 16-bit mono wav to play"
        await record_take("zhipu_speak", result, zp.target(api_key), settings)
        yield result.audio.playable(), download_file(result), summary, player_value(update)


@ui_errors
async def zhipu_voices(voice_name=None, voice_type=None, api_key=""):
    """Voices of this key: voice_name filters fuzzily, voice_type is PRIVATE, OFFICIAL or ALL.
    Rows: [name, voice, type, created, preview link]."""
    voice_type = None if (voice_type or ALL_TYPES) == ALL_TYPES else voice_type
    voices = await _zp().list_voices(api_key=api_key, voice_name=voice_name, voice_type=voice_type)
    return _rows(voices)


@ui_errors
async def zhipu_delete_voice(voice, api_key):
    """Delete one cloned voice by its id."""
    answer = await _zp().delete_voice(voice, api_key=api_key)
    return f"**Deleted** `{voice}` ({answer})."


# -- UI-only helpers (private events) ------------------------------------------------------------
def _rows(voices) -> list[list[str]]:
    return [[v.name, v.id, v.extra.get("voice_type") or "", v.extra.get("create_time") or "",
             v.extra.get("download_url") or ""] for v in voices]


def _clones(rows) -> list[list[str]]:
    return [[r[0], r[1]] for r in (rows or []) if len(r) > 2 and r[2] == "PRIVATE"]


def _voice_choices(model: str, clones) -> list[tuple[str, str]]:
    spec = _zp().spec
    legacy = spec["speech_models"].get(model, {}).get("legacy_voices", [])
    return ([(f"{label} (system)", v) for v, label in spec["system_voices"].items()]
            + [(f"{v} (legacy {model})", v) for v in legacy]
            + [(f"{name} (clone)", vid) for name, vid in (clones or [])])


def _on_voice_options(model, clones, current):
    choices = _voice_choices(model, clones)
    values = [v for _, v in choices]
    value = current if current in values else _zp().spec["default_voice"]
    ids = [vid for _, vid in (clones or [])]
    return gr.update(choices=choices, value=value), gr.update(choices=ids, value=ids[0] if ids else None)


@ui_errors
async def _on_load(api_key):
    rows = _rows(await _zp().list_voices(api_key=api_key))
    return rows, _clones(rows)


@ui_errors
async def _after_clone(voice, model, api_key):
    clones = _clones(_rows(await _zp().list_voices(api_key=api_key, voice_type="PRIVATE")))
    return clones, gr.update(choices=_voice_choices(model, clones), value=voice)


def _counter_js(limit: int) -> str:
    return ("(t) => { const n = [...(t || '').trim()].length; return n > %d ? "
            "`⚠️ **${n} / %s characters**: over Zhipu's limit of %s. Speak refuses to send it; "
            "shorten the text or split it into parts.` : `${n} / %s characters`; }") % (limit, f"{limit:,}", f"{limit:,}", f"{limit:,}")


# -- layout ------------------------------------------------------------------------------------------
def build_zhipu_tab() -> dict:
    """Build the tab; returns the page-load event (fills the voice table and the voice pickers)."""
    spec = _zp().spec
    limit = spec["limits"]["input_chars"][1]
    clone_models = [(m["label"], k) for k, m in spec["clone_models"].items()]
    speech_models = [(m["label"], k) for k, m in spec["speech_models"].items()]
    example = spec["examples"]["en"][0]

    build_badge(PID)
    api_key = build_key_box(PID)
    clones = gr.State([])

    with gr.Tabs():
        with gr.Tab("1 · Upload sample", id="zp-upload-tab"):
            with gr.Row():
                up_audio = gr.Audio(sources=["microphone", "upload"], type="filepath", elem_id="zp-upload-audio",
                                    label="Voice sample: mp3 or wav, at most 10 MB, 3–30 s recommended")
                with gr.Column():
                    gr.Markdown("Other formats (m4a, webm, ogg, flac) are converted to mp3 before upload. "
                                "Outside 3–30 s you get a warning, not a refusal.")
                    up_consent = build_consent("zp-upload")
                    up_btn = gr.Button("Upload sample", variant="primary", elem_id="zp-upload-btn")
                    up_file_id = gr.Textbox(label="File id", interactive=False, buttons=["copy"], elem_id="zp-upload-file-id")
                    up_info = gr.Markdown(elem_id="zp-upload-info")
            clinic_card = build_sample_card(up_audio, PID, "clone", prefix="zp-upload", key_box=api_key, transcribe=True)

        with gr.Tab("2 · Clone voice", id="zp-clone-tab"):
            with gr.Row():
                with gr.Column():
                    cl_file_id = gr.Textbox(label="Sample file id", elem_id="zp-clone-file-id",
                                            placeholder="filled in by step 1, or paste one")
                    cl_name = gr.Textbox(label="Voice name (unique)", elem_id="zp-clone-name",
                                         placeholder=spec["clone_example"]["voice_name"])
                    cl_text = gr.Textbox(label="Transcript of the sample (optional)", lines=2, elem_id="zp-clone-text",
                                         placeholder=spec["clone_example"]["text"]["zh"])
                    connect_transcript(clinic_card, cl_text)  # the clinic's transcript auto-fill
                    cl_input = gr.Textbox(label="Preview text", lines=2, elem_id="zp-clone-input",
                                          value=spec["clone_example"]["input"]["en"])
                with gr.Column():
                    cl_model = gr.Dropdown(clone_models, value=spec["default_clone_model"], label="Model",
                                           allow_custom_value=True, elem_id="zp-clone-model")
                    cl_request_id = gr.Textbox(label="request_id (optional, unique)", elem_id="zp-clone-request-id",
                                               placeholder="generated when empty")
                    cl_btn = gr.Button("Clone voice", variant="primary", elem_id="zp-clone-btn")
                    cl_cancel = build_cancel_button("zp-clone-cancel")
                    cl_voice = gr.Textbox(label="Voice", interactive=False, buttons=["copy"], elem_id="zp-clone-voice")
                    cl_preview = gr.Audio(label="Preview", interactive=False, autoplay=True, elem_id="zp-clone-preview")
                    cl_info = gr.Markdown(elem_id="zp-clone-info")

        with gr.Tab("3 · Speak", id="zp-speak-tab"):
            with gr.Row():
                with gr.Column(scale=3):
                    text = gr.Textbox(label="Text", lines=4, max_lines=12, value=example, elem_id="zp-speak-text")
                    counter = gr.Markdown(f"{len(example)} / {limit:,} characters", elem_id="zp-speak-counter")
                    gr.Examples([[t] for t in spec["examples"]["en"] + spec["examples"]["zh"]], [text], label="Examples")
                    model = gr.Dropdown(speech_models, value=spec["default_speech_model"], label="Model",
                                        allow_custom_value=True, elem_id="zp-speak-model")
                    voice = gr.Dropdown(_voice_choices(spec["default_speech_model"], []), value=spec["default_voice"],
                                        label="Voice (system or your clone)", allow_custom_value=True, elem_id="zp-speak-voice")
                with gr.Column(scale=2):
                    response_format = gr.Radio(spec["formats"], value=spec["default_format"], label="Format",
                                               info="pcm (default) is wrapped as 24 kHz 16-bit mono wav to play",
                                               elem_id="zp-speak-format")
                    stream = gr.Checkbox(value=True, label="Stream (SSE, pcm only; plays as it arrives)", elem_id="zp-speak-stream")
                    encode_format = gr.Radio(spec["encode_formats"], value=spec["default_encode_format"],
                                             label="Chunk encoding", visible=False, elem_id="zp-speak-encoding")
                    speed = gr.Slider(*spec["limits"]["speed"], value=1.0, step=0.05, label="Speed", elem_id="zp-speak-speed")
                    volume = gr.Slider(0.1, spec["limits"]["volume"][1], value=1.0, step=0.1, label="Volume (0, 10]",
                                       elem_id="zp-speak-volume")
                    watermark = gr.Checkbox(value=True, label="Watermark", elem_id="zp-speak-watermark",
                                            info="Turning it off works only after watermark removal is enabled in the console.")
                    speak_btn = gr.Button("Speak", variant="primary", elem_id="zp-speak-btn")
                    speak_cancel = build_cancel_button("zp-speak-cancel")
                    live = build_live_player("zp-speak-live")
                    out_audio = gr.Audio(label="Result", interactive=False, elem_id="zp-speak-audio")
                    out_file = gr.File(label="Download", interactive=False, elem_id="zp-speak-file")
                    out_info = gr.Markdown(elem_id="zp-speak-info")

        with gr.Tab("My voices", id="zp-voices-tab"):
            with gr.Row():
                name_filter = gr.Textbox(label="Name contains", elem_id="zp-voices-name", scale=2)
                type_filter = gr.Radio([ALL_TYPES, *spec["voice_types"]], value=ALL_TYPES, label="Type",
                                       elem_id="zp-voices-type", scale=2)
                refresh_btn = gr.Button("Refresh", elem_id="zp-voices-refresh", scale=1)
            table = gr.Dataframe(headers=["name", "voice", "type", "created", "preview link"], interactive=False,
                                 wrap=True, elem_id="zp-voices-table")
            with gr.Row():
                del_voice = gr.Dropdown([], label="Clone to delete", allow_custom_value=True, elem_id="zp-delete-voice", scale=3)
                del_btn = gr.Button("Delete", variant="stop", elem_id="zp-delete-btn", scale=1)
            del_info = gr.Markdown(elem_id="zp-delete-info")

    register(f"{PID}.speak", dict(voice=voice, model=model))  # for the voice library
    build_code_view(PID)  # "View code": this session's last requests as curl and httpx
    # -- events: public endpoints first, then the private reuse ----------------------------------
    private = dict(api_visibility="private")
    load_event = dict(fn=_on_load, inputs=[api_key], outputs=[table, clones], **private)

    up_btn.click(zhipu_upload, [up_audio, up_consent, api_key], [up_file_id, up_info], api_name="zhipu_upload"
                 ).success(lambda f: f, [up_file_id], [cl_file_id], queue=False, **private)
    clone_event = cl_btn.click(zhipu_clone, [cl_file_id, cl_name, cl_text, cl_input, cl_model, cl_request_id, api_key],
                               [cl_voice, cl_preview, cl_info], api_name="zhipu_clone")
    wire_cancel(cl_cancel, clone_event)
    clone_event.success(_after_clone, [cl_voice, model, api_key], [clones, voice], **private)
    speak_event = speak_btn.click(zhipu_speak, [text, model, voice, response_format, stream, encode_format, speed,
                                                volume, watermark, api_key], [out_audio, out_file, out_info, live],
                                  api_name="zhipu_speak")
    wire_cancel(speak_cancel, speak_event)
    refresh_btn.click(zhipu_voices, [name_filter, type_filter, api_key], [table], api_name="zhipu_voices")
    del_btn.click(zhipu_delete_voice, [del_voice, api_key], [del_info], api_name="zhipu_delete_voice"
                  ).success(**load_event)

    for trigger in (model.change, clones.change):
        trigger(_on_voice_options, [model, clones, voice], [voice, del_voice], queue=False, **private)
    stream.change(lambda s: gr.update(visible=bool(s)), [stream], [encode_format], queue=False, **private)
    text.change(None, [text], [counter], js=_counter_js(limit), queue=False, **private)
    api_key.blur(**load_event)
    return load_event

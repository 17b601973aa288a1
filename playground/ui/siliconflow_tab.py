"""The SiliconFlow tab: upload a voice, speak, and manage uploaded voices.

Handlers are thin: UI values in, one adapter call, UI values out. Their signatures
are the named API endpoints (siliconflow_upload, siliconflow_speak, ...).
"""

from __future__ import annotations

import asyncio

import gradio as gr

from playground import providers
from playground.audio import VoiceSample
from playground.errors import InputError
from playground.providers.siliconflow import Reference, SiliconFlowSpeech, SiliconFlowUpload
from playground.ui.common import (
    build_badge,
    build_key_box,
    download_file,
    speech_summary,
    ui_errors,
)
from playground.ui.live_player import build_live_player, live_summary, player_value, speak_live, streaming_outputs
from playground.ui.code_view import build_code_view
from playground.ui.fair_queue import build_cancel_button, wire_cancel
from playground.ui.clinic_ui import build_consent, build_sample_card, require_consent
from playground.library.hooks import record_take, record_voice
from playground.ui.common import register

PID = "siliconflow"


def _sf():
    return providers.get(PID)


# -- handlers (= API endpoints) -------------------------------------------------------------
@ui_errors
async def siliconflow_upload(audio, name, transcript, model, send_as, consent, api_key, progress=gr.Progress()):
    """Upload a reference voice (seed 000). Returns the voice uri and a summary.
    consent must be True: "I have the right to clone this voice"."""
    require_consent(consent)
    sample = VoiceSample.from_input(audio)
    if sample is None:
        raise InputError("Record or upload a voice sample first.")
    progress(0.2, desc="Checking the sample…")
    request = SiliconFlowUpload(sample=sample, name=name, text=transcript, model=model, mode=send_as)
    progress(0.5, desc="Uploading to SiliconFlow…")
    result = await _sf().upload_voice(request, api_key=api_key)
    notes = f" ({'; '.join(result.notes)})" if result.notes else ""
    info = (f"**Uploaded** `{result.name}` for {result.model} as {send_as}{notes}"
            f" · {'sandbox' if result.sandbox else 'live'}. Use the uri in *Speak*.")
    info += await record_voice(result, _sf().target(api_key), transcript=transcript or "")
    return result.voice_id, info


@ui_errors
async def siliconflow_speak(text, model, voice_source, voice, reference_audio, reference_text,
                            response_format, sample_rate, stream, speed, gain, max_tokens, api_key,
                            progress=gr.Progress()):
    """Text to speech (seed 001). voice_source='voice' uses `voice` (system name or uploaded uri);
    'reference' uses reference_audio + reference_text as a dynamic voice."""
    settings = dict(locals())  # kept with the take (minus the key) for a re-run from History
    references = []
    if voice_source == "reference":
        sample = VoiceSample.from_input(reference_audio)
        if sample is None:
            raise InputError("Record or upload a reference clip, or switch the voice source to a voice.")
        references = [Reference(sample, reference_text or "")]
        voice = None
    elif voice_source != "voice":
        raise InputError("voice_source must be 'voice' or 'reference'.")
    elif reference_audio:
        raise InputError("A voice and reference audio cannot be used together: SiliconFlow takes one or the other.",
                         hint="Leave reference_audio empty, or set voice_source='reference'.")
    request = SiliconFlowSpeech(
        text=text, model=model, voice=voice, references=references, response_format=response_format,
        sample_rate=int(sample_rate) if sample_rate else None, stream=bool(stream),
        speed=float(speed), gain=float(gain), max_tokens=int(max_tokens) if max_tokens else None,
    )
    request = await asyncio.to_thread(_sf().check_speak, request)  # a bad field fails here (reference clips decode off the loop)
    progress(0.3, desc="Synthesising…")
    async for update in speak_live(lambda on_chunk: _sf().speak(request, api_key=api_key, on_chunk=on_chunk),
                                   live=request.stream, fmt=request.response_format, sample_rate=request.sample_rate):
        if update.result is None:
            yield streaming_outputs(update)
        else:
            result = update.result
            await record_take("siliconflow_speak", result, _sf().target(api_key), settings)
            yield (result.audio.playable(), download_file(result), speech_summary(result) + live_summary(update),
                   player_value(update))


@ui_errors
async def siliconflow_voices(api_key):
    """The voices uploaded with this key: rows of [name, model, uri, transcript]."""
    voices = await _sf().list_voices(api_key=api_key)
    return [[v.name, v.model or "", v.id, v.text or ""] for v in voices]


@ui_errors
async def siliconflow_delete_voice(uri, api_key):
    """Delete one uploaded voice by its uri."""
    answer = await _sf().delete_voice(uri, api_key=api_key)
    return f"**Deleted** `{uri}` ({answer})."


# -- UI-only helpers (private events) ---------------------------------------------------------
def _voice_choices(model: str, voice_source: str, rows: list | None) -> list[tuple[str, str]]:
    sf = _sf()
    spec = sf.model_spec(model)
    choices = []
    if spec.get("system_voices"):
        choices += [(f"{v.rsplit(':', 1)[1]} (system)", v) for v in sf.system_voices(model)]
    if spec.get("uploaded_voices"):
        choices += [(f"{r[0]} (uploaded)", r[2]) for r in (rows or []) if len(r) > 2 and r[1] == model]
    return choices


def _on_voice_options(model, voice_source, rows, current):
    choices = _voice_choices(model, voice_source, rows)
    values = [c[1] for c in choices]
    value = current if current in values else (values[0] if values else None)
    spec = _sf().model_spec(model)
    can_ref = spec.get("max_references", 0) > 0
    return (
        gr.update(choices=choices, value=value, visible=voice_source == "voice"),
        gr.update(visible=voice_source == "reference" and can_ref),
        gr.update(visible=bool(spec.get("instructions"))),
        gr.update(visible=bool(spec.get("max_tokens"))),
    )


def _on_format(response_format, current):
    sf = _sf()
    rates = sf.sample_rates(response_format)
    value = int(current) if current and int(current) in rates else sf.default_sample_rate(response_format)
    return gr.update(choices=rates, value=value)


def _rows_to_uris(rows):
    uris = [r[2] for r in (rows or []) if len(r) > 2 and r[2]]
    return gr.update(choices=uris, value=uris[0] if uris else None)


# -- layout --------------------------------------------------------------------------------------
def build_siliconflow_tab() -> None:
    sf = _sf()
    spec = sf.spec
    models = list(spec["models"])
    upload_models = [m for m in models if spec["models"][m].get("upload")]
    fmt0 = spec["default_format"]

    build_badge(PID)
    api_key = build_key_box(PID)
    voices_rows = gr.State([])

    with gr.Tabs():
        with gr.Tab("Upload voice", id="sf-upload-tab"):
            with gr.Row():
                with gr.Column():
                    up_audio = gr.Audio(sources=["microphone", "upload"], type="filepath", label="Voice sample (under 30 s)",
                                        elem_id="sf-upload-audio")
                    up_text = gr.Textbox(label="Transcript of the sample", lines=2, elem_id="sf-upload-text",
                                         placeholder=spec["upload_example_text"]["en"])
                    build_sample_card(up_audio, PID, "upload", prefix="sf-upload", transcript=up_text, key_box=api_key)
                with gr.Column():
                    up_name = gr.Textbox(label="Voice name", value="my-voice", elem_id="sf-upload-name",
                                         info="Letters, digits, '-' and '_'.")
                    up_model = gr.Dropdown(upload_models, value=upload_models[0], label="Model", elem_id="sf-upload-model",
                                           info="An uploaded voice works only with the model it was uploaded for.")
                    up_mode = gr.Radio([("multipart file", "multipart"), ("JSON + base64 data URI", "json")],
                                       value="multipart", label="Send as", elem_id="sf-upload-mode")
                    up_consent = build_consent("sf-upload")
                    up_btn = gr.Button("Upload voice", variant="primary", elem_id="sf-upload-btn")
                    up_uri = gr.Textbox(label="Voice uri", interactive=False, buttons=["copy"], elem_id="sf-upload-uri")
                    up_info = gr.Markdown(elem_id="sf-upload-info")

        with gr.Tab("Speak", id="sf-speak-tab"):
            with gr.Row():
                with gr.Column(scale=3):
                    text = gr.Textbox(label="Text", lines=4, value=spec["examples"]["en"][0], elem_id="sf-speak-text",
                                      max_lines=12)
                    counter = gr.Markdown(f"{len(spec['examples']['en'][0])} / {spec['limits']['input_chars'][1]:,} characters",
                                          elem_id="sf-speak-counter")
                    with gr.Row(visible=True, elem_id="sf-helpers") as helpers:
                        instruction = gr.Dropdown(spec["emotion_instructions"]["en"] + spec["emotion_instructions"]["zh"],
                                                  value=spec["emotion_instructions"]["en"][0], allow_custom_value=True,
                                                  label="Emotion / style instruction", scale=3)
                        add_instruction = gr.Button("Insert instruction", size="sm", scale=1)
                        tag_buttons = [gr.Button(tag, size="sm", scale=1) for tag in spec["tags"]]
                    model = gr.Dropdown(models, value=spec["default_model"], label="Model", elem_id="sf-speak-model")
                    voice_source = gr.Radio([("System or uploaded voice", "voice"), ("Reference clip (dynamic voice)", "reference")],
                                            value="voice", label="Voice source", elem_id="sf-speak-voice-source")
                    voice = gr.Dropdown(_voice_choices(spec["default_model"], "voice", []),
                                        value=sf.system_voices(spec["default_model"])[0], label="Voice", allow_custom_value=True,
                                        elem_id="sf-speak-voice")
                    with gr.Group(visible=False) as ref_group:
                        reference_audio = gr.Audio(sources=["microphone", "upload"], type="filepath",
                                                   label="Reference clip (under 30 s)", elem_id="sf-speak-ref-audio")
                        reference_text = gr.Textbox(label="Transcript of the reference clip", elem_id="sf-speak-ref-text")
                        build_sample_card(reference_audio, PID, "reference", prefix="sf-ref", transcript=reference_text,
                                          key_box=api_key)
                with gr.Column(scale=2):
                    response_format = gr.Radio(list(spec["formats"]), value=fmt0, label="Format", elem_id="sf-speak-format")
                    sample_rate = gr.Dropdown(sf.sample_rates(fmt0), value=sf.default_sample_rate(fmt0), label="Sample rate (Hz)",
                                              allow_custom_value=True, elem_id="sf-speak-rate")
                    stream = gr.Checkbox(value=True, label="Stream (chunked body, plays as it arrives)", elem_id="sf-speak-stream")
                    speed = gr.Slider(*spec["limits"]["speed"], value=1.0, step=0.05, label="Speed", elem_id="sf-speak-speed")
                    gain = gr.Slider(*spec["limits"]["gain"], value=0.0, step=0.5, label="Gain (dB)", elem_id="sf-speak-gain")
                    max_tokens = gr.Number(value=None, label="max_tokens (MOSS-TTSD)", precision=0, visible=False,
                                           elem_id="sf-speak-max-tokens")
                    speak_btn = gr.Button("Speak", variant="primary", elem_id="sf-speak-btn")
                    speak_cancel = build_cancel_button("sf-speak-cancel")
                    live = build_live_player("sf-speak-live")
                    out_audio = gr.Audio(label="Result", interactive=False, elem_id="sf-speak-audio")
                    out_file = gr.File(label="Download", interactive=False, elem_id="sf-speak-file")
                    out_info = gr.Markdown(elem_id="sf-speak-info")

        with gr.Tab("My voices", id="sf-voices-tab"):
            refresh_btn = gr.Button("Refresh", elem_id="sf-voices-refresh")
            table = gr.Dataframe(headers=["name", "model", "uri", "transcript"], interactive=False,
                                 elem_id="sf-voices-table", wrap=True)
            with gr.Row():
                del_uri = gr.Dropdown([], label="Voice to delete", allow_custom_value=True, elem_id="sf-delete-uri", scale=3)
                del_btn = gr.Button("Delete", variant="stop", elem_id="sf-delete-btn", scale=1)
            del_info = gr.Markdown(elem_id="sf-delete-info")

    register(f"{PID}.speak", dict(voice=voice, model=model, voice_source=voice_source))  # for the voice library
    build_code_view(PID)  # "View code": this session's last requests as curl and httpx
    # -- events ----------------------------------------------------------------------------
    private = dict(api_visibility="private", queue=False)
    list_event = dict(fn=siliconflow_voices, inputs=[api_key], outputs=[table], api_visibility="private",
                      api_name="siliconflow_voices_refresh")

    refresh_btn.click(siliconflow_voices, [api_key], [table], api_name="siliconflow_voices")
    up_btn.click(siliconflow_upload, [up_audio, up_name, up_text, up_model, up_mode, up_consent, api_key], [up_uri, up_info],
                 api_name="siliconflow_upload").success(**list_event)
    speak_event = speak_btn.click(
        siliconflow_speak,
        [text, model, voice_source, voice, reference_audio, reference_text, response_format, sample_rate, stream,
         speed, gain, max_tokens, api_key],
        [out_audio, out_file, out_info, live],
        api_name="siliconflow_speak",
    )
    wire_cancel(speak_cancel, speak_event)
    del_btn.click(siliconflow_delete_voice, [del_uri, api_key], [del_info], api_name="siliconflow_delete_voice"
                  ).success(**list_event)

    table.change(lambda rows: rows, [table], [voices_rows], **private)
    voices_rows.change(_rows_to_uris, [voices_rows], [del_uri], **private)
    for trigger in (model.change, voice_source.change, voices_rows.change):
        trigger(_on_voice_options, [model, voice_source, voices_rows, voice], [voice, ref_group, helpers, max_tokens], **private)
    response_format.change(_on_format, [response_format, sample_rate], [sample_rate], **private)
    text.change(None, [text], [counter], js=f"(t) => `${{t.length}} / {spec['limits']['input_chars'][1]:,} characters`",
                **private)
    add_instruction.click(None, [instruction, text], [text],
                          js="(i, t) => (t.includes('<|endofprompt|>') ? t.split('<|endofprompt|>').slice(1).join('') : t).replace(/^/, i.trim() + ' <|endofprompt|>')",
                          **private)
    for button, tag in zip(tag_buttons, spec["tags"]):
        button.click(None, [text], [text], js=f"(t) => t + ' {tag} '", **private)
    api_key.blur(**list_event)
    return list_event, table

"""Components of the MiniMax tab (no events here: see minimax_tab.py). elem_ids start with `mm-`."""

from __future__ import annotations

from types import SimpleNamespace

import gradio as gr

from playground.providers.minimax_checks import suggest_voice_id
from playground.ui.clinic_ui import build_consent, build_sample_card, connect_transcript
from playground.ui.common import build_badge, build_key_box
from playground.ui.fair_queue import build_cancel_button
from playground.ui.live_player import build_live_player


def minimax_suggest_voice_id() -> str:
    """A fresh valid voice_id per page load (its name is the API endpoint's: provider-prefixed)."""
    return suggest_voice_id()


PID = "minimax"


def _region_choices(mm) -> list[tuple[str, str]]:
    choices = [(r["label"], name) for name, r in mm.spec["regions"].items()]
    if mm.default_region() == "env":
        choices.append((f"From {mm.spec['env_base_url']}", "env"))
    return choices


def _build_account(ui: SimpleNamespace, mm) -> None:
    build_badge(PID)
    with gr.Row():
        ui.api_key = build_key_box(PID)
        ui.region = gr.Radio(
            _region_choices(mm),
            value=mm.default_region(),
            label="Region",
            elem_id="mm-region",
            info="A key works only on its own region's host; the sandbox ignores this.",
        )
        ui.group_id = gr.Textbox(
            label="GroupId (optional, legacy)",
            value="",
            elem_id="mm-group-id",
            placeholder=f"Leave empty (or set {mm.spec['env_group_id']})",
            info="Sent as ?GroupId= only when set.",
        )
    ui.clones = gr.State([])


def _build_upload(ui: SimpleNamespace, mm) -> None:
    s = mm.spec["samples"]
    with gr.Row():
        with gr.Column():
            ui.up_audio = gr.Audio(
                sources=["microphone", "upload"], type="filepath", label="Audio sample", elem_id="mm-upload-audio"
            )
            ui.up_purpose = gr.Radio(
                [
                    (
                        f"voice_clone: the voice to clone ({s['voice_clone']['min_duration_s']:g} s to "
                        f"{s['voice_clone']['max_duration_s'] / 60:g} min)",
                        "voice_clone",
                    ),
                    (
                        f"prompt_audio: optional short example (under {s['prompt_audio']['max_duration_s']:g} s)",
                        "prompt_audio",
                    ),
                ],
                value="voice_clone",
                label="Purpose",
                elem_id="mm-upload-purpose",
            )
            ui.up_trim = gr.Checkbox(
                False,
                label=f"Trim a long prompt clip to its best {s['prompt_audio']['trim_to_s']:g} s",
                elem_id="mm-upload-trim",
            )
            ui.up_card = build_sample_card(
                ui.up_audio,
                PID,
                ui.up_purpose,
                prefix="mm-upload",
                key_box=ui.api_key,
                transcribe=True,
                transcript_operations=["prompt_audio"],
            )
        with gr.Column():
            gr.Markdown(
                "mp3, m4a or wav up to 20 MB; other formats, and wav files over 20 MB, are converted to mp3 "
                "before upload (noted). Duration and size are checked before anything is sent."
            )
            ui.up_consent = build_consent("mm-upload")
            ui.up_btn = gr.Button("Upload", variant="primary", elem_id="mm-upload-btn")
            ui.up_file_id = gr.Textbox(
                label="file_id (exact int64, kept as text)",
                interactive=False,
                buttons=["copy"],
                elem_id="mm-upload-file-id",
            )
            ui.up_info = gr.Markdown(elem_id="mm-upload-info")


def _build_clone(ui: SimpleNamespace, mm, lifecycle: str) -> None:
    spec = mm.spec
    gr.Markdown(lifecycle, elem_id="mm-clone-lifecycle")
    with gr.Row():
        with gr.Column():
            ui.cl_file_id = gr.Textbox(
                label="file_id of the clone source (purpose voice_clone)", elem_id="mm-clone-file-id"
            )
            with gr.Row():
                ui.cl_voice_id = gr.Textbox(
                    label="New voice_id",
                    value=minimax_suggest_voice_id,
                    elem_id="mm-clone-voice-id",
                    info="8-256 characters, a letter first, letters/digits/-/_, "
                    "not ending in - or _; never reused after deletion.",
                    scale=4,
                )
                ui.cl_suggest = gr.Button("Suggest", size="sm", elem_id="mm-clone-suggest", scale=1)
            ui.cl_voice_check = gr.Markdown(elem_id="mm-clone-voice-check")
            ui.cl_prompt_id = gr.Textbox(
                label="Prompt clip file_id (optional, purpose prompt_audio)", elem_id="mm-clone-prompt-id"
            )
            ui.cl_prompt_text = gr.Textbox(label="Transcript of the prompt clip", elem_id="mm-clone-prompt-text")
            connect_transcript(ui.up_card, ui.cl_prompt_text)  # filled from a prompt_audio clip (the clinic)
        with gr.Column():
            ui.cl_text = gr.Textbox(
                label="Preview text (optional, up to 1000 characters)",
                lines=2,
                value=spec["preview_example"]["en"],
                elem_id="mm-clone-text",
            )
            ui.cl_model = gr.Dropdown(
                spec["models"],
                value=spec["default_model"],
                label="Preview model (needed with a text)",
                elem_id="mm-clone-model",
                allow_custom_value=True,
            )
            with gr.Row():
                ui.cl_noise = gr.Checkbox(False, label="need_noise_reduction", elem_id="mm-clone-noise")
                ui.cl_volume = gr.Checkbox(False, label="need_volume_normalization", elem_id="mm-clone-volume")
            ui.cl_language = gr.Dropdown(
                [("(none)", "")] + [(x, x) for x in spec["language_boost"]],
                value="",
                label="language_boost",
                elem_id="mm-clone-language",
                allow_custom_value=True,
            )
            ui.cl_btn = gr.Button("Clone", variant="primary", elem_id="mm-clone-btn")
            ui.cl_cancel = build_cancel_button("mm-clone-cancel")
            ui.cl_demo = gr.Audio(label="Preview (demo_audio)", interactive=False, elem_id="mm-clone-demo")
            ui.cl_info = gr.Markdown(elem_id="mm-clone-info")


def _build_speak(ui: SimpleNamespace, mm) -> None:
    spec, limits = mm.spec, mm.spec["limits"]
    with gr.Row():
        with gr.Column(scale=3):
            ui.sp_text = gr.Textbox(
                label="Text",
                lines=4,
                value=spec["examples"]["en"][0],
                elem_id="mm-speak-text",
                info=f"Up to {limits['text_chars'][1]:,} characters. <#x#> pauses x seconds "
                f"({limits['pause_s'][0]:g}-{limits['pause_s'][1]:g}); (laughs), (breath), "
                "(sighs) work on speech-2.8 models.",
            )
            with gr.Row():
                ui.sp_helpers = [
                    gr.Button(tag, size="sm", elem_id=f"mm-speak-insert-{i}")
                    for i, tag in enumerate(["<#0.5#>", *spec["interjections"]])
                ]
            ui.sp_model = gr.Dropdown(
                spec["models"],
                value=spec["default_model"],
                label="Model",
                elem_id="mm-speak-model",
                allow_custom_value=True,
            )
            ui.sp_voice = gr.Dropdown(
                [(f"{k} · {v}", k) for k, v in spec["system_voices"].items()],
                value=spec["default_voice"],
                label="Voice (system or your clone)",
                allow_custom_value=True,
                elem_id="mm-speak-voice",
            )
            with gr.Row():
                ui.sp_speed = gr.Slider(
                    limits["speed"][0],
                    limits["speed"][1],
                    value=1.0,
                    step=0.05,
                    label="Speed",
                    elem_id="mm-speak-speed",
                )
                ui.sp_vol = gr.Slider(
                    0.1, limits["vol"][1], value=1.0, step=0.1, label="Volume", elem_id="mm-speak-vol"
                )
                ui.sp_pitch = gr.Slider(
                    limits["pitch"][0],
                    limits["pitch"][1],
                    value=0,
                    step=1,
                    label="Pitch (semitones)",
                    elem_id="mm-speak-pitch",
                )
            with gr.Row():
                ui.sp_emotion = gr.Dropdown(
                    [("(model chooses)", "")] + [(e, e) for e in spec["emotions"]],
                    value="",
                    label="Emotion",
                    elem_id="mm-speak-emotion",
                    allow_custom_value=True,
                )
                ui.sp_language = gr.Dropdown(
                    [("(none)", "")] + [(x, x) for x in spec["language_boost"]],
                    value="",
                    label="language_boost",
                    elem_id="mm-speak-language",
                    allow_custom_value=True,
                )
        with gr.Column(scale=2):
            ui.sp_format = gr.Radio(
                spec["formats"], value=spec["default_format"], label="Format", elem_id="mm-speak-format"
            )
            with gr.Row():
                ui.sp_rate = gr.Dropdown(
                    spec["sample_rates"],
                    value=spec["default_sample_rate"],
                    label="Sample rate (Hz)",
                    elem_id="mm-speak-rate",
                    allow_custom_value=True,
                )
                ui.sp_bitrate = gr.Dropdown(
                    spec["bitrates"],
                    value=spec["default_bitrate"],
                    label="Bitrate (mp3)",
                    elem_id="mm-speak-bitrate",
                    allow_custom_value=True,
                )
                ui.sp_channel = gr.Radio(spec["channels"], value=1, label="Channels", elem_id="mm-speak-channel")
            with gr.Row():
                ui.sp_stream = gr.Checkbox(
                    True, label="Stream (SSE, plays as it arrives; not with wav)", elem_id="mm-speak-stream"
                )
                ui.sp_output = gr.Radio(
                    spec["output_formats"],
                    value="hex",
                    label="output_format (url: no streaming)",
                    elem_id="mm-speak-output-format",
                )
            ui.sp_btn = gr.Button("Speak", variant="primary", elem_id="mm-speak-btn")
            ui.sp_cancel = build_cancel_button("mm-speak-cancel")
            ui.sp_live = build_live_player("mm-speak-live")
            ui.sp_audio = gr.Audio(label="Result", interactive=False, elem_id="mm-speak-audio")
            ui.sp_file = gr.File(label="Download", interactive=False, elem_id="mm-speak-file")
            ui.sp_info = gr.Markdown(elem_id="mm-speak-info")


def _build_voices(ui: SimpleNamespace, mm) -> None:
    with gr.Row():
        ui.voice_type = gr.Radio(
            mm.spec["voice_types"], value="all", label="voice_type", elem_id="mm-voices-type", scale=3
        )
        ui.refresh_btn = gr.Button("Refresh", elem_id="mm-voices-refresh", scale=1)
    ui.table = gr.Dataframe(
        headers=["voice_id", "name", "type", "status", "created"],
        interactive=False,
        type="array",
        elem_id="mm-voices-table",
        wrap=True,
    )
    with gr.Row():
        ui.del_voice = gr.Dropdown(
            [], label="Voice to delete", allow_custom_value=True, elem_id="mm-delete-voice", scale=3
        )
        ui.del_type = gr.Radio(
            mm.spec["deletable_voice_types"],
            value="voice_cloning",
            label="voice_type",
            elem_id="mm-delete-type",
            scale=2,
        )
        ui.del_btn = gr.Button("Delete", variant="stop", elem_id="mm-delete-btn", scale=1)
    ui.del_info = gr.Markdown(elem_id="mm-delete-info")


def build_layout(mm, lifecycle: str) -> SimpleNamespace:
    ui = SimpleNamespace()
    _build_account(ui, mm)
    with gr.Tabs():
        with gr.Tab("Upload audio", id="mm-upload-tab"):
            _build_upload(ui, mm)
        with gr.Tab("Clone voice", id="mm-clone-tab"):
            _build_clone(ui, mm, lifecycle)
        with gr.Tab("Text to speech", id="mm-speak-tab"):
            _build_speak(ui, mm)
        with gr.Tab("Voices (list / delete)", id="mm-voices-tab"):
            _build_voices(ui, mm)
    return ui

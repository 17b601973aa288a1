"""The MiniMax tab: upload a sample, clone it, speak with it, manage voices.

Handlers are thin: UI values in, one adapter call, UI values out. Their signatures are the
named API endpoints (minimax_upload, minimax_clone, minimax_speak, minimax_voices,
minimax_delete_voice). Clones made in this session are kept in a gr.State because MiniMax
lists a clone only after its first use in speech.
"""

from __future__ import annotations

import time

import gradio as gr

from playground import providers
from playground.audio import VoiceSample
from playground.errors import InputError
from playground.library.hooks import record_take, record_upload, record_voice
from playground.providers.minimax import MiniMaxClone, MiniMaxSpeech, MiniMaxUpload
from playground.providers.minimax_checks import suggest_voice_id, voice_id_problem
from playground.ui.clinic_ui import require_consent
from playground.ui.code_view import build_code_view
from playground.ui.common import download_file, register, speech_summary, ui_errors
from playground.ui.fair_queue import wire_cancel
from playground.ui.live_player import player_value, speak_live, streaming_outputs

PID = "minimax"
NOT_LISTED = "not yet listed by MiniMax (it appears after its first use in speech)"
LIFECYCLE = (
    "⚠️ **Clone lifecycle**: MiniMax deletes a cloned voice that is not used for speech within "
    "**7 days (168 h)**, and bills the clone fee on its **first use** in speech (the preview made here "
    "does not count). Cloning itself is free; the preview is billed like speech."
)


def _mm():
    return providers.get(PID)


def _mode(result) -> str:
    return "sandbox" if result.sandbox else "live"


# -- handlers (= API endpoints) -------------------------------------------------------------
@ui_errors
async def minimax_upload(audio, purpose, trim_prompt, region, group_id, consent, api_key, progress=gr.Progress()):
    """Upload audio to /v1/files/upload. purpose='voice_clone' (10 s-5 min source) or 'prompt_audio'
    (< 8 s example; trim_prompt=True keeps its best 7.5 s). Returns the exact file_id as a string.
    consent must be True: "I have the right to clone this voice"."""
    require_consent(consent)
    sample = VoiceSample.from_input(audio)
    if sample is None:
        raise InputError("Record or upload an audio sample first.")
    progress(0.2, desc="Checking the sample…")
    request = MiniMaxUpload(
        sample=sample, purpose=purpose, trim_prompt=bool(trim_prompt), region=region, group_id=group_id
    )
    result = await _mm().upload_voice(request, api_key=api_key)
    await record_upload(result, _mm().target(api_key))  # the library keeps the sample a later clone names
    notes = f" · {'; '.join(result.notes)}" if result.notes else ""
    info = (
        f"**Uploaded** {result.sample.info.describe()} as `{result.extra['purpose']}` · "
        f"file_id `{result.voice_id}`{notes} · {_mode(result)}."
    )
    return result.voice_id, info


@ui_errors
async def minimax_clone(
    file_id,
    voice_id,
    prompt_file_id=None,
    prompt_text=None,
    preview_text=None,
    model=None,
    need_noise_reduction=False,
    need_volume_normalization=False,
    language_boost=None,
    region=None,
    group_id=None,
    api_key="",
    clones=None,
):
    """Clone a voice (/v1/voice_clone) from an uploaded file_id (string of digits). With preview_text and
    model, returns the preview audio. The new voice is kept in this session's list."""
    request = MiniMaxClone(
        file_id=file_id,
        voice_id=voice_id,
        prompt_file_id=prompt_file_id or None,
        prompt_text=prompt_text,
        text=preview_text,
        model=model,
        need_noise_reduction=bool(need_noise_reduction),
        need_volume_normalization=bool(need_volume_normalization),
        language_boost=language_boost or None,
        region=region,
        group_id=group_id,
    )
    result = await _mm().clone_voice(request, api_key=api_key)
    clones = [c for c in (clones or []) if c.get("voice_id") != result.voice_id]
    clones.append({"voice_id": result.voice_id, "created": time.strftime("%Y-%m-%d %H:%M"), "used": False})
    demo = result.extra.get("demo_audio")
    parts = [f"**Cloned** `{result.voice_id}`", _mode(result)]
    if result.extra.get("clone_prompt"):
        parts.append("with a prompt clip")
    parts.append("preview below" if demo else "no preview (give a preview text and a model to get one)")
    parts += result.notes
    info = " · ".join(parts) + ". Use it in *Speak* within 7 days, or MiniMax deletes it."
    info += await record_voice(result, _mm().target(api_key), source_file_id=str(file_id or "").strip())
    return (demo.playable() if demo else None), info, clones


@ui_errors
async def minimax_speak(
    text,
    model,
    voice_id,
    speed,
    vol,
    pitch,
    emotion,
    sample_rate,
    bitrate,
    audio_format,
    channel,
    language_boost,
    stream,
    output_format,
    region,
    group_id,
    api_key,
    progress=gr.Progress(),
):
    """Text to speech (/v1/t2a_v2). stream=True parses the SSE stream (mp3/pcm/flac; wav only without
    streaming); output_format='url' (not with streaming) downloads the returned link."""
    settings = dict(locals())  # kept with the take (minus the key) for a re-run from History
    request = MiniMaxSpeech(
        text=text,
        voice_id=voice_id,
        model=model,
        speed=speed,
        vol=vol,
        pitch=pitch,
        emotion=emotion or None,
        sample_rate=sample_rate,
        bitrate=bitrate,
        format=audio_format,
        channel=channel,
        language_boost=language_boost or None,
        stream=bool(stream),
        output_format=output_format or "hex",
        region=region,
        group_id=group_id,
    )
    request = _mm().check_speak(request)  # a bad field fails here, before the live player opens
    progress(0.3, desc="Synthesising…")
    async for update in speak_live(
        lambda on_chunk: _mm().speak(request, api_key=api_key, on_chunk=on_chunk),
        live=request.stream,
        fmt=request.format,
        sample_rate=request.sample_rate,
        channels=request.channel,
    ):
        if update.result is None:
            yield streaming_outputs(update)
            continue
        result = update.result
        extra = []
        if result.first_audio_s is not None:
            extra.append(
                f"first audio chunk {result.first_audio_s:.2f} s" + (" (streamed live)" if update.stream else "")
            )
        if result.audio_url:
            extra.append("downloaded from the returned link (valid 24 h)")
        if result.extra_info.get("audio_length"):
            extra.append(f"{result.extra_info['audio_length'] / 1000:.1f} s of audio")
        if result.request_id:
            extra.append(f"Trace-Id `{result.request_id}`")
        summary = " · ".join([speech_summary(result), *extra])
        await record_take("minimax_speak", result, _mm().target(api_key), settings)
        yield result.audio.playable(), download_file(result), summary, player_value(update)


@ui_errors
async def minimax_voices(voice_type, region, group_id, api_key, clones=None):
    """Voices of this key (/v1/get_voice): rows of [voice_id, name, type, status, created]. Clones made in this
    session are merged in, marked as not yet listed until MiniMax lists them (after their first use)."""
    voice_type = voice_type or "all"
    voices = await _mm().list_voices(api_key=api_key, voice_type=voice_type, region=region, group_id=group_id)
    rows = []
    for v in voices:
        status = "system voice" if v.kind == "system" else "listed by MiniMax"
        rows.append([v.id, v.name, v.extra.get("voice_type", v.kind), status, v.extra.get("created_time") or ""])
    if voice_type in ("all", "voice_cloning"):
        listed = {r[0] for r in rows}
        rows += [
            [c["voice_id"], c["voice_id"], "voice_cloning (this session)", NOT_LISTED, c.get("created", "")]
            for c in (clones or [])
            if c.get("voice_id") not in listed
        ]
    return rows


@ui_errors
async def minimax_delete_voice(voice_id, voice_type, region, group_id, api_key, clones=None):
    """Delete a cloned (voice_cloning) or designed (voice_generation) voice. A deleted voice_id cannot be reused."""
    answer = await _mm().delete_voice(
        voice_id or "", api_key=api_key, voice_type=voice_type or "voice_cloning", region=region, group_id=group_id
    )
    clones = [c for c in (clones or []) if c.get("voice_id") != (voice_id or "").strip()]
    return f"`{voice_id}`: **{answer}**. This voice_id can never be used again.", clones


# -- UI-only helpers (private events) -----------------------------------------------------------
def _mark_used(voice_id, clones):
    return [{**c, "used": True} if c.get("voice_id") == voice_id else c for c in (clones or [])]


def _voice_choices(clones, rows, current):
    spec = _mm().spec
    choices = [(f"{vid} · {label}", vid) for vid, label in spec["system_voices"].items()]
    seen = {c[1] for c in choices}
    for row in rows or []:
        if len(row) > 2 and row[0] and row[0] not in seen and "system" not in str(row[2]):
            choices.append((f"{row[0]} · your clone", row[0]))
            seen.add(row[0])
    for c in clones or []:
        if c.get("voice_id") not in seen:
            choices.append((f"{c['voice_id']} · your clone (this session)", c["voice_id"]))
            seen.add(c["voice_id"])
    values = [c[1] for c in choices]
    value = current or spec["default_voice"]
    deletable = [v for v in values if v not in spec["system_voices"]]
    return (
        gr.update(choices=choices, value=value),
        gr.update(choices=deletable, value=deletable[-1] if deletable else None),
    )


def _check_voice_id(voice_id):
    voice_id = (voice_id or "").strip()
    problem = voice_id_problem(voice_id, _mm().spec["limits"]["voice_id_chars"])
    if problem is None:
        return f"✅ `{voice_id}` follows the rules (it must also be new)."
    return f"❌ The voice_id {problem}. Try `{suggest_voice_id(voice_id)}`."


def _route_file_id(file_id, purpose):
    """Put a fresh file_id where the clone needs it: the source, or the prompt clip."""
    if purpose == "prompt_audio":
        return gr.update(), gr.update(value=file_id)
    return gr.update(value=file_id), gr.update()


def _on_format(audio_format):
    return gr.update(visible=audio_format == "mp3")


# -- layout ----------------------------------------------------------------------------------------
def build_minimax_tab() -> dict:
    """Build the tab; returns the voice-list event for the app's load."""
    from playground.ui.minimax_layout import build_layout

    ui = build_layout(_mm(), LIFECYCLE)
    register(f"{PID}.speak", dict(voice=ui.sp_voice, model=ui.sp_model))  # for the voice library
    build_code_view(PID)  # "View code": this session's last requests as curl and httpx
    private = dict(api_visibility="private", queue=False)
    account = [ui.region, ui.group_id, ui.api_key]
    list_event = dict(
        fn=minimax_voices,
        inputs=[ui.voice_type, *account, ui.clones],
        outputs=[ui.table],
        api_visibility="private",
        api_name="minimax_voices_refresh",
    )

    # public endpoints first (a private reuse registered earlier would rename them)
    ui.refresh_btn.click(minimax_voices, [ui.voice_type, *account, ui.clones], [ui.table], api_name="minimax_voices")
    ui.up_btn.click(
        minimax_upload,
        [ui.up_audio, ui.up_purpose, ui.up_trim, ui.region, ui.group_id, ui.up_consent, ui.api_key],
        [ui.up_file_id, ui.up_info],
        api_name="minimax_upload",
    ).success(_route_file_id, [ui.up_file_id, ui.up_purpose], [ui.cl_file_id, ui.cl_prompt_id], **private)
    clone_event = ui.cl_btn.click(
        minimax_clone,
        [
            ui.cl_file_id,
            ui.cl_voice_id,
            ui.cl_prompt_id,
            ui.cl_prompt_text,
            ui.cl_text,
            ui.cl_model,
            ui.cl_noise,
            ui.cl_volume,
            ui.cl_language,
            *account,
            ui.clones,
        ],
        [ui.cl_demo, ui.cl_info, ui.clones],
        api_name="minimax_clone",
    )
    clone_event.success(**list_event)
    wire_cancel(ui.cl_cancel, clone_event)
    speak_event = ui.sp_btn.click(
        minimax_speak,
        [
            ui.sp_text,
            ui.sp_model,
            ui.sp_voice,
            ui.sp_speed,
            ui.sp_vol,
            ui.sp_pitch,
            ui.sp_emotion,
            ui.sp_rate,
            ui.sp_bitrate,
            ui.sp_format,
            ui.sp_channel,
            ui.sp_language,
            ui.sp_stream,
            ui.sp_output,
            *account,
        ],
        [ui.sp_audio, ui.sp_file, ui.sp_info, ui.sp_live],
        api_name="minimax_speak",
    )
    wire_cancel(ui.sp_cancel, speak_event)
    speak_event.success(_mark_used, [ui.sp_voice, ui.clones], [ui.clones], **private).success(**list_event)
    ui.del_btn.click(
        minimax_delete_voice,
        [ui.del_voice, ui.del_type, *account, ui.clones],
        [ui.del_info, ui.clones],
        api_name="minimax_delete_voice",
    ).success(**list_event)

    for trigger in (ui.table.change, ui.clones.change):
        trigger(_voice_choices, [ui.clones, ui.table, ui.sp_voice], [ui.sp_voice, ui.del_voice], **private)
    ui.cl_voice_id.change(_check_voice_id, [ui.cl_voice_id], [ui.cl_voice_check], **private)
    ui.cl_suggest.click(lambda v: suggest_voice_id(v), [ui.cl_voice_id], [ui.cl_voice_id], **private)
    for button in ui.sp_helpers:
        button.click(None, [ui.sp_text], [ui.sp_text], js=f"(t) => t + ' {button.value} '", **private)
    ui.sp_format.change(_on_format, [ui.sp_format], [ui.sp_bitrate], **private)
    ui.voice_type.change(**list_event)
    ui.api_key.blur(**list_event)
    return list_event
